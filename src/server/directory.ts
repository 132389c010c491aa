/**
 * Accounts and logins from an LDAP directory (OpenLDAP, Active Directory), with ldapts. Each lookup
 * is one connection: StartTLS when asked, a bind as bind-dn (anonymous without it), one search of
 * `base` with the site's filter, every posted value in it escaped per RFC 4515; a login then binds
 * as the entry found, with the posted password, on the same connection. Nothing is cached: a changed
 * password, a locked or deleted account count at the next login.
 *
 * A directory that is down, refuses the search account, or takes longer than TIMEOUT_MS (waiting
 * for a free connection included) throws DirectoryUnavailableError: the client gets 503, never an
 * answer nobody checked, and the next login asks again.
 */
import net from 'node:net';
import { Client, Filter, FilterParser, InvalidCredentialsError, type Entry } from 'ldapts';
import pLimit from 'p-limit';
import { NetworkError } from '../util/errors.js';
import { FIELD_LIMIT, OversizeRequestError, type Form } from './answer.js';
import type { Account } from './accounts.js';
import { FIELD_REFERENCE } from './property-lines.js';

/** A lookup or login gives up after this: the client has its 503 within 5 s, well inside Jitsi's own 10 s. */
export const DIRECTORY_TIMEOUT_MS = 4_000;
/** Connections to the directory at once; the other lookups wait (their time counts). */
const CONNECTIONS = 16;
/** Entries read by `--check` to see the mapped attributes. */
const SAMPLE_ENTRIES = 10;

export interface DirectorySettings {
  /** ldap://HOST[:PORT] or ldaps://HOST[:PORT]. */
  readonly url: string;
  readonly startTls: boolean;
  /** PEM CA certificates to trust beside the system's (ldaps, StartTLS). */
  readonly ca: Buffer | undefined;
  readonly base: string;
  /** An RFC 4515 filter with `${field}` holes for posted form fields. */
  readonly filter: string;
  readonly bindDn: string | undefined;
  /** Never printed or logged. */
  readonly bindPassword: string | undefined;
  /** account field → attribute. */
  readonly map: ReadonlyMap<string, string>;
}

/** The directory could not be asked (down, too slow, refused the search account): 503. */
/** The directory could not be asked (down, slow, refusing the search account, an ambiguous filter): 503, never an unchecked 200. */
export class DirectoryUnavailableError extends NetworkError {
  override name = 'DirectoryUnavailableError';
  constructor(message: string) {
    super(message, { code: 'directory-unavailable', hint: 'check the directory and [accounts] source, bind-dn and filter' });
  }
}

export interface LoginResult {
  readonly ok: boolean;
  readonly account?: Account;
  /** Why a login was refused, for the log (never the password). */
  readonly reason?: string;
}

/** `filter` with each `${field}` replaced by the posted value, escaped per RFC 4515. */
export function buildFilter(filter: string, form: Form): string {
  return filter.replace(FIELD_REFERENCE, (_, field: string) => Filter.escape(form.get(field) ?? ''));
}

/** The form fields a filter uses. */
export function filterFields(filter: string): string[] {
  return [...filter.matchAll(FIELD_REFERENCE)].map((m) => m[1] ?? '');
}

/** Throws when `filter` is no valid RFC 4515 filter once its fields are filled in. */
export function checkFilter(filter: string): void {
  FilterParser.parseString(buildFilter(filter, new Map(filterFields(filter).map((f) => [f, 'x']))));
}

function firstValue(value: Entry[string] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** An attribute of an entry, its name in any case (as LDAP compares them). */
function valueOf(entry: Entry, attribute: string): Entry[string] | undefined {
  const name = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  return name === undefined ? undefined : entry[name];
}

export class Directory {
  private readonly connections = pLimit(CONNECTIONS);

  constructor(
    readonly settings: DirectorySettings,
    private readonly timeoutMs = DIRECTORY_TIMEOUT_MS,
  ) {}

  /** The entry the filter finds for `form` (its DN and mapped fields); undefined for none, or a field the filter needs left empty. */
  find(form: Form): Promise<{ dn: string; account: Account } | undefined> {
    return this.session((client) => this.search(client, form));
  }

  /** The entry for `form`, then a bind as it with `password`: ok only when the directory accepts it. */
  async authenticate(form: Form, password: string): Promise<LoginResult> {
    // RFC 4513 §5.1.2: a simple bind with an empty password is an unauthenticated bind, which many directories accept
    if (password === '') return { ok: false, reason: 'empty password' };
    return this.session(async (client) => {
      const entry = await this.search(client, form);
      if (!entry) return { ok: false, reason: 'no such user in the directory' };
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return { ok: false, reason: 'wrong password' };
        throw err;
      }
      return { ok: true, account: entry.account };
    });
  }

  /** `--check`: entries the filter's shape finds (every field any value), and the mapped attributes none of them has. */
  sample(): Promise<{ entries: number; missing: string[] }> {
    return this.session(async (client) => {
      const filter = this.settings.filter.replace(FIELD_REFERENCE, '*');
      const { searchEntries } = await client.search(this.settings.base, {
        scope: 'sub',
        filter,
        sizeLimit: SAMPLE_ENTRIES,
        attributes: [...this.settings.map.values()],
      });
      // ldapts lists every attribute asked for, an empty array for those the entry lacks
      const has = (attribute: string) => searchEntries.some((e) => firstValue(valueOf(e, attribute)) !== undefined);
      return { entries: searchEntries.length, missing: [...this.settings.map.values()].filter((a) => !has(a)) };
    });
  }

  private async search(client: Client, form: Form): Promise<{ dn: string; account: Account } | undefined> {
    if (filterFields(this.settings.filter).some((f) => (form.get(f) ?? '') === '')) return undefined;
    const filter = buildFilter(this.settings.filter, form);
    const attributes = [...this.settings.map.values()];
    // two: one more than a login may match, to tell an ambiguous filter from a good one
    const { searchEntries } = await client.search(this.settings.base, {
      scope: 'sub',
      filter,
      sizeLimit: 2,
      attributes: attributes.length > 0 ? attributes : ['1.1'],
    });
    if (searchEntries.length > 1)
      throw new DirectoryUnavailableError(`the filter ${filter} matches more than one entry under ${this.settings.base}; make it match one person`);
    const entry = searchEntries[0];
    if (!entry) return undefined;
    const account = new Map<string, string>();
    for (const [field, attribute] of this.settings.map) {
      const value = firstValue(valueOf(entry, attribute)) ?? '';
      if (value.length > FIELD_LIMIT)
        throw new OversizeRequestError(
          `the directory's ${attribute} of ${entry.dn} has ${value.length} characters; at most ${FIELD_LIMIT} are sent`,
          'shorten it in the directory, or map another attribute',
        );
      account.set(field, value);
    }
    return { dn: entry.dn, account };
  }

  /** One connection, bound as the search account, for `work`; every failure but the user's is DirectoryUnavailableError. */
  private session<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const { url, startTls, ca, bindDn, bindPassword } = this.settings;
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned = true;
        reject(new DirectoryUnavailableError(`${url} did not answer within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
    });
    const job = this.connections(async () => {
      if (abandoned) return undefined as T;
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      const tlsOptions = { ...(ca ? { ca } : {}), ...(net.isIP(host) === 0 ? { servername: host } : { host }) };
      // ldapts speaks TLS from the start whenever it is given tlsOptions: only for ldaps://
      const client = new Client({ url, timeout: this.timeoutMs, connectTimeout: this.timeoutMs, ...(/^ldaps:/i.test(url) ? { tlsOptions } : {}) });
      try {
        if (startTls) await client.startTLS(tlsOptions);
        if (bindDn !== undefined) await client.bind(bindDn, bindPassword ?? '');
        return await work(client);
      } catch (err) {
        if (err instanceof DirectoryUnavailableError || err instanceof OversizeRequestError) throw err;
        const what =
          err instanceof InvalidCredentialsError
            ? `refused bind-dn ${bindDn ?? ''} (invalid credentials: check bind-password-file)`
            : `failed: ${(err as Error).message || (err as Error).name}`;
        throw new DirectoryUnavailableError(`${url} ${what}`);
      } finally {
        // not awaited: a directory that stopped answering must not hold the request
        client.unbind().catch(() => undefined);
      }
    });
    return Promise.race([job, deadline]).finally(() => clearTimeout(timer));
  }
}
