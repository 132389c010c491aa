/**
 * What both backends share: a connection that runs SQL with `?` parameters, and the versioned schema
 * migrations. The SQL the store runs is the same text for SQLite and PostgreSQL (times as ISO 8601
 * text, profiles as JSON text), so one store serves both; only the schema's DDL differs per backend.
 */
import { UsageError } from '../util/errors.js';
import type { InventoryBackend } from './inventory.js';

export type SqlValue = string | number | null;

export interface SqlConnection {
  query<R = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
}

export interface SqlDatabase extends SqlConnection {
  readonly backend: InventoryBackend;
  /** A read whose rows come as arrays, in the SELECT's order: no object built per row (a listing of 100 000). */
  arrays(sql: string, params?: readonly SqlValue[]): Promise<SqlValue[][]>;
  /** Runs `fn` in one transaction: all of it is written, or none. */
  transaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Version n is reached by running MIGRATIONS[n - 1]: append, never edit a released step. */
export type Migrations = readonly (readonly string[])[];

/**
 * Brings the schema to the newest version in one transaction (`lock` first: several `serve`
 * instances starting together on one PostgreSQL migrate one after the other). A schema newer than
 * this provdisc knows is refused: an older provdisc must not write into it.
 */
export async function migrate(db: SqlDatabase, migrations: Migrations, lock?: string): Promise<number> {
  // An inventory already at this version is only read: a reader (`provdisc devices`) must neither
  // need write access nor wait for a write lock a running `serve` holds. A missing table (a new
  // inventory) fails the read, and the transaction below makes it.
  const current = await db.query<{ version: number }>('SELECT version FROM provdisc_schema').catch(() => []);
  const known = current[0]?.version;
  if (known !== undefined && known >= migrations.length) return checkedVersion(known, migrations);
  return db.transaction(async (tx) => {
    if (lock !== undefined) await tx.query(lock);
    await tx.query('CREATE TABLE IF NOT EXISTS provdisc_schema (version INTEGER NOT NULL)');
    const rows = await tx.query<{ version: number }>('SELECT version FROM provdisc_schema');
    let version = checkedVersion(rows[0]?.version ?? 0, migrations);
    if (rows.length === 0) await tx.query('INSERT INTO provdisc_schema (version) VALUES (0)');
    for (const step of migrations.slice(version)) {
      for (const statement of step) await tx.query(statement);
      version++;
    }
    await tx.query('UPDATE provdisc_schema SET version = ?', [version]);
    return version;
  });
}

/** `version`, unless it is newer than this provdisc knows: an older provdisc must not write into it. */
function checkedVersion(version: number, migrations: Migrations): number {
  if (version > migrations.length) {
    throw new UsageError(
      `the inventory's schema is version ${version}, newer than this provdisc knows (${migrations.length})`,
      'upgrade provdisc on this machine, or give it an inventory of its own',
      'invalid-setting',
    );
  }
  return version;
}

/**
 * The schema, version by version. `autoId` is the backend's auto-numbered key (the only DDL that
 * differs). Times are ISO 8601 UTC text: ordered as text, the same in both backends.
 */
export function schemaMigrations(autoId: string): Migrations {
  return [
    [
      `CREATE TABLE visits (id ${autoId}, time TEXT NOT NULL, device TEXT, client TEXT NOT NULL, uuid TEXT, hwaddr TEXT, osname TEXT, build TEXT, arch TEXT,
        username TEXT, ipaddr TEXT, profiles TEXT NOT NULL, status INTEGER NOT NULL, reason TEXT)`,
      'CREATE INDEX visits_device ON visits (device, time)',
      'CREATE INDEX visits_time ON visits (time)',
      'CREATE INDEX visits_client ON visits (client)',
      `CREATE TABLE devices (id TEXT PRIMARY KEY, uuid TEXT, hwaddr TEXT, username TEXT, osname TEXT, build TEXT, build_key TEXT, arch TEXT,
        client TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_status INTEGER NOT NULL, last_reason TEXT,
        profiles TEXT NOT NULL, requests INTEGER NOT NULL)`,
      // with the id: the default order (newest first, then id) read from the index, no sort
      'CREATE INDEX devices_last_seen ON devices (last_seen, id)',
      'CREATE INDEX devices_first_seen ON devices (first_seen, id)',
      'CREATE INDEX devices_build ON devices (build_key)',
      'CREATE INDEX devices_username ON devices (username)',
      'CREATE INDEX devices_osname ON devices (osname)',
      `CREATE TABLE looks (client TEXT NOT NULL, method TEXT NOT NULL, interface TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (client, method))`,
      'CREATE INDEX looks_last_seen ON looks (last_seen)',
    ],
    // the status page's summary from indexes, not over every visit or device (issue 16: 859 ms at 100 000 devices)
    [
      'ALTER TABLE devices ADD COLUMN last_provisioned TEXT',
      'UPDATE devices SET last_provisioned = (SELECT MAX(time) FROM visits v WHERE v.device = devices.id AND v.status = 200)',
      'CREATE INDEX devices_last_provisioned ON devices (last_provisioned)',
      'CREATE INDEX devices_build_text ON devices (build)',
      'CREATE INDEX visits_refused ON visits (time, status, reason) WHERE status <> 200',
    ],
  ];
}
