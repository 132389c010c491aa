/**
 * `inventory` (a file relative to the site file, or postgres://…) and `inventory-days` of [serve]:
 * where every request answered is recorded, and for how long.
 */
import path from 'node:path';
import { asString, isSection } from '../config/config-file.js';
import { UsageError } from '../util/errors.js';
import { DEFAULT_INVENTORY_DAYS, isPostgresUrl } from '../inventory/inventory.js';
import { readSiteFile, siteError, type KeyPlace } from './site-values.js';

export interface SiteInventory {
  /** An absolute SQLite file path, or a `postgres://` URL. */
  readonly setting: string;
  readonly days: number;
}

export function readInventory(serve: Record<string, unknown>, { dir, at }: { dir: string; at: KeyPlace }): SiteInventory | undefined {
  const daysText = serve['inventory-days'] === undefined ? undefined : asString(serve['inventory-days'], at('inventory-days'));
  if (serve.inventory === undefined) {
    if (daysText !== undefined) throw siteError(at('inventory-days'), 'is set, but there is no inventory', 'add inventory = inventory.db (or postgres://…)');
    return undefined;
  }
  const value = asString(serve.inventory, at('inventory'));
  const days = daysText === undefined ? DEFAULT_INVENTORY_DAYS : Number(daysText);
  if (!Number.isInteger(days) || days < 1)
    throw siteError(at('inventory-days'), `"${daysText ?? ''}" is not a whole number of days`, 'write inventory-days = 400 (what is older is pruned)');
  if (isPostgresUrl(value)) {
    if (!URL.canParse(value))
      throw siteError(
        at('inventory'),
        'is not a PostgreSQL URL',
        'write inventory = postgres://USER@HOST:5432/DATABASE (the password in ~/.pgpass or PGPASSWORD)',
      );
    return { setting: value, days };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw siteError(
      at('inventory'),
      `"${value}" is neither a file nor a postgres:// URL`,
      'write inventory = inventory.db (SQLite, beside the site file) or postgres://…',
    );
  return { setting: path.resolve(dir, value), days };
}

/**
 * Only the inventory of a site file (what `provdisc devices` needs): the rest — certificates, users,
 * profiles — is neither read nor checked, so a user who may read the inventory needs no more.
 */
export function loadSiteInventory(file: string): SiteInventory {
  const { parsed, dir } = readSiteFile(file);
  const serve = isSection(parsed.serve) ? parsed.serve : {};
  const inventory = readInventory(serve, { dir, at: (key) => ({ file, section: 'serve', key }) });
  if (!inventory)
    throw new UsageError(
      `${file}: [serve] has no inventory`,
      'add inventory = inventory.db (or postgres://…) to [serve] and restart provdisc serve',
      'invalid-file',
    );
  return inventory;
}
