import { createRequire } from 'node:module';
import type * as DnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, rdataBytes, sameRecord, type MdnsRecord } from '../../../src/bonjour/wire.js';
import { compareProbeRecords } from '../../../src/bonjour/service-records.js';
import { defined } from '../../defined.js';

describe('mDNS wire layer', () => {
  it('writes and reads the QU bit of each question', () => {
    const buf = encodeMessage({
      questions: [
        { name: 'Provisioning URL._https._tcp.local', type: 'SRV', unicastResponse: true },
        { name: 'Provisioning URL._https._tcp.local', type: 'TXT', unicastResponse: false },
      ],
    });
    // class field of the first question: top bit set, IN below it
    const classAt = 12 + 1 + 'Provisioning URL'.length + 1 + 6 + 1 + 4 + 1 + 5 + 1 + 2;
    expect(buf.readUInt16BE(classAt)).toBe(0x8001);
    const m = decodeMessage(buf);
    expect(m.questions.map((q) => q.unicastResponse)).toEqual([true, false]);
  });

  it('keeps TXT strings in wire order and the cache-flush bit', () => {
    const txt: MdnsRecord = { name: 'x._https._tcp.local', type: 'TXT', ttl: 4500, flush: true, data: ['path=/p', 'b=2', 'a=1'] };
    const m = decodeMessage(encodeMessage({ response: true, authoritative: true, answers: [txt] }));
    expect(m.response).toBe(true);
    expect(m.authoritative).toBe(true);
    expect(m.answers[0]).toEqual(txt);
  });

  it('throws on a truncated packet instead of returning half of it', () => {
    const buf = encodeMessage({ response: true, answers: [{ name: 'h.local', type: 'A', ttl: 120, flush: true, data: '192.0.2.1' }] });
    for (let cut = 1; cut < buf.length; cut++) expect(() => decodeMessage(buf.subarray(0, buf.length - cut))).toThrow();
  });

  it('throws on malformed names: a pointer loop, a reserved label type, a count with no data', () => {
    const header = (qdcount: number) => Buffer.from([0, 0, 0, 0, 0, qdcount, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeMessage(Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]))).toThrow();
    expect(() => decodeMessage(Buffer.concat([header(1), Buffer.from([0x80, 0, 1, 0, 1])]))).toThrow();
    expect(() => decodeMessage(header(1))).toThrow();
  });

  it('compares records by owner, type and RDATA, not TTL or flush bit', () => {
    const a: MdnsRecord = { name: 'H.local', type: 'A', ttl: 120, flush: true, data: '192.0.2.1' };
    expect(sameRecord(a, { ...a, name: 'h.local', ttl: 0, flush: false })).toBe(true);
    expect(sameRecord(a, { ...a, data: '192.0.2.2' })).toBe(false);
    expect(rdataBytes(a)).toEqual(Buffer.from([192, 0, 2, 1]));
  });

  it('breaks probe ties by type then RDATA bytes (RFC 6762 §8.2)', () => {
    const a: MdnsRecord = { name: 'h.local', type: 'A', ttl: 120, flush: true, data: '169.254.99.200' };
    const b: MdnsRecord = { ...a, data: '169.254.200.50' };
    expect(compareProbeRecords([a], [b])).toBeLessThan(0); // the RFC's own example: 200.50 wins
    expect(compareProbeRecords([b], [a])).toBeGreaterThan(0);
    expect(compareProbeRecords([a], [{ ...a, ttl: 1 }])).toBe(0);
    expect(compareProbeRecords([a], [a, b])).toBeLessThan(0); // more records win when the rest is equal
  });

  it('keeps a record of a type it does not model (HINFO, NSEC) comparable, ordered by its type code and sendable again', () => {
    const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof DnsPacket;
    const name = 'Provisioning URL._https._tcp.local';
    const buf = dnsPacket.encode({
      type: 'query',
      questions: [{ name, type: 'ANY' as DnsPacket.RecordType, class: 'IN' }],
      authorities: [
        { name, type: 'HINFO', ttl: 120, class: 'IN', data: { cpu: 'x86', os: 'linux' } },
        { name, type: 'HINFO', ttl: 120, class: 'IN', data: { cpu: 'arm', os: 'linux' } },
        { name, type: 'NSEC', ttl: 120, class: 'IN', data: { nextDomain: name, rrtypes: ['TXT', 'SRV'] } },
      ],
    });
    const [x86, arm, nsec] = decodeMessage(buf).authorities;
    expect(x86).toMatchObject({ type: 'OTHER', rrtype: 'HINFO' });
    expect(sameRecord(defined(x86), defined(arm))).toBe(false);
    expect(sameRecord(defined(x86), { ...defined(x86), ttl: 0 })).toBe(true);
    // HINFO is type 13, TXT 16, NSEC 47: a TXT beats HINFO and loses to NSEC, whatever the data
    const txt: MdnsRecord = { name, type: 'TXT', ttl: 4500, flush: true, data: ['path=/p'] };
    expect(compareProbeRecords([txt], [defined(x86)])).toBeGreaterThan(0);
    expect(compareProbeRecords([txt], [defined(nsec)])).toBeLessThan(0);
    expect(compareProbeRecords([defined(x86)], [defined(arm)])).toBeGreaterThan(0); // "x86" > "arm" byte for byte
    const again = decodeMessage(encodeMessage({ response: true, answers: [defined(x86), defined(nsec)] }));
    expect(again.answers.map((r) => r.type === 'OTHER' && r.rrtype)).toEqual(['HINFO', 'NSEC']);
    expect(sameRecord(defined(again.answers[0]), defined(x86))).toBe(true);
  });
});

describe('decoding a plain query (questions only) without dns-packet', () => {
  const q = (name: string, type: number, klass = 1) => {
    const labels = name === '.' ? [] : name.split('.');
    return Buffer.concat([
      ...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])),
      Buffer.from([0]),
      Buffer.from([type >> 8, type & 255, klass >> 8, klass & 255]),
    ]);
  };
  const header = (id: number, flags: number, qd: number, an = 0) => Buffer.from([id >> 8, id & 255, flags >> 8, flags & 255, 0, qd, 0, an, 0, 0, 0, 0]);
  // python-zeroconf style: the second name points back into the first (Provisioning URL._https…)
  const compressed = Buffer.concat([header(0, 0, 2), q('Provisioning URL._https._tcp.local', 33, 0x8001), Buffer.from([0xc0, 12, 0, 16, 0x80, 1])]);
  const cases: [string, Buffer][] = [
    ['two questions, the second compressed, QU bits', compressed],
    [
      'a JmDNS-style SRV+TXT query with an ID and the AA flag',
      Buffer.concat([header(4242, 0x0400, 2), q('Provisioning URL._https._tcp.local', 33), q('Provisioning URL._https._tcp.local', 16)]),
    ],
    ['the root name and a type dns-packet does not know', Buffer.concat([header(0, 0, 1), q('.', 65280)])],
    ['non-ASCII labels', Buffer.concat([header(0, 0, 1), q('Bü.ro', 1)])],
  ];
  for (const [what, buf] of cases) {
    it(`reads ${what} as dns-packet does`, () => {
      const ours = decodeMessage(buf);
      const theirs = (createRequire(import.meta.url)('dns-packet') as typeof DnsPacket).decode(buf);
      expect(ours.id).toBe(theirs.id);
      expect(ours.response).toBe(false);
      expect(ours.authoritative).toBe(Boolean(theirs.flag_aa));
      expect(ours.questions.map((x) => [x.name, x.type])).toEqual(defined(theirs.questions).map((x) => [x.name, x.type]));
    });
  }

  it('reads the QU bit per question', () => {
    expect(decodeMessage(compressed).questions.map((x) => x.unicastResponse)).toEqual([true, true]);
  });

  it('reads a question shape seen again from what it kept, with each packet its own ID, and a QM twin of a QU shape apart', () => {
    const jmdns = (id: number, klass: number) =>
      Buffer.concat([header(id, 0, 2), q('Provisioning URL._https._tcp.local', 33, klass), q('Provisioning URL._https._tcp.local', 16, klass)]);
    const [first, second, third] = [1, 2, 3].map((id) => decodeMessage(jmdns(id, 1)));
    // kept from the second sighting: the same list, which the responder keeps its plan by
    expect(defined(third).questions).toBe(defined(second).questions);
    expect(defined(first).questions).toEqual(defined(second).questions);
    expect([first, second, third].map((m) => defined(m).id)).toEqual([1, 2, 3]);
    const qu = [decodeMessage(jmdns(4, 0x8001)), decodeMessage(jmdns(5, 0x8001))];
    expect(qu.map((m) => m.questions.map((x) => x.unicastResponse))).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(defined(third).questions.map((x) => x.unicastResponse)).toEqual([false, false]);
  });

  it('refuses a packet cut short, a pointer that does not point back, and a loop', () => {
    expect(() => decodeMessage(compressed.subarray(0, compressed.length - 3))).toThrow(RangeError);
    expect(() => decodeMessage(Buffer.concat([header(0, 0, 1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]))).toThrow(RangeError);
    expect(() => decodeMessage(Buffer.concat([header(0, 0, 1), Buffer.from([0xc0, 40, 0, 1, 0, 1])]))).toThrow(RangeError);
  });

  it('leaves a query with known answers to dns-packet, which reads them', () => {
    const withKnown = encodeMessage({
      questions: [{ name: '_https._tcp.local', type: 'PTR', unicastResponse: false }],
      answers: [{ name: '_https._tcp.local', type: 'PTR', ttl: 4500, flush: false, data: 'Provisioning URL._https._tcp.local' }],
    });
    expect(decodeMessage(withKnown).answers).toHaveLength(1);
  });
});
