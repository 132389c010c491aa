/**
 * `discover --via bonjour,dhcp`: asks by every method at once, as clients set to Bonjour and clients
 * set to DHCP would, and says when they would be provisioned from different URIs.
 */
import { parseVia, type DiscoveryMethod } from './methods.js';
import { discover, type DiscoveredService, type DiscoverOptions } from '../bonjour/discover.js';
import { discoverDhcp, type DhcpDiscovered } from '../dhcp/discover.js';

export interface DiscoverViaOptions extends DiscoverOptions {
  readonly via: readonly DiscoveryMethod[];
  /** DHCP server port (default 6767). */
  readonly dhcpPort?: number | undefined;
}

/** What each asked method found; a method not asked is absent, one that found nothing is `[]`. */
export interface ViaFindings {
  readonly bonjour?: DiscoveredService[];
  readonly dhcp?: DhcpDiscovered[];
}

export async function discoverVia(options: DiscoverViaOptions): Promise<ViaFindings> {
  const via = parseVia(options.via);
  const [bonjour, dhcp] = await Promise.all([
    via.includes('bonjour') ? discover(options) : undefined,
    via.includes('dhcp') ? discoverDhcp({ timeoutMs: options.timeoutMs, interfaces: options.interfaces, all: options.all, port: options.dhcpPort }) : undefined,
  ]);
  return { ...(bonjour ? { bonjour } : {}), ...(dhcp ? { dhcp } : {}) };
}

/** The URI a client set to each method would use: the first complete Bonjour answer, the first DHCP one. */
export function firstTemplates(found: ViaFindings): Partial<Record<DiscoveryMethod, string>> {
  const bonjour = found.bonjour?.find((s) => s.complete)?.template;
  const dhcp = found.dhcp?.[0]?.uri;
  return { ...(bonjour !== undefined ? { bonjour } : {}), ...(dhcp !== undefined ? { dhcp } : {}) };
}

/** A warning when both methods answered with different URIs; undefined when they agree or one is silent. */
export function methodDisagreement(found: ViaFindings): string | undefined {
  const t = firstTemplates(found);
  if (t.bonjour === undefined || t.dhcp === undefined || t.bonjour === t.dhcp) return undefined;
  return `Bonjour and DHCP disagree: clients set to Bonjour would use ${t.bonjour}, clients set to DHCP ${t.dhcp}`;
}
