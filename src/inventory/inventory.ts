/**
 * The inventory: every client that posted (or only looked), kept in SQLite (a file) or PostgreSQL
 * (shared by several `serve` instances). This module holds what callers see — the records written,
 * the rows read back, and `openInventory`; the writing itself leaves the answer path (write-queue.ts).
 */
import QuickLRU from 'quick-lru';
import type { WarningSink } from '../util/errors.js';
import type { LookRecord, VisitRecord } from './records.js';
import { InventoryStore, type InventoryWrite } from './store.js';
import type { DeviceTally } from './tally.js';
import { WriteQueue } from './write-queue.js';

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

/** Which devices: what a DeviceQuery filters by, without its order and paging. */
export type DeviceFilter = Pick<DeviceQuery, 'since' | 'staleBefore' | 'build' | 'user' | 'os' | 'search'>;

/** How many devices a filter keeps, by build (newest first) and by OS (most first). */
export interface DeviceCounts extends DeviceTally {
  readonly total: number;
}

/** The longest of these fields among some devices, in characters as escapeControls prints them (0: none). */
export type DeviceLengths = Record<'id' | 'username' | 'osname' | 'build', number>;

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
  /**
   * Every device the filter keeps, newest first, a page at a time: all of them without holding all
   * of them. With `fields`, only those are read (and the id and lastSeen).
   */
  devicePages<K extends keyof DeviceRow = keyof DeviceRow>(
    filter?: DeviceFilter,
    fields?: readonly K[],
  ): AsyncIterable<readonly Pick<DeviceRow, K | 'id' | 'lastSeen'>[]>;
  /** The longest id, user, OS and build among the devices the filter keeps: the widths of aligned columns, before the first line. */
  deviceLengths(filter?: DeviceFilter): Promise<DeviceLengths>;
  /** The devices the filter keeps counted by the database: the summary under `provdisc devices`. */
  deviceCounts(filter?: DeviceFilter): Promise<DeviceCounts>;
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
/** A client is written as a look at most this often per method. */
const LOOK_EVERY_MS = 60_000;
/** Clients remembered for that; beyond, the least recent is forgotten (and may be written again). */
const LOOKS_REMEMBERED = 10_000;
const PRUNE_EVERY_MS = 6 * 3_600_000;
const DAY_MS = 86_400_000;

/** Whether an inventory setting names PostgreSQL (else it is an SQLite file). */
export function isPostgresUrl(setting: string): boolean {
  return /^postgres(ql)?:\/\//i.test(setting);
}

/** The setting as messages show it: a file as it is, a URL without its password. */
export function inventoryLabel(setting: string): string {
  if (!isPostgresUrl(setting)) return setting;
  try {
    const url = new URL(setting);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

class QueuedInventory implements Inventory {
  private readonly queue: WriteQueue<InventoryWrite>;
  private readonly listeners = new Set<(visit: VisitRecord) => void>();
  private readonly looked = new QuickLRU<string, number>({ maxSize: LOOKS_REMEMBERED });
  private readonly pruning: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: InventoryStore,
    private readonly options: InventoryOptions,
  ) {
    const backend = store.db.backend;
    this.queue = new WriteQueue<InventoryWrite>({
      name: `the inventory (${backend})`,
      write: (batch) => store.write(batch),
      written: (batch) => this.tell(batch),
      warn: options.warn,
    });
    if (!options.readOnly) {
      this.pruning = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
      this.pruning.unref();
    }
  }

  record(visit: VisitRecord): void {
    this.queue.push({ visit });
  }

  recordLook(look: LookRecord): void {
    const key = `${look.method} ${look.client}`;
    const at = Date.parse(look.time);
    const last = this.looked.get(key);
    if (last !== undefined && at - last < LOOK_EVERY_MS) return;
    this.looked.set(key, at);
    this.queue.push({ look });
  }

  devices(query?: DeviceQuery): Promise<{ rows: DeviceRow[]; total: number }> {
    return this.store.devices(query);
  }

  devicePages<K extends keyof DeviceRow = keyof DeviceRow>(
    filter?: DeviceFilter,
    fields?: readonly K[],
  ): AsyncIterable<readonly Pick<DeviceRow, K | 'id' | 'lastSeen'>[]> {
    return this.store.devicePages(filter, fields);
  }

  deviceLengths(filter?: DeviceFilter): Promise<DeviceLengths> {
    return this.store.longest(filter);
  }

  deviceCounts(filter?: DeviceFilter): Promise<DeviceCounts> {
    return this.store.counts(filter);
  }

  device(id: string): Promise<{ device: DeviceRow; history: VisitRecord[] } | undefined> {
    return this.store.device(id);
  }

  summary(now: Date = new Date()): Promise<InventorySummary> {
    return this.store.summary(now);
  }

  onVisit(listener: (visit: VisitRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): InventoryHealth {
    return { backend: this.store.db.backend, ...this.queue.stats() };
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    clearInterval(this.pruning);
    const lost = await this.queue.close();
    if (lost > 0) this.options.warn?.(`the inventory (${this.store.db.backend}) closed with ${lost} record(s) it could not write`);
    await this.store.db.close();
  }

  private tell(batch: readonly InventoryWrite[]): void {
    if (this.listeners.size === 0) return;
    for (const w of batch) if ('visit' in w) for (const listener of this.listeners) listener(w.visit);
  }

  /** Forgets what is older than `days`; a failure is told, and the next round tries again. */
  async prune(): Promise<void> {
    const days = this.options.days ?? DEFAULT_INVENTORY_DAYS;
    try {
      await this.store.prune(new Date(Date.now() - days * DAY_MS));
    } catch (err) {
      this.options.warn?.(`the inventory (${this.store.db.backend}) could not be pruned: ${(err as Error).message}; tried again in 6 hours`);
    }
  }
}

/**
 * The inventory `setting` names: an SQLite file path, or a `postgres://` URL; its schema is brought
 * up to date. Throws UsageError when it cannot be opened.
 */
export async function openInventory(setting: string, options: InventoryOptions = {}): Promise<Inventory> {
  const db = isPostgresUrl(setting)
    ? await (await import('./postgres.js')).openPostgres(setting, { warn: options.warn })
    : await (await import('./sqlite.js')).openSqlite(setting, { readOnly: options.readOnly });
  const inventory = new QueuedInventory(new InventoryStore(db), options);
  if (!options.readOnly) await inventory.prune();
  return inventory;
}
