import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintAnswer } from '../../../src/client/answer-lints.js';
import { jitsiCatalog } from '../../../src/client/jitsi-catalog.js';
import { applyAnswer } from '../../../src/client/jitsi-rules.js';
import { parseProperties } from '../../../src/client/properties-file.js';
import { defined } from '../../defined.js';

const root = path.resolve(import.meta.dirname, '../../..');
const examples = path.join(root, 'examples/lockdown');
const doc = readFileSync(path.join(root, 'docs/lockdown.md'), 'utf8');

/** The key table of docs/lockdown.md: key → the value that hides. */
const table = new Map([...doc.matchAll(/^\| `([^`]+)` \| (true|false) \| (.+) \|$/gm)].map((m) => [defined(m[1]), defined(m[2])]));

describe('lockdown: docs/lockdown.md and examples/lockdown/ against the catalog', () => {
  it('every key of the table is one the client reads (in the catalog), with the opposite default where the catalog knows it', () => {
    expect(table.size).toBeGreaterThan(40);
    const catalog = jitsiCatalog();
    for (const [key, value] of table) {
      expect(catalog.entry(key), key).toBeDefined();
      const fallback = catalog.entry(key)?.default;
      if (fallback !== undefined) expect(fallback, key).not.toBe(value);
    }
  });

  it('every example sets keys of the table to their hiding value, and passes every lint', () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.properties'));
    expect(files.length).toBe(5);
    for (const f of files) {
      expect(doc).toContain(`(../examples/lockdown/${f})`);
      const text = readFileSync(path.join(examples, f), 'latin1');
      const lines = parseProperties(text);
      for (const l of lines) expect(table.get(l.key), `${f}: ${l.key}`).toBe(l.value);
      expect(
        lintAnswer(text, applyAnswer(new Map(), lines), { contentType: 'text/plain' }).filter((l) => l.level !== 'info'),
        f,
      ).toEqual([]);
    }
  });
});
