/**
 * Where mDNS leaves from: each interface's own socket bound to ADDRESS:5353, or — when that bind is
 * refused as a laptop's own responder refuses it — the shared any-address socket on 5353 with the
 * interface set before each packet. Fake sockets (a real one would multicast, which only the lab may
 * do) that, like dgram, hand a packet to the "kernel" a tick after send(), with the multicast
 * interface set at that moment.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdvertiseEvent } from '../../../src/bonjour/advertise.js';
import type { MdnsTransport as Transport } from '../../../src/bonjour/transport.js';
import { encodeMessage } from '../../../src/bonjour/wire.js';
import { eth0, eth1 } from './interfaces.js';
import { defined } from '../../defined.js';

interface SentPacket {
  from: string;
  multicastInterface: string | undefined;
  to: string;
  port: number;
}

class FakeSocket extends EventEmitter {
  static all: FakeSocket[] = [];
  /** Bind address → the error code its bind fails with. */
  static refuse = new Map<string, string>();
  static sent: SentPacket[] = [];
  bound = '';
  port = 0;
  closed = false;
  private multicastInterface: string | undefined;

  constructor() {
    super();
    FakeSocket.all.push(this);
  }
  bind(port: number, address: string, cb: () => void): void {
    const code = FakeSocket.refuse.get(address);
    if (code) {
      process.nextTick(() => this.emit('error', Object.assign(new Error(`bind ${code} ${address}:${port}`), { code })));
      return;
    }
    this.bound = address;
    this.port = port;
    process.nextTick(cb);
  }
  addMembership(): void {}
  setMulticastInterface(address: string): void {
    this.multicastInterface = address;
  }
  setTTL(): void {}
  setMulticastTTL(): void {}
  setMulticastLoopback(): void {}
  send(_buf: Buffer, port: number, address: string, cb: (err: Error | null) => void): void {
    process.nextTick(() => {
      FakeSocket.sent.push({ from: `${this.bound}:${this.port}`, multicastInterface: this.multicastInterface, to: address, port });
      cb(null);
    });
  }
  close(cb?: () => void): void {
    this.closed = true;
    cb?.();
  }
}

vi.mock('node:dgram', () => ({ default: { createSocket: () => new FakeSocket() } }));
vi.mock('../../../src/util/network-interfaces.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/network-interfaces.js')>()),
  listInterfaces: () => [eth0, eth1],
  selectInterfaces: () => [eth0, eth1],
}));

const { MdnsTransport } = await import('../../../src/bonjour/transport.js');
const { advertise } = await import('../../../src/bonjour/advertise.js');
const { discover } = await import('../../../src/bonjour/discover.js');

const QUERY = { questions: [{ name: 'Provisioning URL._https._tcp.local', type: 'SRV' as const, unicastResponse: false }] };

/** The sockets opened by the transport, by what they are bound to. */
const socketAt = (address: string) => defined(FakeSocket.all.find((s) => s.bound === address && !s.closed));

/** Multicasts on both links at once, then a unicast reply to a querier on eth1. */
/** What sendOnBothLinks puts on the wire: the same packets, the interface set for each; only the sending socket differs. */
function packetsFrom(from: { eth0v4: string; eth0v6: string; eth1v4: string }) {
  return [
    { from: from.eth0v4, multicastInterface: '198.51.100.1', to: '224.0.0.251', port: 5353 },
    { from: from.eth0v6, multicastInterface: '::%eth0', to: 'ff02::fb%eth0', port: 5353 },
    { from: from.eth1v4, multicastInterface: '203.0.113.1', to: '224.0.0.251', port: 5353 },
    { from: from.eth1v4, multicastInterface: '203.0.113.1', to: '203.0.113.9', port: 5353 },
  ];
}

async function sendOnBothLinks(transport: Transport) {
  await Promise.all([transport.send(QUERY, eth0), transport.send(QUERY, eth1)]);
  await transport.send(QUERY, eth1, { address: '203.0.113.9', port: 5353 });
  return FakeSocket.sent;
}

function heardOn(transport: Transport) {
  const heard: string[] = [];
  transport.on('message', (_m, source) => heard.push(`${source.address} ${source.interface.name}`));
  return heard;
}

const answer = encodeMessage({ response: true, answers: [] });
const arrive = (socket: FakeSocket, from: string) =>
  socket.emit('message', answer, { address: from, port: 5353, family: from.includes(':') ? 'IPv6' : 'IPv4', size: answer.length });

beforeEach(() => {
  FakeSocket.all.length = 0;
  FakeSocket.sent.length = 0;
  FakeSocket.refuse.clear();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MdnsTransport: where packets leave from', () => {
  it('binds a socket per interface and family to ADDRESS:5353 when it can, and sends each link from its own', async () => {
    const transport = await MdnsTransport.open([eth0, eth1]);
    expect(transport.sharedSending).toEqual([]);
    expect(FakeSocket.all.map((s) => `${s.bound}:${s.port}`)).toEqual([
      '0.0.0.0:5353',
      ':::5353',
      '198.51.100.1:5353',
      'fe80::1%eth0:5353',
      '203.0.113.1:5353',
    ]);
    expect(await sendOnBothLinks(transport)).toEqual(packetsFrom({ eth0v4: '198.51.100.1:5353', eth0v6: 'fe80::1%eth0:5353', eth1v4: '203.0.113.1:5353' }));
    // a unicast reply reaches the interface's own socket: its link is the socket's
    const heard = heardOn(transport);
    arrive(socketAt('203.0.113.1'), '203.0.113.9');
    expect(heard).toEqual(['203.0.113.9 eth1']);
    await transport.close();
    expect(FakeSocket.all.every((s) => s.closed)).toBe(true);
  });

  it.each(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'])(
    'when the bind to ADDRESS:5353 fails with %s: sends from the shared *:5353 socket, the interface set before each packet',
    async (code) => {
      FakeSocket.refuse.set('198.51.100.1', code).set('fe80::1%eth0', code).set('203.0.113.1', code);
      const transport = await MdnsTransport.open([eth0, eth1]);
      expect(transport.sharedSending).toEqual([
        { interface: 'eth0', address: '198.51.100.1', code },
        { interface: 'eth0', address: 'fe80::1', code },
        { interface: 'eth1', address: '203.0.113.1', code },
      ]);
      // sent at once, they still leave one after the other, each on its own link, from port 5353
      expect(await sendOnBothLinks(transport)).toEqual(packetsFrom({ eth0v4: '0.0.0.0:5353', eth0v6: ':::5353', eth1v4: '0.0.0.0:5353' }));
      // unicast replies now reach the shared socket: the link is the one whose subnet holds the source
      const heard = heardOn(transport);
      arrive(socketAt('0.0.0.0'), '203.0.113.9');
      arrive(socketAt('0.0.0.0'), '198.51.100.7');
      arrive(socketAt('::'), 'fe80::7%eth0');
      expect(heard).toEqual(['203.0.113.9 eth1', '198.51.100.7 eth0', 'fe80::7%eth0 eth0']);
      expect(transport.stats).toMatchObject({ sent: 4, received: 3 });
      await transport.close();
      expect(FakeSocket.all.every((s) => s.closed)).toBe(true);
    },
  );

  it('falls back only where the bind was refused: the other interface keeps its own socket', async () => {
    FakeSocket.refuse.set('203.0.113.1', 'EADDRINUSE');
    const transport = await MdnsTransport.open([eth0, eth1]);
    expect(transport.sharedSending).toEqual([{ interface: 'eth1', address: '203.0.113.1', code: 'EADDRINUSE' }]);
    const sent = await sendOnBothLinks(transport);
    expect(sent.map((p) => `${p.from} ${p.multicastInterface} → ${p.to}`)).toEqual([
      '198.51.100.1:5353 198.51.100.1 → 224.0.0.251',
      'fe80::1%eth0:5353 ::%eth0 → ff02::fb%eth0',
      '0.0.0.0:5353 203.0.113.1 → 224.0.0.251',
      '0.0.0.0:5353 203.0.113.1 → 203.0.113.9',
    ]);
    await transport.close();
  });

  it('any other bind error is thrown, and every socket already open is closed', async () => {
    FakeSocket.refuse.set('203.0.113.1', 'EINVAL');
    await expect(MdnsTransport.open([eth0, eth1])).rejects.toMatchObject({ code: 'EINVAL' });
    expect(FakeSocket.all.every((s) => s.closed)).toBe(true);
  });
});

describe('the fallback, told once', () => {
  it('advertise: one shared-socket event before the announcement, naming each refused bind', async () => {
    vi.useFakeTimers();
    FakeSocket.refuse.set('198.51.100.1', 'EADDRINUSE');
    const events: AdvertiseEvent[] = [];
    const started = advertise({ template: 'https://prov.example/p.php?u=${username}' }, (e) => events.push(e));
    await vi.advanceTimersByTimeAsync(1000);
    const ad = await started;
    await vi.advanceTimersByTimeAsync(3000);
    const told = events.filter((e) => e.event === 'shared-socket');
    expect(told).toEqual([
      {
        event: 'shared-socket',
        sockets: [{ interface: 'eth0', address: '198.51.100.1', code: 'EADDRINUSE' }],
        message:
          'cannot bind 198.51.100.1:5353 on eth0 (EADDRINUSE): another mDNS responder on this machine (mDNSResponder, the Windows DNS Client, a browser) may hold the port; sending from the shared port 5353 socket instead, the interface set per packet',
      },
    ]);
    expect(events.findIndex((e) => e.event === 'shared-socket')).toBeLessThan(events.findIndex((e) => e.event === 'announced'));
    // the probes and announcements on eth0 left from the shared socket, on eth0
    const eth0Multicasts = FakeSocket.sent.filter((p) => p.to === '224.0.0.251' && p.multicastInterface === '198.51.100.1');
    expect(eth0Multicasts.length).toBeGreaterThanOrEqual(4);
    expect(eth0Multicasts.every((p) => p.from === '0.0.0.0:5353')).toBe(true);
    const closed = ad.close();
    await vi.advanceTimersByTimeAsync(1000);
    await closed;
  });

  it('discover: one warning, and the questions still go out on every link', async () => {
    FakeSocket.refuse.set('fe80::1%eth0', 'EACCES');
    const warnings: string[] = [];
    expect(await discover({ timeoutMs: 50, warn: (w) => warnings.push(w) })).toEqual([]);
    expect(warnings).toEqual([
      'cannot bind [fe80::1]:5353 on eth0 (EACCES): another mDNS responder on this machine (mDNSResponder, the Windows DNS Client, a browser) may hold the port; sending from the shared port 5353 socket instead, the interface set per packet',
    ]);
    expect(new Set(FakeSocket.sent.map((p) => `${p.from} ${p.multicastInterface} → ${p.to}`))).toEqual(
      new Set(['198.51.100.1:5353 198.51.100.1 → 224.0.0.251', ':::5353 ::%eth0 → ff02::fb%eth0', '203.0.113.1:5353 203.0.113.1 → 224.0.0.251']),
    );
  });
});
