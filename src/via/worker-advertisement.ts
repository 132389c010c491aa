/**
 * `advertiseVia` in a worker thread of its own (docs/architecture.md, "Answers never wait behind
 * HTTP work"): the mDNS and DHCP sockets and their answer paths get their own event loop, so TLS
 * handshakes, form parsing and login checks on the main thread never delay an answer. The caller
 * sees what advertiseVia gives: every ViaEvent through `onEvent` on its own thread (announced
 * first), warnings through `options.warn`, `finished`, `close()`, and a failure to start thrown as
 * the same typed error.
 */
import { Worker } from 'node:worker_threads';
import type { AdvertiseViaOptions, ViaAnnounced, ViaEvent } from './advertise-via.js';
import type { MainMessage, PostedError, ThreadAdvertisement, ThreadMessage, ThreadOptions, ViaEnd } from './advertisement-thread.js';
import { NetworkError, ProtocolError, ProvdiscError, UsageError, type NetworkErrorCode, type ProtocolErrorCode, type UsageErrorCode } from '../util/errors.js';

/** The thread's entry, as tsc builds it: the same relative place from dist/via/ and from the CLI bundle in dist/cli/. */
const THREAD_ENTRY = new URL('../via/advertise-via-thread.js', import.meta.url);

export interface WorkerAdvertisement extends ThreadAdvertisement {
  readonly announced: ViaAnnounced;
}

function revive(e: PostedError): Error {
  switch (e.name) {
    case 'UsageError':
      return new UsageError(e.message, e.hint, e.code as UsageErrorCode);
    case 'NetworkError':
      return new NetworkError(e.message, { code: e.code as NetworkErrorCode, hint: e.hint });
    case 'ProtocolError':
      return new ProtocolError(e.message, { code: e.code as ProtocolErrorCode, hint: e.hint });
    default:
      return e.code === undefined ? new Error(e.message) : new ProvdiscError(e.message, { code: e.code, hint: e.hint });
  }
}

/** Starts the thread module at `thread` (one runAdvertisementThread call) with `options`; resolves once it announced. */
export function startAdvertisementWorker(thread: URL, options: AdvertiseViaOptions, onEvent?: (e: ViaEvent) => void): Promise<WorkerAdvertisement> {
  const { warn, ...data } = options;
  const worker = new Worker(thread, { workerData: data satisfies ThreadOptions });
  let announced: ViaAnnounced | undefined;
  let settle!: (end: ViaEnd) => void;
  const finished = new Promise<ViaEnd>((resolve) => (settle = resolve));
  let closed: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      reject(err);
      void worker.terminate();
    };
    worker.on('error', (err) => {
      // a fault of the thread itself after start: told as one, the advertisement is over
      if (announced) onEvent?.({ event: 'error', from: 'worker', interface: '', error: err.message });
      else fail(err);
    });
    worker.on('message', (m: ThreadMessage) => {
      switch (m.kind) {
        case 'event':
          if (m.event.event === 'announced') announced = m.event;
          onEvent?.(m.event);
          break;
        case 'warn':
          warn?.(m.message);
          break;
        case 'failed':
          fail(revive(m.error));
          break;
        case 'started':
          if (!announced) return fail(new Error('the advertisement thread started without announcing'));
          resolve({
            announced,
            finished,
            close: () => {
              // a thread that already ended (a fault after it announced) never answers 'closed'
              closing ??= Promise.race([
                new Promise<void>((done) => {
                  closed = done;
                  worker.postMessage({ kind: 'close' } satisfies MainMessage);
                }),
                exited,
              ]).then(() => exited);
              return closing;
            },
          });
          break;
        case 'finished':
          settle(m.end);
          break;
        case 'closed':
          closed?.();
          break;
      }
    });
    void exited.then(() => {
      reject(new Error('the advertisement thread ended before it started'));
      closed?.();
    });
  });
}

/** advertiseVia in its own worker thread; what it resolves to has ViaAdvertisement's `announced`, `finished` and `close()`. */
export function advertiseViaInWorker(options: AdvertiseViaOptions, onEvent?: (e: ViaEvent) => void): Promise<WorkerAdvertisement> {
  return startAdvertisementWorker(THREAD_ENTRY, options, onEvent);
}
