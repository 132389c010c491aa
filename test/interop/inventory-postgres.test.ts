/**
 * The inventory on a real PostgreSQL (Debian's 15, started on this machine's loopback by the test,
 * stopped after): `provdisc serve` processes with inventory = postgres://… record the POSTs they
 * answer; two of them share one inventory, which `provdisc devices` lists; PostgreSQL stopped
 * mid-run costs no answer, the failed writes are counted and told, and retried once it is back.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventory, type Inventory } from '../../src/inventory/inventory.js';
import { freeLoopbackPort } from '../lab/slapd.js';
import { startPostgres, type PostgresPeer } from '../lab/postgres.js';
import { spawnProcess, type SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { runCli } from '../unit/cli/run-cli.js';
import { writeSite } from '../unit/server/site-fixture.js';
import { expectListingAsRows } from '../unit/inventory/listing-checks.js';
import { defined } from '../defined.js';

const requirements = requirePeers(['postgres']);
const BIN = path.resolve(import.meta.dirname, '../../bin/provdisc');

interface Instance {
  readonly site: string;
  readonly url: string;
  readonly process: SpawnedProcess;
}

/** `provdisc serve` on 127.0.0.1 with the inventory `inventory`. */
async function serve(inventory: string): Promise<Instance> {
  const port = await freeLoopbackPort();
  const { site } = writeSite({
    'site.ini': [
      '[serve]',
      `listen = 127.0.0.1:${port}`,
      `template = http://127.0.0.1:${port}/prov?username=\${username}&password=\${password}&osname=\${osname}&hwaddr=\${hwaddr}&uuid=\${uuid}&build=\${build}`,
      `inventory = ${inventory}`,
      '[profile linux]',
      'match.osname = Linux',
      'properties = linux.properties',
      '',
    ].join('\n'),
    'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
  });
  const proc = spawnProcess(process.execPath, [BIN, 'serve', '--config', site, '--json'], { description: `provdisc serve :${port}` });
  await proc.waitForLine(/"event":"listening"/, 20_000);
  return { site, url: `http://127.0.0.1:${port}/prov`, process: proc };
}

async function post(instance: Instance, uuid: string, build = '2.10.5550'): Promise<number> {
  const body = new URLSearchParams({ username: 'alice', password: 'TopSecret!', osname: 'Linux', hwaddr: '02:00:00:00:00:01', uuid, build });
  const res = await fetch(instance.url, { method: 'POST', body });
  await res.text();
  return res.status;
}

/** SIGTERM, then the `stopped` event serve prints: its requests and the inventory's health. */
async function stopped(instance: Instance): Promise<{ requests: Record<string, number>; inventory: Record<string, unknown> }> {
  await instance.process.stop(15_000);
  const line = defined(
    instance.process.lines.stdout.find((l) => l.includes('"event":"stopped"')),
    'stopped event',
  );
  return JSON.parse(line) as { requests: Record<string, number>; inventory: Record<string, unknown> };
}

describe.skipIf(requirements.skip)(`the inventory on PostgreSQL${requirements.note}`, () => {
  let pg: PostgresPeer;
  let reader: Inventory;
  const instances: Instance[] = [];
  beforeAll(async () => {
    requirements.assert();
    pg = await startPostgres();
    instances.push(await serve(pg.url), await serve(pg.url));
    reader = await openInventory(pg.url, { readOnly: true });
  }, 90_000);
  afterAll(async () => {
    for (const i of instances) await i.process.stop(5_000);
    await reader?.close();
    await pg?.remove();
  });

  it('two serve instances record into one inventory, which provdisc devices lists', async () => {
    const [a, b] = [defined(instances[0]), defined(instances[1])];
    expect(await post(a, 'from-a', '2.10.5550')).toBe(200);
    expect(await post(b, 'from-b', '5012')).toBe(200);
    // the same device through both: one device, two requests
    expect(await post(a, 'both')).toBe(200);
    expect(await post(b, 'both')).toBe(200);
    await expect.poll(async () => (await reader.devices()).total, { timeout: 10_000 }).toBe(3);
    expect(defined(await reader.device('both')).device.requests).toBe(2);
    const listed = await runCli('devices', '--config', a.site, '--build', '<5000', '--json');
    expect(listed.stderr).toBe('');
    const json = JSON.parse(listed.stdout) as { devices: { id: string }[]; total: number };
    expect(json.devices.map((d) => d.id).sort()).toEqual(['both', 'from-a']);
    const everything = JSON.stringify(await reader.devices()) + JSON.stringify(await reader.device('both'));
    expect(everything).not.toContain('TopSecret!');
  });

  it('lists, counts and measures devices page by page as its rows say, on PostgreSQL too', async () => {
    const writer = await openInventory(pg.url);
    try {
      await expectListingAsRows(writer);
    } finally {
      await writer.close();
    }
  });

  it('PostgreSQL stopped mid-run: every POST is still answered 200, the failures are counted and told, and written once it is back', async () => {
    const a = defined(instances[0]);
    await pg.stop();
    const during = await Promise.all(Array.from({ length: 10 }, (_, i) => post(a, `while-down-${i}`)));
    expect(during).toEqual(Array.from({ length: 10 }, () => 200));
    await a.process.waitForLine(/the inventory \(postgres\) cannot be written/, 20_000, 'stderr');
    await pg.start();
    await a.process.waitForLine(/the inventory \(postgres\) works again/, 60_000, 'stderr');
    await expect.poll(async () => (await reader.devices({ search: 'while-down-' })).total, { timeout: 20_000 }).toBe(10);
    const end = await stopped(a);
    expect(end.requests['200']).toBeGreaterThanOrEqual(12);
    expect(end.inventory).toMatchObject({ backend: 'postgres', pending: 0, dropped: 0 });
    expect(end.inventory.failed).toEqual(expect.any(Number));
    expect(Number(end.inventory.failed)).toBeGreaterThan(0);
  }, 120_000);
});
