/**
 * `discover --via dhcp`: asks for option 224 as Jitsi does — one xid, a DHCPINFORM per IPv4 address
 * of each interface (ciaddr = that address, chaddr = its MAC, options 53 = 8 and 55 = [224]) to
 * 255.255.255.255:6767 from port 6768, resent twice 1–2 s apart — and takes the URI from the reply.
 *
 * Where we differ from Jitsi, on purpose: Jitsi sends every INFORM from one socket bound to *:6768,
 * so the kernel routes 255.255.255.255 by the default route — out of one interface only, and with no
 * default route not at all (ENETUNREACH; seen in the lab). We bind one socket per address instead:
 * Linux sends a limited broadcast from a socket bound to a local address out of that address's
 * interface (route lookup by source, the same rule as for multicast), so each INFORM leaves on its
 * own link with its own source, with or without routes, and the unicast ACK to ciaddr:6768 comes
 * back to that socket. The bytes on the wire are Jitsi's.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { MethodDiscoverOptions } from '../template/discover-options.js';
import { NetworkError, setting, UsageError, type WarningSink } from '../util/errors.js';
import { selectInterfaces, type NetInterface } from '../util/network-interfaces.js';
import { BOOTREQUEST, chaddrFromMac, decodeDhcp, encodeDhcp, JITSI_SERVER_PORT, MessageType, Option, type DhcpMessage } from './codec.js';

/** The settings every method takes, plus the server port. */
export interface DhcpDiscoverOptions extends MethodDiscoverOptions {
  /** Server port; default 6767; we listen on port + 1. */
  readonly port?: number | undefined;
  /** Told when an address could not ask (a send refused, an error on its socket) while others could. */
  readonly warn?: WarningSink | undefined;
}

export interface DhcpDiscovered {
  /** Option 224's bytes as text (UTF-8; Jitsi uses the platform charset), untrimmed. */
  readonly uri: string;
  /** Address the reply came from. */
  readonly from: string;
  /** Option 54, when present. */
  readonly serverId: string | undefined;
  /** Interface (and our address on it) whose INFORM was answered. */
  readonly interface: string;
  readonly address: string;
  readonly xid: string;
  /** From the first INFORM to this reply. */
  readonly elapsedMs: number;
}

const DEFAULT_TIMEOUT_MS = 3000;

/** The INFORM Jitsi sends for one address. */
export function buildInform(xid: number, ciaddr: string, mac: string): Buffer {
  return encodeDhcp({
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    xid,
    ciaddr,
    chaddr: chaddrFromMac(mac),
    options: [
      [Option.MESSAGE_TYPE, Buffer.from([MessageType.INFORM])],
      [Option.PARAMETER_LIST, Buffer.from([Option.PROVISIONING_URI])],
    ],
  });
}

interface Asker {
  readonly iface: NetInterface;
  readonly address: string;
  readonly socket: dgram.Socket;
  readonly packet: Buffer;
}

function openSocket(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    // reuseAddr: a second discover (or Jitsi itself, on *:6768) may run on the same machine
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      socket.setBroadcast(true);
      resolve(socket);
    });
  });
}

function ipOf(buf: Buffer | undefined): string | undefined {
  return buf?.length === 4 ? [...buf].join('.') : undefined;
}

/** A socket and an INFORM per target; none left open when one cannot bind. */
async function openAskers(targets: readonly { iface: NetInterface; address: string }[], port: number, xid: number): Promise<Asker[]> {
  const askers: Asker[] = [];
  try {
    for (const t of targets) askers.push({ ...t, socket: await openSocket(t.address, port + 1), packet: buildInform(xid, t.address, t.iface.mac) });
  } catch (err) {
    for (const a of askers) a.socket.close();
    throw err;
  }
  return askers;
}

/** What `a` found in a packet from `source`; undefined when it is not an answer to our INFORMs. */
function replyTo(a: Asker, xid: number, buf: Buffer, source: string, started: number): DhcpDiscovered | undefined {
  let m: DhcpMessage;
  try {
    m = decodeDhcp(buf);
  } catch {
    return undefined;
  }
  const uri = m.options.get(Option.PROVISIONING_URI);
  // like Jitsi: any packet with our xid and option 224 will do
  if (m.xid !== xid || !uri) return undefined;
  const from = ipOf(m.options.get(Option.SERVER_ID));
  return {
    uri: uri.toString('utf8'),
    from: from ?? source,
    serverId: from,
    interface: a.iface.name,
    address: a.address,
    xid: xid.toString(16).padStart(8, '0'),
    elapsedMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

/** Every send failed: the last socket error, as the network's. */
function sendFailed(err: Error): NetworkError {
  return new NetworkError(err.message, { code: 'send-failed', cause: err });
}

/**
 * Asks every IPv4 address of the chosen interfaces; `[]` when no server answered in time. A socket
 * error does not stop the others: it goes to `warn`, once per address and error; when every send
 * failed, the last error is thrown instead (a NetworkError, code `send-failed`).
 */
export async function discoverDhcp(options: DhcpDiscoverOptions = {}): Promise<DhcpDiscovered[]> {
  const port = options.port ?? JITSI_SERVER_PORT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const xid = randomInt(0, 2 ** 32);
  const targets = selectInterfaces(options.interfaces).flatMap((iface) => iface.ipv4.map((a) => ({ iface, address: a.address })));
  if (targets.length === 0) {
    throw new UsageError(
      'no IPv4 address on the chosen interfaces: a DHCPINFORM is sent from one',
      `choose an interface with an IPv4 address (${setting('interfaces')}), or use ${setting('via')} bonjour`,
      'no-interface',
    );
  }
  const askers = await openAskers(targets, port, xid);
  const started = performance.now();
  const found: DhcpDiscovered[] = [];
  let sends = 0;
  let failures = 0;
  const told = new Set<string>();
  return await new Promise<DhcpDiscovered[]>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    // a send callback can still arrive after a reply or the timeout ended the run, and closing a
    // closed socket throws
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      for (const a of askers) a.socket.close();
      if (error) reject(error);
      else resolve(found);
    };
    const tell = (a: Asker, err: Error) => {
      const key = `${a.address} ${err.message}`;
      if (done || told.has(key)) return;
      told.add(key);
      options.warn?.(`asking from ${a.address} (${a.iface.name}): ${err.message}`);
    };
    for (const a of askers) {
      a.socket.on('message', (buf, rinfo) => {
        const result = replyTo(a, xid, buf, rinfo.address, started);
        if (!result) return;
        if (found.some((f) => f.uri === result.uri && f.serverId === result.serverId && f.interface === result.interface)) return;
        found.push(result);
        if (!options.all) finish();
      });
      a.socket.on('error', (err) => tell(a, err));
    }
    const sendAll = () => {
      let pending = askers.length;
      const failed: [Asker, Error][] = [];
      for (const a of askers) {
        a.socket.send(a.packet, port, '255.255.255.255', (err) => {
          sends++;
          if (err) failed.push([a, err]);
          if (--pending > 0) return;
          failures += failed.length;
          const last = failed.at(-1);
          // every send so far failed, this round's too: the last error stands for all
          if (last && failures === sends) finish(sendFailed(last[1]));
          else for (const [asker, e] of failed) tell(asker, e);
        });
      }
    };
    sendAll();
    const first = 1000 + Math.random() * 1000;
    const second = first + 1000 + Math.random() * 1000;
    for (const at of [first, second]) if (at < timeoutMs) timers.push(setTimeout(sendAll, at));
    timers.push(setTimeout(() => finish(), timeoutMs));
  });
}
