/**
 * Runs inside a lab host: times `discover()` from dist/ (the built library), call to resolved
 * template. One JSON line per call; the first `--warmup` calls (JIT, module loading) are marked.
 * With `--phases`, does what discover() does in three timed steps instead (open the sockets,
 * ask and wait for the answer, close), to show where the time goes.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DiscoveredService } from '../../src/bonjour/discover.js';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({
  runs: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '2' },
  'gap-ms': { type: 'string', default: '300' },
  'timeout-ms': { type: 'string', default: '3000' },
  phases: { type: 'boolean', default: false },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// the built library, as a user gets it; typed from its source
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, 'dist', file)).href)) as T;
const { discover, browse } = await load<typeof import('../../src/bonjour/discover.js')>('bonjour/discover.js');
const { MdnsTransport } = await load<typeof import('../../src/bonjour/transport.js')>('bonjour/transport.js');
const { selectInterfaces } = await load<typeof import('../../src/util/network-interfaces.js')>('util/network-interfaces.js');
const options = { timeoutMs: Number(values['timeout-ms']) };

/** discover()'s own steps, each timed. */
async function phases(): Promise<{ found: DiscoveredService[]; openMs: number; browseMs: number; closeMs: number }> {
  const t0 = performance.now();
  const transport = await MdnsTransport.open(selectInterfaces());
  const t1 = performance.now();
  const found = await browse(transport, options);
  const t2 = performance.now();
  await transport.close();
  return { found, openMs: t1 - t0, browseMs: t2 - t1, closeMs: performance.now() - t2 };
}

const warmup = Number(values.warmup);
const total = warmup + Number(values.runs);
for (let i = 0; i < total; i++) {
  const started = performance.now();
  const { found, ...steps } = values.phases ? await phases() : { found: await discover(options) };
  const elapsedMs = performance.now() - started;
  const best = found.find((s) => s.complete);
  console.log(JSON.stringify({ warmup: i < warmup, elapsedMs, ...steps, found: Boolean(best), template: best?.template ?? null }));
  await new Promise((resolve) => setTimeout(resolve, Number(values['gap-ms'])));
}
