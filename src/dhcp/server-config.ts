/**
 * Configuration for the DHCP servers admins run, made to answer Jitsi's DHCPINFORM on port 6767 with
 * the URI in option 224 and to hand out nothing else: ISC dhcpd (the guide's dhcpd.conf), Kea and
 * dnsmasq. Each file says how to run it beside the site's own DHCP server (ports 6767/6768 instead
 * of 67/68, no address pool). Pure: text in, text out.
 */
import { setting, UsageError } from '../util/errors.js';
import { ipv4ToInt } from '../util/network-interfaces.js';
import { JITSI_CLIENT_PORT, JITSI_SERVER_PORT } from './codec.js';
import { uriOptionBytes } from './uri-option.js';

export const DHCP_CONFIG_FORMATS = ['isc', 'kea', 'dnsmasq'] as const;
export type DhcpConfigFormat = (typeof DHCP_CONFIG_FORMATS)[number];

export interface Ipv4Subnet {
  /** Network address (host bits cleared). */
  readonly network: string;
  readonly prefixLength: number;
  readonly netmask: string;
}

export interface DhcpConfigOptions {
  readonly template: string;
  readonly format: DhcpConfigFormat;
  readonly subnet: Ipv4Subnet;
  /** The interface the server listens on; default every one (ISC: its command line, Kea: "*"). */
  readonly interface?: string | undefined;
}

/** The option's name in ISC's and Kea's files (the guide's `sc-pserv`). */
export const ISC_OPTION_NAME = 'sc-pserv';

function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** `192.168.0.0/24` checked: a dotted-quad network whose host bits are zero, prefix 1–32. */
export function parseSubnet(text: string, what = setting('subnet')): Ipv4Subnet {
  const [, dotted, bits] = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim()) ?? [];
  const prefix = Number(bits);
  if (dotted === undefined || dotted.split('.').some((p) => Number(p) > 255) || prefix < 1 || prefix > 32) {
    throw new UsageError(`${what} is "${text}", not an IPv4 subnet`, 'write it as NETWORK/PREFIX, e.g. 192.168.0.0/24', 'invalid-setting');
  }
  const mask = (~0 << (32 - prefix)) >>> 0;
  const address = ipv4ToInt(dotted);
  const network = (address & mask) >>> 0;
  if (network !== address) {
    throw new UsageError(`${what} "${text}" has host bits set`, `the network is ${toAddress(network)}/${prefix}`, 'invalid-setting');
  }
  return { network: toAddress(network), prefixLength: prefix, netmask: toAddress(mask) };
}

/** ISC dhcpd string: `"` and `\` escaped, bytes outside printable ASCII as octal (conflex.c reads \NNN). */
export function iscString(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

/**
 * Kea option data: its CSV parser reads `\,` as a comma and `\\` as a backslash (seen with kea-dhcp4
 * 2.2: an unescaped `\\` reached the client as one `\`), then the whole is a JSON string.
 */
export function keaString(value: string): string {
  return JSON.stringify(value.replace(/[\\,]/g, (c) => `\\${c}`));
}

/** dnsmasq: a quoted value keeps its commas; `"` and `\` take a backslash. */
export function dnsmasqString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function header(lines: readonly string[], comment: string): string {
  return lines.map((l) => (l === '' ? comment : `${comment} ${l}`)).join('\n');
}

function renderIsc(o: DhcpConfigOptions): string {
  const iface = o.interface ? ` ${o.interface}` : '';
  return `${header(
    [
      'Jitsi provisioning over DHCP: answers DHCPINFORM on UDP 6767 with the URI in option 224.',
      'Written by provdisc dhcp-config; it hands out no addresses (the subnet has no range).',
      '',
      "Run it beside the site's own DHCP server, which keeps ports 67/68; -p 6767 makes this one",
      'listen on 6767 and answer on 6768, the ports Jitsi uses:',
      `  dhcpd -4 -f -p ${JITSI_SERVER_PORT} -cf /etc/dhcp/dhcpd-jitsi.conf -pf /run/dhcpd-jitsi.pid -lf /var/lib/dhcp/dhcpd-jitsi.leases${iface}`,
      'dhcpd only listens on interfaces with a subnet declared below (its address must be in it).',
      'Check it with: dhcpd -t -cf /etc/dhcp/dhcpd-jitsi.conf, or provdisc dhcp-config --check FILE',
    ],
    '#',
  )}

# provisioning option definition
option ${ISC_OPTION_NAME} code 224 = text;
option ${ISC_OPTION_NAME} ${iscString(o.template)};

# dhcpd answers a DHCPINFORM only from a client of a subnet it is authoritative for
subnet ${o.subnet.network} netmask ${o.subnet.netmask} {
  authoritative;
}
`;
}

function renderKea(o: DhcpConfigOptions): string {
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: [o.interface ?? '*'] },
      'lease-database': { type: 'memfile', persist: false },
      'option-def': [{ name: ISC_OPTION_NAME, code: 224, type: 'string', space: 'dhcp4' }],
      'option-data': [{ name: ISC_OPTION_NAME, data: '@DATA@' }],
      subnet4: [{ id: 1, subnet: `${o.subnet.network}/${o.subnet.prefixLength}` }],
    },
  };
  const json = JSON.stringify(config, null, 2).replace('"@DATA@"', keaString(o.template));
  return `${header(
    [
      'Jitsi provisioning over DHCP: answers DHCPINFORM on UDP 6767 with the URI in option 224.',
      'Written by provdisc dhcp-config; it hands out no addresses (the subnet has no pool).',
      '',
      "Run it beside the site's own DHCP server, which keeps ports 67/68: -p sets the server",
      'port, -P the port answers go to (Jitsi listens on 6768):',
      `  kea-dhcp4 -p ${JITSI_SERVER_PORT} -P ${JITSI_CLIENT_PORT} -c /etc/kea/kea-dhcp4-jitsi.conf`,
      'A second kea-dhcp4 on the machine needs its own pid file: set KEA_PIDFILE_DIR.',
      'Check it with: kea-dhcp4 -t /etc/kea/kea-dhcp4-jitsi.conf',
    ],
    '//',
  )}
${json}
`;
}

function renderDnsmasq(o: DhcpConfigOptions): string {
  const lines = [
    header(
      [
        'Jitsi provisioning over DHCP: answers DHCPINFORM on UDP 6767 with the URI in option 224.',
        'Written by provdisc dhcp-config; it hands out no addresses (a static range, no hosts).',
        '',
        "Run it beside the site's own DHCP server, which keeps ports 67/68:",
        '  dnsmasq --keep-in-foreground --conf-file=/etc/dnsmasq-jitsi.conf --pid-file=/run/dnsmasq-jitsi.pid',
        'Check it with: dnsmasq --test --conf-file=/etc/dnsmasq-jitsi.conf',
        'dnsmasq drops a DHCPINFORM whose ciaddr is 0; Jitsi always fills it.',
      ],
      '#',
    ),
    '',
    '# no DNS: this dnsmasq only answers Jitsi',
    'port=0',
    '# listen on 6767, answer on 6768 (Jitsi) instead of 67/68',
    `dhcp-alternate-port=${JITSI_SERVER_PORT},${JITSI_CLIENT_PORT}`,
    ...(o.interface ? [`interface=${o.interface}`, 'bind-dynamic'] : []),
    `dhcp-range=${o.subnet.network},static,${o.subnet.netmask}`,
    '# no lease is ever made: no lease file either',
    'leasefile-ro',
    '# force: sent even to a client that did not ask for it (Jitsi does ask)',
    `dhcp-option-force=224,${dnsmasqString(o.template)}`,
  ];
  return `${lines.join('\n')}\n`;
}

const RENDERERS: Record<DhcpConfigFormat, (o: DhcpConfigOptions) => string> = { isc: renderIsc, kea: renderKea, dnsmasq: renderDnsmasq };

/** The file for `format`; throws UsageError for a bad template or a URI over 255 bytes. */
export function renderDhcpConfig(o: DhcpConfigOptions, warn?: (m: string) => void): string {
  uriOptionBytes(o.template, warn);
  return RENDERERS[o.format](o);
}

export function parseFormat(text: string): DhcpConfigFormat {
  const f = text.trim().toLowerCase();
  if (!(DHCP_CONFIG_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`${setting('format')} is "${text}", not a format provdisc writes`, `use one of: ${DHCP_CONFIG_FORMATS.join(', ')}`, 'invalid-setting');
  }
  return f as DhcpConfigFormat;
}
