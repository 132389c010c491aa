/** The devices listed, counted by build and by OS: the summary under `provdisc devices`. */
import { compareBuilds } from './build-filter.js';
import type { DeviceRow } from './inventory.js';

export interface DeviceTally {
  /** Newest build first; "" for devices that never said. */
  readonly builds: readonly { readonly build: string; readonly count: number }[];
  /** Most devices first. */
  readonly os: readonly { readonly os: string; readonly count: number }[];
}

function count(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

export function tallyDevices(rows: readonly DeviceRow[]): DeviceTally {
  const builds = [...count(rows.map((r) => r.build ?? ''))].sort(([a], [b]) => compareBuilds(b, a));
  const os = [...count(rows.map((r) => r.osname ?? ''))].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return { builds: builds.map(([build, n]) => ({ build, count: n })), os: os.map(([name, n]) => ({ os: name, count: n })) };
}
