/**
 * `discover`: find the provisioning service as a Jitsi client would (SRV and TXT of the instance,
 * asked directly, plus a PTR browse), and rebuild its URI template in wire order.
 */
import { selectInterfaces, withoutZone, type NetInterface } from '../util/network-interfaces.js';
import { instanceFullName, serviceTypeName } from './service-records.js';
import type { WarningSink } from '../util/errors.js';
import { describeSharedSending } from './sockets.js';
import { MdnsTransport, type PacketChannel, type PacketSource } from './transport.js';
import { sameName, type MdnsMessage, type MdnsQuestion, type MdnsRecord, type SrvData } from './wire.js';
import { checkInstanceName, fromTxt, JITSI_INSTANCE_NAME } from '../template/template.js';

export interface DiscoverOptions {
  /** How long to wait at most (ms); default 3000. */
  readonly timeoutMs?: number | undefined;
  readonly interfaces?: readonly string[] | undefined;
  /** Wait the whole timeout and return every advertiser, instead of the first complete one. */
  readonly all?: boolean | undefined;
  /** Instance name; default `Provisioning URL`. */
  readonly name?: string | undefined;
  /** Told when interfaces send from the shared socket because their own bind was refused (another responder holds it). */
  readonly warn?: WarningSink | undefined;
}

export interface DiscoveredService {
  readonly instance: string;
  readonly type: '_https._tcp' | '_http._tcp';
  /** SRV target and port. */
  readonly host: string;
  readonly port: number;
  /** Addresses found for the SRV target. */
  readonly addresses: string[];
  /** TXT strings in wire order. */
  readonly txt: string[];
  /** Interface the answer came in on. */
  readonly interface: string;
  /** Address of the responder that answered. */
  readonly from: string;
  /** The URI template a client builds from it. */
  readonly template: string;
  /** SRV, TXT and an address for the target: what a Jitsi client needs before it uses the service. */
  readonly complete: boolean;
}

export const DEFAULT_TIMEOUT_MS = 3000;
/** Jitsi tries https first: when only an http answer is in, give an https one this long to arrive. */
const HTTPS_GRACE_MS = 100;
/** Re-ask on this schedule until answered (ms after start); only the first asks for unicast (RFC 6762 §5.4). */
const QUERY_SCHEDULE_MS = [0, 250, 1000, 2000, 4000, 8000];
const TYPES = ['_https._tcp', '_http._tcp'] as const;

interface SourceCache {
  readonly from: string;
  readonly iface: NetInterface;
  readonly srv: Map<string, SrvData>;
  readonly txt: Map<string, string[]>;
}

/**
 * Finds the provisioning service; `[]` when nothing answered in time. A bad option throws UsageError
 * before any socket opens.
 */
export async function discover(options: DiscoverOptions = {}): Promise<DiscoveredService[]> {
  const name = checkedName(options);
  const transport = await MdnsTransport.open(selectInterfaces(options.interfaces));
  if (transport.sharedSending.length > 0) options.warn?.(describeSharedSending(transport.sharedSending));
  try {
    return await new Browser(transport, options, name).run();
  } finally {
    await transport.close();
  }
}

/** The discovery itself, on sockets someone else owns. */
export async function browse(transport: PacketChannel, options: DiscoverOptions = {}): Promise<DiscoveredService[]> {
  return new Browser(transport, options, checkedName(options)).run();
}

/**
 * The name goes into the questions as one label: a dot would split it, and over 63 bytes its length
 * byte would be wrong.
 */
function checkedName(options: DiscoverOptions): string {
  const name = options.name ?? JITSI_INSTANCE_NAME;
  checkInstanceName(name);
  return name;
}

class Browser {
  private readonly sources = new Map<string, SourceCache>();
  /** Addresses per host name, from any responder: the SRV target may be published by another host. */
  private readonly addresses = new Map<string, Set<string>>();
  private readonly askedAddress = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private finish!: () => void;
  private graceStarted = false;

  constructor(
    private readonly transport: PacketChannel,
    private readonly options: DiscoverOptions,
    private readonly name: string,
  ) {}

  async run(): Promise<DiscoveredService[]> {
    const done = new Promise<void>((resolve) => (this.finish = resolve));
    const onMessage = (m: MdnsMessage, s: PacketSource) => this.receive(m, s);
    this.transport.on('message', onMessage);
    const timeout = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (const at of QUERY_SCHEDULE_MS.filter((t) => t < timeout)) {
      this.timers.push(setTimeout(() => this.ask(at === 0), at));
    }
    this.timers.push(setTimeout(() => this.finish(), timeout));
    await done;
    for (const t of this.timers) clearTimeout(t);
    this.transport.off('message', onMessage);
    return this.results();
  }

  private instanceName(type: DiscoveredService['type']): string {
    return instanceFullName({ instance: this.name, type });
  }

  /**
   * The instance's SRV and TXT go in a packet of their own: a responder answers unique records at
   * once, but delays a whole answer by 20–120 ms when the query also asks for a shared PTR (Avahi does).
   */
  private ask(first: boolean): void {
    const direct: MdnsQuestion[] = TYPES.flatMap((type) => [
      { name: this.instanceName(type), type: 'SRV', unicastResponse: first },
      { name: this.instanceName(type), type: 'TXT', unicastResponse: first },
    ]);
    const browse: MdnsQuestion[] = TYPES.map((type) => ({ name: serviceTypeName({ type }), type: 'PTR', unicastResponse: first }));
    for (const iface of this.transport.interfaces) {
      void this.transport.send({ questions: direct }, iface);
      void this.transport.send({ questions: browse }, iface);
    }
  }

  private receive(message: MdnsMessage, source: PacketSource): void {
    if (!message.response) return;
    const from = withoutZone(source.address);
    const key = `${source.interface.name}|${from}`;
    let cache = this.sources.get(key);
    const records = [...message.answers, ...message.additionals];
    for (const r of records) this.take(r, () => (cache ??= this.newSource(key, from, source.interface)));
    this.askForMissingAddresses(source.interface);
    this.check();
  }

  private newSource(key: string, from: string, iface: NetInterface): SourceCache {
    const cache = { from, iface, srv: new Map(), txt: new Map() };
    this.sources.set(key, cache);
    return cache;
  }

  private take(r: MdnsRecord, cache: () => SourceCache): void {
    if (r.type === 'A' || r.type === 'AAAA') {
      const name = r.name.toLowerCase();
      const set = this.addresses.get(name) ?? new Set<string>();
      if (r.ttl === 0) set.delete(r.data);
      else set.add(r.data);
      this.addresses.set(name, set);
      return;
    }
    const type = TYPES.find((t) => sameName(r.name, this.instanceName(t)));
    if (!type) return;
    if (r.type === 'SRV') {
      if (r.ttl === 0) cache().srv.delete(type);
      else cache().srv.set(type, r.data);
    } else if (r.type === 'TXT') {
      if (r.ttl === 0) cache().txt.delete(type);
      else cache().txt.set(type, [...r.data]);
    }
  }

  /** A responder that sent SRV without the target's address (bonjour-service does) gets asked for it. */
  private askForMissingAddresses(iface: NetInterface): void {
    for (const cache of this.sources.values()) {
      for (const srv of cache.srv.values()) {
        const target = srv.target.toLowerCase();
        if (this.addresses.get(target)?.size || this.askedAddress.has(target)) continue;
        this.askedAddress.add(target);
        void this.transport.send(
          {
            questions: [
              { name: srv.target, type: 'A', unicastResponse: true },
              { name: srv.target, type: 'AAAA', unicastResponse: true },
            ],
          },
          iface,
        );
      }
    }
  }

  private check(): void {
    if (this.options.all) return;
    const found = this.results().filter((s) => s.complete);
    if (found.some((s) => s.type === '_https._tcp')) this.finish();
    else if (found.length > 0 && !this.graceStarted) {
      this.graceStarted = true;
      this.timers.push(setTimeout(() => this.finish(), HTTPS_GRACE_MS));
    }
  }

  private results(): DiscoveredService[] {
    const out: DiscoveredService[] = [];
    for (const cache of this.sources.values()) {
      for (const type of TYPES) {
        const srv = cache.srv.get(type);
        const txt = cache.txt.get(type);
        if (!srv || !txt) continue;
        const addresses = [...(this.addresses.get(srv.target.toLowerCase()) ?? [])];
        out.push({
          instance: this.name,
          type,
          host: srv.target,
          port: srv.port,
          addresses,
          txt,
          interface: cache.iface.name,
          from: cache.from,
          template: fromTxt({ type, txt, host: srv.target, port: srv.port, addresses }),
          complete: addresses.length > 0,
        });
      }
    }
    // https first, as Jitsi asks for it first; complete answers before partial ones
    const rank = (s: DiscoveredService) => (s.complete ? 0 : 2) + (s.type === '_https._tcp' ? 0 : 1);
    return mergeSameAdvertiser(out).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * One host answering over IPv4 and IPv6 is one advertiser: same interface, same data, same
 * addresses. The IPv4 source is kept as `from`, being the one people recognise.
 */
function mergeSameAdvertiser(services: readonly DiscoveredService[]): DiscoveredService[] {
  const byKey = new Map<string, DiscoveredService>();
  for (const s of services) {
    const key = JSON.stringify([s.interface, s.type, s.host.toLowerCase(), s.port, s.txt, [...s.addresses].sort()]);
    const seen = byKey.get(key);
    if (!seen || (seen.from.includes(':') && !s.from.includes(':'))) byKey.set(key, s);
  }
  return [...byKey.values()];
}

/** Advertisers whose templates differ: a misconfiguration, or someone trying to hijack clients. */
export function disagreements(services: readonly DiscoveredService[]): string[] {
  const templates = new Set(services.filter((s) => s.complete).map((s) => s.template));
  return templates.size > 1 ? [...templates] : [];
}
