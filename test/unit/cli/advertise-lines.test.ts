import { describe, expect, it, vi } from 'vitest';
import type { ViaEvent } from '../../../src/via/advertise-via.js';
import { clientLines, viaEventPrinter } from '../../../src/cli/advertise-command.js';
import { useFakeClock } from '../fake-clock.js';

const inform = (n: number) => ({
  event: 'dhcp-inform' as const,
  address: `10.0.0.${n}`,
  mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
  xid: '00000001',
  interface: 'eth0',
});

useFakeClock();

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

  it('remembers at most 10 000 clients: a flood of new ones makes the oldest new again, not the recent ones', () => {
    const lines: string[] = [];
    const line = clientLines((l) => lines.push(l));
    for (let n = 1; n <= 10_001; n++) line(inform(n));
    vi.advanceTimersByTime(10_000);
    lines.length = 0;
    line(inform(10_001));
    line(inform(1));
    expect(lines).toEqual(['DHCP: 9991 more new client(s) answered in the last 10 s (not listed)', 'DHCP: answered 02:00:00:00:00:01 at 10.0.0.1 on eth0']);
  });

  it('prints at most 10 lines per 10 s and sums up the rest in the next window', () => {
    const lines: string[] = [];
    const line = clientLines((l) => lines.push(l));
    for (let n = 1; n <= 25; n++) line(inform(n));
    expect(lines).toHaveLength(10);
    vi.advanceTimersByTime(10_000);
    line(inform(26));
    expect(lines.slice(10)).toEqual([
      'DHCP: 15 more new client(s) answered in the last 10 s (not listed)',
      'DHCP: answered 02:00:00:00:00:1a at 10.0.0.26 on eth0',
    ]);
  });
});

describe('advertise: a fault in provdisc', () => {
  const packets = { received: 9, sent: 7, malformed: 1, offLink: 2, echoes: 3, faults: 4 };
  const dhcpPackets = { received: 5, answered: 3, malformed: 0, ignored: 1, offLink: 0, limited: 0, sendErrors: 0, faults: 1 };
  const error = { event: 'error' as const, from: '198.51.100.66', interface: 'eth0', error: 'boom' };
  const dhcpError = { event: 'dhcp-error' as const, address: '10.0.0.9', error: 'boom' };

  function print(json: boolean, events: ViaEvent[]): { stdout: string; stderr: string } {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      events.forEach(viaEventPrinter(json));
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return { stdout, stderr };
  }

  it('is an error line on stderr, and the closing lines count the faults', () => {
    const r = print(false, [error, dhcpError, { event: 'goodbye', instance: 'Provisioning URL', packets }, { event: 'dhcp-closed', packets: dhcpPackets }]);
    expect(r.stderr).toBe(
      'provdisc: error: could not handle a packet from 198.51.100.66 on eth0: boom; still advertising\n' +
        'provdisc: error: DHCP: could not handle a packet from 10.0.0.9: boom; still answering\n',
    );
    expect(r.stdout).toBe(
      'goodbye sent for "Provisioning URL"; stopped (9 packets received, 7 sent; dropped: 1 malformed, 2 off-link; 4 faults)\n' +
        'DHCP stopped (5 packets received, 3 answered; dropped: 0 malformed, 1 not an INFORM for option 224, 0 off-link, 0 over the per-client rate; 1 faults)\n',
    );
  });

  it('is a JSON event with --json, and still an error line on stderr', () => {
    const r = print(true, [error, dhcpError]);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([error, dhcpError]);
    expect(r.stderr.match(/^provdisc: error: /gm)).toHaveLength(2);
  });

  it('network text in a line cannot start another line or drive the terminal; JSON keeps it exact on one line', () => {
    const hostile = { ...error, error: 'bad name "x\nprovdisc: forged\x1b[2J\u2028"' };
    const human = print(false, [hostile]);
    expect(human.stderr).toBe(
      'provdisc: error: could not handle a packet from 198.51.100.66 on eth0: bad name "x\\x0aprovdisc: forged\\x1b[2J\\u2028"; still advertising\n',
    );
    const json = print(true, [hostile]);
    expect(json.stdout).not.toMatch(/[\u2028\n](?!$)/);
    expect(JSON.parse(json.stdout)).toEqual(hostile);
  });
});
