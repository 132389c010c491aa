/**
 * Issue 7 §2: a client asking as Jitsi's JmDNS does, started at 16 offsets from 0 to 900 ms after
 * the responder multicast the records (bench/in-host/jmdns-timing.ts), against provdisc advertise
 * and against avahi-daemon: how many of those starts get no complete answer in JmDNS's window.
 */
import { jsonLines, runInHost } from '../in-host.js';
import { ms, table } from '../report.js';
import { avahiServiceFile, RESPONDER_LABELS, startAvahiResponder, startProvdisc, type ResponderId, type RunningResponder } from '../responders.js';
import type { BenchContext, BenchSection } from '../section.js';
import { defined } from '../../test/defined.js';

const OFFSETS_MS = Array.from({ length: 16 }, (_, i) => i * 60);

export interface JmdnsStart {
  offsetMs: number;
  found: boolean;
  srv: boolean;
  txt: boolean;
  address: boolean;
  answeredAfterMs: number | null;
}

export type JmdnsTimingResult = Partial<Record<ResponderId, JmdnsStart[]>>;

async function starts(ctx: BenchContext, id: ResponderId, start: () => Promise<RunningResponder>): Promise<JmdnsStart[]> {
  const responder = await start();
  try {
    ctx.log(`JmDNS-timing client at ${OFFSETS_MS.length} offsets against ${RESPONDER_LABELS[id]}`);
    const run = await runInHost(ctx.client, 'jmdns-timing.ts', ['--address', ctx.client.ipv4, '--offsets', OFFSETS_MS.join(',')], {
      timeoutMs: 30_000 + OFFSETS_MS.length * 6_000,
    });
    return jsonLines<JmdnsStart>(run, 'jmdns-timing');
  } finally {
    await responder.stop();
  }
}

const misses = (list: JmdnsStart[] | undefined): string => (list ? `${list.filter((s) => !s.found).length} of ${list.length}` : '–');

export const jmdnsTimingSection: BenchSection<JmdnsTimingResult> = {
  id: 'jmdnsTiming',
  title: 'JmDNS timing: a JmDNS-style client started 0–900 ms after the records were multicast',
  peers: ['avahi'],

  async run(ctx) {
    const result: JmdnsTimingResult = {};
    result.provdisc = await starts(ctx, 'provdisc', () => startProvdisc(ctx.server));
    const serviceFile = await avahiServiceFile(ctx.server);
    result.avahi = await starts(ctx, 'avahi', () => startAvahiResponder(ctx.server, serviceFile.xml));
    return result;
  },

  headlines(r) {
    const missed = (id: ResponderId) => r[id]?.filter((s) => !s.found).length;
    const p = missed('provdisc');
    return [
      {
        figure: `JmDNS-style client started at ${OFFSETS_MS.length} offsets 0–900 ms after a multicast of the records: starts that missed`,
        provdisc: misses(r.provdisc),
        anchor: `avahi-daemon ${misses(r.avahi)}`,
        target: '0 missed',
        met: p === undefined ? undefined : p === 0,
      },
    ];
  },

  details(r) {
    const ids = (['provdisc', 'avahi'] as const).filter((id) => r[id]);
    const outcome = (s: JmdnsStart | undefined) =>
      !s
        ? '–'
        : s.found
          ? `found after ${ms(defined(s.answeredAfterMs))} ms`
          : `**missed** (${[s.srv ? 'SRV' : '', s.txt ? 'TXT' : '', s.address ? 'address' : ''].filter(Boolean).join(' + ') || 'nothing'} seen)`;
    return [
      table(
        ['start offset (ms)', ...ids.map((id) => RESPONDER_LABELS[id])],
        OFFSETS_MS.map((offset) => [String(offset), ...ids.map((id) => outcome(defined(r[id]).find((s) => s.offsetMs === offset)))]),
      ),
      '',
      'Each start: 1.5 s of quiet, one QM question for SRV+TXT from another socket (time zero = the multicast answer to it), then at zero + offset the client opens its own socket on port 5353, asks SRV+TXT by QM three times 225 ms apart and listens until 675 ms after its first question, as JmDNS does when Jitsi starts; found = SRV, TXT and an address of the SRV target within that window.',
    ].join('\n');
  },
};
