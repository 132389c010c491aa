/**
 * Template expansion as the Jitsi client does it (ProvisioningServiceImpl), with this machine's values.
 *
 * Where provdisc differs on purpose: `${env.NAME}` is only filled for names the user allows (a
 * template found by multicast can come from anyone), and a substituted value is never expanded again.
 */
import { NetworkError, setting, UsageError } from '../util/errors.js';
import { interfaceOwning, javaHostAddress, javaHostName, javaSystemProperties, localAddressFor, screenSize } from './environment.js';
import { defaultPortFor, urlAuthority } from '../template/template.js';
import { loadOrCreateUuid, uuidStatePath } from './uuid-state.js';
import { kindOf, placeholdersIn, substitute, type ClientPlaceholder } from './placeholders.js';

/** The placeholders the Jitsi client fills from plain Java system properties. */
const PROPERTY_OF = {
  osname: 'os.name',
  arch: 'os.arch',
  build: 'sip-communicator.version',
  'home.location': 'net.java.sip.communicator.SC_HOME_DIR_LOCATION',
  'home.name': 'net.java.sip.communicator.SC_HOME_DIR_NAME',
} as const;

/** What a template needs to be expanded on this machine. */
export interface ExpansionContext {
  /** Placeholder values (`--set name=value`): win over everything this machine would say. */
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

/** Values Java's URI parser refuses; the client cannot post to a URL holding one. */
const NOT_URI = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

/** Expands `template` with this machine's values, gathering only what the template uses. */
export async function expandTemplate(template: string, context: ExpansionContext = {}): Promise<Expansion> {
  const warnings: string[] = [];
  const values = new Map<string, string>();
  const machine = new MachineValues(template, context, warnings);
  for (const name of placeholdersIn(template)) {
    const value = context.overrides?.get(name) ?? (await machine.valueOf(name));
    if (value === undefined) continue;
    if (value.includes('&')) warnings.push(`the value of \${${name}} holds '&': the client cuts the query there, making an extra field`);
    values.set(name, value);
  }

  const url = substitute(template, values);
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const bad = NOT_URI.exec(base);
  if (bad) {
    throw new UsageError(
      `the expanded URL "${base}" holds "${bad[0]}", which Java's URI parser refuses: the client would fail before sending anything`,
      'keep placeholders out of the host and path, or percent-encode that character in the template',
      'invalid-template',
    );
  }
  return { url, values, unresolved: placeholdersIn(url).filter((n) => kindOf(n) !== 'credential'), warnings };
}

/** This machine's values as the client would send them, each looked up once and only when used. */
class MachineValues {
  private readonly env: NodeJS.ProcessEnv;
  private readonly allowEnv: ReadonlySet<string>;
  private system: Record<string, string> | undefined;
  private route: Promise<{ remote: string; local: string }> | undefined;
  private screen: ReturnType<typeof screenSize> | null = null;

  constructor(
    private readonly template: string,
    private readonly context: ExpansionContext,
    private readonly warnings: string[],
  ) {
    this.env = context.env ?? process.env;
    this.allowEnv = new Set(context.allowEnv ?? []);
  }

  /** The value for `${name}`; undefined when the client sends the placeholder as typed. */
  async valueOf(name: string): Promise<string | undefined> {
    switch (kindOf(name)) {
      case 'credential':
        return undefined;
      case 'unknown':
        this.warnings.push(`\${${name}} is not a placeholder the Jitsi client knows: it sends it as typed`);
        return undefined;
      case 'env':
        return this.envValue(name);
      case 'system': {
        const value = this.systemProperty(name.slice('system.'.length));
        if (value === undefined)
          this.warnings.push(
            `\${${name}}: no such Java system property here, so the client sends the placeholder as typed (${setting('overrides')} ${name}=… gives one)`,
          );
        return value;
      }
      case 'client':
        return this.clientValue(name as ClientPlaceholder);
    }
  }

  private async clientValue(name: ClientPlaceholder): Promise<string | undefined> {
    switch (name) {
      case 'osname':
      case 'arch':
      case 'build':
      case 'home.location':
      case 'home.name':
        return this.systemProperty(PROPERTY_OF[name]);
      case 'uuid':
        return this.context.clientUuid ?? (await loadOrCreateUuid(uuidStatePath(this.context.uuidFile, this.env))).uuid;
      case 'locale':
        if (this.context.clientLocale === undefined)
          this.warnings.push(
            `\${locale} is empty: Jitsi sends the language chosen in its settings, and none is known here (${setting('overrides')} locale=fr, or ${setting('configuration')})`,
          );
        return this.context.clientLocale ?? '';
      case 'ipaddr':
        return javaHostAddress(await this.localAddress());
      case 'hostname':
        return javaHostName(await this.localAddress());
      case 'hwaddr':
        return this.hardwareAddress();
      case 'resx':
      case 'resy':
        return this.screenValue(name);
    }
  }

  private envValue(name: string): string | undefined {
    const variable = name.slice('env.'.length);
    if (!this.allowEnv.has(variable)) {
      this.warnings.push(
        `\${${name}} left empty: a template may only read environment variables you allow (${setting('allowEnv')} ${variable}); Jitsi would send its value`,
      );
      return '';
    }
    if (this.env[variable] === undefined) this.warnings.push(`\${${name}}: ${variable} is not set, so the client sends the placeholder as typed`);
    return this.env[variable];
  }

  private systemProperty(key: string): string | undefined {
    this.system ??= javaSystemProperties();
    return Object.hasOwn(this.system, key) ? this.system[key] : undefined;
  }

  /** The address this machine reaches the template's host from, unless `ipaddr` is given. */
  private async localAddress(): Promise<string> {
    const given = this.context.overrides?.get('ipaddr');
    if (given !== undefined) return given;
    this.route ??= reachableFrom(this.template);
    return (await this.route).local;
  }

  private async hardwareAddress(): Promise<string | undefined> {
    const address = await this.localAddress();
    const owner = interfaceOwning(address);
    if (owner?.mac === undefined) {
      this.warnings.push(
        `\${hwaddr}: ${owner ? `interface ${owner.name}` : `no interface here holds ${address}, which`} has no hardware address, so the client sends the placeholder as typed`,
      );
    }
    return owner?.mac;
  }

  private screenValue(name: 'resx' | 'resy'): string {
    if (this.screen === null) {
      this.screen = screenSize();
      if (this.screen === undefined)
        this.warnings.push(`\${resx}/\${resy} are empty: no display found (give ${setting('overrides')} resx=1920 ${setting('overrides')} resy=1080)`);
      else if (this.screen.displays > 1) this.warnings.push(`${this.screen.displays} displays: \${resx}/\${resy} are those of the first one`);
    }
    return this.screen === undefined ? '' : String(name === 'resx' ? this.screen.width : this.screen.height);
  }
}

/** Host and port of the template as the client reads them (java.net.URL), then the local address to it. */
async function reachableFrom(template: string): Promise<{ remote: string; local: string }> {
  const authority = urlAuthority(template);
  if (!authority || (authority.scheme !== 'http' && authority.scheme !== 'https') || authority.host === '') {
    throw new UsageError(`cannot find the host in "${template}"`, 'a template starts with https://host/', 'invalid-template');
  }
  const { scheme, host } = authority;
  const port = authority.port ? Number(authority.port) : defaultPortFor(scheme);
  try {
    return await localAddressFor(host, port);
  } catch (err) {
    const overrides = setting('overrides');
    throw new NetworkError(`cannot find the local address used to reach ${host}: ${(err as Error).message}`, {
      code: 'no-route',
      hint: `check the host name and this machine's routes, or give ${overrides} ipaddr=ADDRESS (and ${overrides} hwaddr=…, ${overrides} hostname=…)`,
      cause: err,
    });
  }
}
