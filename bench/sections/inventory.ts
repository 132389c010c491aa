/**
 * The inventory (issue 16): `provdisc serve` at 64 concurrent clients with the inventory off, on
 * SQLite and on PostgreSQL (Debian's 15, started in the same lab host), in interleaved rounds of one
 * run — the ratio is the median of each round's on/off ratio, so the load other processes put on
 * the shared machine falls on both sides alike. Then `provdisc devices` over 100 000 devices beside
 * `provdisc --version` (the start-up every command pays), and the memory of `serve` with those
 * 100 000 devices in its inventory beside one with an empty inventory, after the same POSTs.
 */
import path from 'node:path';
import type { LabHost } from '../../test/lab/host.js';
import { startPostgres } from '../../test/lab/postgres.js';
import { fleet } from '../../test/unit/inventory/visit-fixture.js';
import { openInventory } from '../../src/inventory/inventory.js';
import { buildAnswer } from '../../src/server/answer.js';
import { loadSite } from '../../src/server/site.js';
import { assertProgram, memoryOf } from '../memory.js';
import type { BenchSection } from '../section.js';
import { benchSite, FORM, load, median, type LoadRun } from './serve.js';

const CONCURRENCY = 64;
const REQUESTS = Number(process.env.BENCH_INVENTORY_REQUESTS ?? 4000);
const ROUNDS = Number(process.env.BENCH_INVENTORY_ROUNDS ?? 3);
const DEVICES = 100_000;
const DEVICES_RUNS = 5;
const MEMORY_POSTS = 4000;
export const INVENTORY_RATIO_TARGET = 0.9;
const DEVICES_TARGET_MS = 1000;
const MEMORY_TARGET_MB = 30;

type Variant = 'off' | 'sqlite' | 'postgres';
const VARIANTS: readonly Variant[] = ['off', 'sqlite', 'postgres'];

export interface InventoryBenchResult {
  concurrency: number;
  requestsPerRound: number;
  rounds: Record<Variant, LoadRun>[];
  rps: Record<Variant, number>;
  /** Medians of the rounds' on/off ratios. */
  ratio: { sqlite: number; postgres: number };
  errors: number;
  devices: { count: number; listMs: number; buildFilterMs: number; jsonMs: number; versionMs: number };
  memory: { emptyKb: number; fullKb: number; diffMb: number };
}

async function wallMs(host: LabHost, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < DEVICES_RUNS; i++) {
    const t = performance.now();
    const r = await host.provdisc(args, { timeoutMs: 60_000 });
    times.push(performance.now() - t);
    if (r.code !== 0) throw new Error(`provdisc ${args.join(' ')} failed: ${r.stderr}`);
  }
  return median(times);
}

/** A site whose inventory holds `DEVICES` devices, written through the inventory itself. */
async function filledSite(port: number): Promise<string> {
  const site = benchSite(port, ['inventory = inventory.db']);
  const inv = await openInventory(path.join(path.dirname(site), 'inventory.db'));
  for (const v of fleet(DEVICES)) inv.record(v);
  await inv.close();
  return site;
}

export async function benchInventory(host: LabHost, log: (message: string) => void = () => {}): Promise<InventoryBenchResult> {
  const pg = await startPostgres(host);
  const sites: Record<Variant, string> = {
    off: benchSite(18091),
    sqlite: benchSite(18092, ['inventory = inventory.db']),
    postgres: benchSite(18093, [`inventory = ${pg.url}`]),
  };
  const urls: Record<Variant, string> = { off: 'http://127.0.0.1:18091/prov', sqlite: 'http://127.0.0.1:18092/prov', postgres: 'http://127.0.0.1:18093/prov' };
  const answer = buildAnswer(loadSite(sites.off), new Map(Object.entries(FORM)));
  const servers = VARIANTS.map((v) => host.spawnProvdisc(['serve', '--config', sites[v]]));
  try {
    for (const s of servers) await s.waitForLine(/^serving /, 15_000);
    log('inventory bench: warm-up');
    for (const v of VARIANTS) await load(host, urls[v], answer.body, 1000);
    const rounds: Record<Variant, LoadRun>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      log(`inventory bench: round ${i + 1}/${ROUNDS}, ${REQUESTS} POSTs from ${CONCURRENCY} clients to each of off, sqlite, postgres`);
      // the order turns each round, so that no variant always runs first
      const order = VARIANTS.map((_, k) => VARIANTS[(k + i) % VARIANTS.length] as Variant);
      const round: Partial<Record<Variant, LoadRun>> = {};
      for (const v of order) round[v] = await load(host, urls[v], answer.body, REQUESTS);
      rounds.push(round as Record<Variant, LoadRun>);
    }
    const rps = Object.fromEntries(VARIANTS.map((v) => [v, median(rounds.map((r) => r[v].rps))])) as Record<Variant, number>;
    const ratio = { sqlite: median(rounds.map((r) => r.sqlite.rps / r.off.rps)), postgres: median(rounds.map((r) => r.postgres.rps / r.off.rps)) };
    const errors = rounds.reduce((n, r) => n + VARIANTS.reduce((m, v) => m + r[v].errors, 0), 0);
    for (const s of servers) await s.stop(10_000);

    log(`inventory bench: ${DEVICES} devices written, then provdisc devices`);
    const full = await filledSite(18094);
    const devices = {
      count: DEVICES,
      listMs: await wallMs(host, ['devices', '--config', full]),
      buildFilterMs: await wallMs(host, ['devices', '--config', full, '--build', '<5000', '--os', 'Linux']),
      jsonMs: await wallMs(host, ['devices', '--config', full, '--json']),
      versionMs: await wallMs(host, ['--version']),
    };

    log('inventory bench: memory of serve, 100 000 devices beside an empty inventory');
    const emptySite = benchSite(18095, ['inventory = inventory.db']);
    const memory = { emptyKb: 0, fullKb: 0, diffMb: 0 };
    for (const [key, site, port] of [
      ['emptyKb', emptySite, 18095],
      ['fullKb', full, 18094],
    ] as const) {
      const s = host.spawnProvdisc(['serve', '--config', site]);
      try {
        await s.waitForLine(/^serving /, 15_000);
        await load(host, `http://127.0.0.1:${port}/prov`, answer.body, MEMORY_POSTS);
        assertProgram(s.pid, process.execPath);
        memory[key] = memoryOf(s.pid).vmRssKb;
      } finally {
        await s.stop(10_000);
      }
    }
    memory.diffMb = (memory.fullKb - memory.emptyKb) / 1024;
    return { concurrency: CONCURRENCY, requestsPerRound: REQUESTS, rounds, rps, ratio, errors, devices, memory };
  } finally {
    for (const s of servers) await s.stop(5_000);
    await pg.remove();
  }
}

function renderInventory(r: InventoryBenchResult): string {
  const f = (n: number) => n.toFixed(0);
  return [
    `provdisc serve with the inventory: ${r.requestsPerRound} POSTs × ${r.rounds.length} rounds from ${r.concurrency} concurrent clients each, off / SQLite / PostgreSQL 15 in the same lab host`,
    '| inventory | req/s (median of rounds) | rounds | ratio to off (median of rounds) |',
    '|---|---|---|---|',
    ...VARIANTS.map((v) => `| ${v} | ${f(r.rps[v])} | ${r.rounds.map((x) => f(x[v].rps)).join(', ')} | ${v === 'off' ? '(anchor)' : r.ratio[v].toFixed(2)} |`),
    `errors: ${r.errors}`,
    '',
    `provdisc devices over ${r.devices.count} devices (wall time, median of ${DEVICES_RUNS}, start-up included): all ${f(r.devices.listMs)} ms; --build '<5000' --os Linux ${f(r.devices.buildFilterMs)} ms; --json ${f(r.devices.jsonMs)} ms; anchor provdisc --version ${f(r.devices.versionMs)} ms`,
    `serve's RSS after ${MEMORY_POSTS} POSTs: ${(r.memory.emptyKb / 1024).toFixed(1)} MB with an empty inventory, ${(r.memory.fullKb / 1024).toFixed(1)} MB with ${r.devices.count} devices (${r.memory.diffMb.toFixed(1)} MB apart)`,
  ].join('\n');
}

export const inventorySection: BenchSection<InventoryBenchResult> = {
  id: 'inventory',
  title: 'the inventory: serve with it on and off, devices over 100 000 devices, memory',
  peers: ['postgres'],
  run: (ctx) => benchInventory(ctx.server, ctx.log),
  headlines: (r) => [
    {
      figure: `serve throughput with the inventory on ÷ off, ${r.concurrency} concurrent (SQLite; PostgreSQL)`,
      provdisc: `${r.ratio.sqlite.toFixed(2)}; ${r.ratio.postgres.toFixed(2)} (${r.errors} errors)`,
      anchor: `off ${r.rps.off.toFixed(0)} req/s`,
      target: `≥ ${INVENTORY_RATIO_TARGET}`,
      met: r.ratio.sqlite >= INVENTORY_RATIO_TARGET && r.ratio.postgres >= INVENTORY_RATIO_TARGET && r.errors === 0,
    },
    {
      figure: `provdisc devices, ${r.devices.count} devices (ms, wall)`,
      provdisc: r.devices.listMs.toFixed(0),
      anchor: `provdisc --version ${r.devices.versionMs.toFixed(0)}`,
      target: `< ${DEVICES_TARGET_MS}`,
      met: r.devices.listMs < DEVICES_TARGET_MS,
    },
    {
      figure: `serve RSS, ${r.devices.count} devices vs empty inventory (MB)`,
      provdisc: `${(r.memory.fullKb / 1024).toFixed(1)} (+${r.memory.diffMb.toFixed(1)})`,
      anchor: `empty ${(r.memory.emptyKb / 1024).toFixed(1)}`,
      target: `within ${MEMORY_TARGET_MB}`,
      met: r.memory.diffMb <= MEMORY_TARGET_MB,
    },
  ],
  details: renderInventory,
};
