/**
 * The embedded backend: one SQLite file through better-sqlite3 (synchronous, so a batch is written
 * in one go between requests; WAL, so `provdisc devices` reads while `serve` writes). 12.x: 13.x
 * needs Node 22 and crashes on Node 20. The busy timeout is short on purpose: a file locked by
 * another writer fails the batch, which the write queue retries, rather than stalling every request.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import QuickLRU from 'quick-lru';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { migrate, schemaMigrations, type SqlConnection, type SqlDatabase, type SqlValue } from './sql.js';

const BUSY_TIMEOUT_MS = 20;

class SqliteDatabase implements SqlDatabase {
  readonly backend = 'sqlite' as const;
  /** Prepared once: the same few statements run for every batch and page. */
  private readonly statements = new QuickLRU<string, BetterSqlite3.Statement>({ maxSize: 200 });
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: BetterSqlite3.Database) {}

  query<R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    try {
      const statement = this.prepared(sql, false);
      return Promise.resolve(statement.reader ? (statement.all(...params) as R[]) : (statement.run(...params), []));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  arrays(sql: string, params: readonly SqlValue[] = []): Promise<SqlValue[][]> {
    try {
      return Promise.resolve(this.prepared(sql, true).all(...params) as SqlValue[][]);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** A statement is in one mode (objects or arrays) for good: each mode has its own. */
  private prepared(sql: string, raw: boolean): BetterSqlite3.Statement {
    const key = `${raw ? 'arrays' : 'objects'} ${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (raw) statement.raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** One connection: a transaction waits for the one before (pruning and a batch may overlap). */
  transaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T> {
    const next = this.last.then(
      () => this.inTransaction(fn),
      () => this.inTransaction(fn),
    );
    this.last = next;
    return next;
  }

  private async inTransaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this);
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/** The SQLite file `file`, its schema brought up to date. */
export async function openSqlite(file: string, { readOnly = false }: { readOnly?: boolean } = {}): Promise<SqlDatabase> {
  const Database = requireCjs('better-sqlite3') as typeof BetterSqlite3;
  let raw: BetterSqlite3.Database;
  try {
    // user names, addresses and MACs: readable by the service alone (SQLite gives its -wal and -shm
    // files the database's own mode)
    if (!readOnly) closeSync(openSync(file, 'a', 0o600));
    raw = new Database(file, { fileMustExist: readOnly, timeout: BUSY_TIMEOUT_MS });
    raw.pragma('journal_mode = WAL');
    // WAL with NORMAL: a power cut may lose the last batches, never corrupt the file
    raw.pragma('synchronous = NORMAL');
  } catch (err) {
    const missing = readOnly && (err as { code?: string }).code === 'SQLITE_CANTOPEN';
    throw new UsageError(
      missing ? `there is no inventory at ${file} yet` : `cannot open the inventory ${file}: ${(err as Error).message}`,
      missing
        ? `provdisc serve creates it with the first request it answers (inventory in [serve])`
        : `check inventory in [serve]: a file path (relative to the site file) in a directory provdisc can write`,
      'invalid-setting',
    );
  }
  const db = new SqliteDatabase(raw);
  try {
    await migrate(db, schemaMigrations('INTEGER PRIMARY KEY'));
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
