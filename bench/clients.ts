/**
 * The discovery clients, each run the way it really runs: a fresh client (process) per look-up,
 * except the library, which is timed call by call in one process after warm-up calls.
 */
import type { LabHost } from '../test/lab/host.js';
import { jitsiDiscover, zeroconfResolve } from '../test/lab/peers.js';
import { jsonLines, runInHost } from './in-host.js';
import { SEED_TXT, TEMPLATE } from '../test/fixtures/seed.js';
import { epochNow, sleep } from './stats.js';
import { defined } from '../test/defined.js';

export interface Sample {
  elapsedMs: number;
  /** Found, with the seed's TXT (or template) intact. */
  ok: boolean;
}

export type ClientId = 'provdisc-lib' | 'zeroconf' | 'avahi-browse' | 'jmdns' | 'bonjour-find';

export interface Client {
  id: ClientId;
  label: string;
  /** What lies between the two clock readings. */
  timed: string;
  /** How runs are spaced, and why. */
  spacing: string;
  measure(host: LabHost, runs: number): Promise<Sample[]>;
}

const sameTxt = (txt: readonly string[] | undefined): boolean => JSON.stringify(txt) === JSON.stringify(SEED_TXT);

/** Gap after each run of a client whose first question asks for a unicast answer (QU). */
const QU_GAP_MS = 300;
/**
 * Gap after each run of a client that only sends plain (QM) questions: RFC 6762 §6 lets a
 * responder multicast a record at most once a second per interface, so a QM client coming back
 * sooner would be measuring that rule, not the responder.
 */
const QM_GAP_MS = 1_000;

async function repeat(runs: number, gapMs: number, once: () => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(await once());
    await sleep(gapMs);
  }
  return samples;
}

const WARMUP_CALLS = 2;

export const CLIENTS: Client[] = [
  {
    id: 'provdisc-lib',
    label: 'provdisc discover() (library)',
    timed: `discover() from dist/, sockets opened and closed inside; one node process, first ${WARMUP_CALLS} calls (JIT warm-up) left out`,
    spacing: `${QU_GAP_MS} ms between calls (its first question is QU, answered by unicast)`,
    async measure(host, runs) {
      const result = await runInHost(host, 'discover-timer.ts', ['--runs', String(runs), '--warmup', String(WARMUP_CALLS), '--gap-ms', String(QU_GAP_MS)], {
        timeoutMs: 30_000 + runs * 4_000,
      });
      return jsonLines<{ warmup: boolean; elapsedMs: number; template: string | null }>(result, 'discover-timer')
        .filter((r) => !r.warmup)
        .map((r) => ({ elapsedMs: r.elapsedMs, ok: r.template === TEMPLATE }));
    },
  },
  {
    id: 'zeroconf',
    label: 'python-zeroconf ServiceInfo.request',
    timed: 'ServiceInfo.request only (Zeroconf created before, a fresh one per run); one python process per run',
    spacing: `${QU_GAP_MS} ms between runs (first question QU) plus interpreter start`,
    measure: (host, runs) =>
      repeat(runs, QU_GAP_MS, async () => {
        const [lookup] = await zeroconfResolve(host, { repeat: 1 });
        return { elapsedMs: defined(lookup).elapsedMs, ok: defined(lookup).found && sameTxt(defined(lookup).txt) };
      }),
  },
  {
    id: 'avahi-browse',
    label: 'avahi-browse -r (first resolved line)',
    timed:
      'spawn of avahi-browse -p -r _https._tcp to its first "=" line for the instance; a fresh avahi-daemon in the client host per run (an old one would answer from its cache)',
    spacing: `${QM_GAP_MS} ms between runs (Avahi asks QM) plus ~0.8 s daemon start`,
    measure: (host, runs) =>
      repeat(runs, QM_GAP_MS, async () => {
        const daemon = await host.startAvahi({ waitFor: 'startup' });
        try {
          const started = epochNow();
          const browse = host.spawnTracked('nsenter', ['-t', String(daemon.daemon.pid), '-n', '-m', '-u', 'avahi-browse', '-p', '-r', '_https._tcp'], {
            description: `[${host.key}] avahi-browse`,
          });
          try {
            const line = await browse.waitForLine(/^=;[^;]*;IPv[46];Provisioning\\032URL;/, 10_000);
            const elapsedMs = epochNow() - started;
            // avahi-browse prints TXT strings in reverse wire order
            const txt = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => defined(m[1])).reverse();
            return { elapsedMs, ok: sameTxt(txt) };
          } finally {
            await browse.stop(1_000);
          }
        } finally {
          await daemon.stop();
        }
      }),
  },
  {
    id: 'jmdns',
    label: "JmDNS getServiceInfo (Jitsi's path)",
    timed: 'JmDNS.create + getServiceInfo(_https) in a fresh JVM per run (as Jitsi at start-up: JmDNS classes not yet loaded)',
    spacing: 'one JVM per run: its ~2 s start already spaces the queries by more than 1 s',
    measure: (host, runs) =>
      repeat(runs, 0, async () => {
        const [lookup] = await jitsiDiscover(host, { repeat: 1 });
        return { elapsedMs: defined(lookup).elapsedMs, ok: defined(lookup).url !== null && sameTxt(defined(lookup).txt) };
      }),
  },
  {
    id: 'bonjour-find',
    label: 'bonjour-service find (first up)',
    timed: 'new Bonjour() to the first `up` of the instance; one node process per run',
    spacing: `${QM_GAP_MS} ms between runs (multicast-dns asks QM) plus node start`,
    measure: (host, runs) =>
      repeat(runs, QM_GAP_MS, async () => {
        const result = await runInHost(host, 'bonjour-find.ts', ['--address', host.ipv4], { timeoutMs: 20_000 });
        const [lookup] = jsonLines<{ found: boolean; elapsedMs: number; txt?: Record<string, string> }>(result, 'bonjour-find');
        const txt = Object.entries(defined(lookup).txt ?? {}).map(([k, v]) => `${k}=${v}`);
        return { elapsedMs: defined(lookup).elapsedMs, ok: defined(lookup).found && sameTxt(txt) };
      }),
  },
];

export function client(id: ClientId): Client {
  const found = CLIENTS.find((c) => c.id === id);
  if (!found) throw new Error(`no client ${id}`);
  return found;
}
