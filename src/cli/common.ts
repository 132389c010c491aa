/** What every subcommand shares: error reporting, warnings, exit codes, reading --config and number flags. */
import { writeEvent } from './output.js';
import { parseVia, type DiscoveryMethod } from '../via/methods.js';
import { loadConfig, type ConfigSection, type ProvdiscConfig } from '../config/config-file.js';
import { readFile } from 'node:fs/promises';
import type { StagedWrite } from '../util/atomic-write.js';
import { UsageError, type Problem } from '../util/errors.js';
import { parseMilliseconds, parsePort } from '../util/numbers.js';

export const EXIT_OK = 0;
/** Usage, input or runtime error. */
export const EXIT_ERROR = 1;
/** `discover`: nothing found before the timeout. */
export const EXIT_NOT_FOUND = 2;

export function warn(message: string): void {
  writeEvent('stderr', 'warning', `provdisc: warning: ${message}`);
}

export function info(message: string): void {
  writeEvent('stderr', 'info', `provdisc: ${message}`);
}

/** Prints an error the way a user should see it: the problem, then how to fix it, no stack trace. */
export function reportError(err: unknown): void {
  if (err instanceof UsageError) {
    writeEvent('stderr', 'error', `provdisc: error: ${err.message}`, ...(err.hint ? [`  fix: ${err.hint}`] : []));
    return;
  }
  const e = err as NodeJS.ErrnoException;
  writeEvent('stderr', 'error', `provdisc: error: ${e?.message ?? String(err)}`);
  if (process.env.PROVDISC_DEBUG && e?.stack) writeEvent('stderr', 'debug', e.stack);
}

/**
 * Wraps a subcommand's action: a thrown error is reported and becomes exit code 1; the action's
 * own number (if any) becomes the exit code, unless an error was already reported while it ran
 * (standard output failing, see main).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      if (!process.exitCode) process.exitCode = code ?? EXIT_OK;
    } catch (err) {
      reportError(err);
      process.exitCode = EXIT_ERROR;
    }
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The settings of `--config FILE` for `command`, or none without the flag. */
export function readConfig(file: string | undefined, command: ConfigSection): ProvdiscConfig {
  return file === undefined ? {} : loadConfig(file, command);
}

/** A milliseconds flag such as --timeout, checked; undefined when not given, so `pick` can fall back to the file. */
export function millisecondsFlag(flag: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseMilliseconds(text, flag, `${flag} 3000`);
}

export function portFlag(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parsePort(text, '--port');
}

/** A file's text, or undefined when it does not exist; any other failure is the user's to fix. */
export async function readText(file: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the ${what} ${file}: ${e.message}`, 'check the path and its permissions');
  }
}

/** What an atomic write did, for the user. */
export function describeWrite(w: StagedWrite): string {
  switch (w.outcome) {
    case 'created':
      return `wrote ${w.file}`;
    case 'unchanged':
      return `${w.file} is unchanged`;
    case 'replaced':
      return w.backup === undefined ? `replaced ${w.file}` : `replaced ${w.file}; the previous version is in ${w.backup}`;
  }
}

/** A problem a --check found: what, then how to fix it. */
export function printProblem(p: Problem): void {
  writeEvent('stderr', 'error', `provdisc: problem: ${p.message}`, `  fix: ${p.fix}`);
}

/** A flag that takes one value whose config key is a list: the flag wins, else the list's only value. */
export function singleSetting(flag: string | undefined, list: readonly string[] | undefined, refuse: { problem: (count: number) => string; fix: string }): string | undefined {
  if (flag !== undefined) return flag;
  if (list !== undefined && list.length > 1) throw new UsageError(refuse.problem(list.length), refuse.fix);
  return list?.[0];
}

/** --via, else the file's `via`, else Bonjour only. */
export function viaOption(flag: string | undefined, config: ProvdiscConfig): DiscoveryMethod[] {
  return flag !== undefined ? parseVia(flag.split(','), '--via') : parseVia(config.via ?? ['bonjour'], 'the via setting');
}
