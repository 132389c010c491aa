/**
 * The template a client set to these discovery methods takes: a Jitsi client is set to one method;
 * given several, the first listed that answers wins.
 */
import type { DiscoveredService } from '../bonjour/discover.js';
import type { DhcpDiscovered } from '../dhcp/discover.js';
import { discoverVia, methodDisagreement, type ViaFindings } from '../discover-via/discover-via.js';
import type { DiscoveryMethod } from '../template/discovery-methods.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { UsageError, type WarningSink } from '../util/errors.js';

export interface TemplateDiscovery {
  /** In order of preference. */
  readonly via: readonly DiscoveryMethod[];
  readonly timeoutMs?: number | undefined;
  readonly interfaces?: readonly string[] | undefined;
}

/** The answer a template was taken from: anyone on the link can advertise or answer one. */
export type FoundTemplate =
  | { readonly method: 'bonjour'; readonly template: string; readonly service: DiscoveredService }
  | { readonly method: 'dhcp'; readonly template: string; readonly answer: DhcpDiscovered };

/** Asks by every method at once and takes the template of the first method listed that answered. */
export async function discoverTemplate(options: TemplateDiscovery, onWarning?: WarningSink): Promise<FoundTemplate> {
  const found = await discoverVia({ via: options.via, timeoutMs: options.timeoutMs, interfaces: options.interfaces });
  const between = methodDisagreement(found);
  if (between) onWarning?.(between);
  for (const method of options.via) {
    const first = firstFound(found, method);
    if (first) return first;
  }
  const asked = options.via.map((m) => (m === 'bonjour' ? `no "${JITSI_INSTANCE_NAME}" service answered over mDNS` : 'no DHCP server answered with option 224'));
  throw new UsageError(asked.join('; '), 'check that the advertiser runs on this link, or pass the template');
}

/** What a client set to `method` uses: the first complete Bonjour answer, the first DHCP one. */
function firstFound(found: ViaFindings, method: DiscoveryMethod): FoundTemplate | undefined {
  if (method === 'bonjour') {
    const service = found.bonjour?.find((s) => s.complete);
    return service && { method, template: service.template, service };
  }
  const answer = found.dhcp?.[0];
  return answer && { method, template: answer.uri, answer };
}
