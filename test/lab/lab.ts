import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { LabHost, type LabInterface } from './host.js';
import { destroyNamespace, ip } from './namespaces.js';
import { claimLab, labDir, NS_PREFIX, sweepStaleLabs } from './ownership.js';
import type { SpawnedProcess } from './process.js';

/**
 * - `pair`: a — b on one link.
 * - `bridge`: a, b and c on one link through a bridge in a fourth, switch-only namespace.
 * - `two-links`: a — b on one link (a's eth0) and a — c on another (a's eth1); b and c cannot
 *   see each other.
 * - `switch`: a and `clients` client hosts c1…cN on one bridge: a building's LAN at 9:00 (the storm
 *   bench). a is .1, cI is .(1 + I).
 */
export type Topology = 'pair' | 'bridge' | 'two-links' | 'switch';

export interface LabOptions {
  topology?: Topology;
  /** Give every host a default route. Off by default: a LAN without a gateway is the hard case. */
  defaultRoute?: boolean;
  /** `switch` only: how many client hosts (1–250). */
  clients?: number;
}

export interface Lab {
  id: string;
  topology: Topology;
  hosts: LabHost[];
  /** The host with topology key `key` (a, b, c). */
  host(key: string): LabHost;
  /** Kills every process started in the lab and removes its namespaces and files. Idempotent. */
  close(): Promise<void>;
}

/** Documentation ranges (RFC 5737): one /24 per link. */
const SUBNETS = ['198.51.100', '203.0.113'] as const;
const HOST_NUMBER: Record<string, number> = { a: 1, b: 2, c: 3 };
const MAX_CLIENTS = 250;

/** a .1, b .2, c .3; a `switch` client cI is .(1 + I). */
function hostNumber(key: string): number {
  return HOST_NUMBER[key] ?? 1 + Number(key.slice(1));
}

interface LinkPlan {
  subnet: string;
  members: string[];
}

function planOf(topology: Topology, clients = 0): { hosts: string[]; links: LinkPlan[] } {
  switch (topology) {
    case 'switch': {
      if (!Number.isInteger(clients) || clients < 1 || clients > MAX_CLIENTS) throw new Error(`a switch lab takes 1–${MAX_CLIENTS} clients, not ${clients}`);
      const hosts = ['a', ...Array.from({ length: clients }, (_, i) => `c${i + 1}`)];
      return { hosts, links: [{ subnet: SUBNETS[0], members: hosts }] };
    }
    case 'pair':
      return { hosts: ['a', 'b'], links: [{ subnet: SUBNETS[0], members: ['a', 'b'] }] };
    case 'bridge':
      return { hosts: ['a', 'b', 'c'], links: [{ subnet: SUBNETS[0], members: ['a', 'b', 'c'] }] };
    case 'two-links':
      return {
        hosts: ['a', 'b', 'c'],
        links: [
          { subnet: SUBNETS[0], members: ['a', 'b'] },
          { subnet: SUBNETS[1], members: ['a', 'c'] },
        ],
      };
  }
}

/** `fn` over `items`, BATCH at a time: a switch lab has hundreds of hosts, each a few `ip` calls. */
const BATCH = 16;
async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(fn));
}

async function inNs(ns: string, args: string[]): Promise<string> {
  return ip(['netns', 'exec', ns, ...args]);
}

async function sysctl(ns: string, settings: string[]): Promise<void> {
  await inNs(ns, ['sysctl', '-q', '-w', ...settings]);
}

interface AddrInfo {
  family: string;
  local: string;
  scope: string;
  tentative?: boolean;
}

async function describeInterface(ns: string, name: string): Promise<Omit<LabInterface, 'name'>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [link] = JSON.parse(await ip(['-j', '-n', ns, 'addr', 'show', 'dev', name])) as {
      address: string;
      addr_info: AddrInfo[];
    }[];
    const v4 = link?.addr_info.find((a) => a.family === 'inet');
    const v6 = link?.addr_info.find((a) => a.family === 'inet6' && a.scope === 'link' && !a.tentative);
    // the link-local address appears once both ends of the veth are up
    if (link && v4 && v6) return { ipv4: v4.local, prefixLength: 24, ipv6LinkLocal: v6.local, mac: link.address };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${ns}: ${name} got no usable IPv4 + IPv6 link-local address`);
}

function writeNetnsFiles(ns: string, addresses: string[]): void {
  const dir = `/etc/netns/${ns}`;
  fs.mkdirSync(dir, { recursive: true });
  // own name → own address, so reverse look-ups of the bind address (JmDNS.create) answer at once
  const own = addresses.map((address) => `${address}\t${ns}`).join('\n');
  fs.writeFileSync(`${dir}/hosts`, `127.0.0.1\tlocalhost\n::1\tlocalhost\n${own}\n`);
  // no resolver: the lab has no DNS server and waiting for one costs seconds per look-up
  fs.writeFileSync(`${dir}/resolv.conf`, '');
}

/** Builds an isolated lab of network namespaces; see `Topology`. */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  const topology = options.topology ?? 'pair';
  await sweepStaleLabs();
  const id = randomBytes(3).toString('hex');
  const workDir = claimLab(id);
  const processes = new Set<SpawnedProcess>();
  const namespaces: string[] = [];
  const context = {
    workDir,
    track(child: SpawnedProcess): void {
      processes.add(child);
      void child.exited.then(() => processes.delete(child));
    },
  };
  const plan = planOf(topology, options.clients);
  const hosts = plan.hosts.map((key) => new LabHost(key, `${NS_PREFIX}${id}-${key}`, context));
  const byKey = (key: string): LabHost => {
    const found = hosts.find((h) => h.key === key);
    if (!found) throw new Error(`lab ${id} has no host ${key} (topology ${topology})`);
    return found;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([...processes].map((p) => p.stop(1_000)));
      await inBatches(namespaces, destroyNamespace);
      fs.rmSync(labDir(id), { recursive: true, force: true });
    })();
    return closing;
  };

  try {
    const addNamespace = async (ns: string, settings: string[]): Promise<void> => {
      await ip(['netns', 'add', ns]);
      namespaces.push(ns);
      // before any interface exists, so new ones inherit it: link-locals usable without waiting for DAD
      await sysctl(ns, settings);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    };
    const noDad = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];
    await inBatches(hosts, async (host) => {
      await addNamespace(host.ns, noDad);
      const addresses = plan.links.filter((link) => link.members.includes(host.key)).map((link) => `${link.subnet}.${hostNumber(host.key)}`);
      writeNetnsFiles(host.ns, addresses);
    });

    const nextIface = new Map<string, number>();
    const ifaceFor = (key: string): string => {
      const n = nextIface.get(key) ?? 0;
      nextIface.set(key, n + 1);
      return `eth${n}`;
    };
    const pending: { host: LabHost; iface: string; subnet: string }[] = [];
    for (const link of plan.links) {
      const [first, second, ...rest] = link.members.map(byKey);
      if (!first || !second) throw new Error('a link needs two members');
      if (rest.length === 0) {
        const ifA = ifaceFor(first.key);
        const ifB = ifaceFor(second.key);
        // created directly in the hosts: nothing ever appears in the machine's namespace
        await ip(['link', 'add', ifA, 'netns', first.ns, 'type', 'veth', 'peer', 'name', ifB, 'netns', second.ns]);
        pending.push({ host: first, iface: ifA, subnet: link.subnet }, { host: second, iface: ifB, subnet: link.subnet });
        continue;
      }
      const sw = `${NS_PREFIX}${id}-sw`;
      // the switch only forwards frames: no IPv6 of its own to add chatter to captures
      await addNamespace(sw, ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      const ports = [first, second, ...rest].map((member) => ({ host: member, iface: ifaceFor(member.key), subnet: link.subnet }));
      await inBatches(ports, async ({ host, iface }) => {
        const port = `p-${host.key}`;
        await ip(['link', 'add', iface, 'netns', host.ns, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
        await ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
      });
      pending.push(...ports);
      await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    }

    // each host's interfaces in order (eth0 first), hosts side by side
    const byHost = hosts.map((host) => pending.filter((p) => p.host === host));
    await inBatches(byHost, async (ifaces) => {
      for (const { host, iface, subnet } of ifaces) {
        await ip(['-n', host.ns, 'addr', 'add', `${subnet}.${hostNumber(host.key)}/24`, 'dev', iface]);
        await ip(['-n', host.ns, 'link', 'set', iface, 'up']);
      }
    });
    await inBatches(byHost, async (ifaces) => {
      for (const { host, iface, subnet } of ifaces) {
        host.interfaces.push({ name: iface, ...(await describeInterface(host.ns, iface)) });
        if (options.defaultRoute && iface === 'eth0') {
          await ip(['-n', host.ns, 'route', 'add', 'default', 'via', `${subnet}.254`, 'dev', iface, 'onlink']);
        }
      }
    });
  } catch (error) {
    await close();
    throw error;
  }

  return { id, topology, hosts, host: byKey, close };
}
