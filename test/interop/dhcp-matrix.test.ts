/**
 * Jitsi's DHCP discovery against every server an admin may run: provdisc itself and ISC dhcpd, Kea
 * and dnsmasq each serving the file `provdisc dhcp-config` wrote, asked by a Jitsi-faithful client
 * (test/peers/jitsi_dhcp_inform.py, written without our codec) and by `provdisc discover --via dhcp`.
 * One link, no default route on the server or on provdisc's client; Jitsi's own client needs a
 * route to send its broadcast at all (see the last test), so its host has one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jitsiDhcpInform, startDhcpServer, testDhcpConfig, type DhcpServerKind, type DhcpServerPeer } from '../lab/dhcp.js';
import { REPO_ROOT } from '../lab/host.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';

const need = requirePeers(['dhcpd', 'kea', 'dnsmasq']);
/** Quotes, a backslash and commas: each format escapes them its own way. */
const TEMPLATE = 'https://prov.example.org/p.php?u=${username}&list=a,b&q="x"&bs=\\y&hw=${hwaddr}';
const SUBNET = '198.51.100.0/24';
const FORMAT: Record<DhcpServerKind, string> = { dhcpd: 'isc', kea: 'kea', dnsmasq: 'dnsmasq' };
const REFERENCE: Record<DhcpServerKind, string> = { dhcpd: 'dhcpd.conf', kea: 'kea-dhcp4.conf', dnsmasq: 'dnsmasq.conf' };

type Server = 'provdisc' | DhcpServerKind;

describe(`DHCP option 224: servers × clients, no default route${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'bridge' }, need);
  // a: the server; b: Jitsi's client (with the route it needs); c: provdisc discover, no route at all
  beforeAll(async () => {
    await lab().host('b').run('ip', ['route', 'add', 'default', 'dev', 'eth0']);
  });

  let running: { stop(): Promise<unknown> } | undefined;
  afterAll(async () => {
    await running?.stop();
  });

  async function start(server: Server): Promise<SpawnedProcess | DhcpServerPeer> {
    const a = lab().host('a');
    if (server === 'provdisc') {
      const ad = a.spawnProvdisc(['advertise', TEMPLATE, '--via', 'dhcp', '--json']);
      await ad.waitForLine(/"event":"announced"/, 15_000);
      return ad;
    }
    // --interface here; the reference files without it serve the bench (bench/dhcp.ts)
    const generated = await a.provdisc(['dhcp-config', TEMPLATE, '--format', FORMAT[server], '--subnet', SUBNET, '--interface', 'eth0']);
    expect(generated.code, generated.stderr).toBe(0);
    const tested = await testDhcpConfig(a, server, generated.stdout);
    expect(tested.code, tested.output).toBe(0);
    return startDhcpServer(a, server, generated.stdout, { interfaces: ['eth0'] });
  }

  test.each<Server>(['provdisc', 'dhcpd', 'kea', 'dnsmasq'])(
    '%s answers the Jitsi client and provdisc discover with the URI, byte for byte',
    async (server) => {
      const peer = await start(server);
      running = 'process' in peer ? peer : { stop: () => peer.stop(2_000) };
      try {
        const jitsi = await jitsiDhcpInform(lab().host('b'), { timeoutS: 5 });
        expect(jitsi).toMatchObject({ uri: TEMPLATE, source: lab().host('a').ipv4, sendErrors: [] });

        const found = await lab().host('c').provdisc(['discover', '--via', 'dhcp', '--json']);
        expect(found.code, found.stderr).toBe(0);
        expect(JSON.parse(found.stdout)).toMatchObject({
          uri: TEMPLATE,
          from: lab().host('a').ipv4,
          serverId: lab().host('a').ipv4,
          interface: 'eth0',
          address: lab().host('c').ipv4,
        });

        const plain = await lab().host('c').provdisc(['discover', '--via', 'dhcp']);
        expect(plain).toMatchObject({ code: 0, stdout: `${TEMPLATE}\n` });

        if (server === 'provdisc') {
          const ad = peer as SpawnedProcess;
          const line = await ad.waitForLine(new RegExp(`"xid":"${jitsi.xid}"`), 5_000);
          expect(JSON.parse(line)).toEqual({
            event: 'dhcp-inform',
            address: lab().host('b').ipv4,
            mac: lab().host('b').iface('eth0').mac,
            xid: jitsi.xid,
            interface: 'eth0',
          });
        }
      } finally {
        await running.stop();
        running = undefined;
      }
    },
  );

  test.each<DhcpServerKind>(['dhcpd', 'kea', 'dnsmasq'])('%s accepts the reference file in dhcp/ (its own config test)', async (kind) => {
    const file = fs.readFileSync(path.join(REPO_ROOT, 'dhcp', REFERENCE[kind]), 'utf8');
    const tested = await testDhcpConfig(lab().host('a'), kind, file);
    expect(tested.code, tested.output).toBe(0);
  });

  test('with nothing listening, provdisc discover --via dhcp says so and exits 2', async () => {
    const r = await lab().host('c').provdisc(['discover', '--via', 'dhcp', '--timeout', '2500']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nothing found: no DHCPACK with option 224 on UDP 6768');
  });

  test("without a default route Jitsi's broadcast cannot leave (ENETUNREACH); provdisc's per-address sockets can", async () => {
    const ad = lab().host('a').spawnProvdisc(['advertise', TEMPLATE, '--via', 'dhcp']);
    running = ad;
    await ad.waitForLine(/answering DHCPINFORM/, 15_000);
    const jitsi = await jitsiDhcpInform(lab().host('c'), { timeoutS: 2 });
    expect(jitsi).toMatchObject({ uri: null, sent: 0 });
    expect(jitsi.sendErrors.join()).toMatch(/Network is unreachable/);
    const r = await lab().host('c').provdisc(['discover', '--via', 'dhcp']);
    expect(r).toMatchObject({ code: 0, stdout: `${TEMPLATE}\n` });
  });
});
