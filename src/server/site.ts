/**
 * The site file of `provdisc serve`: one ini file saying where to listen, the template clients use,
 * who may log in, and the profiles (properties files chosen by the client's form fields). Loaded and
 * checked whole before anything is served, so a broken file never replaces a working site; every
 * error names the file, the section and the key. Paths are relative to the site file.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import path from 'node:path';
import { asString, asStrings, isSection, readIniFile, where, type Place } from '../config/config-file.js';
import { parseVia, type DiscoveryMethod } from '../via/methods.js';
import { buildRequest } from '../client/placeholders.js';
import { parseProperties, type PropertyLine } from '../client/properties.js';
import { defaultPortFor, parseTemplate, type ProvisioningTemplate, type Scheme } from '../template/template.js';
import { setting, UsageError, type UsageErrorCode, type WarningSink } from '../util/errors.js';
import { DEFAULT_INVENTORY_DAYS, isPostgresUrl } from '../inventory/inventory.js';
import { readAccounts, type Accounts, type LoginMethod } from './accounts.js';
import { ANSWER_LIMIT_BYTES } from './answer.js';
import { checkCertificate, type CertificateReport } from './certificate.js';
import { ACCOUNT_PREFIX, compileLines, FIELD_REFERENCE, staticBytes, type CompiledLine } from './property-lines.js';
import { readAdmin, type AdminSettings } from './admin-section.js';
import { parseListen, type Listen } from './listen.js';
import { readUsers, type UserTable } from './users.js';

const SERVE_KEYS = ['listen', 'tls-cert', 'tls-key', 'template', 'login', 'users', 'via', 'inventory', 'inventory-days'] as const;
const LOGINS: readonly LoginMethod[] = ['users', 'ldap', 'accounts'];
const PROFILE_PREFIX = 'profile ';
const MATCH_PREFIX = 'match.';

/** One `match.FIELD = pattern`; `*` matches any run of characters (none included). */
export interface FieldMatch {
  readonly field: string;
  readonly pattern: string;
}

export interface Profile {
  readonly name: string;
  /** Every one must hold; none: every client. */
  readonly match: readonly FieldMatch[];
  /** `match.account`: only clients with (or without) an account; undefined: either. */
  readonly account: 'present' | 'absent' | undefined;
  readonly file: string;
  /** The file's properties in file order, escapes decoded. */
  readonly lines: readonly PropertyLine[];
  /** The same, written as the answer writes them (escaped once, at load). */
  readonly compiled: readonly CompiledLine[];
  /** Bytes of the profile's own text in an answer (every field empty). */
  readonly bytes: number;
}

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

export interface SiteInventory {
  /** An absolute SQLite file path, or a `postgres://` URL. */
  readonly setting: string;
  readonly days: number;
}

function siteError(p: Place, message: string, hint: string, code: UsageErrorCode = 'invalid-file'): UsageError {
  return new UsageError(`${where(p)}: ${message}`, hint, code);
}

function readBytes(file: string, p: Place, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw siteError(p, `cannot read ${what} ${file}: ${(err as Error).message}`, 'check the path (relative to the site file) and its permissions');
  }
}

/** UTF-8 when the bytes are UTF-8 (what editors write today), else ISO-8859-1 (what Java writes). */
function decodePropertiesFile(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * The certificate and key, usable together and acceptable to a client: refused when out of its dates
 * (so a reload keeps the old pair), warned about when the client would doubt it.
 */
function loadTls(certFile: string, keyFile: string, host: string, { at, warn }: { at: (key: string) => Place; warn: WarningSink }): NonNullable<Site['tls']> {
  const cert = readBytes(certFile, at('tls-cert'), 'the certificate');
  const key = readBytes(keyFile, at('tls-key'), 'the key');
  let certificate: CertificateReport;
  try {
    createSecureContext({ cert, key });
    certificate = checkCertificate(cert, host);
  } catch (err) {
    throw siteError(
      at('tls-cert'),
      `${certFile} and ${keyFile} are not a usable certificate and key: ${(err as Error).message}`,
      'give the PEM certificate (chain) and its own private key, unencrypted',
    );
  }
  for (const f of certificate.findings) {
    if (f.level === 'error') throw siteError(at('tls-cert'), `${certFile}: ${f.message}`, f.hint);
    warn(`${where(at('tls-cert'))}: ${certFile}: ${f.message}; ${f.hint}`);
  }
  return { cert, key, certFile, keyFile, certificate };
}

/** What a profile's checks need from the rest of the site. */
interface ProfileContext {
  readonly file: string;
  readonly dir: string;
  readonly fields: readonly string[];
  /** The form field carrying ${hwaddr}, which Jitsi sends in lower case. */
  readonly hwaddrField: string | undefined;
  readonly accounts: Accounts | undefined;
  readonly warn: WarningSink;
}

/** Why `${ref}` in a properties file can never be filled in, or undefined. */
function referenceProblem(ref: string, { fields, accounts }: ProfileContext): { message: string; hint: string } | undefined {
  if (ref === 'null') return undefined;
  if (ref.startsWith(ACCOUNT_PREFIX)) {
    const field = ref.slice(ACCOUNT_PREFIX.length);
    if (!accounts)
      return {
        message: `uses \${${ref}}, but the site has no [accounts] section`,
        hint: 'add [accounts] with source = accounts.csv (or ldap://…), or remove the reference',
      };
    if (accounts.fields.includes(field)) return undefined;
    const from = accounts.source.kind === 'csv' ? `the accounts file has no column "${field}"` : `[accounts] maps no "${field}" (map.${field} = attribute)`;
    return { message: `uses \${${ref}}, but ${from}`, hint: `use one of \${${ACCOUNT_PREFIX}${accounts.fields.join(`}, \${${ACCOUNT_PREFIX}`) || '…'}}` };
  }
  if (fields.includes(ref)) return undefined;
  return {
    message: `uses \${${ref}}, but the template posts no field "${ref}"`,
    hint: `use one of \${${fields.join('}, ${')}} (form field names), or add ${ref}=\${…} to the template`,
  };
}

function readProfile(name: string, values: Record<string, unknown>, ctx: ProfileContext): Profile {
  const { file, dir, fields, hwaddrField, warn } = ctx;
  const section = `${PROFILE_PREFIX}${name}`;
  const match: FieldMatch[] = [];
  let account: Profile['account'];
  let propertiesFile: string | undefined;
  for (const [key, raw] of Object.entries(values)) {
    const p = { file, section, key };
    if (isSection(raw))
      throw siteError(p, 'a key or profile name holds a dot, which ini reads as a sub-section', `name the profile without dots, e.g. [profile ${name}-${key}]`);
    if (key === 'properties') {
      propertiesFile = path.resolve(dir, asString(raw, p));
    } else if (key === `${MATCH_PREFIX}account`) {
      const value = asString(raw, p);
      if (!ctx.accounts) throw siteError(p, 'needs an [accounts] section', 'add [accounts] with source = accounts.csv (or ldap://…)');
      if (value !== 'present' && value !== 'absent')
        throw siteError(p, `"${value}" is not present or absent`, 'write match.account = present (clients with an account) or absent (without)');
      account = value;
    } else if (key.startsWith(MATCH_PREFIX) && key.length > MATCH_PREFIX.length) {
      const field = key.slice(MATCH_PREFIX.length);
      if (!fields.includes(field)) {
        throw siteError(
          p,
          `the template posts no field "${field}"`,
          `match one of the template's fields: ${fields.join(', ') || '(none: add fields to the template)'}`,
        );
      }
      const pattern = raw === true ? '' : asString(raw, p);
      if (field === hwaddrField && /[A-F]/.test(pattern)) {
        warn(
          `${where(p)}: "${pattern}" has upper-case letters, but Jitsi sends the MAC address in lower case: it never matches; write ${pattern.toLowerCase()}`,
        );
      }
      match.push({ field, pattern });
    } else {
      throw siteError(p, 'is not a profile setting', 'use properties = FILE and match.FIELD = VALUE (`*` matches anything)');
    }
  }
  const p = { file, section, key: 'properties' };
  if (propertiesFile === undefined) throw siteError(p, 'is missing', 'give the profile its .properties file: properties = linux.properties');
  const lines = parseProperties(decodePropertiesFile(readBytes(propertiesFile, p, 'the properties file')));
  for (const line of lines) {
    for (const [, ref] of line.value.matchAll(FIELD_REFERENCE)) {
      const problem = referenceProblem(ref ?? '', ctx);
      if (problem) throw siteError(p, `${path.basename(propertiesFile)} line ${line.line} ${problem.message}`, problem.hint);
    }
  }
  const compiled = compileLines(lines);
  const bytes = staticBytes(compiled);
  if (bytes > ANSWER_LIMIT_BYTES) {
    throw siteError(
      p,
      `${path.basename(propertiesFile)} makes an answer of ${bytes} bytes; answers over ${ANSWER_LIMIT_BYTES / 1024} KiB are refused`,
      'split it, or move what not every client needs into profiles of its own',
    );
  }
  return { name, match, account, file: propertiesFile, lines, compiled, bytes };
}

/** `login` and `users` of [serve]: a users file alone means login = users, as before `login` existed. */
function readLogin(
  serve: Record<string, unknown>,
  { dir, at, credentials }: { dir: string; at: (key: string) => Place; credentials: boolean },
): Pick<Site, 'login' | 'users'> {
  const login = serve.login === undefined ? (serve.users === undefined ? undefined : 'users') : (asString(serve.login, at('login')) as LoginMethod);
  if (login === undefined) return { login, users: undefined };
  if (!LOGINS.includes(login)) throw siteError(at('login'), `"${login}" is not a way to log in`, `use one of: ${LOGINS.join(', ')}`);
  const key = serve.users === undefined ? 'login' : 'users';
  if (!credentials)
    throw siteError(
      at(key),
      'is set but the template has no ${username} and ${password} fields',
      'add username=${username}&password=${password} to the template (Jitsi then asks for them)',
    );
  if (login !== 'users') {
    if (serve.users !== undefined) throw siteError(at('users'), `is set, but login = ${login} does not read it`, 'drop users, or set login = users');
    return { login, users: undefined };
  }
  if (serve.users === undefined)
    throw siteError(at('login'), 'is users, but there is no users file', 'add users = users (written by provdisc passwd NAME --users users)');
  const usersFile = path.resolve(dir, asString(serve.users, at('users')));
  try {
    return { login, users: { file: usersFile, table: readUsers(usersFile) } };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw siteError(at('users'), err.message, err.hint ?? 'write it with provdisc passwd');
  }
}

/** `inventory` (a file relative to the site file, or postgres://…) and `inventory-days` of [serve]. */
function readInventory(serve: Record<string, unknown>, { dir, at }: { dir: string; at: (key: string) => Place }): SiteInventory | undefined {
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
  const { parsed, dir } = readIniFile(file, 'site file', `give the site file with ${setting('config')} (see docs/serve.md)`);
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

/** Loads and checks a site file; throws UsageError naming file, section and key. */
export function loadSite(file: string, warn: WarningSink = () => {}): Site {
  const { parsed, dir } = readIniFile(file, 'site file', `give the site file with ${setting('config')} (see docs/serve.md)`);
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
  if (serve.template === undefined)
    throw siteError(at('template'), 'is missing', 'write the URI template clients use: template = https://host:8443/prov?osname=${osname}');
  const template = asString(serve.template, at('template'));
  let scheme: Scheme;
  let host: string;
  let port: number | undefined;
  let params: ProvisioningTemplate['params'];
  try {
    ({ scheme, host, port, params } = parseTemplate(template, warn));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw siteError(at('template'), err.message, err.hint ?? 'fix the template', err.code);
  }
  const request = buildRequest(template);
  const postPath = new URL(request.postUrl.replace(/\$\{[^}]*\}/g, 'x')).pathname;
  const fields = request.fields.map((f) => f.name);
  const fieldOf = new Map<string, string>();
  const secretFields = new Set<string>();
  for (const param of params)
    for (const [, name] of (param.value ?? '').matchAll(FIELD_REFERENCE)) {
      if (!fieldOf.has(name ?? '')) fieldOf.set(name ?? '', param.name);
      if (name === 'password') secretFields.add(param.name);
    }

  const listen =
    serve.listen === undefined ? { host: '0.0.0.0', port: port ?? defaultPortFor(scheme) } : parseListen(asString(serve.listen, at('listen')), at('listen'));
  const certFile = serve['tls-cert'] === undefined ? undefined : path.resolve(dir, asString(serve['tls-cert'], at('tls-cert')));
  const keyFile = serve['tls-key'] === undefined ? undefined : path.resolve(dir, asString(serve['tls-key'], at('tls-key')));
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'tls-cert' : 'tls-key';
    throw siteError(at(missing), 'is missing', 'give both tls-cert and tls-key (PEM files), or neither to serve http');
  }
  const tls = certFile && keyFile ? loadTls(certFile, keyFile, host, { at, warn }) : undefined;
  if (tls && scheme === 'http')
    throw siteError(at('template'), 'is http:// but the site has tls-cert and tls-key', 'make the template https://, or drop tls-cert and tls-key');
  if (!tls && scheme === 'https') {
    throw siteError(
      at('template'),
      'is https:// but the site has no tls-cert and tls-key',
      'give tls-cert and tls-key (PEM), or make the template http:// (passwords then travel in clear)',
    );
  }

  const usernameField = request.fields.find((f) => f.credential === 'username')?.name;
  const passwordField = request.fields.find((f) => f.credential === 'password')?.name;
  const { login, users } = readLogin(serve, { dir, at, credentials: usernameField !== undefined && passwordField !== undefined });
  if (login !== undefined && login !== 'users' && !isSection(parsed.accounts)) {
    throw siteError(
      at('login'),
      `is ${login}, but the site has no [accounts] section`,
      login === 'ldap' ? 'add [accounts] with source = ldap://HOST and base = …' : 'add [accounts] with source = accounts.csv and a password column',
    );
  }
  const accounts = isSection(parsed.accounts) ? readAccounts(parsed.accounts, { file, dir, fields, usernameField, login, warn }) : undefined;

  const admin = isSection(parsed.admin) ? readAdmin(parsed.admin, { file, dir, tls, clientUsers: users?.file }) : undefined;

  const via = serve.via === undefined ? [] : parseVia(asStrings(serve.via, at('via')), where(at('via')));
  const inventory = readInventory(serve, { dir, at });
  if (admin && !inventory)
    warn(
      `${where({ file, section: 'admin', key: 'users' })}: [serve] has no inventory, so the status page can only show discovery; add inventory = inventory.db to [serve]`,
    );

  const profiles = Object.entries(parsed)
    .filter(([key]) => key.startsWith(PROFILE_PREFIX))
    .map(([key, values]) =>
      readProfile(key.slice(PROFILE_PREFIX.length).trim(), values as Record<string, unknown>, {
        file,
        dir,
        fields,
        hwaddrField: fieldOf.get('hwaddr'),
        accounts,
        warn,
      }),
    );
  if (profiles.length === 0) warn(`${file} has no [profile NAME] section: every client gets an empty answer`);
  const allBytes = profiles.reduce((n, p) => n + p.bytes, 0);
  if (allBytes > ANSWER_LIMIT_BYTES) {
    warn(
      `${file}: a client matching every profile would get ${allBytes} bytes, over the ${ANSWER_LIMIT_BYTES / 1024} KiB answers are limited to (it is refused with 413); make the largest profiles exclusive of each other`,
    );
  }

  return {
    file,
    listen,
    template,
    scheme,
    path: postPath,
    fields,
    fieldOf,
    usernameField,
    passwordField,
    secretFields,
    tls,
    login,
    users,
    accounts,
    via,
    inventory,
    profiles,
    admin,
  };
}
