/**
 * The DHCP discoverer's bookkeeping, on fake sockets: a real run broadcasts, which only the lab may
 * do (test/interop/ covers the wire).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BOOTREPLY, decodeDhcp, encodeDhcp, MessageType, Option } from '../../../src/dhcp/codec.js';
import { defined } from '../../defined.js';

type SendCallback = (err: Error | null) => void;

class FakeSocket extends EventEmitter {
  static all: FakeSocket[] = [];
  readonly sends: { buf: Buffer; cb: SendCallback }[] = [];
  closed = false;
  constructor() {
    super();
    FakeSocket.all.push(this);
  }
  bind(_port: number, _address: string, cb: () => void): void {
    cb();
  }
  setBroadcast(): void {}
  send(buf: Buffer, _port: number, _address: string, cb: SendCallback): void {
    this.sends.push({ buf, cb });
  }
  close(): void {
    // as node:dgram does
    if (this.closed) throw Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    this.closed = true;
  }
}

vi.mock('node:dgram', () => ({ default: { createSocket: () => new FakeSocket() } }));
/** The IPv4 addresses of the one interface; a discovery asks from each. */
const net = vi.hoisted(() => ({ addresses: ['10.9.0.5'] }));
vi.mock('../../../src/util/network-interfaces.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/network-interfaces.js')>()),
  selectInterfaces: () => [
    {
      name: 'eth-test',
      mac: '02:00:00:00:00:01',
      ipv4: net.addresses.map((address) => ({ address, netmask: '255.255.255.0', family: 4, scopeid: 0 })),
      ipv6: [],
    },
  ],
}));

const { discoverDhcp } = await import('../../../src/dhcp/discover.js');

describe('discoverDhcp', () => {
  it('takes the sender of a reply without option 54 as its source, and a late send error after the reply does not close twice', async () => {
    FakeSocket.all.length = 0;
    const run = discoverDhcp({ timeoutMs: 500 });
    await vi.waitFor(() => expect(FakeSocket.all[0]?.sends).toHaveLength(1));
    const socket = defined(FakeSocket.all[0]);
    const { xid } = decodeDhcp(defined(socket.sends[0]).buf);
    const ack = encodeDhcp({
      op: BOOTREPLY,
      htype: 1,
      hlen: 6,
      xid,
      ciaddr: '10.9.0.5',
      chaddr: Buffer.alloc(16),
      options: [
        [Option.MESSAGE_TYPE, Buffer.from([MessageType.ACK])],
        [Option.PROVISIONING_URI, Buffer.from('https://p.example/')],
      ],
    });
    socket.emit('message', ack, { address: '10.9.0.1', port: 6767, family: 'IPv4', size: ack.length });
    const found = await run;
    expect(found).toMatchObject([{ uri: 'https://p.example/', from: '10.9.0.1', serverId: undefined, address: '10.9.0.5' }]);
    expect(() => defined(socket.sends[0]).cb(new Error('EACCES'))).not.toThrow();
  });

  it('tells an error on a socket through warn, once, and goes on asking', async () => {
    FakeSocket.all.length = 0;
    const warnings: string[] = [];
    const run = discoverDhcp({ timeoutMs: 500, warn: (w) => warnings.push(w) });
    await vi.waitFor(() => expect(FakeSocket.all[0]?.sends).toHaveLength(1));
    const socket = defined(FakeSocket.all[0]);
    socket.emit('error', new Error('ENOBUFS'));
    socket.emit('error', new Error('ENOBUFS'));
    defined(socket.sends[0]).cb(null);
    expect(warnings).toEqual(['asking from 10.9.0.5 (eth-test): ENOBUFS']);
    await expect(run).resolves.toEqual([]);
  });

  it('tells a send refused on one address through warn while the others ask, and throws when every send failed', async () => {
    net.addresses = ['10.9.0.5', '10.9.0.6'];
    try {
      FakeSocket.all.length = 0;
      const warnings: string[] = [];
      const run = discoverDhcp({ timeoutMs: 500, warn: (w) => warnings.push(w) });
      await vi.waitFor(() => expect(FakeSocket.all.map((s) => s.sends.length)).toEqual([1, 1]));
      defined(defined(FakeSocket.all[0]).sends[0]).cb(new Error('EACCES'));
      defined(defined(FakeSocket.all[1]).sends[0]).cb(null);
      expect(warnings).toEqual(['asking from 10.9.0.5 (eth-test): EACCES']);
      await expect(run).resolves.toEqual([]);

      FakeSocket.all.length = 0;
      const failing = discoverDhcp({ timeoutMs: 500, warn: (w) => warnings.push(w) });
      await vi.waitFor(() => expect(FakeSocket.all.map((s) => s.sends.length)).toEqual([1, 1]));
      for (const s of FakeSocket.all) defined(s.sends[0]).cb(new Error('ENETUNREACH'));
      await expect(failing).rejects.toThrow('ENETUNREACH');
    } finally {
      net.addresses = ['10.9.0.5'];
    }
  });
});
