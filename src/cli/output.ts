/**
 * How the command line writes a line for a person. On a terminal or a pipe: as it is. Under
 * journald — systemd handed the stream to the journal and says so in JOURNAL_STREAM — each event
 * is one line, led by its syslog priority (`<3>` error, `<4>` warning, `<6>` information), which
 * the journal stores as the entry's level and strips from the text (sd-daemon(3)); provdisc writes
 * no colour anywhere, so none reaches the journal either.
 */
import fs from 'node:fs';

export const PRIORITY = { error: 3, warning: 4, info: 6, debug: 7 } as const;
export type Level = keyof typeof PRIORITY;
export type Stream = 'stdout' | 'stderr';

const FD: Record<Stream, number> = { stdout: 1, stderr: 2 };
/** Per stream: the JOURNAL_STREAM value last looked at, and whether the stream is that journal stream. */
const known = new Map<Stream, { env: string | undefined; journal: boolean }>();

/**
 * JOURNAL_STREAM is `DEVICE:INODE` of the stream systemd connected; a child whose output was
 * redirected inherits the variable, so it counts only when the descriptor is still that stream.
 */
export function isJournalStream(stream: Stream): boolean {
  const env = process.env.JOURNAL_STREAM;
  const cached = known.get(stream);
  if (cached && cached.env === env) return cached.journal;
  let journal = false;
  const [, dev, ino] = (env === undefined ? null : /^(\d+):(\d+)$/.exec(env)) ?? [];
  if (dev !== undefined && ino !== undefined) {
    try {
      const stat = fs.fstatSync(FD[stream], { bigint: true });
      journal = stat.dev === BigInt(dev) && stat.ino === BigInt(ino);
    } catch {
      journal = false;
    }
  }
  known.set(stream, { env, journal });
  return journal;
}

/**
 * One event: `lines` (a message and, say, its fix) as they are, or, for the journal, joined into one
 * line with `; ` behind the priority, so that a fix is never an entry of its own at another level.
 */
export function formatEvent(level: Level, lines: readonly string[], journal: boolean): string {
  if (!journal) return lines.map((l) => `${l}\n`).join('');
  const parts = lines
    .flatMap((l) => l.split('\n'))
    .map((l, i) => (i === 0 ? l : l.trim()))
    .filter((l, i) => i === 0 || l !== '');
  return `<${PRIORITY[level]}>${parts.join('; ')}\n`;
}

export function writeEvent(stream: Stream, level: Level, ...lines: string[]): void {
  process[stream].write(formatEvent(level, lines, isJournalStream(stream)));
}

/** Lines held back by batchedLines() past this many characters are written at once. */
const BATCH_LIMIT = 64 * 1024;
/** batchedLines() writes at most once per this many ms while lines keep coming. */
const BATCH_MS = 50;

/**
 * A writer for a command that prints a line per event at a high rate (`serve`, a line per request).
 * A line is written at the end of the event-loop turn that logged it, as promptly as a direct write,
 * unless the last write was less than BATCH_MS ago: then it waits for that slot with the lines logged
 * meanwhile, and they all go in one write. Each write to a pipe or socket (journald's included) is a
 * system call that also wakes the reader; one per request cost `serve` more than sending the answers
 * under load (docs/benchmark.md, "Serve"). What is still held when the process exits is written then
 * (writes to pipes, files and terminals are synchronous on Linux), so no line is lost and their order
 * is kept; the timer never keeps the process alive.
 */
export function batchedLines(stream: Stream): (text: string) => void {
  let held: string[] = [];
  let length = 0;
  let lastWrite = -Infinity;
  let scheduled: { cancel(): void } | undefined;
  const flush = () => {
    scheduled?.cancel();
    scheduled = undefined;
    if (held.length === 0) return;
    const text = held.join('');
    held = [];
    length = 0;
    lastWrite = performance.now();
    process[stream].write(text);
  };
  const schedule = () => {
    const wait = lastWrite + BATCH_MS - performance.now();
    if (wait <= 0) {
      const immediate = setImmediate(flush).unref();
      scheduled = { cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(flush, wait).unref();
      scheduled = { cancel: () => clearTimeout(timer) };
    }
  };
  process.on('exit', flush);
  return (text) => {
    held.push(text);
    length += text.length;
    if (length >= BATCH_LIMIT) flush();
    else if (!scheduled) schedule();
  };
}

/**
 * A writer for a long listing (`devices` over 100 000 devices): lines are gathered and written
 * BATCH_LIMIT characters at a time — one system call per few hundred lines, never the whole listing
 * held — waiting for the stream to drain when it asks to (a socket; pipes and files are synchronous).
 */
export function chunkedOutput(stream: Stream): { write(text: string): Promise<void>; end(): Promise<void> } {
  let held = '';
  const flush = async () => {
    const text = held;
    held = '';
    if (text !== '' && !process[stream].write(text)) await new Promise((resolve) => process[stream].once('drain', resolve));
  };
  return {
    write: async (text) => {
      held += text;
      if (held.length >= BATCH_LIMIT) await flush();
    },
    end: flush,
  };
}
