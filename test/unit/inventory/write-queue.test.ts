import { describe, expect, it } from 'vitest';
import { WriteQueue } from '../../../src/inventory/write-queue.js';

describe('the write queue', () => {
  it('retries a store that fails, counts and tells the failure, then writes everything in order once it works', async () => {
    const stored: number[] = [];
    const warnings: string[] = [];
    let broken = true;
    const queue = new WriteQueue<number>({
      name: 'the test store',
      write: (batch) => (broken ? Promise.reject(new Error('disk on fire')) : (stored.push(...batch), Promise.resolve())),
      warn: (m) => warnings.push(m),
      delayMs: 1,
      retryMs: 5,
      batchSize: 3,
    });
    for (let i = 0; i < 7; i++) queue.push(i);
    await queue.flush();
    expect(queue.stats()).toMatchObject({ pending: 7, written: 0, lastError: 'disk on fire' });
    expect(queue.stats().failed).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/the test store cannot be written \(disk on fire\); requests are still answered, 7 record\(s\) wait/);
    broken = false;
    await expect.poll(() => stored.length, { timeout: 5_000 }).toBe(7);
    expect(stored).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(queue.stats()).toMatchObject({ pending: 0, written: 7, dropped: 0 });
    expect(warnings.at(-1)).toMatch(/works again/);
    expect(await queue.close()).toBe(0);
  });

  it('holds at most maxHeld records while the store is gone: the oldest are dropped and counted', async () => {
    const queue = new WriteQueue<number>({ name: 'gone', write: () => Promise.reject(new Error('gone')), maxHeld: 10, delayMs: 1, retryMs: 60_000 });
    for (let i = 0; i < 25; i++) queue.push(i);
    expect(queue.stats()).toMatchObject({ pending: 10, dropped: 15 });
    expect(await queue.close()).toBe(10);
  });

  it('never throws into the caller, even when the store throws synchronously', async () => {
    const queue = new WriteQueue<number>({
      name: 'throwing',
      write: () => {
        throw new Error('sync');
      },
      delayMs: 1,
      retryMs: 60_000,
    });
    expect(() => queue.push(1)).not.toThrow();
    await queue.flush();
    expect(queue.stats()).toMatchObject({ pending: 1, failed: 1, lastError: 'sync' });
    await queue.close();
  });
});
