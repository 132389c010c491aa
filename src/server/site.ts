/**
 * The site file of `provdisc serve`: one ini file saying where to listen, the template clients use,
 * who may log in, and the profiles (properties files chosen by the client's form fields). Loaded and
 * checked whole before anything is served, so a broken file never replaces a working site; every
 * error names the file, the section and the key. Paths are relative to the site file. Each section
 * (or group of [serve] keys) has a reader of its own; this module holds the model they fill and the
 * order they are read in, since later sections are checked against earlier ones.
 */
import { asString, asStrings, isSection, where, type Place } from '../config/config-file.js';
import { parseVia, type DiscoveryMethod } from '../via/methods.js';
import { defaultPortFor, type Scheme } from '../template/template.js';
import { UsageError, type WarningSink } from '../util/errors.js';
import { readAccounts, type Accounts, type LoginMethod } from './accounts.js';
import { readAdmin, type AdminSettings } from './admin-section.js';
import type { CertificateReport } from './certificate.js';
import { readInventory, type SiteInventory } from './inventory-section.js';
import { parseListen, type Listen } from './listen.js';
import { readLogin } from './login-section.js';
import { PROFILE_PREFIX, readProfiles, type Profile } from './profile-section.js';
import { readSiteFile, siteError } from './site-values.js';
import { readTemplate } from './site-template.js';
import { readTls } from './tls-pair.js';
import type { UserTable } from './users.js';

const SERVE_KEYS = ['listen', 'tls-cert', 'tls-key', 'template', 'login', 'users', 'via', 'inventory', 'inventory-days'] as const;

export interface Site {
  readonly file: string;
  readonly listen: Listen;
  readonly template: string;
  readonly scheme: Scheme;
  /** The path clients post to: the template's, without its query. */
  readonly path: string;
  /** Form fields the template makes the client post, in template order. */
  readonly fields: readonly string[];
  /** The form field that carries each client placeholder (`osname` → `os` for `os=${osname}`). */
  readonly fieldOf: ReadonlyMap<string, string>;
  readonly usernameField: string | undefined;
  readonly passwordField: string | undefined;
  /** Every field whose value carries `${password}`: none is ever logged or recorded. */
  readonly secretFields: ReadonlySet<string>;
  readonly tls:
    { readonly cert: Buffer; readonly key: Buffer; readonly certFile: string; readonly keyFile: string; readonly certificate: CertificateReport } | undefined;
  /** How clients log in; undefined: no login. */
  readonly login: LoginMethod | undefined;
  readonly users: { readonly file: string; readonly table: UserTable } | undefined;
  /** `[accounts]`: per-client records for `${account.FIELD}` and `match.account`. */
  readonly accounts: Accounts | undefined;
  /** How the template is also advertised (`advertise --via`); none: not advertised. */
  readonly via: readonly DiscoveryMethod[];
  /** `inventory` and `inventory-days`: where every request answered is recorded; undefined: nowhere. */
  readonly inventory: SiteInventory | undefined;
  readonly profiles: readonly Profile[];
  /** `[admin]`: the status page; undefined: none. */
  readonly admin: AdminSettings | undefined;
}

/** Loads and checks a site file; throws UsageError naming file, section and key. */
export function loadSite(file: string, warn: WarningSink = () => {}): Site {
  const { parsed, dir } = readSiteFile(file);
  const serve = parsed.serve;
  if (!isSection(serve)) {
    throw new UsageError(`${file}: there is no [serve] section`, 'start the file with [serve] and at least template = https://…', 'invalid-file');
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (!isSection(value)) throw new UsageError(`${file}: key "${key}" is outside any section`, 'put it under [serve] or a [profile NAME]', 'invalid-file');
    if (key !== 'serve' && key !== 'accounts' && key !== 'admin' && !key.startsWith(PROFILE_PREFIX)) {
      throw new UsageError(`${file}: there is no section [${key}]`, 'use [serve], [accounts], [admin] and [profile NAME] sections', 'invalid-file');
    }
  }
  const at = (key: string): Place => ({ file, section: 'serve', key });
  for (const key of Object.keys(serve)) {
    if (!(SERVE_KEYS as readonly string[]).includes(key)) throw siteError(at(key), 'is not a [serve] setting', `use one of: ${SERVE_KEYS.join(', ')}`);
  }
  const { host, port, ...form } = readTemplate(serve, { at, warn });
  const { scheme, fields, usernameField, passwordField } = form;

  const listen =
    serve.listen === undefined ? { host: '0.0.0.0', port: port ?? defaultPortFor(scheme) } : parseListen(asString(serve.listen, at('listen')), at('listen'));
  const tls = readTls(serve, { dir, at, host, warn });
  if (tls && scheme === 'http')
    throw siteError(at('template'), 'is http:// but the site has tls-cert and tls-key', 'make the template https://, or drop tls-cert and tls-key');
  if (!tls && scheme === 'https') {
    throw siteError(
      at('template'),
      'is https:// but the site has no tls-cert and tls-key',
      'give tls-cert and tls-key (PEM), or make the template http:// (passwords then travel in clear)',
    );
  }

  const { login, users } = readLogin(serve, {
    dir,
    at,
    credentials: usernameField !== undefined && passwordField !== undefined,
    accounts: isSection(parsed.accounts),
  });
  const accounts = isSection(parsed.accounts) ? readAccounts(parsed.accounts, { file, dir, fields, usernameField, login, warn }) : undefined;

  const admin = isSection(parsed.admin) ? readAdmin(parsed.admin, { file, dir, tls, clientUsers: users?.file }) : undefined;

  const via = serve.via === undefined ? [] : parseVia(asStrings(serve.via, at('via')), where(at('via')));
  const inventory = readInventory(serve, { dir, at });
  if (admin && !inventory)
    warn(
      `${where({ file, section: 'admin', key: 'users' })}: [serve] has no inventory, so the status page can only show discovery; add inventory = inventory.db to [serve]`,
    );

  const profiles = readProfiles(parsed, { file, dir, fields, hwaddrField: form.fieldOf.get('hwaddr'), accounts, warn });

  return { file, listen, ...form, tls, login, users, accounts, via, inventory, profiles, admin };
}
