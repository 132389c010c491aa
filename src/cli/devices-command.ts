/**
 * `devices`: the inventory of a site, one line per device, then the devices counted by build and OS;
 * `--json` and `--csv` for other programs. Reads the site file's inventory only (loadSiteInventory).
 */
import type { Command } from 'commander';
import type * as CsvStringify from 'csv-stringify/sync';
import { loadSiteInventory } from '../server/inventory-section.js';
import { openInventory, type DeviceCounts, type DeviceFilter, type DeviceRow, type Inventory } from '../inventory/inventory.js';
import { parseBuildFilter } from '../inventory/build-filter.js';
import { DEVICE_FIELDS } from '../inventory/store.js';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { parseAge } from '../util/numbers.js';
import { escapeControls, jsonLine } from '../util/printable.js';
import { action, EXIT_OK, warn } from './common.js';
import { chunkedOutput } from './output.js';

interface DevicesFlags {
  config?: string;
  json?: boolean;
  csv?: boolean;
  since?: string;
  stale?: string;
  build?: string;
  user?: string;
  os?: string;
}

function filter(flags: DevicesFlags, now: number): DeviceFilter {
  // checked here too, so that a bad --build is told before the database is opened
  if (flags.build !== undefined) parseBuildFilter(flags.build);
  return {
    since: flags.since === undefined ? undefined : new Date(now - parseAge(flags.since, '--since')),
    staleBefore: flags.stale === undefined ? undefined : new Date(now - parseAge(flags.stale, '--stale')),
    build: flags.build,
    user: flags.user,
    os: flags.os,
  };
}

type Output = ReturnType<typeof chunkedOutput>;

/** Seconds are enough for a person; the JSON and CSV keep the milliseconds. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

const HEADER = ['DEVICE', 'USER', 'OS', 'BUILD', 'LAST SEEN', 'STATUS', 'PROFILES'];
/** An ISO time to the second, as provdisc writes every time: LAST SEEN's width. */
const TIME_WIDTH = 20;

function cells(r: Pick<DeviceRow, 'id' | 'lastSeen' | (typeof TABLE_FIELDS)[number]>): string[] {
  return [
    r.id,
    r.username ?? '-',
    r.osname ?? '-',
    r.build ?? '-',
    shortTime(r.lastSeen),
    String(r.lastStatus),
    r.lastStatus === 200 ? r.profiles.join(',') || '-' : `(${r.lastReason ?? ''})`,
  ].map(escapeControls);
}
const TABLE_FIELDS = ['username', 'osname', 'build', 'lastStatus', 'lastReason', 'profiles'] as const;

/**
 * The devices as aligned columns, a page at a time: the widths are the database's longest values
 * (deviceLengths), so no device is held, nor read twice. Nothing, not even the header, when there is none.
 */
async function writeTable(inventory: Inventory, f: DeviceFilter, total: number, out: Output): Promise<void> {
  if (total === 0) return;
  const longest = await inventory.deviceLengths(f);
  // the user, OS and build print as "-" when not given; an HTTP status has three digits
  const widths = [longest.id, Math.max(longest.username, 1), Math.max(longest.osname, 1), Math.max(longest.build, 1), TIME_WIDTH, 3, 0].map((w, i) =>
    Math.max(w, HEADER[i]?.length ?? 0),
  );
  const line = (c: readonly string[]) =>
    `${c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()}\n`;
  await out.write(line(HEADER));
  for await (const page of inventory.devicePages(f, TABLE_FIELDS)) await out.write(page.map((r) => line(cells(r))).join(''));
}

function summaryLines(counts: DeviceCounts): string {
  const list = (items: readonly { name: string; count: number }[]) => items.map((i) => `${escapeControls(i.name || '(none)')} (${i.count})`).join(', ');
  return [
    `${counts.total} device(s)`,
    `by build: ${list(counts.builds.map((b) => ({ name: b.build, count: b.count })))}`,
    `by OS: ${list(counts.os.map((o) => ({ name: o.os, count: o.count })))}\n`,
  ].join('\n');
}

/** `{"devices":[…],"total":N,"builds":[…],"os":[…]}` on one line, the devices written a page at a time. */
async function writeJson(inventory: Inventory, f: DeviceFilter, out: Output): Promise<void> {
  const { total, builds, os } = await inventory.deviceCounts(f);
  let first = true;
  await out.write('{"devices":[');
  for await (const page of inventory.devicePages(f)) {
    // jsonLine's escapes, each device on its own (the line ends after the summary)
    await out.write(`${first ? '' : ','}${page.map((r) => jsonLine(r).slice(0, -1)).join(',')}`);
    first = false;
  }
  await out.write(`],${jsonLine({ total, builds, os }).slice(1)}`);
}

/** CSV with its header, a page of devices at a time. */
async function writeCsv(inventory: Inventory, f: DeviceFilter, out: Output): Promise<void> {
  const { stringify } = requireCjs('csv-stringify/sync') as typeof CsvStringify;
  // a client chose these values: one starting with = + - @ would run as a formula in a spreadsheet
  const csv = (rows: readonly DeviceRow[], header: boolean) =>
    stringify(
      rows.map((r) => ({ ...r, profiles: r.profiles.join(' ') })),
      { header, columns: [...DEVICE_FIELDS], escape_formulas: true },
    );
  let header = true;
  for await (const page of inventory.devicePages(f)) {
    await out.write(csv(page, header));
    header = false;
  }
  if (header) await out.write(csv([], true));
}

export function registerDevicesCommand(program: Command): void {
  program
    .command('devices')
    .description("list the clients serve recorded in the site's inventory: one line per device, then the devices by build and OS")
    .requiredOption('-c, --config <site>', 'the site file (ini) whose [serve] has inventory = FILE or postgres://…')
    .option('--json', 'one JSON object: {"devices":[…],"total":N,"builds":[…],"os":[…]}')
    .option('--csv', 'CSV with a header row, one row per device (no summary)')
    .option('--since <age>', 'only devices seen within this age: 30m, 12h, 7d, 2w')
    .option('--stale <age>', 'only devices not seen for this age (the opposite of --since)')
    .option('--build <filter>', "only these builds: '<5000', '>=2.10.5550', '=5012', '!=5012' (compared number by number) or a glob '2.10.*'")
    .option('--user <name>', 'only devices whose last user name is this')
    .option('--os <glob>', "only these OS names, * as a wildcard, any case: 'Windows*'")
    .addHelpText('after', '\nA device is its uuid, else its MAC address. Newest first.\n\nExit codes: 0 listed (even none); 1 bad input or no inventory.')
    .action(
      action(async (flags: DevicesFlags) => {
        if (flags.json && flags.csv) throw new UsageError('both --json and --csv given', 'pick one');
        const f = filter(flags, Date.now());
        const { setting } = loadSiteInventory(flags.config ?? '');
        const inventory = await openInventory(setting, { readOnly: true, warn });
        const out = chunkedOutput('stdout');
        try {
          if (flags.csv) await writeCsv(inventory, f, out);
          else if (flags.json) await writeJson(inventory, f, out);
          else {
            const counts = await inventory.deviceCounts(f);
            await writeTable(inventory, f, counts.total, out);
            await out.write(summaryLines(counts));
          }
          await out.end();
        } finally {
          await inventory.close();
        }
        return EXIT_OK;
      }),
    );
}
