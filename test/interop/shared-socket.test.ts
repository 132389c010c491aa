/**
 * The laptop case (docs/platforms.md): another mDNS responder holds ADDRESS:5353, so provdisc's
 * per-interface binds are refused and it sends from the shared *:5353 socket, the interface set per
 * packet. Nothing holds those addresses on Linux, so the refusal is forced with the switch only tests
 * use (PROVDISC_TEST_BIND_ERROR=EADDRINUSE); everything after it is real: a on two links, the
 * Jitsi-style JmDNS client on one, python-zeroconf on the other, tshark on both, and `provdisc
 * discover` in the same mode.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TYPE, type CapturedPacket } from '../lab/capture.js';
import { jitsiDiscover, zeroconfResolve } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { announcements, has, queriesFrom, responsesFrom, sleep, templateTxt } from './fixtures/wire.js';
import { defined } from '../defined.js';

const need = requirePeers(['jmdns', 'zeroconf', 'tshark']);
const TEMPLATE = 'https://prov.example/provisioning.php?username=${username}&osname=${osname}&uuid=${uuid}';
const TXT = templateTxt(TEMPLATE);
const REFUSED = { ...process.env, PROVDISC_TEST_BIND_ERROR: 'EADDRINUSE' };

/** Every packet `host` sent, by any of its addresses on that link. */
const fromHost = (packets: CapturedPacket[], addresses: string[]) => packets.filter((p) => addresses.includes(p.src.addr));

describe(`advertise and discover sending from the shared *:5353 socket, on two links${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'two-links' }, need);
  const a = () => lab().host('a');
  let adv: SpawnedProcess;
  let first: Record<string, unknown>[];
  let found: {
    jitsi: Awaited<ReturnType<typeof jitsiDiscover>>[number] | undefined;
    zeroconf: Awaited<ReturnType<typeof zeroconfResolve>>[number] | undefined;
  };
  const captured: Record<'b' | 'c', CapturedPacket[]> = { b: [], c: [] };

  beforeAll(async () => {
    const [b, c] = [lab().host('b'), lab().host('c')];
    const captures = await Promise.all([b.capture('eth0'), c.capture('eth0')]);
    adv = a().spawnProvdisc(['advertise', '--json', TEMPLATE], { env: REFUSED });
    await adv.waitForLine(/"event":"announced"/, 15_000);
    first = adv.lines.stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
    // the announcements are over; a client asking now is answered, not announced to
    await sleep(3_200);
    const [jitsi] = await jitsiDiscover(b);
    const [zeroconf] = await zeroconfResolve(c);
    [captured.b, captured.c] = await Promise.all([captures[0].stop(), captures[1].stop()]);
    found = { jitsi, zeroconf };
  });
  afterAll(async () => {
    await adv?.stop();
  });

  test('says so once, before the announcement: a shared-socket line in --json and a warning on stderr', () => {
    const shared = first.filter((e) => e.event === 'shared-socket');
    expect(shared).toHaveLength(1);
    expect(first.findIndex((e) => e.event === 'shared-socket')).toBeLessThan(first.findIndex((e) => e.event === 'announced'));
    const iface = (name: string) => a().iface(name);
    expect(defined(shared[0]).sockets).toEqual([
      { interface: 'eth0', address: iface('eth0').ipv4, code: 'EADDRINUSE' },
      { interface: 'eth0', address: iface('eth0').ipv6LinkLocal, code: 'EADDRINUSE' },
      { interface: 'eth1', address: iface('eth1').ipv4, code: 'EADDRINUSE' },
      { interface: 'eth1', address: iface('eth1').ipv6LinkLocal, code: 'EADDRINUSE' },
    ]);
    const warnings = adv.lines.stderr.filter((l) => l.includes('cannot bind'));
    expect(warnings).toEqual([`provdisc: warning: ${String(defined(shared[0]).message)}`]);
  });

  test('the Jitsi-style JmDNS client on one link finds the URL; python-zeroconf on the other resolves the service', () => {
    // Jitsi joins the TXT properties in JmDNS's hash order (docs/wire.md): compared as a set
    const url = found.jitsi?.url ?? '';
    expect(url.startsWith('https://prov.example/provisioning.php?'), JSON.stringify(found.jitsi)).toBe(true);
    expect(defined(url.split('?')[1]).split('&').filter(Boolean).sort()).toEqual(TXT.slice(1).sort());
    expect(defined(found.jitsi).txt).toEqual(TXT);
    expect(found.jitsi).toMatchObject({ server: `${a().name}.local.`, port: 443 });
    expect(defined(found.jitsi).addresses).toContain(a().iface('eth0').ipv4);
    expect(found.zeroconf).toMatchObject({ found: true, server: `${a().name}.local.`, port: 443, txt: TXT, addresses: [a().iface('eth1').ipv4] });
  });

  test("every packet leaves on its own link, from that link's address and port 5353, with only that link's addresses", () => {
    for (const [peer, mine, other] of [
      ['b', 'eth0', 'eth1'],
      ['c', 'eth1', 'eth0'],
    ] as const) {
      const own = a().iface(mine);
      const packets = captured[peer];
      expect(fromHost(packets, [a().iface(other).ipv4, a().iface(other).ipv6LinkLocal]), `${other}'s packets on ${mine}'s link`).toEqual([]);
      const sent = fromHost(packets, [own.ipv4, own.ipv6LinkLocal]);
      expect(sent.filter((p) => p.src.port !== 5353)).toEqual([]);
      expect(queriesFrom(packets, own.ipv4).length).toBeGreaterThanOrEqual(3); // the probes
      expect(announcements(packets, own.ipv4).length).toBeGreaterThanOrEqual(2);
      const answers = responsesFrom(packets, own.ipv4).filter((p) => !announcements(packets, own.ipv4).includes(p));
      expect(answers.length, JSON.stringify(packets)).toBeGreaterThanOrEqual(1);
      for (const p of responsesFrom(packets, own.ipv4)) {
        const addresses = [...p.answers, ...p.additionals].filter((r) => r.type === TYPE.A || r.type === TYPE.AAAA).map((r) => r.data);
        expect(
          addresses.every((x) => x === own.ipv4 || x === own.ipv6LinkLocal),
          JSON.stringify(p),
        ).toBe(true);
      }
      expect(
        has(
          answers.flatMap((p) => [...p.answers, ...p.additionals]),
          TYPE.TXT,
        )?.data,
      ).toEqual(TXT);
    }
  });

  test('provdisc discover in the same mode finds the template (its unicast answers reach the shared socket)', async () => {
    const run = await lab().host('b').provdisc(['discover', '--json'], { env: REFUSED });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ template: TEMPLATE, from: a().iface('eth0').ipv4, interface: 'eth0' });
    expect(run.stderr).toMatch(/^provdisc: warning: cannot bind .*\(EADDRINUSE\).*; sending from the shared port 5353 socket instead/);
  });
});
