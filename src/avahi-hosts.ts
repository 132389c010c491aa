/**
 * Avahi's static hosts file (/etc/avahi/hosts): `ADDRESS NAME` per line, `#` starts a comment. Read
 * the way avahi-daemon's static-hosts.c reads it: a line with a missing name or extra words stops the
 * daemon from reading the rest of the file.
 */
import net from 'node:net';
import os from 'node:os';
import { UsageError, type WarningSink } from './errors.js';
import { expandIpv6 } from './network-interfaces.js';

/** The comment the Jitsi provisioning guide puts above the line; a new file starts with it. */
export const HOSTS_FILE_HEADER = '# enter the IP address of the provisioning server\n';

export interface HostsEntry {
  readonly address: string;
  readonly name: string;
  /** 1-based. */
  readonly line: number;
}

export interface HostsFile {
  readonly entries: readonly HostsEntry[];
  /** The first line Avahi stops at, if any: every entry after it is ignored. */
  readonly stop: { readonly line: number; readonly reason: string } | undefined;
}

export function hostsLine(address: string, name: string): string {
  return `${address} ${name}`;
}

function words(line: string): string[] {
  const content = line.replace(/#.*$/, '').trim();
  return content === '' ? [] : content.split(/[ \t]+/);
}

export function parseHostsFile(text: string): HostsFile {
  const entries: HostsEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const w = words(lines[i] ?? '');
    if (w.length === 0) continue;
    if (w.length !== 2) {
      const reason = w.length === 1 ? 'an address without a name' : 'more than an address and one name';
      return { entries, stop: { line: i + 1, reason } };
    }
    entries.push({ address: w[0] ?? '', name: w[1] ?? '', line: i + 1 });
  }
  return { entries, stop: undefined };
}

/** Host names are compared ignoring case, as DNS does. */
export function lookupHost(file: HostsFile, name: string): HostsEntry | undefined {
  return file.entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
}

/**
 * The hosts file with exactly one line for `name`: the first existing line for it is replaced in
 * place, later ones removed (Avahi would publish the name twice); every other line is kept as is.
 */
export function upsertHostsLine(text: string | undefined, address: string, name: string): string {
  const line = hostsLine(address, name);
  if (text === undefined || text === '') return HOSTS_FILE_HEADER + line + '\n';
  const lines = text.split('\n');
  let replaced = false;
  const out = lines.flatMap((l) => {
    const w = words(l);
    if (w.length !== 2 || w[1]?.toLowerCase() !== name.toLowerCase()) return [l];
    if (replaced) return [];
    replaced = true;
    return [line];
  });
  if (replaced) return out.join('\n');
  return `${text}${text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

const LABEL = /^[^\s\x00-\x1F\x7F.#]+$/;

/**
 * Checks a host name given with `--host`, for an SRV target, `<host-name>` or the hosts file: a full
 * name (nothing appends .local), labels of 1 to 63 bytes with no space or `#` (a comment in the hosts
 * file), 253 bytes in all. Warns when it is not under .local, the only domain mDNS clients ask for.
 */
export function checkHostName(name: string, warn?: WarningSink): void {
  const labels = name.split('.');
  const bad = labels.find((l) => !LABEL.test(l) || Buffer.byteLength(l) > 63);
  if (labels.length < 2 || bad !== undefined || Buffer.byteLength(name) > 253) {
    throw new UsageError(
      `--host "${name}" is not a full host name`,
      'give the whole name, dot-separated labels of 1 to 63 characters without spaces or "#", e.g. provisioning.local (.local is not appended)',
    );
  }
  if (!/\.local$/i.test(name) && warn) {
    warn(`--host "${name}" does not end in .local: it is published as written, and a Jitsi client only resolves .local names over mDNS`);
  }
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Checks an address given with `--address` for another machine; loopback (in any spelling, IPv4-mapped
 * too) would send every client to itself.
 */
export function checkHostAddress(address: string): void {
  const family = net.isIP(address);
  if (family === 0) {
    throw new UsageError(`--address "${address}" is not an IPv4 or IPv6 address`, 'give the provisioning server\'s address, e.g. 192.168.0.254');
  }
  // net.isIP takes fe80::1%eth0, but an address record has no zone and Avahi's parser refuses one
  const zone = /%.*$/.exec(address)?.[0];
  if (zone !== undefined) {
    throw new UsageError(`--address "${address}" has a zone (${zone}), which an address record cannot carry`, `give it without ${zone}`);
  }
  if (LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    throw new UsageError(`--address ${address} is a loopback address: every client would connect to itself`, "give the provisioning server's LAN address");
  }
}

/** One spelling per address, so fd00:0::2 and FD00::2 compare equal. */
function canonical(address: string): string {
  return expandIpv6(address)?.join(':') ?? address;
}

/** True when `address` is one of this machine's own (non-loopback) addresses. */
export function isOwnAddress(address: string, interfaces = os.networkInterfaces()): boolean {
  const wanted = canonical(address);
  return Object.values(interfaces).some((list) => (list ?? []).some((a) => !a.internal && canonical(a.address) === wanted));
}
