/**
 * The inventory: every client that posted (or only looked), kept in SQLite (a file) or PostgreSQL
 * (shared by several `serve` instances). This module holds what callers see — the records written,
 * the rows read back, and `openInventory`; the writing itself leaves the answer path (write-queue.ts).
 */
import { UsageError, type WarningSink } from '../util/errors.js';
import type { LookRecord, VisitRecord } from './records.js';

/** A device: its uuid, else its MAC address, with what it last posted. */
export interface DeviceRow {
  readonly id: string;
  readonly uuid: string | null;
  readonly hwaddr: string | null;
  readonly username: string | null;
  readonly osname: string | null;
  readonly build: string | null;
  readonly arch: string | null;
  /** The address it last came from. */
  readonly client: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly lastStatus: number;
  readonly lastReason: string | null;
  /** The profiles of its last 200. */
  readonly profiles: readonly string[];
  readonly requests: number;
}

export type DeviceSort = 'lastSeen' | 'user' | 'os' | 'build' | 'status' | 'firstSeen';

export interface DeviceQuery {
  /** lastSeen ≥ since. */
  readonly since?: Date | undefined;
  /** lastSeen < staleBefore. */
  readonly staleBefore?: Date | undefined;
  /** `<5000`, `>=2.10`, `=5012`, `!=5012` (compared number by number), or a glob such as `2.10.*`. */
  readonly build?: string | undefined;
  readonly user?: string | undefined;
  /** A glob (`*`), case-insensitive. */
  readonly os?: string | undefined;
  /** A substring of the id, user, OS, build or address, case-insensitive. */
  readonly search?: string | undefined;
  /** Default lastSeen, newest first. */
  readonly sort?: DeviceSort | undefined;
  readonly descending?: boolean | undefined;
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

export interface InventorySummary {
  readonly devices: number;
  /** Devices with a 200 since midnight UTC, and over the last 7 days. */
  readonly provisionedToday: number;
  readonly provisionedWeek: number;
  /** The refusals of the last 7 days, by status and reason, most frequent first. */
  readonly failures: readonly { readonly status: number; readonly reason: string; readonly count: number }[];
  readonly builds: readonly { readonly build: string; readonly count: number }[];
  readonly os: readonly { readonly os: string; readonly count: number }[];
  /** Addresses that asked over mDNS or DHCP and never posted. */
  readonly lookedNeverPosted: readonly { readonly client: string; readonly method: string; readonly lastSeen: string }[];
}

export type InventoryBackend = 'sqlite' | 'postgres';

export interface InventoryHealth {
  readonly backend: InventoryBackend;
  /** Records waiting to be written. */
  readonly pending: number;
  readonly written: number;
  /** Write attempts that failed (each retried). */
  readonly failed: number;
  /** Records given up because too many were waiting. */
  readonly dropped: number;
  readonly lastError: string | null;
}

export interface Inventory {
  /** Queued and written in a batch: never throws, never waits. */
  record(visit: VisitRecord): void;
  /** The same, bounded: a client is written at most once a minute per method. */
  recordLook(look: LookRecord): void;
  devices(query?: DeviceQuery): Promise<{ rows: DeviceRow[]; total: number }>;
  device(id: string): Promise<{ device: DeviceRow; history: VisitRecord[] } | undefined>;
  summary(now?: Date): Promise<InventorySummary>;
  /** Called after each visit is written (for live pages); returns the unsubscribe. */
  onVisit(listener: (visit: VisitRecord) => void): () => void;
  health(): InventoryHealth;
  /** Resolves when everything queued so far was written (or failed once). */
  flush(): Promise<void>;
  /** Flushes, then closes the database. */
  close(): Promise<void>;
}

export interface InventoryOptions {
  /** Visits, devices and looks older than this many days are pruned; default 400. */
  readonly days?: number | undefined;
  /** Write failures and recoveries, said once and then at most once a minute. */
  readonly warn?: WarningSink | undefined;
  /** Only read: an SQLite file must already exist (`provdisc devices`). */
  readonly readOnly?: boolean | undefined;
}

export const DEFAULT_INVENTORY_DAYS = 400;

/** The inventory `setting` names: an SQLite file path, or a `postgres://` URL. */
export async function openInventory(setting: string, options: InventoryOptions = {}): Promise<Inventory> {
  void setting;
  void options;
  throw new UsageError('the inventory backends are not built yet', 'wait for the inventory branch');
}
