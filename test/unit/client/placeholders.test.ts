import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';
import {
  asksForCredentials,
  buildRequest,
  CLIENT_PLACEHOLDERS,
  displayUrl,
  expandTemplate,
  formBody,
  parseAssignment,
  placeholdersIn,
  substitute,
} from '../../../src/client/placeholders.js';
import { loadOrCreateUuid, uuidStatePath } from '../../../src/client/uuid-state.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-placeholders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const uuidFile = path.join(dir, 'state', 'provdisc', 'uuid');

describe('substitution and the form (Jitsi splits after substituting)', () => {
  it('lists placeholders in order, once each', () => {
    expect(placeholdersIn('https://h/?a=${osname}&b=${env.X}&c=${osname}&d=${}')).toEqual(['osname', 'env.X', '']);
  });

  it('replaces in one pass, leaving placeholders without a value as typed', () => {
    const values = new Map([
      ['osname', 'Linux'],
      ['env.X', '${osname}'],
    ]);
    expect(substitute('os=${osname}&x=${env.X}&u=${username}&k=${nope}', values)).toBe('os=Linux&x=${osname}&u=${username}&k=${nope}');
  });

  it('posts to the URL without its query, one field per & in template order; a bare name is an empty field', () => {
    const r = buildRequest('https://h:8443/p.php?b=2&a=1&flag&eq=x=y');
    expect(r.postUrl).toBe('https://h:8443/p.php');
    expect(r.fields).toEqual([
      { name: 'b', value: '2' },
      { name: 'a', value: '1' },
      { name: 'flag', value: '' },
      { name: 'eq', value: 'x=y' },
    ]);
    expect(buildRequest('https://h/p.php?').fields).toEqual([]);
    expect(buildRequest('https://h/p.php').postUrl).toBe('https://h/p.php');
  });

  it('a field holding ${username} or ${password} takes the credential as its whole value', () => {
    const url = 'https://h/p?u=${username}@example.org&p=${password}&os=Linux';
    const withCreds = buildRequest(url, { username: 'ann', password: 's3cret' });
    expect(withCreds.fields).toEqual([
      { name: 'u', value: 'ann', credential: 'username' },
      { name: 'p', value: 's3cret', credential: 'password' },
      { name: 'os', value: 'Linux' },
    ]);
    expect(buildRequest(url).fields.slice(0, 2).map((f) => f.value)).toEqual(['@example.org', '']);
  });

  it('asks for credentials only when both fields are there, as Jitsi', () => {
    expect(asksForCredentials(buildRequest('https://h/?u=${username}&p=${password}'))).toBe(true);
    expect(asksForCredentials(buildRequest('https://h/?u=${username}'))).toBe(false);
    expect(asksForCredentials(buildRequest('https://h/?p=${password}'))).toBe(false);
  });

  it('encodes the body as HttpClient does: UTF-8, space as +, *-._ kept, the rest %XX', () => {
    const r = buildRequest('https://h/?os=Windows 11&n=café&s=a*b-c.d_e~f&amp=x%41', undefined);
    expect(formBody(r)).toBe('os=Windows+11&n=caf%C3%A9&s=a*b-c.d_e%7Ef&amp=x%2541');
  });

  it('shows the password masked, never in clear', () => {
    const r = buildRequest('https://h/p?u=${username}&p=${password}', { username: 'ann', password: 's3cret' });
    expect(displayUrl(r)).toBe('https://h/p?u=ann&p=********');
  });
});

describe('--set', () => {
  it('accepts client placeholders, system.* and env.*, with or without ${}', () => {
    expect(parseAssignment('osname=Windows 11')).toEqual(['osname', 'Windows 11']);
    expect(parseAssignment('${arch}=x86_64')).toEqual(['arch', 'x86_64']);
    expect(parseAssignment('system.user.name=bob=x')).toEqual(['system.user.name', 'bob=x']);
    expect(parseAssignment('env.HOME=')).toEqual(['env.HOME', '']);
  });

  it('refuses typos, missing values and credentials, saying what to use', () => {
    expect(() => parseAssignment('osnmae=Linux')).toThrow(/no placeholder \$\{osnmae\}/);
    expect(() => parseAssignment('osname')).toThrow(UsageError);
    expect(() => parseAssignment('password=x')).toThrow(/--set cannot give password/);
    try {
      parseAssignment('username=x');
    } catch (err) {
      expect((err as UsageError).hint).toContain('--username');
    }
  });
});

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
    const e = await expandTemplate(`https://${nic!.address}:8443/p?ip=\${ipaddr}&hw=\${hwaddr}`, { uuidFile });
    expect(e.url).toBe(`https://${nic!.address}:8443/p?ip=${nic!.address}&hw=${nic!.mac.toLowerCase()}`);
    const sysMac = readFileSync(`/sys/class/net/${nic!.name}/address`, 'utf8').trim();
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
    expect(e.warnings.some((w) => w.includes('${env.SECRET}') && w.includes('--allow-env SECRET'))).toBe(true);
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

describe('the UUID state file', () => {
  it('is --uuid-file, else $PROVDISC_UUID_FILE, else under $XDG_STATE_HOME, else ~/.local/state', () => {
    expect(uuidStatePath('/x/u', { PROVDISC_UUID_FILE: '/y/u' })).toBe('/x/u');
    expect(uuidStatePath(undefined, { PROVDISC_UUID_FILE: '/y/u', XDG_STATE_HOME: '/s' })).toBe('/y/u');
    expect(uuidStatePath(undefined, { XDG_STATE_HOME: '/s' }, '/home/ann')).toBe('/s/provdisc/uuid');
    expect(uuidStatePath(undefined, { XDG_STATE_HOME: 'relative' }, '/home/ann')).toBe('/home/ann/.local/state/provdisc/uuid');
    expect(uuidStatePath(undefined, {}, '/home/ann')).toBe('/home/ann/.local/state/provdisc/uuid');
  });

  it('is made once (private), then the same UUID comes back', async () => {
    const file = path.join(dir, 'fresh', 'uuid');
    const first = await loadOrCreateUuid(file);
    expect(first.created).toBe(true);
    expect(first.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateUuid(file)).toEqual({ uuid: first.uuid, created: false });
  });

  it('refuses a file that holds no UUID, naming it', async () => {
    const file = path.join(dir, 'bad-uuid');
    writeFileSync(file, 'hello\n');
    await expect(loadOrCreateUuid(file)).rejects.toThrow(`the UUID file ${file} holds "hello"`);
  });
});
