/**
 * Per-key token buckets (a burst, then a steady rate): what one sender may cost a responder. The map
 * is bounded: past `cap` keys it starts again, so a flood of made-up senders cannot grow it.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly cap: number,
  ) {}

  /** Takes one token from `key`'s bucket; false when it has none left. */
  spend(key: string): boolean {
    const b = this.refilled(key);
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.cap) this.buckets.clear();
      this.buckets.set(key, b);
    }
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }

  /** True when `key` has no token left now (nothing is spent; an unknown key has a full bucket). */
  exhausted(key: string): boolean {
    return this.buckets.has(key) && this.refilled(key).tokens < 1;
  }

  clear(): void {
    this.buckets.clear();
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    return b;
  }
}
