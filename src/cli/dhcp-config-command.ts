import type { Command } from 'commander';
import { pick, type ProvdiscConfig } from '../config/config-file.js';
import { checkIscConfig } from '../dhcp/isc-check.js';
import { parseFormat, parseSubnet, renderDhcpConfig } from '../dhcp/server-config.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { UsageError } from '../util/errors.js';
import { problemFinding } from '../util/findings.js';
import { jsonLine } from '../util/printable.js';
import { describeWrite, EXIT_ERROR, EXIT_OK, info, printProblem, readText, singleSetting, templateSetting, warn, writeOrCheck } from './common.js';

interface DhcpConfigFlags {
  config?: string;
  format?: string;
  subnet?: string;
  interface?: string;
  output?: string;
  check?: string;
  json?: boolean;
}

async function generate(templateArg: string | undefined, flags: DhcpConfigFlags, config: ProvdiscConfig): Promise<number> {
  const template = templateSetting(templateArg, config, "dhcp-config 'https://host/provisioning.php?username=${username}' --subnet 192.168.0.0/24");
  const subnetText = pick(flags.subnet, config.subnet);
  if (subnetText === undefined) {
    throw new UsageError(
      'no --subnet given: the server answers the clients of one subnet',
      "add --subnet NETWORK/PREFIX for the clients' subnet, e.g. --subnet 192.168.0.0/24",
    );
  }
  const iface = singleSetting(flags.interface, config.interface, {
    problem: (n) => `the configuration gives ${n} interfaces; dhcp-config takes one`,
    fix: 'keep one interface in [dhcp-config], or pass --interface',
  });
  if (iface !== undefined && !/^[A-Za-z0-9_.:@-]{1,15}$/.test(iface)) {
    throw new UsageError(`--interface "${iface}" is not an interface name`, 'give a name such as eth0 or enp3s0');
  }
  const text = renderDhcpConfig(
    { template, format: parseFormat(pick(flags.format, config.format) ?? 'isc'), subnet: parseSubnet(subnetText), interface: iface },
    warn,
  );
  const output = pick(flags.output, config.output);
  if (output === undefined) process.stdout.write(text);
  else info(describeWrite(await writeFileAtomically(output, text, { backup: true })));
  return EXIT_OK;
}

async function check(file: string, format: string | undefined, json: boolean): Promise<number> {
  if (format !== undefined && parseFormat(format) !== 'isc') {
    throw new UsageError(
      `--check reads ISC dhcpd files only, not ${format}`,
      `check a ${format} file with its server: kea-dhcp4 -t FILE, dnsmasq --test --conf-file=FILE`,
    );
  }
  const text = await readText(file, 'dhcpd.conf');
  if (text === undefined) throw new UsageError(`the file ${file} does not exist`, 'check the path given to --check');
  const result = checkIscConfig(text);
  if (json) {
    process.stdout.write(jsonLine({ file, uri: result.uri ?? null, findings: result.problems.map(problemFinding) }));
    return result.problems.length === 0 ? EXIT_OK : EXIT_ERROR;
  }
  if (result.uri !== undefined) process.stdout.write(`${result.uri}\n`);
  result.problems.forEach(printProblem);
  return result.problems.length === 0 ? EXIT_OK : EXIT_ERROR;
}

export function registerDhcpConfigCommand(program: Command): void {
  program
    .command('dhcp-config')
    .description("write an ISC dhcpd, Kea or dnsmasq file that answers Jitsi's DHCP discovery (option 224 on port 6767), or --check a dhcpd.conf")
    .argument('[template]', "provisioning URI template, e.g. 'https://host/prov.php?user=${username}' (at most 255 bytes)")
    .option('-f, --format <format>', 'isc (dhcpd.conf, the default), kea (kea-dhcp4 JSON) or dnsmasq')
    .option('--subnet <cidr>', "the clients' IPv4 subnet, e.g. 192.168.0.0/24 (the server answers clients in it)")
    .option('-i, --interface <name>', 'the interface the server listens on (kea, dnsmasq: in the file; isc: on the command line shown in it)')
    .option('-o, --output <file>', 'write the file here (atomically, mode 0644, previous one kept as FILE.bak) instead of stdout')
    .option('--check <file>', 'check an ISC dhcpd.conf: print the URI a Jitsi client would get, list what would stop it')
    .option('--json', 'with --check: one JSON object, {file, uri, findings: [{level, code, message, fix}]}')
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see docs/config.md')
    .addHelpText('after', '\nExit codes: 0 written (or the checked file is fine); 1 bad input, or --check found problems.')
    .action(writeOrCheck('dhcp-config', 'a dhcpd.conf', generate, (file, flags: DhcpConfigFlags) => check(file, flags.format, flags.json === true)));
}
