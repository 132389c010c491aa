/**
 * When the answers to `discover --via` disagree: clients that asked the same way but heard different
 * advertisers, or clients set to different methods, would be provisioned from different URIs.
 */
import { disagreements } from '../bonjour/discover.js';
import { firstTemplates, type ViaFindings } from './discover-via.js';

export interface ViaDisagreements {
  /** The different templates the complete Bonjour answers carry; `[]` when they agree. */
  readonly bonjour: string[];
  /** The different URIs the DHCP servers answered with; `[]` when they agree. */
  readonly dhcp: string[];
  /** Bonjour against DHCP, as `methodDisagreement` says it. */
  readonly between: string | undefined;
}

/** Every disagreement in what `discoverVia` found, per method and between the methods. */
export function viaDisagreements(found: ViaFindings): ViaDisagreements {
  // a Jitsi client takes whichever DHCP server answers first, so each distinct URI is a possible outcome
  const dhcp = new Set((found.dhcp ?? []).map((d) => d.uri));
  return {
    bonjour: disagreements(found.bonjour ?? []),
    dhcp: dhcp.size > 1 ? [...dhcp] : [],
    between: methodDisagreement(found),
  };
}

/** A warning when both methods answered with different URIs; undefined when they agree or one is silent. */
export function methodDisagreement(found: ViaFindings): string | undefined {
  const t = firstTemplates(found);
  if (t.bonjour === undefined || t.dhcp === undefined || t.bonjour === t.dhcp) return undefined;
  return `Bonjour and DHCP disagree: clients set to Bonjour would use ${t.bonjour}, clients set to DHCP ${t.dhcp}`;
}
