/** A fault of the DHCP responder reaches the advertisement's events, as `dhcp-error`. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advertiseVia, type ViaEvent } from '../../../src/via/advertise-via.js';
import { DhcpResponder } from '../../../src/dhcp/responder.js';

vi.mock('../../../src/util/network-interfaces.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/util/network-interfaces.js')>()),
  selectInterfaces: () => [],
}));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('advertiseVia with dhcp', () => {
  it("tells the responder's fault as a dhcp-error event", async () => {
    const responder = Object.assign(new EventEmitter(), { port: 6767, servedInterfaces: [], stats: {}, close: async () => {} });
    vi.spyOn(DhcpResponder, 'open').mockResolvedValue(responder as unknown as DhcpResponder);
    const events: ViaEvent[] = [];
    const ad = await advertiseVia({ template: 'https://p.example/p', via: ['dhcp'] }, (e) => events.push(e));
    responder.emit('fault', { address: '10.0.0.9', error: 'boom' });
    await ad.close();
    expect(events.filter((e) => e.event === 'dhcp-error')).toEqual([{ event: 'dhcp-error', address: '10.0.0.9', error: 'boom' }]);
  });
});
