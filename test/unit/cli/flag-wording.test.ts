import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inFlags } from '../../../src/cli/common.js';
import { setting } from '../../../src/util/errors.js';
import { defined } from '../../defined.js';

const SRC = new URL('../../../src/', import.meta.url).pathname;

/** Every name the library passes to setting(), read from its sources. */
function settingsNamed(): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const m of text.matchAll(/setting\('([\w.]+)'\)/g)) names.add(defined(m[1]));
  }
  return names;
}

describe("the library's settings, said as flags", () => {
  it('maps each setting in a text to its flag and leaves other quoted words alone', () => {
    expect(inFlags(`${setting('name')} "" is 0 bytes; use ${setting('via')} bonjour`)).toBe('--name "" is 0 bytes; use --via bonjour');
    expect(inFlags(`trust it with ${setting('tls.ca')} (PEM)`)).toBe('trust it with --ca-file FILE (PEM)');
    expect(inFlags('a `code` span and `no such setting`')).toBe('a `code` span and `no such setting`');
  });

  it('knows a flag for every setting a library message names', () => {
    const named = [...settingsNamed()];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => inFlags(setting(n)) === setting(n))).toEqual([]);
  });
});
