/**
 * Discovery health for the status page, from the events of `serve`'s advertisement (via): on each
 * link, provdisc's own advertiser and every other host that answered for the name (a conflict), and
 * how many clients asked per minute, by method (mDNS `query`, DHCP `dhcp-inform`). Bounded: at most
 * MAX_OTHERS other advertisers per link, BUCKETS of counts per method.
 */
import type { ViaEvent } from '../via/advertise-via.js';

const BUCKET_MS = 10_000;
/** 15 minutes of 10-second buckets. */
const BUCKETS = 90;
const MAX_OTHERS = 32;

export interface OtherAdvertiser {
  readonly from: string;
  /** What it advertises under the name (its template, as its records say). */
  readonly advertises: string;
  readonly conflicts: number;
  readonly lastSeen: string;
  /** It stopped answering for the name. */
  readonly quiet: boolean;
}

export interface LinkHealth {
  readonly interface: string;
  readonly addresses: readonly string[];
  /** provdisc's own advertisement here; undefined when it stopped (goodbye, a conflict that stopped it). */
  readonly own: { readonly bonjour: string | undefined; readonly dhcp: boolean } | undefined;
  readonly others: readonly OtherAdvertiser[];
  /** Hosts beyond the ones told apart, summed up by the advertiser. */
  readonly moreHosts: number;
}

export interface DiscoveryHealthSnapshot {
  readonly advertising: boolean;
  readonly template: string | undefined;
  readonly links: readonly LinkHealth[];
  /** Clients' questions in the last minute, by method. */
  readonly perMinute: { readonly bonjour: number; readonly dhcp: number };
  /** Per minute over the last 15 minutes, oldest first, by method. */
  readonly history: { readonly bonjour: readonly number[]; readonly dhcp: readonly number[] };
}

interface Link {
  addresses: readonly string[];
  bonjour: string | undefined;
  dhcp: boolean;
  others: Map<string, OtherAdvertiser>;
  moreHosts: number;
}

/** Counts by BUCKET_MS slot, the last BUCKETS kept. */
class Rate {
  private readonly counts = new Map<number, number>();

  add(at: number): void {
    const slot = Math.floor(at / BUCKET_MS);
    this.counts.set(slot, (this.counts.get(slot) ?? 0) + 1);
    if (this.counts.size > BUCKETS) for (const s of this.counts.keys()) if (s <= slot - BUCKETS) this.counts.delete(s);
  }

  /** Sum over the `slots` buckets before `at` (the running one included). */
  private sum(at: number, slots: number, back = 0): number {
    const last = Math.floor(at / BUCKET_MS) - back;
    let n = 0;
    for (let s = last - slots + 1; s <= last; s++) n += this.counts.get(s) ?? 0;
    return n;
  }

  lastMinute(at: number): number {
    return this.sum(at, 60_000 / BUCKET_MS);
  }

  minutes(at: number): number[] {
    const per = 60_000 / BUCKET_MS;
    const count = (BUCKETS * BUCKET_MS) / 60_000;
    return Array.from({ length: count }, (_, i) => this.sum(at, per, (count - 1 - i) * per));
  }
}

export class DiscoveryHealth {
  private readonly links = new Map<string, Link>();
  private template: string | undefined;
  private readonly bonjour = new Rate();
  private readonly dhcp = new Rate();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  private link(name: string): Link {
    let l = this.links.get(name);
    if (!l) this.links.set(name, (l = { addresses: [], bonjour: undefined, dhcp: false, others: new Map(), moreHosts: 0 }));
    return l;
  }

  /** One event of the advertisement; the page is told when the links changed (not for each question). */
  feed(e: ViaEvent): void {
    const at = this.now();
    switch (e.event) {
      case 'announced':
        this.template = e.template;
        for (const i of e.interfaces) {
          const l = this.link(i.name);
          l.addresses = i.addresses;
          l.bonjour = e.instance === undefined ? undefined : `${e.instance} (${e.type ?? ''}, SRV ${e.host ?? ''}:${e.port ?? ''})`;
        }
        for (const name of e.dhcp?.interfaces ?? []) this.link(name).dhcp = true;
        break;
      case 'interfaces-changed':
        for (const i of e.interfaces) this.link(i.name).addresses = i.addresses;
        break;
      case 'conflict': {
        const l = this.link(e.interface);
        if (!l.others.has(e.from) && l.others.size >= MAX_OTHERS) {
          l.moreHosts++;
          break;
        }
        l.others.set(e.from, { from: e.from, advertises: e.advertises, conflicts: e.total, lastSeen: new Date(at).toISOString(), quiet: false });
        if (e.action === 'stopped') for (const other of this.links.values()) other.bonjour = undefined;
        break;
      }
      case 'conflict-more':
        this.link(e.interface).moreHosts = e.hosts;
        break;
      case 'conflict-quiet': {
        const other = this.link(e.interface).others.get(e.from);
        if (other) this.link(e.interface).others.set(e.from, { ...other, quiet: true, conflicts: e.total });
        break;
      }
      case 'goodbye':
        for (const l of this.links.values()) l.bonjour = undefined;
        break;
      case 'dhcp-closed':
        for (const l of this.links.values()) l.dhcp = false;
        break;
      case 'query':
        this.bonjour.add(at);
        return;
      case 'dhcp-inform':
        this.dhcp.add(at);
        return;
      default:
        return;
    }
    for (const listener of this.listeners) listener();
  }

  /** Called when a link's advertisers change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): DiscoveryHealthSnapshot {
    const at = this.now();
    const links = [...this.links].map(([name, l]) => ({
      interface: name,
      addresses: l.addresses,
      own: l.bonjour === undefined && !l.dhcp ? undefined : { bonjour: l.bonjour, dhcp: l.dhcp },
      others: [...l.others.values()],
      moreHosts: l.moreHosts,
    }));
    return {
      advertising: links.some((l) => l.own !== undefined),
      template: this.template,
      links,
      perMinute: { bonjour: this.bonjour.lastMinute(at), dhcp: this.dhcp.lastMinute(at) },
      history: { bonjour: this.bonjour.minutes(at), dhcp: this.dhcp.minutes(at) },
    };
  }
}
