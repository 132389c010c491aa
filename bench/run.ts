/**
 * `npm run bench`: every section of SECTIONS, in order, inside one namespace lab (host a serves,
 * host b asks, one veth link). This process only spawns into lab hosts and reads /proc: it opens
 * no socket of its own. Prints the report (issue 7's figures beside their anchors first, then each
 * section's details), writes it to bench/results/bench-DATE.md and the raw figures to
 * bench/results/bench-DATE.json. BENCH_RUNS=3 makes a quick smoke run; BENCH_SECTIONS=id,id runs
 * only those sections.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab } from '../test/lab/lab.js';
import { requirePeers, type Peer } from '../test/lab/requirements.js';
import { render } from './report.js';
import type { BenchContext, BenchSection, Headline } from './section.js';
import { jmdnsTimingSection } from './sections/jmdns-timing.js';
import { loginsSection } from './sections/logins.js';
import { memorySection } from './sections/memory.js';
import { respondersSection } from './sections/responders.js';
import { perQuestionSection } from './sections/per-question.js';
import { serveSection } from './sections/serve.js';
import { startupSection } from './sections/startup.js';
import { dhcpSection } from './sections/dhcp.js';
import { stormSection } from './sections/storm.js';
import { inventorySection } from './sections/inventory.js';

/** The bench, in running order. A new section goes here (see bench/section.ts). */
const SECTIONS: BenchSection[] = [
  respondersSection,
  perQuestionSection,
  jmdnsTimingSection,
  startupSection,
  memorySection,
  serveSection,
  loginsSection,
  dhcpSection,
  inventorySection,
  stormSection,
];

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function machine(): Record<string, unknown> {
  return {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: os.release(),
    node: process.version,
    'load average at start': loadAverage(),
  };
}

function writeAtomically(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_SECTIONS?.split(',');
  const sections = SECTIONS.filter((s) => !only || only.includes(s.id));
  requirePeers([...new Set<Peer>(['root', 'netns', ...sections.flatMap((s) => s.peers)])]).assert();
  const began = performance.now();
  const date = new Date().toISOString();
  const info = machine();
  const raw: Record<string, unknown> = {};
  const headlines: Headline[] = [];
  const reports: { title: string; details: string }[] = [];
  const lab = await createLab({ topology: 'pair' });
  try {
    const ctx: BenchContext = { server: lab.host('a'), client: lab.host('b'), runs: RUNS, log };
    for (const section of sections) {
      log(`section ${section.id}: ${section.title}`);
      const result = await section.run(ctx);
      raw[section.id] = result;
      headlines.push(...section.headlines(result));
      reports.push({ title: section.title, details: section.details(result) });
    }
  } finally {
    await lab.close();
  }
  info['load average at end'] = loadAverage();
  const durationS = (performance.now() - began) / 1000;
  const report = render({ date, machine: info, runs: RUNS, durationS }, headlines, reports);

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const base = path.join(RESULTS_DIR, `bench-${date.replace(/[:.]/g, '-')}`);
  writeAtomically(`${base}.json`, `${JSON.stringify({ date, machine: info, runsPerSeries: RUNS, durationS, headlines, sections: raw }, null, 2)}\n`);
  writeAtomically(`${base}.md`, `${report}\n`);
  process.stdout.write(`${report}\n\nReport: ${base}.md\nRaw figures: ${base}.json\n`);
}

await main();
