/**
 * docs/library.md's examples, type-checked against the package as a user imports it: `provdisc`
 * resolved through package.json's `exports` to the built dist/index.d.ts (`npm run build` first).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { defined } from '../../defined.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const examples = [...readFileSync(path.join(root, 'docs/library.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => defined(m[1]));
const work = mkdtempSync(path.join(tmpdir(), 'provdisc-library-doc-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('docs/library.md', () => {
  it('has examples that import from provdisc only', () => {
    expect(examples.length).toBeGreaterThan(5);
    for (const e of examples) expect(new Set([...e.matchAll(/from '([^']+)'/g)].map((m) => m[1]))).toEqual(new Set(['provdisc']));
  });

  it('type-checks each example against the built package', () => {
    expect(existsSync(path.join(root, 'dist/index.d.ts')), 'dist/index.d.ts is missing: run npm run build').toBe(true);
    mkdirSync(path.join(work, 'node_modules'));
    symlinkSync(root, path.join(work, 'node_modules/provdisc'));
    const files = examples.map((text, i) => {
      const file = path.join(work, `example-${i + 1}.mts`);
      writeFileSync(file, text);
      return file;
    });
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules/@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
    });
    expect(problems).toEqual([]);
  }, 60_000);
});
