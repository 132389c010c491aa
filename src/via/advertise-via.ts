/**
 * `advertise --via bonjour,dhcp`: one template offered by every discovery method a Jitsi client can be
 * set to, started together, announced once all are live, closed together. Each method keeps its own
 * module (bonjour/advertise, dhcp/responder); this one only composes them.
 */
import { EventEmitter } from 'node:events';
import { advertise, describeInterfaces, planAdvertisement, type AdvertiseEvent, type AdvertiseOptions, type Advertisement } from '../bonjour/advertise.js';
import { JITSI_SERVER_PORT } from '../dhcp/codec.js';
import { DhcpResponder, type DhcpInform, type DhcpStats } from '../dhcp/responder.js';
import { uriOptionBytes } from '../dhcp/uri-option.js';
import { NetworkError, setting } from '../util/errors.js';
import { parseVia, type DiscoveryMethod } from './methods.js';
import { selectInterfaces } from '../util/network-interfaces.js';

export interface AdvertiseViaOptions extends AdvertiseOptions {
  /** The methods to advertise by; at least one. */
  readonly via: readonly DiscoveryMethod[];
  /** DHCP server port (default 6767, Jitsi's); replies go to port + 1. */
  readonly dhcpPort?: number | undefined;
}

type BonjourAnnounced = AdvertiseEvent & { event: 'announced' };

/** Live once every method is: the Bonjour fields (with bonjour), `via`, and `dhcp` (with dhcp). */
export type ViaAnnounced = { readonly event: 'announced'; readonly via: readonly DiscoveryMethod[]; readonly template: string } & Partial<
  Omit<BonjourAnnounced, 'event' | 'template'>
> & {
    readonly interfaces: BonjourAnnounced['interfaces'];
    readonly dhcp?: { readonly port: number; readonly interfaces: readonly string[] };
  };

export type ViaEvent =
  | ViaAnnounced
  | Exclude<AdvertiseEvent, { event: 'announced' | 'goodbye' }>
  | (AdvertiseEvent & { event: 'goodbye' })
  | DhcpInform
  | { readonly event: 'dhcp-send-error'; readonly address: string; readonly error: string }
  | { readonly event: 'dhcp-error'; readonly address: string; readonly error: string }
  | { readonly event: 'dhcp-closed'; readonly packets: DhcpStats };

export interface ViaAdvertisementEvents {
  event: [ViaEvent];
}

/** A running advertisement by one or more methods; `finished` settles when it stops. */
export class ViaAdvertisement extends EventEmitter<ViaAdvertisementEvents> {
  readonly finished: Promise<ViaEvent & { event: 'goodbye' | 'conflict' | 'dhcp-closed' }>;
  private settle!: (e: ViaEvent & { event: 'goodbye' | 'conflict' | 'dhcp-closed' }) => void;
  private closing: Promise<void> | undefined;

  constructor(
    readonly announced: ViaAnnounced,
    readonly bonjour: Advertisement | undefined,
    readonly dhcp: DhcpResponder | undefined,
  ) {
    super();
    this.finished = new Promise((resolve) => (this.settle = resolve));
    // a Bonjour conflict ends the whole advertisement: the admin must see it, not half a service
    void bonjour?.finished.then((end) => {
      if (end.event === 'conflict') void this.stop(end);
    });
  }

  /** Goodbyes for Bonjour, the DHCP socket closed; resolves when both are done. */
  close(): Promise<void> {
    return this.stop(undefined);
  }

  private stop(conflict: (ViaEvent & { event: 'conflict' }) | undefined): Promise<void> {
    const bonjour = this.bonjour;
    this.closing ??= (async () => {
      const [bonjourEnd] = await Promise.all([bonjour && (conflict ? bonjour.finished : bonjour.close().then(() => bonjour.finished)), this.dhcp?.close()]);
      const dhcpEnd = this.dhcp ? { event: 'dhcp-closed' as const, packets: { ...this.dhcp.stats } } : undefined;
      if (dhcpEnd) this.emit('event', dhcpEnd);
      const end = conflict ?? bonjourEnd ?? dhcpEnd;
      // advertiseVia starts at least one method (parseVia refuses none)
      if (!end) throw new Error('a ViaAdvertisement with neither Bonjour nor DHCP has no end to tell');
      this.settle(end as ViaEvent & { event: 'goodbye' | 'conflict' | 'dhcp-closed' });
    })();
    return this.closing;
  }
}

/**
 * Advertises `options.template` by every method in `options.via` and resolves once all are live,
 * the combined `announced` event first to `onEvent`. Bad input (a URI too long for DHCP, a bad
 * interface) is refused before any socket opens; if one method fails to start, the others are
 * stopped and the error is thrown.
 */
export async function advertiseVia(options: AdvertiseViaOptions, onEvent?: (e: ViaEvent) => void): Promise<ViaAdvertisement> {
  const via = parseVia(options.via);
  const useBonjour = via.includes('bonjour');
  const useDhcp = via.includes('dhcp');
  // checked here so that DHCP opens nothing for input Bonjour refuses; advertise() warns, later
  if (useBonjour) planAdvertisement({ ...options, warn: undefined });
  const uri = useDhcp ? uriOptionBytes(options.template, useBonjour ? undefined : options.warn) : undefined;
  const interfaces = selectInterfaces(options.interfaces);

  // until the ViaAdvertisement exists only onEvent hears; after, its listeners all do
  let emit = (e: ViaEvent): void => onEvent?.(e);
  const forward = (e: AdvertiseEvent): void => {
    if (e.event !== 'announced') emit(e);
  };
  const [bonjourResult, dhcpResult] = await Promise.allSettled([
    useBonjour ? advertise(options, forward) : Promise.resolve(undefined),
    uri ? DhcpResponder.open({ uri, interfaces, wanted: options.interfaces, port: options.dhcpPort }) : Promise.resolve(undefined),
  ]);
  if (bonjourResult.status === 'rejected' || dhcpResult.status === 'rejected') {
    if (bonjourResult.status === 'fulfilled') await bonjourResult.value?.close();
    if (dhcpResult.status === 'fulfilled') await dhcpResult.value?.close();
    // the port explanation is the DHCP responder's: a Bonjour failure is thrown as it is
    if (bonjourResult.status === 'rejected') throw bonjourResult.reason;
    throw explainBindError((dhcpResult as PromiseRejectedResult).reason, options.dhcpPort ?? JITSI_SERVER_PORT);
  }
  const bonjour = bonjourResult.value;
  const dhcp = dhcpResult.value;
  let announced: ViaAnnounced = { event: 'announced', via, template: options.template, interfaces: describeInterfaces(interfaces) };
  if (bonjour) {
    // its event is 'announced' too, its template the same
    announced = { ...announced, ...bonjour.announced };
  }
  if (dhcp) announced = { ...announced, dhcp: { port: dhcp.port, interfaces: dhcp.servedInterfaces.map((i) => i.name) } };
  const ad = new ViaAdvertisement(announced, bonjour, dhcp);
  emit = (e) => ad.emit('event', e);
  dhcp?.on('inform', (e) => emit(e));
  dhcp?.on('send-error', (e) => emit({ event: 'dhcp-send-error', ...e }));
  dhcp?.on('fault', (e) => emit({ event: 'dhcp-error', ...e }));
  if (onEvent) ad.on('event', onEvent);
  onEvent?.(announced);
  return ad;
}

function explainBindError(err: unknown, port: number): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    return new NetworkError(
      `UDP port ${port} is already in use: another DHCP server for Jitsi (dhcpd -p ${port}, kea, dnsmasq, another provdisc) runs on this machine`,
      { code: 'port-in-use', hint: `stop it, or use ${setting('via')} bonjour only`, cause: err },
    );
  }
  if (code === 'EACCES')
    return new NetworkError(`not allowed to bind UDP port ${port}`, { code: 'port-forbidden', hint: 'run with a user allowed to bind it', cause: err });
  return err;
}
