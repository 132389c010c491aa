/**
 * The responder on 127.0.0.1 only (unicast on loopback: nothing leaves the machine), with a fake
 * interface list whose subnet is 127.0.0.0/8.
 */
import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOOTREPLY, decodeDhcp, encodeDhcp, MessageType, Option } from '../../../src/dhcp/codec.js';
import { buildInform } from '../../../src/dhcp/discover.js';
import { buildAck } from '../../../src/dhcp/ack.js';
import { DhcpResponder, type DhcpInform } from '../../../src/dhcp/responder.js';
import type { NetInterface } from '../../../src/util/network-interfaces.js';
import { defined } from '../../defined.js';

const LOOP: NetInterface = {
  name: 'lo-test',
  mac: '00:00:00:00:00:00',
  ipv4: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 4, scopeid: 0 }],
  ipv6: [],
};
const URI = Buffer.from('https://p.example/p.php?u=${username}');

let responder: DhcpResponder;
let client: dgram.Socket;
let port: number;
const replies: Buffer[] = [];
const informs: DhcpInform[] = [];

function listen(s: dgram.Socket, p: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(p, address, () => resolve());
  });
}

beforeEach(async () => {
  replies.length = 0;
  informs.length = 0;
  for (;;) {
    port = 20000 + Math.floor(Math.random() * 20000) * 2;
    try {
      responder = await DhcpResponder.open({ uri: URI, interfaces: [LOOP], wanted: ['lo-test'], port, bindAddress: '127.0.0.1' });
      client = dgram.createSocket('udp4');
      await listen(client, port + 1, '127.0.0.2');
      break;
    } catch {
      await responder?.close();
    }
  }
  client.on('message', (b) => replies.push(b));
  responder.on('inform', (e) => informs.push(e));
});

afterEach(async () => {
  await responder.close();
  client.close();
});

const send = (b: Buffer) => new Promise<void>((resolve) => client.send(b, port, '127.0.0.1', () => resolve()));
const settle = () => new Promise((r) => setTimeout(r, 100));

function message(type: number, options: [number, Buffer][] = [[Option.PARAMETER_LIST, Buffer.from([224])]], op = 1, ciaddr = '127.0.0.2'): Buffer {
  return encodeDhcp({ op, htype: 1, hlen: 6, xid: 42, ciaddr, chaddr: Buffer.alloc(16, 1), options: [[Option.MESSAGE_TYPE, Buffer.from([type])], ...options] });
}

describe('DhcpResponder', () => {
  it("answers Jitsi's INFORM with an ACK to ciaddr, port + 1, and reports the client once per transaction", async () => {
    const inform = buildInform(0xcafe0001, '127.0.0.2', '02:00:00:00:00:07');
    await send(inform);
    await send(inform);
    await settle();
    expect(replies).toHaveLength(2);
    expect(replies[0]).toEqual(buildAck(decodeDhcp(inform), URI, '127.0.0.1'));
    const ack = decodeDhcp(defined(replies[0]));
    expect(ack.op).toBe(BOOTREPLY);
    expect(ack.xid).toBe(0xcafe0001);
    expect(ack.options.get(Option.MESSAGE_TYPE)).toEqual(Buffer.from([MessageType.ACK]));
    expect(ack.options.get(Option.PROVISIONING_URI)).toEqual(URI);
    expect(informs).toEqual([{ event: 'dhcp-inform', address: '127.0.0.2', mac: '02:00:00:00:00:07', xid: 'cafe0001', interface: 'lo-test' }]);
    expect(responder.stats).toMatchObject({ received: 2, answered: 2, malformed: 0 });
  });

  it('copies flags, giaddr and chaddr of any INFORM into the ACK as the codec would build it', async () => {
    const inform = encodeDhcp({
      op: 1,
      htype: 6,
      hlen: 16,
      xid: 0xfeedf00d,
      flags: 0x8000,
      ciaddr: '127.0.0.2',
      giaddr: '127.0.0.9',
      chaddr: Buffer.from('0123456789abcdef'),
      options: [
        [Option.MESSAGE_TYPE, Buffer.from([8])],
        [Option.PARAMETER_LIST, Buffer.from([1, 224, 3])],
      ],
    });
    await send(inform);
    await settle();
    expect(replies).toEqual([buildAck(decodeDhcp(inform), URI, '127.0.0.1')]);
  });

  it('never answers DISCOVER, REQUEST, replies, or an INFORM not asking for 224', async () => {
    await send(message(MessageType.DISCOVER));
    await send(message(MessageType.REQUEST));
    await send(message(MessageType.ACK, undefined, 2));
    await send(message(MessageType.INFORM, [[Option.PARAMETER_LIST, Buffer.from([1, 3, 6])]]));
    await send(message(MessageType.INFORM, []));
    await settle();
    expect(replies).toHaveLength(0);
    expect(responder.stats).toMatchObject({ received: 5, ignored: 5, answered: 0 });
  });

  it('drops malformed packets, counts them, and still answers the next INFORM', async () => {
    for (const junk of [Buffer.alloc(0), Buffer.alloc(100, 0xff), Buffer.concat([buildInform(1, '127.0.0.2', '').subarray(0, 240), Buffer.from([53, 9])])])
      await send(junk);
    await send(buildInform(2, '127.0.0.2', ''));
    await settle();
    expect(responder.stats).toMatchObject({ malformed: 3, answered: 1 });
    expect(replies).toHaveLength(1);
  });

  it('does not answer a client on none of its subnets', async () => {
    await send(buildInform(3, '192.0.2.9', ''));
    await settle();
    expect(responder.stats).toMatchObject({ offLink: 1, answered: 0 });
  });

  it("drops an INFORM from its subnet's network or broadcast address as off-link: no send, no error", async () => {
    const errors: unknown[] = [];
    responder.on('send-error', (e) => errors.push(e));
    await send(buildInform(4, '127.255.255.255', ''));
    await send(buildInform(5, '127.0.0.0', ''));
    await settle();
    expect(responder.stats).toMatchObject({ offLink: 2, answered: 0, sendErrors: 0 });
    expect(errors).toEqual([]);
  });

  it('reports a failing address once, however often it asks, and counts every failure', async () => {
    // a /32 has no broadcast address to drop, so the ACK to 127.255.255.255 is sent and refused (EACCES)
    const edge: NetInterface = { ...LOOP, name: 'lo-edge', ipv4: [{ ...defined(LOOP.ipv4[0]), address: '127.255.255.255', netmask: '255.255.255.255' }] };
    const other = await DhcpResponder.open({ uri: URI, interfaces: [edge], wanted: ['lo-edge'], port: port + 2, bindAddress: '127.0.0.1' });
    try {
      const errors: { address: string }[] = [];
      other.on('send-error', (e) => errors.push(e));
      for (let xid = 10; xid < 15; xid++)
        await new Promise<void>((resolve) => client.send(buildInform(xid, '127.255.255.255', ''), port + 2, '127.0.0.1', () => resolve()));
      await settle();
      expect(other.stats).toMatchObject({ received: 5, answered: 0, sendErrors: 5 });
      expect(errors).toMatchObject([{ address: '127.255.255.255' }]);
    } finally {
      await other.close();
    }
  });

  it("tells an 'inform' listener's exception as a fault, counts it apart from malformed packets, and keeps answering", async () => {
    const faults: { address: string; error: string }[] = [];
    responder.on('fault', (e) => faults.push(e));
    responder.prependListener('inform', () => {
      throw new Error('the listener broke');
    });
    await send(buildInform(20, '127.0.0.2', '02:00:00:00:00:0a'));
    await send(buildInform(21, '127.0.0.2', '02:00:00:00:00:0a'));
    await settle();
    expect(faults).toEqual([{ address: '127.0.0.2', error: 'the listener broke' }]);
    expect(responder.stats).toMatchObject({ received: 2, answered: 2, malformed: 0, faults: 2 });
    expect(replies).toHaveLength(2);
  });

  it('answers a flood from one client at a bounded rate', async () => {
    for (let i = 0; i < 200; i++) await send(buildInform(i, '127.0.0.2', '02:00:00:00:00:09'));
    await settle();
    // the kernel may drop some of the burst before we read it; every one read counts
    const { received, answered, limited } = responder.stats;
    expect(received).toBeGreaterThan(100);
    expect(answered).toBeLessThanOrEqual(25);
    expect(limited).toBe(received - answered);
  });
});
