import { describe, expect, it } from 'vitest';
import type { DiscoveredService } from '../../../src/bonjour/discover.js';
import type { DhcpDiscovered } from '../../../src/dhcp/discover.js';
import { methodDisagreement, viaDisagreements } from '../../../src/via/disagreement.js';

const GOOD = 'https://good.example/p?u=${username}';
const EVIL = 'https://evil.example/p';

function bonjour(template: string, from: string, complete = true): DiscoveredService {
  return {
    instance: 'Provisioning URL',
    type: '_https._tcp',
    host: 'prov.local',
    port: 443,
    addresses: complete ? [from] : [],
    txt: [],
    interface: 'eth0',
    from,
    template,
    complete,
  };
}

function dhcp(uri: string, from: string): DhcpDiscovered {
  return { uri, from, serverId: from, interface: 'eth0', address: '198.51.100.2', xid: '0000abcd', elapsedMs: 1 };
}

describe('viaDisagreements', () => {
  it('finds nothing when every answer carries the same URI', () => {
    const found = { bonjour: [bonjour(GOOD, '198.51.100.1')], dhcp: [dhcp(GOOD, '198.51.100.1'), dhcp(GOOD, '198.51.100.9')] };
    expect(viaDisagreements(found)).toEqual({ bonjour: [], dhcp: [], between: undefined });
  });

  it('lists each distinct URI once when DHCP servers disagree, as a client takes whichever answers first', () => {
    const found = { dhcp: [dhcp(GOOD, '198.51.100.1'), dhcp(EVIL, '198.51.100.66'), dhcp(GOOD, '198.51.100.9')] };
    expect(viaDisagreements(found)).toEqual({ bonjour: [], dhcp: [GOOD, EVIL], between: undefined });
  });

  it('counts only complete Bonjour answers: one a client cannot resolve does not disagree', () => {
    const complete = { bonjour: [bonjour(GOOD, '198.51.100.1'), bonjour(EVIL, '198.51.100.66')] };
    expect(viaDisagreements(complete).bonjour.sort()).toEqual([EVIL, GOOD]);
    const unresolved = { bonjour: [bonjour(GOOD, '198.51.100.1'), bonjour(EVIL, '198.51.100.66', false)] };
    expect(viaDisagreements(unresolved).bonjour).toEqual([]);
  });

  it('compares the URI a client set to each method would use: the first complete Bonjour answer, the first DHCP one', () => {
    const found = { bonjour: [bonjour(EVIL, '198.51.100.66', false), bonjour(GOOD, '198.51.100.1')], dhcp: [dhcp(EVIL, '198.51.100.66')] };
    const expected = `Bonjour and DHCP disagree: clients set to Bonjour would use ${GOOD}, clients set to DHCP ${EVIL}`;
    expect(viaDisagreements(found).between).toBe(expected);
    expect(methodDisagreement(found)).toBe(expected);
  });

  it('says nothing between the methods when one of them is silent or was not asked', () => {
    expect(methodDisagreement({ bonjour: [bonjour(GOOD, '198.51.100.1')], dhcp: [] })).toBeUndefined();
    expect(methodDisagreement({ dhcp: [dhcp(EVIL, '198.51.100.66')] })).toBeUndefined();
  });
});
