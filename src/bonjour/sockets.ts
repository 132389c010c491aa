/**
 * The UDP sockets mDNS runs on, all on port 5353 with IP TTL 255: the any-address socket a family
 * listens on, and where each interface's packets leave from — a socket bound to the interface's
 * address, or, where another mDNS stack holds that address and port (mDNSResponder on macOS, the DNS
 * Client service on Windows, a browser), the any-address socket with the interface set per packet.
 * docs/platforms.md says which systems refuse which bind, and what is tested where.
 */
import dgram from 'node:dgram';
import { literalLookup } from '../util/datagram.js';
import { withoutZone } from '../util/network-interfaces.js';
import { MDNS_PORT } from './wire.js';

/** An interface's own bind that was refused: its packets go out through the shared socket. */
export interface SharedSending {
  readonly interface: string;
  /** The address the interface's own socket could not bind (port 5353). */
  readonly address: string;
  /** EADDRINUSE, EACCES or EADDRNOTAVAIL. */
  readonly code: string;
}

/** Where one interface's packets of one family leave from. */
export interface Sender {
  readonly socket: dgram.Socket;
  /** The socket is the family's shared one: it hears for every interface, not for this one only. */
  readonly shared: boolean;
  /**
   * Hands the packet to the kernel; `done` hears once it has it, with the error if it refused it.
   * A callback, not a promise: an answer is one packet, and a promise per packet was a measurable
   * share of each answer's CPU (docs/benchmark.md, "CPU per question").
   */
  send(buf: Buffer, port: number, address: string, done: (err: Error | null) => void): void;
}

/**
 * What a refused bind to ADDRESS:5353 says on the systems where another responder holds the port:
 * in use (macOS, Linux without SO_REUSEADDR on the holder), denied (Windows' exclusive binds), or the
 * address not bindable by a second socket (Windows).
 */
const SHARED_FALLBACK_CODES: ReadonlySet<string> = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/**
 * Set by the lab tests only: every interface's own bind fails with this code, so that the fallback
 * runs on Linux, where nothing holds ADDRESS:5353.
 */
export const FORCE_BIND_ERROR_ENV = 'PROVDISC_TEST_BIND_ERROR';

/**
 * The family's any-address socket, lent to the interfaces whose own bind was refused. One packet at a
 * time, each after setting its interface: dgram hands a packet to the kernel on a later tick, so two
 * sends in a row would otherwise both leave on the interface set last.
 */
export class SharedSocket {
  /** Packets waiting for the one being sent: each sets the interface, then sends. */
  private readonly waiting: (() => void)[] = [];
  private sending = false;

  constructor(readonly socket: dgram.Socket) {}

  /** The sender of one interface: `multicastInterface` is its IPv4 address, or `::%NAME` for IPv6. */
  via(multicastInterface: string): Sender {
    return { socket: this.socket, shared: true, send: (buf, port, address, done) => this.send(multicastInterface, buf, port, address, done) };
  }

  private send(multicastInterface: string, buf: Buffer, port: number, address: string, done: (err: Error | null) => void): void {
    this.waiting.push(() => {
      try {
        this.socket.setMulticastInterface(multicastInterface);
      } catch (err) {
        done(err as Error);
        this.next();
        return;
      }
      this.socket.send(buf, port, address, (err) => {
        done(err);
        this.next();
      });
    });
    if (!this.sending) this.next();
  }

  private next(): void {
    const job = this.waiting.shift();
    this.sending = job !== undefined;
    job?.();
  }
}

/**
 * The sender of one interface and family: a socket bound to `address` (IPv6 with its zone), or,
 * when that bind is refused as another responder refuses it, `shared` — the refusal noted in
 * `fellBack`. Any other error, or a refusal with no shared socket, is thrown.
 */
export async function openSender(
  type: 'udp4' | 'udp6',
  address: string,
  multicastInterface: string,
  shared: { socket: SharedSocket | undefined; interface: string; fellBack: SharedSending[] },
): Promise<Sender> {
  let socket: dgram.Socket;
  try {
    const forced = process.env[FORCE_BIND_ERROR_ENV];
    if (forced) throw Object.assign(new Error(`bind ${forced} ${address}:${MDNS_PORT} (${FORCE_BIND_ERROR_ENV})`), { code: forced });
    socket = await bindSocket(type, address);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!shared.socket || code === undefined || !SHARED_FALLBACK_CODES.has(code)) throw err;
    shared.fellBack.push({ interface: shared.interface, address: withoutZone(address), code });
    return shared.socket.via(multicastInterface);
  }
  socket.setMulticastInterface(multicastInterface);
  return { socket, shared: false, send: (buf, port, to, done) => socket.send(buf, port, to, done) };
}

/** One line for a person: which binds were refused, and that mDNS still goes out from port 5353. */
export function describeSharedSending(fellBack: readonly SharedSending[]): string {
  const refused = fellBack.map((f) => `${f.address.includes(':') ? `[${f.address}]` : f.address}:${MDNS_PORT} on ${f.interface} (${f.code})`).join(', ');
  return (
    `cannot bind ${refused}: another mDNS responder on this machine (mDNSResponder, the Windows DNS Client, a browser) may hold the port; ` +
    `sending from the shared port ${MDNS_PORT} socket instead, the interface set per packet`
  );
}

export function bindSocket(type: 'udp4' | 'udp6', address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, reuseAddr: true, lookup: literalLookup, ...(type === 'udp6' ? { ipv6Only: true } : {}) });
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(MDNS_PORT, address, () => {
      socket.off('error', onError);
      // RFC 6762 §11: mDNS packets go out with IP TTL 255 so receivers can tell they are on-link
      socket.setTTL(255);
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(true);
      resolve(socket);
    });
  });
}
