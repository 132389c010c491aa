/**
 * Runs inside a lab host: spawn-to-exit wall time of whole commands, interleaved round by round so
 * that machine noise falls on all of them alike. `--spec` is a JSON array of {label, argv}.
 * One JSON line per run; the first `--warmup` rounds (disk cache) are marked.
 */
import { spawn } from 'node:child_process';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({
  spec: { type: 'string' },
  runs: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '2' },
  'gap-ms': { type: 'string', default: '300' },
});
const commands = JSON.parse(values.spec ?? '[]') as { label: string; argv: [string, ...string[]] }[];

function timed(argv: [string, ...string[]]): Promise<{ elapsedMs: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ elapsedMs: performance.now() - started, code });
    });
  });
}

const warmup = Number(values.warmup);
for (let round = 0; round < warmup + Number(values.runs); round++) {
  for (const { label, argv } of commands) {
    console.log(JSON.stringify({ label, warmup: round < warmup, ...(await timed(argv)) }));
    await new Promise((resolve) => setTimeout(resolve, Number(values['gap-ms'])));
  }
}
