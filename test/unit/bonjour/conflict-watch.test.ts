import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictWatch, type ConflictNotice } from '../../../src/bonjour/conflict-watch.js';
import type { Conflict } from '../../../src/bonjour/responder.js';

const rogue = (from = '198.51.100.66'): Conflict => ({ from, interface: 'eth0', records: [] });

let told: ConflictNotice[];
let watch: ConflictWatch;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  told = [];
  watch = new ConflictWatch((n) => told.push(n), 30_000, 30_000);
});
afterEach(() => {
  watch.close();
  vi.useRealTimers();
});

const summary = () =>
  told.map((n) =>
    n.kind === 'conflict'
      ? `conflict ${n.conflict.from} ${n.count}/${n.total}`
      : n.kind === 'more'
        ? `more ${n.count}/${n.total}`
        : `quiet ${n.from} ${n.total}`,
  );

describe('telling conflicts after announcing', () => {
  it('tells the first conflicting answer at once, then at most every 30 s with the count, then that the host went quiet', async () => {
    watch.seen(rogue());
    expect(summary()).toEqual(['conflict 198.51.100.66 1/1']);
    // a rogue answering every 2 s for a minute
    for (let i = 0; i < 30; i++) {
      await vi.advanceTimersByTimeAsync(2_000);
      watch.seen(rogue());
    }
    // the reports at 30 s and 60 s count what came since the one before (the answer at 60 s itself
    // lands just after the 60 s report)
    expect(summary()).toEqual(['conflict 198.51.100.66 1/1', 'conflict 198.51.100.66 14/15', 'conflict 198.51.100.66 15/30']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(told).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(summary().slice(3)).toEqual(['conflict 198.51.100.66 1/31', 'quiet 198.51.100.66 31']);
  });

  it('counts each host on its own', () => {
    watch.seen(rogue('198.51.100.66'));
    watch.seen(rogue('198.51.100.67'));
    watch.seen(rogue('198.51.100.66'));
    expect(summary()).toEqual(['conflict 198.51.100.66 1/1', 'conflict 198.51.100.67 1/1']);
  });

  it('tells the answers not yet told before saying the host went quiet', async () => {
    watch.seen(rogue());
    await vi.advanceTimersByTimeAsync(1_000);
    watch.seen(rogue());
    await vi.advanceTimersByTimeAsync(30_000);
    expect(summary()).toEqual(['conflict 198.51.100.66 1/1', 'conflict 198.51.100.66 1/2', 'quiet 198.51.100.66 2']);
  });

  it('tells 64 hosts apart and sums up the answers of any further host in one report', async () => {
    // a rogue spoofing 1000 sources, each answering once, then again 2 s later
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1000; i++) watch.seen(rogue(`2001:db8::${i.toString(16)}`));
      await vi.advanceTimersByTimeAsync(2_000);
    }
    expect(told.filter((n) => n.kind === 'conflict')).toHaveLength(64);
    expect(summary().slice(64)).toEqual(['more 1/1']);
    await vi.advanceTimersByTimeAsync(30_000);
    // per told host: its second answer, then quiet; the rest: one sum of what was left, no quiet
    expect(told.filter((n) => n.kind === 'quiet')).toHaveLength(64);
    expect(summary().filter((l) => l.startsWith('more'))).toEqual(['more 1/1', `more ${2 * 936 - 1}/${2 * 936}`]);
  });
});
