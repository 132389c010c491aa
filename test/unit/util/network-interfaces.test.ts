import { describe, expect, it } from 'vitest';
import {
  expandIpv6,
  interfaceForSource,
  ipv4ToInt,
  isSubnetEdge,
  selectInterfaces,
  withoutZone,
  type NetInterface,
} from '../../../src/util/network-interfaces.js';
import { UsageError } from '../../../src/util/errors.js';

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

  it('matches a numeric zone to any link-local address of the interface, not only its first IPv6 one', () => {
    const globalFirst: NetInterface = {
      ...lab,
      name: 'wan0',
      ipv6: [
        { address: '2001:db8:9::1', netmask: 'ffff:ffff:ffff:ffff::', family: 6, scopeid: 0 },
        { address: 'fe80::2', netmask: 'ffff:ffff:ffff:ffff::', family: 6, scopeid: 5 },
      ],
    };
    expect(interfaceForSource([lan, globalFirst], 'fe80::99%5')?.name).toBe('wan0');
    expect(interfaceForSource([lan, globalFirst], 'fe80::99%2')?.name).toBe('lan0');
    expect(interfaceForSource([lan, globalFirst], 'fe80::99%0')).toBeUndefined();
  });
});

describe('IPv4 arithmetic', () => {
  it('reads a dotted quad as an unsigned number', () => {
    expect(ipv4ToInt('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToInt('192.168.0.1')).toBe(0xc0a80001);
    expect(ipv4ToInt('0.0.0.0')).toBe(0);
  });

  it("knows a subnet's network and broadcast addresses, of which a /31 and a /32 have none", () => {
    const on = (address: string, netmask: string) => ({ address, netmask, family: 4 as const, scopeid: 0 });
    const lan24 = on('198.51.100.1', '255.255.255.0');
    expect(['198.51.100.0', '198.51.100.255'].map((a) => isSubnetEdge(a, lan24))).toEqual([true, true]);
    expect(['198.51.100.1', '198.51.100.254', '198.51.100.128'].map((a) => isSubnetEdge(a, lan24))).toEqual([false, false, false]);
    expect(isSubnetEdge('10.255.255.255', on('10.0.0.1', '255.0.0.0'))).toBe(true);
    expect(['192.0.2.0', '192.0.2.1'].map((a) => isSubnetEdge(a, on('192.0.2.0', '255.255.255.254')))).toEqual([false, false]);
    expect(isSubnetEdge('192.0.2.7', on('192.0.2.7', '255.255.255.255'))).toBe(false);
  });
});

describe('expandIpv6', () => {
  it('gives the eight groups, whatever the spelling', () => {
    expect(expandIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(expandIpv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(expandIpv6('FE80::fc:ff:fe00:1%eth0')).toEqual([0xfe80, 0, 0, 0, 0xfc, 0xff, 0xfe00, 1]);
    expect(expandIpv6('ffff:ffff:ffff:ffff::')).toEqual([0xffff, 0xffff, 0xffff, 0xffff, 0, 0, 0, 0]);
    expect(expandIpv6('2001:db8:0:0a:0:0:0:1')).toEqual([0x2001, 0xdb8, 0, 0xa, 0, 0, 0, 1]);
    expect(expandIpv6('::ffff:192.0.2.7')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x207]);
  });

  it('is undefined for anything but an IPv6 address', () => {
    expect(expandIpv6('192.0.2.7')).toBeUndefined();
    expect(expandIpv6('1::2::3')).toBeUndefined();
    expect(expandIpv6('provisioning.local')).toBeUndefined();
  });
});

describe('withoutZone', () => {
  it('drops an IPv6 zone, whatever it names, and leaves an address without one as it is', () => {
    expect(['fe80::1%eth0', 'fe80::1%2', '2001:db8::1', '192.0.2.7'].map(withoutZone)).toEqual(['fe80::1', 'fe80::1', '2001:db8::1', '192.0.2.7']);
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
