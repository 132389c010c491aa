/** What every subcommand shares: error reporting, warnings, exit codes, reading --config and number flags. */
import { writeEvent } from './output.js';
import { parseVia, type DiscoveryMethod } from '../via/methods.js';
import { loadConfig, type ConfigSection, type ProvdiscConfig } from '../config/config-file.js';
import { readFile } from 'node:fs/promises';
import type { StagedWrite } from '../util/atomic-write.js';
import { ProvdiscError, UsageError, type Problem } from '../util/errors.js';
import { parseMilliseconds, parsePort } from '../util/numbers.js';

export const EXIT_OK = 0;
/** Usage, input or runtime error. */
export const EXIT_ERROR = 1;
/** `discover`: nothing found before the timeout. */
export const EXIT_NOT_FOUND = 2;

/**
 * The library names its settings in backquotes (`setting()` in util/errors.ts); the command line says
 * how its user gives each one. A setting maps to one flag in every command.
 */
const FLAG_OF: Readonly<Record<string, string>> = {
  name: '--name',
  host: '--host',
  address: '--address',
  via: '--via',
  interfaces: '--interface',
  subnet: '--subnet',
  format: '--format',
  config: '--config',
  overrides: '--set',
  allowEnv: '--allow-env',
  uuidFile: '--uuid-file',
  configuration: '--config-file',
  username: '--username',
  readPassword: '--password-stdin',
  askCredentials: 'run it in a terminal to be asked',
  askAgain: 'run it in a terminal to be asked',
  'tls.ca': '--ca-file FILE',
  'tls.insecure': '--insecure',
  // only provision's request timeout is named in a message; discover's `timeoutMs` never is
  timeoutMs: '--request-timeout',
  // devices: what the inventory is filtered by
  build: '--build',
};

/** A library text with each setting it names said as the command line's flag. */
export function inFlags(text: string): string {
  return text.replace(/`([\w.]+)`/g, (whole, name: string) => FLAG_OF[name] ?? whole);
}

export function warn(message: string): void {
  writeEvent('stderr', 'warning', `provdisc: warning: ${inFlags(message)}`);
}

export function info(message: string): void {
  writeEvent('stderr', 'info', `provdisc: ${inFlags(message)}`);
}

/** Prints an error the way a user should see it: the problem, then how to fix it, no stack trace. */
export function reportError(err: unknown): void {
  if (err instanceof ProvdiscError) {
    writeEvent('stderr', 'error', `provdisc: error: ${inFlags(err.message)}`, ...(err.hint ? [`  fix: ${inFlags(err.hint)}`] : []));
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
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | undefined> | number | undefined) {
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

/**
 * The action of a command that writes a file from a template or, with `--check FILE`, checks one
 * (`checked` names what it reads, for the error when a template is given too).
 */
export function writeOrCheck<F extends { config?: string; check?: string; json?: boolean }>(
  command: ConfigSection,
  checked: string,
  write: (templateArg: string | undefined, flags: F, config: ProvdiscConfig) => Promise<number>,
  check: (file: string, flags: F, config: ProvdiscConfig) => Promise<number>,
) {
  return action(async (templateArg: string | undefined, flags: F) => {
    const config = readConfig(flags.config, command);
    if (flags.json && flags.check === undefined) throw new UsageError('--json only applies to --check', 'add --check FILE, or drop --json');
    if (flags.check === undefined) return write(templateArg, flags, config);
    if (templateArg !== undefined) throw new UsageError(`--check reads ${checked} and takes no template`, 'drop the template, or drop --check to write a file');
    return check(flags.check, flags, config);
  });
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
  writeEvent('stderr', 'error', `provdisc: problem: ${inFlags(p.message)}`, `  fix: ${inFlags(p.fix)}`);
}

/**
 * The URI template from the command line, else from the --config file; none is the user's mistake.
 * `example` is the command line the hint shows, `orElse` another way the command has to find one.
 */
export function templateSetting(argument: string | undefined, config: ProvdiscConfig, example: string, orElse?: string): string {
  const template = argument ?? config.template;
  if (template !== undefined) return template;
  const given = `pass one: provdisc ${example}`;
  const inConfig = 'set template in the --config file';
  throw new UsageError('no URI template given', orElse === undefined ? `${given}, or ${inConfig}` : `${given}, ${inConfig}, or ${orElse}`);
}

/** A flag that takes one value whose config key is a list: the flag wins, else the list's only value. */
export function singleSetting(
  flag: string | undefined,
  list: readonly string[] | undefined,
  refuse: { problem: (count: number) => string; fix: string },
): string | undefined {
  if (flag !== undefined) return flag;
  if (list !== undefined && list.length > 1) throw new UsageError(refuse.problem(list.length), refuse.fix);
  return list?.[0];
}

/** --via, else the file's `via`, else Bonjour only. */
export function viaOption(flag: string | undefined, config: ProvdiscConfig): DiscoveryMethod[] {
  return flag !== undefined ? parseVia(flag.split(','), '--via') : parseVia(config.via ?? ['bonjour'], 'the via setting');
}
