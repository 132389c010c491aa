/**
 * The DHCP side of `advertise`: answers Jitsi's DHCPINFORM on port 6767 with a DHCPACK carrying the
 * URI in option 224 (RFC 2131 §4.3.5), and nothing else — it hands out no addresses.
 *
 * One socket bound to 0.0.0.0:6767: Linux only delivers a broadcast to 255.255.255.255 to a socket
 * bound to the wildcard (or to the broadcast address), never to one bound to an interface address.
 * Node has no IP_PKTINFO or SO_BINDTODEVICE, so the interface is found from the client's address
 * (ciaddr, which Jitsi always fills): a client on none of the chosen interfaces' subnets is not
 * answered. The ACK is unicast to ciaddr:6768; the kernel routes it by the connected route of that
 * subnet, so it leaves on the client's link from our address there, with or without a default route.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import QuickLRU from 'quick-lru';
import { decodeThenHandle, literalLookup } from '../util/datagram.js';
import { interfaceForSource, isSubnetEdge, listInterfaces, onSubnet, type InterfaceAddress, type NetInterface } from '../util/network-interfaces.js';
import { TokenBuckets } from '../util/token-buckets.js';
import { AckTemplates } from './ack.js';
import { BOOTREQUEST, decodeDhcp, hardwareAddress, JITSI_SERVER_PORT, MessageType, messageType, Option, type DhcpMessage } from './codec.js';

export interface DhcpResponderOptions {
  /** Option 224's bytes (see uriOptionBytes). */
  readonly uri: Buffer;
  /** Interfaces whose clients are answered; re-read every few seconds (addresses change). */
  readonly interfaces: readonly NetInterface[];
  /** Interface names asked for; undefined = every usable one (followed as they come and go). */
  readonly wanted?: readonly string[] | undefined;
  /** Default 6767 (Jitsi); replies go to this port + 1. Tests and side-by-side runs may change it. */
  readonly port?: number | undefined;
  /** Address to bind; default 0.0.0.0 (needed to hear broadcasts). */
  readonly bindAddress?: string | undefined;
}

export interface DhcpInform {
  readonly event: 'dhcp-inform';
  /** Where the ACK went (ciaddr, or the relay). */
  readonly address: string;
  readonly mac: string;
  /** Transaction id, 8 hex digits as tcpdump/tshark show it. */
  readonly xid: string;
  readonly interface: string;
  /** The relay's address when the INFORM came through one. */
  readonly relay?: string;
}

export interface DhcpStats {
  received: number;
  answered: number;
  /** Did not decode: dropped. */
  malformed: number;
  /** Decoded but not ours to answer: replies, DISCOVER/REQUEST…, INFORMs not asking for 224. */
  ignored: number;
  /**
   * From a client on none of our interfaces' subnets, or with no address to answer to (none, or the
   * subnet's network or broadcast address: the kernel refuses a unicast there).
   */
  offLink: number;
  /** Over the per-client rate: dropped unanswered. */
  limited: number;
  /** Every failed send; a `send-error` is emitted for at most one per address per 10 s. */
  sendErrors: number;
  /** Packets the responder failed on (a fault of its own, or of an `inform` listener); a `fault` is emitted as for `sendErrors`. */
  faults: number;
}

/** What went wrong with a packet from, or an answer to, `address`. */
export interface DhcpTrouble {
  readonly address: string;
  readonly error: string;
}

export interface DhcpResponderEvents {
  inform: [DhcpInform];
  'send-error': [DhcpTrouble];
  /** The responder threw handling a packet from `address` (a bug); it goes on answering. */
  fault: [DhcpTrouble];
}

/** Jitsi sends 3 INFORMs per discovery; a client far above this is a flood, not a Jitsi. */
const PER_CLIENT_BURST = 20;
const PER_CLIENT_REFILL_PER_S = 10;
/** How long a (client, xid) is remembered so that its retransmissions do not count as new clients. */
const SEEN_MS = 60_000;
const INTERFACE_POLL_MS = 2000;
/** One send-error (or fault) report per address in this time: a client that cannot be answered sends on. */
const REPORT_MS = 10_000;
/** Bound of every per-address map, so that a flood cannot grow it. */
const MAP_CAP = 4096;

interface Route {
  readonly iface: NetInterface;
  /** Our address on the client's (or relay's) subnet. */
  readonly own: InterfaceAddress;
}

function xidHex(xid: number): string {
  return xid.toString(16).padStart(8, '0');
}

/** True when option 55 asks for 224. INFORMs that do not are left alone (see docs/dhcp.md). */
export function asksForUri(m: DhcpMessage): boolean {
  // a plain loop: Buffer#includes calls into C++, which costs more than these few bytes
  const list = m.options.get(Option.PARAMETER_LIST);
  if (list) for (let i = 0; i < list.length; i++) if (list[i] === Option.PROVISIONING_URI) return true;
  return false;
}

/**
 * The client an INFORM's answer budget is kept for (`answer` uses the same key: ciaddr, else the
 * source), read from the raw header; undefined for a relayed or too short packet, which are left to
 * the decoder.
 */
function unrelayedClient(buf: Buffer, source: string): string | undefined {
  if (buf.length < 28 || buf.readUInt32BE(24) !== 0) return undefined;
  return buf.readUInt32BE(12) === 0 ? source : `${buf[12]}.${buf[13]}.${buf[14]}.${buf[15]}`;
}

export class DhcpResponder extends EventEmitter<DhcpResponderEvents> {
  readonly stats: DhcpStats = { received: 0, answered: 0, malformed: 0, ignored: 0, offLink: 0, limited: 0, sendErrors: 0, faults: 0 };
  private readonly budgets = new TokenBuckets(PER_CLIENT_BURST, PER_CLIENT_REFILL_PER_S, MAP_CAP);
  /** (client, xid) answered in the last SEEN_MS; QuickLRU holds up to twice maxSize keys. */
  private readonly seen = new QuickLRU<string, true>({ maxSize: MAP_CAP / 2, maxAge: SEEN_MS });
  private readonly routes = new Map<string, Route | undefined>();
  private readonly reports = { 'send-error': new TokenBuckets(1, 1000 / REPORT_MS, MAP_CAP), fault: new TokenBuckets(1, 1000 / REPORT_MS, MAP_CAP) };
  private readonly acks: AckTemplates;
  private readonly poll: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    uri: Buffer,
    private interfaces: readonly NetInterface[],
    private readonly wanted: readonly string[] | undefined,
    readonly port: number,
  ) {
    super();
    this.acks = new AckTemplates(uri);
    socket.on('message', (buf, rinfo) => this.receive(buf, rinfo));
    socket.on('error', (err) => this.report('send-error', '0.0.0.0', err));
    this.poll = setInterval(() => {
      this.interfaces = listInterfaces().filter((i) => !this.wanted || this.wanted.includes(i.name));
      this.routes.clear();
    }, INTERFACE_POLL_MS);
    this.poll.unref();
  }

  /** Binds the socket; rejects (EADDRINUSE, EACCES) before anything is answered. */
  static async open(options: DhcpResponderOptions): Promise<DhcpResponder> {
    const port = options.port ?? JITSI_SERVER_PORT;
    const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, options.bindAddress ?? '0.0.0.0', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new DhcpResponder(socket, options.uri, options.interfaces, options.wanted, port);
  }

  get servedInterfaces(): readonly NetInterface[] {
    return this.interfaces;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearInterval(this.poll);
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private receive(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    this.stats.received++;
    // A flooding client is turned away before its packet is decoded: under a flood the socket
    // queue overflows, and every microsecond saved here is a better chance for other clients'
    // INFORMs to be read at all (decoding every flood packet halved what the responder could read).
    const client = unrelayedClient(buf, rinfo.address);
    if (client !== undefined && this.budgets.exhausted(client)) {
      this.stats.limited++;
      return;
    }
    decodeThenHandle(
      buf,
      decodeDhcp,
      this.stats,
      (m) => this.answer(m, buf, rinfo),
      (err) => this.report('fault', rinfo.address, err),
    );
  }

  private answer(m: DhcpMessage, raw: Buffer, rinfo: dgram.RemoteInfo): void {
    if (m.op !== BOOTREQUEST || messageType(m) !== MessageType.INFORM || !asksForUri(m)) {
      this.stats.ignored++;
      return;
    }
    const relayed = m.giaddr !== '0.0.0.0';
    const client = m.ciaddr !== '0.0.0.0' ? m.ciaddr : rinfo.address;
    // a relayed INFORM is answered on whichever link reaches the relay
    const route = this.routeFor(relayed ? rinfo.address : client, relayed);
    if (!route || client === '0.0.0.0' || (!relayed && isSubnetEdge(client, route.own))) {
      this.stats.offLink++;
      return;
    }
    if (!this.budgets.spend(client)) {
      this.stats.limited++;
      return;
    }
    const ack = this.acks.ackFor(raw, route.own.address);
    // §4.3.5: straight to ciaddr, relayed or not, as ISC dhcpd does. Sent back through the relay
    // (§4.1), the ACK never reaches Jitsi: dhcrelay forwards a reply without the broadcast flag to
    // yiaddr, which is 0.0.0.0 in an answer to an INFORM (seen in the lab, see docs/dhcp.md).
    const to = m.ciaddr !== '0.0.0.0' || !relayed ? { address: client, port: this.port + 1 } : { address: m.giaddr, port: this.port };
    this.socket.send(ack, to.port, to.address, (err) => {
      if (err) {
        this.report('send-error', to.address, err);
        return;
      }
      try {
        this.answered(m, client, route.iface, relayed);
      } catch (e) {
        // an `inform` listener's: thrown from a socket callback it would end the process
        this.report('fault', client, e);
      }
    });
  }

  /** Counts the ACK sent and tells a client not seen in this transaction yet. */
  private answered(m: DhcpMessage, client: string, iface: NetInterface, relayed: boolean): void {
    this.stats.answered++;
    const mac = hardwareAddress(m);
    const key = `${mac}/${client}/${m.xid}`;
    const fresh = !this.seen.has(key);
    this.seen.set(key, true);
    if (fresh) {
      this.emit('inform', {
        event: 'dhcp-inform',
        address: client,
        mac,
        xid: xidHex(m.xid),
        interface: iface.name,
        ...(relayed ? { relay: m.giaddr } : {}),
      });
    }
  }

  /**
   * The interface and our address there for a client (or relay) address; cached until the interfaces
   * are read again, since every INFORM of a client asks the same.
   */
  private routeFor(address: string, relayed: boolean): Route | undefined {
    const key = `${relayed ? 'r' : 'c'}${address}`;
    if (this.routes.has(key)) return this.routes.get(key);
    const iface = interfaceForSource(this.interfaces, address) ?? (relayed ? this.interfaces.find((i) => i.ipv4.length > 0) : undefined);
    const own = iface?.ipv4.find((a) => onSubnet(address, a)) ?? iface?.ipv4[0];
    const route = iface && own ? { iface, own } : undefined;
    if (this.routes.size > MAP_CAP) this.routes.clear();
    this.routes.set(key, route);
    return route;
  }

  /** Counts every one; tells at most one per address per REPORT_MS, since a client that fails asks again. */
  private report(kind: 'send-error' | 'fault', address: string, err: unknown): void {
    if (this.closed) return;
    if (kind === 'fault') this.stats.faults++;
    else this.stats.sendErrors++;
    if (this.reports[kind].spend(address)) this.emit(kind, { address, error: err instanceof Error ? err.message : String(err) });
  }
}
