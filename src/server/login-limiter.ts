/**
 * Failed logins per client address: the tenth failure within a minute of an address's first one
 * shuts that address out (429) for the rest of that minute; other addresses are not affected. A
 * login counts as failed from the moment it is checked until it succeeds, so a guessing client is
 * refused before any password hash is computed, however many guesses it sends at once.
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

  /**
   * Counts a login from `address` as failed before its password is checked, so parallel guesses
   * cannot all pass `blockedFor` while their hashes run; `release()` takes it back on success.
   */
  reserve(address: string): { release(): void } {
    let w = this.current(address);
    if (w) {
      w.failures++;
    } else {
      if (this.windows.size >= PRUNE_AT) for (const a of [...this.windows.keys()]) this.current(a);
      w = { start: this.now(), failures: 1 };
      this.windows.set(address, w);
    }
    const window = w;
    // a window ended meanwhile is gone from the map: its count no longer matters
    return {
      release: () => {
        window.failures--;
      },
    };
  }
}
