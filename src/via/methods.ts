/**
 * The ways a Jitsi client can be set to find its provisioning URI, and the `via` setting naming them.
 * A module apart from the advertiser and the discoverer that use them, so that checking a `via`
 * setting loads neither (every command's start-up pays for what src/cli/common.ts imports).
 */
import { setting, UsageError } from '../util/errors.js';

export const DISCOVERY_METHODS = ['bonjour', 'dhcp'] as const;
export type DiscoveryMethod = (typeof DISCOVERY_METHODS)[number];

/** Checks and normalises a `via` list (`where` names it in the error): known names, no repeats, at least one. */
export function parseVia(list: readonly string[], where = setting('via')): DiscoveryMethod[] {
  const names = list.map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = names.find((n) => !(DISCOVERY_METHODS as readonly string[]).includes(n));
  if (bad !== undefined)
    throw new UsageError(
      `${where} names "${bad}", which is no discovery method`,
      `use ${DISCOVERY_METHODS.join(', ')}, or both: bonjour,dhcp`,
      'invalid-setting',
    );
  if (names.length === 0) throw new UsageError(`${where} is empty`, 'use bonjour, dhcp, or bonjour,dhcp', 'invalid-setting');
  return [...new Set(names)] as DiscoveryMethod[];
}
