import type { Command } from 'commander';
import { discover, disagreements, type DiscoveredService } from '../bonjour/discover.js';
import { pick } from '../config/config-file.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { action, collect, EXIT_NOT_FOUND, EXIT_OK, millisecondsFlag, readConfig, warn } from './common.js';

interface DiscoverFlags {
  config?: string;
  timeout?: string;
  all?: boolean;
  json?: boolean;
  interface?: string[];
  name?: string;
}

function describe(s: DiscoveredService): string {
  const addresses = s.addresses.length > 0 ? s.addresses.join(', ') : 'no address';
  return `${s.template}\n  ${s.instance} (${s.type}) from ${s.from} on ${s.interface}: SRV ${s.host}:${s.port} (${addresses})`;
}

function toJson(s: DiscoveredService) {
  return {
    template: s.template,
    instance: s.instance,
    type: s.type,
    host: s.host,
    port: s.port,
    addresses: s.addresses,
    txt: s.txt,
    interface: s.interface,
    from: s.from,
    complete: s.complete,
  };
}

export function registerDiscoverCommand(program: Command): void {
  program
    .command('discover')
    .description(`find "${JITSI_INSTANCE_NAME}" over mDNS as a Jitsi client does and print its URI template`)
    .option('-t, --timeout <ms>', 'how long to wait at most (default 3000)')
    .option('--all', 'wait the whole timeout and list every advertiser; warn when they disagree')
    .option('--json', 'print a JSON object (an array with --all)')
    .option('-i, --interface <name>', 'interface to ask on (repeatable; default: every usable one)', collect)
    .option('--name <instance>', `instance name to look for (default "${JITSI_INSTANCE_NAME}")`)
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see the README')
    .addHelpText(
      'after',
      '\nExit codes:\n  0  found (a complete answer: SRV, TXT and an address)\n  1  usage or runtime error\n  2  nothing complete found before the timeout',
    )
    .action(
      action(async (flags: DiscoverFlags) => {
        const config = readConfig(flags.config, 'discover');
        const name = pick(flags.name, config.name);
        const found = await discover({
          timeoutMs: pick(millisecondsFlag('--timeout', flags.timeout), config.timeout),
          all: flags.all,
          interfaces: pick(flags.interface, config.interface),
          name,
        });
        const complete = found.filter((s) => s.complete);
        for (const s of found.filter((x) => !x.complete)) {
          warn(`${s.from} advertises ${s.template} but no address answered for ${s.host}: a Jitsi client would not resolve it`);
        }
        const conflicting = disagreements(found);
        if (conflicting.length > 0) {
          warn(
            `${conflicting.length} advertisers disagree: ${conflicting.join(' | ')}; a second advertiser on a LAN is a misconfiguration or an attack`,
          );
        }
        const shown = flags.all ? found : complete.slice(0, 1);
        if (flags.json) process.stdout.write(`${JSON.stringify(flags.all ? shown.map(toJson) : shown.map(toJson)[0] ?? null)}\n`);
        else if (flags.all) for (const s of shown) process.stdout.write(`${describe(s)}\n`);
        else if (shown[0]) process.stdout.write(`${shown[0].template}\n`);
        if (complete.length === 0) {
          if (!flags.json) process.stderr.write(`provdisc: nothing found: no complete answer for "${name ?? JITSI_INSTANCE_NAME}" on _https._tcp or _http._tcp\n`);
          return EXIT_NOT_FOUND;
        }
        return EXIT_OK;
      }),
    );
}
