/**
 * The `${uuid}` a client sends: Jitsi makes one random UUID on first start and keeps it in its
 * configuration; provdisc keeps its own in a small state file so that every run reports the same one.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../util/atomic-write.js';
import { setting, UsageError } from '../util/errors.js';

/** Overrides the state file's location (the `uuidFile` setting wins over it). */
export const UUID_FILE_ENV = 'PROVDISC_UUID_FILE';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `uuidFile`, else $PROVDISC_UUID_FILE, else `$XDG_STATE_HOME/provdisc/uuid`, else `~/.local/state/provdisc/uuid`. */
export function uuidStatePath(override: string | undefined, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (override) return path.resolve(override);
  if (env[UUID_FILE_ENV]) return path.resolve(env[UUID_FILE_ENV]);
  const stateHome = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  return path.join(stateHome, 'provdisc', 'uuid');
}

/** Reads the UUID kept in `file`, or makes one and keeps it there. */
export async function loadOrCreateUuid(file: string): Promise<{ uuid: string; created: boolean }> {
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(
        `cannot read the UUID file ${file}: ${(err as Error).message}`,
        `fix its permissions, or choose another with ${setting('uuidFile')} or ${UUID_FILE_ENV}`,
        'invalid-file',
      );
    }
  }
  if (text !== undefined) {
    const uuid = text.trim();
    if (!UUID.test(uuid)) {
      throw new UsageError(
        `the UUID file ${file} holds "${uuid.slice(0, 40)}", not a UUID`,
        'delete the file to get a new UUID, or write one such as 123e4567-e89b-42d3-a456-426614174000',
        'invalid-file',
      );
    }
    return { uuid: uuid.toLowerCase(), created: false };
  }
  const uuid = randomUUID();
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomically(file, `${uuid}\n`, { mode: 0o600 });
  } catch (err) {
    throw new UsageError(
      `cannot keep the UUID in ${file}: ${(err as Error).message}`,
      `choose a writable place with ${setting('uuidFile')} or ${UUID_FILE_ENV}`,
      'invalid-file',
    );
  }
  return { uuid, created: true };
}
