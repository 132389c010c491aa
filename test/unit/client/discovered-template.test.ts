import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DiscoveredService } from '../../../src/bonjour/discover.js';
import type { DhcpDiscovered } from '../../../src/dhcp/discover.js';
import { discoverVia, type ViaFindings } from '../../../src/via/discover-via.js';
import { discoverTemplate } from '../../../src/client/discovered-template.js';
import { NetworkError } from '../../../src/util/errors.js';

// what each method finds is given here: no socket opens
vi.mock('../../../src/via/discover-via.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/via/discover-via.js')>()),
  discoverVia: vi.fn(),
}));
afterEach(() => vi.mocked(discoverVia).mockReset());

const service = (template: string, complete = true) =>
  ({ template, complete, type: '_https._tcp', from: '192.0.2.7', interface: 'eth0' }) as unknown as DiscoveredService;
const dhcpAnswer = (uri: string) => ({ uri, from: '192.0.2.1', interface: 'eth0' }) as unknown as DhcpDiscovered;
const finding = (found: ViaFindings) => vi.mocked(discoverVia).mockResolvedValue(found);

describe('discoverTemplate: the template a client set to these methods takes', () => {
  it('asks by the methods given, with the timeout and interfaces given', async () => {
    finding({ bonjour: [service('https://a/p')] });
    await discoverTemplate({ via: ['bonjour'], timeoutMs: 800, interfaces: ['eth1'] });
    expect(discoverVia).toHaveBeenCalledWith({ via: ['bonjour'], timeoutMs: 800, interfaces: ['eth1'] });
  });

  it('takes the first complete Bonjour answer, with the service it came from', async () => {
    finding({ bonjour: [service('https://partial/p', false), service('https://a/p')] });
    const found = await discoverTemplate({ via: ['bonjour'] });
    expect(found).toMatchObject({ method: 'bonjour', template: 'https://a/p', service: { from: '192.0.2.7' } });
  });

  it('the first method listed that answered wins; a silent one is skipped', async () => {
    finding({ bonjour: [], dhcp: [dhcpAnswer('https://d/p')] });
    expect(await discoverTemplate({ via: ['bonjour', 'dhcp'] })).toMatchObject({ method: 'dhcp', template: 'https://d/p', answer: { from: '192.0.2.1' } });
    finding({ bonjour: [service('https://b/p')], dhcp: [dhcpAnswer('https://d/p')] });
    expect((await discoverTemplate({ via: ['dhcp', 'bonjour'] })).method).toBe('dhcp');
  });

  it('warns when the methods disagree, and still takes the first listed', async () => {
    finding({ bonjour: [service('https://b/p')], dhcp: [dhcpAnswer('https://d/p')] });
    const warnings: string[] = [];
    const found = await discoverTemplate({ via: ['bonjour', 'dhcp'] }, (w) => warnings.push(w));
    expect(found.template).toBe('https://b/p');
    expect(warnings).toEqual(['Bonjour and DHCP disagree: clients set to Bonjour would use https://b/p, clients set to DHCP https://d/p']);
  });

  it('names every method that found nothing', async () => {
    finding({ bonjour: [service('https://partial/p', false)], dhcp: [] });
    const error = await discoverTemplate({ via: ['bonjour', 'dhcp'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('no-answer');
    expect((error as NetworkError).message).toBe('no "Provisioning URL" service answered over mDNS; no DHCP server answered with option 224');
    expect((error as NetworkError).hint).toMatch(/pass the template/);
  });
});
