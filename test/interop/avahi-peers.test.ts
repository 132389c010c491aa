import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { TYPE } from '../lab/capture.js';
import { REPO_ROOT } from '../lab/host.js';
import { jitsiDiscover, zeroconfResolve } from '../lab/peers.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { defined } from '../defined.js';

/*
 * Real peers only: the seed's Avahi service file served by avahi-daemon in host a, looked up from
 * host b by Jitsi's JmDNS code path, python-zeroconf, avahi-browse and a legacy unicast dig.
 * This is the reference behaviour provdisc's own responder is later compared with.
 */
const need = requirePeers(['avahi', 'jmdns', 'zeroconf', 'tshark', 'dig']);
const SEED_XML = fs.readFileSync(path.join(REPO_ROOT, 'test/lab/fixtures/seed-provisioning.service'), 'utf8');
const SEED_TXT = [...SEED_XML.matchAll(/<txt-record>(.*)<\/txt-record>/g)].map((m) => defined(m[1]));
const SEED_PARAMS = SEED_TXT.filter((t) => !t.startsWith('path='));
const INSTANCE = 'Provisioning URL._https._tcp.local';
const timings: Record<string, number[]> = {};

function record(peer: string, ms: number): void {
  (timings[peer] ??= []).push(ms);
}

/** JmDNS writes fe80:0:0:0:…; the URL parser gives every IPv6 spelling one form. */
function canonicalAddress(address: string): string {
  return address.includes(':') ? new URL(`http://[${address.replace(/%.*/, '')}]`).hostname : address;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return defined(sorted[Math.floor(sorted.length / 2)]);
}

describe(`Avahi serving the seed's service file, provisioning.local on another lab address${need.note}`, { skip: need.skip }, () => {
  // c only lends its address to provisioning.local: Avahi refuses a hosts line with its own address
  const lab = useLab({ topology: 'bridge' }, need);
  let provisioningAddress: string;

  beforeAll(async () => {
    provisioningAddress = lab().host('c').ipv4;
    await lab()
      .host('a')
      .startAvahi({
        services: { 'provisioning.service': SEED_XML },
        hosts: `${provisioningAddress} provisioning.local\n`,
      });
  });

  test('the seed file has the nine TXT strings of the guide', () => {
    expect(SEED_TXT).toHaveLength(9);
    expect(SEED_TXT[0]).toBe('path=https://www.example.org/provisioning.php');
  });

  test('Jitsi (JmDNS) gets the URL with every parameter', async () => {
    const [found] = await jitsiDiscover(lab().host('b'));
    expect(found?.url).toBeTruthy();
    record('JmDNS getServiceInfo (Jitsi) → Avahi', defined(found).elapsedMs);
    const url = defined(defined(found).url);
    expect(url.startsWith('https://www.example.org/provisioning.php?')).toBe(true);
    const query = url.slice(url.indexOf('?') + 1);
    expect(
      query
        .split('&')
        .filter((p) => p !== '')
        .sort(),
    ).toEqual([...SEED_PARAMS].sort());
    // Jitsi's quirk: an `&` follows a parameter whenever any property comes after it, path included
    const names = Object.keys(defined(defined(found).properties));
    expect(url.endsWith('&')).toBe(names[names.length - 1] === 'path');
    expect(found).toMatchObject({
      type: '_https._tcp.local.',
      server: 'provisioning.local.',
      port: 443,
      addresses: [provisioningAddress],
      txt: SEED_TXT,
    });
  });

  test('python-zeroconf resolves SRV, TXT in wire order and the address', async () => {
    const [found] = await zeroconfResolve(lab().host('b'));
    expect(found).toMatchObject({
      found: true,
      server: 'provisioning.local.',
      port: 443,
      addresses: [provisioningAddress],
      txt: SEED_TXT,
    });
    record('python-zeroconf ServiceInfo.request → Avahi', defined(found).elapsedMs);
  });

  test('avahi-browse -r in another host shows it resolved', async () => {
    const avahiB = await lab().host('b').startAvahi();
    try {
      const result = await avahiB.browse('_https._tcp', { resolve: true });
      const resolved = result.services.filter((s) => s.event === '=' && s.protocol === 'IPv4');
      expect(resolved, result.raw).toHaveLength(1);
      expect(resolved[0]).toMatchObject({
        name: 'Provisioning URL',
        type: '_https._tcp',
        host: 'provisioning.local',
        address: provisioningAddress,
        port: 443,
      });
      // avahi-browse prints TXT strings last to first
      expect([...defined(defined(resolved[0]).txt)].reverse()).toEqual(SEED_TXT);
      record('avahi-browse -r, first resolved line → Avahi', defined(result.firstResolvedMs));
      record('avahi-browse -r -t, whole run → Avahi', result.elapsedMs);
    } finally {
      await avahiB.stop();
    }
  });

  test('a legacy unicast query (dig) gets the TXT record with TTL ≤ 10', async () => {
    const answer = await lab().host('b').dig(INSTANCE, 'TXT', lab().host('a').ipv4);
    expect(answer.status).toBe('NOERROR');
    expect(answer.flags).toEqual(expect.arrayContaining(['qr', 'aa']));
    const txt = answer.answers.filter((r) => r.type === 'TXT');
    expect(txt).toHaveLength(1);
    expect(defined(txt[0]).name).toBe(`${INSTANCE}.`);
    expect(defined(txt[0]).txt).toEqual(SEED_TXT);
    expect(defined(txt[0]).ttl).toBeGreaterThan(0);
    expect(defined(txt[0]).ttl).toBeLessThanOrEqual(10);
  });

  test("the capture shows Avahi's answer: SRV and TXT with cache-flush, the address as additional", async () => {
    const b = lab().host('b');
    const capture = await b.capture('eth0');
    await zeroconfResolve(b);
    const packets = await capture.stop();
    const query = packets.find((p) => !p.qr && p.questions.some((q) => q.name === INSTANCE && q.type === TYPE.SRV));
    expect(query, JSON.stringify(packets)).toBeDefined();
    const response = packets.find((p) => p.qr && p.src.addr === lab().host('a').ipv4 && p.answers.some((r) => r.type === TYPE.SRV));
    expect(response, JSON.stringify(packets)).toBeDefined();
    expect(response).toMatchObject({ id: 0, aa: true, dst: { addr: '224.0.0.251', port: 5353 } });
    const srv = defined(defined(response).answers.find((r) => r.type === TYPE.SRV));
    expect(srv).toMatchObject({ name: INSTANCE, cacheFlush: true, data: { port: 443, target: 'provisioning.local' } });
    const txt = [...defined(response).answers, ...defined(response).additionals].find((r) => r.type === TYPE.TXT);
    expect(txt).toMatchObject({ name: INSTANCE, cacheFlush: true, data: SEED_TXT });
    const address = [...defined(response).answers, ...defined(response).additionals].find((r) => r.type === TYPE.A);
    expect(address).toMatchObject({ name: 'provisioning.local', data: provisioningAddress, cacheFlush: true });
  });

  test('repeat mode: several fresh look-ups in one process each', async () => {
    const b = lab().host('b');
    const jitsi = await jitsiDiscover(b, { repeat: 3 });
    const zeroconf = await zeroconfResolve(b, { repeat: 5 });
    expect(jitsi).toHaveLength(3);
    expect(zeroconf).toHaveLength(5);
    for (const lookup of jitsi) expect(lookup.url).toMatch(/^https:\/\/www\.example\.org\/provisioning\.php\?/);
    for (const lookup of zeroconf) expect(lookup.found).toBe(true);
    jitsi.slice(1).forEach((l) => record('JmDNS getServiceInfo (Jitsi) → Avahi', l.elapsedMs));
    zeroconf.forEach((l) => record('python-zeroconf ServiceInfo.request → Avahi', l.elapsedMs));
    console.log(
      '[interop] peer timings (median ms):',
      Object.fromEntries(Object.entries(timings).map(([peer, ms]) => [peer, `${median(ms).toFixed(1)} (n=${ms.length})`])),
    );
  });
});

describe(`Avahi without <host-name>: the SRV target is the Avahi host itself${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'pair' }, need);
  const xml = SEED_XML.replace(/\s*<host-name>.*<\/host-name>/, '');

  beforeAll(async () => {
    await lab()
      .host('a')
      .startAvahi({ services: { 'provisioning.service': xml } });
  });

  test('the variant has no host-name', () => {
    expect(xml).not.toContain('host-name');
    expect(xml).toContain('<txt-record>path=');
  });

  test("Jitsi (JmDNS) and python-zeroconf get the Avahi host's name and address", async () => {
    const a = lab().host('a');
    const [jitsi] = await jitsiDiscover(lab().host('b'));
    expect(jitsi).toMatchObject({ server: `${a.name}.local.`, port: 443, txt: SEED_TXT });
    // Avahi also publishes its link-local AAAA over IPv4, and JmDNS may settle for that one alone
    const own = [a.ipv4, defined(a.interfaces[0]).ipv6LinkLocal].map(canonicalAddress);
    expect(defined(defined(jitsi).addresses).length).toBeGreaterThan(0);
    for (const address of defined(defined(jitsi).addresses)) expect(own).toContain(canonicalAddress(address));
    expect(defined(jitsi).url).toMatch(/^https:\/\/www\.example\.org\/provisioning\.php\?/);
    const [zeroconf] = await zeroconfResolve(lab().host('b'));
    expect(zeroconf).toMatchObject({ found: true, server: `${a.name}.local.`, port: 443, addresses: [a.ipv4], txt: SEED_TXT });
  });

  test("a hosts line with the daemon's own address is refused (so startAvahi fails fast)", async () => {
    const b = lab().host('b');
    await expect(b.startAvahi({ services: { 'provisioning.service': SEED_XML }, hosts: `${b.ipv4} provisioning.local\n` })).rejects.toThrow(/collision/i);
  });
});
