/**
 * Writing files so that a reader (avahi-daemon reloads on change) never sees half a file, and a
 * failure leaves every file as it was: the new content goes to a temporary file in the same directory,
 * is flushed to disk, then renamed over the target. Several files are staged first and committed
 * together, so an error while preparing one leaves all of them untouched. The renames themselves
 * happen one after the other: should one fail (the temporary file sits in the same directory, so
 * this is rare), the files before it are written and the others keep their old content.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type WriteOutcome = 'created' | 'replaced' | 'unchanged';

export interface StagedWrite {
  readonly file: string;
  readonly outcome: WriteOutcome;
  /** Where the previous content is kept when `outcome` is 'replaced' and a backup was asked for. */
  readonly backup: string | undefined;
  /** Renames the staged file(s) into place. */
  commit(): Promise<void>;
  /** Removes the temporary file(s); the target stays as it was. */
  discard(): Promise<void>;
}

export interface WriteOptions {
  /** Default 0644: Avahi and other readers run as other users. */
  readonly mode?: number;
  /** Keep the previous content in `<file>.bak` when it differs. */
  readonly backup?: boolean;
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` to a fresh temporary file next to `file`, flushed, with `mode` whatever the umask. */
async function writeTemp(file: string, data: Buffer, mode: number): Promise<string> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/** The rename is only durable once the directory entry is flushed too; not every system allows it. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** Prepares writing `content` to `file` without touching `file` yet. */
export async function stageWrite(file: string, content: string | Buffer, options: WriteOptions = {}): Promise<StagedWrite> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const mode = options.mode ?? 0o644;
  const previous = await readIfExists(file);
  if (previous !== undefined && previous.equals(data)) {
    return { file, outcome: 'unchanged', backup: undefined, commit: async () => undefined, discard: async () => undefined };
  }
  const staged = [{ temp: await writeTemp(file, data, mode), target: file }];
  const backup = previous !== undefined && options.backup ? `${file}.bak` : undefined;
  if (backup !== undefined && previous !== undefined) {
    try {
      staged.push({ temp: await writeTemp(backup, previous, mode), target: backup });
    } catch (err) {
      await Promise.all(staged.map((s) => fs.rm(s.temp, { force: true })));
      throw err;
    }
  }
  return {
    file,
    outcome: previous === undefined ? 'created' : 'replaced',
    backup,
    // the backup goes in first: if renaming the new file then fails, the old content is still in place
    commit: async () => {
      for (const s of [...staged].reverse()) await fs.rename(s.temp, s.target);
      await syncDirectory(path.dirname(file));
    },
    discard: async () => {
      await Promise.all(staged.map((s) => fs.rm(s.temp, { force: true })));
    },
  };
}

/** Commits every staged write, or none if staging any of them failed; never leaves a temporary file. */
export async function writeFilesAtomically(writes: readonly { file: string; content: string | Buffer; options?: WriteOptions }[]): Promise<StagedWrite[]> {
  const staged: StagedWrite[] = [];
  try {
    for (const w of writes) staged.push(await stageWrite(w.file, w.content, w.options));
  } catch (err) {
    await Promise.all(staged.map((s) => s.discard()));
    throw err;
  }
  for (const [i, s] of staged.entries()) {
    try {
      await s.commit();
    } catch (err) {
      await Promise.all(staged.slice(i).map((rest) => rest.discard()));
      throw err;
    }
  }
  return staged;
}

/** Writes one file atomically; see stageWrite. */
export async function writeFileAtomically(file: string, content: string | Buffer, options?: WriteOptions): Promise<StagedWrite> {
  const [staged] = await writeFilesAtomically([{ file, content, options }]);
  return staged as StagedWrite;
}
