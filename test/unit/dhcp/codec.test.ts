import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chaddrFromMac, decodeDhcp, encodeDhcp, hardwareAddress, MalformedDhcpError, MessageType, messageType, Option } from '../../../src/dhcp/codec.js';
import { buildInform } from '../../../src/dhcp/discover.js';
import { buildAck } from '../../../src/dhcp/ack.js';
import { asksForUri } from '../../../src/dhcp/responder.js';
import { defined } from '../../defined.js';

/** Jitsi's INFORM written out byte by byte from RFC 2131 figure 1, not with the codec. */
function jitsiInformBytes(xid: number, ciaddr: number[], mac: number[]): Buffer {
  const b = Buffer.alloc(300);
  b.set([1, 1, 6, 0], 0);
  b.writeUInt32BE(xid, 4);
  b.set(ciaddr, 12);
  b.set(mac, 28);
  b.set([0x63, 0x82, 0x53, 0x63, 53, 1, 8, 55, 1, 224, 255], 236);
  return b;
}

describe('DHCP codec', () => {
  it('builds the INFORM Jitsi sends, byte for byte', () => {
    const ours = buildInform(0xdeadbeef, '192.168.0.7', '02:00:5e:10:00:01');
    expect(ours).toEqual(jitsiInformBytes(0xdeadbeef, [192, 168, 0, 7], [2, 0, 0x5e, 0x10, 0, 1]));
  });

  it('decodes the header fields and options of an INFORM', () => {
    const m = decodeDhcp(jitsiInformBytes(0x01020304, [10, 0, 0, 9], [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
    expect(m).toMatchObject({
      op: 1,
      htype: 1,
      hlen: 6,
      hops: 0,
      xid: 0x01020304,
      secs: 0,
      flags: 0,
      ciaddr: '10.0.0.9',
      yiaddr: '0.0.0.0',
      giaddr: '0.0.0.0',
    });
    expect(hardwareAddress(m)).toBe('aa:bb:cc:dd:ee:ff');
    expect(messageType(m)).toBe(MessageType.INFORM);
    expect(asksForUri(m)).toBe(true);
  });

  it('answers per RFC 2131 §4.3.5: op 2, fields copied, yiaddr 0, 53 = ACK, 54, 224 exact, no lease time, 300 bytes', () => {
    const inform = decodeDhcp(jitsiInformBytes(0x11223344, [10, 0, 0, 9], [1, 2, 3, 4, 5, 6]));
    inform.giaddr = '10.0.1.1';
    inform.flags = 0x8000;
    const uri = Buffer.from('https://p.example/p.php?u=${username}');
    const ack = buildAck(inform, uri, '10.0.0.1');
    expect(ack.length).toBe(300);
    const m = decodeDhcp(ack);
    expect(m).toMatchObject({ op: 2, htype: 1, hlen: 6, xid: 0x11223344, flags: 0x8000, ciaddr: '10.0.0.9', yiaddr: '0.0.0.0', giaddr: '10.0.1.1' });
    expect(m.chaddr).toEqual(inform.chaddr);
    expect([...m.options.keys()]).toEqual([53, 54, 224]);
    expect(m.options.get(Option.SERVER_ID)).toEqual(Buffer.from([10, 0, 0, 1]));
    expect(m.options.get(Option.PROVISIONING_URI)).toEqual(uri);
  });

  it('follows option overload (52) into file then sname, and joins split options (RFC 3396)', () => {
    const b = Buffer.alloc(300);
    b[0] = 2;
    b.set([0x63, 0x82, 0x53, 0x63, 52, 1, 3, 224, 3, ...Buffer.from('abc'), 255], 236);
    b.set([224, 2, ...Buffer.from('de'), 255], 108); // file, read first
    b.set([224, 1, ...Buffer.from('f'), 0, 0, 255], 44); // sname
    const m = decodeDhcp(b);
    expect(m.options.get(224)?.toString()).toBe('abcdef');
    expect(m.options.has(52)).toBe(false);
    expect(m.file.length).toBe(0);
  });

  it('splits a value over 255 bytes into several instances when writing, and joins them when reading', () => {
    const long = Buffer.from('x'.repeat(600));
    const buf = encodeDhcp({ op: 2, htype: 1, hlen: 6, xid: 1, chaddr: Buffer.alloc(16), options: [[224, long]] });
    expect(decodeDhcp(buf).options.get(224)).toEqual(long);
  });

  it('joins an option split into many instances in order, empty instances included', () => {
    const instances = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? [224, 0] : [224, 1, 0x41 + (i % 26)]));
    const b = Buffer.concat([jitsiInformBytes(1, [0, 0, 0, 0], [0]).subarray(0, 240), Buffer.from(instances.flat()), Buffer.from([255])]);
    const expected = instances
      .filter((x) => x[1] === 1)
      .map((x) => String.fromCharCode(defined(x[2])))
      .join('');
    expect(decodeDhcp(b).options.get(224)?.toString('latin1')).toBe(expected);
  });

  it('reads options that run to the end of the packet without an end option', () => {
    const b = jitsiInformBytes(1, [10, 0, 0, 9], [1, 2, 3, 4, 5, 6]).subarray(0, 246);
    expect(messageType(decodeDhcp(b))).toBe(MessageType.INFORM);
  });

  it.each([
    ['shorter than the header', Buffer.alloc(239)],
    ['no magic cookie', Buffer.alloc(300)],
    ['an option longer than the packet', Buffer.concat([jitsiInformBytes(1, [0, 0, 0, 0], [0]).subarray(0, 240), Buffer.from([224, 50, 1, 2])])],
    ['an option code with no length byte', Buffer.concat([jitsiInformBytes(1, [0, 0, 0, 0], [0]).subarray(0, 240), Buffer.from([224])])],
    ['an overload of 4', Buffer.concat([jitsiInformBytes(1, [0, 0, 0, 0], [0]).subarray(0, 240), Buffer.from([52, 1, 4, 255])])],
    ['an overload two bytes long', Buffer.concat([jitsiInformBytes(1, [0, 0, 0, 0], [0]).subarray(0, 240), Buffer.from([52, 2, 1, 1, 255])])],
  ])('refuses %s with MalformedDhcpError', (_what, buf) => {
    expect(() => decodeDhcp(buf)).toThrow(MalformedDhcpError);
  });

  it('throws nothing but MalformedDhcpError for random, truncated and bit-flipped packets', () => {
    const good = buildAck(decodeDhcp(jitsiInformBytes(7, [10, 0, 0, 9], [1, 2, 3, 4, 5, 6])), Buffer.from('https://a/b'), '10.0.0.1');
    const inputs: Buffer[] = [];
    for (let i = 0; i < 2000; i++) inputs.push(randomBytes(i % 400));
    for (let n = 0; n <= good.length; n++) inputs.push(good.subarray(0, n));
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + (i % 5); k++) b[236 + ((i * 7 + k * 13) % (b.length - 236))] = (i * 31 + k) & 0xff;
      inputs.push(b);
    }
    let decoded = 0;
    for (const b of inputs) {
      try {
        decodeDhcp(b);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedDhcpError);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });

  it('turns a MAC into a zero-filled chaddr, all zero for none', () => {
    expect(chaddrFromMac('02:00:00:00:00:0a')).toEqual(Buffer.from([2, 0, 0, 0, 0, 10, ...Array(10).fill(0)]));
    expect(chaddrFromMac('')).toEqual(Buffer.alloc(16));
  });

  it('refuses to write pad or end as an option with data', () => {
    expect(() => encodeDhcp({ op: 2, htype: 1, hlen: 6, xid: 1, chaddr: Buffer.alloc(16), options: [[255, Buffer.from('x')]] })).toThrow(RangeError);
  });
});
