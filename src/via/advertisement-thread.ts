/**
 * The worker side of an advertisement run in its own thread (worker-advertisement.ts is the other
 * side): starts it with the options the main thread sent, posts every event, warning, the end and
 * a failure to start back, and closes it when asked. A thread entry is one call:
 * `runAdvertisementThread((options, onEvent) => advertiseVia(options, onEvent))`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AdvertiseViaOptions, ViaEvent } from './advertise-via.js';
import { ProvdiscError } from '../util/errors.js';

/** What ViaAdvertisement.finished settles with. */
export type ViaEnd = ViaEvent & { event: 'goodbye' | 'conflict' | 'dhcp-closed' };

/** An advertisement as the thread drives it: ViaAdvertisement, or a stand-in in tests. */
export interface ThreadAdvertisement {
  readonly finished: Promise<ViaEnd>;
  close(): Promise<void>;
}

/** A startup failure, as it crosses threads (a typed error keeps its class name, code and hint). */
export interface PostedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | undefined;
  readonly hint?: string | undefined;
}

export type ThreadMessage =
  | { readonly kind: 'event'; readonly event: ViaEvent }
  | { readonly kind: 'warn'; readonly message: string }
  | { readonly kind: 'started' }
  | { readonly kind: 'failed'; readonly error: PostedError }
  | { readonly kind: 'finished'; readonly end: ViaEnd }
  | { readonly kind: 'closed' };

export type MainMessage = { readonly kind: 'close' };

/** AdvertiseViaOptions without `warn`, which cannot cross threads: warnings come back as messages. */
export type ThreadOptions = Omit<AdvertiseViaOptions, 'warn'>;

export type StartAdvertisement = (options: AdvertiseViaOptions, onEvent: (e: ViaEvent) => void) => Promise<ThreadAdvertisement>;

function posted(err: unknown): PostedError {
  if (err instanceof ProvdiscError) return { name: err.name, message: err.message, code: err.code, hint: err.hint };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

export function runAdvertisementThread(start: StartAdvertisement): void {
  const port = parentPort;
  if (!port) throw new Error('runAdvertisementThread runs in a worker thread');
  const post = (m: ThreadMessage): void => port.postMessage(m);
  const options = { ...(workerData as ThreadOptions), warn: (message: string) => post({ kind: 'warn', message }) };
  start(options, (event) => post({ kind: 'event', event })).then(
    (ad) => {
      post({ kind: 'started' });
      void ad.finished.then((end) => post({ kind: 'finished', end }));
      port.on('message', (m: MainMessage) => {
        if (m.kind !== 'close') return;
        void ad.close().then(() => {
          post({ kind: 'closed' });
          // nothing left to hear: the thread ends once its sockets are closed
          port.close();
        });
      });
    },
    (err: unknown) => {
      post({ kind: 'failed', error: posted(err) });
      port.close();
    },
  );
}
