/**
 * Numbers a user types, in a flag or in the configuration file. `what` names where the text came from
 * (`--timeout`, `provdisc.ini: [discover] key "timeout"`), so the message points at it.
 */
import { UsageError } from './errors.js';

/** Node fires a timer at once, with only a warning, when its delay is above 2^31 − 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function wholeNumber(text: string, max: number): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= max ? n : undefined;
}

/** A duration in milliseconds; `example` shows a valid one in the syntax the user typed. */
export function parseMilliseconds(text: string, what: string, example: string): number {
  const n = wholeNumber(text, MAX_TIMER_MS);
  if (n === undefined) {
    throw new UsageError(
      `${what} is "${text}", not a number of milliseconds`,
      `use a whole number from 1 to ${MAX_TIMER_MS}, e.g. ${example}`,
      'invalid-setting',
    );
  }
  return n;
}

export function parsePort(text: string, what: string): number {
  const n = wholeNumber(text, 65535);
  if (n === undefined) throw new UsageError(`${what} is "${text}", not a port number`, 'use a number from 1 to 65535', 'invalid-setting');
  return n;
}

const AGE_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** An age such as `7d`, `12h`, `30m` or `2w`, in milliseconds. */
export function parseAge(text: string, what: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  const n = m ? wholeNumber(m[1] ?? '', 100_000) : undefined;
  if (!m || n === undefined) throw new UsageError(`${what} is "${text}", not an age`, 'write a number and m, h, d or w: 30m, 12h, 7d, 2w', 'invalid-setting');
  return n * (AGE_UNIT_MS[m[2] ?? 'd'] ?? 0);
}
