/**
 * The inventory's reads and writes as SQL, one text for both backends (see sql.ts). Writes come in
 * batches from the write queue: the visits, then one upsert per device, then the looks, in one
 * transaction. Reads filter and sort in the database, on indexed columns.
 */
import { parseBuildFilter } from './build-filter.js';
import { foldDevices, type DeviceChange } from './device-fold.js';
import type { DeviceCounts, DeviceFilter, DeviceLengths, DeviceQuery, DeviceRow, DeviceSort, InventorySummary } from './inventory.js';
import { sortTally } from './tally.js';
import { escapeControls } from '../util/printable.js';
import { deviceIdOf, type LookRecord, type VisitRecord } from './records.js';
import type { SqlConnection, SqlDatabase, SqlValue } from './sql.js';

/** Rows per INSERT: well under both backends' parameter limits (SQLite 32766, PostgreSQL 65535). */
const ROWS_PER_INSERT = 200;
const HISTORY_LIMIT = 200;
const SUMMARY_LIMIT = 100;
/** Devices per page when all are listed: memory stays bounded, and each page is one range of the (last_seen, id) index. */
const PAGE_ROWS = 2000;
const DAY_MS = 86_400_000;

const SORT_COLUMN: Record<DeviceSort, { column: string; nullable: boolean }> = {
  lastSeen: { column: 'last_seen', nullable: false },
  firstSeen: { column: 'first_seen', nullable: false },
  user: { column: 'username', nullable: true },
  os: { column: 'osname', nullable: true },
  build: { column: 'build_key', nullable: true },
  status: { column: 'last_status', nullable: false },
};

const VISIT_COLUMNS = ['time', 'device', 'client', 'uuid', 'hwaddr', 'osname', 'build', 'arch', 'username', 'ipaddr', 'profiles', 'status', 'reason'];
const DEVICE_COLUMNS = [
  'id',
  'uuid',
  'hwaddr',
  'username',
  'osname',
  'build',
  'build_key',
  'arch',
  'client',
  'first_seen',
  'last_seen',
  'last_status',
  'last_reason',
  'profiles',
  'requests',
  'last_provisioned',
];
/** Where each field of a DeviceRow is kept, in the row's order (build_key and last_provisioned are the store's own). */
const DEVICE_FIELD: Record<keyof DeviceRow, string> = {
  id: 'id',
  uuid: 'uuid',
  hwaddr: 'hwaddr',
  username: 'username',
  osname: 'osname',
  build: 'build',
  arch: 'arch',
  client: 'client',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  lastStatus: 'last_status',
  lastReason: 'last_reason',
  profiles: 'profiles',
  requests: 'requests',
};
/** A DeviceRow's fields in its order: also the columns of `provdisc devices --csv`. */
export const DEVICE_FIELDS = Object.keys(DEVICE_FIELD) as (keyof DeviceRow)[];

/** The columns as the fields named (quoted: PostgreSQL would fold them to lower case), so that a row read is a DeviceRow but for its profiles. */
function selectFields(fields: readonly (keyof DeviceRow)[]): string {
  return fields.map((f) => (f === DEVICE_FIELD[f] ? f : `${DEVICE_FIELD[f]} AS "${f}"`)).join(', ');
}
const DEVICE_ROW = selectFields(DEVICE_FIELDS);
/** Given: kept when a visit leaves them out. */
const KEPT = ['uuid', 'hwaddr', 'username', 'osname', 'build', 'build_key', 'arch'];
/** Of the newest visit, whichever instance wrote it first. */
const LATEST = ['client', 'last_status', 'last_reason'];
const LOOK_COLUMNS = ['client', 'method', 'interface', 'first_seen', 'last_seen', 'count'];

export type InventoryWrite = { readonly visit: VisitRecord } | { readonly look: LookRecord };

type VisitTableRow = Omit<VisitRecord, 'profiles'> & { profiles: string };

/** A row as read (selectFields), its profiles still JSON text. */
type StoredDevice<K extends keyof DeviceRow> = Omit<Pick<DeviceRow, K>, 'profiles'> & { profiles?: string };

function toDevice<K extends keyof DeviceRow>(r: StoredDevice<K>): Pick<DeviceRow, K> {
  if (r.profiles !== undefined) (r as { profiles: unknown }).profiles = JSON.parse(r.profiles) as string[];
  return r as unknown as Pick<DeviceRow, K>;
}

function toVisit(r: VisitTableRow): VisitRecord {
  return {
    time: r.time,
    client: r.client,
    uuid: r.uuid,
    hwaddr: r.hwaddr,
    osname: r.osname,
    build: r.build,
    arch: r.arch,
    username: r.username,
    ipaddr: r.ipaddr,
    profiles: JSON.parse(r.profiles) as string[],
    status: r.status,
    reason: r.reason,
  };
}

/** A `*` glob as a LIKE pattern (with ESCAPE '\'), lower case: matched case-insensitively. */
function likePattern(glob: string): string {
  return glob
    .toLowerCase()
    .replace(/[\\%_]/g, '\\$&')
    .replaceAll('*', '%');
}

/** The WHERE clause of a device query, with its parameters. */
function deviceFilter(q: DeviceFilter): { where: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, ...values: SqlValue[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (q.since) add('last_seen >= ?', q.since.toISOString());
  if (q.staleBefore) add('last_seen < ?', q.staleBefore.toISOString());
  if (q.build !== undefined) {
    const f = parseBuildFilter(q.build);
    if ('glob' in f) add("LOWER(build) LIKE ? ESCAPE '\\'", likePattern(f.glob));
    else add(`build_key ${f.op === '!=' ? '<>' : f.op} ?`, f.key);
  }
  if (q.user !== undefined) add('username = ?', q.user);
  if (q.os !== undefined) add("LOWER(osname) LIKE ? ESCAPE '\\'", likePattern(q.os));
  if (q.search !== undefined && q.search !== '') {
    // a search is a plain substring: `*`, `%` and `_` are themselves
    const like = `%${q.search.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
    const columns = ['id', 'username', 'osname', 'build', 'client'];
    add(`(${columns.map((c) => `LOWER(COALESCE(${c}, '')) LIKE ? ESCAPE '\\'`).join(' OR ')})`, ...columns.map(() => like));
  }
  return { where: clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`, params };
}

function orderBy(q: DeviceQuery): string {
  const { column, nullable } = SORT_COLUMN[q.sort ?? 'lastSeen'];
  const direction = (q.descending ?? q.sort === undefined) ? 'DESC' : 'ASC';
  // devices without the value last in both backends (SQLite sorts NULL first, PostgreSQL last)
  return ` ORDER BY ${nullable ? `(${column} IS NULL), ` : ''}${column} ${direction}, id ${direction}`;
}

function values(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

async function insertChunks<T>(tx: SqlConnection, rows: readonly T[], sql: (valuesSql: string) => string, columns: number, params: (row: T) => SqlValue[]) {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    await tx.query(sql(values(chunk.length, columns)), chunk.flatMap(params));
  }
}

function deviceParams(c: DeviceChange): SqlValue[] {
  return [
    c.id,
    c.uuid,
    c.hwaddr,
    c.username,
    c.osname,
    c.build,
    c.buildKey,
    c.arch,
    c.client,
    c.firstSeen,
    c.lastSeen,
    c.lastStatus,
    c.lastReason,
    c.profiles ?? '[]',
    c.requests,
    c.lastProvisioned,
  ];
}

const UPSERT_DEVICES = (v: string) =>
  `INSERT INTO devices (${DEVICE_COLUMNS.join(', ')}) VALUES ${v} ON CONFLICT (id) DO UPDATE SET ` +
  [
    ...KEPT.map((c) => `${c} = COALESCE(excluded.${c}, devices.${c})`),
    ...LATEST.map((c) => `${c} = CASE WHEN excluded.last_seen >= devices.last_seen THEN excluded.${c} ELSE devices.${c} END`),
    "profiles = CASE WHEN excluded.profiles <> '[]' OR excluded.last_status = 200 THEN excluded.profiles ELSE devices.profiles END",
    'first_seen = CASE WHEN excluded.first_seen < devices.first_seen THEN excluded.first_seen ELSE devices.first_seen END',
    'last_seen = CASE WHEN excluded.last_seen > devices.last_seen THEN excluded.last_seen ELSE devices.last_seen END',
    'requests = devices.requests + excluded.requests',
    'last_provisioned = CASE WHEN devices.last_provisioned IS NULL OR excluded.last_provisioned > devices.last_provisioned THEN excluded.last_provisioned ELSE devices.last_provisioned END',
  ].join(', ');

const UPSERT_LOOKS = (v: string) =>
  `INSERT INTO looks (${LOOK_COLUMNS.join(', ')}) VALUES ${v} ON CONFLICT (client, method) DO UPDATE SET ` +
  'interface = excluded.interface, count = looks.count + excluded.count, ' +
  'last_seen = CASE WHEN excluded.last_seen > looks.last_seen THEN excluded.last_seen ELSE looks.last_seen END';

export class InventoryStore {
  constructor(readonly db: SqlDatabase) {}

  /** One batch of the queue, in one transaction. */
  async write(batch: readonly InventoryWrite[]): Promise<void> {
    const visits = batch.flatMap((w) => ('visit' in w ? [w.visit] : []));
    const looks = batch.flatMap((w) => ('look' in w ? [w.look] : []));
    await this.db.transaction(async (tx) => {
      await insertChunks(
        tx,
        visits,
        (v) => `INSERT INTO visits (${VISIT_COLUMNS.join(', ')}) VALUES ${v}`,
        VISIT_COLUMNS.length,
        (r) => [
          r.time,
          deviceIdOf(r),
          r.client,
          r.uuid,
          r.hwaddr,
          r.osname,
          r.build,
          r.arch,
          r.username,
          r.ipaddr,
          JSON.stringify(r.profiles),
          r.status,
          r.reason,
        ],
      );
      await insertChunks(tx, foldDevices(visits), UPSERT_DEVICES, DEVICE_COLUMNS.length, deviceParams);
      await insertChunks(tx, foldLooks(looks), UPSERT_LOOKS, LOOK_COLUMNS.length, (l) => [l.client, l.method, l.interface, l.time, l.time, l.count]);
    });
  }

  async devices(q: DeviceQuery = {}): Promise<{ rows: DeviceRow[]; total: number }> {
    const { where, params } = deviceFilter(q);
    const paging = q.limit !== undefined || q.offset !== undefined ? ' LIMIT ? OFFSET ?' : '';
    const pageParams = paging ? [q.limit ?? 2 ** 31 - 1, q.offset ?? 0] : [];
    const [rows, count] = await Promise.all([
      this.db.query<StoredDevice<keyof DeviceRow>>(`SELECT ${DEVICE_ROW} FROM devices${where}${orderBy(q)}${paging}`, [...params, ...pageParams]),
      this.db.query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM devices${where}`, params),
    ]);
    return { rows: rows.map(toDevice), total: count[0]?.n ?? 0 };
  }

  async device(id: string): Promise<{ device: DeviceRow; history: VisitRecord[] } | undefined> {
    const [device] = await this.db.query<StoredDevice<keyof DeviceRow>>(`SELECT ${DEVICE_ROW} FROM devices WHERE id = ?`, [id]);
    if (!device) return undefined;
    const history = await this.db.query<VisitTableRow>('SELECT * FROM visits WHERE device = ? ORDER BY time DESC, id DESC LIMIT ?', [id, HISTORY_LIMIT]);
    return { device: toDevice(device), history: history.map(toVisit) };
  }

  /**
   * Every device the filter keeps, newest first, a page at a time (by keyset: each page one range of
   * the (last_seen, id) index, in both backends), with only the `fields` asked for (and the id and
   * lastSeen that page them): a listing of 100 000 reads no column it does not print.
   */
  async *devicePages<K extends keyof DeviceRow>(filter: DeviceFilter = {}, fields?: readonly K[]): AsyncGenerator<Pick<DeviceRow, K | 'id' | 'lastSeen'>[]> {
    const { where, params } = deviceFilter(filter);
    // id and lastSeen first: the keyset of the next page
    const wanted: (keyof DeviceRow)[] = [
      'id',
      'lastSeen',
      ...DEVICE_FIELDS.filter((f) => f !== 'id' && f !== 'lastSeen' && (fields ?? DEVICE_FIELDS).includes(f as K)),
    ];
    const select = wanted.map((f) => DEVICE_FIELD[f]).join(', ');
    // each row built here, in the DeviceRow's order, from an array: much cheaper than the driver's object per row
    const order = DEVICE_FIELDS.filter((f) => wanted.includes(f)).map((f) => [f, wanted.indexOf(f)] as const);
    let after: SqlValue[] = [];
    for (;;) {
      const clause = after.length > 0 ? `${where === '' ? ' WHERE' : `${where} AND`} (last_seen, id) < (?, ?)` : where;
      const page = await this.db.arrays(`SELECT ${select} FROM devices${clause}${orderBy({})} LIMIT ?`, [...params, ...after, PAGE_ROWS]);
      if (page.length > 0) {
        yield page.map((values) => {
          const row: Record<string, unknown> = {};
          for (const [field, i] of order) row[field] = field === 'profiles' ? JSON.parse(values[i] as string) : values[i];
          return row as Pick<DeviceRow, K | 'id' | 'lastSeen'>;
        });
      }
      const last = page[page.length - 1];
      if (page.length < PAGE_ROWS || !last) return;
      after = [last[1] ?? null, last[0] ?? null];
    }
  }

  /**
   * The longest id, user name, OS and build among the devices the filter keeps, in characters as
   * escapeControls prints them (what aligned columns need before their first line). The database's
   * LENGTH is that for printable ASCII and never more for other text (an escape or a surrogate pair
   * only lengthens it), so its maximum stands but for the rare devices with other text, which are read
   * and measured here. Only the test for "other than printable ASCII" differs by backend.
   */
  async longest(filter: DeviceFilter = {}): Promise<DeviceLengths> {
    const { where, params } = deviceFilter(filter);
    const columns = ['id', 'username', 'osname', 'build'] as const;
    const text = columns.map((c) => `COALESCE(${c}, '')`).join(' || ');
    const odd = this.db.backend === 'sqlite' ? `${text} GLOB '*[^ -~]*'` : `${text} ~ '[^ -~]'`;
    const [measured] = await this.db.query<Record<(typeof columns)[number] | 'odd', number | null>>(
      `SELECT ${columns.map((c) => `MAX(LENGTH(${c})) AS ${c}`).join(', ')}, CAST(SUM(CASE WHEN ${odd} THEN 1 ELSE 0 END) AS INTEGER) AS odd FROM devices${where}`,
      params,
    );
    const others = measured?.odd
      ? await this.db.query<Record<(typeof columns)[number], string | null>>(
          `SELECT ${columns.join(', ')} FROM devices${where === '' ? ' WHERE' : `${where} AND`} ${odd}`,
          params,
        )
      : [];
    const lengths = { id: 0, username: 0, osname: 0, build: 0 };
    for (const c of columns) lengths[c] = Math.max(measured?.[c] ?? 0, ...others.map((r) => escapeControls(r[c] ?? '').length));
    return lengths;
  }

  /** How many devices the filter keeps, by build and by OS: counted by the database, not over the rows. */
  async counts(filter: DeviceFilter = {}): Promise<DeviceCounts> {
    const { where, params } = deviceFilter(filter);
    const [builds, os] = await Promise.all([this.groups('build', where, params), this.groups('osname', where, params)]);
    return { total: builds.reduce((n, b) => n + b.count, 0), ...sortTally(builds, os) };
  }

  async summary(now: Date): Promise<InventorySummary> {
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    const week = new Date(now.getTime() - 7 * DAY_MS).toISOString();
    // a range of the devices_last_provisioned index, whatever the number of visits
    const provisioned = 'SELECT CAST(COUNT(*) AS INTEGER) AS n FROM devices WHERE last_provisioned >= ?';
    const [devices, today, lastWeek, failures, builds, os, looked] = await Promise.all([
      this.db.query<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM devices'),
      this.db.query<{ n: number }>(provisioned, [midnight]),
      this.db.query<{ n: number }>(provisioned, [week]),
      // `status <> 200` as in the partial index visits_refused: only the refusals are read
      this.db.query<{ status: number; reason: string | null; count: number }>(
        'SELECT status, reason, CAST(COUNT(*) AS INTEGER) AS count FROM visits WHERE status <> 200 AND time >= ? GROUP BY status, reason ORDER BY count DESC, status LIMIT ?',
        [week, SUMMARY_LIMIT],
      ),
      this.groups('build', '', [], SUMMARY_LIMIT),
      this.groups('osname', '', [], SUMMARY_LIMIT),
      this.db.query<{ client: string; method: string; last_seen: string }>(
        'SELECT client, method, last_seen FROM looks l WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.client = l.client) ORDER BY last_seen DESC LIMIT ?',
        [SUMMARY_LIMIT],
      ),
    ]);
    return {
      devices: devices[0]?.n ?? 0,
      provisionedToday: today[0]?.n ?? 0,
      provisionedWeek: lastWeek[0]?.n ?? 0,
      failures: failures.map((f) => ({ status: f.status, reason: f.reason ?? '', count: f.count })),
      builds: builds.map((b) => ({ build: b.value, count: b.count })),
      os: os.map((o) => ({ os: o.value, count: o.count })),
      lookedNeverPosted: looked.map((l) => ({ client: l.client, method: l.method, lastSeen: l.last_seen })),
    };
  }

  /**
   * Devices per build or OS (the `limit` most first, else all); devices that never said are counted
   * under "". Grouped by the column itself, so that its index is read in order (no temporary table).
   */
  private async groups(column: 'build' | 'osname', where: string, params: readonly SqlValue[], limit?: number): Promise<{ value: string; count: number }[]> {
    const mostFirst = limit === undefined ? '' : ` ORDER BY count DESC, COALESCE(${column}, '') LIMIT ?`;
    const rows = await this.db.query<{ value: string | null; count: number }>(
      `SELECT ${column} AS value, CAST(COUNT(*) AS INTEGER) AS count FROM devices${where} GROUP BY ${column}${mostFirst}`,
      limit === undefined ? params : [...params, limit],
    );
    return rows.map((r) => ({ value: r.value ?? '', count: r.count }));
  }

  /** Forgets what was last seen before `before`. */
  async prune(before: Date): Promise<void> {
    const at = before.toISOString();
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM visits WHERE time < ?', [at]);
      await tx.query('DELETE FROM devices WHERE last_seen < ?', [at]);
      await tx.query('DELETE FROM looks WHERE last_seen < ?', [at]);
    });
  }
}

/** A batch's looks as one row per client and method (a multi-row upsert may not touch a row twice). */
function foldLooks(looks: readonly LookRecord[]): (LookRecord & { count: number })[] {
  const folded = new Map<string, LookRecord & { count: number }>();
  for (const l of looks) {
    const key = `${l.method} ${l.client}`;
    const seen = folded.get(key);
    folded.set(key, { ...l, time: seen && seen.time > l.time ? seen.time : l.time, count: (seen?.count ?? 0) + 1 });
  }
  return [...folded.values()];
}
