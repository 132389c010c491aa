/**
 * The users file of `provdisc serve`: one `name:hash` line per user, written by `provdisc passwd`.
 * The hash is scrypt (node's own, memory-hard) with a random salt per user:
 * `$scrypt$N=16384,r=8,p=1$<salt, base64>$<key, base64>`. A login costs one scrypt run, and so does a
 * login with an unknown name, so answers do not tell which names exist.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { limitFunction } from 'p-limit';
import { writeFileAtomically } from '../util/atomic-write.js';
import { UsageError } from '../util/errors.js';

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const HASH = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * The scrypt parameters a users file may hold. Below N=2^10 a hash is cheap to brute-force; above
 * 128 MiB (128·N·r bytes) or 8 times today's work (N·r·p), one login takes seconds and hundreds of
 * MB (N=2^20 measured 3.7 s and 1.18 GB), which a few guesses would turn against the server.
 * N must be a power of two (scrypt refuses anything else); the key 16 to 64 bytes.
 */
export const SCRYPT_LIMITS = { minN: 2 ** 10, maxMemoryBytes: 128 * 2 ** 20, maxWork: 8 * SCRYPT.N * SCRYPT.r * SCRYPT.p, keyBytes: [16, 64] } as const;

/** name → hash line, in file order. */
export type UserTable = ReadonlyMap<string, string>;

/**
 * scrypt runs on libuv's thread pool (4 threads by default), which file and DNS work share: a flood
 * of logins waits here, in JavaScript, instead of queueing thousands of hashes in front of that work.
 */
export const SCRYPT_AT_ONCE = 4;

/**
 * Whose logins a check queues with: the clients', or the status page's admins, who have a lane of
 * their own (one at a time) so that an admin opening the page during a storm of clients' logins waits
 * for one hash on the pool, not behind the whole storm.
 */
export type LoginLane = 'clients' | 'admins';

const lane = (concurrency: number) =>
  limitFunction(
    (password: string, salt: Buffer, options: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>>, bytes: number) =>
      // N=16384, r=8 needs 16 MiB; node's default cap is 32 MiB
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, salt, bytes, { ...options, maxmem: 256 * options.N * options.r }, (err, key) => (err ? reject(err) : resolve(key))),
      ),
    { concurrency },
  );
const lanes = { clients: lane(SCRYPT_AT_ONCE), admins: lane(1) };

/** A salted hash of `password`; `N` (a power of two within SCRYPT_LIMITS) trades login time for brute-force cost. */
export function hashPassword(password: string, N: number = SCRYPT.N): Promise<string> {
  return hashIn('clients', password, N);
}

async function hashIn(by: LoginLane, password: string, N: number): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await lanes[by](password, salt, { ...SCRYPT, N }, KEY_BYTES);
  return `$scrypt$N=${N},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Hashes unknown names are checked against, by N, so they cost what a known one does. */
const decoys = new Map<number, Promise<string>>();

/**
 * Whether `password` is the one `hash` was made from; false for a malformed hash. For an unknown
 * name (`hash` undefined) a decoy with the N of `like` (another user's hash) is checked instead.
 */
export async function verifyPassword(password: string, hash: string | undefined, like?: string, by: LoginLane = 'clients'): Promise<boolean> {
  const decoyN = Number(HASH.exec(like ?? '')?.[1] ?? SCRYPT.N);
  let decoy = decoys.get(decoyN);
  // made in the asker's lane: an admin's first unknown name must not wait behind the clients' queue
  if (!decoy) decoys.set(decoyN, (decoy = hashIn(by, randomBytes(16).toString('hex'), decoyN)));
  const m = HASH.exec(hash ?? (await decoy));
  if (!m) return false;
  const expected = Buffer.from(m[5] ?? '', 'base64');
  const key = await lanes[by](password, Buffer.from(m[4] ?? '', 'base64'), { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, expected.length);
  return hash !== undefined && timingSafeEqual(key, expected);
}

/** Whether `name` is in `table` with `password`; an unknown name costs the same scrypt run as a known one. */
export function checkUserPassword(table: UserTable | undefined, name: string, password: string, by: LoginLane = 'clients'): Promise<boolean> {
  // the decoy takes the cost of the file's first hash
  return verifyPassword(password, table?.get(name), table?.values().next().value, by);
}

/**
 * What is wrong with a user name, or undefined. Whitespace (a leading space looks like none), `:`
 * (the file's separator) and control characters make names nobody can see or type the same way twice.
 */
function userNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (/[\s\p{Cc}]/u.test(name)) return 'holds whitespace or a control character';
  if (name.includes(':')) return "holds ':'";
  return undefined;
}

/** A user name Jitsi can send and the file can hold. */
export function checkUserName(name: string): void {
  const problem = userNameProblem(name);
  if (problem)
    throw new UsageError(
      `the user name ${JSON.stringify(name)} ${problem}`,
      "choose a name without spaces, control characters or ':' (it is what users type in Jitsi)",
    );
}

/** What is wrong with a hash's scrypt parameters, or undefined (see SCRYPT_LIMITS). */
function scryptProblem(N: number, r: number, p: number, keyBytes: number): string | undefined {
  if (N < SCRYPT_LIMITS.minN || (N & (N - 1)) !== 0) return `N=${N} is not a power of two of at least ${SCRYPT_LIMITS.minN}`;
  if (r < 1 || p < 1) return 'r and p must be at least 1';
  if (128 * N * r > SCRYPT_LIMITS.maxMemoryBytes)
    return `N=${N}, r=${r} needs ${(128 * N * r) / 2 ** 20} MiB a login (at most ${SCRYPT_LIMITS.maxMemoryBytes / 2 ** 20})`;
  if (N * r * p > SCRYPT_LIMITS.maxWork)
    return `N=${N}, r=${r}, p=${p} is over ${SCRYPT_LIMITS.maxWork / (SCRYPT.N * SCRYPT.r * SCRYPT.p)} times the work of provdisc's own hashes`;
  if (keyBytes < SCRYPT_LIMITS.keyBytes[0] || keyBytes > SCRYPT_LIMITS.keyBytes[1])
    return `its key has ${keyBytes} bytes (${SCRYPT_LIMITS.keyBytes.join(' to ')})`;
  return undefined;
}

/** What keeps `hash` from being checked at a login (not a provdisc passwd hash, parameters outside the window), or undefined. */
export function hashProblem(hash: string): string | undefined {
  const m = HASH.exec(hash);
  if (!m) return 'is not a provdisc passwd hash ($scrypt$N=…)';
  const problem = hashParamsProblem(m);
  return problem === undefined ? undefined : `is refused: ${problem}`;
}

/** What is wrong with a parsed hash's parameters, or undefined. */
function hashParamsProblem(m: RegExpExecArray): string | undefined {
  return scryptProblem(Number(m[1]), Number(m[2]), Number(m[3]), Buffer.from(m[5] ?? '', 'base64').length);
}

function parseUsers(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  const fix = 'write users with provdisc passwd NAME --users FILE, not by hand';
  // an editor's byte-order mark would otherwise become part of the first name
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const at = `${file}, line ${i + 1}`;
      const colon = line.lastIndexOf(':');
      const name = line.slice(0, colon);
      const m = HASH.exec(line.slice(colon + 1));
      if (colon <= 0 || !m) throw new UsageError(`${at} is not name:hash`, fix, 'invalid-file');
      const nameProblem = userNameProblem(name);
      if (nameProblem)
        throw new UsageError(
          `${at}: the user name ${JSON.stringify(name)} ${nameProblem}`,
          `rename the user (remove the line and run provdisc passwd NAME --users ${file})`,
          'invalid-file',
        );
      const hashProblem = hashParamsProblem(m);
      if (hashProblem)
        throw new UsageError(
          `${at}: the hash of "${name}" is refused: ${hashProblem}`,
          `set the password again with provdisc passwd ${name} --users ${file}`,
          'invalid-file',
        );
      if (users.has(name)) throw new UsageError(`${at}: "${name}" is given twice`, 'keep one line per user', 'invalid-file');
      users.set(name, m[0]);
    });
  return users;
}

export function readUsers(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the users file ${file}: ${(err as Error).message}`, 'create it with provdisc passwd NAME --users FILE', 'invalid-file');
  }
  return parseUsers(text, file);
}

/** Refuses an N `passwd` may not write: not a power of two, or outside SCRYPT_LIMITS. */
export function checkScryptN(N: number): void {
  const problem = Number.isInteger(N) ? scryptProblem(N, SCRYPT.r, SCRYPT.p, KEY_BYTES) : 'not a number';
  if (problem)
    throw new UsageError(
      `scrypt N=${N} is refused: ${problem}`,
      `give a power of two from ${SCRYPT_LIMITS.minN} to ${SCRYPT_LIMITS.maxWork / (SCRYPT.r * SCRYPT.p)} (provdisc's default is ${SCRYPT.N})`,
    );
}

/** Adds or changes one user, atomically; says which. Other lines are kept as they were. */
export async function setUserPassword(file: string, name: string, password: string, N: number = SCRYPT.N): Promise<'added' | 'changed'> {
  checkUserName(name);
  checkScryptN(N);
  if (password === '') throw new UsageError('the password is empty', 'give a password (Jitsi sends what the user types)');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`cannot read the users file ${file}: ${(err as Error).message}`, 'check its permissions', 'invalid-file');
  }
  const users = parseUsers(text, file);
  const outcome = users.has(name) ? 'changed' : 'added';
  users.set(name, await hashPassword(password, N));
  await writeFileAtomically(file, [...users].map(([n, h]) => `${n}:${h}\n`).join(''), { mode: 0o600 });
  return outcome;
}
