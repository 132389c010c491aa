/**
 * The DHCP method on harder networks: a responder on two links, a client behind a router running
 * ISC dhcrelay -p 6767, Bonjour and DHCP disagreeing, and a flood of INFORMs with malformed packets
 * from one host while another host is still answered.
 */
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { jitsiDhcpInform, startDhcpServer, startDhcrelay } from '../lab/dhcp.js';
import { REPO_ROOT } from '../lab/host.js';
import { SYSTEM_PYTHON } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { defined } from '../defined.js';

const TEMPLATE = 'https://prov.example.org/p.php?u=${username}&os=${osname}';
const OTHER = 'https://rogue.example.org/p.php?u=${username}';

function events(p: SpawnedProcess): Record<string, unknown>[] {
  return p.lines.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const stopAll = async (list: SpawnedProcess[]) => {
  await Promise.all(list.splice(0).map((p) => p.stop(2_000)));
};

const need = requirePeers(['dhcpd', 'dhcrelay']);

describe(`DHCP on two links, no default route${need.note}`, { skip: need.skip }, () => {
  // a on eth0 (b's link) and eth1 (c's link)
  const lab = useLab({ topology: 'two-links' }, need);
  const started: SpawnedProcess[] = [];
  afterEach(() => stopAll(started));

  test('one responder answers each link with its address there, as server id and source', async () => {
    const a = lab().host('a');
    const ad = a.spawnProvdisc(['advertise', TEMPLATE, '--via', 'bonjour,dhcp', '--json']);
    started.push(ad);
    const announced = JSON.parse(await ad.waitForLine(/"event":"announced"/, 15_000)) as Record<string, unknown>;
    expect(announced).toMatchObject({ via: ['bonjour', 'dhcp'], instance: 'Provisioning URL', dhcp: { port: 6767, interfaces: ['eth0', 'eth1'] } });
    for (const [key, iface] of [
      ['b', 'eth0'],
      ['c', 'eth1'],
    ] as const) {
      const r = await lab().host(key).provdisc(['discover', '--via', 'dhcp', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ uri: TEMPLATE, from: a.iface(iface).ipv4, serverId: a.iface(iface).ipv4 });
    }
    const both = await lab().host('b').provdisc(['discover', '--via', 'bonjour,dhcp', '--json']);
    expect(both.code, both.stderr).toBe(0);
    expect(JSON.parse(both.stdout)).toMatchObject({ bonjour: { template: TEMPLATE }, dhcp: { uri: TEMPLATE } });
    expect(both.stderr).not.toMatch(/disagree/);
    const informs = events(ad).filter((e) => e.event === 'dhcp-inform');
    expect(informs.map((e) => [e.address, e.interface]).sort()).toEqual([
      [lab().host('b').ipv4, 'eth0'],
      [lab().host('b').ipv4, 'eth0'],
      [lab().host('c').ipv4, 'eth1'],
    ]);
  });

  test('discover --via bonjour,dhcp prints both and warns when they disagree', async () => {
    const a = lab().host('a');
    const ad = a.spawnProvdisc(['advertise', TEMPLATE, '--via', 'bonjour', '--interface', 'eth0']);
    started.push(ad);
    await ad.waitForLine(/advertising/, 15_000);
    const conf = `option p code 224 = text;\noption p "${OTHER}";\nsubnet 198.51.100.0 netmask 255.255.255.0 { authoritative; }\n`;
    const dhcpd = await startDhcpServer(a, 'dhcpd', conf, { interfaces: ['eth0'] });
    started.push(dhcpd.process);
    const r = await lab().host('b').provdisc(['discover', '--via', 'bonjour,dhcp']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`bonjour: ${TEMPLATE}\ndhcp: ${OTHER}\n`);
    expect(r.stderr).toContain(`warning: Bonjour and DHCP disagree: clients set to Bonjour would use ${TEMPLATE}, clients set to DHCP ${OTHER}`);
    const expand = await lab().host('b').provdisc(['expand', '--discover', '--via', 'dhcp,bonjour', '--json']);
    expect(expand.code, expand.stderr).toBe(0);
    expect(expand.stderr).toContain(`found ${OTHER} (DHCP option 224 from ${a.ipv4} on eth0)`);
  });
});

describe(`DHCP through a router running ISC dhcrelay -p 6767${need.note}`, { skip: need.skip }, () => {
  // a routes between b (the server, 198.51.100.2) and c (the client on 203.0.113.0/24, default route via a)
  const lab = useLab({ topology: 'two-links' }, need);
  const started: SpawnedProcess[] = [];
  afterEach(() => stopAll(started));
  let relay: SpawnedProcess;
  beforeAll(async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((k) => lab().host(k));
    await defined(a).run('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    await defined(b).run('ip', ['route', 'add', '203.0.113.0/24', 'via', defined(a).iface('eth0').ipv4]);
    await defined(c).run('ip', ['route', 'add', 'default', 'via', defined(a).iface('eth1').ipv4]);
    relay = await startDhcrelay(defined(a), defined(b).ipv4, 'eth1', 'eth0');
  });

  const servers = {
    provdisc: async () => {
      const ad = lab().host('b').spawnProvdisc(['advertise', TEMPLATE, '--via', 'dhcp', '--json']);
      await ad.waitForLine(/"event":"announced"/, 15_000);
      return ad;
    },
    dhcpd: async () => {
      // dhcpd needs a subnet for its own link to listen, and one for the relayed clients
      const conf = `option p code 224 = text;\noption p "${TEMPLATE}";\nsubnet 198.51.100.0 netmask 255.255.255.0 { }\nsubnet 203.0.113.0 netmask 255.255.255.0 { authoritative; }\n`;
      return (await startDhcpServer(lab().host('b'), 'dhcpd', conf)).process;
    },
  };

  test.each(Object.keys(servers) as (keyof typeof servers)[])('%s answers a relayed client straight to its address', async (name) => {
    const server = await servers[name]();
    started.push(server);
    const jitsi = await jitsiDhcpInform(lab().host('c'), { timeoutS: 5 });
    expect(jitsi).toMatchObject({ uri: TEMPLATE, source: lab().host('b').ipv4 });
    const r = await lab().host('c').provdisc(['discover', '--via', 'dhcp', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ uri: TEMPLATE, serverId: lab().host('b').ipv4 });
    expect(relay.lines.stderr.some((l) => l.startsWith('Forwarded BOOTREQUEST'))).toBe(true);
    if (name === 'provdisc') {
      expect(events(server).find((e) => e.event === 'dhcp-inform' && e.xid === jitsi.xid)).toEqual({
        event: 'dhcp-inform',
        address: lab().host('c').ipv4,
        mac: lab().host('c').iface('eth0').mac,
        xid: jitsi.xid,
        interface: 'eth0',
        relay: lab().host('a').iface('eth1').ipv4,
      });
    }
  });
});

describe(`DHCP responder under a flood with malformed packets${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'bridge' }, need);

  test('another host is still answered, malformed packets are counted, the responder keeps running', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((k) => lab().host(k));
    const ad = defined(a).spawnProvdisc(['advertise', TEMPLATE, '--via', 'dhcp', '--json']);
    await ad.waitForLine(/"event":"announced"/, 15_000);
    const flood = defined(b).spawn(SYSTEM_PYTHON, [path.join(REPO_ROOT, 'test/peers/dhcp_flood.py'), '--address', defined(b).ipv4, '--seconds', '6']);
    await new Promise((r) => setTimeout(r, 1000));
    const answered: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Jitsi's own window: the first INFORM may be lost in a full socket queue, a resend gets through
      const r = await defined(c).provdisc(['discover', '--via', 'dhcp', '--json', '--timeout', '10000']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ uri: TEMPLATE });
      answered.push((JSON.parse(r.stdout) as { elapsedMs: number }).elapsedMs);
    }
    const sent = JSON.parse(await flood.waitForLine(/^\{/, 15_000)) as { informs: number; malformed: number };
    expect(ad.running).toBe(true);
    await ad.stop(3_000);
    const closed = events(ad).find((e) => e.event === 'dhcp-closed') as { packets: Record<string, number> };
    expect(sent.informs).toBeGreaterThan(1000);
    expect(closed.packets.malformed).toBeGreaterThan(100);
    expect(closed.packets.limited).toBeGreaterThan(1000);
    // the flooder's client is answered at the per-client rate only (20 at once, then 10 a second)
    const flooderAnswers = events(ad).filter((e) => e.event === 'dhcp-inform' && e.address === defined(b).ipv4).length;
    expect(flooderAnswers).toBeLessThanOrEqual(20 + 10 * 8);
    console.log(`flood: ${JSON.stringify(sent)} sent, responder ${JSON.stringify(closed.packets)}, other host answered in ${answered.join(', ')} ms`);
  });
});
