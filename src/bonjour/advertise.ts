/**
 * `advertise`: the template, validated (advertise-plan.ts), published as the `Provisioning URL`
 * service on the chosen interfaces until closed, and told as events (advertise-events.ts). On every
 * interface change the sockets and the responder — a session — are replaced whole.
 */
import { EventEmitter } from 'node:events';
import { listInterfaces, selectInterfaces, type NetInterface } from '../util/network-interfaces.js';
import { planAdvertisement, type AdvertiseOptions } from './advertise-plan.js';
import { conflictEvent, describeInterfaces, NameConflictError, queryEvent, stoppedBy, type AdvertiseEvent } from './advertise-events.js';
import { ConflictWatch } from './conflict-watch.js';
import { ConflictError, Responder, type ConflictPolicy } from './responder.js';
import type { ServiceDefinition } from './service-records.js';
import { describeSharedSending } from './sockets.js';
import { addPackets, MdnsTransport, noPackets, type TransportStats } from './transport.js';

// the advertising API in one import, as the library and advertise-via use it
export { localHostName, planAdvertisement, type AdvertiseOptions } from './advertise-plan.js';
export { describeInterfaces, describeRecords, NameConflictError, type AdvertisedInterface, type AdvertiseEvent } from './advertise-events.js';

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
  const shared = transport.sharedSending;
  if (shared.length > 0) emit({ event: 'shared-socket', sockets: shared, message: describeSharedSending(shared) });
  const responder = new Responder(transport, service, Math.random, policy);
  responder.on('send-error', (iface, err) => emit({ event: 'send-error', interface: iface.name, error: err.message }));
  transport.on('fault', (err, source) => emit({ event: 'error', from: source.address, interface: source.interface.name, error: err.message }));
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
  private readonly pastStats = noPackets();
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

  /** Packets received, sent and dropped (malformed, off-link, our own echoes, faults) since the start. */
  packetStats(): TransportStats {
    const sum = { ...this.pastStats };
    if (this.session) addPackets(sum, this.session.transport.stats);
    return sum;
  }

  private async endSession(goodbye: boolean): Promise<void> {
    const s = this.session;
    if (!s) return;
    await s.responder.stop(goodbye);
    await s.transport.close();
    addPackets(this.pastStats, s.transport.stats);
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
