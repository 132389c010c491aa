import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openInventory, type Inventory } from '../../../src/inventory/inventory.js';
import { expectListingAsRows } from './listing-checks.js';
import { schemaMigrations } from '../../../src/inventory/sql.js';
import { UsageError } from '../../../src/util/errors.js';
import { defined } from '../../defined.js';
import { fleet, visit } from './visit-fixture.js';

const dirs: string[] = [];
const open: Inventory[] = [];
function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-inventory-'));
  dirs.push(dir);
  return path.join(dir, 'inventory.db');
}
async function inventory(file = tempFile(), options: Parameters<typeof openInventory>[1] = {}): Promise<Inventory> {
  const inv = await openInventory(file, options);
  open.push(inv);
  return inv;
}
afterEach(async () => {
  for (const inv of open.splice(0)) await inv.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite inventory', () => {
  it('keeps one device per uuid (else MAC address) with its latest fields, and every visit in its history', async () => {
    const inv = await inventory();
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
    inv.record(visit({ time: t(1), build: '2.10.5550' }));
    inv.record(visit({ time: t(2), build: '2.11.5700', status: 401, reason: 'wrong user name or password', profiles: [] }));
    inv.record(visit({ time: t(3), uuid: null, hwaddr: '02:00:00:00:00:99', username: 'bob' }));
    // an unread request belongs to no device, but is a visit
    inv.record(visit({ time: t(4), uuid: null, hwaddr: null, osname: null, username: null, build: null, status: 400, reason: 'malformed request' }));
    await inv.flush();
    const { rows, total } = await inv.devices();
    expect(total).toBe(2);
    expect(rows.map((r) => r.id)).toEqual(['02:00:00:00:00:99', 'uuid-1']);
    const one = defined(await inv.device('uuid-1'));
    expect(one.device).toMatchObject({
      build: '2.11.5700',
      lastStatus: 401,
      lastReason: 'wrong user name or password',
      requests: 2,
      firstSeen: t(1),
      lastSeen: t(2),
    });
    // the profiles are those of the last 200
    expect(one.device.profiles).toEqual(['common', 'linux']);
    expect(one.history.map((v) => v.status)).toEqual([401, 200]);
    expect(await inv.device('nobody')).toBeUndefined();
    expect(inv.health()).toMatchObject({ backend: 'sqlite', written: 4, failed: 0, pending: 0 });
  });

  it('the file and its WAL are readable by their owner alone (user names, addresses, MACs)', async () => {
    const file = tempFile();
    const inv = await inventory(file);
    inv.record(visit({ uuid: 'u-1' }));
    await inv.flush();
    for (const f of [file, `${file}-wal`]) expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('a reader opens it while a writer holds the write lock (provdisc devices beside a busy serve)', async () => {
    const file = tempFile();
    const writer = await inventory(file);
    writer.record(visit({ uuid: 'u-1' }));
    await writer.flush();
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    try {
      const reader = await inventory(file, { readOnly: true });
      expect((await reader.devices()).total).toBe(1);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
  });

  it('a search is a plain substring: `%`, `_` and `*` match themselves only', async () => {
    const inv = await inventory();
    for (const v of fleet(10)) inv.record(v);
    inv.record(visit({ uuid: 'odd-1', osname: '50% off_*' }));
    await inv.flush();
    for (const search of ['50%', '% off_', 'off_*']) expect((await inv.devices({ search })).rows.map((r) => r.id)).toEqual(['odd-1']);
    for (const search of ['user*', '5_%', 'x%']) expect((await inv.devices({ search })).total).toBe(0);
  });

  it('filters by age, build (number by number), user and OS glob; sorts and pages', async () => {
    const inv = await inventory();
    const now = Date.now();
    for (const v of fleet(40, now)) inv.record(v);
    await inv.flush();
    const old = await inv.devices({ build: '<5000' });
    expect(old.total).toBe(30);
    expect(old.rows.every((r) => r.build !== '5012')).toBe(true);
    expect((await inv.devices({ build: '>=2.11' })).rows.every((r) => r.build === '2.11.5700' || r.build === '5012')).toBe(true);
    expect((await inv.devices({ build: '2.10.*' })).total).toBe(10);
    expect((await inv.devices({ os: 'windows*' })).rows.every((r) => r.osname === 'Windows 10')).toBe(true);
    expect((await inv.devices({ user: 'user7' })).rows.map((r) => r.id)).toEqual(['uuid-7']);
    expect((await inv.devices({ since: new Date(now - 9.5 * 60_000) })).total).toBe(10);
    expect((await inv.devices({ staleBefore: new Date(now - 29.5 * 60_000) })).total).toBe(10);
    expect((await inv.devices({ search: 'USER1' })).total).toBe(11);
    const page = await inv.devices({ sort: 'user', limit: 5, offset: 5 });
    expect(page.total).toBe(40);
    expect(page.rows.map((r) => r.username)).toEqual(['user13', 'user14', 'user15', 'user16', 'user17']);
    const byBuild = await inv.devices({ sort: 'build', descending: true, limit: 1 });
    expect(byBuild.rows[0]?.build).toBe('5012');
  });

  it('sums up: provisioned today and this week, failures by kind, builds, OS, and who looked but never posted', async () => {
    const inv = await inventory();
    const now = new Date(Date.UTC(2026, 5, 15, 12));
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
    inv.record(visit({ time: hoursAgo(1), uuid: 'a' }));
    inv.record(visit({ time: hoursAgo(48), uuid: 'b', osname: 'Windows 10', build: '5012' }));
    inv.record(visit({ time: hoursAgo(2), uuid: 'c', status: 401, reason: 'wrong user name or password', profiles: [] }));
    inv.recordLook({ time: hoursAgo(1), client: '192.0.2.77', method: 'dhcp', interface: 'eth0' });
    inv.recordLook({ time: hoursAgo(1), client: '192.0.2.10', method: 'bonjour', interface: 'eth0' });
    await inv.flush();
    const s = await inv.summary(now);
    expect(s).toMatchObject({ devices: 3, provisionedToday: 1, provisionedWeek: 2 });
    expect(s.failures).toEqual([{ status: 401, reason: 'wrong user name or password', count: 1 }]);
    expect(s.builds).toEqual([
      { build: '2.10.5550', count: 2 },
      { build: '5012', count: 1 },
    ]);
    expect(s.os[0]).toEqual({ os: 'Linux', count: 2 });
    // 192.0.2.10 posted (the fixture's client); 192.0.2.77 only asked over DHCP
    expect(s.lookedNeverPosted).toEqual([{ client: '192.0.2.77', method: 'dhcp', lastSeen: hoursAgo(1) }]);
  });

  it('counts a device provisioned today though its last answer was a refusal; a file of schema 1 is brought up with what it held', async () => {
    const now = new Date(Date.UTC(2026, 5, 15, 12));
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
    const inv = await inventory();
    inv.record(visit({ time: hoursAgo(3), uuid: 'a' }));
    inv.record(visit({ time: hoursAgo(1), uuid: 'a', status: 401, reason: 'wrong user name or password', profiles: [] }));
    inv.record(visit({ time: hoursAgo(100), uuid: 'b' }));
    inv.record(visit({ time: hoursAgo(2), uuid: 'b', status: 401, reason: 'wrong user name or password', profiles: [] }));
    await inv.flush();
    expect(await inv.summary(now)).toMatchObject({ devices: 2, provisionedToday: 1, provisionedWeek: 2 });

    // an inventory written by a provdisc of schema 1: its visits tell when each device last got a 200
    const file = tempFile();
    const raw = new Database(file);
    for (const statement of defined(schemaMigrations('INTEGER PRIMARY KEY')[0])) raw.exec(statement);
    raw.exec('CREATE TABLE provdisc_schema (version INTEGER NOT NULL); INSERT INTO provdisc_schema VALUES (1)');
    const device = raw.prepare(
      "INSERT INTO devices (id, client, first_seen, last_seen, last_status, profiles, requests) VALUES (?, '192.0.2.10', ?, ?, ?, '[]', 1)",
    );
    const visitRow = raw.prepare("INSERT INTO visits (time, device, client, profiles, status) VALUES (?, ?, '192.0.2.10', '[]', ?)");
    device.run('old', hoursAgo(2), hoursAgo(1), 401);
    visitRow.run(hoursAgo(2), 'old', 200);
    visitRow.run(hoursAgo(1), 'old', 401);
    raw.close();
    expect(await (await inventory(file)).summary(now)).toMatchObject({ devices: 1, provisionedToday: 1, provisionedWeek: 1 });
  });

  it('lists every device a page at a time, newest first, and counts and measures them in the database as over the rows', async () => {
    await expectListingAsRows(await inventory());
  });

  it('writes a client that keeps asking as one look a minute', async () => {
    const inv = await inventory();
    for (let i = 0; i < 50; i++)
      inv.recordLook({ time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), client: '192.0.2.5', method: 'bonjour', interface: 'eth0' });
    await inv.flush();
    expect(inv.health().written).toBe(1);
  });

  it('prunes what is older than inventory-days when it opens', async () => {
    const file = tempFile();
    const first = await openInventory(file);
    first.record(visit({ uuid: 'old', time: new Date(Date.now() - 20 * 86_400_000).toISOString() }));
    first.record(visit({ uuid: 'new' }));
    await first.close();
    const inv = await inventory(file, { days: 10 });
    expect((await inv.devices()).rows.map((r) => r.id)).toEqual(['new']);
    expect(defined(await inv.device('new')).history).toHaveLength(1);
  });

  it('migrates a file to the newest schema version once, and refuses a file newer than it knows', async () => {
    const file = tempFile();
    await (await openInventory(file)).close();
    const raw = new Database(file);
    expect(raw.prepare('SELECT version FROM provdisc_schema').all()).toEqual([{ version: schemaMigrations('').length }]);
    raw.prepare('UPDATE provdisc_schema SET version = 99').run();
    raw.close();
    const refused = openInventory(file);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(/schema is version 99, newer than this provdisc knows/);
  });

  it('read-only: a missing file is an error saying serve creates it, and no file is made', async () => {
    const file = tempFile();
    await expect(openInventory(file, { readOnly: true })).rejects.toThrow(/no inventory at .* yet/);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps answering while another writer locks the file, counts the failures, then writes what waited', async () => {
    const file = tempFile();
    const warnings: string[] = [];
    const inv = await inventory(file, { warn: (m) => warnings.push(m) });
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    expect(() => inv.record(visit({ uuid: 'during-lock' }))).not.toThrow();
    await inv.flush();
    expect(inv.health()).toMatchObject({ pending: 1, written: 0 });
    expect(inv.health().failed).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/the inventory \(sqlite\) cannot be written \(database is locked\)/);
    locker.exec('COMMIT');
    locker.close();
    await expect.poll(() => inv.health().written, { timeout: 10_000 }).toBe(1);
    expect(defined(await inv.device('during-lock')).device.requests).toBe(1);
    expect(warnings.at(-1)).toMatch(/works again/);
  });

  it('tells each visit written to its listeners, and stops when unsubscribed', async () => {
    const inv = await inventory();
    const seen: string[] = [];
    const stop = inv.onVisit((v) => seen.push(defined(v.uuid)));
    inv.record(visit({ uuid: 'x' }));
    await inv.flush();
    stop();
    inv.record(visit({ uuid: 'y' }));
    await inv.flush();
    expect(seen).toEqual(['x']);
  });
});
