/** Figures that explain the headline ones: where discover() spends its time, how fast a responder turns a query round. */
import type { LabHost } from '../test/lab/host.js';
import { zeroconfResolve } from '../test/lab/peers.js';
import type { Sample } from './clients.js';
import { jsonLines, runInHost } from './in-host.js';
import { series, type Series } from './report.js';
import { sleep } from './stats.js';

export interface DiscoverPhases {
  open: Series;
  browse: Series;
  close: Series;
}

/** discover()'s steps (open sockets, ask until answered, close), timed separately in one process. */
export async function discoverPhases(host: LabHost, runs: number): Promise<DiscoverPhases> {
  const result = await runInHost(host, 'discover-timer.ts', ['--phases', '--runs', String(runs)], { timeoutMs: 30_000 + runs * 4_000 });
  const calls = jsonLines<{ warmup: boolean; found: boolean; openMs: number; browseMs: number; closeMs: number }>(result, 'discover-timer --phases').filter(
    (c) => !c.warmup,
  );
  const step = (pick: (c: (typeof calls)[number]) => number): Series => series(calls.map((c) => ({ elapsedMs: pick(c), ok: c.found })));
  return { open: step((c) => c.openMs), browse: step((c) => c.browseMs), close: step((c) => c.closeMs) };
}

/**
 * Responder turnaround on the wire: python-zeroconf's QU query arriving on the responder's link to
 * the responder's first reply leaving, from a capture in the responder's own namespace (issue 7
 * §3). Leaves out both clients' own processing and the link, so it shows what the responder adds.
 */
export async function wireTurnaround(server: LabHost, client: LabHost, runs: number): Promise<Series> {
  const capture = await server.capture('eth0');
  for (let i = 0; i < runs; i++) {
    await zeroconfResolve(client, { repeat: 1 });
    await sleep(300);
  }
  const packets = await capture.stop();
  const samples: Sample[] = [];
  let askedAt: number | undefined;
  for (const p of packets) {
    if (!p.qr && p.src.addr === client.ipv4 && p.questions.some((q) => q.qu)) askedAt = p.time;
    else if (p.qr && p.src.addr === server.ipv4 && askedAt !== undefined) {
      samples.push({ elapsedMs: (p.time - askedAt) * 1000, ok: true });
      askedAt = undefined;
    }
  }
  return series(samples);
}
