/**
 * Records leave the answer path here: `push` only appends to memory; a timer writes them in batches.
 * A failed write keeps its batch at the head and is retried with a growing delay; meanwhile at most
 * `maxHeld` records wait (the oldest are dropped beyond, and counted), so a database that is gone
 * for hours costs bounded memory and never a request. Failures are told through `warn`: the first at
 * once, then at most once a minute, and the recovery.
 */
import type { WarningSink } from '../util/errors.js';

export interface WriteQueueOptions<T> {
  /** Writes one batch (one transaction); rejects to have it retried. */
  readonly write: (batch: readonly T[]) => Promise<void>;
  /** After a batch is written. */
  readonly written?: ((batch: readonly T[]) => void) | undefined;
  readonly warn?: WarningSink | undefined;
  /** What the warnings call the store, e.g. "the inventory (sqlite)". */
  readonly name: string;
  readonly batchSize?: number | undefined;
  /** How long a record may wait for others to share its batch. */
  readonly delayMs?: number | undefined;
  readonly maxHeld?: number | undefined;
  /** First retry delay; doubled up to retryMaxMs. */
  readonly retryMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
}

export interface WriteQueueStats {
  readonly pending: number;
  readonly written: number;
  readonly failed: number;
  readonly dropped: number;
  readonly lastError: string | null;
}

const WARN_EVERY_MS = 60_000;

export class WriteQueue<T> {
  private held: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private written = 0;
  private failed = 0;
  private dropped = 0;
  private lastError: string | null = null;
  /** Failures since the last write that worked; 0 when healthy. */
  private failing = 0;
  private lastWarned = 0;
  private readonly batchSize: number;
  private readonly delayMs: number;
  private readonly maxHeld: number;
  private readonly retryMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: WriteQueueOptions<T>) {
    this.batchSize = options.batchSize ?? 500;
    this.delayMs = options.delayMs ?? 50;
    this.maxHeld = options.maxHeld ?? 100_000;
    this.retryMs = options.retryMs ?? 1_000;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** Never throws, never waits. */
  push(item: T): void {
    this.held.push(item);
    if (this.held.length > this.maxHeld) {
      // the batch being written stays: it is at the head, and removed by its own outcome
      const excess = this.held.length - this.maxHeld;
      const from = this.writing ? Math.min(this.batchSize, this.held.length) : 0;
      this.held.splice(from, excess);
      this.dropped += excess;
    }
    this.schedule(this.failing > 0 ? this.retryDelay() : this.delayMs);
  }

  stats(): WriteQueueStats {
    return { pending: this.held.length, written: this.written, failed: this.failed, dropped: this.dropped, lastError: this.lastError };
  }

  /** Writes what is held now; resolves when it is written or a write failed (it is then retried later). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.writing) await this.writing;
      if (this.held.length === 0) return;
      if (!(await this.drain())) return;
    }
  }

  /** Flushes and stops the timer; returns how many records could not be written. */
  async close(): Promise<number> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.held.length;
  }

  private schedule(ms: number): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, ms);
    // a queue never keeps the process alive; close() writes what is left
    this.timer.unref();
  }

  private retryDelay(): number {
    return Math.min(this.retryMaxMs, this.retryMs * 2 ** Math.min(this.failing - 1, 16));
  }

  /** One batch; true when it was written. */
  private async drain(): Promise<boolean> {
    if (this.writing) return false;
    const batch = this.held.slice(0, this.batchSize);
    if (batch.length === 0) return true;
    let ok = false;
    this.writing = (async () => {
      try {
        await this.options.write(batch);
        ok = true;
      } catch (err) {
        this.fail(err);
      }
    })();
    await this.writing;
    this.writing = undefined;
    if (ok) this.held.splice(0, batch.length);
    // what is left (pushed meanwhile, or this batch after a failure) goes next, or after the retry delay
    if (this.held.length > 0) this.schedule(this.failing > 0 && !ok ? this.retryDelay() : 0);
    if (!ok) return false;
    this.written += batch.length;
    if (this.failing > 0) {
      this.options.warn?.(`${this.options.name} works again after ${this.failing} failed write(s): the waiting records are being written`);
      this.failing = 0;
    }
    try {
      this.options.written?.(batch);
    } catch (err) {
      this.options.warn?.(`a listener of ${this.options.name} failed: ${(err as Error).message}`);
    }
    return true;
  }

  private fail(err: unknown): void {
    this.failed++;
    this.failing++;
    this.lastError = (err as Error)?.message ?? String(err);
    const now = Date.now();
    if (this.failing === 1 || now - this.lastWarned >= WARN_EVERY_MS) {
      this.lastWarned = now;
      this.options.warn?.(
        `${this.options.name} cannot be written (${this.lastError}); requests are still answered, ${this.held.length} record(s) wait and are retried (${this.failed} failed write(s) so far${this.dropped > 0 ? `, ${this.dropped} record(s) dropped` : ''})`,
      );
    }
  }
}
