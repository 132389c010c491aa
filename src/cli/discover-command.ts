import type { Command } from 'commander';
import type { DiscoveryMethod } from '../via/methods.js';
import type { DiscoveredService } from '../bonjour/discover.js';
import type { DhcpDiscovered } from '../dhcp/discover.js';
import { viaDisagreements } from '../via/disagreement.js';
import { discoverVia } from '../via/discover-via.js';
import { pick } from '../config/config-file.js';
import { JITSI_INSTANCE_NAME } from '../template/template.js';
import { escapeControls, jsonLine } from '../util/printable.js';
import { action, collect, EXIT_NOT_FOUND, EXIT_OK, millisecondsFlag, readConfig, viaOption, warn } from './common.js';

interface DiscoverFlags {
  config?: string;
  timeout?: string;
  all?: boolean;
  json?: boolean;
  interface?: string[];
  name?: string;
  via?: string;
}

function describe(s: DiscoveredService): string {
  const addresses = s.addresses.length > 0 ? s.addresses.join(', ') : 'no address';
  return `${escapeControls(s.template)}\n  ${escapeControls(s.instance)} (${s.type}) from ${s.from} on ${s.interface}: SRV ${escapeControls(s.host)}:${s.port} (${addresses})`;
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

function describeDhcp(d: DhcpDiscovered): string {
  return `${escapeControls(d.uri)}\n  DHCP option 224 from ${d.from} to ${d.address} on ${d.interface} (${d.elapsedMs} ms)`;
}

const NOTHING: Record<DiscoveryMethod, (name: string) => string> = {
  bonjour: (name) => `no complete answer for "${name}" on _https._tcp or _http._tcp`,
  dhcp: () => 'no DHCPACK with option 224 on UDP 6768',
};

export function registerDiscoverCommand(program: Command): void {
  program
    .command('discover')
    .description(`find the provisioning URI as a Jitsi client does (Bonjour: "${JITSI_INSTANCE_NAME}" over mDNS; DHCP: option 224) and print it`)
    .option('-t, --timeout <ms>', 'how long to wait at most (default 3000)')
    .option('--via <methods>', 'bonjour, dhcp, or bonjour,dhcp to ask both at once (default bonjour)')
    .option('--all', 'wait the whole timeout and list every advertiser; warn when they disagree')
    .option('--json', 'print a JSON object (an array with --all; with two methods, an object per method)')
    .option('-i, --interface <name>', 'interface to ask on (repeatable; default: every usable one)', collect)
    .option('--name <instance>', `Bonjour instance name to look for (default "${JITSI_INSTANCE_NAME}")`)
    .option('-c, --config <file>', 'read settings from this ini file (flags win); see docs/config.md')
    .addHelpText(
      'after',
      '\nExit codes:\n  0  found (Bonjour: SRV, TXT and an address; DHCP: an ACK with option 224), by every method asked\n  1  usage or runtime error\n  2  nothing found before the timeout (by at least one method asked)',
    )
    .action(
      action(async (flags: DiscoverFlags) => {
        const config = readConfig(flags.config, 'discover');
        const name = pick(flags.name, config.name);
        const via = viaOption(flags.via, config);
        const found = await discoverVia({
          via,
          timeoutMs: pick(millisecondsFlag('--timeout', flags.timeout), config.timeout),
          all: flags.all,
          interfaces: pick(flags.interface, config.interface),
          name,
          warn,
        });
        const bonjour = found.bonjour ?? [];
        const complete = bonjour.filter((s) => s.complete);
        for (const s of bonjour.filter((x) => !x.complete)) {
          warn(`${s.from} advertises ${escapeControls(s.template)} but no address answered for ${escapeControls(s.host)}: a Jitsi client would not resolve it`);
        }
        const disagree = viaDisagreements(found);
        if (disagree.bonjour.length > 0) {
          warn(
            `${disagree.bonjour.length} advertisers disagree: ${escapeControls(disagree.bonjour.join(' | '))}; a second advertiser on a LAN is a misconfiguration or an attack`,
          );
        }
        if (disagree.dhcp.length > 0) {
          warn(`${disagree.dhcp.length} DHCP servers disagree: ${escapeControls(disagree.dhcp.join(' | '))}; a Jitsi client takes whichever answers first`);
        }
        if (disagree.between) warn(`${escapeControls(disagree.between)}: the two groups of clients would be provisioned differently`);

        // a method not asked has an empty list here, and its result is never shown
        const dhcp = found.dhcp ?? [];
        const shownBonjour = flags.all ? bonjour : complete.slice(0, 1);
        const shownDhcp = flags.all ? dhcp : dhcp.slice(0, 1);
        const results: Record<DiscoveryMethod, { json: unknown; lines: string[]; ok: boolean }> = {
          bonjour: {
            json: flags.all ? shownBonjour.map(toJson) : (shownBonjour.map(toJson)[0] ?? null),
            lines: flags.all ? shownBonjour.map(describe) : shownBonjour.map((s) => escapeControls(s.template)),
            ok: complete.length > 0,
          },
          dhcp: {
            json: flags.all ? shownDhcp : (shownDhcp[0] ?? null),
            lines: flags.all ? shownDhcp.map(describeDhcp) : shownDhcp.map((d) => escapeControls(d.uri)),
            ok: dhcp.length > 0,
          },
        };
        const both = via.length > 1;
        const [first] = via;
        if (flags.json) {
          const out = !both && first !== undefined ? results[first].json : Object.fromEntries(via.map((m) => [m, results[m].json]));
          process.stdout.write(jsonLine(out));
        } else {
          for (const m of via) for (const line of results[m].lines) process.stdout.write(`${both ? `${m}: ` : ''}${line}\n`);
        }
        const silent = via.filter((m) => !results[m].ok);
        if (!flags.json)
          for (const m of silent) process.stderr.write(`provdisc: nothing found${both ? ` by ${m}` : ''}: ${NOTHING[m](name ?? JITSI_INSTANCE_NAME)}\n`);
        return silent.length === 0 ? EXIT_OK : EXIT_NOT_FOUND;
      }),
    );
}
