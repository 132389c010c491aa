/**
 * Failed logins per client address: the tenth failure within a minute of an address's first one
 * shuts that address out (429) for the rest of that minute; other addresses are not affected. A
 * guessing client is refused before any password hash is computed, so it cannot load the server.
 */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 60_000;
/** Past this many tracked addresses, ended windows are dropped before a new one is added. */
const PRUNE_AT = 10_000;

interface Window {
  readonly start: number;
  failures: number;
}

export class LoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxFailures = MAX_FAILURES,
    private readonly windowMs = WINDOW_MS,
  ) {}

  private current(address: string): Window | undefined {
    const w = this.windows.get(address);
    if (w && this.now() - w.start >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  blockedFor(address: string): number {
    const w = this.current(address);
    return w && w.failures >= this.maxFailures ? w.start + this.windowMs - this.now() : 0;
  }

  recordFailure(address: string): void {
    const w = this.current(address);
    if (w) {
      w.failures++;
      return;
    }
    if (this.windows.size >= PRUNE_AT) for (const a of [...this.windows.keys()]) this.current(a);
    this.windows.set(address, { start: this.now(), failures: 1 });
  }
}
