/**
 * The provisioning URI template: what an administrator types, what goes into the TXT record, and
 * what a Jitsi client rebuilds from it. Pure: no network, no files.
 */
import { setting, UsageError, type WarningSink } from '../util/errors.js';
import { withoutZone } from '../util/network-interfaces.js';
import { checkTxtSize } from './txt.js';

export type Scheme = 'http' | 'https';

function templateError(message: string, hint: string): UsageError {
  return new UsageError(message, hint, 'invalid-template');
}

/** One query parameter; `value` is undefined for a bare name (a DNS-SD boolean attribute). */
export interface TemplateParam {
  readonly name: string;
  readonly value: string | undefined;
}

export interface ProvisioningTemplate {
  /** Lower-cased scheme; it picks the service type. */
  readonly scheme: Scheme;
  /** Everything before the first `?`, kept exactly as typed. */
  readonly base: string;
  /** Host of the base URL as typed (IPv6 without brackets). */
  readonly host: string;
  /** Port written in the template, if any. */
  readonly port: number | undefined;
  /** Query parameters in template order. */
  readonly params: readonly TemplateParam[];
}

/** The instance name the Jitsi client asks for; any other name is invisible to it. */
export const JITSI_INSTANCE_NAME = 'Provisioning URL';

/** Instance labels are UTF-8 up to 63 bytes (RFC 6763 §4.1.1); dots would need escaping we don't do. */
export function checkInstanceName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > 63) {
    throw new UsageError(`${setting('name')} "${name}" is ${bytes} bytes; an instance name has 1 to 63`, `use "${JITSI_INSTANCE_NAME}"`, 'invalid-setting');
  }
  // eslint-disable-next-line no-control-regex -- an instance name must hold no control character
  if (/[.\x00-\x1F\x7F]/.test(name)) {
    throw new UsageError(`${setting('name')} "${name}" holds a dot or a control character`, `use "${JITSI_INSTANCE_NAME}"`, 'invalid-setting');
  }
}

export function serviceTypeFor(scheme: Scheme): '_https._tcp' | '_http._tcp' {
  return scheme === 'https' ? '_https._tcp' : '_http._tcp';
}

export function defaultPortFor(scheme: Scheme): number {
  return scheme === 'https' ? 443 : 80;
}

/** Scheme a client uses for a service type (`_https._tcp[.local]` → https, anything else → http). */
export function schemeOfServiceType(type: string): Scheme {
  return /^_https\._tcp(\.local\.?)?$/i.test(type) ? 'https' : 'http';
}

/** RFC 6763 §6.4: keys are printable US-ASCII (0x20–0x7E) other than `=`. */
const VALID_KEY = /^[\x20-\x3C\x3E-\x7E]+$/;

const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?]*@)?(\[[^\]]*\]|[^:/?]*)(?::(\d*))?/;

export interface UrlAuthority {
  /** Lower-cased. */
  readonly scheme: string;
  /** As typed, IPv6 without brackets; may be empty. */
  readonly host: string;
  /** The digits after `:`, unchecked (empty for `host:`); undefined without a `:`. */
  readonly port: string | undefined;
}

/**
 * Scheme, host and port of a URL as java.net.URL cuts them, read before any check so that a caller
 * can say which part is wrong; undefined when it does not start with `scheme://`.
 */
export function urlAuthority(url: string): UrlAuthority | undefined {
  const m = AUTHORITY.exec(url);
  return m ? { scheme: (m[1] ?? '').toLowerCase(), host: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: m[3] } : undefined;
}

/**
 * Parses and validates a template such as
 * `https://host/provisioning.php?username=${username}&osname=${osname}`.
 * Throws a UsageError (code `invalid-template`) naming what is wrong and how to fix it; calls `warn` for risky but valid input.
 * `txt: false` leaves out the TXT size limits, which only bind Bonjour (DHCP has its own).
 */
export function parseTemplate(uri: string, warn?: WarningSink, options: { txt?: boolean } = {}): ProvisioningTemplate {
  if (uri.length === 0) {
    throw templateError('the URI template is empty', "give one such as 'https://host/provisioning.php?username=${username}'");
  }
  // eslint-disable-next-line no-control-regex -- the template must hold no control character
  const bad = /[\s\x00-\x1F\x7F]/.exec(uri);
  if (bad) {
    throw templateError(
      `the URI template has a space or control character at position ${bad.index + 1}`,
      'remove it, or percent-encode it (a space is %20); quote the template in the shell',
    );
  }
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw templateError(
      schemeMatch
        ? `the URI template's scheme is "${schemeMatch[1]}"; Jitsi provisioning only uses http and https`
        : `"${uri}" does not start with http:// or https://`,
      "write the full URL, e.g. 'https://provisioning.example.org/provisioning.php?…'",
    );
  }
  const hash = uri.indexOf('#');
  if (hash >= 0) {
    throw templateError(
      `the URI template has a fragment ("${uri.slice(hash)}"); a client never sends a fragment to the server`,
      "remove everything from '#'; if '#' is part of a value, percent-encode it as %23",
    );
  }
  const q = uri.indexOf('?');
  const base = q < 0 ? uri : uri.slice(0, q);
  const authority = urlAuthority(base);
  if (!authority) {
    throw templateError(`"${base}" has no host: a provisioning URI looks like ${scheme}://host/path`, 'add the server name after the scheme');
  }
  const { host } = authority;
  if (host.length === 0) {
    throw templateError(`"${base}" has an empty host name`, 'add the server name after the scheme');
  }
  let port: number | undefined;
  if (authority.port !== undefined) {
    port = Number(authority.port);
    if (authority.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw templateError(`"${base}" has an invalid port "${authority.port}"`, 'use a port from 1 to 65535, or leave it out');
    }
  }
  try {
    new URL(base);
  } catch {
    throw templateError(`"${base}" is not a valid URL`, 'check the host name and the characters of the path');
  }
  const params = q < 0 ? [] : parseQuery(uri.slice(q + 1));
  const template: ProvisioningTemplate = { scheme, base, host, port, params };
  if (options.txt !== false) checkTxtSize(toTxt(template), warn);
  if (scheme === 'http' && warn) {
    warn('the template uses http: the POST (usernames, passwords) would travel in clear text; use https unless you have a reason not to');
  }
  return template;
}

function parseQuery(query: string): TemplateParam[] {
  if (query.length === 0) {
    throw templateError("the URI template ends with '?' but has no parameters", "remove the trailing '?'");
  }
  const seen = new Map<string, string>();
  return query.split('&').map((piece, i) => {
    const where = `parameter ${i + 1}`;
    if (piece.length === 0) {
      throw templateError(`${where} of the URI template is empty (a '&' at the end, or two in a row)`, "remove the extra '&'");
    }
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? undefined : piece.slice(eq + 1);
    if (name.length === 0) {
      throw templateError(`${where} ("${piece}") has an empty name`, 'write it as name=value, e.g. osname=${osname}');
    }
    if (!VALID_KEY.test(name)) {
      throw templateError(
        `${where} has the name "${name}", which holds a character a TXT key cannot (only printable ASCII, no '=')`,
        'rename the parameter using ASCII letters, digits and punctuation',
      );
    }
    if (name.toLowerCase() === 'path') {
      throw templateError(
        `${where} is named "${name}"; the TXT key "path" holds the base URL, so a client would lose this parameter`,
        'rename the parameter (the provisioning script must accept the new name)',
      );
    }
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      throw templateError(
        `${where} ("${name}") repeats the parameter "${earlier}"; TXT keys ignore case and only the first one counts`,
        'remove one of them, or give them distinct names',
      );
    }
    seen.set(name.toLowerCase(), name);
    return { name, value };
  });
}

function formatParam(p: TemplateParam): string {
  return p.value === undefined ? p.name : `${p.name}=${p.value}`;
}

/** TXT strings for the template: `path=<base>` first, then each parameter in order. */
export function toTxt(template: ProvisioningTemplate): string[] {
  return [`path=${template.base}`, ...template.params.map(formatParam)];
}

/** The template text back from its parsed form. */
export function formatTemplate(template: ProvisioningTemplate): string {
  return joinQuery(template.base, template.params.map(formatParam));
}

function joinQuery(base: string, params: readonly string[]): string {
  if (params.length === 0) return base;
  return base + (base.includes('?') ? '&' : '?') + params.join('&');
}

/** What a client resolved: the service type, SRV target and port, addresses, TXT strings. */
export interface ResolvedTxt {
  readonly type: string;
  readonly txt: readonly string[];
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly addresses?: readonly string[] | undefined;
}

/** One TXT entry; RFC 6763 §6.4: a string with no `=` is a boolean attribute. */
export interface TxtEntry {
  readonly key: string;
  readonly value: string | undefined;
}

/** TXT strings as key/value entries in wire order; the first of equal keys (ignoring case) wins. */
export function txtEntries(txt: readonly string[]): TxtEntry[] {
  const seen = new Set<string>();
  const entries: TxtEntry[] = [];
  for (const s of txt) {
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (key.length === 0 || seen.has(key.toLowerCase())) continue; // RFC 6763 §6.4
    seen.add(key.toLowerCase());
    entries.push({ key, value: eq < 0 ? undefined : s.slice(eq + 1) });
  }
  return entries;
}

/**
 * Rebuilds the URI template as the Jitsi client does (JmDNS getURL plus every other TXT entry as a
 * query parameter), but in wire order and without the client's stray trailing `&`.
 */
export function fromTxt(service: ResolvedTxt): string {
  const entries = txtEntries(service.txt);
  const path = entries.find((e) => e.key === 'path')?.value;
  const params = entries.filter((e) => e.key !== 'path').map((e) => formatParam({ name: e.key, value: e.value }));
  let base: string;
  if (path !== undefined && path.includes('://')) {
    base = path;
  } else {
    const authority = urlHost(pickAddress(service.addresses) ?? service.host ?? 'unknown-host');
    base = `${schemeOfServiceType(service.type)}://${authority}:${service.port ?? 0}`;
    if (path !== undefined) base += path.startsWith('/') ? path : `/${path}`;
  }
  return joinQuery(base, params);
}

/** JmDNS lists IPv4 addresses before IPv6 ones and takes the first. */
function pickAddress(addresses: readonly string[] | undefined): string | undefined {
  if (!addresses || addresses.length === 0) return undefined;
  return addresses.find((a) => !a.includes(':')) ?? addresses[0];
}

function urlHost(address: string): string {
  if (!address.includes(':')) return address;
  return `[${withoutZone(address)}]`; // a zone index cannot stand raw in a URL
}
