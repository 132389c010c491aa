/**
 * `expand`: the URL and the POST form a Jitsi client would send for a template, on this machine.
 * Also holds what `provision` shares with it: where the template comes from, the client options,
 * and asking for credentials.
 */
import type { Command } from 'commander';
import { pick, type ProvdiscConfig } from '../config/config-file.js';
import { discoverVia, firstTemplates, methodDisagreement } from '../discover-via/discover-via.js';
import { UsageError } from '../util/errors.js';
import { parseAssignment } from '../client/placeholders.js';
import { asksForCredentials, buildRequest, displayUrl, maskField, type Credentials, type ProvisioningRequest } from '../client/post-form.js';
import { expandTemplate, type ExpansionContext, type Expansion } from '../client/expansion.js';
import { JITSI_INSTANCE_NAME, parseTemplate } from '../template/template.js';
import { action, collect, EXIT_OK, info, millisecondsFlag, readConfig, viaOption, warn } from './common.js';
import { askTerminal, readStdin } from './terminal.js';

export interface ClientFlags {
  config?: string;
  discover?: boolean;
  timeout?: string;
  interface?: string[];
  set?: string[];
  allowEnv?: string[];
  username?: string;
  passwordStdin?: boolean;
  uuidFile?: string;
  json?: boolean;
  via?: string;
}

/** The options `expand` and `provision` share. */
export function addClientOptions(command: Command): Command {
  return command
    .argument('[template]', "provisioning URI template, e.g. 'https://host/prov.php?user=${username}&os=${osname}'")
    .option('-c, --config <file>', 'read settings (template, username, allow-env, set…) from this ini file; flags win')
    .option('--discover', 'take the template found over mDNS (or DHCP, see --via), as a Jitsi client set to Bonjour (DHCP) does')
    .option('--via <methods>', 'with --discover: bonjour, dhcp, or bonjour,dhcp (the first listed that answers wins; default bonjour)')
    .option('-t, --timeout <ms>', 'with --discover: how long to look (default 3000)')
    .option('-i, --interface <name>', 'with --discover: interface to ask on (repeatable)', collect)
    .option('--set <name=value>', 'give a placeholder another value, e.g. --set "osname=Windows 11" (repeatable)', collect)
    .option('--allow-env <NAME>', 'let ${env.NAME} read this environment variable (repeatable; others stay empty)', collect)
    .option('--username <name>', 'the user name the client would ask for')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--uuid-file <file>', 'where ${uuid} is kept (default: $PROVDISC_UUID_FILE, else $XDG_STATE_HOME/provdisc/uuid, else ~/.local/state/provdisc/uuid)')
    .option('--json', 'print one JSON object');
}

/**
 * The template from the argument, else the configuration file, else mDNS discovery; checked as
 * `advertise` checks one, so a bad port or host is named here rather than failing later as a URL.
 */
async function resolveTemplate(argument: string | undefined, flags: ClientFlags, config: ProvdiscConfig): Promise<string> {
  if (flags.discover && argument !== undefined) throw new UsageError('both a template and --discover given', 'use one of them');
  const template = flags.discover ? await discoverTemplate(flags, config) : (argument ?? config.template);
  if (template === undefined) {
    throw new UsageError('no URI template given', "pass one (provdisc expand 'https://host/prov.php?os=${osname}'), set template in --config FILE, or use --discover");
  }
  parseTemplate(template);
  return template;
}

async function discoverTemplate(flags: ClientFlags, config: ProvdiscConfig): Promise<string> {
  const timeoutMs = pick(millisecondsFlag('--timeout', flags.timeout), config.timeout);
  const via = viaOption(flags.via, config);
  const found = await discoverVia({ via, timeoutMs, interfaces: pick(flags.interface, config.interface) });
  const between = methodDisagreement(found);
  if (between) warn(between);
  const templates = firstTemplates(found);
  const method = via.find((m) => templates[m] !== undefined);
  if (!method) {
    const asked = via.map((m) => (m === 'bonjour' ? `no "${JITSI_INSTANCE_NAME}" service answered over mDNS` : 'no DHCP server answered with option 224'));
    throw new UsageError(asked.join('; '), 'check that the advertiser runs on this link, or pass the template');
  }
  if (method === 'bonjour') {
    const first = found.bonjour!.find((s) => s.complete)!;
    info(`found ${first.template} (${first.type} from ${first.from} on ${first.interface}); anyone on the link can advertise one`);
  } else {
    const first = found.dhcp![0]!;
    info(`found ${first.uri} (DHCP option 224 from ${first.from} on ${first.interface}); anyone on the link can answer a DHCPINFORM`);
  }
  return templates[method]!;
}

/** `--set` values from the configuration file, then from the flags (which win, name by name). */
function expansionContext(flags: ClientFlags, config: ProvdiscConfig, client: Partial<ExpansionContext> = {}): ExpansionContext {
  const overrides = new Map([...(config.set ?? []), ...(flags.set ?? [])].map(parseAssignment));
  return { ...client, overrides, allowEnv: pick(flags.allowEnv, config.allowEnv), uuidFile: pick(flags.uuidFile, config.uuidFile) };
}

/** Whether credentials can still be asked for: a terminal, not already used up by --password-stdin. */
export function canAsk(flags: ClientFlags): boolean {
  return process.stdin.isTTY === true && !flags.passwordStdin;
}

/** Asks the terminal for a user name (offering `suggested`) and a password. */
export async function askCredentials(host: string, suggested: string | undefined, reason?: string): Promise<Credentials> {
  if (reason) process.stderr.write(`provdisc: ${reason}\n`);
  let username = '';
  while (username === '') {
    username = (await askTerminal(`user name for ${host}${suggested ? ` [${suggested}]` : ''}: `, false)) || (suggested ?? '');
  }
  const password = await askTerminal(`password for ${username}@${host}: `, true);
  return { username, password };
}

/**
 * The credentials the client would send at first: only asked for when the template has both a user
 * name and a password field (Jitsi asks only then), from the options, else from the terminal.
 */
async function initialCredentials(
  request: ProvisioningRequest,
  template: string,
  flags: ClientFlags,
  config: ProvdiscConfig,
): Promise<Credentials | undefined> {
  const username = pick(flags.username, config.username);
  const password = flags.passwordStdin ? (await readStdin()).split(/\r?\n/)[0] ?? '' : undefined;
  const fields = request.fields.filter((f) => f.credential !== undefined).map((f) => f.credential);
  for (const f of request.fields.filter((x) => x.credential !== undefined && x.value !== '')) {
    warn(`the field "${f.name}" holds more than \${${f.credential}}: the client replaces its whole value with the typed ${f.credential === 'username' ? 'user name' : 'password'}`);
  }
  if (!asksForCredentials(request)) {
    if (fields.length > 0) {
      warn(`the template has \${${fields[0]}} without \${${fields[0] === 'username' ? 'password' : 'username'}}: Jitsi never asks then, and sends it empty`);
    }
    if (username !== undefined || password !== undefined) warn('--username / --password-stdin are not used: the template asks for no credentials');
    return undefined;
  }
  const host = new URL(request.postUrl).host;
  if (username !== undefined && password !== undefined) return { username, password };
  if (!canAsk(flags)) {
    throw new UsageError(
      `the template asks for \${username} and \${password}, and stdin is not a terminal to ask on`,
      `give --username NAME and the password on stdin with --password-stdin (echo "$PASSWORD" | provdisc … --password-stdin)`,
    );
  }
  if (username !== undefined) return { username, password: await askTerminal(`password for ${username}@${host}: `, true) };
  if (/^http:/i.test(template)) warn('the password you type goes over http, in clear text');
  return askCredentials(host, undefined);
}

/** Everything up to the request: template, expansion, credentials. */
interface PreparedRequest {
  readonly template: string;
  readonly context: ExpansionContext;
  readonly expansion: Expansion;
  readonly credentials: Credentials | undefined;
  readonly request: ProvisioningRequest;
}

export async function prepareRequest(
  argument: string | undefined,
  flags: ClientFlags,
  config: ProvdiscConfig,
  client: Partial<ExpansionContext> = {},
): Promise<PreparedRequest> {
  const template = await resolveTemplate(argument, flags, config);
  const context = expansionContext(flags, config, client);
  const expansion = await expandTemplate(template, context);
  for (const w of expansion.warnings) warn(w);
  const credentials = await initialCredentials(buildRequest(expansion.url), template, flags, config);
  return { template, context, expansion, credentials, request: buildRequest(expansion.url, credentials) };
}

export function requestJson(request: ProvisioningRequest) {
  return {
    url: displayUrl(request),
    postUrl: request.postUrl,
    fields: request.fields.map((f) => ({ name: f.name, value: maskField(f), ...(f.credential ? { credential: f.credential } : {}) })),
  };
}

function describeRequest(request: ProvisioningRequest): string {
  const lines = [`URL:  ${displayUrl(request)}`, `POST ${request.postUrl}`, '  Content-Type: application/x-www-form-urlencoded'];
  if (request.fields.length === 0) lines.push('  (no fields)');
  for (const f of request.fields) lines.push(`  ${f.name}=${maskField(f)}`);
  return `${lines.join('\n')}\n`;
}

export function registerExpandCommand(program: Command): void {
  addClientOptions(
    program
      .command('expand')
      .description("show the URL and POST form a Jitsi client would send for a template, with this machine's values"),
  )
    .addHelpText(
      'after',
      [
        '',
        'Placeholders: ${osname} ${arch} ${hostname} ${ipaddr} ${hwaddr} ${uuid} ${build} ${locale} ${resx} ${resy}',
        '  ${home.location} ${home.name} ${system.NAME} ${env.NAME} ${username} ${password}',
        'Values are those a Java client reports (os.name "Linux", os.arch "amd64"…); the password is shown as ********.',
        '',
        'Exit codes: 0 printed; 1 bad input or error.',
      ].join('\n'),
    )
    .action(
      action(async (templateArg: string | undefined, flags: ClientFlags) => {
        const config = readConfig(flags.config, 'expand');
        const prepared = await prepareRequest(templateArg, flags, config);
        const { request, expansion } = prepared;
        if (/^http:/i.test(request.postUrl) && request.fields.some((f) => f.credential === 'password')) {
          warn('the template uses http: the password field would travel in clear text; use https');
        }
        if (flags.json) {
          const values = Object.fromEntries([...expansion.values].map(([k, v]) => [k, v]));
          process.stdout.write(`${JSON.stringify({ template: prepared.template, ...requestJson(request), values, unresolved: expansion.unresolved, warnings: expansion.warnings })}\n`);
        } else {
          process.stdout.write(describeRequest(request));
        }
        return EXIT_OK;
      }),
    );
}
