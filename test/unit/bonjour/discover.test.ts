import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';
import { browse, disagreements, discover } from '../../../src/bonjour/discover.js';
import { MdnsTransport } from '../../../src/bonjour/transport.js';
import type { NetInterface } from '../../../src/util/network-interfaces.js';
import type { PacketSource } from '../../../src/bonjour/transport.js';
import type { MdnsMessage, MdnsRecord, OutgoingMessage } from '../../../src/bonjour/wire.js';
import { defined } from '../../defined.js';

const eth0: NetInterface = {
  name: 'eth0',
  mac: '02:00:00:00:00:01',
  ipv4: [{ address: '198.51.100.2', netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [],
};

class FakeTransport extends EventEmitter<{ message: [MdnsMessage, PacketSource]; 'send-error': [NetInterface, Error] }> {
  readonly interfaces = [eth0];
  sent: { message: OutgoingMessage; at: number }[] = [];
  async send(message: OutgoingMessage): Promise<void> {
    this.sent.push({ message, at: Date.now() });
  }
  post(message: OutgoingMessage): void {
    void this.send(message);
  }
  answer(records: MdnsRecord[], from = '198.51.100.1'): void {
    this.emit(
      'message',
      { id: 0, response: true, authoritative: true, truncated: false, opcode: 'QUERY', questions: [], answers: records, authorities: [], additionals: [] },
      { address: from, port: 5353, interface: eth0 },
    );
  }
}

const inst = (type: string) => `Provisioning URL.${type}.local`;
const srv = (type: string, target = 'prov.local', port = 443, ttl = 120): MdnsRecord => ({
  name: inst(type),
  type: 'SRV',
  ttl,
  flush: true,
  data: { priority: 0, weight: 0, port, target },
});
const txt = (type: string, data: string[], ttl = 4500): MdnsRecord => ({ name: inst(type), type: 'TXT', ttl, flush: true, data });
const a = (name: string, address: string): MdnsRecord => ({ name, type: 'A', ttl: 120, flush: true, data: address });

let transport: FakeTransport;
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  transport = new FakeTransport();
});
afterEach(() => vi.useRealTimers());

describe('discover', () => {
  it('asks SRV and TXT of the instance on both types, and apart from them a PTR browse, the first time with QU', async () => {
    const done = browse(transport, { timeoutMs: 300 });
    await vi.advanceTimersByTimeAsync(300);
    await done;
    const asked = (i: number) => defined(defined(transport.sent[i]).message.questions).map((q) => `${q.type} ${q.name} ${q.unicastResponse}`);
    expect(asked(0)).toEqual([
      `SRV ${inst('_https._tcp')} true`,
      `TXT ${inst('_https._tcp')} true`,
      `SRV ${inst('_http._tcp')} true`,
      `TXT ${inst('_http._tcp')} true`,
    ]);
    expect(asked(1)).toEqual(['PTR _https._tcp.local true', 'PTR _http._tcp.local true']);
    // the repeat at 250 ms: plain questions
    expect(
      transport.sent
        .slice(2)
        .flatMap((s) => defined(s.message.questions))
        .every((q) => !q.unicastResponse),
    ).toBe(true);
    expect(transport.sent).toHaveLength(4);
  });

  it('returns at the first complete https answer, template in wire order', async () => {
    const done = browse(transport, { timeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_https._tcp'), txt('_https._tcp', ['path=/prov.php', 'z=${uuid}', 'a=${osname}', 'flag']), a('prov.local', '198.51.100.1')]);
    const [found] = await done;
    expect(Date.now()).toBeLessThan(10);
    expect(defined(found).template).toBe('https://198.51.100.1:443/prov.php?z=${uuid}&a=${osname}&flag');
    expect(defined(found).txt).toEqual(['path=/prov.php', 'z=${uuid}', 'a=${osname}', 'flag']);
    expect(defined(found).interface).toBe('eth0');
    expect(defined(found).from).toBe('198.51.100.1');
  });

  it('asks for the SRV target address when the answer lacks it, then completes', async () => {
    const done = browse(transport, { timeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_https._tcp'), txt('_https._tcp', ['path=https://p.example/x'])]);
    const asked = defined(defined(transport.sent.at(-1)).message.questions);
    expect(asked.map((q) => `${q.type} ${q.name}`)).toEqual(['A prov.local', 'AAAA prov.local']);
    await vi.advanceTimersByTimeAsync(5);
    transport.answer([a('prov.local', '198.51.100.1')]);
    const [found] = await done;
    expect(defined(found).complete).toBe(true);
    expect(defined(found).template).toBe('https://p.example/x');
  });

  it('prefers https: an http answer waits a short grace for an https one', async () => {
    const done = browse(transport, { timeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_http._tcp', 'prov.local', 80), txt('_http._tcp', ['path=http://p.example/x']), a('prov.local', '198.51.100.1')]);
    await vi.advanceTimersByTimeAsync(50);
    transport.answer([srv('_https._tcp'), txt('_https._tcp', ['path=https://p.example/x']), a('prov.local', '198.51.100.1')]);
    const found = await done;
    expect(defined(found[0]).type).toBe('_https._tcp');
  });

  it('settles for http alone after the grace period', async () => {
    const done = browse(transport, { timeoutMs: 3000 });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_http._tcp', 'prov.local', 80), txt('_http._tcp', ['path=/x']), a('prov.local', '198.51.100.1')]);
    await vi.advanceTimersByTimeAsync(150);
    const found = await done;
    expect(defined(found[0]).template).toBe('http://198.51.100.1:80/x');
    expect(Date.now()).toBeLessThan(200);
  });

  it('with all, waits the whole timeout and lists advertisers that disagree', async () => {
    const done = browse(transport, { timeoutMs: 1000, all: true });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_https._tcp'), txt('_https._tcp', ['path=https://good.example/p']), a('prov.local', '198.51.100.1')]);
    transport.answer(
      [srv('_https._tcp', 'evil.local'), txt('_https._tcp', ['path=https://evil.example/p']), a('evil.local', '198.51.100.66')],
      '198.51.100.66',
    );
    await vi.advanceTimersByTimeAsync(500);
    let settled = false;
    void done.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    const found = await done;
    expect(found.map((s) => s.from).sort()).toEqual(['198.51.100.1', '198.51.100.66']);
    expect(disagreements(found).sort()).toEqual(['https://evil.example/p', 'https://good.example/p']);
  });

  it('forgets a service on its goodbye and returns nothing at the timeout', async () => {
    const done = browse(transport, { timeoutMs: 1000, all: true });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([srv('_https._tcp'), txt('_https._tcp', ['path=/x']), a('prov.local', '198.51.100.1')]);
    transport.answer([srv('_https._tcp', 'prov.local', 443, 0), txt('_https._tcp', ['path=/x'], 0)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await done).toEqual([]);
  });

  it('ignores queries and other instances', async () => {
    const done = browse(transport, { timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(1);
    transport.answer([
      { ...srv('_https._tcp'), name: 'Provisioning URL (2)._https._tcp.local' },
      { ...txt('_https._tcp', ['path=/x']), name: 'Provisioning URL (2)._https._tcp.local' },
    ]);
    await vi.advanceTimersByTimeAsync(500);
    expect(await done).toEqual([]);
  });

  it('asks for another instance name, given one', async () => {
    const done = browse(transport, { timeoutMs: 1, name: 'Other Provisioning' });
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(defined(defined(defined(transport.sent[0]).message.questions)[0]).name).toBe('Other Provisioning._https._tcp.local');
  });

  it.each([
    ['', /is 0 bytes/],
    ['x'.repeat(64), /is 64 bytes/],
    ['Provisioning..URL', /holds a dot/],
    ['Provisioning\nURL', /control character/],
  ])('refuses the instance name %j before asking anything', async (name, message) => {
    await expect(browse(transport, { name })).rejects.toThrow(message);
    expect(transport.sent).toEqual([]);
    // discover() refuses it before opening a socket
    const open = vi.spyOn(MdnsTransport, 'open').mockRejectedValue(new Error('a socket was about to open'));
    try {
      await expect(discover({ name })).rejects.toBeInstanceOf(UsageError);
      expect(open).not.toHaveBeenCalled();
    } finally {
      open.mockRestore();
    }
  });
});
