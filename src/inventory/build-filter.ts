/**
 * Jitsi builds are `2.10.5550` or `5012`: compared number by number (`2.10.5550` < `2.11` < `5012`),
 * never as text. Each build is stored with a key that sorts as the builds compare — every numeric
 * part zero-padded — so the database answers `<5000` with an index, whatever the backend.
 */
import { setting, UsageError } from '../util/errors.js';

const PART_WIDTH = 12;

/** A text whose order is the builds' order: `2.10.5550` → `000000000002.000000000010.000000005550`. */
export function buildKey(build: string): string {
  return build
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? part.replace(/^0+(?=\d)/, '').padStart(PART_WIDTH, '0') : part))
    .join('.');
}

/** Negative, zero or positive as build `a` is older than, the same as or newer than `b`. */
export function compareBuilds(a: string, b: string): number {
  const [x, y] = [buildKey(a), buildKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export type BuildComparison = '<' | '<=' | '>' | '>=' | '=' | '!=';

export type BuildFilter = { readonly op: BuildComparison; readonly key: string } | { readonly glob: string };

/** `<5000`, `>=2.10`, `=5012`, `!=5012`, or a glob (`2.10.*`). */
export function parseBuildFilter(text: string): BuildFilter {
  const m = /^(<=|>=|!=|<|>|=)\s*(.*)$/.exec(text.trim());
  if (!m) {
    if (text.trim() === '') throw new UsageError(`${setting('build')} is empty`, "give a build such as '<5000', '>=2.10' or '2.10.*'");
    return { glob: text.trim() };
  }
  const [, op, build] = m;
  if (build === undefined || !/^[\w.-]+$/.test(build)) {
    throw new UsageError(
      `${setting('build')} "${text}" compares with no build`,
      "write it as '<5000', '>=2.10.5550' or '=5012' (quote it: < and > are shell redirections)",
    );
  }
  return { op: op as BuildComparison, key: buildKey(build) };
}
