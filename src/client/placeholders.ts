/**
 * Template expansion as the Jitsi client does it (ProvisioningServiceImpl): every `${…}` it knows is
 * replaced in the whole URL first, then the URL is cut at the first `?` and the query at each `&`
 * into the fields of a form POST. `${username}` and `${password}` are not replaced in the URL: the
 * field holding one of them takes the credential the user types as its whole value.
 *
 * Where provdisc differs on purpose: `${env.NAME}` is only filled for names the user allows (a
 * template found by multicast can come from anyone), and a substituted value is never expanded again.
 */
import { UsageError } from '../util/errors.js';
import {
  interfaceOwning,
  javaHostAddress,
  javaHostName,
  javaSystemProperties,
  localAddressFor,
  screenSize,
} from './environment.js';
import { defaultPortFor, urlAuthority } from '../template/template.js';
import { loadOrCreateUuid, uuidStatePath } from './uuid-state.js';

/** Placeholders the client fills from its own state, besides `system.*` and `env.*`. */
export const CLIENT_PLACEHOLDERS = [
  'uuid',
  'osname',
  'arch',
  'build',
  'locale',
  'ipaddr',
  'hostname',
  'hwaddr',
  'resx',
  'resy',
  'home.location',
  'home.name',
] as const;

/** The placeholders the Jitsi client fills from plain Java system properties. */
const PROPERTY_OF = {
  osname: 'os.name',
  arch: 'os.arch',
  build: 'sip-communicator.version',
  'home.location': 'net.java.sip.communicator.SC_HOME_DIR_LOCATION',
  'home.name': 'net.java.sip.communicator.SC_HOME_DIR_NAME',
} as const;

export const PASSWORD_MASK = '********';

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export type PlaceholderKind = 'client' | 'system' | 'env' | 'credential' | 'unknown';

export function kindOf(name: string): PlaceholderKind {
  if ((CLIENT_PLACEHOLDERS as readonly string[]).includes(name)) return 'client';
  if (name === 'username' || name === 'password') return 'credential';
  if (name.startsWith('system.') && name.length > 'system.'.length) return 'system';
  if (name.startsWith('env.') && name.length > 'env.'.length) return 'env';
  return 'unknown';
}

/** Every `${name}` in `text`, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/**
 * Replaces each `${name}` that has a value, in one pass (a value holding `${…}` stays as it is);
 * placeholders without a value stay in the text, as the client leaves them.
 */
export function substitute(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/** One field of the POST form, in template order. */
export interface FormField {
  readonly name: string;
  readonly value: string;
  /** Set when the field carries the typed user name or password. */
  readonly credential?: 'username' | 'password' | undefined;
}

export interface ProvisioningRequest {
  /** The URL the form is posted to: the expanded template up to its first `?`. */
  readonly postUrl: string;
  readonly fields: readonly FormField[];
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Cuts an expanded URL into the POST the client sends. A field whose raw text holds `${username}`
 * (`${password}`) gets the typed credential as its whole value; without credentials the placeholder
 * is just removed, which is what Jitsi sends when it does not ask.
 */
export function buildRequest(expandedUrl: string, credentials?: Credentials): ProvisioningRequest {
  const q = expandedUrl.indexOf('?');
  const postUrl = q < 0 ? expandedUrl : expandedUrl.slice(0, q);
  const query = q < 0 ? '' : expandedUrl.slice(q + 1);
  const fields = query === '' ? [] : query.split('&').map((piece): FormField => {
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const raw = eq < 0 ? '' : piece.slice(eq + 1);
    if (piece.includes('${username}')) return { name, value: credentials?.username ?? raw.replaceAll('${username}', ''), credential: 'username' };
    if (piece.includes('${password}')) return { name, value: credentials?.password ?? raw.replaceAll('${password}', ''), credential: 'password' };
    return { name, value: raw };
  });
  return { postUrl, fields };
}

/** Jitsi only asks for credentials when the template has both a user name and a password field. */
export function asksForCredentials(request: ProvisioningRequest): boolean {
  return request.fields.some((f) => f.credential === 'username') && request.fields.some((f) => f.credential === 'password');
}

/** The request body: `application/x-www-form-urlencoded`, UTF-8, space as `+`, as Apache HttpClient encodes it. */
export function formBody(request: ProvisioningRequest): string {
  return new URLSearchParams(request.fields.map((f) => [f.name, f.value])).toString();
}

export function maskField(f: FormField): string {
  return f.credential === 'password' && f.value !== '' ? PASSWORD_MASK : f.value;
}

/** The request as one URL, password masked, for people to read. */
export function displayUrl(request: ProvisioningRequest): string {
  if (request.fields.length === 0) return request.postUrl;
  return `${request.postUrl}?${request.fields.map((f) => `${f.name}=${maskField(f)}`).join('&')}`;
}

/** What a template needs to be expanded on this machine. */
export interface ExpansionContext {
  /** `--set name=value`: wins over everything this machine would say. */
  readonly overrides?: ReadonlyMap<string, string> | undefined;
  /** Environment variable names `${env.NAME}` may read. */
  readonly allowEnv?: readonly string[] | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** `--uuid-file`. */
  readonly uuidFile?: string | undefined;
  /** The client's own UUID and chosen language, when its configuration is known (`--config-file`). */
  readonly clientUuid?: string | undefined;
  readonly clientLocale?: string | undefined;
}

export interface Expansion {
  /** The template with every known placeholder replaced (credentials still as placeholders). */
  readonly url: string;
  /** The value each placeholder got. */
  readonly values: ReadonlyMap<string, string>;
  /** Placeholders left in the text, as the client leaves them. */
  readonly unresolved: readonly string[];
  readonly warnings: readonly string[];
}

/** Checks one `--set name=value` and splits it. */
export function parseAssignment(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq).replace(/^\$\{(.*)\}$/, '$1');
  if (eq < 0 || name === '') {
    throw new UsageError(`--set "${text}" is not name=value`, 'write it as --set osname=Windows 11 (the placeholder name without ${})');
  }
  const kind = kindOf(name);
  if (kind === 'credential') {
    throw new UsageError(`--set cannot give ${name}`, name === 'username' ? 'use --username' : 'use --password-stdin (a password on the command line is visible to other users)');
  }
  if (kind === 'unknown') {
    throw new UsageError(`--set "${name}": the Jitsi client has no placeholder \${${name}}`, `use one of ${CLIENT_PLACEHOLDERS.join(', ')}, system.NAME or env.NAME`);
  }
  return [name, text.slice(eq + 1)];
}

/** Values Java's URI parser refuses; the client cannot post to a URL holding one. */
const NOT_URI = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

/** Expands `template` with this machine's values, gathering only what the template uses. */
export async function expandTemplate(template: string, context: ExpansionContext = {}): Promise<Expansion> {
  const names = placeholdersIn(template);
  const warnings: string[] = [];
  const values = new Map<string, string>();
  const overrides = context.overrides ?? new Map<string, string>();
  const env = context.env ?? process.env;
  const allowEnv = new Set(context.allowEnv ?? []);
  let system: Record<string, string> | undefined;
  const systemProperty = (key: string): string | undefined => {
    system ??= javaSystemProperties();
    return Object.hasOwn(system, key) ? system[key] : undefined;
  };
  let route: Promise<{ remote: string; local: string }> | undefined;
  const localAddress = async (): Promise<string> => {
    const given = overrides.get('ipaddr');
    if (given !== undefined) return given;
    route ??= reachableFrom(template);
    return (await route).local;
  };
  let screen: ReturnType<typeof screenSize> | null = null;

  const keep = (name: string, value: string) => {
    if (value.includes('&')) warnings.push(`the value of \${${name}} holds '&': the client cuts the query there, making an extra field`);
    values.set(name, value);
  };

  for (const name of names) {
    const given = overrides.get(name);
    if (given !== undefined) {
      keep(name, given);
      continue;
    }
    const kind = kindOf(name);
    let value: string | undefined;
    switch (kind) {
      case 'credential':
        continue;
      case 'unknown':
        warnings.push(`\${${name}} is not a placeholder the Jitsi client knows: it sends it as typed`);
        continue;
      case 'env': {
        const variable = name.slice('env.'.length);
        if (!allowEnv.has(variable)) {
          warnings.push(`\${${name}} left empty: a template may only read environment variables you allow (--allow-env ${variable}); Jitsi would send its value`);
          value = '';
        } else if (env[variable] === undefined) {
          warnings.push(`\${${name}}: ${variable} is not set, so the client sends the placeholder as typed`);
        } else {
          value = env[variable];
        }
        break;
      }
      case 'system':
        value = systemProperty(name.slice('system.'.length));
        if (value === undefined) warnings.push(`\${${name}}: no such Java system property here, so the client sends the placeholder as typed (--set ${name}=… gives one)`);
        break;
      case 'client':
        switch (name as (typeof CLIENT_PLACEHOLDERS)[number]) {
          case 'osname':
          case 'arch':
          case 'build':
          case 'home.location':
          case 'home.name':
            value = systemProperty(PROPERTY_OF[name as keyof typeof PROPERTY_OF]);
            break;
          case 'uuid':
            value = context.clientUuid ?? (await loadOrCreateUuid(uuidStatePath(context.uuidFile, env))).uuid;
            break;
          case 'locale':
            value = context.clientLocale ?? '';
            if (context.clientLocale === undefined) warnings.push('${locale} is empty: Jitsi sends the language chosen in its settings, and none is known here (--set locale=fr, or --config-file)');
            break;
          case 'ipaddr':
            value = javaHostAddress(await localAddress());
            break;
          case 'hostname':
            value = await javaHostName(await localAddress());
            break;
          case 'hwaddr': {
            const address = await localAddress();
            const owner = interfaceOwning(address);
            value = owner?.mac;
            if (value === undefined) {
              warnings.push(
                `\${hwaddr}: ${owner ? `interface ${owner.name}` : `no interface here holds ${address}, which`} has no hardware address, so the client sends the placeholder as typed`,
              );
            }
            break;
          }
          case 'resx':
          case 'resy':
            if (screen === null) {
              screen = screenSize();
              if (screen === undefined) warnings.push('${resx}/${resy} are empty: no display found (give --set resx=1920 --set resy=1080)');
              else if (screen.displays > 1) warnings.push(`${screen.displays} displays: \${resx}/\${resy} are those of the first one`);
            }
            value = screen === undefined ? '' : String(name === 'resx' ? screen.width : screen.height);
            break;
        }
        break;
    }
    if (value !== undefined) keep(name, value);
  }

  const url = substitute(template, values);
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const bad = NOT_URI.exec(base);
  if (bad) {
    throw new UsageError(
      `the expanded URL "${base}" holds "${bad[0]}", which Java's URI parser refuses: the client would fail before sending anything`,
      'keep placeholders out of the host and path, or percent-encode that character in the template',
    );
  }
  return { url, values, unresolved: placeholdersIn(url).filter((n) => kindOf(n) !== 'credential'), warnings };
}

/** Host and port of the template as the client reads them (java.net.URL), then the local address to it. */
async function reachableFrom(template: string): Promise<{ remote: string; local: string }> {
  const authority = urlAuthority(template);
  if (!authority || (authority.scheme !== 'http' && authority.scheme !== 'https') || authority.host === '') {
    throw new UsageError(`cannot find the host in "${template}"`, 'a template starts with https://host/');
  }
  const { scheme, host } = authority;
  const port = authority.port ? Number(authority.port) : defaultPortFor(scheme);
  try {
    return await localAddressFor(host, port);
  } catch (err) {
    throw new UsageError(
      `cannot find the local address used to reach ${host}: ${(err as Error).message}`,
      'check the host name and this machine\'s routes, or give --set ipaddr=ADDRESS (and --set hwaddr=…, --set hostname=…)',
    );
  }
}
