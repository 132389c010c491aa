/**
 * `npm run bench` (issue 3 §4): discovery latency by client and responder, responder start, whole
 * command wall time and advertiser memory under a query flood, all inside a namespace lab: host a
 * runs the responder, host b the clients. This process only spawns into lab hosts and reads /proc:
 * it opens no socket of its own. Prints the tables and the path of the raw JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, type LabHost } from '../test/lab/host.js';
import { createLab } from '../test/lab/lab.js';
import { zeroconfResolve } from '../test/lab/peers.js';
import type { SpawnedProcess } from '../test/lab/process.js';
import { requirePeers } from '../test/lab/requirements.js';
import { CLIENTS, client, type Sample } from './clients.js';
import { jsonLines, runInHost, spawnInHost } from './in-host.js';
import { assertProgram, cpuMsOf, memoryOf, sampleMemory, type MemorySample } from './memory.js';
import { evaluateTargets, render, series, type FloodRun, type MemoryResult, type Results } from './report.js';
import { discoverPhases, wireTurnaround } from './diagnostics.js';
import {
  assertAlive,
  avahiServiceFile,
  startAvahiResponder,
  startBonjourPublisher,
  startProvdisc,
  timeStart,
  type ResponderId,
  type RunningResponder,
} from './responders.js';
import { sleep } from './stats.js';
import { benchServe, renderServe, type ServeBenchResult } from './serve.js';
import { renderDhcpBench, runDhcpBench } from './dhcp.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const FLOOD_QUERIES = 10_000;
const FLOODS = 2;
const BIN = path.join(REPO_ROOT, 'bin/provdisc');
const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function machine(): Record<string, unknown> {
  return {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: os.release(),
    node: process.version,
    'load average at start': os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

/**
 * Starts a responder `runs` times, timing each start; stops all but the last, which is returned
 * still running.
 */
async function startSeries(watch: SpawnedProcess, id: ResponderId, start: () => Promise<RunningResponder>, results: Results) {
  const ready: Sample[] = [];
  const firstAnswer: Sample[] = [];
  let kept: RunningResponder | undefined;
  for (let i = 0; i < RUNS; i++) {
    const timing = await timeStart(watch, start);
    ready.push({ elapsedMs: timing.readyMs, ok: true });
    firstAnswer.push({ elapsedMs: timing.firstAnswerMs, ok: true });
    if (i < RUNS - 1) {
      await timing.responder.stop();
      await sleep(300);
    } else kept = timing.responder;
  }
  results.start[id] = { readyMs: series(ready), firstAnswerMs: series(firstAnswer) };
  return kept!;
}

async function latencies(clientHost: LabHost, responder: RunningResponder, id: ResponderId, results: Results, clients = CLIENTS): Promise<void> {
  const row = (results.latency[id] ??= {});
  for (const c of clients) {
    log(`${c.label} against ${id} (${RUNS} runs)`);
    row[c.id] = series(await c.measure(clientHost, RUNS));
    assertAlive(responder, `the end of the ${c.label} runs`);
  }
}

/** The diagnostics that explain the latency figures, for the responder now running in `server`. */
async function explain(server: LabHost, clientHost: LabHost, responder: RunningResponder, id: ResponderId, results: Results): Promise<void> {
  log(`diagnostics against ${id}: discover() steps, responder turnaround on the wire`);
  results.diagnostics.discoverPhases[id] = await discoverPhases(clientHost, RUNS);
  results.diagnostics.wireTurnaround[id] = await wireTurnaround(clientHost, server.ipv4, RUNS);
  assertAlive(responder, 'the end of the diagnostics');
}

async function flood(from: LabHost, target: LabHost, pid: number): Promise<FloodRun> {
  const cpuBefore = cpuMsOf(pid);
  const run = await runInHost(from, 'flood.ts', [
    '--address', from.ipv4, '--target', target.ipv4, '--count', String(FLOOD_QUERIES), '--rate', '2000', '--max-ms', '30000',
  ], { timeoutMs: 60_000 });
  const [summary] = jsonLines<Omit<FloodRun, 'cpuMs' | 'after'>>(run, 'flood');
  return { ...summary!, cpuMs: cpuMsOf(pid) - cpuBefore, after: memoryOf(pid) };
}

/** Memory of a running advertiser: as it is now, then through FLOODS floods from `from`. */
async function memoryUnderLoad(adv: RunningResponder, atStart: MemorySample, from: LabHost, target: LabHost): Promise<MemoryResult> {
  const beforeFlood = memoryOf(adv.pid);
  const stopSampling = sampleMemory(adv.pid, 250);
  const floods: FloodRun[] = [];
  for (let i = 0; i < FLOODS; i++) {
    log(`flood ${i + 1}/${FLOODS}: ${FLOOD_QUERIES} queries at the advertiser`);
    floods.push(await flood(from, target, adv.pid));
  }
  await sleep(2_000);
  const settled = memoryOf(adv.pid);
  const samples = stopSampling();
  const [check] = await zeroconfResolve(from, { repeat: 1 });
  return {
    pid: adv.pid,
    executable: adv.executable,
    atStart,
    beforeFlood,
    floods,
    settled,
    peakKb: Math.max(atStart.vmRssKb, ...samples.map((s) => s.vmRssKb)),
    samples,
    stillAnswers: Boolean(check?.found),
  };
}

/** RSS of a node process in `host` that only evaluated `code` (no sockets): what loading costs. */
async function moduleMemory(host: LabHost, code: string): Promise<MemorySample> {
  const script = `${code}
await new Promise((r) => setTimeout(r, 300));
const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
const kb = (f) => Number(new RegExp('^' + f + ':\\\\s+(\\\\d+)', 'm').exec(s)[1]);
console.log(JSON.stringify({ at: Date.now(), vmRssKb: kb('VmRSS'), rssAnonKb: kb('RssAnon'), rssFileKb: kb('RssFile') }));`;
  const samples: MemorySample[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(jsonLines<MemorySample>(await host.run(process.execPath, ['--input-type=module', '-e', script]), 'module memory')[0]!);
  }
  // the median run by VmRSS
  return samples.sort((x, y) => x.vmRssKb - y.vmRssKb)[2]!;
}

async function main(): Promise<void> {
  requirePeers(['avahi', 'jmdns', 'zeroconf']).assert();
  const began = performance.now();
  const results: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    runsPerSeries: RUNS,
    spacing: Object.fromEntries(CLIENTS.map((c) => [c.id, c.spacing])),
    latency: {},
    start: {},
    wallTime: {},
    memory: { otherResponders: {}, modules: {} },
    diagnostics: { discoverPhases: {}, wireTurnaround: {}, avahiServiceFile: '' },
    targets: [],
  };
  let serve: ServeBenchResult | undefined;
  const lab = await createLab({ topology: 'pair' });
  try {
    const a = lab.host('a');
    const b = lab.host('b');
    const watch = spawnInHost(b, 'mdns-watch.ts', ['--address', b.ipv4, '--max-ms', '1200000']);
    await watch.waitForLine(/"event":"listening"/, 20_000);

    log(`provdisc advertise: ${RUNS} starts`);
    const adv = await startSeries(watch, 'provdisc', () => startProvdisc(a), results);
    assertProgram(adv.pid, process.execPath);
    await sleep(1_000);
    const atStart = memoryOf(adv.pid);

    await latencies(b, adv, 'provdisc', results);
    await explain(a, b, adv, 'provdisc', results);

    log(`wall time: ${RUNS} rounds of node -e '', provdisc --version, provdisc discover`);
    const commands = [
      { label: 'node -e ""', argv: [process.execPath, '-e', ''] },
      { label: 'provdisc --version (module loading, no socket)', argv: [process.execPath, BIN, '--version'] },
      {
        label: 'import dist/bonjour/discover.js only (what discover needs loaded)',
        argv: [process.execPath, '--input-type=module', '-e', `await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/bonjour/discover.js'))})`],
      },
      { label: 'provdisc discover', argv: [process.execPath, BIN, 'discover'] },
    ];
    const wall = await runInHost(b, 'wall-time.ts', ['--runs', String(RUNS), '--warmup', '2', '--spec', JSON.stringify(commands)], {
      timeoutMs: 60_000 + RUNS * 5_000,
    });
    const wallRuns = jsonLines<{ label: string; warmup: boolean; elapsedMs: number; code: number | null }>(wall, 'wall-time');
    for (const { label } of commands) {
      results.wallTime[label] = series(wallRuns.filter((w) => w.label === label && !w.warmup).map((w) => ({ elapsedMs: w.elapsedMs, ok: w.code === 0 })));
    }

    assertAlive(adv, 'the memory measurement');
    results.memory.advertiser = await memoryUnderLoad(adv, atStart, b, a);
    await adv.stop();

    log('diagnostic: the same advertiser with node --max-semi-space-size=1');
    const small = await startProvdisc(a, ['--max-semi-space-size=1']);
    assertProgram(small.pid, process.execPath);
    await sleep(1_000);
    results.memory.advertiserSmallSemiSpace = await memoryUnderLoad(small, memoryOf(small.pid), b, a);
    await small.stop();

    log(`avahi-daemon: ${RUNS} starts`);
    const serviceFile = await avahiServiceFile(a);
    results.diagnostics.avahiServiceFile = serviceFile.source;
    const avahi = await startSeries(watch, 'avahi', () => startAvahiResponder(a, serviceFile.xml), results);
    assertProgram(avahi.pid, avahi.executable);
    await latencies(b, avahi, 'avahi', results);
    await explain(a, b, avahi, 'avahi', results);
    results.memory.otherResponders.avahi = memoryOf(avahi.pid);
    await avahi.stop();

    log('bonjour-service publish');
    const bonjour = await startBonjourPublisher(a);
    assertProgram(bonjour.pid, bonjour.executable);
    await latencies(b, bonjour, 'bonjour', results, [client('zeroconf')]);
    results.memory.otherResponders.bonjour = memoryOf(bonjour.pid);
    await bonjour.stop();

    log('diagnostic: resident memory of module loading');
    const modulePath = (p: string) => JSON.stringify(path.join(REPO_ROOT, p));
    const diagnostics: Record<string, string> = {
      'nothing loaded (node floor)': '',
      'import dns-packet (ESM import of the CommonJS package)': `await import(${modulePath('node_modules/dns-packet/index.js')});`,
      'createRequire(import.meta.url)("dns-packet")': `(await import('node:module')).createRequire(import.meta.url)(${modulePath('node_modules/dns-packet/index.js')});`,
      'import dist/bonjour/advertise.js': `await import(${modulePath('dist/bonjour/advertise.js')});`,
    };
    for (const [what, code] of Object.entries(diagnostics)) results.memory.modules[what] = await moduleMemory(b, code);

    log('provdisc serve under load, beside a bare node:http server (bench/serve.ts)');
    serve = await benchServe(a, log);
  } finally {
    await lab.close();
  }
  // the DHCP method (issue 9): its own lab, provdisc beside ISC dhcpd, Kea and dnsmasq
  const dhcp = await runDhcpBench(RUNS, log);
  results.machine['load average at end'] = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  results.durationS = (performance.now() - began) / 1000;
  results.targets = evaluateTargets(results);

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `bench-${results.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...results, dhcp, serve }, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(`${render(results)}\n\n${renderDhcpBench(dhcp)}\n\n${serve ? renderServe(serve) : ''}\n\nRaw figures: ${file}\n`);
}

await main();
