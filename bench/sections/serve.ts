/**
 * `provdisc serve` under load (issue 10 §4): provisioning POSTs from 64 concurrent clients against
 * the real `provdisc serve` and, in the same run, a bare node:http server answering the same bytes
 * (the anchor), both on 127.0.0.1 inside a lab host. Rounds are interleaved (which server goes first
 * alternates) and the ratio is the median of each round's serve/bare ratio, so the load other
 * processes put on the shared machine falls on both sides of every ratio alike. Target: throughput ≥ 0.7 of the anchor with 0 errors. Also the cost of one login
 * (the scrypt check every POST pays when the site has users).
 * Run alone with `npx tsx bench/serve.ts` (needs root: it makes a lab), or as part of `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import type { LabHost } from '../../test/lab/host.js';
import { OS_PROFILES, writeSite } from '../../test/unit/server/site-fixture.js';
import { buildAnswer } from '../../src/server/answer.js';
import { loadSite } from '../../src/server/site.js';
import { hashPassword, verifyPassword } from '../../src/server/users.js';
import { jsonLines, runInHost, spawnInHost } from '../in-host.js';
import type { BenchSection } from '../section.js';
import { summarize, type Summary } from '../stats.js';
import { defined } from '../../test/defined.js';

const CONCURRENCY = 64;
const REQUESTS = Number(process.env.BENCH_SERVE_REQUESTS ?? 8000);
const ROUNDS = Number(process.env.BENCH_SERVE_ROUNDS ?? 5);
const WARMUP_REQUESTS = 1000;
const LOGINS = 20;
const PORT = 18080;
export const SERVE_TARGET_RATIO = 0.7;

export interface LoadRun {
  requests: number;
  errors: number;
  wallMs: number;
  rps: number;
  latencyMs: { median: number; p90: number; max: number };
}

export interface ServeBenchResult {
  concurrency: number;
  requestsPerRound: number;
  answerBytes: number;
  rounds: { bare: LoadRun; serve: LoadRun }[];
  /** Medians over the rounds. */
  bareRps: number;
  serveRps: number;
  /** Median of the rounds' serve/bare ratios. */
  ratio: number;
  errors: number;
  met: boolean;
  loginMs: Summary;
}

const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';
export const FORM = { username: 'alice', password: 's3cret', osname: 'Linux', hwaddr: '52:54:00:12:34:56', uuid: '3f1c2a9e-8b7d-4e2f-9a61-0c5d4b3e2f10' };

/** A site like examples/site over http on loopback: three profiles, client fields substituted; `serve` adds [serve] lines. */
export function benchSite(port = PORT, serve: readonly string[] = []): string {
  const template = `http://127.0.0.1:${port}/prov?username=\${username}&password=\${password}&osname=\${osname}&hwaddr=\${hwaddr}&uuid=\${uuid}`;
  return writeSite({
    'site.ini': `[serve]\nlisten = 127.0.0.1:${port}\ntemplate = ${template}\n${[...serve, ...OS_PROFILES].join('\n')}\n`,
    'common.properties': [
      'net.java.sip.communicator.impl.gui.main.MainFrame=${null}',
      'provisioning.ALLOW_PREFIX=net.java|org.ice4j|java.net',
      `${ACC}.ACCOUNT_UID=SIP\\:\${username}@sip.example.org`,
      `${ACC}.USER_ID=\${username}`,
      `${ACC}.PASSWORD=\${password}`,
      `${ACC}.SERVER_ADDRESS=sip.example.org`,
      'net.java.sip.communicator.impl.gui.main.MainFrame.width=520',
      '',
    ].join('\n'),
    'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
    'windows.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=750\n',
  }).site;
}

export async function load(host: LabHost, url: string, expected: Buffer, requests: number): Promise<LoadRun> {
  const run = await runInHost(
    host,
    'http-load.ts',
    [
      '--url',
      url,
      '--form',
      new URLSearchParams(FORM).toString(),
      '--expect',
      expected.toString('base64'),
      '--concurrency',
      String(CONCURRENCY),
      '--requests',
      String(requests),
    ],
    { timeoutMs: 300_000 },
  );
  return defined(jsonLines<LoadRun>(run, 'http-load')[0]);
}

async function loginCost(): Promise<Summary> {
  const hash = await hashPassword('s3cret');
  const times: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t = performance.now();
    if (!(await verifyPassword(i % 2 === 0 ? 's3cret' : randomBytes(6).toString('hex'), hash)) && i % 2 === 0) throw new Error('login check failed');
    times.push(performance.now() - t);
  }
  return summarize(times);
}

export const median = (values: number[]) => summarize(values).median;

/** Runs the whole serve benchmark in `host` (its loopback); `log` tells progress. */
export async function benchServe(host: LabHost, log: (message: string) => void = () => {}): Promise<ServeBenchResult> {
  const site = benchSite();
  const answer = buildAnswer(loadSite(site), new Map(Object.entries(FORM)));
  const serve = host.spawnProvdisc(['serve', '--config', site]);
  const bare = spawnInHost(host, 'bare-http.ts', ['--answer', answer.body.toString('base64')]);
  try {
    await serve.waitForLine(/^serving /, 15_000);
    const barePort = (JSON.parse(await bare.waitForLine(/"listening"/, 15_000)) as { listening: number }).listening;
    const urls = { serve: `http://127.0.0.1:${PORT}/prov`, bare: `http://127.0.0.1:${barePort}/prov` };
    log(`serve bench: warm-up (${WARMUP_REQUESTS} requests each)`);
    await load(host, urls.bare, answer.body, WARMUP_REQUESTS);
    await load(host, urls.serve, answer.body, WARMUP_REQUESTS);
    const rounds: ServeBenchResult['rounds'] = [];
    for (let i = 0; i < ROUNDS; i++) {
      log(`serve bench: round ${i + 1}/${ROUNDS}, ${REQUESTS} POSTs from ${CONCURRENCY} clients to each`);
      const first = i % 2 === 0 ? 'bare' : 'serve';
      const a = await load(host, urls[first], answer.body, REQUESTS);
      const b = await load(host, urls[first === 'bare' ? 'serve' : 'bare'], answer.body, REQUESTS);
      rounds.push(first === 'bare' ? { bare: a, serve: b } : { bare: b, serve: a });
    }
    const bareRps = median(rounds.map((r) => r.bare.rps));
    const serveRps = median(rounds.map((r) => r.serve.rps));
    const errors = rounds.reduce((n, r) => n + r.bare.errors + r.serve.errors, 0);
    const ratio = median(rounds.map((r) => r.serve.rps / r.bare.rps));
    log('serve bench: login cost');
    const loginMs = await loginCost();
    return {
      concurrency: CONCURRENCY,
      requestsPerRound: REQUESTS,
      answerBytes: answer.body.length,
      rounds,
      bareRps,
      serveRps,
      ratio,
      errors,
      met: ratio >= SERVE_TARGET_RATIO && errors === 0,
      loginMs,
    };
  } finally {
    await serve.stop(5_000);
    await bare.stop(2_000);
  }
}

export function renderServe(r: ServeBenchResult): string {
  const f = (n: number) => n.toFixed(0);
  return [
    `provdisc serve: ${r.requestsPerRound} POSTs × ${r.rounds.length} rounds from ${r.concurrency} concurrent clients, ${r.answerBytes}-byte answer, loopback in a lab host`,
    '| server | req/s (median of rounds) | rounds | errors | latency median / p90 (ms, last round) |',
    '|---|---|---|---|---|',
    `| bare node:http, same bytes (anchor) | ${f(r.bareRps)} | ${r.rounds.map((x) => f(x.bare.rps)).join(', ')} | ${r.rounds.reduce((n, x) => n + x.bare.errors, 0)} | ${defined(r.rounds.at(-1)).bare.latencyMs.median.toFixed(1)} / ${defined(r.rounds.at(-1)).bare.latencyMs.p90.toFixed(1)} |`,
    `| provdisc serve | ${f(r.serveRps)} | ${r.rounds.map((x) => f(x.serve.rps)).join(', ')} | ${r.rounds.reduce((n, x) => n + x.serve.errors, 0)} | ${defined(r.rounds.at(-1)).serve.latencyMs.median.toFixed(1)} / ${defined(r.rounds.at(-1)).serve.latencyMs.p90.toFixed(1)} |`,
    `throughput ratio ${r.ratio.toFixed(2)} (median of the rounds' ratios ${r.rounds.map((x) => (x.serve.rps / x.bare.rps).toFixed(2)).join(', ')}; target ≥ ${SERVE_TARGET_RATIO} with 0 errors): ${r.met ? 'met' : 'NOT met'}`,
    `one login (scrypt N=16384, r=8, p=1): median ${r.loginMs.median.toFixed(1)} ms, p90 ${r.loginMs.p90.toFixed(1)} ms (${r.loginMs.n} checks)`,
  ].join('\n');
}

/** Issue 10 §4: on the server host's loopback. */
export const serveSection: BenchSection<ServeBenchResult> = {
  id: 'serve',
  title: 'provdisc serve: provisioning POSTs beside a bare node:http server',
  peers: [],
  run: (ctx) => benchServe(ctx.server, ctx.log),
  headlines: (r) => [
    {
      figure: `provdisc serve throughput, ${r.concurrency} concurrent clients (req/s, median of rounds)`,
      provdisc: `${r.serveRps.toFixed(0)} (ratio ${r.ratio.toFixed(2)}, ${r.errors} errors)`,
      anchor: `bare node:http ${r.bareRps.toFixed(0)}`,
      target: `ratio ≥ ${SERVE_TARGET_RATIO}, 0 errors`,
      met: r.met,
    },
    {
      figure: 'one login, scrypt hash check (median ms)',
      provdisc: r.loginMs.median.toFixed(1),
      anchor: '–',
      target: '–',
      met: undefined,
    },
  ],
  details: renderServe,
};
