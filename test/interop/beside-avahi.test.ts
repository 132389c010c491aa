/**
 * On a Linux laptop avahi-daemon already holds port 5353 and publishes `<hostname>.local`: provdisc
 * must share the port and the host name with it (issue 2, advertise on a laptop).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAvahi, type AvahiPeer } from '../lab/avahi.js';
import { createLab, type Lab } from '../lab/lab.js';
import { defined } from '../defined.js';

const TEMPLATE = 'https://prov.example/provisioning.php?username=${username}&osname=${osname}&uuid=${uuid}';

describe('provdisc beside a real avahi-daemon on the same host', () => {
  let lab: Lab;
  let avahiA: AvahiPeer;
  let avahiB: AvahiPeer;
  beforeAll(async () => {
    lab = await createLab({ topology: 'pair' });
    avahiA = await startAvahi(lab.host('a'));
    avahiB = await startAvahi(lab.host('b'));
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('advertises while avahi publishes the same host name, and both Avahis and discover see it', async () => {
    const a = lab.host('a');
    const b = lab.host('b');
    const adv = a.spawnProvdisc(['advertise', '--json', TEMPLATE]);
    const announced = JSON.parse(await adv.waitForLine(/"event":"announced"/, 10_000));
    expect(announced.host).toBe(`${a.name}.local`); // the very name avahi-daemon publishes for a

    const found = JSON.parse((await b.provdisc(['discover', '--json'])).stdout);
    expect(found).toMatchObject({ template: TEMPLATE, host: `${a.name}.local` });
    expect(found.addresses).toContain(a.ipv4);

    // the remote Avahi resolves it over the wire; the local one through multicast loopback
    for (const peer of [avahiB, avahiA]) {
      const browsed = await peer.browse('_https._tcp', { resolve: true, timeoutMs: 10_000 });
      const resolved = browsed.services.find((s) => s.event === '=' && s.name === 'Provisioning URL' && s.protocol === 'IPv4');
      expect(resolved, browsed.raw).toBeDefined();
      expect(defined(resolved).host).toBe(`${a.name}.local`);
      expect(defined(resolved).address).toBe(a.ipv4);
      expect([...defined(defined(resolved).txt)].reverse()).toEqual(announced.txt); // avahi-browse prints reverse wire order
    }
    expect(avahiA.daemon.lines.stderr.join('\n')).not.toMatch(/collision/i);

    adv.kill('SIGINT');
    expect((await adv.exited).code).toBe(0);
    expect(avahiA.daemon.running).toBe(true);
    // the goodbye (TTL 0) makes Avahi drop the cached service within a second (RFC 6762 §10.1);
    // without it the PTR would stay cached for 75 minutes
    await new Promise((r) => setTimeout(r, 1500));
    const after = await avahiB.browse('_https._tcp', { resolve: false, timeoutMs: 10_000 });
    expect(after.services.filter((s) => s.name === 'Provisioning URL' && s.event !== '-')).toEqual([]);
    // and the host name avahi-daemon publishes for a is still there: no goodbye was sent for it
    const host = await lab.host('b').run('nsenter', ['-t', String(avahiB.daemon.pid), '-n', '-m', 'avahi-resolve', '-4', '-n', `${a.name}.local`]);
    expect(host.stdout).toContain(a.ipv4);
  });

  it('discovers from a host whose avahi-daemon also listens on 5353', async () => {
    const adv = lab.host('a').spawnProvdisc(['advertise', '--json', TEMPLATE]);
    await adv.waitForLine(/"event":"announced"/, 10_000);
    const r = await lab.host('b').provdisc(['discover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${TEMPLATE}\n`);
    await adv.stop();
  });
});
