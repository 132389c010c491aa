import type { Command } from 'commander';
import { advertiseVia, type ViaAdvertisement, type ViaEvent } from '../via/advertise-via.js';
import { pick } from '../config/config-file.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { newClientLines } from './client-lines.js';
import { action, collect, EXIT_ERROR, EXIT_OK, portFlag, readConfig, templateSetting, viaOption, warn } from './common.js';
import { keepYoungGenerationSmall, withoutOptimizingCompiler } from './long-running.js';
import { formatEvent, isJournalStream, writeEvent, type Level } from './output.js';
import { escapeControls, jsonLine } from '../util/printable.js';
import { withoutZone } from '../util/network-interfaces.js';

interface AdvertiseFlags {
  config?: string;
  interface?: string[];
  port?: string;
  host?: string;
  address?: string[];
  name?: string;
  json?: boolean;
  exitOnConflict?: boolean;
  via?: string;
}

function where(interfaces: readonly { name: string; addresses: readonly string[] }[]): string {
  return interfaces.map((i) => `${i.name} (${i.addresses.join(', ')})`).join('; ');
}

/** One human line; what came from the network in it (names, TXT, error texts) cannot move the cursor or start a line. */
function describe(e: ViaEvent): string {
  return escapeControls(describeEvent(e));
}

function describeEvent(e: ViaEvent): string {
  switch (e.event) {
    case 'announced': {
      const parts = [];
      if (e.instance !== undefined) parts.push(`advertising "${e.instance}" (${e.type}, SRV ${e.host}:${e.port}) on ${where(e.interfaces)}`);
      if (e.dhcp) parts.push(`answering DHCPINFORM for option 224 on UDP ${e.dhcp.port} (${e.dhcp.interfaces.join(', ')})`);
      return `${parts.join('; ')}: ${e.template}`;
    }
    case 'send-error':
      return `send error on ${e.interface}: ${e.error}`;
    case 'error':
      return `error: could not handle a packet from ${e.from} on ${e.interface}: ${e.error}; still advertising`;
    case 'conflict':
      return e.action === 'stopped' ? `conflict: ${e.message}; stopped advertising` : `conflict: ${e.message}`;
    case 'conflict-more':
      return `conflict: ${e.message}`;
    case 'conflict-quiet':
      return `conflict over: ${e.message}`;
    case 'query': {
      const asked = [...new Set(e.questions.map((q) => q.type))].join('+');
      return `client ${e.from} on ${e.interface} asked (${asked}); answered by ${e.answered.join(' + ')}`;
    }
    case 'shared-socket':
      return `warning: ${e.message}`;
    case 'interfaces-changed':
      return e.interfaces.length === 0
        ? 'no usable interface left; waiting for one to come up'
        : `interfaces changed; probed and announced again on ${where(e.interfaces)}`;
    case 'goodbye': {
      const p = e.packets;
      return `goodbye sent for "${e.instance}"; stopped (${p.received} packets received, ${p.sent} sent; dropped: ${p.malformed} malformed, ${p.offLink} off-link; ${p.faults} faults)`;
    }
    case 'dhcp-inform':
      return `DHCP: answered ${e.mac} at ${e.address} on ${e.interface}${e.relay ? ` through the relay ${e.relay}` : ''}`;
    case 'dhcp-send-error':
      return `DHCP send error to ${e.address}: ${e.error}`;
    case 'dhcp-error':
      return `error: DHCP: could not handle a packet from ${e.address}: ${e.error}; still answering`;
    case 'dhcp-closed': {
      const p = e.packets;
      return `DHCP stopped (${p.received} packets received, ${p.answered} answered; dropped: ${p.malformed} malformed, ${p.ignored} not an INFORM for option 224, ${p.offLink} off-link, ${p.limited} over the per-client rate; ${p.faults} faults)`;
    }
  }
}

/** Human mode: a line per new client (Bonjour asker or DHCP client), rate-limited. */
export function clientLines(write: (line: string) => void): (e: ViaEvent) => void {
  const bonjour = newClientLines<ViaEvent & { event: 'query' }>(write, {
    key: (e) => `${e.interface}|${withoutZone(e.from)}`,
    line: describe,
    untold: (n, s) => `Bonjour: ${n} more new client(s) asked in the last ${s} s (not listed)`,
  });
  const dhcp = newClientLines<ViaEvent & { event: 'dhcp-inform' }>(write, {
    key: (e) => `${e.mac}/${e.address}`,
    line: describe,
    untold: (n, s) => `DHCP: ${n} more new client(s) answered in the last ${s} s (not listed)`,
  });
  return (e) => {
    if (e.event === 'query') bonjour(e);
    else if (e.event === 'dhcp-inform') dhcp(e);
  };
}

/** Events printed on stderr whatever the mode, at their level: a fault of provdisc's own is an error. */
const TROUBLE: ReadonlyMap<ViaEvent['event'], Level> = new Map<ViaEvent['event'], Level>([
  ['send-error', 'warning'],
  ['conflict', 'warning'],
  ['conflict-more', 'warning'],
  ['conflict-quiet', 'warning'],
  ['dhcp-send-error', 'warning'],
  ['shared-socket', 'warning'],
  ['error', 'error'],
  ['dhcp-error', 'error'],
]);

/**
 * How advertise and serve (with `via`) print what the advertisement does: JSON lines, or a line per
 * event with clients rate-limited; trouble always on stderr too, since a --json reader may not be a person.
 * `out` takes the stdout text: serve gives its batched writer, so that a line per answered question
 * costs no write of its own and keeps its place among the request lines.
 */
export function viaEventPrinter(json: boolean, out: (text: string) => void = (text) => process.stdout.write(text)): (e: ViaEvent) => void {
  const journal = isJournalStream('stdout');
  const info = (line: string) => out(formatEvent('info', [line], journal));
  const newClient = clientLines(info);
  return (e) => {
    const trouble = TROUBLE.get(e.event);
    if (trouble) writeEvent('stderr', trouble, `provdisc: ${describe(e)}`);
    if (json) out(jsonLine(e));
    else if (e.event === 'query' || e.event === 'dhcp-inform') newClient(e);
    else if (!trouble) info(describe(e));
  };
}

export function registerAdvertiseCommand(program: Command): void {
  program
    .command('advertise')
    .description(`publish the provisioning URI template as the mDNS service "${JITSI_INSTANCE_NAME}" and/or in DHCP option 224 until Ctrl-C`)
    .argument('[template]', "provisioning URI template, e.g. 'https://host/prov.php?user=${username}'")
    .option('-i, --interface <name>', 'interface to advertise on (repeatable; default: every usable one)', collect)
    .option('-p, --port <port>', "SRV port (default: the template's port, else 443 for https, 80 for http)")
    .option('--host <name>', "SRV target host name (default: this machine's <hostname>.local)")
    .option('--address <ip>', 'with --host naming another machine: publish this address for it (repeatable)', collect)
    .option('--name <instance>', `instance name (Jitsi only looks for "${JITSI_INSTANCE_NAME}")`)
    .option('--via <methods>', 'bonjour, dhcp, or bonjour,dhcp (default bonjour): dhcp answers DHCPINFORM on UDP 6767 as Jitsi asks')
    .option('--json', 'one JSON object per line on stdout; the first is {"event":"announced",…}')
    .option('--exit-on-conflict', 'stop (exit 1) when another host answers for the name after the announcement, instead of re-asserting the records')
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see docs/config.md')
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped by Ctrl-C/SIGTERM after sending goodbyes; 1 bad input, the name held by another host at start\n' +
        '(or later, with --exit-on-conflict) or a runtime error.',
    )
    .action(
      action(async (templateArg: string | undefined, flags: AdvertiseFlags) => {
        const config = readConfig(flags.config, 'advertise');
        const template = templateSetting(templateArg, config, "advertise 'https://host/provisioning.php?username=${username}'");
        const via = viaOption(flags.via, config);
        const print = viaEventPrinter(flags.json === true);
        keepYoungGenerationSmall();
        if (!via.includes('dhcp')) withoutOptimizingCompiler();
        // handlers go in before anything is sent: a signal during probing still ends with goodbyes
        let ad: ViaAdvertisement | undefined;
        let stopRequested = false;
        const stop = () => {
          stopRequested = true;
          void ad?.close();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          ad = await advertiseVia(
            {
              template,
              via,
              name: pick(flags.name, config.name),
              host: pick(flags.host, config.host),
              port: pick(portFlag(flags.port), config.port),
              addresses: pick(flags.address, config.address),
              interfaces: pick(flags.interface, config.interface),
              exitOnConflict: pick(flags.exitOnConflict, config.exitOnConflict),
              warn,
            },
            print,
          );
          if (stopRequested) void ad.close();
          const end = await ad.finished;
          return end.event === 'conflict' ? EXIT_ERROR : EXIT_OK;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
}
