import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientLines } from '../../../src/cli/advertise-command.js';

const inform = (n: number) => ({ event: 'dhcp-inform' as const, address: `10.0.0.${n}`, mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`, xid: '00000001', interface: 'eth0' });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('advertise --via dhcp, human lines', () => {
  it('prints a line per new client, not per retransmission or repeat within a minute', () => {
    const lines: string[] = [];
    const line = clientLines((l) => lines.push(l));
    line(inform(1));
    line(inform(1));
    vi.advanceTimersByTime(30_000);
    line(inform(1));
    expect(lines).toEqual(['DHCP: answered 02:00:00:00:00:01 at 10.0.0.1 on eth0']);
    vi.advanceTimersByTime(61_000);
    line(inform(1));
    expect(lines).toHaveLength(2);
  });

  it('prints at most 10 lines per 10 s and sums up the rest in the next window', () => {
    const lines: string[] = [];
    const line = clientLines((l) => lines.push(l));
    for (let n = 1; n <= 25; n++) line(inform(n));
    expect(lines).toHaveLength(10);
    vi.advanceTimersByTime(10_000);
    line(inform(26));
    expect(lines.slice(10)).toEqual(['DHCP: 15 more new client(s) answered in the last 10 s (not listed)', 'DHCP: answered 02:00:00:00:00:1a at 10.0.0.26 on eth0']);
  });
});
