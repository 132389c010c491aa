/**
 * The `[accounts]` section of a site: per-user (or per-device) records, from a CSV file or an LDAP
 * directory, that properties use as `${account.FIELD}` and profiles choose with
 * `match.account = present | absent`. Read and checked when the site loads, like the rest of it.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { asString, isSection, where, type Place } from '../config/config-file.js';
import { UsageError, type WarningSink } from '../util/errors.js';
import type { Form } from './answer.js';
import { readAccountsCsv, type CsvAccounts } from './accounts-csv.js';
import { checkFilter, Directory, filterFields } from './directory.js';

/** One account: field → value. */
export type Account = ReadonlyMap<string, string>;

/** How a client logs in (`login` in [serve]). */
export type LoginMethod = 'users' | 'accounts' | 'ldap';

export type AccountSource =
  { readonly kind: 'csv'; readonly keyField: string; readonly table: CsvAccounts } | { readonly kind: 'directory'; readonly directory: Directory };

export interface Accounts {
  readonly source: AccountSource;
  /** What `${account.FIELD}` may name. */
  readonly fields: readonly string[];
}

const CSV_KEYS = ['source', 'key', 'password-column'];
const DIRECTORY_KEYS = ['source', 'base', 'filter', 'bind-dn', 'bind-password-file', 'starttls', 'ca-file'];
const MAP_PREFIX = 'map.';
const DEFAULT_FILTER = '(uid=${username})';

/** What reading the section needs from the rest of the site. */
export interface AccountsContext {
  readonly file: string;
  readonly dir: string;
  /** Form fields the template posts. */
  readonly fields: readonly string[];
  readonly usernameField: string | undefined;
  readonly login: LoginMethod | undefined;
  readonly warn: WarningSink;
}

function sectionError(p: Place, message: string, hint: string): UsageError {
  return new UsageError(`${where(p)}: ${message}`, hint);
}

function readFileAt(file: string, p: Place): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw sectionError(p, `cannot read ${file}: ${(err as Error).message}`, 'check the path (relative to the site file) and its permissions');
  }
}

/** The search account's password: a file only its owner reads, one line. */
function readBindPassword(file: string, p: Place): string {
  const mode = (() => {
    try {
      return statSync(file).mode;
    } catch (err) {
      throw sectionError(p, `cannot read ${file}: ${(err as Error).message}`, 'write the password of bind-dn in it, alone, and chmod 600 it');
    }
  })();
  if ((mode & 0o077) !== 0) throw sectionError(p, `${file} can be read by others (mode ${(mode & 0o777).toString(8)})`, `chmod 600 ${file}`);
  return readFileAt(file, p)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readDirectory(values: Record<string, unknown>, source: string, ctx: AccountsContext, at: (key: string) => Place): Accounts {
  const str = (key: string) => (values[key] === undefined ? undefined : asString(values[key], at(key)));
  const base = str('base');
  if (base === undefined) throw sectionError(at('base'), 'is missing', 'give the subtree the accounts are under: base = ou=people,dc=example,dc=org');
  const filter = str('filter') ?? DEFAULT_FILTER.replace('username', ctx.usernameField ?? 'username');
  for (const field of filterFields(filter)) {
    if (!ctx.fields.includes(field))
      throw sectionError(at('filter'), `uses \${${field}}, but the template posts no field "${field}"`, `use the template's fields: ${ctx.fields.join(', ')}`);
  }
  try {
    checkFilter(filter);
  } catch (err) {
    throw sectionError(
      at('filter'),
      `${filter} is not an LDAP filter: ${(err as Error).message}`,
      'write an RFC 4515 filter, e.g. (&(objectClass=person)(uid=${username}))',
    );
  }
  if (ctx.login === 'ldap' && (ctx.usernameField === undefined || !filterFields(filter).includes(ctx.usernameField))) {
    throw sectionError(
      at('filter'),
      'with login = ldap, the filter must find the user by the name they type',
      `use \${${ctx.usernameField ?? 'username'}} in it: filter = (uid=\${${ctx.usernameField ?? 'username'}})`,
    );
  }
  const bindDn = str('bind-dn');
  const passwordFile = str('bind-password-file');
  if ((bindDn === undefined) !== (passwordFile === undefined)) {
    throw sectionError(
      at(bindDn === undefined ? 'bind-dn' : 'bind-password-file'),
      'is missing',
      'give both bind-dn and bind-password-file for the account that searches, or neither to search anonymously',
    );
  }
  const starttls = str('starttls');
  if (starttls !== undefined && !['yes', 'no'].includes(starttls))
    throw sectionError(at('starttls'), `"${starttls}" is not yes or no`, 'write starttls = yes to upgrade ldap:// with StartTLS');
  if (starttls === 'yes' && source.startsWith('ldaps:'))
    throw sectionError(at('starttls'), 'is set with ldaps://, which is TLS already', 'drop starttls, or use ldap:// with it');
  const caFile = str('ca-file');
  const map = new Map<string, string>();
  for (const [key, raw] of Object.entries(values)) {
    if (key.startsWith(MAP_PREFIX) && key.length > MAP_PREFIX.length) map.set(key.slice(MAP_PREFIX.length), asString(raw, at(key)));
  }
  const directory = new Directory({
    url: source,
    startTls: starttls === 'yes',
    ca: caFile === undefined ? undefined : readFileAt(path.resolve(ctx.dir, caFile), at('ca-file')),
    base,
    filter,
    bindDn,
    bindPassword: passwordFile === undefined ? undefined : readBindPassword(path.resolve(ctx.dir, passwordFile), at('bind-password-file')),
    map,
  });
  return { source: { kind: 'directory', directory }, fields: [...map.keys()] };
}

function readCsv(values: Record<string, unknown>, source: string, ctx: AccountsContext, at: (key: string) => Place): Accounts {
  const keyField = values.key === undefined ? (ctx.usernameField ?? 'username') : asString(values.key, at('key'));
  if (!ctx.fields.includes(keyField))
    throw sectionError(at('key'), `the template posts no field "${keyField}"`, `key accounts by one of the template's fields: ${ctx.fields.join(', ')}`);
  if (ctx.login === 'accounts' && keyField !== ctx.usernameField) {
    throw sectionError(
      at('key'),
      `is ${keyField}, but login = accounts checks the password of the user name`,
      `key the accounts by ${ctx.usernameField ?? 'username'}`,
    );
  }
  const passwordColumn = values['password-column'] === undefined ? undefined : asString(values['password-column'], at('password-column'));
  if (passwordColumn !== undefined && ctx.login !== 'accounts')
    throw sectionError(at('password-column'), 'is only read with login = accounts', 'add login = accounts to [serve], or drop password-column');
  let table: CsvAccounts;
  try {
    table = readAccountsCsv(path.resolve(ctx.dir, source), {
      keyColumn: keyField,
      passwordColumn: ctx.login === 'accounts' ? (passwordColumn ?? 'password') : undefined,
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw sectionError(at('source'), err.message, err.hint ?? 'fix the file');
  }
  const secret = table.columns.find((c) => /pass/i.test(c));
  if (secret !== undefined && (statSync(table.file).mode & 0o077) !== 0) {
    ctx.warn(`${where(at('source'))}: ${table.file} holds a column "${secret}" and other users of this machine can read it; chmod 600 ${table.file}`);
  }
  return {
    source: { kind: 'csv', keyField, table },
    fields: table.columns.filter((c) => c !== (ctx.login === 'accounts' ? (passwordColumn ?? 'password') : undefined)),
  };
}

/** Reads `[accounts]`; throws UsageError naming file, section and key. */
export function readAccounts(values: Record<string, unknown>, ctx: AccountsContext): Accounts {
  const at = (key: string): Place => ({ file: ctx.file, section: 'accounts', key });
  if (values.source === undefined)
    throw sectionError(at('source'), 'is missing', 'give the accounts file (source = accounts.csv) or directory (source = ldap://HOST)');
  const source = asString(values.source, at('source'));
  const isDirectory = /^ldaps?:\/\//i.test(source);
  const allowed = isDirectory ? DIRECTORY_KEYS : CSV_KEYS;
  for (const [key, raw] of Object.entries(values)) {
    if (isSection(raw)) throw sectionError(at(key), 'holds a dot that ini reads as a sub-section', 'write map.FIELD = attribute with a plain field name');
    if (!allowed.includes(key) && !(isDirectory && key.startsWith(MAP_PREFIX))) {
      throw sectionError(
        at(key),
        `is not an [accounts] setting for ${isDirectory ? 'a directory' : 'a CSV file'}`,
        `use one of: ${allowed.join(', ')}${isDirectory ? ', map.FIELD' : ''}`,
      );
    }
  }
  if (ctx.login === 'ldap' && !isDirectory)
    throw sectionError(at('source'), 'is a file, but login = ldap needs a directory', 'give source = ldap://HOST (or ldaps://), or another login');
  if (ctx.login === 'accounts' && isDirectory)
    throw sectionError(
      at('source'),
      'is a directory, but login = accounts reads password hashes from a CSV file',
      'use login = ldap to check passwords against the directory',
    );
  return isDirectory ? readDirectory(values, source, ctx, at) : readCsv(values, source, ctx, at);
}

/** The account of the client that posted `form`, from the site's source; undefined when it has none. */
export async function findAccount(accounts: Accounts, form: Form): Promise<Account | undefined> {
  const { source } = accounts;
  if (source.kind === 'csv') return source.table.rows.get(form.get(source.keyField) ?? '');
  return (await source.directory.find(form))?.account;
}

/** One line for the start-up line and --check: where the accounts come from. */
export function describeAccounts(accounts: Accounts): string {
  const { source } = accounts;
  return source.kind === 'csv'
    ? `${source.table.rows.size} account(s) from ${source.table.file}`
    : `accounts from ${source.directory.settings.url} (${source.directory.settings.base})`;
}

/** What `serve --check` finds about the accounts for a form. */
export interface AccountCheck {
  /** The fields an account is looked up by: the key field, or those the filter uses. */
  readonly by: readonly string[];
  /** Whether the form had them all. */
  readonly lookedUp: boolean;
  readonly account: Account | undefined;
  /** A directory's sample: entries read, and mapped attributes none of them has. */
  readonly sample: { readonly entries: number; readonly missing: readonly string[] } | undefined;
}

/**
 * Checks the source (a directory: reachable, and its mapped attributes in a sample of entries; a
 * file was checked whole when it loaded) and looks up the account of `form` when it has what a
 * lookup needs. Throws DirectoryUnavailableError when the directory cannot be asked.
 */
export async function checkAccounts(accounts: Accounts, form: Form): Promise<AccountCheck> {
  const { source } = accounts;
  const needs = source.kind === 'csv' ? [source.keyField] : filterFields(source.directory.settings.filter);
  const lookedUp = needs.every((f) => (form.get(f) ?? '') !== '');
  const sample = source.kind === 'directory' ? await source.directory.sample() : undefined;
  return { by: needs, lookedUp, account: lookedUp ? await findAccount(accounts, form) : undefined, sample };
}
