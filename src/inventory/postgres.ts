/**
 * The shared backend: PostgreSQL through `pg`, so that several `serve` instances behind one name keep
 * one inventory. A small pool; short connection and statement timeouts, so that a database gone
 * away fails a batch quickly (the write queue retries it) instead of holding it for minutes.
 */
import type * as Pg from 'pg';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { inventoryLabel } from './inventory.js';
import { migrate, schemaMigrations, type SqlConnection, type SqlDatabase, type SqlValue } from './sql.js';

const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 3_000;
const QUERY_TIMEOUT_MS = 10_000;
/** Held in each migration's transaction: instances starting together migrate one at a time. */
const MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock(7316458201)';

/** `?` placeholders as PostgreSQL's `$1, $2…` (the store's SQL has no `?` elsewhere). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

async function run<R>(client: Pg.Pool | Pg.PoolClient, sql: string, params: readonly SqlValue[]): Promise<R[]> {
  const result = await client.query(numbered(sql), params as SqlValue[]);
  return result.rows as R[];
}

class PostgresDatabase implements SqlDatabase {
  readonly backend = 'postgres' as const;

  constructor(private readonly pool: Pg.Pool) {}

  query<R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return run<R>(this.pool, sql, params);
  }

  async arrays(sql: string, params: readonly SqlValue[] = []): Promise<SqlValue[][]> {
    const result = await this.pool.query({ text: numbered(sql), values: params as SqlValue[], rowMode: 'array' });
    return result.rows as SqlValue[][];
  }

  async transaction<T>(fn: (tx: SqlConnection) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn({ query: (sql, params = []) => run(client, sql, params) });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // a connection that failed is not given back to the pool: the next batch gets a fresh one
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The PostgreSQL database at `url`, its schema brought up to date. */
export async function openPostgres(url: string, { warn }: { warn?: ((message: string) => void) | undefined } = {}): Promise<SqlDatabase> {
  const { Pool } = requireCjs('pg') as typeof Pg;
  const pool = new Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
  });
  // an idle connection the server closes (a restart) is an 'error' event: unheard, it would end serve
  pool.on('error', (err) => warn?.(`the inventory (postgres) lost a connection: ${err.message}`));
  const db = new PostgresDatabase(pool);
  try {
    await migrate(db, schemaMigrations('BIGSERIAL PRIMARY KEY'), MIGRATION_LOCK);
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `cannot use the inventory ${inventoryLabel(url)}: ${(err as Error).message}`,
      `check inventory in [serve] (postgres://USER@HOST:PORT/DATABASE), that PostgreSQL runs and lets this user create tables`,
      'invalid-setting',
    );
  }
  return db;
}
