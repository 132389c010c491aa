/**
 * A batch of visits as one change per device, so that a batch writes each device once (PostgreSQL
 * refuses a multi-row upsert touching a row twice) and in the visits' order.
 */
import { buildKey } from './build-filter.js';
import { deviceIdOf, type VisitRecord } from './records.js';

export interface DeviceChange {
  readonly id: string;
  uuid: string | null;
  hwaddr: string | null;
  username: string | null;
  osname: string | null;
  build: string | null;
  buildKey: string | null;
  arch: string | null;
  client: string;
  firstSeen: string;
  lastSeen: string;
  lastStatus: number;
  lastReason: string | null;
  /** The profiles of the batch's last 200, as JSON; null keeps the stored ones. */
  profiles: string | null;
  requests: number;
  /** The time of the batch's last 200; null keeps the stored one. */
  lastProvisioned: string | null;
}

/** What each device's visits in this batch change: the latest value of each field a visit gave. */
export function foldDevices(visits: readonly VisitRecord[]): DeviceChange[] {
  const changes = new Map<string, DeviceChange>();
  for (const v of [...visits].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))) {
    const id = deviceIdOf(v);
    if (id === null) continue;
    const c = changes.get(id);
    const profiles = v.status === 200 ? JSON.stringify(v.profiles) : null;
    if (!c) {
      changes.set(id, {
        id,
        uuid: v.uuid || null,
        hwaddr: v.hwaddr || null,
        username: v.username || null,
        osname: v.osname || null,
        build: v.build || null,
        buildKey: v.build ? buildKey(v.build) : null,
        arch: v.arch || null,
        client: v.client,
        firstSeen: v.time,
        lastSeen: v.time,
        lastStatus: v.status,
        lastReason: v.reason,
        profiles,
        requests: 1,
        lastProvisioned: v.status === 200 ? v.time : null,
      });
      continue;
    }
    c.uuid = v.uuid || c.uuid;
    c.hwaddr = v.hwaddr || c.hwaddr;
    c.username = v.username || c.username;
    c.osname = v.osname || c.osname;
    if (v.build) [c.build, c.buildKey] = [v.build, buildKey(v.build)];
    c.arch = v.arch || c.arch;
    c.client = v.client;
    c.lastSeen = v.time;
    c.lastStatus = v.status;
    c.lastReason = v.reason;
    c.profiles = profiles ?? c.profiles;
    c.requests++;
    if (v.status === 200) c.lastProvisioned = v.time;
  }
  return [...changes.values()];
}
