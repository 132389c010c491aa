/**
 * The inventory's reads and writes as SQL, one text for both backends (see sql.ts). Writes come in
 * batches from the write queue: the visits, then one upsert per device, then the looks, in one
 * transaction. Reads filter and sort in the database, on indexed columns.
 */
import { parseBuildFilter } from './build-filter.js';
import { foldDevices, type DeviceChange } from './device-fold.js';
import type { DeviceQuery, DeviceRow, DeviceSort, InventorySummary } from './inventory.js';
import { deviceIdOf, type LookRecord, type VisitRecord } from './records.js';
import type { SqlConnection, SqlDatabase, SqlValue } from './sql.js';

/** Rows per INSERT: well under both backends' parameter limits (SQLite 32766, PostgreSQL 65535). */
const ROWS_PER_INSERT = 200;
const HISTORY_LIMIT = 200;
const SUMMARY_LIMIT = 100;
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
];
/** What a DeviceRow is made of: not build_key, which is only for filtering and sorting. */
const DEVICE_ROW = DEVICE_COLUMNS.filter((c) => c !== 'build_key').join(', ');
/** Given: kept when a visit leaves them out. */
const KEPT = ['uuid', 'hwaddr', 'username', 'osname', 'build', 'build_key', 'arch'];
/** Of the newest visit, whichever instance wrote it first. */
const LATEST = ['client', 'last_status', 'last_reason'];
const LOOK_COLUMNS = ['client', 'method', 'interface', 'first_seen', 'last_seen', 'count'];

export type InventoryWrite = { readonly visit: VisitRecord } | { readonly look: LookRecord };

interface DeviceTableRow {
  id: string;
  uuid: string | null;
  hwaddr: string | null;
  username: string | null;
  osname: string | null;
  build: string | null;
  arch: string | null;
  client: string;
  first_seen: string;
  last_seen: string;
  last_status: number;
  last_reason: string | null;
  profiles: string;
  requests: number;
}

type VisitTableRow = Omit<VisitRecord, 'profiles'> & { profiles: string };

function toDevice(r: DeviceTableRow): DeviceRow {
  return {
    id: r.id,
    uuid: r.uuid,
    hwaddr: r.hwaddr,
    username: r.username,
    osname: r.osname,
    build: r.build,
    arch: r.arch,
    client: r.client,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    lastStatus: r.last_status,
    lastReason: r.last_reason,
    profiles: JSON.parse(r.profiles) as string[],
    requests: r.requests,
  };
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
export function likePattern(glob: string): string {
  return glob
    .toLowerCase()
    .replace(/[\\%_]/g, '\\$&')
    .replaceAll('*', '%');
}

/** The WHERE clause of a device query, with its parameters. */
function deviceFilter(q: DeviceQuery): { where: string; params: SqlValue[] } {
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
    const like = `%${likePattern(q.search).replaceAll('%', '\\%')}%`;
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
      this.db.query<DeviceTableRow>(`SELECT ${DEVICE_ROW} FROM devices${where}${orderBy(q)}${paging}`, [...params, ...pageParams]),
      this.db.query<{ n: number }>(`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM devices${where}`, params),
    ]);
    return { rows: rows.map(toDevice), total: count[0]?.n ?? 0 };
  }

  async device(id: string): Promise<{ device: DeviceRow; history: VisitRecord[] } | undefined> {
    const [device] = await this.db.query<DeviceTableRow>(`SELECT ${DEVICE_ROW} FROM devices WHERE id = ?`, [id]);
    if (!device) return undefined;
    const history = await this.db.query<VisitTableRow>('SELECT * FROM visits WHERE device = ? ORDER BY time DESC, id DESC LIMIT ?', [id, HISTORY_LIMIT]);
    return { device: toDevice(device), history: history.map(toVisit) };
  }

  async summary(now: Date): Promise<InventorySummary> {
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    const week = new Date(now.getTime() - 7 * DAY_MS).toISOString();
    const provisioned = 'SELECT CAST(COUNT(DISTINCT device) AS INTEGER) AS n FROM visits WHERE status = 200 AND device IS NOT NULL AND time >= ?';
    const [devices, today, lastWeek, failures, builds, os, looked] = await Promise.all([
      this.db.query<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM devices'),
      this.db.query<{ n: number }>(provisioned, [midnight]),
      this.db.query<{ n: number }>(provisioned, [week]),
      this.db.query<{ status: number; reason: string | null; count: number }>(
        'SELECT status, reason, CAST(COUNT(*) AS INTEGER) AS count FROM visits WHERE status <> 200 AND time >= ? GROUP BY status, reason ORDER BY count DESC, status LIMIT ?',
        [week, SUMMARY_LIMIT],
      ),
      this.tally('build'),
      this.tally('osname'),
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

  /** Devices per build or OS, most first; devices that never said are counted under "". */
  private tally(column: 'build' | 'osname'): Promise<{ value: string; count: number }[]> {
    return this.db.query(
      `SELECT COALESCE(${column}, '') AS value, CAST(COUNT(*) AS INTEGER) AS count FROM devices GROUP BY COALESCE(${column}, '') ORDER BY count DESC, value LIMIT ?`,
      [SUMMARY_LIMIT],
    );
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
