/**
 * Where the service's SRV record points, and how that name gets an address: a line in Avahi's hosts
 * file for a name on another machine, or no <host-name> at all when the address is this machine's
 * own — Avahi refuses a hosts line for its own address ("Local name collision") and already
 * publishes this machine's name.
 */
import os from 'node:os';
import { setting, UsageError, type Problem } from '../util/errors.js';
import { expandIpv6 } from '../util/network-interfaces.js';
import { hostsLine, lookupHost, parseHostsFile, upsertHostsLine } from './hosts-file.js';

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface SrvTarget {
  /** The service file's <host-name>; undefined: the SRV record points at this machine's own name. */
  readonly hostName: string | undefined;
  /** The hosts line that gives `hostName` its address, when an address was given for it. */
  readonly hostsEntry: { readonly address: string; readonly name: string } | undefined;
  /** Why the host name was left out, when it was. */
  readonly note: string | undefined;
}

/** One spelling per address, so fd00:0::2 and FD00::2 compare equal. */
function canonical(address: string): string {
  return expandIpv6(address)?.join(':') ?? address;
}

/** True when `address` is one of this machine's own (non-loopback) addresses. */
export function isOwnAddress(address: string, interfaces: Interfaces = os.networkInterfaces()): boolean {
  const wanted = canonical(address);
  return Object.values(interfaces).some((list) => (list ?? []).some((a) => !a.internal && canonical(a.address) === wanted));
}

/** The SRV target for the host name and address settings (either may be absent). */
export function srvTarget(host: string | undefined, address: string | undefined, interfaces: Interfaces = os.networkInterfaces()): SrvTarget {
  if (host === undefined || address === undefined) return { hostName: host, hostsEntry: undefined, note: undefined };
  if (!isOwnAddress(address, interfaces)) return { hostName: host, hostsEntry: { address, name: host }, note: undefined };
  return {
    hostName: undefined,
    hostsEntry: undefined,
    note:
      `${address} is an address of this machine: Avahi would refuse the hosts line "${hostsLine(address, host)}" ("Local name collision") and the service would never resolve; ` +
      "leaving <host-name> out, so the SRV record points at this machine's own Avahi name, and writing no hosts line",
  };
}

/**
 * The hosts file `file` (its text, undefined when it does not exist yet) with the line for `entry`;
 * refused when Avahi would stop reading the file before it reaches that line.
 */
export function addHostsLine(text: string | undefined, entry: { readonly address: string; readonly name: string }, file: string): string {
  const updated = upsertHostsLine(text, entry.address, entry.name);
  const parsed = parseHostsFile(updated);
  if (parsed.stop && !lookupHost(parsed, entry.name)) {
    throw new UsageError(
      `${file} line ${parsed.stop.line} has ${parsed.stop.reason}: Avahi stops reading there and would never see the line for ${entry.name}`,
      `correct line ${parsed.stop.line} to "ADDRESS NAME" (or make it a # comment), then run again`,
      'invalid-file',
    );
  }
  return updated;
}

/**
 * What stops the service file's host names from getting an address out of the hosts file `file`
 * (its text, undefined when it does not exist): no line Avahi reads, or this machine's own address.
 */
export function checkHostNames(
  hostNames: readonly string[],
  text: string | undefined,
  file: string,
  interfaces: Interfaces = os.networkInterfaces(),
): Problem[] {
  const hosts = parseHostsFile(text ?? '');
  return hostNames.flatMap((name): Problem[] => {
    const entry = lookupHost(hosts, name);
    if (!entry) {
      const stopped = hosts.stop ? ` (Avahi stops reading it at line ${hosts.stop.line}: ${hosts.stop.reason})` : '';
      return [
        {
          code: 'host-name-missing',
          message: `${file} has no line for the host-name ${name}${text === undefined ? ' (the file does not exist)' : stopped}; the SRV target never gets an address`,
          fix: hosts.stop
            ? `correct line ${hosts.stop.line} to "ADDRESS NAME"`
            : `add a line "ADDRESS ${name}" to ${file}, e.g. by giving ${setting('host')} ${name} with ${setting('address')} IP`,
        },
      ];
    }
    if (isOwnAddress(entry.address, interfaces)) {
      return [
        {
          code: 'host-name-own-address',
          message: `${file} line ${entry.line} gives ${name} this machine's own address ${entry.address}; Avahi refuses it ("Local name collision")`,
          fix: `remove that line and the <host-name> element: the SRV record then points at this machine's own name`,
        },
      ];
    }
    return [];
  });
}
