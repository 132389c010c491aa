/**
 * `discover --via bonjour,dhcp`: asks by every method at once, as clients set to Bonjour and clients
 * set to DHCP would; disagreement.ts says when they would be provisioned from different URIs.
 */
import { parseVia, type DiscoveryMethod } from './methods.js';
import { discover, type DiscoveredService, type DiscoverOptions } from '../bonjour/discover.js';
import type { DhcpDiscovered } from '../dhcp/discover.js';
import type { WarningSink } from '../util/errors.js';

export interface DiscoverViaOptions extends DiscoverOptions {
  readonly via: readonly DiscoveryMethod[];
  /** DHCP server port (default 6767). */
  readonly dhcpPort?: number | undefined;
  /** Told of an address DHCP could not ask from while others could (a send refused, a socket error), and of Bonjour sending from the shared socket. */
  readonly warn?: WarningSink | undefined;
}

/** What each asked method found; a method not asked is absent, one that found nothing is `[]`. */
export interface ViaFindings {
  readonly bonjour?: DiscoveredService[];
  readonly dhcp?: DhcpDiscovered[];
}

export async function discoverVia(options: DiscoverViaOptions): Promise<ViaFindings> {
  const via = parseVia(options.via);
  const [bonjour, dhcp] = await Promise.all([via.includes('bonjour') ? discover(options) : undefined, via.includes('dhcp') ? askDhcp(options) : undefined]);
  return { ...(bonjour ? { bonjour } : {}), ...(dhcp ? { dhcp } : {}) };
}

/**
 * Loaded only when DHCP is asked: its module brings node:crypto (the transaction id), whose loading
 * alone is ~3 ms of a Bonjour-only `provdisc discover` (docs/benchmark.md, "Start-up").
 */
async function askDhcp(options: DiscoverViaOptions): Promise<DhcpDiscovered[]> {
  const { discoverDhcp } = await import('../dhcp/discover.js');
  return discoverDhcp({ timeoutMs: options.timeoutMs, interfaces: options.interfaces, all: options.all, port: options.dhcpPort, warn: options.warn });
}

/** The answer a client set to one method takes its template from: anyone on the link can advertise or answer one. */
export type FoundTemplate =
  | { readonly method: 'bonjour'; readonly template: string; readonly service: DiscoveredService }
  | { readonly method: 'dhcp'; readonly template: string; readonly answer: DhcpDiscovered };

/** What a client set to `method` uses: the first complete Bonjour answer, the first DHCP one. */
export function firstAnswer(found: ViaFindings, method: DiscoveryMethod): FoundTemplate | undefined {
  if (method === 'bonjour') {
    const service = found.bonjour?.find((s) => s.complete);
    return service && { method, template: service.template, service };
  }
  const answer = found.dhcp?.[0];
  return answer && { method, template: answer.uri, answer };
}

/** The URI a client set to each method would use. */
export function firstTemplates(found: ViaFindings): Partial<Record<DiscoveryMethod, string>> {
  const bonjour = firstAnswer(found, 'bonjour')?.template;
  const dhcp = firstAnswer(found, 'dhcp')?.template;
  return { ...(bonjour !== undefined ? { bonjour } : {}), ...(dhcp !== undefined ? { dhcp } : {}) };
}
