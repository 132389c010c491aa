/**
 * What one answered question costs each responder, beside the bare Node floor
 * (bench/in-host/bare-mdns-responder.ts: one socket, one answer encoded at start, sent from the
 * receive handler) and avahi-daemon: host a answers, host b asks. For each responder: the median
 * turnaround on the wire (question in → first answer out, tshark in host a).
 * PER_QUESTION_CALLGRIND=1 also runs provdisc and the floor under valgrind's callgrind and gives the
 * instructions per question (answering minus idle over the same time): a figure the other
 * processes on a shared machine do not move (~10 min more).
 *
 * Options (environment): PER_QUESTION_KIND (qu, qm, legacy, other; default qu), PER_QUESTION_COUNT
 * (default 400), PER_QUESTION_INTERVAL_MS (default 60), PER_QUESTION_RESPONDERS (floor,provdisc,avahi),
 * PER_QUESTION_NODE_FLAGS, PER_QUESTION_KEEP=DIR (keeps the callgrind dumps).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LabHost } from '../../test/lab/host.js';
import type { SpawnedProcess } from '../../test/lab/process.js';
import { REPO_ROOT } from '../../test/lab/host.js';
import { TEMPLATE } from '../../test/fixtures/seed.js';
import { defined } from '../../test/defined.js';
import { jsonLines, runInHost } from '../in-host.js';
import type { BenchSection } from '../section.js';
import { avahiServiceFile, startAvahiResponder } from '../responders.js';
import { sleep } from '../stats.js';

const KIND = process.env.PER_QUESTION_KIND ?? 'qu';
const COUNT = Number(process.env.PER_QUESTION_COUNT ?? 400);
const INTERVAL_MS = Number(process.env.PER_QUESTION_INTERVAL_MS ?? 60);
const RESPONDERS = (process.env.PER_QUESTION_RESPONDERS ?? 'floor,provdisc,avahi').split(',');
const CALLGRIND = process.env.PER_QUESTION_CALLGRIND === '1';
const NODE_FLAGS = (process.env.PER_QUESTION_NODE_FLAGS ?? '').split(' ').filter(Boolean);
/** provdisc advertise --json (as the bench runs it), or its human output (PER_QUESTION_JSON=0). */
const JSON_LINES = process.env.PER_QUESTION_JSON !== '0';

interface Running {
  pid: number;
  process: SpawnedProcess;
  stop(): Promise<void>;
}

/** `wrapper`: a program that runs node (valgrind); `nodeFlags`: node's own options (PER_QUESTION_NODE_FLAGS). */
async function start(id: string, host: LabHost, wrapper: string[] = []): Promise<Running> {
  if (id === 'avahi') {
    const avahi = await startAvahiResponder(host, (await avahiServiceFile(host)).xml);
    return { pid: avahi.pid, process: avahi.process, stop: avahi.stop };
  }
  const script =
    id === 'floor'
      ? ['--import', import.meta.resolve('tsx'), path.join(REPO_ROOT, 'bench/in-host/bare-mdns-responder.ts'), '--address', host.ipv4]
      : [path.join(REPO_ROOT, process.env.PER_QUESTION_ENTRY ?? 'bin/provdisc'), 'advertise', ...(JSON_LINES ? ['--json'] : []), TEMPLATE];
  // `provdisc:--flag:--flag` runs provdisc with those node options
  const argv = [...wrapper, process.execPath, ...NODE_FLAGS, ...id.split(':').slice(1), ...script];
  const child = host.spawn(defined(argv[0]), argv.slice(1));
  await child.waitForLine(id === 'floor' ? /"event":"listening"/ : JSON_LINES ? /"event":"announced"/ : /advertising/, 120_000);
  return { pid: child.pid, process: child, stop: async () => void (await child.stop(10_000)) };
}

async function ask(client: LabHost, server: LabHost, count: number, intervalMs = INTERVAL_MS): Promise<{ sent: number; replies: number }> {
  const run = await runInHost(
    client,
    'ask-mdns.ts',
    ['--address', client.ipv4, '--target', server.ipv4, '--kind', KIND, '--count', String(count), '--interval-ms', String(intervalMs)],
    { timeoutMs: 60_000 + count * intervalMs * 2 },
  );
  return defined(jsonLines<{ sent: number; replies: number }>(run, 'ask-mdns')[0]);
}

async function wire(r: Running, server: LabHost, client: LabHost) {
  await ask(client, server, 20); // warm-up, left out
  await sleep(1500);
  const capture = await server.capture('eth0');
  const asked = await ask(client, server, COUNT);
  const packets = await capture.stop();
  const samples: number[] = [];
  let askedAt: number | undefined;
  for (const p of packets) {
    if (!p.qr && p.src.addr === client.ipv4) askedAt ??= p.time;
    else if (p.qr && p.src.addr === server.ipv4 && askedAt !== undefined) {
      samples.push((p.time - askedAt) * 1000);
      askedAt = undefined;
    }
  }
  return { samples, ...asked };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return defined(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))], 'a sample');
}

function callgrindTotal(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  const line = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!line) throw new Error(`no totals in ${file}`);
  return Number(line[1]);
}

/** Instructions per question under callgrind: (answering − idle over the same time) / questions. */
async function instructions(id: string, server: LabHost, client: LabHost): Promise<{ perQuestion: number; idle: number; answering: number; sent: number }> {
  const out = path.join(server.workDir, `callgrind-${id}.out`);
  const r = await start(id, server, ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`]);
  try {
    const control = (flag: string) => server.run('callgrind_control', [flag, String(r.pid)], { timeoutMs: 120_000 });
    const dumps = () => fs.readdirSync(server.workDir).filter((f) => f.startsWith(`callgrind-${id}.out.`));
    const dump = async (): Promise<number> => {
      const before = new Set(dumps());
      const res = await control('-d');
      if (res.code !== 0) throw new Error(`callgrind_control -d: ${res.stdout}${res.stderr}`);
      const added = path.join(
        server.workDir,
        defined(
          dumps()
            .filter((f) => !before.has(f))
            .at(-1),
          'a new callgrind dump',
        ),
      );
      // PER_QUESTION_KEEP=DIR keeps the dumps for callgrind_annotate
      if (process.env.PER_QUESTION_KEEP) fs.copyFileSync(added, path.join(process.env.PER_QUESTION_KEEP, path.basename(added)));
      return callgrindTotal(added);
    };
    // warm: the same questions first, as for the wire figures
    await ask(client, server, 100, 100);
    await sleep(2000);
    const spanMs = COUNT * 100;
    await control('-z');
    const asked = await ask(client, server, COUNT, 100);
    const answering = await dump();
    // idle after, not before: start-up work that runs late (compiling, the first full GC) is over
    await control('-z');
    await sleep(spanMs);
    const idle = await dump();
    return { perQuestion: (answering - idle) / asked.sent, idle, answering, sent: asked.sent };
  } finally {
    await r.stop();
  }
}

interface WireFigure {
  responder: string;
  median: number;
  p25: number;
  p75: number;
  n: number;
  sent: number;
  replies: number;
}

interface InstructionFigure {
  responder: string;
  perQuestion: number;
}

export interface PerQuestionResult {
  kind: string;
  wire: WireFigure[];
  instructions: InstructionFigure[];
}

const LABEL: Record<string, string> = {
  floor: 'bare Node floor',
  provdisc: 'provdisc advertise --json',
  avahi: 'avahi-daemon',
};
const labelOf = (id: string) => LABEL[id] ?? id;
/** Issue 18: provdisc's own work per question at most ~0.15 ms over the floor. */
const TARGET_MS = 0.15;
const fixed = (v: number) => v.toFixed(2);

export const perQuestionSection: BenchSection<PerQuestionResult> = {
  id: 'perQuestion',
  title: 'CPU per question beside the bare Node floor',
  peers: ['avahi', 'tshark'],
  async run({ server, client, log }) {
    const result: PerQuestionResult = { kind: KIND, wire: [], instructions: [] };
    for (const id of RESPONDERS) {
      log(`per question: ${COUNT} ${KIND} questions to ${labelOf(id)}`);
      const r = await start(id, server);
      try {
        const w = await wire(r, server, client);
        result.wire.push({
          responder: id,
          median: quantile(w.samples, 0.5),
          p25: quantile(w.samples, 0.25),
          p75: quantile(w.samples, 0.75),
          n: w.samples.length,
          sent: w.sent,
          replies: w.replies,
        });
      } finally {
        await r.stop();
      }
      await sleep(500);
    }
    if (CALLGRIND) {
      for (const id of RESPONDERS.filter((r) => r !== 'avahi')) {
        log(`per question: callgrind over ${labelOf(id)}`);
        result.instructions.push({ responder: id, perQuestion: Math.round((await instructions(id, server, client)).perQuestion) });
      }
    }
    return result;
  },
  headlines(r) {
    const of = (id: string) => r.wire.find((w) => w.responder === id);
    const floor = of('floor');
    const provdisc = of('provdisc');
    const avahi = of('avahi');
    const rows = [];
    if (floor && provdisc) {
      const over = provdisc.median - floor.median;
      rows.push({
        figure: `provdisc's own work per ${r.kind} question, on the wire (median turnaround over the bare Node floor)`,
        provdisc: `${fixed(provdisc.median)} ms (+${fixed(over)} over the floor)`,
        anchor: `floor ${fixed(floor.median)} ms${avahi ? `, avahi-daemon ${fixed(avahi.median)} ms` : ''}`,
        target: `≤ floor + ${TARGET_MS} ms`,
        met: over <= TARGET_MS,
      });
    }
    const count = (id: string) => r.instructions.find((i) => i.responder === id)?.perQuestion;
    const [floorI, provdiscI] = [count('floor'), count('provdisc')];
    if (floorI !== undefined && provdiscI !== undefined)
      rows.push({
        figure: `instructions per ${r.kind} question (callgrind)`,
        provdisc: `${Math.round(provdiscI / 1000)}k (+${Math.round((provdiscI - floorI) / 1000)}k over the floor)`,
        anchor: `floor ${Math.round(floorI / 1000)}k`,
        target: '–',
        met: undefined,
      });
    return rows;
  },
  details(r) {
    const lines = [
      `${COUNT} ${r.kind.toUpperCase()} questions ${INTERVAL_MS} ms apart from host b, each responder in turn in host a; turnaround = question frame in → first answer frame out, tshark in host a (ms).`,
      '',
      '| responder | median | p25 | p75 | answered / asked |',
      '| --- | --- | --- | --- | --- |',
      ...r.wire.map((w) => `| ${labelOf(w.responder)} | ${fixed(w.median)} | ${fixed(w.p25)} | ${fixed(w.p75)} | ${w.n} / ${w.sent} |`),
    ];
    if (r.instructions.length > 0)
      lines.push(
        '',
        '| responder | instructions per question (callgrind) |',
        '| --- | --- |',
        ...r.instructions.map((i) => `| ${labelOf(i.responder)} | ${i.perQuestion} |`),
      );
    return lines.join('\n');
  },
};
