/**
 * Sockets for mDNS on chosen interfaces. One socket per family listens on the group; one socket per
 * interface and family, bound to that interface's address, sends, so that every packet leaves on the
 * right link with the right source address even when the host has no default route, and unicast
 * replies to us arrive on a socket whose interface is known. Where another responder holds an
 * interface's ADDRESS:5353, that interface sends from the listening socket instead (sockets.ts), and
 * the link of a unicast reply is found from its source address, as for any packet to the group.
 */
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { decodeThenHandle } from '../util/datagram.js';
import { interfaceForSource, isLinkLocalIpv6, withoutZone, type NetInterface } from '../util/network-interfaces.js';
import { TokenBuckets } from '../util/token-buckets.js';
import { bindSocket, openSender, SharedSocket, type Sender, type SharedSending } from './sockets.js';
import { decodeMessage, encodeMessage, MDNS_IPV4_GROUP, MDNS_IPV6_GROUP, MDNS_PORT, type MdnsMessage, type OutgoingMessage } from './wire.js';

export interface PacketSource {
  readonly address: string;
  readonly port: number;
  readonly interface: NetInterface;
}

export interface TransportStats {
  received: number;
  sent: number;
  /** Packets that did not decode: dropped. */
  malformed: number;
  /** Packets from a source on no subnet of ours (RFC 6762 §11): dropped. */
  offLink: number;
  /** Our own multicasts looped back to us: dropped. */
  echoes: number;
  /** Packets a listener threw on: a fault of ours, not the sender's; told as 'fault' (see receive()). */
  faults: number;
}

export function noPackets(): TransportStats {
  return { received: 0, sent: 0, malformed: 0, offLink: 0, echoes: 0, faults: 0 };
}

/** Adds `more`'s counts to `into`'s. */
export function addPackets(into: TransportStats, more: Readonly<TransportStats>): void {
  for (const k of Object.keys(into) as (keyof TransportStats)[]) into[k] += more[k];
}

export interface TransportEvents {
  message: [message: MdnsMessage, source: PacketSource];
  'send-error': [iface: NetInterface, error: Error];
}

interface MdnsTransportEvents extends TransportEvents {
  /** A 'message' listener threw on the packet from `source`; at most one a source per FAULT_REPORT_MS. */
  fault: [error: Error, source: PacketSource];
}

/**
 * What the responder and the browser need of a transport (tests give them a fake one): the events
 * they listen to, one by one, so that a transport may tell more (MdnsTransport's 'fault').
 */
export interface PacketChannel {
  readonly interfaces: readonly NetInterface[];
  /** Sends and resolves once the packets are handed to the kernel (announcements, goodbyes: awaited). */
  send(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }): Promise<void>;
  /** Sends without telling when: an answer, on the path whose CPU per question counts. */
  post(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }): void;
  on(event: 'message', listener: (...args: TransportEvents['message']) => void): unknown;
  on(event: 'send-error', listener: (...args: TransportEvents['send-error']) => void): unknown;
  off(event: 'message', listener: (...args: TransportEvents['message']) => void): unknown;
  off(event: 'send-error', listener: (...args: TransportEvents['send-error']) => void): unknown;
}

interface OpenedSockets {
  readonly iface: NetInterface;
  readonly v4: Sender | undefined;
  readonly v6: Sender | undefined;
}

interface InterfaceSockets extends OpenedSockets {
  /** Told when the kernel took a packet of this interface's, or refused it: made once, not per packet. */
  readonly onSent: (err: Error | null) => void;
}

/** A sender with a socket of its own, which the transport listens on and closes (a shared one is a listener's). */
function hasOwnSocket(s: Sender | undefined): s is Sender {
  return s !== undefined && !s.shared;
}

/** How long a sent packet is remembered to recognise its multicast echo. */
const ECHO_MEMORY_MS = 2000;
/** One fault told per source in this time: a packet that trips a bug is likely to come again. */
const FAULT_REPORT_MS = 10_000;

export class MdnsTransport extends EventEmitter<MdnsTransportEvents> implements PacketChannel {
  readonly stats = noPackets();
  private readonly faultReports = new TokenBuckets(1, 1000 / FAULT_REPORT_MS, 1024);
  private readonly recent = new Map<string, number>();
  /** Our own addresses (zone dropped): only a packet from one of them can be our echo. */
  private readonly ownAddresses: ReadonlySet<string>;
  /** Source address → the interface whose subnet holds it (undefined: off-link), worked out once. */
  private readonly sourceLinks = new Map<string, NetInterface | undefined>();
  private closed = false;
  private readonly senders: readonly InterfaceSockets[];

  private constructor(
    readonly interfaces: readonly NetInterface[],
    private readonly groupSockets: readonly dgram.Socket[],
    senders: readonly OpenedSockets[],
    /** The interfaces whose own bind was refused, sending from the shared socket: told once by whoever opened the transport. */
    readonly sharedSending: readonly SharedSending[],
  ) {
    super();
    this.senders = senders.map((s) => ({ ...s, onSent: (err) => err && this.emitSendError(s.iface, err) }));
    this.ownAddresses = new Set(interfaces.flatMap((i) => [...i.ipv4, ...i.ipv6].map((a) => withoutZone(a.address))));
  }

  static async open(interfaces: readonly NetInterface[]): Promise<MdnsTransport> {
    const opened: dgram.Socket[] = [];
    const track = (s: dgram.Socket) => (opened.push(s), s);
    /** A socket on `address` in `group` on each of `members` (interfaces, as addMembership names them); none without members. */
    const join = async (type: 'udp4' | 'udp6', address: string, group: string, members: readonly string[]) => {
      if (members.length === 0) return undefined;
      const socket = track(await bindSocket(type, address));
      for (const m of members) socket.addMembership(group, m);
      return socket;
    };
    try {
      const listen4 = await join(
        'udp4',
        '0.0.0.0',
        MDNS_IPV4_GROUP,
        interfaces.flatMap((i) => i.ipv4[0]?.address ?? []),
      );
      const linkLocal6 = interfaces.filter((i) => i.ipv6.some((a) => isLinkLocalIpv6(a.address)));
      const listen6 = await join(
        'udp6',
        '::',
        MDNS_IPV6_GROUP,
        linkLocal6.map((i) => `::%${i.name}`),
      );
      const listeners = [listen4, listen6].filter((s): s is dgram.Socket => !!s);
      const shared4 = listen4 && new SharedSocket(listen4);
      const shared6 = listen6 && new SharedSocket(listen6);
      const fellBack: SharedSending[] = [];
      const senders: OpenedSockets[] = [];
      for (const iface of interfaces) {
        const addr4 = iface.ipv4[0]?.address;
        const addr6 = iface.ipv6.find((a) => isLinkLocalIpv6(a.address))?.address;
        const v4 = addr4 ? await openSender('udp4', addr4, addr4, { socket: shared4, interface: iface.name, fellBack }) : undefined;
        if (v4 && !v4.shared) track(v4.socket);
        const v6 = addr6
          ? await openSender('udp6', `${withoutZone(addr6)}%${iface.name}`, `::%${iface.name}`, { socket: shared6, interface: iface.name, fellBack })
          : undefined;
        if (v6 && !v6.shared) track(v6.socket);
        senders.push({ iface, v4, v6 });
      }
      const transport = new MdnsTransport(interfaces, listeners, senders, fellBack);
      for (const s of listeners) s.on('message', (buf, rinfo) => transport.receive(buf, rinfo, undefined));
      // a shared socket is a listener: it hears, and fails, for every interface
      const own = senders.flatMap(({ iface, v4, v6 }) => [v4, v6].filter(hasOwnSocket).map((s) => ({ iface, socket: s.socket })));
      for (const { iface, socket } of own) socket.on('message', (buf, rinfo) => transport.receive(buf, rinfo, iface));
      // an asynchronous socket error is reported against the interfaces the socket serves
      for (const { iface, socket } of own) socket.on('error', (err) => transport.emitSendError(iface, err));
      for (const s of listeners) s.on('error', (err) => interfaces.forEach((i) => transport.emitSendError(i, err)));
      return transport;
    } catch (err) {
      for (const s of opened) s.close();
      throw err;
    }
  }

  /**
   * Multicasts on the interface (both families), or unicasts to `to`. Resolves once the packets are
   * handed to the kernel; socket errors are reported as 'send-error', never thrown. (Messages are
   * built from our own validated records, so an encoding failure would be a bug and does throw.)
   */
  send(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }): Promise<void> {
    return new Promise((resolve) => this.post(message, iface, to, resolve));
  }

  /** send() without a promise: `sent`, if given, is called once every packet is with the kernel. */
  post(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }, sent?: () => void): void {
    const sockets = this.closed ? undefined : this.senders.find((s) => s.iface.name === iface.name);
    if (!sockets) {
      sent?.();
      return;
    }
    const buf = encodeMessage(message);
    if (to) {
      const sender = to.address.includes(':') ? sockets.v6 : sockets.v4;
      if (sender) this.sendOn(sockets, sender, buf, to.port, to.address, sent);
      else sent?.();
      return;
    }
    this.remember(buf);
    const { v4, v6 } = sockets;
    // `sent` once both families have the packet
    let pending = (v4 ? 1 : 0) + (v6 ? 1 : 0);
    const one = sent && (() => --pending === 0 && sent());
    if (pending === 0) sent?.();
    if (v4) this.sendOn(sockets, v4, buf, MDNS_PORT, MDNS_IPV4_GROUP, one);
    if (v6) this.sendOn(sockets, v6, buf, MDNS_PORT, `${MDNS_IPV6_GROUP}%${iface.name}`, one);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const own = this.senders
      .flatMap((s) => [s.v4, s.v6])
      .filter(hasOwnSocket)
      .map((s) => s.socket);
    await Promise.all([...this.groupSockets, ...own].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private sendOn(sockets: InterfaceSockets, sender: Sender, buf: Buffer, port: number, address: string, sent: (() => void) | undefined): void {
    this.stats.sent++;
    sender.send(
      buf,
      port,
      address,
      sent
        ? (err) => {
            sockets.onSent(err);
            sent();
          }
        : sockets.onSent,
    );
  }

  private emitSendError(iface: NetInterface, err: Error): void {
    if (!this.closed) this.emit('send-error', iface, err);
  }

  private remember(buf: Buffer): void {
    const now = Date.now();
    if (this.recent.size > 256) {
      for (const [key, expiry] of this.recent) if (expiry < now) this.recent.delete(key);
    }
    this.recent.set(buf.toString('base64'), now + ECHO_MEMORY_MS);
  }

  private isEcho(buf: Buffer, rinfo: dgram.RemoteInfo): boolean {
    if (rinfo.port !== MDNS_PORT) return false;
    if (!this.ownAddresses.has(withoutZone(rinfo.address))) return false;
    const expiry = this.recent.get(buf.toString('base64'));
    return expiry !== undefined && expiry >= Date.now();
  }

  private linkOf(address: string): NetInterface | undefined {
    if (this.sourceLinks.has(address)) return this.sourceLinks.get(address);
    // bounded: a flood from made-up sources must not grow it
    if (this.sourceLinks.size >= 1024) this.sourceLinks.clear();
    const link = interfaceForSource(this.interfaces, address);
    this.sourceLinks.set(address, link);
    return link;
  }

  private receive(buf: Buffer, rinfo: dgram.RemoteInfo, boundTo: NetInterface | undefined): void {
    if (this.closed) return;
    this.stats.received++;
    const onLink = this.linkOf(rinfo.address);
    if (!onLink) {
      this.stats.offLink++;
      return;
    }
    const iface = boundTo ?? onLink;
    if (this.isEcho(buf, rinfo)) {
      this.stats.echoes++;
      return;
    }
    const source = { address: rinfo.address, port: rinfo.port, interface: iface };
    decodeThenHandle(
      buf,
      decodeMessage,
      this.stats,
      (message) => this.emit('message', message, source),
      (err) => {
        this.stats.faults++;
        if (this.faultReports.spend(rinfo.address)) this.emit('fault', err instanceof Error ? err : new Error(String(err)), source);
      },
    );
  }
}
