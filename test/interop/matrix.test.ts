/**
 * The interop matrix (issue 3 §3): each publisher in host a of a bridged lab, each client in host b
 * (c only lends its address to provisioning.local: Avahi refuses a hosts line with its own).
 * One test per cell; /work/notes/wire-readme.md has the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AvahiPeer } from '../lab/avahi.js';
import { TYPE } from '../lab/capture.js';
import type { LabHost } from '../lab/host.js';
import { jitsiDiscover, zeroconfRegister, zeroconfResolve, type JitsiLookup, type ZeroconfRegistration } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { has, INSTANCE, queriesFrom, responsesFrom, sleep, templateTxt } from './fixtures/wire.js';
import { defined } from '../defined.js';

const need = requirePeers(['avahi', 'jmdns', 'zeroconf', 'tshark', 'dig']);
/** Every parameter of the provisioning guide's example, in the guide's order. */
const TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}&resx=${resx}&resy=${resy}&locale=${locale}';
const TXT = templateTxt(TEMPLATE);
const PARAMS = TXT.slice(1);
const PROVISIONING_HOST = 'provisioning.local';

/** Jitsi builds `path?` + every other TXT property, in JmDNS's hash order, `&`-joined (maybe one extra `&`). */
function expectJitsiUrl(found: JitsiLookup | undefined): void {
  expect(found?.url, JSON.stringify(found)).toBeTruthy();
  const url = defined(defined(found).url);
  const base = defined(TXT[0]).slice('path='.length);
  expect(url.startsWith(`${base}?`), url).toBe(true);
  expect(
    url
      .slice(base.length + 1)
      .split('&')
      .filter(Boolean)
      .sort(),
  ).toEqual([...PARAMS].sort());
  expect(defined(found).txt).toEqual(TXT);
}

/** avahi-browse -r from a fresh daemon in `client`: the IPv4 resolution of our instance. */
async function avahiResolve(client: LabHost) {
  const avahi = await client.startAvahi();
  try {
    const result = await avahi.browse('_https._tcp', { resolve: true });
    const resolved = result.services.filter((s) => s.event === '=' && s.protocol === 'IPv4' && s.name === 'Provisioning URL');
    expect(resolved, result.raw).toHaveLength(1);
    // avahi-browse prints TXT strings last to first
    return { ...defined(resolved[0]), txt: [...defined(defined(resolved[0]).txt)].reverse() };
  } finally {
    await avahi.stop();
  }
}

async function discoverTemplate(client: LabHost): Promise<string> {
  const run = await client.provdisc(['discover']);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

describe(`interop matrix: publishers in a, clients in b${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'bridge' }, need);
  const a = () => lab().host('a');
  const b = () => lab().host('b');

  describe('provdisc advertise →', () => {
    let adv: SpawnedProcess;
    let announcedAt: number;
    beforeAll(async () => {
      adv = a().spawnProvdisc(['advertise', '--json', TEMPLATE]);
      await adv.waitForLine(/"event":"announced"/, 15_000);
      announcedAt = Date.now();
    });
    afterAll(async () => {
      await adv?.stop();
    });

    test('Jitsi-style JmDNS: the URL with every parameter', async () => {
      // as a client started at any moment would: after the announcements and their one-second rule
      // (JmDNS stops listening about 675 ms after its first question; see docs/wire.md, "The rule that answers JmDNS in time")
      await sleep(announcedAt + 3_100 - Date.now());
      const [found] = await jitsiDiscover(b());
      expectJitsiUrl(found);
      expect(found).toMatchObject({ server: `${a().name}.local.`, port: 443 });
      expect(defined(found).addresses).toContain(a().ipv4);
    });

    test('python-zeroconf: resolved in one round trip (one query, one response holding SRV, TXT and A)', async () => {
      // the repeated announcements (2 s) would add responses to the capture
      await sleep(announcedAt + 2_500 - Date.now());
      const capture = await b().capture('eth0');
      const [found] = await zeroconfResolve(b());
      const packets = await capture.stop();
      expect(found).toMatchObject({ found: true, server: `${a().name}.local.`, port: 443, addresses: [a().ipv4], txt: TXT });
      const asked = queriesFrom(packets, b().ipv4).filter((p) => p.questions.some((q) => q.name === INSTANCE));
      expect(asked, JSON.stringify(packets)).toHaveLength(1);
      const answered = responsesFrom(packets, a().ipv4);
      expect(answered, JSON.stringify(packets)).toHaveLength(1);
      const all = [...defined(answered[0]).answers, ...defined(answered[0]).additionals];
      expect(has(all, TYPE.SRV)?.data).toMatchObject({ port: 443, target: `${a().name}.local` });
      expect(has(all, TYPE.TXT)?.data).toEqual(TXT);
      expect(has(all, TYPE.A, `${a().name}.local`)?.data).toBe(a().ipv4);
      expect(defined(answered[0]).time).toBeGreaterThanOrEqual(defined(asked[0]).time);
    });

    test('avahi-browse -r: resolved', async () => {
      const resolved = await avahiResolve(b());
      expect(resolved).toMatchObject({ host: `${a().name}.local`, address: a().ipv4, port: 443, txt: TXT });
    });

    test('provdisc discover: the template, parameters in order', async () => {
      expect(await discoverTemplate(b())).toBe(`${TEMPLATE}\n`);
    });

    test('dig (legacy unicast): answered', async () => {
      const answer = await b().dig(INSTANCE, 'TXT', a().ipv4);
      expect(answer.status).toBe('NOERROR');
      const txt = answer.answers.filter((r) => r.type === 'TXT');
      expect(txt).toHaveLength(1);
      expect(defined(txt[0]).txt).toEqual(TXT);
      expect(defined(txt[0]).ttl).toBeLessThanOrEqual(10);
    });
  });

  describe('avahi-daemon serving `provdisc avahi` output (+ hosts line) →', () => {
    let avahi: AvahiPeer;
    let serviceXml: string;
    let hostsLine: string;
    beforeAll(async () => {
      const dir = fs.mkdtempSync(path.join(a().workDir, 'provdisc-avahi-'));
      const [serviceFile, hostsFile] = [path.join(dir, 'provisioning.service'), path.join(dir, 'hosts')];
      const c = lab().host('c');
      const made = await a().provdisc([
        'avahi',
        TEMPLATE,
        '--host',
        PROVISIONING_HOST,
        '--address',
        c.ipv4,
        '--output',
        serviceFile,
        '--hosts-file',
        hostsFile,
      ]);
      expect(made.code, made.stderr).toBe(0);
      serviceXml = fs.readFileSync(serviceFile, 'utf8');
      hostsLine = fs.readFileSync(hostsFile, 'utf8');
      avahi = await a().startAvahi({ services: { 'provisioning.service': serviceXml }, hosts: hostsLine });
    });
    afterAll(async () => {
      await avahi?.stop();
    });

    test('the generated files: TXT records in template order, the hosts line for provisioning.local', () => {
      expect([...serviceXml.matchAll(/<txt-record>(.*)<\/txt-record>/g)].map((m) => m[1])).toEqual(TXT);
      expect(hostsLine).toMatch(new RegExp(`^${lab().host('c').ipv4.replace(/\./g, '\\.')}\\s+${PROVISIONING_HOST}$`, 'm'));
    });

    test('Jitsi-style JmDNS: the URL', async () => {
      const [found] = await jitsiDiscover(b());
      expectJitsiUrl(found);
      expect(found).toMatchObject({ server: `${PROVISIONING_HOST}.`, port: 443, addresses: [lab().host('c').ipv4] });
    });

    test('python-zeroconf: resolved', async () => {
      const [found] = await zeroconfResolve(b());
      expect(found).toMatchObject({ found: true, server: `${PROVISIONING_HOST}.`, port: 443, addresses: [lab().host('c').ipv4], txt: TXT });
    });

    test('avahi-browse -r: resolved', async () => {
      const resolved = await avahiResolve(b());
      expect(resolved).toMatchObject({ host: PROVISIONING_HOST, address: lab().host('c').ipv4, port: 443, txt: TXT });
    });

    test('provdisc discover: the template, parameters in order', async () => {
      expect(await discoverTemplate(b())).toBe(`${TEMPLATE}\n`);
    });
  });

  describe('avahi-publish -s →', () => {
    let avahi: AvahiPeer;
    beforeAll(async () => {
      avahi = await a().startAvahi();
      await avahi.publish('Provisioning URL', '_https._tcp', 443, TXT);
    });
    afterAll(async () => {
      await avahi?.stop();
    });

    test('provdisc discover: the template, parameters in order', async () => {
      expect(await discoverTemplate(b())).toBe(`${TEMPLATE}\n`);
    });
  });

  describe('python-zeroconf register_service →', () => {
    let registration: ZeroconfRegistration;
    beforeAll(async () => {
      registration = await zeroconfRegister(a(), { txt: TXT, server: `${a().name}.local.` });
    });
    afterAll(async () => {
      await registration?.stop();
    });

    test('provdisc discover: the template, parameters in order', async () => {
      expect(await discoverTemplate(b())).toBe(`${TEMPLATE}\n`);
    });
  });
});
