/**
 * Issue 7 §2 and §6, on the wire. A client that asks as JmDNS does (Jitsi's path: SRV+TXT three
 * times 225 ms apart, listening until 675 ms after its first question, socket opened only when it
 * starts) finds the service whenever it starts, including within the second after the records were
 * multicast; and provdisc tells who asked (`query` events, a line per new client).
 */
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT, type LabHost } from '../lab/host.js';
import { jitsiDiscover, SYSTEM_PYTHON } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { INSTANCE, sendQuery, sleep } from './fixtures/wire.js';
import { defined } from '../defined.js';

const need = requirePeers(['zeroconf', 'jmdns', 'dig']);
const TEMPLATE = 'https://prov.example/provisioning.php?username=${username}&osname=${osname}';
const TIMING_CLIENT = path.join(REPO_ROOT, 'test/interop/fixtures/jmdns_timing.py');
/** 0 to 900 ms after the multicast, 60 ms apart: 16 start moments. */
const OFFSETS_MS = Array.from({ length: 16 }, (_, i) => i * 60);
/** A JmDNS client cannot be answered by multicast before this: 1 s hold-off minus its 675 ms window. */
const MULTICAST_TOO_LATE_BEFORE_MS = 325;

interface Round {
  offset: number;
  found: boolean;
  via: string[];
  firstAnswerMs: number | null;
}

interface QueryEvent {
  event: 'query';
  from: string;
  port: number;
  interface: string;
  questions: { name: string; type: string; qu: boolean }[];
  answered: string[];
}

async function startAdvertiser(host: LabHost, extra: string[] = []): Promise<SpawnedProcess> {
  const adv = host.spawnProvdisc(['advertise', ...extra, TEMPLATE]);
  await adv.waitForLine(extra.includes('--json') ? /"event":"announced"/ : /^advertising /, 15_000);
  // the announcements (2 s) and the one-second hold-off after the last one
  await sleep(3_200);
  return adv;
}

function queryEvents(adv: SpawnedProcess): QueryEvent[] {
  return adv.lines.stdout.filter((l) => l.includes('"event":"query"')).map((l) => JSON.parse(l) as QueryEvent);
}

describe(`JmDNS-timed clients and who asked${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'pair' }, need);
  let a: LabHost;
  let b: LabHost;
  beforeAll(() => {
    [a, b] = [lab().host('a'), lab().host('b')];
  });

  test(
    `a JmDNS-style client started ${OFFSETS_MS[0]}–${OFFSETS_MS.at(-1)} ms after a multicast of the records finds the service every time`,
    { timeout: 120_000 },
    async () => {
      const adv = await startAdvertiser(a, ['--json']);
      try {
        const run = await b.run(SYSTEM_PYTHON, [TIMING_CLIENT, b.ipv4, a.ipv4, INSTANCE, ...OFFSETS_MS.map(String)], { timeoutMs: 100_000 });
        expect(run.code, run.stderr).toBe(0);
        const rounds = run.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Round);
        expect(rounds.map((r) => r.offset)).toEqual(OFFSETS_MS);
        const missed = rounds.filter((r) => !r.found).map((r) => r.offset);
        expect(missed, JSON.stringify(rounds)).toEqual([]);
        // the hard cases were met: too early for any multicast allowed by the one-second rule
        for (const r of rounds.filter((x) => x.offset < MULTICAST_TOO_LATE_BEFORE_MS)) {
          expect(r.via, JSON.stringify(r)).toContain('unicast');
          expect(defined(r.firstAnswerMs), JSON.stringify(r)).toBeLessThan(675);
        }
        expect(adv.running).toBe(true);
      } finally {
        await adv.stop();
      }
    },
  );

  test("Jitsi's own lookup (JmDNS getServiceInfo) started right after a multicast of the records resolves the template", async () => {
    const adv = await startAdvertiser(a);
    try {
      // a question from another client makes provdisc multicast the records just before Jitsi starts
      await sendQuery(b, {
        questions: [
          { name: INSTANCE, type: 'SRV' },
          { name: INSTANCE, type: 'TXT' },
        ],
        lingerMs: 0,
      });
      const [lookup] = await jitsiDiscover(b);
      expect(defined(lookup).url, JSON.stringify(lookup)).toContain('https://prov.example/provisioning.php?');
    } finally {
      await adv.stop();
    }
  });

  test('--json: a query event per question about the service, with the asker, its questions and how it was answered', async () => {
    const adv = await startAdvertiser(a, ['--json']);
    try {
      const srvTxt = [
        { name: INSTANCE, type: 'SRV' as const },
        { name: INSTANCE, type: 'TXT' as const },
      ];
      await sendQuery(b, { questions: srvTxt, lingerMs: 0 });
      await sleep(100);
      await sendQuery(b, { questions: srvTxt, lingerMs: 0 }); // within the second: unicast now, multicast at its end
      const dig = await b.dig(INSTANCE, 'TXT', a.ipv4);
      expect(dig.status, JSON.stringify(dig)).toBe('NOERROR');
      await sendQuery(b, { questions: [{ name: 'someone-else._https._tcp.local', type: 'SRV' }], lingerMs: 0 });
      await sleep(300);
      const events = queryEvents(adv);
      expect(events.map((e) => [e.from, e.interface, e.answered])).toEqual([
        [b.ipv4, 'eth0', ['multicast']],
        [b.ipv4, 'eth0', ['unicast', 'postponed']],
        [b.ipv4, 'eth0', ['legacy']],
      ]);
      expect(defined(events[0]).port).toBe(5353);
      expect(defined(events[0]).questions).toEqual([
        { name: INSTANCE, type: 'SRV', qu: false },
        { name: INSTANCE, type: 'TXT', qu: false },
      ]);
      expect(defined(events[2]).port).not.toBe(5353);
    } finally {
      await adv.stop();
    }
  });

  test('human mode: one short line per new client, and a flood of new clients costs a few lines, not one each', async () => {
    // 12 clients: b's own address and 11 more on the same link
    const extra = Array.from({ length: 11 }, (_, i) => b.ipv4.replace(/\.\d+$/, `.${200 + i}`));
    for (const address of extra) {
      const added = await b.run('ip', ['addr', 'add', `${address}/24`, 'dev', 'eth0']);
      expect(added.code, added.stderr).toBe(0);
    }
    const adv = await startAdvertiser(a);
    try {
      const question = { questions: [{ name: INSTANCE, type: 'TXT' as const }], lingerMs: 0 };
      await sendQuery(b, question);
      await sendQuery(b, question); // the same client again: no new line
      for (const bind of extra) await sendQuery(b, { ...question, bind });
      await sleep(300);
      const lines = adv.lines.stdout.filter((l) => l.startsWith('client '));
      expect(lines[0]).toMatch(new RegExp(`^client ${b.ipv4.replace(/\./g, '\\.')} on eth0 asked \\(TXT\\); answered by multicast$`));
      expect(lines.filter((l) => l.startsWith(`client ${b.ipv4} `))).toHaveLength(1);
      // at most 10 lines in 10 s (the limit DHCP clients share): the other new clients are counted, not listed
      expect(lines, adv.tail()).toHaveLength(10);
    } finally {
      await adv.stop();
      for (const address of extra) await b.run('ip', ['addr', 'del', `${address}/24`, 'dev', 'eth0']);
    }
  });
});
