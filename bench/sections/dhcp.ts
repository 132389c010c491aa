/**
 * DHCPINFORM → DHCPACK turnaround of `provdisc advertise --via dhcp` beside ISC dhcpd, kea-dhcp4 and
 * dnsmasq serving the file `provdisc dhcp-config` writes, in one run and one lab: host a serves, host
 * b asks with the Jitsi-faithful client. Seen by the client (first INFORM sent → ACK read) and on the
 * wire (tshark on b's interface: INFORM frame → ACK frame of the same xid), which leaves out the
 * client's own scheduling. Goal: provdisc no slower than the fastest server.
 *
 * Run alone with `npx tsx bench/dhcp.ts` (after `npm run build`), or as part of `npm run bench`.
 */
import path from 'node:path';
import { jitsiDhcpInform, startDhcpServer, type DhcpServerKind } from '../../test/lab/dhcp.js';
import { REPO_ROOT, type LabHost } from '../../test/lab/host.js';
import { createLab } from '../../test/lab/lab.js';
import type { BenchSection } from '../section.js';
import { sleep, summarize, type Summary } from '../stats.js';
import { defined } from '../../test/defined.js';

export type DhcpServerId = 'provdisc' | DhcpServerKind | 'node-floor';
const SERVERS: readonly DhcpServerId[] = ['provdisc', 'dhcpd', 'kea', 'dnsmasq', 'node-floor'];
const LABELS: Record<DhcpServerId, string> = {
  provdisc: 'provdisc advertise --via dhcp',
  dhcpd: 'ISC dhcpd (dhcp-config --format isc)',
  kea: 'kea-dhcp4 (dhcp-config --format kea)',
  dnsmasq: 'dnsmasq (dhcp-config --format dnsmasq)',
  'node-floor': 'diagnostic: bare Node dgram socket, decode + buildAck + send, nothing else',
};
const FORMAT: Record<DhcpServerKind, string> = { dhcpd: 'isc', kea: 'kea', dnsmasq: 'dnsmasq' };
const TEMPLATE = 'https://provisioning.example.org/provisioning.php?username=${username}&hwaddr=${hwaddr}&osname=${osname}';

export interface DhcpTurnaround {
  /** ms, per INFORM answered; failures are runs with no answer in time. */
  client: Summary | null;
  wire: Summary | null;
  failures: number;
  samples: { clientMs: number | null; wireMs: number | null }[];
}

export interface DhcpBenchResults {
  runs: number;
  servers: Partial<Record<DhcpServerId, DhcpTurnaround>>;
  /** provdisc's wire median against the fastest server's, and whether it meets the goal. */
  verdict: string;
}

interface WireFrame {
  time: number;
  toServer: boolean;
  xid: string;
}

/** tshark on `iface` of `host`, printing epoch time, destination port and xid of each DHCP frame. */
async function captureDhcp(host: LabHost, iface: string) {
  const tshark = host.spawn('tshark', [
    '-l',
    '-n',
    '-i',
    iface,
    '-f',
    'udp port 6767 or udp port 6768',
    '-T',
    'fields',
    '-e',
    'frame.time_epoch',
    '-e',
    'udp.dstport',
    '-e',
    'dhcp.id',
    '-d',
    'udp.port==6767,dhcp',
    '-d',
    'udp.port==6768,dhcp',
  ]);
  await tshark.waitForLine(/Capturing on/, 20_000, 'stderr');
  return {
    async frames(): Promise<WireFrame[]> {
      await sleep(500);
      await tshark.stop(2_000, 'SIGINT');
      return tshark.lines.stdout
        .map((l) => l.split('\t'))
        .filter((f) => f.length === 3 && f[2] !== '')
        .map(([time, port, xid]) => ({ time: Number(time), toServer: port === '6767', xid: Number(xid).toString(16).padStart(8, '0') }));
    },
  };
}

/**
 * What Node itself costs: a socket that only decodes each INFORM and sends buildAck's answer. If
 * provdisc is near it, the gap to the C servers is the runtime's wake-up path, not provdisc's work.
 */
function nodeFloorScript(serverId: string): string {
  const dist = (m: string) => JSON.stringify(path.join(REPO_ROOT, 'dist/dhcp', m));
  return `const { buildAck } = await import(${dist('ack.js')});
const { decodeDhcp } = await import(${dist('codec.js')});
const s = (await import('node:dgram')).createSocket('udp4');
const uri = Buffer.from(${JSON.stringify(TEMPLATE)});
s.on('message', (b) => { const m = decodeDhcp(b); s.send(buildAck(m, uri, ${JSON.stringify(serverId)}), 6768, m.ciaddr); });
s.bind(6767, () => console.log('ready'));`;
}

async function startServer(a: LabHost, id: DhcpServerId): Promise<{ stop(): Promise<unknown> }> {
  if (id === 'node-floor') {
    const floor = a.spawn(process.execPath, ['--input-type=module', '-e', nodeFloorScript(a.ipv4)]);
    await floor.waitForLine(/^ready$/, 20_000);
    return { stop: () => floor.stop(2_000) };
  }
  if (id === 'provdisc') {
    const ad = a.spawnProvdisc(['advertise', TEMPLATE, '--via', 'dhcp', '--json']);
    await ad.waitForLine(/"event":"announced"/, 20_000);
    return { stop: () => ad.stop(2_000) };
  }
  const file = await a.provdisc(['dhcp-config', TEMPLATE, '--format', FORMAT[id], '--subnet', `${a.ipv4.replace(/\.\d+$/, '.0')}/24`]);
  if (file.code !== 0) throw new Error(`dhcp-config --format ${FORMAT[id]} failed: ${file.stderr}`);
  return startDhcpServer(a, id, file.stdout);
}

type Sampled = DhcpTurnaround['samples'];

async function measure(a: LabHost, b: LabHost, id: DhcpServerId, runs: number, log: (m: string) => void): Promise<Sampled> {
  log(`DHCP: ${LABELS[id]} (${runs} INFORMs from the Jitsi-faithful client)`);
  const server = await startServer(a, id);
  const capture = await captureDhcp(b, 'eth0');
  const client: { xid: string; ms: number | null }[] = [];
  let frames: WireFrame[] = [];
  try {
    // one unmeasured exchange: every server's first answer pays for loading and page faults
    await jitsiDhcpInform(b, { timeoutS: 3 });
    for (let i = 0; i < runs; i++) {
      const r = await jitsiDhcpInform(b, { timeoutS: 3 });
      client.push({ xid: r.xid, ms: r.uri === TEMPLATE ? r.elapsedMs : null });
      await sleep(50);
    }
  } finally {
    frames = await capture.frames();
    await server.stop();
  }
  const wire = (xid: string): number | null => {
    const ask = frames.find((f) => f.toServer && f.xid === xid);
    const ack = ask && frames.find((f) => !f.toServer && f.xid === xid && f.time >= ask.time);
    return ask && ack ? (ack.time - ask.time) * 1000 : null;
  };
  return client.map((c) => ({ clientMs: c.ms, wireMs: c.ms === null ? null : wire(c.xid) }));
}

function summarise(samples: Sampled): DhcpTurnaround {
  const ok = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
  const clientOk = ok(samples.map((s) => s.clientMs));
  const wireOk = ok(samples.map((s) => s.wireMs));
  return {
    client: clientOk.length > 0 ? summarize(clientOk) : null,
    wire: wireOk.length > 0 ? summarize(wireOk) : null,
    failures: samples.length - clientOk.length,
    samples,
  };
}

/** Builds its own lab (a serves, b asks; b has the default route Jitsi needs to broadcast). */
export async function runDhcpBench(runs: number, log: (m: string) => void): Promise<DhcpBenchResults> {
  const lab = await createLab({ topology: 'pair' });
  const servers: DhcpBenchResults['servers'] = {};
  try {
    const a = lab.host('a');
    const b = lab.host('b');
    await b.run('ip', ['route', 'add', 'default', 'dev', 'eth0']);
    // two rounds in opposite orders: whatever drifts during the run (load from other jobs, caches)
    // weighs on every server alike
    const sampled: Partial<Record<DhcpServerId, Sampled>> = {};
    for (const order of [SERVERS, [...SERVERS].reverse()]) {
      for (const id of order) sampled[id] = [...(sampled[id] ?? []), ...(await measure(a, b, id, Math.ceil(runs / 2), log))];
    }
    for (const id of SERVERS) servers[id] = summarise(defined(sampled[id]));
  } finally {
    await lab.close();
  }
  const others = SERVERS.filter((id) => id !== 'provdisc' && id !== 'node-floor' && servers[id]?.wire);
  const fastest = others.sort((x, y) => defined(defined(servers[x]).wire).median - defined(defined(servers[y]).wire).median)[0];
  const ours = servers.provdisc?.wire?.median;
  const best = fastest ? defined(defined(servers[fastest]).wire).median : undefined;
  const verdict =
    ours === undefined || best === undefined
      ? 'not measured'
      : `${ours <= best ? 'met' : 'MISSED'}: provdisc ${ours.toFixed(3)} ms on the wire (median) vs the fastest, ${fastest}, ${best.toFixed(3)} ms`;
  return { runs, servers, verdict };
}

function cell(s: Summary | null): string {
  return s ? `${s.median.toFixed(3)} (p90 ${s.p90.toFixed(3)}, ${s.min.toFixed(3)}–${s.max.toFixed(3)})` : 'no answer';
}

export function renderDhcpBench(r: DhcpBenchResults): string {
  const rows = SERVERS.filter((id) => r.servers[id]).map((id) => {
    const t = defined(r.servers[id]);
    return `| ${LABELS[id]} | ${cell(t.client)} | ${cell(t.wire)} | ${t.failures} |`;
  });
  return [
    `DHCPINFORM → DHCPACK turnaround, ms: median (p90, min–max) over ${r.runs} INFORMs`,
    '| server | seen by the Jitsi-faithful client | on the wire (tshark) | unanswered |',
    '|---|---|---|---|',
    ...rows,
    `Goal (no slower than the fastest server): ${r.verdict}`,
  ].join('\n');
}

/** Issue 9 §6: in its own lab (the DHCP servers need a route back to the client). */
export const dhcpSection: BenchSection<DhcpBenchResults> = {
  id: 'dhcp',
  title: 'DHCP option 224: INFORM → ACK, provdisc beside ISC dhcpd, Kea and dnsmasq',
  peers: ['dhcpd', 'kea', 'dnsmasq', 'tshark'],
  run: (ctx) => runDhcpBench(ctx.runs, ctx.log),
  headlines(r) {
    const wire = (id: DhcpServerId) => r.servers[id]?.wire?.median;
    const others = (['dhcpd', 'kea', 'dnsmasq'] as const).filter((id) => wire(id) !== undefined);
    const fastest = others.sort((x, y) => defined(wire(x)) - defined(wire(y)))[0];
    const ours = wire('provdisc');
    const best = fastest === undefined ? undefined : wire(fastest);
    return [
      {
        figure: 'DHCPINFORM → DHCPACK on the wire (median ms)',
        provdisc: ours === undefined ? '–' : ours.toFixed(3),
        anchor: best === undefined ? '–' : `${LABELS[defined(fastest)]} ${best.toFixed(3)} (fastest server)`,
        target: '≤ fastest server',
        met: ours === undefined || best === undefined ? undefined : ours <= best,
      },
    ];
  },
  details: renderDhcpBench,
};
