import { expect } from 'vitest';
import type { DeviceRow, Inventory } from '../../../src/inventory/inventory.js';
import { tallyDevices } from '../../../src/inventory/tally.js';
import { escapeControls } from '../../../src/util/printable.js';
import { fleet, visit } from './visit-fixture.js';

/**
 * Records more devices than a page holds (and one with hostile text), then checks, with and without
 * filters, that what `provdisc devices` reads — the pages, the counts, the column lengths — is what
 * the rows of `devices()` say: the same devices in the same order, counted and measured alike.
 */
export async function expectListingAsRows(inv: Inventory): Promise<void> {
  const hostile = visit({ uuid: 'uuid-hostile', osname: 'Linux\u001b[31m\u2028x', username: 'ü😀'.repeat(5), time: new Date().toISOString() });
  const before = (await inv.devices()).total;
  for (const v of [...fleet(4500), hostile]) inv.record(v);
  await inv.flush();
  for (const filter of [{}, { build: '<5000', os: 'lin*' }, { since: new Date(Date.now() - 100 * 60_000) }]) {
    const { rows, total } = await inv.devices(filter);
    const pages: (readonly DeviceRow[])[] = [];
    for await (const page of inv.devicePages(filter)) pages.push(page);
    expect(pages.flat()).toEqual(rows);
    const narrow: unknown[] = [];
    for await (const page of inv.devicePages(filter, ['build'])) narrow.push(...page);
    expect(narrow).toEqual(rows.map((r) => ({ id: r.id, lastSeen: r.lastSeen, build: r.build })));
    expect(await inv.deviceCounts(filter)).toEqual({ total, ...tallyDevices(rows) });
    const longest = (f: (r: DeviceRow) => string | null) => Math.max(0, ...rows.map((r) => escapeControls(f(r) ?? '').length));
    expect(await inv.deviceLengths(filter)).toEqual({
      id: longest((r) => r.id),
      username: longest((r) => r.username),
      osname: longest((r) => r.osname),
      build: longest((r) => r.build),
    });
  }
  expect((await inv.devices()).total).toBe(before + 4501);
  // the hostile text measured as it prints, escaped; 10 characters to the database are 15 UTF-16 units to JavaScript
  expect(await inv.deviceLengths()).toMatchObject({ osname: escapeControls('Linux\u001b[31m\u2028x').length, username: 15 });
}
