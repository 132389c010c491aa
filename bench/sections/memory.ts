/**
 * Resident memory of `provdisc advertise` beside a bare node process started with it in the same
 * host (the floor), at start and through two bounded query floods: issue 7 §5.
 */
import { zeroconfResolve } from '../../test/lab/peers.js';
import type { LabHost } from '../../test/lab/host.js';
import { jsonLines, runInHost } from '../in-host.js';
import { assertProgram, cpuMsOf, memoryOf, sampleMemory, type MemorySample } from '../memory.js';
import { mb, ms, table } from '../report.js';
import { assertAlive, startProvdisc } from '../responders.js';
import type { BenchSection, Headline } from '../section.js';
import { sleep } from '../stats.js';
import { defined } from '../../test/defined.js';

const FLOOD_QUERIES = 10_000;
const FLOODS = 2;
/** "Flat after 10 000 queries": the next 10 000 add at most this much. */
const FLAT_KB = 1024;

export interface FloodRun {
  sent: number;
  sendingMs: number;
  replies: { multicast: number; unicast: number };
  cpuMs: number;
}

export interface MemoryStep {
  when: string;
  /** Queries received so far. */
  queries: number;
  advertiser: MemorySample;
  floor: MemorySample;
  flood?: FloodRun;
}

export interface MemoryResult {
  steps: MemoryStep[];
  peakKb: number;
  stillAnswers: boolean;
}

async function flood(from: LabHost, target: LabHost, pid: number): Promise<FloodRun> {
  const cpuBefore = cpuMsOf(pid);
  const run = await runInHost(
    from,
    'flood.ts',
    ['--address', from.ipv4, '--target', target.ipv4, '--count', String(FLOOD_QUERIES), '--rate', '2000', '--max-ms', '30000'],
    { timeoutMs: 60_000 },
  );
  const [summary] = jsonLines<Omit<FloodRun, 'cpuMs'>>(run, 'flood');
  return { ...defined(summary), cpuMs: cpuMsOf(pid) - cpuBefore };
}

const over = (s: MemoryStep): number => s.advertiser.vmRssKb - s.floor.vmRssKb;

export const memorySection: BenchSection<MemoryResult> = {
  id: 'memory',
  title: 'Resident memory: the advertiser beside a bare node process (MB)',
  peers: ['zeroconf'],

  async run(ctx) {
    const floorProcess = ctx.server.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { description: `[${ctx.server.key}] bare node` });
    const adv = await startProvdisc(ctx.server);
    try {
      assertProgram(adv.pid, process.execPath);
      assertProgram(floorProcess.pid, process.execPath);
      await sleep(1_000);
      const steps: MemoryStep[] = [{ when: '1 s after announced', queries: 0, advertiser: memoryOf(adv.pid), floor: memoryOf(floorProcess.pid) }];
      const stopSampling = sampleMemory(adv.pid, 250);
      for (let i = 1; i <= FLOODS; i++) {
        ctx.log(`memory: flood ${i}/${FLOODS}, ${FLOOD_QUERIES} queries at the advertiser`);
        const run = await flood(ctx.client, ctx.server, adv.pid);
        steps.push({
          when: `after ${i * FLOOD_QUERIES} queries`,
          queries: i * FLOOD_QUERIES,
          advertiser: memoryOf(adv.pid),
          floor: memoryOf(floorProcess.pid),
          flood: run,
        });
      }
      await sleep(2_000);
      steps.push({ when: '2 s after the last flood', queries: FLOODS * FLOOD_QUERIES, advertiser: memoryOf(adv.pid), floor: memoryOf(floorProcess.pid) });
      const samples = stopSampling();
      assertAlive(adv, 'the end of the floods');
      const [check] = await zeroconfResolve(ctx.client, { repeat: 1 });
      return { steps, peakKb: Math.max(...samples.map((s) => s.vmRssKb)), stillAnswers: Boolean(check?.found) };
    } finally {
      await adv.stop();
      await floorProcess.stop(1_000);
    }
  },

  headlines(r) {
    const [start, ...after] = r.steps;
    const rows: Headline[] = [];
    if (start) {
      rows.push({
        figure: 'advertiser VmRSS 1 s after announced (MB)',
        provdisc: `${mb(start.advertiser.vmRssKb)} (+${mb(over(start))})`,
        anchor: `bare node ${mb(start.floor.vmRssKb)}`,
        target: '≤ floor + 8 MB',
        met: over(start) <= 8 * 1024,
      });
    }
    const floods = after.filter((s) => s.flood);
    floods.forEach((s, i) => {
      const previous = floods[i - 1];
      const flat = previous ? s.advertiser.vmRssKb - previous.advertiser.vmRssKb <= FLAT_KB : true;
      rows.push({
        figure: `advertiser VmRSS after ${s.queries.toLocaleString('en')} queries (MB)`,
        provdisc: `${mb(s.advertiser.vmRssKb)} (+${mb(over(s))})${previous ? `, ${s.advertiser.vmRssKb >= previous.advertiser.vmRssKb ? '+' : ''}${mb(s.advertiser.vmRssKb - previous.advertiser.vmRssKb)} since ${previous.queries.toLocaleString('en')}` : ''}`,
        anchor: `bare node ${mb(s.floor.vmRssKb)}`,
        target: previous ? `≤ floor + 12 MB and flat (≤ +${mb(FLAT_KB)} MB)` : '≤ floor + 12 MB',
        met: over(s) <= 12 * 1024 && flat,
      });
    });
    return rows;
  },

  details(r) {
    const rows = r.steps.map((s) => [
      s.when,
      mb(s.advertiser.vmRssKb),
      mb(s.advertiser.rssAnonKb),
      mb(s.advertiser.rssFileKb),
      mb(s.floor.vmRssKb),
      `+${mb(over(s))}`,
      s.flood
        ? `${s.flood.sent} sent in ${ms(s.flood.sendingMs)} ms; advertiser CPU ${ms(s.flood.cpuMs)} ms; replies ${s.flood.replies.unicast} unicast / ${s.flood.replies.multicast} multicast`
        : '',
    ]);
    return [
      table(['when', 'advertiser VmRSS', 'RssAnon (private)', 'RssFile (shared)', 'bare node VmRSS', 'over the floor', 'flood'], rows),
      '',
      `Peak advertiser VmRSS during the floods (sampled every 250 ms): ${mb(r.peakKb)} MB. Still answers python-zeroconf after the floods: ${r.stillAnswers ? 'yes' : '**no**'}.`,
      'The floods (bench/in-host/flood.ts, from the client host, ~2 000 queries/s) cycle multicast QM SRV+TXT, multicast QU PTR, legacy unicast SRV and questions for names nobody has.',
    ].join('\n');
  },
};
