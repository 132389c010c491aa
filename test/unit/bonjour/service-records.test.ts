import { describe, expect, it } from 'vitest';
import { serviceRecordSet, type ServiceDefinition } from '../../../src/bonjour/service-records.js';
import type { NetInterface } from '../../../src/util/network-interfaces.js';

const service: ServiceDefinition = {
  instance: 'Provisioning URL',
  type: '_https._tcp',
  host: 'hosta.local',
  port: 443,
  txt: ['path=/p'],
  addresses: 'interface',
};
const eth0 = (address: string): NetInterface => ({
  name: 'eth0',
  mac: '02:00:00:00:00:01',
  ipv4: [{ address, netmask: '255.255.255.0', family: 4, scopeid: 0 }],
  ipv6: [],
});

describe('serviceRecordSet', () => {
  it('gives the same record objects for the same definition (keys and encodings are kept per object)', () => {
    expect(serviceRecordSet(service).srv).toBe(serviceRecordSet(service).srv);
  });

  it('gives the addresses of the interface as it is now, not as it was under the same name', () => {
    const set = serviceRecordSet(service);
    expect(set.addresses(eth0('198.51.100.1')).map((r) => (r.type === 'A' ? r.data : r.type))).toEqual(['198.51.100.1']);
    expect(set.addresses(eth0('198.51.100.77')).map((r) => (r.type === 'A' ? r.data : r.type))).toEqual(['198.51.100.77']);
  });
});
