/**
 * Runs inside a lab host: times `discover()` from dist/ (the built library), call to resolved
 * template. One JSON line per call; the first `--warmup` calls (JIT, module loading) are marked.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { assertPrivateNetns } from '../../test/lab/guard.js';

assertPrivateNetns();
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    'gap-ms': { type: 'string', default: '300' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// the built library, as a user gets it; typed from its source
const { discover } = (await import(pathToFileURL(path.join(root, 'dist/discover.js')).href)) as typeof import('../../src/discover.js');

const warmup = Number(values.warmup);
const total = warmup + Number(values.runs);
for (let i = 0; i < total; i++) {
  const started = performance.now();
  const found = await discover({ timeoutMs: Number(values['timeout-ms']) });
  const elapsedMs = performance.now() - started;
  const best = found.find((s) => s.complete);
  console.log(JSON.stringify({ warmup: i < warmup, elapsedMs, found: Boolean(best), template: best?.template ?? null }));
  await new Promise((resolve) => setTimeout(resolve, Number(values['gap-ms'])));
}
