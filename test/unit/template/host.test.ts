import { describe, expect, it } from 'vitest';
import { checkHostAddress, checkHostName } from '../../../src/template/host.js';
import { UsageError } from '../../../src/util/errors.js';

describe('checkHostName', () => {
  it('accepts a full .local name without warning', () => {
    const warnings: string[] = [];
    checkHostName('provisioning.local', (w) => warnings.push(w));
    expect(warnings).toEqual([]);
  });

  it('warns when the name is not under .local', () => {
    const warnings: string[] = [];
    checkHostName('prov.example.org', (w) => warnings.push(w));
    expect(warnings.join()).toMatch(/does not end in \.local/);
  });

  it.each(['provisioning', 'a..local', 'has space.local', `${'x'.repeat(64)}.local`, '.local', 'prov.local.'])('refuses %s', (name) => {
    expect(() => checkHostName(name)).toThrow(UsageError);
  });
});

describe('checkHostAddress', () => {
  it('accepts IPv4 and IPv6', () => {
    expect(() => checkHostAddress('192.168.0.254')).not.toThrow();
    expect(() => checkHostAddress('fd00::1')).not.toThrow();
  });

  it.each(['192.168.0', 'provisioning.local', '192.168.0.256'])('refuses %s', (a) => {
    expect(() => checkHostAddress(a)).toThrow(/is not an IPv4 or IPv6 address/);
  });

  it('refuses a zone, which Avahi cannot parse', () => {
    expect(() => checkHostAddress('fe80::1%eth0')).toThrow('`address` "fe80::1%eth0" has a zone (%eth0), which an address record cannot carry');
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('refuses loopback %s, however spelled', (a) => {
    expect(() => checkHostAddress(a)).toThrow(/is a loopback address/);
  });
});
