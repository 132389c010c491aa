/**
 * `devices`: the inventory of a site, one line per device, then the devices counted by build and OS;
 * `--json` and `--csv` for other programs. Reads the site file's inventory only (loadSiteInventory).
 */
import type { Command } from 'commander';
import type * as CsvStringify from 'csv-stringify/sync';
import { loadSiteInventory } from '../server/site.js';
import { openInventory, type DeviceQuery, type DeviceRow } from '../inventory/inventory.js';
import { parseBuildFilter } from '../inventory/build-filter.js';
import { tallyDevices, type DeviceTally } from '../inventory/tally.js';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { parseAge } from '../util/numbers.js';
import { escapeControls, jsonLine } from '../util/printable.js';
import { action, EXIT_OK, warn } from './common.js';

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

const CSV_COLUMNS = [
  'id',
  'uuid',
  'hwaddr',
  'username',
  'osname',
  'build',
  'arch',
  'client',
  'firstSeen',
  'lastSeen',
  'lastStatus',
  'lastReason',
  'profiles',
  'requests',
] as const;

function query(flags: DevicesFlags, now: number): DeviceQuery {
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

/** Seconds are enough for a person; the JSON and CSV keep the milliseconds. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

function table(rows: readonly DeviceRow[]): string[] {
  const header = ['DEVICE', 'USER', 'OS', 'BUILD', 'LAST SEEN', 'STATUS', 'PROFILES'];
  const cells = rows.map((r) =>
    [
      r.id,
      r.username ?? '-',
      r.osname ?? '-',
      r.build ?? '-',
      shortTime(r.lastSeen),
      String(r.lastStatus),
      r.lastStatus === 200 ? r.profiles.join(',') || '-' : `(${r.lastReason ?? ''})`,
    ].map(escapeControls),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

function summaryLines(total: number, tally: DeviceTally): string[] {
  const list = (items: readonly { name: string; count: number }[]) => items.map((i) => `${escapeControls(i.name || '(none)')} (${i.count})`).join(', ');
  return [
    `${total} device(s)`,
    `by build: ${list(tally.builds.map((b) => ({ name: b.build, count: b.count })))}`,
    `by OS: ${list(tally.os.map((o) => ({ name: o.os, count: o.count })))}`,
  ];
}

function csv(rows: readonly DeviceRow[]): string {
  const { stringify } = requireCjs('csv-stringify/sync') as typeof CsvStringify;
  return stringify(
    rows.map((r) => ({ ...r, profiles: r.profiles.join(' ') })),
    // a client chose these values: one starting with = + - @ would run as a formula in a spreadsheet
    { header: true, columns: [...CSV_COLUMNS], escape_formulas: true },
  );
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
        const q = query(flags, Date.now());
        const { setting } = loadSiteInventory(flags.config ?? '');
        const inventory = await openInventory(setting, { readOnly: true, warn });
        try {
          const { rows, total } = await inventory.devices(q);
          if (flags.csv) process.stdout.write(csv(rows));
          else if (flags.json) process.stdout.write(jsonLine({ devices: rows, total, ...tallyDevices(rows) }));
          else process.stdout.write(`${[...(rows.length > 0 ? table(rows) : []), ...summaryLines(total, tallyDevices(rows))].join('\n')}\n`);
        } finally {
          await inventory.close();
        }
        return EXIT_OK;
      }),
    );
}
