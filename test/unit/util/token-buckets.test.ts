import { describe, expect, it, vi } from 'vitest';
import { TokenBuckets } from '../../../src/util/token-buckets.js';
import { useFakeClock } from '../fake-clock.js';

useFakeClock();

describe('TokenBuckets', () => {
  it('lets a burst through, then the steady rate, per key', () => {
    const b = new TokenBuckets(3, 2, 100);
    expect([1, 2, 3, 4].map(() => b.spend('a'))).toEqual([true, true, true, false]);
    expect(b.spend('b')).toBe(true);
    vi.advanceTimersByTime(500);
    expect([b.spend('a'), b.spend('a')]).toEqual([true, false]);
  });

  it('tells an exhausted key without spending, and knows no unknown key as exhausted', () => {
    const b = new TokenBuckets(1, 1, 100);
    expect(b.exhausted('a')).toBe(false);
    expect(b.spend('a')).toBe(true);
    expect(b.exhausted('a')).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(b.exhausted('a')).toBe(false);
    expect(b.spend('a')).toBe(true);
  });

  it('starts again past its cap of keys, so made-up senders cannot grow it', () => {
    const b = new TokenBuckets(1, 0, 2);
    b.spend('a');
    b.spend('b');
    expect(b.exhausted('a')).toBe(true);
    b.spend('c'); // a third key: the map starts again
    expect(b.exhausted('a')).toBe(false);
  });
});
