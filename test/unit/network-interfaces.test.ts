import { describe, expect, it } from 'vitest';
import { interfaceForSource, selectInterfaces, type NetInterface } from '../../src/network-interfaces.js';
import { UsageError } from '../../src/errors.js';

const lan: NetInterface = {
  name: 'lan0',
  mac: '02:00:00:00:00:01',
  ipv4: [{ address: '198.51.100.1', netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 6, scopeid: 2 },
    { address: '2001:db8:1::1', netmask: 'ffff:ffff:ffff:ffff::', family: 6, scopeid: 0 },
  ],
};
const lab: NetInterface = {
  name: 'lab0',
  mac: '02:00:00:00:00:02',
  ipv4: [{ address: '203.0.113.1', netmask: '255.255.255.128', family: 4, scopeid: 0 }],
  ipv6: [],
};

describe('which interface a packet came in on', () => {
  it('matches an IPv4 source to the interface whose subnet holds it', () => {
    expect(interfaceForSource([lan, lab], '198.51.100.77')?.name).toBe('lan0');
    expect(interfaceForSource([lan, lab], '203.0.113.100')?.name).toBe('lab0');
  });

  it('treats a source on no connected subnet as off-link', () => {
    expect(interfaceForSource([lan, lab], '203.0.113.200')).toBeUndefined();
    expect(interfaceForSource([lan, lab], '192.0.2.1')).toBeUndefined();
  });

  it('uses the zone of an IPv6 link-local source, and the prefix of a global one', () => {
    expect(interfaceForSource([lan, lab], 'fe80::99%lan0')?.name).toBe('lan0');
    expect(interfaceForSource([lan, lab], 'fe80::99%eth7')).toBeUndefined();
    expect(interfaceForSource([lan, lab], '2001:db8:1::42')?.name).toBe('lan0');
    expect(interfaceForSource([lan, lab], '2001:db8:2::42')).toBeUndefined();
  });
});

describe('choosing interfaces', () => {
  it('names the usable interfaces when asked for one that does not exist', () => {
    expect(() => selectInterfaces(['no-such-if0'])).toThrowError(UsageError);
    expect(() => selectInterfaces(['no-such-if0'])).toThrowError(/there is no interface named "no-such-if0"/);
  });

  it('refuses the loopback interface', () => {
    expect(() => selectInterfaces(['lo'])).toThrowError(/cannot carry mDNS/);
  });
});
