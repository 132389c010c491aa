/** Devices counted by build and by OS, in the order of the summary under `provdisc devices`. */
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
  const counted = (values: Iterable<string>) => [...count(values)].map(([value, n]) => ({ value, count: n }));
  return sortTally(counted(rows.map((r) => r.build ?? '')), counted(rows.map((r) => r.osname ?? '')));
}

/** Counts per build and per OS (however counted: over rows, or by the database) in the tally's order. */
export function sortTally(builds: readonly { value: string; count: number }[], os: readonly { value: string; count: number }[]): DeviceTally {
  return {
    builds: [...builds].sort((a, b) => compareBuilds(b.value, a.value)).map((b) => ({ build: b.value, count: b.count })),
    os: [...os].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((o) => ({ os: o.value, count: o.count })),
  };
}
