/**
 * Debian's PostgreSQL 15 as the inventory's shared database: a cluster made with initdb in a temp
 * directory, started on this machine's loopback (or a lab host's, for the bench) (a TCP server that needs no LAN) on a free port, its
 * unix socket in the same directory, stopped (and startable again: a database gone mid-run) by the
 * test. PostgreSQL refuses to run as root, and CI runs as root: then every command runs as the
 * `postgres` user (setpriv, which execs in place, so a signal reaches the server itself), which
 * owns the directory.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBounded, type SpawnedProcess } from './process.js';
import { freeLoopbackPort, LOCAL, type Launcher } from './slapd.js';

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const USER = 'postgres';

/** `cmd args` as the postgres user when we are root, else as ourselves. */
function asOwner(cmd: string, args: string[], ids: { uid: number; gid: number } | undefined): [string, string[]] {
  return ids ? ['setpriv', [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups', '--', cmd, ...args]] : [cmd, args];
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([runBounded('id', ['-u', USER]), runBounded('id', ['-g', USER])]);
  if (uid.code !== 0) throw new Error(`there is no ${USER} user to run PostgreSQL as (package postgresql makes it)`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface PostgresPeer {
  /** postgres://provdisc@127.0.0.1:PORT/provdisc */
  readonly url: string;
  readonly port: number;
  /** Starts the server again (after stop), on the same port and data. */
  start(): Promise<void>;
  /** A fast shutdown: connections are cut, as when the database host goes away. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

/** Starts a fresh cluster where `at` runs things: this machine (LOCAL) or a lab host's loopback. */
export async function startPostgres(at: Launcher = LOCAL): Promise<PostgresPeer> {
  const ids = await postgresIds();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-postgres-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = path.join(dir, 'data');
  const run = async (cmd: string, args: string[]) => {
    const [c, a] = asOwner(path.join(POSTGRES_BIN, cmd), args, ids);
    const result = await at.run(c, a, { timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`${cmd} failed (${result.code}): ${result.stderr}`);
  };
  await run('initdb', ['-D', data, '-U', 'provdisc', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freeLoopbackPort();
  let server: SpawnedProcess | undefined;
  const start = async () => {
    // fsync off: a test cluster, thrown away after
    const [c, a] = asOwner(path.join(POSTGRES_BIN, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-c', 'fsync=off'], ids);
    const proc = at.spawn(c, a, { description: `postgres 127.0.0.1:${port}` });
    server = proc;
    await proc.waitForLine(/database system is ready to accept connections/, 30_000, 'stderr');
  };
  const stop = async () => {
    // SIGINT: fast shutdown (SIGTERM would wait for every client to leave)
    await server?.stop(10_000, 'SIGINT');
    server = undefined;
  };
  await start();
  await run('createdb', ['-h', dir, '-p', String(port), '-U', 'provdisc', 'provdisc']);
  return {
    url: `postgres://provdisc@127.0.0.1:${port}/provdisc`,
    port,
    start,
    stop,
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
