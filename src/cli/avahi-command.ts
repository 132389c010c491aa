import type { Command } from 'commander';
import { checkHostAddress, checkHostName } from '../template/host.js';
import { hostsLine } from '../avahi/hosts-file.js';
import { addHostsLine, checkHostNames, srvTarget } from '../avahi/srv-target.js';
import { checkServiceFile, renderServiceFile } from '../avahi/service-file.js';
import { writeFilesAtomically, type WriteOptions } from '../util/atomic-write.js';
import { pick, type ProvdiscConfig } from '../config/config-file.js';
import { UsageError } from '../util/errors.js';
import { checkInstanceName, defaultPortFor, JITSI_INSTANCE_NAME, parseTemplate, serviceTypeFor, toTxt } from '../template/template.js';
import { problemFinding, type Finding } from '../util/findings.js';
import { jsonLine } from '../util/printable.js';
import { describeWrite, EXIT_ERROR, EXIT_OK, info, portFlag, printProblem, readText, singleSetting, templateSetting, warn, writeOrCheck } from './common.js';

interface AvahiFlags {
  config?: string;
  name?: string;
  host?: string;
  address?: string;
  port?: string;
  output?: string;
  hostsFile?: string;
  check?: string;
  json?: boolean;
}

async function generate(templateArg: string | undefined, flags: AvahiFlags, config: ProvdiscConfig): Promise<number> {
  const template = parseTemplate(templateSetting(templateArg, config, "avahi 'https://host/provisioning.php?username=${username}'"), warn);
  const name = pick(flags.name, config.name) ?? JITSI_INSTANCE_NAME;
  checkInstanceName(name);
  if (name !== JITSI_INSTANCE_NAME) warn(`the service is named "${name}": a Jitsi client only looks for "${JITSI_INSTANCE_NAME}" and will not see it`);
  const port = pick(portFlag(flags.port), config.port) ?? template.port ?? defaultPortFor(template.scheme);
  const host = pick(flags.host, config.host);
  const address = singleSetting(flags.address, config.address, {
    problem: (n) => `the configuration gives ${n} addresses; an Avahi hosts line takes one`,
    fix: 'keep one address in [avahi], or pass --address',
  });
  const hostsFile = pick(flags.hostsFile, config.hostsFile);
  const output = pick(flags.output, config.output);
  if (host !== undefined) checkHostName(host, warn);
  if (address !== undefined) {
    if (host === undefined) throw new UsageError('--address needs --host: the hosts line gives an address to a name', 'add --host provisioning.local');
    checkHostAddress(address);
  }
  if (hostsFile !== undefined && address === undefined) {
    throw new UsageError('--hosts-file needs --host and --address to know which line to write', 'add --host NAME --address IP');
  }
  if (host !== undefined && address === undefined) {
    warn(`no --address given: make sure /etc/avahi/hosts has a line "ADDRESS ${host}", or the service never resolves`);
  }
  const target = srvTarget(host, address);
  if (target.note !== undefined) info(target.note);
  const entry = target.hostsEntry;
  const xml = renderServiceFile({ name, hostName: target.hostName, type: serviceTypeFor(template.scheme), port, txt: toTxt(template) });

  const writes: { file: string; content: string; options: WriteOptions }[] = [];
  if (output !== undefined) writes.push({ file: output, content: xml, options: { backup: true } });
  if (entry !== undefined && hostsFile !== undefined) {
    writes.push({ file: hostsFile, content: addHostsLine(await readText(hostsFile, 'hosts file'), entry, hostsFile), options: { backup: true } });
  }
  for (const w of await writeFilesAtomically(writes)) info(describeWrite(w));

  if (output === undefined) process.stdout.write(xml);
  if (entry !== undefined && hostsFile === undefined) {
    const line = hostsLine(entry.address, entry.name);
    // stdout carries the XML when there is no --output, so the hosts line must not mix with it
    if (output === undefined) info(`add this line to /etc/avahi/hosts: ${line}`);
    else process.stdout.write(`${line}\n`);
  }
  return EXIT_OK;
}

async function check(file: string, hostsFile: string | undefined, json: boolean): Promise<number> {
  const xml = await readText(file, 'service file');
  if (xml === undefined) throw new UsageError(`the service file ${file} does not exist`, 'check the path given to --check');
  const result = checkServiceFile(xml);
  const problems = [...result.problems];
  if (hostsFile !== undefined && result.hostNames.length > 0) {
    problems.push(...checkHostNames(result.hostNames, await readText(hostsFile, 'hosts file'), hostsFile));
  }
  if (json) {
    const findings: Finding[] = [
      ...result.warnings.map((message): Finding => ({ level: 'warning', code: 'txt-size', message })),
      ...problems.map(problemFinding),
    ];
    process.stdout.write(jsonLine({ file, templates: result.templates, findings }));
    return problems.length === 0 ? EXIT_OK : EXIT_ERROR;
  }
  for (const t of result.templates) process.stdout.write(`${t}\n`);
  for (const w of result.warnings) warn(w);
  problems.forEach(printProblem);
  return problems.length === 0 ? EXIT_OK : EXIT_ERROR;
}

export function registerAvahiCommand(program: Command): void {
  program
    .command('avahi')
    .description('write the Avahi service file (and /etc/avahi/hosts line) advertising the template, or --check an existing one')
    .argument('[template]', "provisioning URI template, e.g. 'https://host/prov.php?user=${username}'")
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see docs/config.md')
    .option('--name <instance>', `service name (Jitsi only looks for "${JITSI_INSTANCE_NAME}")`)
    .option('--host <name>', 'full host name for <host-name>, e.g. provisioning.local (Avahi does not append .local)')
    .option('--address <ip>', 'with --host: the address for the /etc/avahi/hosts line')
    .option('-p, --port <port>', "SRV port (default: the template's port, else 443 for https, 80 for http)")
    .option('-o, --output <file>', 'write the service file here (atomically, mode 0644, previous one kept as FILE.bak) instead of stdout')
    .option('--hosts-file <file>', 'add or update the line for --host in this hosts file (created if missing); with --check: look the host-name up in it')
    .option('--check <file>', 'check an existing service file: print the URI a Jitsi client would build, list what would stop it')
    .option('--json', 'with --check: one JSON object, {file, templates, findings: [{level, code, message, fix}]}')
    .addHelpText('after', '\nExit codes: 0 written (or the checked file is fine); 1 bad input, or --check found problems.')
    .action(
      writeOrCheck('avahi', 'a service file', generate, (file, flags: AvahiFlags, config) =>
        check(file, pick(flags.hostsFile, config.hostsFile), flags.json === true),
      ),
    );
}
