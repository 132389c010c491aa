/** Turns the raw results into the tables and target verdicts printed at the end of a run. */
import { CLIENTS, type ClientId, type Sample } from './clients.js';
import type { MemorySample } from './memory.js';
import { RESPONDER_LABELS, type ResponderId } from './responders.js';
import { summarize, type Summary } from './stats.js';

export interface Series {
  samples: Sample[];
  /** Over the successful samples only. */
  summary: Summary | null;
  failures: number;
}

export function series(samples: Sample[]): Series {
  const ok = samples.filter((s) => s.ok).map((s) => s.elapsedMs);
  return { samples, summary: ok.length > 0 ? summarize(ok) : null, failures: samples.length - ok.length };
}

export interface FloodRun {
  sent: number;
  sendingMs: number;
  replies: { multicast: number; unicast: number };
  cpuMs: number;
  after: MemorySample;
}

export interface MemoryResult {
  pid: number;
  executable: string;
  atStart: MemorySample;
  beforeFlood: MemorySample;
  floods: FloodRun[];
  settled: MemorySample;
  peakKb: number;
  samples: MemorySample[];
  stillAnswers: boolean;
}

export interface Results {
  date: string;
  machine: Record<string, unknown>;
  runsPerSeries: number;
  spacing: Record<string, string>;
  latency: Partial<Record<ResponderId, Partial<Record<ClientId, Series>>>>;
  start: Partial<Record<ResponderId, { readyMs: Series; firstAnswerMs: Series }>>;
  wallTime: Record<string, Series>;
  memory: {
    advertiser?: MemoryResult;
    /** Same advertiser with a small V8 young generation: does the growth under load go away? */
    advertiserSmallSemiSpace?: MemoryResult;
    otherResponders: Partial<Record<ResponderId, MemorySample>>;
    /** RSS of a node process that loaded only this (module cost, no sockets). */
    modules: Record<string, MemorySample>;
  };
  diagnostics: {
    discoverPhases: Partial<Record<ResponderId, { open: Series; browse: Series; close: Series }>>;
    wireTurnaround: Partial<Record<ResponderId, Series>>;
    /** Source of avahi-daemon's service file: `provdisc avahi` output or the seed's XML. */
    avahiServiceFile: string;
  };
  targets: Target[];
  durationS?: number;
}

export interface Target {
  goal: string;
  figure: string;
  met: boolean;
}

const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const mb = (kb: number): string => (kb / 1024).toFixed(1);

function cell(s: Series | undefined): string {
  if (!s) return '–';
  const fail = s.failures > 0 ? ` **${s.failures} failed**` : '';
  if (!s.summary) return `all failed${fail}`;
  const { median, p90, min, max, n } = s.summary;
  return `${ms(median)} (p90 ${ms(p90)}, ${ms(min)}–${ms(max)}, n=${n})${fail}`;
}

function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const median = (s: Series | undefined): number | undefined => s?.summary?.median;

function ratio(x: Series | undefined, y: Series | undefined): string {
  const a = median(x);
  const b = median(y);
  return a === undefined || b === undefined ? '–' : (a / b).toFixed(2);
}

export function evaluateTargets(r: Results): Target[] {
  const targets: Target[] = [];
  for (const responder of ['provdisc', 'avahi'] as const) {
    const m = median(r.latency[responder]?.['provdisc-lib']);
    if (m !== undefined) {
      targets.push({ goal: `library discover() median ≤ 5 ms against ${RESPONDER_LABELS[responder]}`, figure: `${ms(m)} ms`, met: m <= 5 });
    }
  }
  const zcP = median(r.latency.provdisc?.zeroconf);
  const zcA = median(r.latency.avahi?.zeroconf);
  if (zcP !== undefined && zcA !== undefined) {
    targets.push({
      goal: 'python-zeroconf resolves provdisc no slower than avahi-daemon (median ratio ≤ 1.2)',
      figure: `${ms(zcP)} / ${ms(zcA)} ms = ${(zcP / zcA).toFixed(2)}`,
      met: zcP / zcA <= 1.2,
    });
  }
  const floor = median(r.wallTime['node -e ""']);
  const disc = median(r.wallTime['provdisc discover']);
  if (floor !== undefined && disc !== undefined) {
    targets.push({
      goal: 'provdisc discover wall time ≤ node floor + 40 ms',
      figure: `${ms(disc)} ms vs floor ${ms(floor)} ms: +${ms(disc - floor)} ms`,
      met: disc - floor <= 40,
    });
  }
  const adv = r.memory.advertiser;
  if (adv) {
    targets.push({
      goal: 'advertiser resident memory ≤ 50 MB (peak VmRSS, start through 20 000 queries)',
      figure: `${mb(adv.peakKb)} MB peak (${mb(adv.atStart.vmRssKb)} MB at start; private RssAnon ${mb(adv.atStart.rssAnonKb)} MB)`,
      met: adv.peakKb <= 50 * 1024,
    });
    const growth = adv.floods.map((f, i) => f.after.vmRssKb - (i === 0 ? adv.beforeFlood : adv.floods[i - 1]!.after).vmRssKb);
    targets.push({
      goal: 'advertiser memory flat under load (each 10 000 queries add ≤ 2 MB VmRSS)',
      figure: growth.map((g, i) => `${g >= 0 ? '+' : ''}${mb(g)} MB over queries ${i * 10}–${(i + 1) * 10} k`).join(', '),
      met: growth.every((g) => g <= 2 * 1024),
    });
  }
  return targets;
}

function memoryRows(label: string, m: MemoryResult | undefined): string[][] {
  if (!m) return [];
  const row = (what: string, s: MemorySample): string[] => [label, what, mb(s.vmRssKb), mb(s.rssAnonKb), mb(s.rssFileKb)];
  return [
    row('1 s after announced', m.atStart),
    row('before the flood (after the client runs)', m.beforeFlood),
    ...m.floods.map((f, i) =>
      row(`after ${(i + 1) * 10} 000 queries (${f.sent} sent in ${ms(f.sendingMs)} ms, CPU ${ms(f.cpuMs)} ms, replies ${f.replies.unicast} unicast / ${f.replies.multicast} multicast)`, f.after),
    ),
    row('2 s after the last flood', m.settled),
    [label, 'peak during floods (sampled every 250 ms)', mb(m.peakKb), '', ''],
    [label, 'still answers a client after the floods', m.stillAnswers ? 'yes' : '**no**', '', ''],
  ];
}

export function render(r: Results): string {
  const out: string[] = [];
  out.push(`## provdisc bench: ${r.date}`, '', `Machine: ${Object.entries(r.machine).map(([k, v]) => `${k} ${String(v)}`).join('; ')}`);
  out.push('', `Medians in ms over ${r.runsPerSeries} runs per cell unless n says otherwise (p90, min–max); failed runs are left out of the figures and counted.`);

  out.push('', '### 1. Discovery latency, library call to resolved SRV + TXT + address', '');
  out.push(
    table(
      ['client', 'vs provdisc advertise', 'vs avahi-daemon', 'ratio'],
      CLIENTS.map((c) => [c.label, cell(r.latency.provdisc?.[c.id]), cell(r.latency.avahi?.[c.id]), ratio(r.latency.provdisc?.[c.id], r.latency.avahi?.[c.id])]),
    ),
  );
  out.push('', 'What is timed and how runs are spaced:', ...CLIENTS.map((c) => `- ${c.label}: ${c.timed}. Spacing: ${c.spacing}.`));

  out.push('', '### 2. Responder quality seen by python-zeroconf', '');
  out.push(table(['responder', 'ServiceInfo.request'], (['provdisc', 'avahi', 'bonjour'] as const).map((id) => [RESPONDER_LABELS[id], cell(r.latency[id]?.zeroconf)])));

  out.push('', '### 3. Whole-command wall time (spawn to exit, inside the client host)', '');
  out.push(table(['command', 'wall time'], Object.entries(r.wallTime).map(([label, s]) => [label, cell(s)])));

  out.push('', '### 4. Responder start (spawn) to first answer seen by a client in the other host', '');
  out.push(
    table(
      ['responder', 'spawn → says ready', 'spawn → first answer on the wire'],
      Object.entries(r.start).map(([id, s]) => [RESPONDER_LABELS[id as ResponderId], cell(s.readyMs), cell(s.firstAnswerMs)]),
    ),
  );

  out.push('', '### 5. Resident memory (MB)', '');
  const others = Object.entries(r.memory.otherResponders).map(([id, s]) => [RESPONDER_LABELS[id as ResponderId], 'serving, after the client runs', mb(s.vmRssKb), mb(s.rssAnonKb), mb(s.rssFileKb)]);
  const modules = Object.entries(r.memory.modules).map(([what, s]) => ['node, nothing else running', what, mb(s.vmRssKb), mb(s.rssAnonKb), mb(s.rssFileKb)]);
  out.push(
    table(
      ['process', 'when', 'VmRSS', 'RssAnon (private)', 'RssFile (shared)'],
      [
        ...memoryRows('provdisc advertise', r.memory.advertiser),
        ...memoryRows('provdisc advertise, node --max-semi-space-size=1', r.memory.advertiserSmallSemiSpace),
        ...others,
        ...modules,
      ],
    ),
  );

  out.push('', '### 6. Diagnostics', '');
  out.push(`avahi-daemon's service file: ${r.diagnostics.avahiServiceFile}.`, '');
  const phases = Object.entries(r.diagnostics.discoverPhases).flatMap(([id, p]) =>
    (['open', 'browse', 'close'] as const).map((step) => [`discover() ${step === 'open' ? 'opening sockets' : step === 'browse' ? 'asking until answered' : 'closing sockets'}`, RESPONDER_LABELS[id as ResponderId], cell(p[step])]),
  );
  const turnaround = Object.entries(r.diagnostics.wireTurnaround).map(([id, s]) => [
    'responder turnaround on the wire (python-zeroconf QU query out → first reply in, client capture)',
    RESPONDER_LABELS[id as ResponderId],
    cell(s),
  ]);
  out.push(table(['what', 'responder', 'ms'], [...phases, ...turnaround]));

  out.push('', '### Targets (issue 3 §4)', '');
  out.push(table(['target', 'figure', 'verdict'], r.targets.map((t) => [t.goal, t.figure, t.met ? 'met' : '**not met**'])));
  if (r.durationS !== undefined) out.push('', `Bench run time: ${r.durationS.toFixed(0)} s.`);
  return out.join('\n');
}
