/**
 * provdisc advertise against avahi-daemon (and bonjour-service publish) with the same clients:
 * responder start, discovery latency by client, and what explains it (discover()'s steps, the
 * responder's turnaround on the wire).
 */
import { CLIENTS, client, type ClientId, type Sample } from '../clients.js';
import { discoverPhases, wireTurnaround, type DiscoverPhases } from '../diagnostics.js';
import { assertProgram, memoryOf, type MemorySample } from '../memory.js';
import { cell, mb, median, ms, ratio, series, table, type Series } from '../report.js';
import {
  assertAlive,
  avahiServiceFile,
  RESPONDER_LABELS,
  startAvahiResponder,
  startBonjourPublisher,
  startProvdisc,
  timeStart,
  type ResponderId,
  type RunningResponder,
} from '../responders.js';
import type { BenchContext, BenchSection, Headline } from '../section.js';
import { spawnInHost } from '../in-host.js';
import { sleep } from '../stats.js';
import type { SpawnedProcess } from '../../test/lab/process.js';
import { defined } from '../../test/defined.js';

/** Clients that need a fresh JVM or daemon per run: fewer runs keep the bench within minutes. */
const SLOW_CLIENTS: ReadonlySet<ClientId> = new Set(['avahi-browse', 'jmdns', 'bonjour-find']);
const SLOW_RUNS = 10;

export interface RespondersResult {
  spacing: Record<string, string>;
  latency: Partial<Record<ResponderId, Partial<Record<ClientId, Series>>>>;
  start: Partial<Record<ResponderId, { readyMs: Series; firstAnswerMs: Series }>>;
  discoverPhases: Partial<Record<ResponderId, DiscoverPhases>>;
  wireTurnaround: Partial<Record<ResponderId, Series>>;
  /** Resident memory of the other responders while serving (provdisc's: the memory section). */
  otherMemory: Partial<Record<ResponderId, MemorySample>>;
  /** Source of avahi-daemon's service file: `provdisc avahi` output or the seed's XML. */
  avahiServiceFile: string;
}

/** Starts a responder `runs` times, timing each start; stops all but the last, which is returned running. */
async function startSeries(ctx: BenchContext, watch: SpawnedProcess, id: ResponderId, start: () => Promise<RunningResponder>, r: RespondersResult) {
  const ready: Sample[] = [];
  const firstAnswer: Sample[] = [];
  const runs = Math.min(ctx.runs, SLOW_RUNS);
  ctx.log(`${RESPONDER_LABELS[id]}: ${runs} starts`);
  let kept: RunningResponder | undefined;
  for (let i = 0; i < runs; i++) {
    const timing = await timeStart(watch, start);
    ready.push({ elapsedMs: timing.readyMs, ok: true });
    firstAnswer.push({ elapsedMs: timing.firstAnswerMs, ok: true });
    if (i < runs - 1) {
      await timing.responder.stop();
      await sleep(300);
    } else kept = timing.responder;
  }
  r.start[id] = { readyMs: series(ready), firstAnswerMs: series(firstAnswer) };
  return defined(kept);
}

async function measure(
  ctx: BenchContext,
  responder: RunningResponder,
  id: ResponderId,
  r: RespondersResult,
  clients = CLIENTS,
  diagnostics = true,
): Promise<void> {
  const row = (r.latency[id] ??= {});
  for (const c of clients) {
    const runs = SLOW_CLIENTS.has(c.id) ? Math.min(ctx.runs, SLOW_RUNS) : ctx.runs;
    ctx.log(`${c.label} against ${id} (${runs} runs)`);
    row[c.id] = series(await c.measure(ctx.client, runs));
    assertAlive(responder, `the end of the ${c.label} runs`);
  }
  if (!diagnostics) return;
  ctx.log(`diagnostics against ${id}: discover() steps, responder turnaround on the wire`);
  r.discoverPhases[id] = await discoverPhases(ctx.client, ctx.runs);
  r.wireTurnaround[id] = await wireTurnaround(ctx.server, ctx.client, ctx.runs);
  assertAlive(responder, 'the end of the diagnostics');
}

export const respondersSection: BenchSection<RespondersResult> = {
  id: 'responders',
  title: 'Responders compared: start, discovery latency by client, turnaround on the wire',
  peers: ['avahi', 'jmdns', 'zeroconf', 'tshark'],

  async run(ctx) {
    const r: RespondersResult = {
      spacing: Object.fromEntries(CLIENTS.map((c) => [c.id, c.spacing])),
      latency: {},
      start: {},
      discoverPhases: {},
      wireTurnaround: {},
      otherMemory: {},
      avahiServiceFile: '',
    };
    const watch = spawnInHost(ctx.client, 'mdns-watch.ts', ['--address', ctx.client.ipv4, '--max-ms', '1200000']);
    try {
      await watch.waitForLine(/"event":"listening"/, 20_000);
      const adv = await startSeries(ctx, watch, 'provdisc', () => startProvdisc(ctx.server), r);
      assertProgram(adv.pid, process.execPath);
      await measure(ctx, adv, 'provdisc', r);
      await adv.stop();

      const serviceFile = await avahiServiceFile(ctx.server);
      r.avahiServiceFile = serviceFile.source;
      const avahi = await startSeries(ctx, watch, 'avahi', () => startAvahiResponder(ctx.server, serviceFile.xml), r);
      assertProgram(avahi.pid, avahi.executable);
      await measure(ctx, avahi, 'avahi', r);
      r.otherMemory.avahi = memoryOf(avahi.pid);
      await avahi.stop();
    } finally {
      await watch.stop(1_000);
    }

    ctx.log('bonjour-service publish');
    const bonjour = await startBonjourPublisher(ctx.server);
    assertProgram(bonjour.pid, bonjour.executable);
    await measure(ctx, bonjour, 'bonjour', r, [client('zeroconf')], false);
    r.otherMemory.bonjour = memoryOf(bonjour.pid);
    await bonjour.stop();
    return r;
  },

  headlines(r) {
    const rows: Headline[] = [];
    const turnP = median(r.wireTurnaround.provdisc);
    const turnA = median(r.wireTurnaround.avahi);
    rows.push({
      figure: "responder turnaround, python-zeroconf QU query in → first answer out, capture in the responder's namespace (median ms)",
      provdisc: turnP === undefined ? '–' : ms(turnP),
      anchor: turnA === undefined ? '–' : `avahi-daemon ${ms(turnA)}`,
      target: '≤ avahi-daemon',
      met: turnP === undefined || turnA === undefined ? undefined : turnP <= turnA,
    });
    const zcP = median(r.latency.provdisc?.zeroconf);
    const zcA = median(r.latency.avahi?.zeroconf);
    rows.push({
      figure: 'python-zeroconf ServiceInfo.request (median ms), ratio provdisc / avahi-daemon',
      provdisc: zcP === undefined ? '–' : `${ms(zcP)} (ratio ${ratio(r.latency.provdisc?.zeroconf, r.latency.avahi?.zeroconf)})`,
      anchor: zcA === undefined ? '–' : `avahi-daemon ${ms(zcA)}`,
      target: 'ratio ≤ 1.10',
      met: zcP === undefined || zcA === undefined ? undefined : zcP / zcA <= 1.1,
    });
    const libP = median(r.latency.provdisc?.['provdisc-lib']);
    const libA = median(r.latency.avahi?.['provdisc-lib']);
    rows.push({
      figure: 'library discover() to SRV + TXT + address (median ms; issue 3 target)',
      provdisc: libP === undefined ? '–' : `${ms(libP)} against provdisc`,
      anchor: libA === undefined ? '–' : `${ms(libA)} against avahi-daemon`,
      target: '≤ 5 ms against either',
      met: libP === undefined || libA === undefined ? undefined : libP <= 5 && libA <= 5,
    });
    return rows;
  },

  details(r) {
    const out: string[] = [];
    out.push('Discovery latency, library call or client start to resolved SRV + TXT + address:', '');
    out.push(
      table(
        ['client', 'vs provdisc advertise', 'vs avahi-daemon', 'vs bonjour-service publish', 'ratio provdisc / avahi'],
        CLIENTS.map((c) => [
          c.label,
          cell(r.latency.provdisc?.[c.id]),
          cell(r.latency.avahi?.[c.id]),
          cell(r.latency.bonjour?.[c.id]),
          ratio(r.latency.provdisc?.[c.id], r.latency.avahi?.[c.id]),
        ]),
      ),
    );
    out.push('', 'What is timed and how runs are spaced:', ...CLIENTS.map((c) => `- ${c.label}: ${c.timed}. Spacing: ${r.spacing[c.id] ?? c.spacing}.`));
    out.push('', 'Responder start (spawn) to ready, and to its first answer seen on the wire by a listener in the client host:', '');
    out.push(
      table(
        ['responder', 'spawn → says ready', 'spawn → first answer on the wire'],
        Object.entries(r.start).map(([id, s]) => [RESPONDER_LABELS[id as ResponderId], cell(s.readyMs), cell(s.firstAnswerMs)]),
      ),
    );
    out.push('', `Diagnostics. avahi-daemon's service file: ${r.avahiServiceFile}.`, '');
    const phases = Object.entries(r.discoverPhases).flatMap(([id, p]) =>
      (['open', 'browse', 'close'] as const).map((step) => [
        `discover() ${step === 'open' ? 'opening sockets' : step === 'browse' ? 'asking until answered' : 'closing sockets'}`,
        RESPONDER_LABELS[id as ResponderId],
        cell(p[step]),
      ]),
    );
    const turnaround = Object.entries(r.wireTurnaround).map(([id, s]) => [
      "responder turnaround (python-zeroconf QU query in → first reply out, capture in the responder's namespace)",
      RESPONDER_LABELS[id as ResponderId],
      cell(s),
    ]);
    out.push(table(['what', 'responder', 'ms'], [...phases, ...turnaround]));
    const memory = Object.entries(r.otherMemory).map(([id, s]) => [RESPONDER_LABELS[id as ResponderId], mb(s.vmRssKb), mb(s.rssAnonKb), mb(s.rssFileKb)]);
    out.push('', 'Resident memory of the other responders while serving (MB):', '');
    out.push(table(['responder', 'VmRSS', 'RssAnon (private)', 'RssFile (shared)'], memory));
    return out.join('\n');
  },
};
