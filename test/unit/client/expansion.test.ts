import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';
import { CLIENT_PLACEHOLDERS } from '../../../src/client/placeholders.js';
import { buildRequest } from '../../../src/client/post-form.js';
import { expandTemplate } from '../../../src/client/expansion.js';
import { defined } from '../../defined.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-expansion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const uuidFile = path.join(dir, 'state', 'provdisc', 'uuid');

describe('expandTemplate on this machine', () => {
  const every = `https://127.0.0.1/p?${CLIENT_PLACEHOLDERS.map((n) => `${n}=\${${n}}`).join('&')}`;

  it('fills every client placeholder from --set, the overrides winning over the machine', async () => {
    const overrides = new Map(CLIENT_PLACEHOLDERS.map((n) => [n, `v-${n}`] as [string, string]));
    const e = await expandTemplate(every, { overrides, uuidFile });
    expect(e.url).toBe(`https://127.0.0.1/p?${CLIENT_PLACEHOLDERS.map((n) => `${n}=v-${n}`).join('&')}`);
    expect(e.unresolved).toEqual([]);
  });

  it("fills them with this machine's values as a Java client reports them", async () => {
    const e = await expandTemplate(every, { uuidFile, clientLocale: 'fr_FR' });
    const v = (n: string) => e.values.get(n);
    expect(v('osname')).toBe('Linux');
    expect(v('arch')).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim() === 'x86_64' ? 'amd64' : 'aarch64');
    expect(v('build')).toBe('2.10.5550');
    expect(v('locale')).toBe('fr_FR');
    expect(v('ipaddr')).toBe('127.0.0.1');
    expect(v('hostname')).toBe('localhost');
    expect(v('home.location')).toBe(os.userInfo().homedir);
    expect(v('home.name')).toBe('.jitsi');
    expect(v('uuid')).toBe(readFileSync(uuidFile, 'utf8').trim());
    // loopback has no MAC: the client leaves ${hwaddr} as typed
    expect(e.unresolved).toEqual(['hwaddr']);
    expect(e.warnings.some((w) => w.includes('${hwaddr}') && w.includes('lo'))).toBe(true);
  });

  it('finds ipaddr and the MAC of its interface for a host on the LAN', async () => {
    const nic = Object.entries(os.networkInterfaces())
      .flatMap(([name, addrs]) => (addrs ?? []).map((a) => ({ name, ...a })))
      .find((a) => a.family === 'IPv4' && !a.internal && a.mac !== '00:00:00:00:00:00');
    expect(nic, 'this test needs an Ethernet-like interface with IPv4').toBeDefined();
    const e = await expandTemplate(`https://${defined(nic).address}:8443/p?ip=\${ipaddr}&hw=\${hwaddr}`, { uuidFile });
    expect(e.url).toBe(`https://${defined(nic).address}:8443/p?ip=${defined(nic).address}&hw=${defined(nic).mac.toLowerCase()}`);
    const sysMac = readFileSync(`/sys/class/net/${defined(nic).name}/address`, 'utf8').trim();
    expect(e.values.get('hwaddr')).toBe(sysMac);
  });

  it('system.* gives the Java system properties; an unknown one stays as typed, with a warning', async () => {
    const e = await expandTemplate('https://127.0.0.1/p?u=${system.user.name}&s=${system.file.separator}&x=${system.no.such}', { uuidFile });
    expect(e.url).toBe(`https://127.0.0.1/p?u=${os.userInfo().username}&s=/&x=\${system.no.such}`);
    expect(e.warnings.filter((w) => w.includes('${system.no.such}'))).toHaveLength(1);
  });

  it('env.* is only read for allowed names; others are left empty and reported', async () => {
    const env = { PROV_TOKEN: 'tok', SECRET: 'do-not-send' };
    const e = await expandTemplate('https://127.0.0.1/p?t=${env.PROV_TOKEN}&s=${env.SECRET}&m=${env.MISSING}', {
      env,
      allowEnv: ['PROV_TOKEN', 'MISSING'],
      uuidFile,
    });
    expect(e.url).toBe('https://127.0.0.1/p?t=tok&s=&m=${env.MISSING}');
    expect(e.warnings.some((w) => w.includes('${env.SECRET}') && w.includes('`allowEnv` SECRET'))).toBe(true);
    expect(e.warnings.some((w) => w.includes('${env.MISSING}') && w.includes('not set'))).toBe(true);
  });

  it('reports each unknown placeholder by name and keeps it', async () => {
    const e = await expandTemplate('https://127.0.0.1/p?a=${foo}&b=${bar.baz}&c=${username}', { uuidFile });
    expect(e.unresolved).toEqual(['foo', 'bar.baz']);
    expect(e.warnings.filter((w) => w.includes('${foo}') || w.includes('${bar.baz}'))).toHaveLength(2);
  });

  it("warns when a value holds '&', which makes an extra field", async () => {
    const e = await expandTemplate('https://127.0.0.1/p?os=${osname}', { overrides: new Map([['osname', 'a&b=c']]), uuidFile });
    expect(buildRequest(e.url).fields).toEqual([
      { name: 'os', value: 'a' },
      { name: 'b', value: 'c' },
    ]);
    expect(e.warnings.some((w) => w.includes("'&'"))).toBe(true);
  });

  it('needs the host of the template to find ${ipaddr}', async () => {
    await expect(expandTemplate('https:///p?ip=${ipaddr}', { uuidFile })).rejects.toThrow(/cannot find the host in "https:\/\/\/p\?ip=\$\{ipaddr\}"/);
    await expect(expandTemplate('ftp://127.0.0.1/p?ip=${ipaddr}', { uuidFile })).rejects.toThrow(UsageError);
  });

  it('refuses a URL Java cannot parse (a placeholder left in the path)', async () => {
    await expect(expandTemplate('https://127.0.0.1/${foo}/p.php', { uuidFile })).rejects.toThrow(/Java's URI parser refuses/);
  });
});
