import type { NetInterface } from '../../../src/util/network-interfaces.js';

/** Two links as the bonjour tests use them: eth0 with IPv4 and a link-local IPv6 address, eth1 IPv4 only. */
export const eth0: NetInterface = {
  name: 'eth0',
  mac: '02:00:00:00:00:01',
  ipv4: [{ address: '198.51.100.1', netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [{ address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 6, scopeid: 2 }],
};
export const eth1: NetInterface = {
  name: 'eth1',
  mac: '02:00:00:00:00:02',
  ipv4: [{ address: '203.0.113.1', netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [],
};
