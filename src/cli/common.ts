/** What every subcommand shares: error reporting, warnings, exit codes. */
import { UsageError } from '../errors.js';

export const EXIT_OK = 0;
/** Usage, input or runtime error. */
export const EXIT_ERROR = 1;
/** `discover`: nothing found before the timeout. */
export const EXIT_NOT_FOUND = 2;

export function warn(message: string): void {
  process.stderr.write(`provdisc: warning: ${message}\n`);
}

export function info(message: string): void {
  process.stderr.write(`provdisc: ${message}\n`);
}

/** Prints an error the way a user should see it: the problem, then how to fix it, no stack trace. */
export function reportError(err: unknown): void {
  if (err instanceof UsageError) {
    process.stderr.write(`provdisc: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  fix: ${err.hint}\n`);
    return;
  }
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(`provdisc: error: ${e?.message ?? String(err)}\n`);
  if (process.env.PROVDISC_DEBUG && e?.stack) process.stderr.write(`${e.stack}\n`);
}

/**
 * Wraps a subcommand's action: a thrown error is reported and becomes exit code 1; the action's
 * own number (if any) becomes the exit code.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT_OK;
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

export function parsePort(value: string, what = '--port'): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new UsageError(`${what} "${value}" is not a port number`, 'use a number from 1 to 65535');
  }
  return n;
}
