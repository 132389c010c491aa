/**
 * `expand`: the URL and the POST form a Jitsi client would send for a template, on this machine.
 * Also holds what `provision` shares with it: where the template comes from, the client options,
 * and asking for credentials.
 */
import type { Command } from 'commander';
import { pick, type ProvdiscConfig } from '../config/config-file.js';
import { UsageError } from '../util/errors.js';
import { parseAssignment } from '../client/placeholders.js';
import { displayUrl, maskField, type Credentials, type ProvisioningRequest } from '../client/post-form.js';
import type { ExpansionContext } from '../client/expansion.js';
import { expandForClient, type ClientRequestOptions, type CredentialPrompt } from '../client/client-request.js';
import type { FoundTemplate, TemplateDiscovery } from '../client/discovered-template.js';
import { action, collect, EXIT_OK, info, inFlags, millisecondsFlag, readConfig, templateSetting, viaOption, warn } from './common.js';
import { askTerminal, readStdin } from './terminal.js';
import { jsonLine } from '../util/printable.js';

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

/** The template from the argument, else the configuration file, else the discovery methods to find it by. */
function templateSource(argument: string | undefined, flags: ClientFlags, config: ProvdiscConfig): string | TemplateDiscovery {
  if (flags.discover && argument !== undefined) throw new UsageError('both a template and --discover given', 'use one of them');
  if (flags.discover) {
    const timeoutMs = pick(millisecondsFlag('--timeout', flags.timeout), config.timeout);
    return { via: viaOption(flags.via, config), timeoutMs, interfaces: pick(flags.interface, config.interface) };
  }
  return templateSetting(argument, config, "expand 'https://host/prov.php?os=${osname}'", 'use --discover');
}

function describeFound(found: FoundTemplate): string {
  return found.method === 'bonjour'
    ? `found ${found.template} (${found.service.type} from ${found.service.from} on ${found.service.interface}); anyone on the link can advertise one`
    : `found ${found.template} (DHCP option 224 from ${found.answer.from} on ${found.answer.interface}); anyone on the link can answer a DHCPINFORM`;
}

/** `--set` values from the configuration file, then from the flags (which win, name by name). */
function expansionContext(flags: ClientFlags, config: ProvdiscConfig): ExpansionContext {
  const overrides = new Map([...(config.set ?? []), ...(flags.set ?? [])].map(parseAssignment));
  return { overrides, allowEnv: pick(flags.allowEnv, config.allowEnv), uuidFile: pick(flags.uuidFile, config.uuidFile) };
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

/** The credentials the template wants and the options did not both give, from the terminal. */
async function askMissingCredentials(prompt: CredentialPrompt, flags: ClientFlags): Promise<Credentials> {
  if (!canAsk(flags)) {
    throw new UsageError(
      `the template asks for \${username} and \${password}, and stdin is not a terminal to ask on`,
      `give --username NAME and the password on stdin with --password-stdin (echo "$PASSWORD" | provdisc … --password-stdin)`,
    );
  }
  if (prompt.username !== undefined)
    return { username: prompt.username, password: await askTerminal(`password for ${prompt.username}@${prompt.host}: `, true) };
  if (prompt.inClear) warn('the password you type goes over http, in clear text');
  return askCredentials(prompt.host, undefined);
}

/** What `expand` and `provision` give the library from their flags and the configuration file. */
export function clientRequestOptions(argument: string | undefined, flags: ClientFlags, config: ProvdiscConfig): ClientRequestOptions {
  return {
    template: templateSource(argument, flags, config),
    context: expansionContext(flags, config),
    username: pick(flags.username, config.username),
    readPassword: flags.passwordStdin ? async () => (await readStdin()).split(/\r?\n/)[0] ?? '' : undefined,
    askCredentials: (prompt) => askMissingCredentials(prompt, flags),
    onWarning: warn,
    onFound: (found) => info(describeFound(found)),
  };
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
  addClientOptions(program.command('expand').description("show the URL and POST form a Jitsi client would send for a template, with this machine's values"))
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
        const prepared = await expandForClient(clientRequestOptions(templateArg, flags, config));
        const { request, expansion } = prepared;
        if (flags.json) {
          const values = Object.fromEntries([...expansion.values].map(([k, v]) => [k, v]));
          process.stdout.write(
            jsonLine({
              template: prepared.template,
              ...requestJson(request),
              values,
              unresolved: expansion.unresolved,
              warnings: expansion.warnings.map(inFlags),
            }),
          );
        } else {
          process.stdout.write(describeRequest(request));
        }
        return EXIT_OK;
      }),
    );
}
