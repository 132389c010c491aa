import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openInventory, type Inventory } from '../../../src/inventory/inventory.js';
import { ProvisioningServer } from '../../../src/server/server.js';
import { loadSite } from '../../../src/server/site.js';
import { runCli } from '../cli/run-cli.js';
import { writeSite } from '../server/site-fixture.js';
import { defined } from '../../defined.js';

const TEMPLATE =
  'http://prov.example.org:8080/prov?username=${username}&password=${password}&os=${osname}&mac=${hwaddr}&id=${uuid}&build=${build}&arch=${arch}&ip=${ipaddr}';
const { site } = writeSite({
  'site.ini': `[serve]\ntemplate = ${TEMPLATE}\ninventory = inventory.db\ninventory-days = 30\nusers = users\n\n[profile linux]\nmatch.os = Linux\nproperties = linux.properties\n`,
  'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
  users: '',
});
const loaded = loadSite(site);
const file = defined(loaded.inventory).setting;
const inventories: Inventory[] = [];
afterAll(async () => {
  for (const inv of inventories) await inv.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const fields = (uuid: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    username: 'alice',
    password: 'TopSecret!',
    os: 'Linux',
    mac: '02:00:00:00:00:01',
    id: uuid,
    build: '2.10.5550',
    arch: 'x86_64',
    ip: '192.0.2.10',
    ...extra,
  }).toString();

describe('serve records what it answers in the inventory', () => {
  it('records 200s and refusals with the fields the template maps (build, arch, ipaddr), never the password', async () => {
    const inv = await openInventory(file);
    inventories.push(inv);
    const server = new ProvisioningServer(loadSite(site), { inventory: inv });
    // no user in the users file: every login is refused with 401
    const refused = await server.app.inject({ method: 'POST', url: '/prov', payload: fields('u-401'), headers: FORM });
    expect(refused.statusCode).toBe(401);
    const wrongType = await server.app.inject({ method: 'POST', url: '/prov', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(wrongType.statusCode).toBe(415);
    const tooBig = await server.app.inject({ method: 'POST', url: '/prov', payload: fields('u-413', { os: 'x'.repeat(5000) }), headers: FORM });
    expect(tooBig.statusCode).toBe(413);
    await server.close();
    await inv.flush();
    const device = defined(await inv.device('u-401')).device;
    expect(device).toMatchObject({ osname: 'Linux', build: '2.10.5550', arch: 'x86_64', username: 'alice', lastStatus: 401 });
    expect(defined(await inv.device('u-401')).history[0]?.ipaddr).toBe('192.0.2.10');
    const raw = new Database(file, { readonly: true });
    const statuses = raw.prepare('SELECT status FROM visits ORDER BY id').all();
    const everything = JSON.stringify(raw.prepare('SELECT * FROM visits').all()) + JSON.stringify(raw.prepare('SELECT * FROM devices').all());
    raw.close();
    expect(statuses).toEqual([{ status: 401 }, { status: 415 }, { status: 413 }]);
    expect(everything).not.toContain('TopSecret!');
  });

  it('never records a field that also carries ${password}, whatever other placeholder it holds', async () => {
    const twice = 'http://prov.example.org:8080/prov?username=${username}&password=${password}&os=${osname}-${password}&id=${uuid}';
    const { site: other } = writeSite({
      'site.ini': `[serve]\ntemplate = ${twice}\ninventory = inventory.db\n\n[profile all]\nproperties = all.properties\n`,
      'all.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
    });
    const otherSite = loadSite(other);
    expect([...otherSite.secretFields].sort()).toEqual(['os', 'password']);
    const inv = await openInventory(defined(otherSite.inventory).setting);
    inventories.push(inv);
    const server = new ProvisioningServer(otherSite, { inventory: inv });
    const form = new URLSearchParams({ username: 'alice', password: 'TopSecret!', os: 'Linux-TopSecret!', id: 'u-twice' }).toString();
    expect((await server.app.inject({ method: 'POST', url: '/prov', payload: form, headers: FORM })).statusCode).toBe(200);
    await server.close();
    await inv.flush();
    expect(defined(await inv.device('u-twice')).device).toMatchObject({ username: 'alice', osname: null });
    const raw = new Database(defined(otherSite.inventory).setting, { readonly: true });
    const everything = JSON.stringify(raw.prepare('SELECT * FROM visits').all()) + JSON.stringify(raw.prepare('SELECT * FROM devices').all());
    raw.close();
    expect(everything).not.toContain('TopSecret!');
  });

  it('answers every POST while the inventory cannot be written (another writer holds the file), and writes them later', async () => {
    const warnings: string[] = [];
    const inv = await openInventory(file, { warn: (m) => warnings.push(m) });
    inventories.push(inv);
    const server = new ProvisioningServer(loadSite(site), { inventory: inv });
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => server.app.inject({ method: 'POST', url: '/prov', payload: fields(`locked-${i}`), headers: FORM })),
    );
    // the login's own answers (401, then 403 from the login limiter): none waits for, or fails with, the database
    expect(answers.every((a) => a.statusCode === 401 || a.statusCode === 403)).toBe(true);
    await inv.flush();
    expect(inv.health().failed).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/cannot be written .*requests are still answered/);
    locker.exec('ROLLBACK');
    locker.close();
    await expect.poll(() => inv.health().pending, { timeout: 10_000 }).toBe(0);
    expect((await inv.devices({ search: 'locked-' })).total).toBe(20);
    await server.close();
  });

  it('provdisc devices lists them, filters by build, and writes CSV and JSON', async () => {
    const listed = await runCli('devices', '--config', site);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DEVICE\s+USER\s+OS\s+BUILD\s+LAST SEEN\s+STATUS\s+PROFILES$/);
    expect(lines.find((l) => l.startsWith('u-401'))).toMatch(/^u-401\s+alice\s+Linux\s+2\.10\.5550\s+\S+Z\s+401\s+\(wrong user name or password/);
    expect(lines.at(-3)).toBe('21 device(s)');
    expect(lines.at(-2)).toBe('by build: 2.10.5550 (21)');
    expect(lines.at(-1)).toBe('by OS: Linux (21)');
    expect((await runCli('devices', '--config', site, '--build', '>=5000')).stdout).toMatch(/^0 device\(s\)\n/);
    const json = JSON.parse((await runCli('devices', '--config', site, '--json', '--user', 'alice', '--os', 'lin*')).stdout) as { total: number };
    expect(json.total).toBe(21);
    const csv = (await runCli('devices', '--config', site, '--csv', '--since', '1h')).stdout.trim().split('\n');
    expect(csv[0]).toBe('id,uuid,hwaddr,username,osname,build,arch,client,firstSeen,lastSeen,lastStatus,lastReason,profiles,requests');
    expect(csv).toHaveLength(22);
    expect((await runCli('devices', '--config', site, '--stale', '1d')).stdout).toMatch(/^0 device\(s\)/);
  });

  it('refuses a bad filter or a site without inventory, naming the flag', async () => {
    const bad = await runCli('devices', '--config', site, '--build', '<');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--build "<" compares with no build');
    const { site: plain } = writeSite({ 'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n` });
    expect((await runCli('devices', '--config', plain)).stderr).toMatch(/\[serve\] has no inventory/);
    expect((await runCli('devices', '--config', site, '--json', '--csv')).code).toBe(1);
  });
});

describe('the inventory keys of [serve]', () => {
  const load = (lines: string) => () => loadSite(writeSite({ 'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n${lines}\n` }).site);
  it('takes a file beside the site file, or a postgres URL, with inventory-days (default 400)', () => {
    expect(loadSite(site).inventory).toEqual({ setting: file, days: 30 });
    expect(load('inventory = postgres://provdisc@db.example.org/provdisc')().inventory).toEqual({
      setting: 'postgres://provdisc@db.example.org/provdisc',
      days: 400,
    });
  });
  it('says what is wrong', () => {
    expect(load('inventory-days = 30')).toThrow(/key "inventory-days": is set, but there is no inventory/);
    expect(load('inventory = x.db\ninventory-days = 0')).toThrow(/"0" is not a whole number of days/);
    expect(load('inventory = mysql://db/x')).toThrow(/neither a file nor a postgres:\/\/ URL/);
  });
});
