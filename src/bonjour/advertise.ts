/**
 * `advertise`: the template, validated, published as the `Provisioning URL` service on the chosen
 * interfaces until closed.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { checkHostAddress, checkHostName } from '../template/host.js';
import { UsageError, type WarningSink } from '../util/errors.js';
import { listInterfaces, selectInterfaces, type NetInterface } from '../util/network-interfaces.js';
import { escapeControls } from '../util/printable.js';
import { ConflictWatch, type ConflictNotice } from './conflict-watch.js';
import type { AnswerKind } from './answer.js';
import { ConflictError, Responder, type Conflict, type ConflictPolicy, type QueryReport } from './responder.js';
import { instanceFullName, type ServiceDefinition } from './service-records.js';
import { MdnsTransport, type TransportStats } from './transport.js';
import {
  checkInstanceName,
  defaultPortFor,
  fromTxt,
  JITSI_INSTANCE_NAME,
  parseTemplate,
  serviceTypeFor,
  toTxt,
} from '../template/template.js';

export interface AdvertiseOptions {
  /** The provisioning URI template. */
  readonly template: string;
  /** Instance name; Jitsi only looks for `Provisioning URL`. */
  readonly name?: string | undefined;
  /** SRV target; default `<this machine's hostname>.local`. */
  readonly host?: string | undefined;
  /** SRV port; default the template's port, else 443/80. */
  readonly port?: number | undefined;
  /** Addresses to publish for `host` when it names another machine. */
  readonly addresses?: readonly string[] | undefined;
  /** Interface names; default every usable one. */
  readonly interfaces?: readonly string[] | undefined;
  /**
   * Stop (and settle `finished` with the conflict) when another host answers for the name after the
   * announcement. Default false: provdisc re-asserts its records and keeps advertising.
   */
  readonly exitOnConflict?: boolean | undefined;
  readonly warn?: WarningSink | undefined;
}

export interface AdvertisedInterface {
  readonly name: string;
  readonly addresses: readonly string[];
}

export type AdvertiseEvent =
  | {
      readonly event: 'announced';
      readonly instance: string;
      readonly type: string;
      readonly template: string;
      readonly host: string;
      readonly port: number;
      readonly txt: readonly string[];
      readonly interfaces: readonly AdvertisedInterface[];
    }
  | {
      readonly event: 'conflict';
      readonly from: string;
      readonly interface: string;
      readonly message: string;
      /** What the other host advertises under the name: the template rebuilt from its records. */
      readonly advertises: string;
      /** 'defended': records re-asserted, still advertising; 'stopped': the advertisement ended. */
      readonly action: 'defended' | 'stopped';
      /** Conflicting answers from that host since its last report (reports come at most every 30 s). */
      readonly count: number;
      readonly total: number;
    }
  | {
      /** Conflicting answers from hosts beyond the first `hosts` told apart, summed up. */
      readonly event: 'conflict-more';
      readonly interface: string;
      readonly hosts: number;
      readonly count: number;
      readonly total: number;
      readonly message: string;
    }
  | { readonly event: 'conflict-quiet'; readonly from: string; readonly interface: string; readonly total: number; readonly message: string }
  | {
      readonly event: 'query';
      readonly from: string;
      readonly port: number;
      readonly interface: string;
      readonly questions: readonly { readonly name: string; readonly type: string; readonly qu: boolean }[];
      readonly answered: readonly AnswerKind[];
    }
  | { readonly event: 'send-error'; readonly interface: string; readonly error: string }
  | { readonly event: 'interfaces-changed'; readonly interfaces: readonly AdvertisedInterface[] }
  | { readonly event: 'goodbye'; readonly instance: string; readonly packets: TransportStats };

/** The name is held by another host with other data; the advertisement stopped (never renamed). */
export class NameConflictError extends UsageError {
  constructor(
    readonly conflict: Conflict,
    service: ServiceDefinition,
  ) {
    super(
      `"${instanceFullName(service)}" is already advertised by ${conflict.from} (seen on ${conflict.interface}): ${escapeControls(describeRecords(conflict, service))}`,
      `stop the other advertiser, or make it advertise the same template; a renamed instance would be invisible to Jitsi, so provdisc does not rename`,
    );
    this.name = 'NameConflictError';
  }
}

/** What the other host advertises under the name, as a template when its TXT says so. */
export function describeRecords(conflict: Conflict, service: ServiceDefinition): string {
  const srv = conflict.records.find((r) => r.type === 'SRV');
  const txt = conflict.records.find((r) => r.type === 'TXT');
  if (txt?.type === 'TXT') {
    const port = srv?.type === 'SRV' ? srv.data.port : undefined;
    const host = srv?.type === 'SRV' ? srv.data.target : undefined;
    return fromTxt({ type: service.type, txt: txt.data, host, port, addresses: [] });
  }
  if (srv?.type === 'SRV') return `a service on ${srv.data.target}:${srv.data.port}`;
  return 'different records';
}

/** This machine's mDNS name: the first label of its hostname under `.local`. */
export function localHostName(): string {
  return `${os.hostname().split('.')[0]}.local`;
}

/** Validates everything before any socket opens: the service to publish, and advice for the user. */
export function planAdvertisement(options: AdvertiseOptions): ServiceDefinition {
  const warn = options.warn ?? (() => {});
  const template = parseTemplate(options.template, warn);
  const instance = options.name ?? JITSI_INSTANCE_NAME;
  checkInstanceName(instance);
  if (instance !== JITSI_INSTANCE_NAME) {
    warn(`the instance is named "${instance}": Jitsi clients only look for "${JITSI_INSTANCE_NAME}" and will not find it`);
  }
  const own = localHostName();
  const host = (options.host ?? own).replace(/\.$/, '');
  checkHostName(host, warn);
  // a zone only says which link the admin typed the address for: the address record has none
  const addresses = (options.addresses ?? []).map((a) => a.replace(/%.*$/, ''));
  for (const a of addresses) checkHostAddress(a);
  const isOwnName = host.toLowerCase() === own.toLowerCase();
  if (addresses.length > 0 && isOwnName) {
    throw new UsageError(
      `--address only applies when --host names another machine; "${host}" is this machine`,
      'add --host NAME.local for the provisioning server, or drop --address',
    );
  }
  if (!isOwnName && addresses.length === 0) {
    warn(
      `no --address for ${host}: provdisc publishes no address for it, so that machine must publish its own (or Jitsi cannot resolve the service)`,
    );
  }
  return {
    instance,
    type: serviceTypeFor(template.scheme),
    host,
    port: options.port ?? template.port ?? defaultPortFor(template.scheme),
    txt: toTxt(template),
    addresses: isOwnName ? 'interface' : addresses.length > 0 ? addresses : 'none',
  };
}

export interface AdvertisementEvents {
  event: [AdvertiseEvent];
}

/** How often the interfaces are looked at: a laptop changes networks, a DHCP lease changes address. */
const INTERFACE_POLL_MS = 2000;

/** Sockets and responder for one set of interfaces; replaced whole when the interfaces change. */
interface Session {
  readonly interfaces: readonly NetInterface[];
  readonly transport: MdnsTransport;
  readonly responder: Responder;
}

function queryEvent(q: QueryReport): AdvertiseEvent & { event: 'query' } {
  return {
    event: 'query',
    from: q.from,
    port: q.port,
    interface: q.interface,
    questions: q.questions.map((x) => ({ name: x.name, type: x.type, qu: x.unicastResponse })),
    answered: q.answered,
  };
}

function conflictEvent(notice: ConflictNotice, service: ServiceDefinition): AdvertiseEvent {
  if (notice.kind === 'quiet') {
    return {
      event: 'conflict-quiet',
      from: notice.from,
      interface: notice.interface,
      total: notice.total,
      message: `${notice.from} (on ${notice.interface}) has sent no conflicting answer for ${notice.quietMs / 1000} s (${notice.total} in all)`,
    };
  }
  if (notice.kind === 'more') {
    return {
      event: 'conflict-more',
      interface: notice.interface,
      hosts: notice.hosts,
      count: notice.count,
      total: notice.total,
      message: `${notice.count} more conflicting answers for "${instanceFullName(service)}" (on ${notice.interface}) from hosts beyond the first ${notice.hosts} told (${notice.total} in all); provdisc re-asserted its own records and keeps advertising`,
    };
  }
  const { conflict, count, total } = notice;
  const advertises = describeRecords(conflict, service);
  const times = total === 1 ? '' : ` (${count} conflicting answers since the last report, ${total} in all)`;
  return {
    event: 'conflict',
    from: conflict.from,
    interface: conflict.interface,
    message: `${conflict.from} (on ${conflict.interface}) answers for "${instanceFullName(service)}" with ${escapeControls(advertises)}${times}; provdisc re-asserted its own records and keeps advertising — find and stop that host`,
    advertises,
    action: 'defended',
    count,
    total,
  };
}

/** Interfaces as events show them: name and every address. */
export function describeInterfaces(interfaces: readonly NetInterface[]): AdvertisedInterface[] {
  return interfaces.map((i) => ({ name: i.name, addresses: [...i.ipv4, ...i.ipv6].map((a) => a.address) }));
}

function fingerprint(interfaces: readonly NetInterface[]): string {
  return JSON.stringify(describeInterfaces(interfaces));
}

async function startSession(
  service: ServiceDefinition,
  interfaces: readonly NetInterface[],
  policy: ConflictPolicy,
  emit: (e: AdvertiseEvent) => void,
  probe = true,
): Promise<Session> {
  const transport = await MdnsTransport.open(interfaces);
  const responder = new Responder(transport, service, Math.random, policy);
  responder.on('send-error', (iface, err) => emit({ event: 'send-error', interface: iface.name, error: err.message }));
  try {
    await responder.start(probe);
  } catch (err) {
    await transport.close();
    if (err instanceof ConflictError) throw new NameConflictError(err.conflict, service);
    throw err;
  }
  return { interfaces, transport, responder };
}

/**
 * A live advertisement. It follows the interfaces (probing and announcing again when they change)
 * and `finished` settles when it stops: after close(), or on a conflict when `exitOnConflict` asked
 * for that (otherwise conflicts are defended and told as events).
 */
export class Advertisement extends EventEmitter<AdvertisementEvents> {
  readonly finished: Promise<AdvertiseEvent & { event: 'goodbye' | 'conflict' }>;
  private settle!: (e: AdvertiseEvent & { event: 'goodbye' | 'conflict' }) => void;
  private closing: Promise<void> | undefined;
  private readonly poll: NodeJS.Timeout;
  private switching: Promise<void> = Promise.resolve();
  /** Packet counts of the sessions already ended; the live one adds its own. */
  private readonly pastStats: TransportStats = { received: 0, sent: 0, malformed: 0, offLink: 0, echoes: 0 };
  /** Outlives the sessions: a rogue is the same rogue after an interface change. */
  private readonly conflicts = new ConflictWatch((notice) => this.emit('event', conflictEvent(notice, this.service)));

  constructor(
    readonly service: ServiceDefinition,
    readonly announced: AdvertiseEvent & { event: 'announced' },
    private session: Session | undefined,
    private readonly wanted: readonly string[] | undefined,
    private readonly policy: ConflictPolicy,
  ) {
    super();
    this.finished = new Promise((resolve) => (this.settle = resolve));
    if (session) this.watchConflicts(session);
    this.poll = setInterval(() => {
      this.switching = this.switching.then(() => this.followInterfaces());
    }, INTERFACE_POLL_MS);
  }

  /** Sends goodbyes (TTL 0) and releases the sockets. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.poll);
      this.conflicts.close();
      await this.switching;
      await this.endSession(true);
      const e = { event: 'goodbye' as const, instance: this.service.instance, packets: this.packetStats() };
      this.emit('event', e);
      this.settle(e);
    })();
    return this.closing;
  }

  private watchConflicts(session: Session): void {
    session.responder.on('query', (q) => this.emit('event', queryEvent(q)));
    session.responder.on('conflict', (conflict) => {
      if (this.policy === 'defend') this.conflicts.seen(conflict);
      else this.conclude(stoppedBy(conflict, this.service));
    });
  }

  private conclude(e: AdvertiseEvent & { event: 'conflict' }): void {
    clearInterval(this.poll);
    this.conflicts.close();
    this.closing ??= (async () => {
      await this.endSession(false);
      this.emit('event', e);
      this.settle(e);
    })();
  }

  /** Packets received, sent and dropped (malformed, off-link, our own echoes) since the start. */
  packetStats(): TransportStats {
    const live = this.session?.transport.stats;
    const sum = { ...this.pastStats };
    if (live) for (const k of Object.keys(sum) as (keyof TransportStats)[]) sum[k] += live[k];
    return sum;
  }

  private async endSession(goodbye: boolean): Promise<void> {
    const s = this.session;
    if (!s) return;
    await s.responder.stop(goodbye);
    await s.transport.close();
    for (const k of Object.keys(this.pastStats) as (keyof TransportStats)[]) this.pastStats[k] += s.transport.stats[k];
    this.session = undefined;
  }

  private async followInterfaces(): Promise<void> {
    if (this.closing) return;
    const now = listInterfaces().filter((i) => !this.wanted || this.wanted.includes(i.name));
    const before = this.session?.interfaces ?? [];
    if (fingerprint(now) === fingerprint(before)) return;
    // peers keep the service records; the new announcement's cache-flush bit replaces the addresses
    await this.endSession(false);
    if (now.length === 0) {
      this.emit('event', { event: 'interfaces-changed', interfaces: [] });
      return;
    }
    try {
      const emit = (e: AdvertiseEvent) => this.emit('event', e);
      try {
        this.session = await startSession(this.service, now, this.policy, emit);
      } catch (err) {
        // the name was ours until the interfaces changed: a host that took it meanwhile (it answered
        // our new probes) is contested like any other, and the records announced without probing
        if (!(err instanceof NameConflictError) || this.policy !== 'defend') throw err;
        this.conflicts.seen(err.conflict);
        this.session = await startSession(this.service, now, this.policy, emit, false);
      }
      this.watchConflicts(this.session);
      this.emit('event', { event: 'interfaces-changed', interfaces: describeInterfaces(now) });
    } catch (err) {
      if (err instanceof NameConflictError) {
        this.conclude(stoppedBy(err.conflict, this.service));
      } else {
        this.emit('event', { event: 'send-error', interface: now.map((i) => i.name).join(','), error: (err as Error).message });
      }
    }
  }
}

function stoppedBy(conflict: Conflict, service: ServiceDefinition): AdvertiseEvent & { event: 'conflict' } {
  return {
    event: 'conflict',
    from: conflict.from,
    interface: conflict.interface,
    message: new NameConflictError(conflict, service).message,
    advertises: describeRecords(conflict, service),
    action: 'stopped',
    count: 1,
    total: 1,
  };
}

/**
 * Publishes the template and resolves once probing found the name free and the first announcement
 * is out. Rejects with UsageError for bad input and NameConflictError when another host holds the
 * name. `onEvent` sees every event, the send errors during probing included.
 */
export async function advertise(options: AdvertiseOptions, onEvent?: (e: AdvertiseEvent) => void): Promise<Advertisement> {
  const service = planAdvertisement(options);
  const interfaces = selectInterfaces(options.interfaces);
  // until the Advertisement exists only onEvent can hear; after, its listeners all do
  let emit = (e: AdvertiseEvent): void => onEvent?.(e);
  const policy: ConflictPolicy = options.exitOnConflict ? 'stop' : 'defend';
  const session = await startSession(service, interfaces, policy, (e) => emit(e));
  const announced = {
    event: 'announced' as const,
    instance: service.instance,
    type: service.type,
    template: options.template,
    host: service.host,
    port: service.port,
    txt: service.txt,
    interfaces: describeInterfaces(interfaces),
  };
  const ad = new Advertisement(service, announced, session, options.interfaces, policy);
  emit = (e) => ad.emit('event', e);
  if (onEvent) {
    ad.on('event', onEvent);
    onEvent(announced);
  }
  return ad;
}
