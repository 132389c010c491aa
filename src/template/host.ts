/**
 * The host a template's clients are sent to, when it is named apart from the template (advertise
 * `host`/`address` settings, the Avahi `<host-name>` and hosts file): checked once here for every writer.
 */
import net from 'node:net';
import { setting, UsageError, type WarningSink } from '../util/errors.js';

// eslint-disable-next-line no-control-regex -- a label must hold no control character
const LABEL = /^[^\s\x00-\x1F\x7F.#]+$/;

/**
 * Checks a host name given as the `host` setting, for an SRV target, `<host-name>` or the hosts file: a full
 * name (nothing appends .local), labels of 1 to 63 bytes with no space or `#` (a comment in the hosts
 * file), 253 bytes in all. Warns when it is not under .local, the only domain mDNS clients ask for.
 */
export function checkHostName(name: string, warn?: WarningSink): void {
  const labels = name.split('.');
  const bad = labels.find((l) => !LABEL.test(l) || Buffer.byteLength(l) > 63);
  if (labels.length < 2 || bad !== undefined || Buffer.byteLength(name) > 253) {
    throw new UsageError(
      `${setting('host')} "${name}" is not a full host name`,
      'give the whole name, dot-separated labels of 1 to 63 characters without spaces or "#", e.g. provisioning.local (.local is not appended)',
      'invalid-setting',
    );
  }
  if (!/\.local$/i.test(name) && warn) {
    warn(`${setting('host')} "${name}" does not end in .local: it is published as written, and a Jitsi client only resolves .local names over mDNS`);
  }
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Checks an address given as the `address` setting for another machine; loopback (in any spelling, IPv4-mapped
 * too) would send every client to itself.
 */
export function checkHostAddress(address: string): void {
  const family = net.isIP(address);
  if (family === 0) {
    throw new UsageError(
      `${setting('address')} "${address}" is not an IPv4 or IPv6 address`,
      "give the provisioning server's address, e.g. 192.168.0.254",
      'invalid-setting',
    );
  }
  // net.isIP takes fe80::1%eth0, but an address record has no zone and Avahi's parser refuses one
  const zone = /%.*$/.exec(address)?.[0];
  if (zone !== undefined) {
    throw new UsageError(
      `${setting('address')} "${address}" has a zone (${zone}), which an address record cannot carry`,
      `give it without ${zone}`,
      'invalid-setting',
    );
  }
  if (LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    throw new UsageError(
      `${setting('address')} ${address} is a loopback address: every client would connect to itself`,
      "give the provisioning server's LAN address",
      'invalid-setting',
    );
  }
}
