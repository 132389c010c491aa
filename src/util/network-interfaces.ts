/**
 * The interfaces mDNS runs on, and which of them a packet came in on. Node gives no IP_PKTINFO, so the
 * receiving interface is found from the source address: RFC 6762 §11 only accepts packets from a
 * directly connected subnet anyway, and an IPv6 link-local source carries its interface as a zone.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { setting, UsageError } from './errors.js';

export interface InterfaceAddress {
  readonly address: string;
  readonly netmask: string;
  readonly family: 4 | 6;
  /** IPv6 zone index (non-zero for link-local addresses). */
  readonly scopeid: number;
}

export interface NetInterface {
  readonly name: string;
  readonly mac: string;
  readonly ipv4: readonly InterfaceAddress[];
  readonly ipv6: readonly InterfaceAddress[];
}

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const IFF_MULTICAST = 0x1000;

/** Linux tells whether an interface is up and multicast-capable; elsewhere, trust os.networkInterfaces. */
function linuxFlags(name: string): number | undefined {
  try {
    return Number.parseInt(fs.readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
  } catch {
    return undefined;
  }
}

function usable(name: string, addrs: os.NetworkInterfaceInfo[]): boolean {
  const flags = linuxFlags(name);
  if (flags === undefined) return addrs.every((a) => !a.internal);
  return (flags & IFF_UP) !== 0 && (flags & IFF_MULTICAST) !== 0 && (flags & IFF_LOOPBACK) === 0;
}

function toInterface(name: string, addrs: os.NetworkInterfaceInfo[]): NetInterface {
  const list = (family: 4 | 6): InterfaceAddress[] =>
    addrs
      .filter((a) => (family === 4 ? a.family === 'IPv4' : a.family === 'IPv6'))
      .map((a) => ({ address: a.address, netmask: a.netmask, family, scopeid: a.family === 'IPv6' ? (a.scopeid ?? 0) : 0 }));
  return { name, mac: addrs[0]?.mac ?? '00:00:00:00:00:00', ipv4: list(4), ipv6: list(6) };
}

/** Every up, multicast-capable, non-loopback interface that has an address. */
export function listInterfaces(): NetInterface[] {
  return Object.entries(os.networkInterfaces())
    .filter((entry): entry is [string, os.NetworkInterfaceInfo[]] => entry[1] !== undefined && entry[1].length > 0)
    .filter(([name, addrs]) => usable(name, addrs))
    .map(([name, addrs]) => toInterface(name, addrs));
}

/** The interfaces named (or all usable ones); a name that is missing or unusable is the user's mistake. */
export function selectInterfaces(names?: readonly string[]): NetInterface[] {
  const all = listInterfaces();
  if (!names || names.length === 0) {
    if (all.length === 0) {
      throw new UsageError(
        'no usable network interface: none is up, multicast-capable and has an address',
        `connect to the network, or name one with ${setting('interfaces')}`,
        'no-interface',
      );
    }
    return all;
  }
  return names.map((name) => {
    const found = all.find((i) => i.name === name);
    if (found) return found;
    const exists = os.networkInterfaces()[name] !== undefined || linuxFlags(name) !== undefined;
    throw new UsageError(
      exists
        ? `interface "${name}" cannot carry mDNS (it is down, loopback, not multicast-capable or has no address)`
        : `there is no interface named "${name}"`,
      `choose one of: ${all.map((i) => i.name).join(', ') || '(none usable)'}`,
      'no-interface',
    );
  });
}

/** `address` without its IPv6 zone (`fe80::1%eth0` → `fe80::1`): an address record, a URL or a comparison takes none. */
export function withoutZone(address: string): string {
  const at = address.indexOf('%');
  return at === -1 ? address : address.slice(0, at);
}

/** A dotted quad as an unsigned 32-bit number. */
export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function ipv4ToGroups(address: string): number[] {
  const n = ipv4ToInt(address);
  return [n >>> 16, n & 0xffff];
}

/**
 * The eight 16-bit groups of an IPv6 address, `::` filled and an IPv4 tail (`::ffff:192.0.2.7`) turned
 * into two groups; a zone is ignored. Undefined when it is not an IPv6 address.
 */
export function expandIpv6(address: string): number[] | undefined {
  const plain = withoutZone(address);
  if (!net.isIPv6(plain)) return undefined;
  const groups = (part: string | undefined): number[] =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ipv4ToGroups(g) : [Number.parseInt(g, 16)])) : [];
  const [head, tail] = plain.split('::');
  const left = groups(head);
  if (tail === undefined) return left;
  const right = groups(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * True when IPv4 `address` is the network or broadcast address of `a`'s subnet: no host has it
 * (a /31 or /32 has neither, RFC 3021).
 */
export function isSubnetEdge(address: string, a: InterfaceAddress): boolean {
  const mask = ipv4ToInt(a.netmask);
  if (mask >>> 0 >= 0xfffffffe) return false;
  const host = ipv4ToInt(address) & ~mask;
  return host === 0 || host === ~mask;
}

/** True when `address` is on the subnet of the interface address `a`. */
export function onSubnet(address: string, a: InterfaceAddress): boolean {
  if (a.family === 4) {
    const mask = ipv4ToInt(a.netmask);
    return (ipv4ToInt(address) & mask) === (ipv4ToInt(a.address) & mask);
  }
  const x = expandIpv6(address);
  const y = expandIpv6(a.address);
  const m = expandIpv6(a.netmask);
  if (!x || !y || !m) return false;
  return x.every((group, i) => {
    // all three are eight groups (net.isIPv6 checked them); a missing one would count as 0, as in `&`
    const mask = m[i] ?? 0;
    return (group & mask) === ((y[i] ?? 0) & mask);
  });
}

/**
 * The interface a packet from `source` arrived on, or undefined when the source is not on any
 * directly connected subnet (RFC 6762 §11: such packets are ignored).
 */
export function interfaceForSource(interfaces: readonly NetInterface[], source: string): NetInterface | undefined {
  const zone = /%(.+)$/.exec(source)?.[1];
  // a numeric zone is the scope id of the interface's link-local addresses, which need not come first
  if (zone !== undefined) return interfaces.find((i) => i.name === zone || i.ipv6.some((a) => a.scopeid !== 0 && String(a.scopeid) === zone));
  const family = net.isIPv4(source) ? 4 : 6;
  return interfaces.find((i) => (family === 4 ? i.ipv4 : i.ipv6).some((a) => onSubnet(source, a)));
}

export function isLinkLocalIpv6(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}
