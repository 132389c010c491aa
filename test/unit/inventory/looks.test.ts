import { describe, expect, it } from 'vitest';
import { lookOf } from '../../../src/inventory/looks.js';

describe('who looked, from the advertisement events', () => {
  const at = new Date(Date.UTC(2026, 0, 1));
  it('takes a query answered over mDNS and a DHCPINFORM answered, and nothing else', () => {
    expect(
      lookOf(
        { event: 'query', from: 'fe80::1', port: 5353, interface: 'eth0', questions: [{ name: '_https._tcp.local', type: 'PTR', qu: false }], answered: [] },
        at,
      ),
    ).toEqual({ time: at.toISOString(), client: 'fe80::1', method: 'bonjour', interface: 'eth0' });
    expect(lookOf({ event: 'dhcp-inform', address: '192.0.2.7', mac: '02:00:00:00:00:07', xid: '0000abcd', interface: 'eth1' }, at)).toEqual({
      time: at.toISOString(),
      client: '192.0.2.7',
      method: 'dhcp',
      interface: 'eth1',
    });
    expect(lookOf({ event: 'send-error', interface: 'eth0', error: 'x' }, at)).toBeUndefined();
  });
});
