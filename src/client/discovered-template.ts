/**
 * The template a client set to these discovery methods takes: a Jitsi client is set to one method;
 * given several, the first listed that answers wins.
 */
import { discoverVia, firstAnswer, type FoundTemplate } from '../via/discover-via.js';
import { methodDisagreement } from '../via/disagreement.js';
import type { DiscoveryMethod } from '../via/methods.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { NetworkError, type WarningSink } from '../util/errors.js';

export type { FoundTemplate };

export interface TemplateDiscovery {
  /** In order of preference. */
  readonly via: readonly DiscoveryMethod[];
  readonly timeoutMs?: number | undefined;
  readonly interfaces?: readonly string[] | undefined;
}

/** Asks by every method at once and takes the template of the first method listed that answered. */
export async function discoverTemplate(options: TemplateDiscovery, onWarning?: WarningSink): Promise<FoundTemplate> {
  const found = await discoverVia({ via: options.via, timeoutMs: options.timeoutMs, interfaces: options.interfaces, warn: onWarning });
  const between = methodDisagreement(found);
  if (between) onWarning?.(between);
  for (const method of options.via) {
    const first = firstAnswer(found, method);
    if (first) return first;
  }
  const asked = options.via.map((m) =>
    m === 'bonjour' ? `no "${JITSI_INSTANCE_NAME}" service answered over mDNS` : 'no DHCP server answered with option 224',
  );
  throw new NetworkError(asked.join('; '), { code: 'no-answer', hint: 'check that the advertiser runs on this link, or pass the template' });
}
