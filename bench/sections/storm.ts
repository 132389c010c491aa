/**
 * The 9:00 storm (issue 18 §3): BENCH_STORM_CLIENTS (default 150) client hosts on one switch with
 * the responder host a, every client starting within one second, as a building's Jitsi clients do.
 * Scenarios, each provdisc beside its anchor in the same run:
 * - mdns: a JmDNS-style look-up — `provdisc advertise` vs avahi-daemon;
 * - mdns-busy: the same while `serve` is kept busy by logins (8 in flight, scrypt at passwd's
 *   default) — `serve` with `via = bonjour` vs avahi-daemon beside a `serve` without `via`;
 * - dhcp: Jitsi's INFORM — `provdisc advertise --via dhcp` vs dnsmasq;
 * - whole: discover (half by Bonjour, half by DHCP), then the TLS POST with each user's login —
 *   `serve` with `via = bonjour, dhcp` vs avahi-daemon + dnsmasq + a bare node:https server
 *   answering the same bytes.
 * Every responder process is pinned to core 0; the clients (bench/in-host/storm_clients.py, one
 * process, one socket per client host) run on core 1 (pinned: off the responder's core) or on core 0
 * (shared); a third placement leaves everything free on both cores (two-cores). Refusals by provdisc's own budgets are counted from its --json events.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDhcpServer } from '../../test/lab/dhcp.js';
import type { LabHost } from '../../test/lab/host.js';
import { createLab, type Lab } from '../../test/lab/lab.js';
import { SYSTEM_PYTHON } from '../../test/lab/peers.js';
import type { SpawnedProcess } from '../../test/lab/process.js';
import { runBounded } from '../../test/lab/process.js';
import { makeCertificates } from '../../test/unit/certificates.js';
import { OS_PROFILES } from '../../test/unit/server/site-fixture.js';
import { buildAnswer } from '../../src/server/answer.js';
import { loadSite } from '../../src/server/site.js';
import { setUserPassword } from '../../src/server/users.js';
import { spawnInHost } from '../in-host.js';
import type { BenchSection, Headline } from '../section.js';
import { sleep, summarize } from '../stats.js';

const CLIENTS = Number(process.env.BENCH_STORM_CLIENTS ?? 150);
const SPREAD_MS = 1000;
/** BENCH_STORM_SCENARIOS=mdns,whole runs only those (mdns, mdns-busy, dhcp, whole). */
const ONLY = process.env.BENCH_STORM_SCENARIOS?.split(',');
const BUSY_LOGINS = 8;
const WARM_UP_CLIENTS = 10;
/** Storm users' hashes: the cost docs/benchmark.md recommends for a site whose users log in together. */
const STORM_SCRYPT_N = 1024;
const JITSI_HTTP_LIMIT_MS = 10_000;
const CLIENT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../in-host/storm_clients.py');
const INSTANCE = 'Provisioning URL._https._tcp.local';
const PORT = 8443;
const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';

/**
 * pinned: responder on core 0, clients on core 1; shared: both on core 0; two-cores: both free on
 * cores 0-1, as on an unpinned 2-core server (where a worker thread can run beside the main one).
 */
export type Placement = 'pinned' | 'shared' | 'two-cores';
/**
 * BENCH_STORM_DIAGNOSTICS=1 adds the two-cores placement and, beside serve, serve's HTTPS and its
 * advertisement on one event loop (the choice of docs/architecture.md); off by default to keep the
 * section within ~4 minutes.
 */
const DIAGNOSTICS = process.env.BENCH_STORM_DIAGNOSTICS === '1';
const PLACEMENTS: readonly Placement[] = DIAGNOSTICS ? ['pinned', 'shared', 'two-cores'] : ['pinned', 'shared'];
const CPUS: Record<Placement, { responder: string; clients: string }> = {
  pinned: { responder: '0', clients: '1' },
  shared: { responder: '0', clients: '0' },
  'two-cores': { responder: '0-1', clients: '0-1' },
};
const PLACEMENT_LABEL: Record<Placement, string> = { pinned: 'clients on core 1', shared: 'clients sharing core 0', 'two-cores': 'everything on both cores' };
type Mode = 'mdns' | 'dhcp' | 'whole';
type ScenarioId = 'mdns' | 'mdns-busy' | 'dhcp' | 'whole';

interface ClientLine {
  ns?: string;
  via?: string;
  found?: boolean;
  answeredMs?: number | null;
  provisioned?: boolean;
  provisionedMs?: number;
  status?: number | null;
  error?: string;
  done?: boolean;
  busy?: { ok: number; other: number };
}

/** What provdisc's own limits refused, from its --json events. */
export interface Refusals {
  mdnsRateLimited: number;
  dhcpLimited: number;
  login403or429: number;
}

export interface StormRun {
  scenario: ScenarioId;
  responder: string;
  provdisc: boolean;
  placement: Placement;
  clients: number;
  /** Found in the client's window (mdns: 675 ms; dhcp: 10 s), or provisioned (whole). */
  ok: number;
  /** ms: answer time (mdns, dhcp) or client start → 200 read (whole), of the ok clients. */
  p50: number | null;
  p95: number | null;
  max: number | null;
  /** mdns: answered after the window (within 3 s); whole: the discovery part that failed. */
  late: number;
  notFound: number;
  refusals: Refusals | null;
  busy?: { ok: number; other: number };
  errors: string[];
}

export interface StormResult {
  clients: number;
  spreadMs: number;
  runs: StormRun[];
  labSetupS: number;
}

interface Responder {
  label: string;
  provdisc: boolean;
  processes: SpawnedProcess[];
  stop(): Promise<void>;
}

interface Site {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  template: string;
  /** site files: with `via = bonjour`, `via = bonjour, dhcp`, and none. */
  files: Record<'bonjour' | 'both' | 'none', string>;
  users: { username: string; password: string }[];
  busyUser: { username: string; password: string };
  answer: Buffer;
}

async function writeStormSite(a: LabHost, n: number): Promise<Site> {
  const dir = path.join(a.workDir, 'storm-site');
  fs.mkdirSync(dir, { recursive: true });
  const certs = makeCertificates(dir, [a.ipv4]);
  const template = `https://${a.ipv4}:${PORT}/prov?username=\${username}&password=\${password}&osname=\${osname}&hwaddr=\${hwaddr}&uuid=\${uuid}`;
  fs.writeFileSync(
    path.join(dir, 'common.properties'),
    `provisioning.ALLOW_PREFIX=net.java\n${ACC}=acc1\n${ACC}.ACCOUNT_UID=SIP:\${username}@sip.example.org\n${ACC}.USER_ID=\${username}\n${ACC}.PASSWORD=\${password}\n`,
  );
  fs.writeFileSync(path.join(dir, 'linux.properties'), 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n');
  fs.writeFileSync(path.join(dir, 'windows.properties'), 'net.java.sip.communicator.impl.gui.main.MainFrame.height=750\n');
  const usersFile = path.join(dir, 'users');
  const users = Array.from({ length: n }, (_, i) => ({ username: `user${String(i + 1).padStart(3, '0')}`, password: `pw-${i + 1}-storm` }));
  for (const u of users) await setUserPassword(usersFile, u.username, u.password, STORM_SCRYPT_N);
  // the busy logins pay passwd's default cost: the HTTP side as busy as a real login makes it
  const busyUser = { username: 'busy', password: 'busy-s3cret' };
  await setUserPassword(usersFile, busyUser.username, busyUser.password);
  const site = (via: string | undefined) =>
    [
      '[serve]',
      `listen = ${a.ipv4}:${PORT}`,
      'tls-cert = server.pem',
      'tls-key = server.key',
      `template = ${template}`,
      'users = users',
      ...(via ? [`via = ${via}`] : []),
      ...OS_PROFILES,
      '',
    ].join('\n');
  const files = { bonjour: 'site-bonjour.ini', both: 'site-both.ini', none: 'site-none.ini' };
  fs.writeFileSync(path.join(dir, files.bonjour), site('bonjour'));
  fs.writeFileSync(path.join(dir, files.both), site('bonjour, dhcp'));
  fs.writeFileSync(path.join(dir, files.none), site(undefined));
  const first = users[0] ?? busyUser;
  const form = new Map(Object.entries({ username: first.username, password: first.password, osname: 'Linux', hwaddr: '02:00:00:00:00:01', uuid: 'x' }));
  const answer = buildAnswer(loadSite(path.join(dir, files.none)), form).body;
  return {
    dir,
    caFile: certs.caFile,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
    template,
    files: { bonjour: path.join(dir, files.bonjour), both: path.join(dir, files.both), none: path.join(dir, files.none) },
    users,
    busyUser,
    answer,
  };
}

/** Pins every process (every thread) in `host` to `cpu`: the responder's core. */
async function pinHost(host: LabHost, cpu: string): Promise<void> {
  const pids = (await runBounded('ip', ['netns', 'pids', host.ns], { timeoutMs: 10_000 })).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) await runBounded('taskset', ['-a', '-p', '-c', cpu, pid], { timeoutMs: 10_000 });
}

function refusalsOf(processes: SpawnedProcess[]): Refusals {
  const r: Refusals = { mdnsRateLimited: 0, dhcpLimited: 0, login403or429: 0 };
  for (const line of processes.flatMap((p) => p.lines.stdout)) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { event?: string; answered?: string[]; packets?: { limited: number }; status?: number };
    if (e.event === 'query' && e.answered?.includes('rate-limited')) r.mdnsRateLimited++;
    if (e.event === 'dhcp-closed') r.dhcpLimited += e.packets?.limited ?? 0;
    if (e.event === 'request' && (e.status === 403 || e.status === 429)) r.login403or429++;
  }
  return r;
}

async function provdiscProcess(a: LabHost, args: string[], ready: RegExp[]): Promise<SpawnedProcess> {
  const p = a.spawnProvdisc([...args, '--json']);
  for (const line of ready) await p.waitForLine(line, 20_000);
  return p;
}

const stopAll = (processes: SpawnedProcess[]) => async () => void (await Promise.all(processes.map((p) => p.stop(5_000))));

async function avahiFor(a: LabHost, template: string): Promise<SpawnedProcess> {
  const xml = await a.provdisc(['avahi', template]);
  if (xml.code !== 0) throw new Error(`provdisc avahi failed: ${xml.stderr}`);
  return (await a.startAvahi({ services: { 'provisioning.service': xml.stdout } })).daemon;
}

async function dnsmasqFor(a: LabHost, template: string): Promise<SpawnedProcess> {
  const file = await a.provdisc(['dhcp-config', template, '--format', 'dnsmasq', '--subnet', `${a.ipv4.replace(/\.\d+$/, '.0')}/24`]);
  if (file.code !== 0) throw new Error(`dhcp-config failed: ${file.stderr}`);
  return (await startDhcpServer(a, 'dnsmasq', file.stdout)).process;
}

/** serve's HTTPS and advertiseVia on one event loop (before the worker thread): the diagnostic beside it. */
async function serveOneThread(a: LabHost, site: string): Promise<SpawnedProcess> {
  const p = spawnInHost(a, 'serve-one-thread.ts', ['--site', site]);
  await p.waitForLine(ANNOUNCED, 20_000);
  return p;
}

async function bareHttps(a: LabHost, site: Site): Promise<SpawnedProcess> {
  const p = spawnInHost(a, 'bare-http.ts', [
    '--answer',
    site.answer.toString('base64'),
    '--host',
    a.ipv4,
    '--port',
    String(PORT),
    '--cert',
    site.certFile,
    '--key',
    site.keyFile,
  ]);
  await p.waitForLine(/"listening"/, 20_000);
  return p;
}

const ONE_THREAD = 'diagnostic: serve and its advertisement on one event loop (no worker)';
const LISTENING = /"event":"listening"/;
const ANNOUNCED = /"event":"announced"/;

interface Scenario {
  id: ScenarioId;
  mode: Mode;
  title: string;
  busy: boolean;
  /** provdisc's side, its anchor, then diagnostics (provdisc variants). */
  responders: ((a: LabHost, s: Site) => Promise<Responder>)[];
}

const responder = (label: string, provdisc: boolean, processes: SpawnedProcess[]): Responder => ({ label, provdisc, processes, stop: stopAll(processes) });

const SCENARIOS: Scenario[] = [
  {
    id: 'mdns',
    mode: 'mdns',
    title: 'Bonjour: JmDNS-style SRV+TXT, three times 225 ms apart, found within 675 ms',
    busy: false,
    responders: [
      async (a, s) => responder('provdisc advertise', true, [await provdiscProcess(a, ['advertise', s.template], [ANNOUNCED])]),
      async (a, s) => responder('avahi-daemon', false, [await avahiFor(a, s.template)]),
    ],
  },
  {
    id: 'mdns-busy',
    mode: 'mdns',
    title: `Bonjour while serve is kept busy by ${BUSY_LOGINS} logins in flight (scrypt N=16384)`,
    busy: true,
    responders: [
      async (a, s) =>
        responder('provdisc serve (via = bonjour)', true, [await provdiscProcess(a, ['serve', '--config', s.files.bonjour], [LISTENING, ANNOUNCED])]),
      async (a, s) =>
        responder('avahi-daemon beside provdisc serve (no via)', false, [
          await avahiFor(a, s.template),
          await provdiscProcess(a, ['serve', '--config', s.files.none], [LISTENING]),
        ]),
      ...(DIAGNOSTICS ? [async (a: LabHost, s: Site) => responder(ONE_THREAD, true, [await serveOneThread(a, s.files.bonjour)])] : []),
    ],
  },
  {
    id: 'dhcp',
    mode: 'dhcp',
    title: "DHCP: Jitsi's INFORM, resent 1–2 s apart, answered within 10 s",
    busy: false,
    responders: [
      async (a, s) => responder('provdisc advertise --via dhcp', true, [await provdiscProcess(a, ['advertise', s.template, '--via', 'dhcp'], [ANNOUNCED])]),
      async (a, s) => responder('dnsmasq', false, [await dnsmasqFor(a, s.template)]),
    ],
  },
  {
    id: 'whole',
    mode: 'whole',
    title: 'The whole client: discover (half Bonjour, half DHCP), then the TLS POST with its login, provisioned within 10 s',
    busy: false,
    responders: [
      async (a, s) =>
        responder('provdisc serve (via = bonjour, dhcp)', true, [await provdiscProcess(a, ['serve', '--config', s.files.both], [LISTENING, ANNOUNCED])]),
      async (a, s) =>
        responder('avahi-daemon + dnsmasq + bare node:https', false, [await avahiFor(a, s.template), await dnsmasqFor(a, s.template), await bareHttps(a, s)]),
      ...(DIAGNOSTICS ? [async (a: LabHost, s: Site) => responder(ONE_THREAD, true, [await serveOneThread(a, s.files.both)])] : []),
    ],
  },
];

async function storm(lab: Lab, site: Site, scenario: Scenario, placement: Placement, provdisc: boolean, runNo: number, count = CLIENTS): Promise<ClientLine[]> {
  const clients = lab.hosts
    .filter((h) => h.key !== 'a')
    .slice(0, count)
    .map((h) => ({ ns: h.ns, ipv4: h.ipv4, mac: h.interfaces[0]?.mac ?? '00:00:00:00:00:00' }));
  const config = {
    mode: scenario.mode,
    clients,
    spreadMs: SPREAD_MS,
    instance: INSTANCE,
    caFile: site.caFile,
    users: site.users,
    expect: provdisc ? `${ACC}.USER_ID=\${username}` : `${ACC}.USER_ID=`,
    seed: runNo,
    ...(scenario.busy ? { busy: BUSY_LOGINS, busyUrl: site.template, busyUser: site.busyUser } : {}),
  };
  const file = path.join(site.dir, `storm-${runNo}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  // one process in the first client host, opening each client's sockets in that client's namespace
  const run = await lab.host('c1').run('taskset', ['-c', CPUS[placement].clients, SYSTEM_PYTHON, CLIENT_SCRIPT, file], { timeoutMs: 60_000 });
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ClientLine);
  if (!lines.some((l) => l.done))
    throw new Error(`storm clients did not finish (exit ${run.code}${run.timedOut ? ', timed out' : ''}):\n${run.stderr.slice(-2000)}`);
  return lines;
}

function summariseRun(scenario: Scenario, r: Responder, placement: Placement, lines: ClientLine[], refusals: Refusals | null): StormRun {
  const clients = lines.filter((l) => !l.done);
  const whole = scenario.mode === 'whole';
  const ok = clients.filter((c) => (whole ? c.provisioned === true && (c.provisionedMs ?? Infinity) <= JITSI_HTTP_LIMIT_MS : c.found === true));
  const times = ok.map((c) => (whole ? (c.provisionedMs ?? 0) : (c.answeredMs ?? 0)));
  const s = times.length > 0 ? summarize(times) : undefined;
  const p95 = times.length > 0 ? [...times].sort((x, y) => x - y)[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)] : undefined;
  const errors = [
    ...new Set(clients.flatMap((c) => (c.error ? [c.error] : c.status !== undefined && c.status !== null && c.status !== 200 ? [`HTTP ${c.status}`] : []))),
  ];
  return {
    scenario: scenario.id,
    responder: r.label,
    provdisc: r.provdisc,
    placement,
    clients: clients.length,
    ok: ok.length,
    p50: s?.median ?? null,
    p95: p95 ?? null,
    max: s?.max ?? null,
    late: clients.filter((c) => !c.found && typeof c.answeredMs === 'number').length,
    notFound: clients.filter((c) => !c.found).length,
    refusals,
    ...(lines.find((l) => l.done)?.busy ? { busy: lines.find((l) => l.done)?.busy } : {}),
    errors: errors.slice(0, 5),
  };
}

export async function runStorm(log: (m: string) => void): Promise<StormResult> {
  const began = performance.now();
  log(`storm: building a switch lab with ${CLIENTS} client hosts`);
  // a default route: Jitsi's INFORM goes to 255.255.255.255, which needs one
  const lab = await createLab({ topology: 'switch', clients: CLIENTS, defaultRoute: true });
  const runs: StormRun[] = [];
  const labSetupS = (performance.now() - began) / 1000;
  try {
    const a = lab.host('a');
    const site = await writeStormSite(a, CLIENTS);
    let runNo = 0;
    for (const scenario of SCENARIOS.filter((x) => !ONLY || ONLY.includes(x.id))) {
      for (const start of scenario.responders) {
        const r = await start(a, site);
        try {
          // unmeasured: every responder's first answers pay for loading and compiling
          await storm(lab, site, scenario, 'pinned', r.provdisc, ++runNo, WARM_UP_CLIENTS);
          for (const placement of PLACEMENTS) {
            log(`storm ${scenario.id}: ${r.label}, ${PLACEMENT_LABEL[placement]}`);
            // threads started since (a worker's, the thread pool's) are pinned too
            await pinHost(a, CPUS[placement].responder);
            // the one-second multicast rule (RFC 6762 §6) and DHCP retransmissions of the last storm are over
            await sleep(2_000);
            const lines = await storm(lab, site, scenario, placement, r.provdisc, ++runNo);
            runs.push(summariseRun(scenario, r, placement, lines, null));
          }
        } finally {
          await r.stop();
        }
        // counted after the stop: the DHCP responder tells its refusals when it closes
        if (r.provdisc) {
          const refusals = refusalsOf(r.processes);
          for (const run of runs.filter((x) => x.scenario === scenario.id && x.responder === r.label)) run.refusals = refusals;
        }
      }
    }
  } finally {
    await lab.close();
  }
  return { clients: CLIENTS, spreadMs: SPREAD_MS, runs, labSetupS };
}

const ms = (v: number | null) => (v === null ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(0));
const refusalText = (r: Refusals | null) => (r ? `mDNS ${r.mdnsRateLimited} · DHCP ${r.dhcpLimited} · login ${r.login403or429}` : '–');

export function renderStorm(r: StormResult): string {
  const out: string[] = [
    `${r.clients} client hosts on one switch with the responder host, each client starting at its own moment within ${r.spreadMs} ms; one client process (bench/in-host/storm_clients.py) opening each client's sockets in its own namespace. Every responder process (all its threads) pinned to core 0, clients on core 1 (pinned) or on core 0 with it (shared); or all of them free on both cores (two-cores). Times in ms over the clients that succeeded. Lab built in ${r.labSetupS.toFixed(0)} s.`,
  ];
  for (const scenario of SCENARIOS) {
    out.push(
      '',
      `**${scenario.title}**`,
      '',
      '| responder | clients | ok | p50 | p95 | max | missed (late) | refused by provdisc budgets (whole run) | notes |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const run of r.runs.filter((x) => x.scenario === scenario.id)) {
      const notes = [run.busy ? `busy logins ${run.busy.ok} × 200, ${run.busy.other} other` : '', ...run.errors].filter(Boolean).join('; ');
      out.push(
        `| ${run.responder} | ${run.placement} | ${run.ok}/${run.clients} | ${ms(run.p50)} | ${ms(run.p95)} | ${ms(run.max)} | ${run.notFound} (${run.late}) | ${run.provdisc ? refusalText(run.refusals) : '–'} | ${notes} |`,
      );
    }
  }
  return out.join('\n');
}

function headlines(r: StormResult): Headline[] {
  const rows: Headline[] = [];
  for (const scenario of SCENARIOS) {
    for (const placement of PLACEMENTS) {
      const ours = r.runs.find((x) => x.scenario === scenario.id && x.placement === placement && x.provdisc && x.responder !== ONE_THREAD);
      const anchor = r.runs.find((x) => x.scenario === scenario.id && x.placement === placement && !x.provdisc);
      if (!ours || !anchor) continue;
      const cell = (x: StormRun) => `${x.ok}/${x.clients}, p95 ${ms(x.p95)} ms`;
      const whole = scenario.mode === 'whole';
      rows.push({
        figure: `storm ${scenario.id}, clients ${placement} (${whole ? 'provisioned within 10 s' : 'found'}, p95)`,
        provdisc: `${cell(ours)}; refused by budgets: ${refusalText(ours.refusals)}`,
        anchor: `${anchor.responder} ${cell(anchor)}`,
        target: whole ? `all ${ours.clients}, p95 ≤ anchor` : '≥ anchor found, all when the anchor finds all',
        met: whole
          ? ours.ok === ours.clients && (ours.p95 ?? Infinity) <= (anchor.p95 ?? Infinity)
          : ours.ok >= anchor.ok && (anchor.ok < anchor.clients || ours.ok === ours.clients),
      });
    }
  }
  return rows;
}

export const stormSection: BenchSection<StormResult> = {
  id: 'storm',
  title: 'The 9:00 storm: every client of one switch starting within one second',
  peers: ['avahi', 'dnsmasq'],
  run: (ctx) => runStorm(ctx.log),
  headlines,
  details: renderStorm,
};
