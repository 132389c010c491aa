import { describe, expect, it } from 'vitest';
import { localHostName, planAdvertisement } from '../../../src/bonjour/advertise.js';
import { UsageError } from '../../../src/util/errors.js';

const T = 'https://www.example.org/provisioning.php?username=${username}&osname=${osname}';

function plan(extra: Record<string, unknown> = {}) {
  const warnings: string[] = [];
  const service = planAdvertisement({ template: T, warn: (w) => warnings.push(w), ...extra });
  return { service, warnings };
}

describe('planning an advertisement', () => {
  it('defaults to the Jitsi instance, https type, port 443 and this machine as SRV target', () => {
    const { service, warnings } = plan();
    expect(service).toEqual({
      instance: 'Provisioning URL',
      type: '_https._tcp',
      host: localHostName(),
      port: 443,
      txt: ['path=https://www.example.org/provisioning.php', 'username=${username}', 'osname=${osname}'],
      addresses: 'interface',
    });
    expect(warnings).toEqual([]);
  });

  it('takes the port from the template, and --port over it; http gives _http._tcp and a warning', () => {
    expect(plan({ template: 'https://p.example:8443/x' }).service.port).toBe(8443);
    expect(plan({ template: 'https://p.example:8443/x', port: 9000 }).service.port).toBe(9000);
    const http = plan({ template: 'http://p.example/x' });
    expect(http.service.type).toBe('_http._tcp');
    expect(http.service.port).toBe(80);
    expect(http.warnings.join()).toMatch(/clear text/);
  });

  it('publishes the given address for another host, and warns when a host has none', () => {
    expect(plan({ host: 'provisioning.local', addresses: ['192.0.2.10'] }).service.addresses).toEqual(['192.0.2.10']);
    const bare = plan({ host: 'provisioning.local' });
    expect(bare.service.addresses).toBe('none');
    expect(bare.warnings.join()).toMatch(/must publish its own/);
  });

  it('warns that Jitsi ignores any other instance name', () => {
    expect(plan({ name: 'Other' }).warnings.join()).toMatch(/only look for "Provisioning URL"/);
  });

  it('rejects bad names, hosts and addresses with a fix', () => {
    expect(() => plan({ name: 'x'.repeat(64) })).toThrowError(UsageError);
    expect(() => plan({ name: 'a.b' })).toThrowError(/dot/);
    expect(() => plan({ host: 'bad..local' })).toThrowError(/not a full host name/);
    expect(() => plan({ host: 'provisioning' })).toThrowError(/not a full host name/);
    expect(() => plan({ host: 'p.local', addresses: ['300.1.1.1'] })).toThrowError(/not an IPv4 or IPv6 address/);
    expect(() => plan({ host: 'p.local', addresses: ['127.0.0.1'] })).toThrowError(/loopback/);
  });

  it('publishes a link-local address without the zone it was typed with', () => {
    expect(plan({ host: 'p.local', addresses: ['fe80::1%eth0'] }).service.addresses).toEqual(['fe80::1']);
    expect(() => plan({ addresses: ['192.0.2.1'] })).toThrowError(/`address` only applies when `host` names another machine/);
  });
});
