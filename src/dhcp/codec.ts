/**
 * DHCP messages (RFC 2131 §2, options per RFC 2132): the fixed BOOTP header, the magic cookie and the
 * options. Reading follows option overload (52: options continued in `file`, then `sname`) and joins
 * every instance of one code in order (RFC 3396). Every length is checked against the buffer, so a
 * malformed packet becomes a MalformedDhcpError and nothing else. Writing pads to the 300 bytes
 * BOOTP relays and old clients expect.
 */
import { ProtocolError } from '../util/errors.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

/** Option 53 values (RFC 2132 §9.6). */
export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export const Option = {
  PAD: 0,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_LIST: 55,
  /** Site-specific (RFC 3942); Jitsi reads its provisioning URI here. */
  PROVISIONING_URI: 224,
  END: 255,
} as const;

/** The ports Jitsi uses instead of 67/68, so that its server can run beside the site's own. */
export const JITSI_SERVER_PORT = 6767;
export const JITSI_CLIENT_PORT = 6768;

const MAGIC_COOKIE = 0x63825363;
/** The BOOTP minimum (RFC 1542 §2.1); Jitsi's dhcp4java pads to it as well. */
export const MIN_MESSAGE_SIZE = 300;

export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** 16 bytes; the first `hlen` are the hardware address. */
  chaddr: Buffer;
  /** Empty when the field held options (overload). */
  sname: Buffer;
  file: Buffer;
  /** Code → value; instances of one code joined (RFC 3396). Pad, end and overload are not kept. */
  options: Map<number, Buffer>;
}

/** A packet that is no DHCP message: the sender broke the protocol. */
export class MalformedDhcpError extends ProtocolError {
  override name = 'MalformedDhcpError';
  constructor(message: string) {
    super(message, { code: 'malformed-packet' });
  }
}

type FieldKind = 'u8' | 'u16' | 'u32' | 'ip' | 'bytes';
type HeaderField = readonly [name: keyof DhcpMessage, offset: number, kind: FieldKind, size: number];

/** RFC 2131 figure 1, field by field. */
const HEADER: readonly HeaderField[] = [
  ['op', 0, 'u8', 1],
  ['htype', 1, 'u8', 1],
  ['hlen', 2, 'u8', 1],
  ['hops', 3, 'u8', 1],
  ['xid', 4, 'u32', 4],
  ['secs', 8, 'u16', 2],
  ['flags', 10, 'u16', 2],
  ['ciaddr', 12, 'ip', 4],
  ['yiaddr', 16, 'ip', 4],
  ['siaddr', 20, 'ip', 4],
  ['giaddr', 24, 'ip', 4],
  ['chaddr', 28, 'bytes', 16],
  ['sname', 44, 'bytes', 64],
  ['file', 108, 'bytes', 128],
];
const COOKIE_OFFSET = 236;
const OPTIONS_OFFSET = 240;
const SNAME = { offset: 44, size: 64 };
const FILE = { offset: 108, size: 128 };

function readIp(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

function writeIp(buf: Buffer, offset: number, address: string): void {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${address}`);
  }
  parts.forEach((p, i) => buf.writeUInt8(p, offset + i));
}

/**
 * Reads options from `buf[start, end)` into `into`, joining a repeated code to what came before
 * (RFC 3396); returns the overload value if option 52 appeared. Values are views of `buf`, not
 * copies: the responder's time to answer is mostly spent in such small allocations.
 */
/**
 * Options as read: the first instance of each code, and the further instances of a split one
 * (RFC 3396), joined once at the end — joining at every instance made a packet of many tiny
 * instances cost quadratic copying.
 */
interface OptionParts {
  readonly first: Map<number, Buffer>;
  more?: Map<number, Buffer[]>;
}

function readOptions(buf: Buffer, start: number, end: number, into: OptionParts, where: string): number | undefined {
  let overload: number | undefined;
  let at = start;
  while (at < end) {
    const code = buf[at];
    // `end` is within the buffer, so undefined never comes; it would end the options too
    if (code === undefined || code === Option.END) return overload;
    if (code === Option.PAD) {
      at++;
      continue;
    }
    const len = at + 1 < end ? buf[at + 1] : undefined;
    if (len === undefined) throw new MalformedDhcpError(`option ${code} in ${where} has no length byte`);
    const from = at + 2;
    if (from + len > end) throw new MalformedDhcpError(`option ${code} in ${where} claims ${len} bytes, ${end - from} left`);
    const value = buf.subarray(from, from + len);
    if (code === Option.OVERLOAD) {
      const overloaded = value[0];
      if (len !== 1 || overloaded === undefined || overloaded < 1 || overloaded > 3) throw new MalformedDhcpError(`option overload (52) must be one byte 1–3`);
      overload = overloaded;
    } else {
      const before = into.first.get(code);
      if (before === undefined) into.first.set(code, value);
      else {
        into.more ??= new Map();
        const parts = into.more.get(code);
        if (parts) parts.push(value);
        else into.more.set(code, [before, value]);
      }
    }
    at = from + len;
  }
  // RFC 2131 asks for an end option; clients that stop at the buffer's end are still understood
  return overload;
}

/** Decodes a DHCP message; throws MalformedDhcpError for anything that does not fit. Fields and option values are views of `buf`. */
export function decodeDhcp(buf: Buffer): DhcpMessage {
  if (buf.length < OPTIONS_OFFSET) throw new MalformedDhcpError(`${buf.length} bytes, shorter than a DHCP header (${OPTIONS_OFFSET})`);
  if (buf[COOKIE_OFFSET] !== 0x63 || buf[COOKIE_OFFSET + 1] !== 0x82 || buf[COOKIE_OFFSET + 2] !== 0x53 || buf[COOKIE_OFFSET + 3] !== 0x63) {
    throw new MalformedDhcpError('no DHCP magic cookie (a BOOTP packet)');
  }
  const fields: Record<string, unknown> = {};
  for (const [name, offset, kind, size] of HEADER) {
    if (kind === 'u8') fields[name] = buf[offset];
    else if (kind === 'u16') fields[name] = buf.readUInt16BE(offset);
    else if (kind === 'u32') fields[name] = buf.readUInt32BE(offset);
    else if (kind === 'ip') fields[name] = readIp(buf, offset);
    else fields[name] = buf.subarray(offset, offset + size);
  }
  const parts: OptionParts = { first: new Map() };
  const overload = readOptions(buf, OPTIONS_OFFSET, buf.length, parts, 'the options field');
  const message = fields as unknown as DhcpMessage;
  // RFC 2131 §4.1: with overload, `file` is read before `sname`
  if (overload === 1 || overload === 3) {
    readOptions(buf, FILE.offset, FILE.offset + FILE.size, parts, 'the file field');
    message.file = Buffer.alloc(0);
  }
  if (overload === 2 || overload === 3) {
    readOptions(buf, SNAME.offset, SNAME.offset + SNAME.size, parts, 'the sname field');
    message.sname = Buffer.alloc(0);
  }
  if (parts.more) for (const [code, split] of parts.more) parts.first.set(code, Buffer.concat(split));
  message.options = parts.first;
  return message;
}

export interface OutgoingDhcp {
  op: number;
  htype: number;
  hlen: number;
  hops?: number;
  xid: number;
  secs?: number;
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  chaddr: Buffer;
  /** In order; a value over 255 bytes is split into several instances (RFC 3396). */
  options: readonly (readonly [code: number, value: Buffer])[];
}

/** Encodes a message: header, cookie, options, end, zero padding up to 300 bytes. */
export function encodeDhcp(m: OutgoingDhcp): Buffer {
  const optionBytes: Buffer[] = [];
  for (const [code, value] of m.options) {
    if (code === Option.PAD || code === Option.END || code > 255 || code < 0) throw new RangeError(`option code ${code} cannot carry data`);
    let at = 0;
    do {
      const chunk = value.subarray(at, at + 255);
      optionBytes.push(Buffer.from([code, chunk.length]), chunk);
      at += 255;
    } while (at < value.length);
  }
  optionBytes.push(Buffer.from([Option.END]));
  const options = Buffer.concat(optionBytes);
  const buf = Buffer.alloc(Math.max(MIN_MESSAGE_SIZE, OPTIONS_OFFSET + options.length));
  const values: Record<string, unknown> = { hops: 0, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', ...m };
  for (const [name, offset, kind, size] of HEADER) {
    const v = values[name];
    if (kind === 'u8') buf.writeUInt8(v as number, offset);
    else if (kind === 'u16') buf.writeUInt16BE(v as number, offset);
    else if (kind === 'u32') buf.writeUInt32BE(v as number, offset);
    else if (kind === 'ip') writeIp(buf, offset, v as string);
    else if (v instanceof Buffer) v.copy(buf, offset, 0, Math.min(size, v.length));
  }
  buf.writeUInt32BE(MAGIC_COOKIE, COOKIE_OFFSET);
  options.copy(buf, OPTIONS_OFFSET);
  return buf;
}

/** The option-53 message type, or undefined when absent or not one byte (a BOOTP message). */
export function messageType(m: DhcpMessage): number | undefined {
  const v = m.options.get(Option.MESSAGE_TYPE);
  return v?.length === 1 ? v[0] : undefined;
}

/** The client's hardware address as `aa:bb:…` (the first hlen bytes of chaddr, at most 16). */
export function hardwareAddress(m: DhcpMessage): string {
  return [...m.chaddr.subarray(0, Math.min(m.hlen, 16))].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** `aa:bb:cc:dd:ee:ff` → 16-byte chaddr (zero-filled; all zero for an empty or unparsable MAC). */
export function chaddrFromMac(mac: string): Buffer {
  const buf = Buffer.alloc(16);
  const bytes = mac.split(':').map((h) => Number.parseInt(h, 16));
  if (bytes.length === 6 && bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) bytes.forEach((b, i) => (buf[i] = b));
  return buf;
}
