import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { addHostsLine, checkHostNames, isOwnAddress, srvTarget } from '../../../src/avahi/srv-target.js';
import { usageError } from '../usage-error.js';

/** This machine, as os.networkInterfaces() would report it: 192.0.2.2 and fd00::2 are its own. */
const interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
  eth0: [
    { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.2/24' },
    { address: 'fd00::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::2/64', scopeid: 0 },
  ],
};

describe('isOwnAddress', () => {
  it("finds the machine's addresses, however IPv6 is spelled", () => {
    expect(isOwnAddress('192.0.2.2', interfaces)).toBe(true);
    expect(isOwnAddress('FD00:0:0::2', interfaces)).toBe(true);
    expect(isOwnAddress('192.0.2.3', interfaces)).toBe(false);
  });

  it('ignores loopback: Avahi does not publish it', () => {
    expect(isOwnAddress('127.0.0.1', interfaces)).toBe(false);
  });
});

describe('srvTarget', () => {
  it("points at the host name and gives it a hosts line when the address is another machine's", () => {
    expect(srvTarget('provisioning.local', '192.0.2.254', interfaces)).toEqual({
      hostName: 'provisioning.local',
      hostsEntry: { address: '192.0.2.254', name: 'provisioning.local' },
      note: undefined,
    });
  });

  it("leaves the host name and the hosts line out for this machine's own address, and says why", () => {
    const target = srvTarget('provisioning.local', 'fd00:0::2', interfaces);
    expect(target.hostName).toBeUndefined();
    expect(target.hostsEntry).toBeUndefined();
    expect(target.note).toBe(
      'fd00:0::2 is an address of this machine: Avahi would refuse the hosts line "fd00:0::2 provisioning.local" ("Local name collision") and the service would never resolve; ' +
        "leaving <host-name> out, so the SRV record points at this machine's own Avahi name, and writing no hosts line",
    );
  });

  it('writes no hosts line without an address, and no host name without one given', () => {
    expect(srvTarget('provisioning.local', undefined, interfaces)).toEqual({ hostName: 'provisioning.local', hostsEntry: undefined, note: undefined });
    expect(srvTarget(undefined, undefined, interfaces)).toEqual({ hostName: undefined, hostsEntry: undefined, note: undefined });
  });
});

describe('addHostsLine', () => {
  const entry = { address: '192.0.2.254', name: 'provisioning.local' };

  it('adds the line, or replaces the one for the name', () => {
    expect(addHostsLine('192.0.2.10 printer.local\n', entry, 'hosts')).toBe('192.0.2.10 printer.local\n192.0.2.254 provisioning.local\n');
    expect(addHostsLine('192.0.2.9 provisioning.local\n', entry, 'hosts')).toBe('192.0.2.254 provisioning.local\n');
  });

  it('refuses a file Avahi stops reading before the new line, naming the file and the line', () => {
    const err = usageError(() => addHostsLine('192.0.2.10\n', entry, '/etc/avahi/hosts'));
    expect(err.message).toBe(
      '/etc/avahi/hosts line 1 has an address without a name: Avahi stops reading there and would never see the line for provisioning.local',
    );
    expect(err.hint).toBe('correct line 1 to "ADDRESS NAME" (or make it a # comment), then run again');
  });

  it("accepts a line Avahi stops at when the name's own line comes before it", () => {
    expect(addHostsLine('192.0.2.9 provisioning.local\n192.0.2.10 a b\n', entry, 'hosts')).toBe('192.0.2.254 provisioning.local\n192.0.2.10 a b\n');
  });
});

describe('checkHostNames', () => {
  it("finds nothing when each host name has another machine's address", () => {
    expect(checkHostNames(['prov.local'], '192.0.2.254 PROV.local\n', 'hosts', interfaces)).toEqual([]);
  });

  it('names a host name the file has no line for, and says when the file does not exist', () => {
    const [missing] = checkHostNames(['prov.local'], '192.0.2.10 printer.local\n', 'hosts', interfaces);
    expect(missing?.message).toBe('hosts has no line for the host-name prov.local; the SRV target never gets an address');
    expect(missing?.fix).toContain('add a line "ADDRESS prov.local"');
    expect(checkHostNames(['prov.local'], undefined, 'hosts', interfaces)[0]?.message).toContain('(the file does not exist)');
  });

  it('says where Avahi stops reading when the line is beyond it', () => {
    const [stopped] = checkHostNames(['prov.local'], '192.0.2.10\n192.0.2.254 prov.local\n', 'hosts', interfaces);
    expect(stopped).toEqual({
      code: 'host-name-missing',
      message:
        'hosts has no line for the host-name prov.local (Avahi stops reading it at line 1: an address without a name); the SRV target never gets an address',
      fix: 'correct line 1 to "ADDRESS NAME"',
    });
  });

  it("refuses this machine's own address for a host name, as Avahi does", () => {
    const problems = checkHostNames(['a.local', 'prov.local'], '192.0.2.254 a.local\n192.0.2.2 prov.local\n', 'hosts', interfaces);
    expect(problems).toEqual([
      {
        code: 'host-name-own-address',
        message: 'hosts line 2 gives prov.local this machine\'s own address 192.0.2.2; Avahi refuses it ("Local name collision")',
        fix: "remove that line and the <host-name> element: the SRV record then points at this machine's own name",
      },
    ]);
  });
});
