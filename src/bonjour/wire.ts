/**
 * mDNS messages on the wire: our own small record model, encoded and decoded through dns-packet.
 * dns-packet loses the QU bit of questions (it reads the class as a name, then masks the name) and
 * cannot write it, so this layer reads and sets that bit itself.
 */
import type * as DnsPacket from 'dns-packet';
import { requireCjs } from '../util/cjs.js';
import { decodeTxt, encodeTxt } from '../template/txt.js';

const dnsPacket = requireCjs('dns-packet') as typeof DnsPacket;
const dnsTypes = requireCjs('dns-packet/types') as { toType(name: string): number; toString(code: number): string };

export const MDNS_PORT = 5353;
export const MDNS_IPV4_GROUP = '224.0.0.251';
export const MDNS_IPV6_GROUP = 'ff02::fb';

export interface SrvData {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

interface RecordBase {
  readonly name: string;
  readonly ttl: number;
  /** The cache-flush bit: set on records this responder alone owns (RFC 6762 §10.2). */
  readonly flush: boolean;
}

export type MdnsRecord =
  | (RecordBase & { readonly type: 'A' | 'AAAA' | 'PTR'; readonly data: string })
  | (RecordBase & { readonly type: 'SRV'; readonly data: SrvData })
  | (RecordBase & { readonly type: 'TXT'; readonly data: readonly string[] })
  /**
   * Any other type, as dns-packet decoded it: kept whole so that it can be compared byte for byte
   * (a peer's probe may carry such records) and encoded again.
   */
  | (RecordBase & { readonly type: 'OTHER'; readonly rrtype: string; readonly decoded: DnsPacket.Answer });

export interface MdnsQuestion {
  readonly name: string;
  readonly type: string;
  /** The QU bit (RFC 6762 §5.4): the asker would like a unicast answer. */
  readonly unicastResponse: boolean;
}

export interface MdnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly opcode: string;
  readonly questions: readonly MdnsQuestion[];
  readonly answers: readonly MdnsRecord[];
  readonly authorities: readonly MdnsRecord[];
  readonly additionals: readonly MdnsRecord[];
}

export type OutgoingMessage = Partial<Omit<MdnsMessage, 'opcode'>>;

const QU_BIT = 0x8000;
const HEADER_BYTES = 12;

function toPacketRecord(r: MdnsRecord): DnsPacket.Answer {
  const common = { name: r.name, ttl: r.ttl, class: 'IN' as const, flush: r.flush };
  switch (r.type) {
    case 'TXT':
      return { ...common, type: 'TXT', data: encodeTxt(r.data) };
    case 'OTHER':
      return { ...r.decoded, ...common } as DnsPacket.Answer;
    default:
      return { ...common, type: r.type, data: r.data } as DnsPacket.Answer;
  }
}

function fromPacketRecord(a: DnsPacket.Answer): MdnsRecord {
  const base = { name: a.name, ttl: 'ttl' in a ? (a.ttl ?? 0) : 0, flush: 'flush' in a ? Boolean(a.flush) : false };
  switch (a.type) {
    case 'A':
    case 'AAAA':
    case 'PTR':
      return { ...base, type: a.type, data: String(a.data) };
    case 'SRV': {
      const d = a.data;
      return { ...base, type: 'SRV', data: { priority: d.priority ?? 0, weight: d.weight ?? 0, port: d.port, target: d.target } };
    }
    case 'TXT': {
      const d = a.data;
      return { ...base, type: 'TXT', data: decodeTxt(Array.isArray(d) ? d : [d]) };
    }
    default:
      return { ...base, type: 'OTHER', rrtype: a.type, decoded: a };
  }
}

/** Identity of a record object, for the cache of encoded answers. */
const recordIds = new WeakMap<MdnsRecord, number>();
let nextRecordId = 0;
/** Encoded answers by the record objects they hold; a responder sends the same few again and again. */
const encodedAnswers = new Map<string, Buffer>();
const ENCODED_ANSWERS_KEPT = 64;

/** The record ids of a list, by list: the responder hands the same answer lists again (answer-plan.ts). */
const listIds = new WeakMap<readonly MdnsRecord[], string>();

function idsOf(rs: readonly MdnsRecord[] | undefined): string {
  if (!rs || rs.length === 0) return '';
  let ids = listIds.get(rs);
  if (ids === undefined) {
    ids = rs
      .map((r) => {
        let id = recordIds.get(r);
        if (id === undefined) recordIds.set(r, (id = nextRecordId++));
        return id;
      })
      .join(',');
    listIds.set(rs, ids);
  }
  return ids;
}

function answerKey(m: OutgoingMessage): string | undefined {
  // questions and IDs come from the asker (legacy replies, probes): built each time
  if ((m.questions?.length ?? 0) > 0 || (m.id ?? 0) !== 0) return undefined;
  return `${m.response ? 1 : 0}${m.authoritative ? 1 : 0}${m.truncated ? 1 : 0}|${idsOf(m.answers)}|${idsOf(m.authorities)}|${idsOf(m.additionals)}`;
}

/**
 * Encodes a message. Answers made of the same record objects are encoded once: encoding is most of
 * the time a query spends in the responder (dns-packet, code that never gets hot at a few queries a
 * second), and the answer must leave at once. The buffer returned may be shared: never modify it.
 */
export function encodeMessage(m: OutgoingMessage): Buffer {
  const key = answerKey(m);
  if (key === undefined) return encodeFresh(m);
  let buf = encodedAnswers.get(key);
  if (!buf) {
    buf = encodeFresh(m);
    // a Map iterates in insertion order: the first key is the oldest answer
    const oldest = encodedAnswers.size >= ENCODED_ANSWERS_KEPT ? encodedAnswers.keys().next().value : undefined;
    if (oldest !== undefined) encodedAnswers.delete(oldest);
    encodedAnswers.set(key, buf);
  }
  return buf;
}

function encodeFresh(m: OutgoingMessage): Buffer {
  const questions = m.questions ?? [];
  const buf = dnsPacket.encode({
    id: m.id ?? 0,
    type: m.response ? 'response' : 'query',
    flags: (m.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (m.truncated ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: questions.map((q) => ({ name: q.name, type: q.type as DnsPacket.RecordType, class: 'IN' as const })),
    answers: (m.answers ?? []).map(toPacketRecord),
    authorities: (m.authorities ?? []).map(toPacketRecord),
    additionals: (m.additionals ?? []).map(toPacketRecord),
  });
  // dns-packet writes names uncompressed, so each question's class sits right after its name.
  let offset = HEADER_BYTES;
  for (const q of questions) {
    offset += nameBytes(q.name) + 2;
    if (q.unicastResponse) buf.writeUInt16BE(buf.readUInt16BE(offset) | QU_BIT, offset);
    offset += 2;
  }
  return buf;
}

function nameBytes(name: string): number {
  const labels = name
    .replace(/^\.|\.$/g, '')
    .split('.')
    .filter((l) => l.length > 0);
  return labels.reduce((n, l) => n + 1 + Buffer.byteLength(l, 'utf8'), 1);
}

/**
 * Decodes a packet; throws on anything malformed or truncated. A plain query (questions only, no known answers: nearly every question a client
 * asks first) is read here directly; anything else goes through dns-packet. dns-packet's general
 * decoder, never hot at a few queries a second, took ~0.1 ms of each answer's time.
 */
export function decodeMessage(buf: Buffer): MdnsMessage {
  return decodePlainQuery(buf) ?? decodeFull(buf);
}

const POINTER = 0xc0;
const MAX_NAME_BYTES = 255;

/**
 * The questions of plain queries, by their bytes: clients ask the same few questions again and again
 * (every JmDNS and python-zeroconf asks the same SRV and TXT), so each shape is read once and the
 * same array handed out again. Identity matters downstream: the responder keeps what it worked out
 * for a question list (answer-plan.ts) by that array.
 */
const questionsByBytes = new Map<string, readonly MdnsQuestion[]>();
const QUESTION_SHAPES_KEPT = 64;
/**
 * Shapes seen once: a shape is kept from its second sighting. A flood of questions for made-up
 * names would otherwise churn the kept shapes, each living just long enough to be promoted to V8's
 * old generation as garbage (resident memory that grew through the bench's floods).
 */
const shapesSeenOnce = new Set<string>();

function keepShape(shape: string, questions: readonly MdnsQuestion[]): void {
  if (!shapesSeenOnce.delete(shape)) {
    if (shapesSeenOnce.size >= QUESTION_SHAPES_KEPT) shapesSeenOnce.clear();
    shapesSeenOnce.add(shape);
    return;
  }
  // a Map iterates in insertion order: the first key is the oldest shape
  const oldest = questionsByBytes.size >= QUESTION_SHAPES_KEPT ? questionsByBytes.keys().next().value : undefined;
  if (oldest !== undefined) questionsByBytes.delete(oldest);
  questionsByBytes.set(shape, questions);
}
const NONE: readonly MdnsRecord[] = Object.freeze([]);

function decodePlainQuery(buf: Buffer): MdnsMessage | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  const flags = buf.readUInt16BE(2);
  // a response, or an opcode other than QUERY
  if ((flags & 0xf800) !== 0) return undefined;
  const count = buf.readUInt16BE(4);
  if (count === 0 || buf.readUInt16BE(6) !== 0 || buf.readUInt16BE(8) !== 0 || buf.readUInt16BE(10) !== 0) return undefined;
  // the questions are the rest of the packet (anything after them is ignored, as dns-packet does)
  const shape = buf.toString('latin1', HEADER_BYTES);
  let questions = questionsByBytes.get(shape);
  if (!questions) {
    questions = Object.freeze(readQuestions(buf, count));
    keepShape(shape, questions);
  }
  return {
    id: buf.readUInt16BE(0),
    response: false,
    authoritative: (flags & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
    truncated: (flags & dnsPacket.TRUNCATED_RESPONSE) !== 0,
    opcode: 'QUERY',
    questions,
    answers: NONE,
    authorities: NONE,
    additionals: NONE,
  };
}

function readQuestions(buf: Buffer, count: number): MdnsQuestion[] {
  const questions: MdnsQuestion[] = [];
  let offset = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const [name, next] = readName(buf, offset);
    if (next + 4 > buf.length) throw new RangeError('question runs past the end of the packet');
    questions.push(
      Object.freeze({
        name,
        type: dnsTypes.toString(buf.readUInt16BE(next)),
        unicastResponse: (buf.readUInt16BE(next + 2) & QU_BIT) !== 0,
      }),
    );
    offset = next + 4;
  }
  return questions;
}

/** A name at `start` (labels joined by dots, as dns-packet gives them) and the offset after it. */
function readName(buf: Buffer, start: number): [string, number] {
  const labels: string[] = [];
  let offset = start;
  let after: number | undefined;
  let bytes = 0;
  for (;;) {
    const len = buf[offset];
    if (len === undefined) throw new RangeError('name runs past the end of the packet');
    if (len === 0) break;
    if ((len & POINTER) === POINTER) {
      const low = buf[offset + 1];
      if (low === undefined) throw new RangeError('name runs past the end of the packet');
      const target = ((len & ~POINTER) << 8) | low;
      // only backwards, to data before this name began (RFC 1035 §4.1.4): no loops
      if (target >= start) throw new RangeError('compression pointer does not point back');
      after ??= offset + 2;
      start = target;
      offset = target;
      continue;
    }
    if ((len & POINTER) !== 0) throw new RangeError('unknown label type');
    if (offset + 1 + len > buf.length) throw new RangeError('label runs past the end of the packet');
    bytes += len + 1;
    if (bytes > MAX_NAME_BYTES) throw new RangeError('name too long');
    labels.push(buf.toString('utf8', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  return [labels.length === 0 ? '.' : labels.join('.'), after ?? offset + 1];
}

function decodeFull(buf: Buffer): MdnsMessage {
  const p = dnsPacket.decode(buf);
  const questions = (p.questions ?? []).map((q) => {
    const klass = q.class as string;
    const unknown = /^UNKNOWN_(\d+)$/.exec(klass);
    const code = unknown ? Number(unknown[1]) : klass === 'IN' ? 1 : 0;
    return { name: q.name, type: q.type, unicastResponse: (code & QU_BIT) !== 0 };
  });
  if (dnsPacket.decode.bytes > buf.length) throw new RangeError('packet shorter than its records');
  return {
    id: p.id ?? 0,
    response: p.type === 'response',
    authoritative: Boolean(p.flag_aa),
    truncated: Boolean(p.flag_tc),
    opcode: (p as { opcode?: string }).opcode ?? 'QUERY',
    questions,
    answers: (p.answers ?? []).map(fromPacketRecord),
    authorities: (p.authorities ?? []).map(fromPacketRecord),
    additionals: (p.additionals ?? []).map(fromPacketRecord),
  };
}

/** DNS names compare without regard to ASCII case. */
export function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

const rdataCache = new WeakMap<MdnsRecord, Buffer>();

/**
 * The record's RDATA as sent (names uncompressed), for equality and the probe tie-break. Kept per
 * record object: a responder compares its own few records for every query it answers.
 */
export function rdataBytes(r: MdnsRecord): Buffer {
  let bytes = rdataCache.get(r);
  if (!bytes) {
    const packet = dnsPacket.encode({ answers: [toPacketRecord({ ...r, flush: false, ttl: 0 })] });
    bytes = packet.subarray(HEADER_BYTES + nameBytes(r.name) + 10); // type, class, TTL, RDLENGTH
    rdataCache.set(r, bytes);
  }
  return bytes;
}

/** The record's numeric type, for the probe tie-break's ordering. */
export function typeCode(r: MdnsRecord): number {
  return dnsTypes.toType(r.type === 'OTHER' ? r.rrtype : r.type);
}

/** Same owner name, type and data: the same record whatever its TTL (RFC 6762 §7.1, §9). */
export function sameRecord(a: MdnsRecord, b: MdnsRecord): boolean {
  return typeCode(a) === typeCode(b) && sameName(a.name, b.name) && rdataBytes(a).equals(rdataBytes(b));
}
