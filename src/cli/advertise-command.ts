import type { Command } from 'commander';
import { advertise, type AdvertiseEvent, type Advertisement } from '../bonjour/advertise.js';
import { pick } from '../config/config-file.js';
import { UsageError } from '../util/errors.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { action, collect, EXIT_ERROR, EXIT_OK, portFlag, readConfig, warn } from './common.js';
import { keepYoungGenerationSmall } from './long-running.js';

interface AdvertiseFlags {
  config?: string;
  interface?: string[];
  port?: string;
  host?: string;
  address?: string[];
  name?: string;
  json?: boolean;
}

function describe(e: AdvertiseEvent): string {
  switch (e.event) {
    case 'announced': {
      const where = e.interfaces.map((i) => `${i.name} (${i.addresses.join(', ')})`).join('; ');
      return `advertising "${e.instance}" (${e.type}, SRV ${e.host}:${e.port}) on ${where}: ${e.template}`;
    }
    case 'send-error':
      return `send error on ${e.interface}: ${e.error}`;
    case 'conflict':
      return `conflict: ${e.message}; stopped advertising`;
    case 'interfaces-changed':
      return e.interfaces.length === 0
        ? 'no usable interface left; waiting for one to come up'
        : `interfaces changed; probed and announced again on ${e.interfaces.map((i) => `${i.name} (${i.addresses.join(', ')})`).join('; ')}`;
    case 'goodbye': {
      const p = e.packets;
      return `goodbye sent for "${e.instance}"; stopped (${p.received} packets received, ${p.sent} sent; dropped: ${p.malformed} malformed, ${p.offLink} off-link)`;
    }
  }
}

export function registerAdvertiseCommand(program: Command): void {
  program
    .command('advertise')
    .description(`publish the provisioning URI template as the mDNS service "${JITSI_INSTANCE_NAME}" until Ctrl-C`)
    .argument('[template]', "provisioning URI template, e.g. 'https://host/prov.php?user=${username}'")
    .option('-i, --interface <name>', 'interface to advertise on (repeatable; default: every usable one)', collect)
    .option('-p, --port <port>', "SRV port (default: the template's port, else 443 for https, 80 for http)")
    .option('--host <name>', "SRV target host name (default: this machine's <hostname>.local)")
    .option('--address <ip>', 'with --host naming another machine: publish this address for it (repeatable)', collect)
    .option('--name <instance>', `instance name (Jitsi only looks for "${JITSI_INSTANCE_NAME}")`)
    .option('--json', 'one JSON object per line on stdout; the first is {"event":"announced",…}')
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see the README')
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped by Ctrl-C/SIGTERM after sending goodbyes; 1 bad input, a name conflict or a runtime error.',
    )
    .action(
      action(async (templateArg: string | undefined, flags: AdvertiseFlags) => {
        const config = readConfig(flags.config, 'advertise');
        const template = pick(templateArg, config.template);
        if (!template) {
          throw new UsageError(
            'no URI template given',
            "pass one: provdisc advertise 'https://host/provisioning.php?username=${username}', or set template in the --config file",
          );
        }
        const print = (e: AdvertiseEvent) => {
          const trouble = e.event === 'send-error' || e.event === 'conflict';
          // trouble is always told on stderr too: a --json reader may not be a person
          if (trouble) process.stderr.write(`provdisc: ${describe(e)}\n`);
          if (flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else if (!trouble) process.stdout.write(`${describe(e)}\n`);
        };
        keepYoungGenerationSmall();
        // handlers go in before anything is sent: a signal during probing still ends with goodbyes
        let ad: Advertisement | undefined;
        let stopRequested = false;
        const stop = () => {
          stopRequested = true;
          void ad?.close();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          ad = await advertise(
            {
              template,
              name: pick(flags.name, config.name),
              host: pick(flags.host, config.host),
              port: pick(portFlag(flags.port), config.port),
              addresses: pick(flags.address, config.address),
              interfaces: pick(flags.interface, config.interface),
              warn,
            },
            print,
          );
          if (stopRequested) void ad.close();
          const end = await ad.finished;
          return end.event === 'goodbye' ? EXIT_OK : EXIT_ERROR;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
}
