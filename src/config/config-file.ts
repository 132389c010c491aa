/**
 * The provdisc configuration file: one ini file holding every setting a command line can give, but
 * for the switches that pick what one run does (--json, --all, --check, --discover, --password-stdin)
 * and a --write target other than config-file (the file only says `write = true`). Top-level keys
 * apply to every command; a section named after a command (`[avahi]`, `[discover]`…) overrides them
 * for that command. Flags given on the command line override the file (see `pick`).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type * as Ini from 'ini';
import { requireCjs } from '../util/cjs.js';
import { setting, UsageError } from '../util/errors.js';
import { parseMilliseconds, parsePort } from '../util/numbers.js';
import { parseTemplate } from '../template/template.js';

export interface ProvdiscConfig {
  template?: string;
  name?: string;
  host?: string;
  port?: number;
  address?: string[];
  interface?: string[];
  output?: string;
  hostsFile?: string;
  /** discover, and expand/provision --discover: milliseconds. */
  timeout?: number;
  /** provision: milliseconds per HTTP request. */
  requestTimeout?: number;
  username?: string;
  allowEnv?: string[];
  /** `name=value` strings. */
  set?: string[];
  insecure?: boolean;
  caFile?: string;
  configFile?: string;
  uuidFile?: string;
  masterPasswordFile?: string;
  write?: boolean;
  /** advertise: stop when another host answers for the name after the announcement. */
  exitOnConflict?: boolean;
  /** advertise, discover, expand/provision --discover: bonjour, dhcp or both. */
  via?: string[];
  /** dhcp-config: isc, kea or dnsmasq. */
  format?: string;
  /** dhcp-config: NETWORK/PREFIX. */
  subnet?: string;
}

export const CONFIG_SECTIONS = ['advertise', 'avahi', 'discover', 'expand', 'provision', 'dhcp-config'] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

type Kind = 'string' | 'path' | 'template' | 'port' | 'milliseconds' | 'list' | 'addresses' | 'assignments' | 'bool';

const KEYS: Record<string, { field: keyof ProvdiscConfig; kind: Kind }> = {
  template: { field: 'template', kind: 'template' },
  name: { field: 'name', kind: 'string' },
  host: { field: 'host', kind: 'string' },
  port: { field: 'port', kind: 'port' },
  address: { field: 'address', kind: 'addresses' },
  interface: { field: 'interface', kind: 'list' },
  output: { field: 'output', kind: 'path' },
  'hosts-file': { field: 'hostsFile', kind: 'path' },
  timeout: { field: 'timeout', kind: 'milliseconds' },
  'request-timeout': { field: 'requestTimeout', kind: 'milliseconds' },
  username: { field: 'username', kind: 'string' },
  'allow-env': { field: 'allowEnv', kind: 'list' },
  set: { field: 'set', kind: 'assignments' },
  insecure: { field: 'insecure', kind: 'bool' },
  'ca-file': { field: 'caFile', kind: 'path' },
  'config-file': { field: 'configFile', kind: 'path' },
  'uuid-file': { field: 'uuidFile', kind: 'path' },
  'master-password-file': { field: 'masterPasswordFile', kind: 'path' },
  write: { field: 'write', kind: 'bool' },
  'exit-on-conflict': { field: 'exitOnConflict', kind: 'bool' },
  via: { field: 'via', kind: 'list' },
  format: { field: 'format', kind: 'string' },
  subnet: { field: 'subnet', kind: 'string' },
};

/** Where a key sits, for messages: `file: [section] key "port"`. */
export interface Place {
  readonly file: string;
  readonly section: string | undefined;
  readonly key: string;
}

export function where(p: Place): string {
  return `${p.file}: ${p.section === undefined ? '' : `[${p.section}] `}key "${p.key}"`;
}

export function asStrings(raw: unknown, p: Place): string[] {
  const items = Array.isArray(raw) ? raw : [raw];
  return items.flatMap((item) => {
    if (typeof item !== 'string') throw new UsageError(`${where(p)} has no value`, `write ${p.key} = value`, 'invalid-file');
    return item
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  });
}

export function asString(raw: unknown, p: Place): string {
  if (Array.isArray(raw)) throw new UsageError(`${where(p)} is given as a list`, `write it once, as ${p.key} = value`, 'invalid-file');
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`${where(p)} has no value`, `write ${p.key} = value`, 'invalid-file');
  return raw;
}

function convert(kind: Kind, raw: unknown, p: Place, dir: string): ProvdiscConfig[keyof ProvdiscConfig] {
  switch (kind) {
    case 'string':
      return asString(raw, p);
    case 'path':
      return path.resolve(dir, asString(raw, p));
    case 'template': {
      const t = asString(raw, p);
      try {
        parseTemplate(t);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        throw new UsageError(`${where(p)}: ${err.message}`, err.hint, err.code);
      }
      return t;
    }
    case 'port':
      return parsePort(asString(raw, p), where(p));
    case 'milliseconds':
      return parseMilliseconds(asString(raw, p), where(p), `${p.key} = 3000`);
    case 'list':
      return asStrings(raw, p);
    case 'addresses': {
      const list = asStrings(raw, p);
      const bad = list.find((a) => net.isIP(a) === 0);
      if (bad !== undefined)
        throw new UsageError(`${where(p)} holds "${bad}", not an IPv4 or IPv6 address`, 'write an address such as 192.168.0.254 or fd00::1', 'invalid-setting');
      return list;
    }
    case 'assignments': {
      // a value may hold commas, so only the key[] form gives several
      const list = (Array.isArray(raw) ? raw : [raw]).map((r) => asString(r, p));
      const bad = list.find((a) => !/^[^=]+=/.test(a));
      if (bad !== undefined)
        throw new UsageError(`${where(p)} holds "${bad}", not name=value`, `write one per line: ${p.key}[] = name=value`, 'invalid-setting');
      return list;
    }
    case 'bool': {
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new UsageError(`${where(p)} is "${String(raw)}", not true or false`, `write ${p.key} = true or ${p.key} = false`, 'invalid-setting');
    }
  }
}

function readSection(values: Record<string, unknown>, file: string, section: string | undefined, dir: string): ProvdiscConfig {
  const config: ProvdiscConfig = {};
  for (const [key, raw] of Object.entries(values)) {
    const p = { file, section, key };
    const spec = KEYS[key];
    if (!spec) {
      throw new UsageError(`${where(p)} is not a provdisc setting`, `use one of: ${Object.keys(KEYS).join(', ')}`, 'invalid-file');
    }
    (config as Record<string, unknown>)[spec.field] = convert(spec.kind, raw, p, dir);
  }
  return config;
}

/**
 * ini cuts a value at an unquoted `;` or `#` (its comment characters) and keeps the last of repeated
 * keys, both silently; a template holding `;` would lose its tail. Refuse both instead.
 */
function checkRawLines(text: string, file: string): void {
  let section: string | undefined;
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;
    const header = /^\[(.*)\]$/.exec(trimmed);
    if (header) {
      section = header[1];
      return;
    }
    const eq = trimmed.indexOf('=');
    const key = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim();
    const value = eq < 0 ? '' : trimmed.slice(eq + 1).trim();
    const at = `${file}, line ${i + 1}`;
    if (!/^["']/.test(value) && /(^|[^\\])[;#]/.test(value)) {
      throw new UsageError(
        `${at}: the value of "${key}" holds ';' or '#', which the ini format reads as the start of a comment`,
        `put the value in double quotes: ${key} = "${value}" (and comments on their own line)`,
        'invalid-file',
      );
    }
    const id = `${section ?? ''}\0${key}`;
    if (!key.endsWith('[]') && seen.has(id)) {
      throw new UsageError(
        `${at}: "${key}" is set twice${section === undefined ? '' : ` in [${section}]`}`,
        `keep one, or write ${key}[] = … for a list`,
        'invalid-file',
      );
    }
    seen.add(id);
  });
}

/**
 * Reads and parses an ini file (`what` and `hint` name it in errors), refusing what ini would
 * silently misread (see checkRawLines). `dir` is where its relative paths start.
 */
export function readIniFile(file: string, what: string, hint: string): { parsed: Record<string, unknown>; dir: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `the ${what} ${file} does not exist` : `cannot read the ${what} ${file}: ${(err as Error).message}`,
      code === 'ENOENT' ? hint : 'check its permissions',
      'invalid-file',
    );
  }
  checkRawLines(text, file);
  return { parsed: (requireCjs('ini') as typeof Ini).parse(text) as Record<string, unknown>, dir: path.dirname(path.resolve(file)) };
}

export function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a configuration file; with `command`, that command's section overrides the top-level keys.
 * Relative paths in it are relative to the file's directory. Throws UsageError naming the file, the
 * section and the key for anything it cannot use.
 */
export function loadConfig(file: string, command?: ConfigSection): ProvdiscConfig {
  const { parsed, dir } = readIniFile(file, 'configuration file', `check the path given to ${setting('config')}`);
  const top: Record<string, unknown> = {};
  const sections: Partial<Record<ConfigSection, ProvdiscConfig>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isSection(value)) {
      top[key] = value;
    } else if ((CONFIG_SECTIONS as readonly string[]).includes(key) && Object.values(value).every((v) => !isSection(v))) {
      sections[key as ConfigSection] = readSection(value, file, key, dir);
    } else {
      throw new UsageError(
        `${file}: there is no section [${key}]`,
        `use top-level keys, or one of the sections ${CONFIG_SECTIONS.map((s) => `[${s}]`).join(', ')}`,
        'invalid-file',
      );
    }
  }
  return { ...readSection(top, file, undefined, dir), ...(command ? sections[command] : {}) };
}

/** A flag given on the command line wins over the configuration file. */
export function pick<T>(flag: T | undefined, config: T | undefined): T | undefined {
  return flag ?? config;
}
