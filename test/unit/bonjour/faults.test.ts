/**
 * A listener that throws on a well-formed packet: told as an event and counted as a fault, not as a
 * malformed packet, and the advertisement goes on. The transport runs on fake sockets (a real one
 * would multicast, which only the lab may do).
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdvertiseEvent } from '../../../src/bonjour/advertise.js';
import type { NetInterface } from '../../../src/util/network-interfaces.js';
import { encodeMessage, type MdnsRecord } from '../../../src/bonjour/wire.js';
import { defined } from '../../defined.js';

class FakeSocket extends EventEmitter {
  static all: FakeSocket[] = [];
  constructor() {
    super();
    FakeSocket.all.push(this);
  }
  bind(_port: number, _address: string, cb: () => void): void {
    cb();
  }
  addMembership(): void {}
  setMulticastInterface(): void {}
  setTTL(): void {}
  setMulticastTTL(): void {}
  setMulticastLoopback(): void {}
  send(_buf: Buffer, _port: number, _address: string, cb: (err: Error | null) => void): void {
    cb(null);
  }
  close(cb?: () => void): void {
    cb?.();
  }
}

const eth0: NetInterface = {
  name: 'eth0',
  mac: '02:00:00:00:00:01',
  ipv4: [{ address: '198.51.100.1', netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [],
};

vi.mock('node:dgram', () => ({ default: { createSocket: () => new FakeSocket() } }));
vi.mock('../../../src/util/network-interfaces.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/network-interfaces.js')>()),
  listInterfaces: () => [eth0],
  selectInterfaces: () => [eth0],
}));

const { MdnsTransport } = await import('../../../src/bonjour/transport.js');
const { advertise } = await import('../../../src/bonjour/advertise.js');

const FULL = 'Provisioning URL._https._tcp.local';
const rogueSrv: MdnsRecord = { name: FULL, type: 'SRV', ttl: 120, flush: true, data: { priority: 0, weight: 0, port: 8443, target: 'rogue.local' } };
const query = encodeMessage({ questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] });

/** A packet as the group socket (the first one opened) hears it. */
function receive(buf: Buffer, from = '198.51.100.66'): void {
  defined(FakeSocket.all[0]).emit('message', buf, { address: from, port: 5353, family: 'IPv4', size: buf.length });
}

beforeEach(() => {
  FakeSocket.all.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MdnsTransport: a listener that throws', () => {
  it('is told as a fault with the packet it threw on, counted apart from malformed packets, once per source per 10 s', async () => {
    vi.useFakeTimers();
    const transport = await MdnsTransport.open([eth0]);
    const faults: [string, string][] = [];
    transport.on('fault', (err, source) => faults.push([err.message, `${source.address} ${source.interface.name}`]));
    const heard: string[] = [];
    transport.on('message', (_m, source) => {
      heard.push(source.address);
      if (source.address !== '198.51.100.7') throw new Error('boom');
    });
    receive(query);
    receive(query);
    receive(Buffer.from('not mDNS'));
    receive(query, '198.51.100.7');
    expect(faults).toEqual([['boom', '198.51.100.66 eth0']]);
    expect(transport.stats).toMatchObject({ received: 4, malformed: 1, faults: 2 });
    expect(heard).toEqual(['198.51.100.66', '198.51.100.66', '198.51.100.7']);
    vi.advanceTimersByTime(10_000);
    receive(query);
    expect(faults).toHaveLength(2);
    await transport.close();
  });
});

describe('advertise: a listener that throws while the responder handles a packet', () => {
  it("is an 'error' event, and the goodbye counts it as a fault, not as a malformed packet", async () => {
    vi.useFakeTimers();
    const events: AdvertiseEvent[] = [];
    const onEvent = (e: AdvertiseEvent) => {
      events.push(e);
      // the conflict is told from within the handling of the rogue's answer
      if (e.event === 'conflict') throw new Error('the listener broke');
    };
    const started = advertise({ template: 'https://prov.example/p.php?u=${username}' }, onEvent);
    await vi.advanceTimersByTimeAsync(1000);
    const ad = await started;
    receive(encodeMessage({ response: true, answers: [rogueSrv] }));
    expect(events.filter((e) => e.event === 'error')).toEqual([{ event: 'error', from: '198.51.100.66', interface: 'eth0', error: 'the listener broke' }]);
    const closed = ad.close();
    await vi.advanceTimersByTimeAsync(200);
    await closed;
    expect(events.at(-1)).toMatchObject({ event: 'goodbye', packets: { received: 1, malformed: 0, faults: 1 } });
  });
});
