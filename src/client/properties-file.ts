/**
 * Java .properties text as the Jitsi client reads and writes its configuration: the answer is loaded
 * with Properties.load (ISO-8859-1, full Java syntax) into an insertion-ordered map, where a repeated
 * key keeps its first place and takes its last value.
 */
import type * as DotProperties from 'dot-properties';
import type { Node, Pair } from 'dot-properties';
import { requireCjs } from '../util/cjs.js';
import { PASSWORD_MASK } from './post-form.js';

/** Only `provision` reads .properties: the parser is loaded on first use. */
function dotProperties(): typeof DotProperties {
  return requireCjs('dot-properties') as typeof DotProperties;
}

/** One `key=value` of a .properties text, escapes decoded, with its (first) line number. */
export interface PropertyLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Java's Properties.load(InputStream) reads bytes as ISO-8859-1, whatever the server says. */
export function decodeAnswer(body: Buffer): string {
  return body.toString('latin1');
}

/** Every pair of a .properties text in order, repeats kept (full Java syntax, by dot-properties). */
export function parseProperties(text: string): PropertyLine[] {
  const nodes = dotProperties().parseLines(text, true) as Required<Node>[];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return nodes.filter((n): n is Required<Pair> => n.type === 'PAIR').map((p) => ({ key: p.key, value: p.value, line: lineOf(p.range[0]) }));
}

/** A configuration: key → value, in the order keys first appeared. */
export type Configuration = Map<string, string>;

/** Loads a .properties text the way Java does: a repeated key keeps its first place and its last value. */
export function toConfiguration(lines: readonly PropertyLine[]): Configuration {
  const config: Configuration = new Map();
  for (const l of lines) config.set(l.key, l.value);
  return config;
}

/**
 * A password, clear or as the client stores it: with no master password set, an `ENCRYPTED_PASSWORD`
 * decrypts to the password on any machine (the key comes from a single space), so it is masked too.
 */
export function isSecretKey(key: string): boolean {
  return /PASSWORD$/i.test(key);
}

export function maskValue(key: string, value: string): string {
  return isSecretKey(key) && value !== '' ? PASSWORD_MASK : value;
}

/** A .properties text Java reads back (`key=value`, non-Latin-1 characters as \uXXXX). */
export function formatProperties(config: ReadonlyMap<string, string>, mask = false): string {
  if (config.size === 0) return '';
  return `${dotProperties().stringify(
    [...config].map(([k, v]) => [k, mask ? maskValue(k, v) : v]),
    { keySep: '=', lineWidth: null },
  )}\n`;
}
