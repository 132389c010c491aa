/**
 * `provision`: plays the Jitsi client end to end (simulateClient, src/client/simulate.ts): expands the
 * template, posts the form, follows the server, applies the .properties answer to a configuration
 * with the client's rules and shows the result and what changed. Writes nothing unless asked (--write).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { pick, type ProvdiscConfig } from '../config/config-file.js';
import { UsageError } from '../util/errors.js';
import { formatProperties, maskValue, parseProperties, toConfiguration, type Configuration } from '../client/properties-file.js';
import type { DiffEntry } from '../client/jitsi-rules.js';
import { REQUEST_TIMEOUT_MS } from '../client/provision.js';
import { simulateClient, type ClientSimulation } from '../client/simulate.js';
import { action, EXIT_ERROR, EXIT_OK, millisecondsFlag, readConfig, warn } from './common.js';
import { addClientOptions, askCredentials, canAsk, clientRequestOptions, requestJson, type ClientFlags } from './expand-command.js';
import { jsonLine } from '../util/printable.js';

interface ProvisionFlags extends ClientFlags {
  configFile?: string;
  write?: string;
  caFile?: string;
  insecure?: boolean;
  requestTimeout?: string;
  masterPasswordFile?: string;
  showSecrets?: boolean;
}

/** How a value is shown: passwords (clear or encrypted) masked unless --show-secrets. */
type Shown = (key: string, value: string) => string;
const shownValue = (showSecrets: boolean): Shown => (showSecrets ? (_key, value) => value : maskValue);

function readFile(file: string, what: string, hint: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as Error).message}`, hint);
  }
}

/** The first line of the file; Jitsi refuses an empty master password, so an empty file is a mistake. */
function masterPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read the master password file ${file}: ${(err as Error).message}`,
      'give a file holding the master password on its first line',
    );
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '')
    throw new UsageError(
      `the master password file ${file} starts with an empty line`,
      'write the master password on its first line, or leave --master-password-file out (no master password)',
    );
  return first;
}

/** The client's current configuration (a sip-communicator.properties), or an empty one. */
function startingConfiguration(file: string | undefined): Configuration {
  if (file === undefined) return new Map();
  return toConfiguration(parseProperties(readFile(file, 'the client configuration', 'give the sip-communicator.properties of the client with --config-file')));
}

/** Where --write goes: the flag, else `write = true` in the configuration file means the client configuration itself. */
function writeTarget(flags: ProvisionFlags, config: ProvdiscConfig, configFile: string | undefined): string | undefined {
  if (flags.write !== undefined) return flags.write;
  if (!config.write) return undefined;
  if (configFile === undefined)
    throw new UsageError('write = true in the configuration file, but no config-file to write to', 'set config-file, or use --write FILE');
  return configFile;
}

function describeDiff(d: DiffEntry, shown: Shown): string {
  const show = (v: string | undefined) => shown(d.key, v ?? '');
  switch (d.change) {
    case 'added':
      return `  + ${d.key}=${show(d.after)}`;
    case 'changed':
      return `  ~ ${d.key}=${show(d.after)}  (was ${show(d.before)})`;
    case 'removed':
      return `  - ${d.key}  (was ${show(d.before)})`;
  }
}

function report(simulation: ClientSimulation, startedFrom: string, showSecrets: boolean): string {
  const shown = shownValue(showSecrets);
  const { exchange, application, diff, lints } = simulation;
  const out: string[] = [];
  for (const e of exchange.exchanges) out.push(`${e.method} ${e.url} → ${e.status}${e.location ? ` (Location: ${e.location})` : ''}`);
  out.push(`answer: ${exchange.body.length} bytes${exchange.contentType ? `, ${exchange.contentType}` : ''}, ${application.steps.length} properties`, '');
  out.push(`Resulting configuration (${startedFrom}):`);
  const text = formatProperties(application.after, !showSecrets);
  out.push(
    text === ''
      ? '  (empty)'
      : text
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
    '',
  );
  out.push(`Changes (${diff.length}):`);
  out.push(...(diff.length === 0 ? ['  (none)'] : diff.map((d) => describeDiff(d, shown))));
  if (application.system.size > 0) {
    out.push('', 'Java system properties set (not stored in the configuration):');
    for (const [k, v] of application.system) out.push(`  ${k}=${shown(k, v)}`);
  }
  if (lints.length > 0) {
    out.push('', 'Findings:');
    for (const l of lints) out.push(`  ${l.level}: ${l.line !== undefined ? `line ${l.line}: ` : ''}${l.message}`);
  }
  return `${out.join('\n')}\n`;
}

/** `--json`: every value a password could be in, masked unless --show-secrets. */
function simulationJson(simulation: ClientSimulation, showSecrets: boolean) {
  const shown = shownValue(showSecrets);
  const { prepared, exchange, application, diff, lints, written } = simulation;
  const masked = (m: ReadonlyMap<string, string>) => Object.fromEntries([...m].map(([k, v]) => [k, shown(k, v)]));
  const maskDiff = (d: DiffEntry) => ({
    ...d,
    before: d.before === undefined ? undefined : shown(d.key, d.before),
    after: d.after === undefined ? undefined : shown(d.key, d.after),
  });
  return {
    template: prepared.template,
    request: requestJson(exchange.request),
    exchanges: exchange.exchanges,
    status: exchange.status,
    contentType: exchange.contentType ?? null,
    steps: application.steps.map((s) => ({ ...s, value: shown(s.key, s.value) })),
    configuration: masked(application.after),
    system: masked(application.system),
    diff: diff.map(maskDiff),
    lints,
    written: written ?? null,
  };
}

export function registerProvisionCommand(program: Command): void {
  addClientOptions(
    program
      .command('provision')
      .description('play the Jitsi client: post the form, apply the answer with its rules, show the resulting configuration and the changes (dry run)'),
  )
    .option('--config-file <file>', "the client's current sip-communicator.properties to start from (default: empty)")
    .option('--write <file>', 'write the resulting configuration there, atomically')
    .option('--ca-file <file>', "the CA certificates the client trusts (its trust store), PEM (default: the system's)")
    .option('--insecure', 'accept any certificate (tests only: anyone on the path can then answer)')
    .option('--request-timeout <ms>', `timeout of each HTTP request (default ${REQUEST_TIMEOUT_MS}, as Jitsi)`)
    .option('--show-secrets', 'show PASSWORD and ENCRYPTED_PASSWORD values (masked by default; the written file always holds them)')
    .option(
      '--master-password-file <file>',
      "the client's master password (first line), for ENCRYPTED_PASSWORD values (default: none set, which Jitsi treats as a single space)",
    )
    .addHelpText(
      'after',
      [
        '',
        'HTTP as Jitsi: 10 s timeouts; a 303 answer to the POST is followed with a GET (without the form), a 301,',
        '302 or 307 is not (the client gives up); 401 and 403 ask for credentials again; any other answer but 200',
        'is a failure, said as the client takes it (silent, or an error when provisioning.MANDATORY is set).',
        'Passwords (PASSWORD keys) are stored as ENCRYPTED_PASSWORD exactly as Jitsi stores them (AES, key from the',
        "client's master password); both are masked in the output unless --show-secrets.",
        '',
        'Exit codes: 0 done; 1 bad input, a failed request, or an answer that is not a .properties file.',
      ].join('\n'),
    )
    .action(
      action(async (templateArg: string | undefined, flags: ProvisionFlags) => {
        const config = readConfig(flags.config, 'provision');
        const timeoutMs = pick(millisecondsFlag('--request-timeout', flags.requestTimeout), config.requestTimeout);
        const configFile = flags.configFile ?? config.configFile;
        const configuration = startingConfiguration(configFile);
        const writeTo = writeTarget(flags, config, configFile);
        const caFile = flags.caFile ?? config.caFile;
        const insecure = flags.insecure ?? config.insecure ?? false;
        if (insecure) warn('--insecure: the server certificate is not checked; anyone on the path can answer in its place');
        const ca = caFile === undefined ? undefined : readFile(caFile, 'the CA file', 'give a PEM file with --ca-file');
        const masterPasswordFile = flags.masterPasswordFile ?? config.masterPasswordFile;
        const simulation = await simulateClient({
          ...clientRequestOptions(templateArg, flags, config),
          configuration,
          masterPassword: masterPassword(masterPasswordFile),
          masterPasswordSource: masterPasswordFile === undefined ? undefined : `from ${masterPasswordFile}`,
          writeTo,
          tls: { ca, insecure },
          timeoutMs,
          askAgain: canAsk(flags)
            ? (p) =>
                askCredentials(
                  new URL(p.url).host,
                  p.previous?.username,
                  `${new URL(p.url).host} answered ${p.status}${p.realm ? ` (realm "${p.realm}")` : ''}: try again (${p.attempt})`,
                )
            : undefined,
        });
        if (simulation.failed && writeTo !== undefined) warn(`not writing ${writeTo}: the answer has errors (see Findings)`);
        if (flags.json) {
          process.stdout.write(jsonLine(simulationJson(simulation, flags.showSecrets === true)));
        } else {
          const startedFrom = configFile === undefined ? 'the answer applied to an empty configuration' : `the answer applied to ${configFile}`;
          process.stdout.write(report(simulation, startedFrom, flags.showSecrets === true));
          if (simulation.written) process.stdout.write(`\nwrote ${simulation.written}\n`);
        }
        return simulation.failed ? EXIT_ERROR : EXIT_OK;
      }),
    );
}
