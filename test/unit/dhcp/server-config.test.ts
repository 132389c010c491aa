import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkIscConfig } from '../../../src/dhcp/isc-check.js';
import { dnsmasqString, iscString, keaString, parseSubnet, renderDhcpConfig, type DhcpConfigFormat } from '../../../src/dhcp/server-config.js';
import { usageError } from '../usage-error.js';

const GUIDE_TEMPLATE =
  'https://provisioning.domain.org/provisioning.php?username=${username}&password=${password}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&osname=${osname}&build=${build}&arch=${arch}';
const reference = (name: string) => readFileSync(new URL(`../../../dhcp/${name}`, import.meta.url), 'utf8');
const GUIDE_CONF = readFileSync(new URL('../../fixtures/dhcp/guide-dhcpd.conf', import.meta.url), 'utf8');
const SUBNET = parseSubnet('192.168.0.0/24');

/** dhcpd.conf statements without comments or layout: what dhcpd reads. */
function statements(conf: string): string[] {
  return conf
    .replace(/#.*$/gm, '')
    .split(/(?<=[;{}])/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '');
}

describe('dhcp-config files', () => {
  it.each<[DhcpConfigFormat, string]>([
    ['isc', 'dhcpd.conf'],
    ['kea', 'kea-dhcp4.conf'],
    ['dnsmasq', 'dnsmasq.conf'],
  ])('%s for the guide template and 192.168.0.0/24 is dhcp/%s byte for byte', (format, file) => {
    expect(renderDhcpConfig({ template: GUIDE_TEMPLATE, format, subnet: SUBNET })).toBe(reference(file));
  });

  it("isc gives the guide's dhcpd.conf, statement for statement", () => {
    expect(statements(renderDhcpConfig({ template: GUIDE_TEMPLATE, format: 'isc', subnet: SUBNET }))).toEqual(statements(GUIDE_CONF));
  });

  it('names the interface where each server takes it', () => {
    const o = { template: 'https://a.example/p', subnet: SUBNET, interface: 'eth1' };
    expect(renderDhcpConfig({ ...o, format: 'isc' })).toMatch(/dhcpd -4 -f -p 6767 .* eth1$/m);
    expect(renderDhcpConfig({ ...o, format: 'kea' })).toContain('"interfaces": [\n        "eth1"\n      ]');
    expect(renderDhcpConfig({ ...o, format: 'dnsmasq' })).toMatch(/^interface=eth1$/m);
  });

  it('quotes per format: ISC and dnsmasq escape " and \\, Kea also escapes commas for its CSV parser', () => {
    const v = 'https://a/p?x="1",y=\\z';
    expect(iscString(v)).toBe('"https://a/p?x=\\"1\\",y=\\\\z"');
    expect(dnsmasqString(v)).toBe('"https://a/p?x=\\"1\\",y=\\\\z"');
    expect(JSON.parse(keaString(v))).toBe('https://a/p?x="1"\\,y=\\\\z');
    expect(iscString('https://a/é')).toBe('"https://a/\\303\\251"');
  });

  it('refuses a URI over 255 bytes, saying by how much', () => {
    const long = `https://a.example/p.php?x=${'y'.repeat(240)}`;
    const e = usageError(() => renderDhcpConfig({ template: long, format: 'kea', subnet: SUBNET }));
    expect(e.message).toMatch(/is 266 bytes; DHCP option 224 holds at most 255/);
    expect(e.hint).toMatch(/shorten it by 11 bytes/);
  });

  it('takes a 255-byte URI: the TXT limits of Bonjour do not bind DHCP', () => {
    const uri = `https://a.example/${'x'.repeat(255 - 18)}`;
    expect(renderDhcpConfig({ template: uri, format: 'isc', subnet: SUBNET })).toContain(`"${uri}"`);
  });

  it.each(['192.168.0.1/24', '192.168.0.0', '300.1.1.0/24', '10.0.0.0/33', 'fd00::/64'])('refuses the subnet %s', (s) => {
    expect(usageError(() => parseSubnet(s)).message).toMatch(/^`subnet`/);
  });

  it('reads subnets with any prefix', () => {
    expect(parseSubnet('10.1.0.0/16')).toEqual({ network: '10.1.0.0', prefixLength: 16, netmask: '255.255.0.0' });
    expect(parseSubnet('10.1.2.3/32')).toEqual({ network: '10.1.2.3', prefixLength: 32, netmask: '255.255.255.255' });
  });
});

describe('dhcp-config --check (ISC)', () => {
  it("finds the URI in the guide's dhcpd.conf and no problem", () => {
    expect(checkIscConfig(GUIDE_CONF)).toMatchObject({ uri: GUIDE_TEMPLATE, problems: [], subnets: ['192.168.0.0 netmask 255.255.255.0'] });
  });

  it('reads escapes as dhcpd does', () => {
    const conf = renderDhcpConfig({ template: 'https://a/p?x="1"&y=\\z&e=é', format: 'isc', subnet: SUBNET });
    expect(checkIscConfig(conf)).toMatchObject({ uri: 'https://a/p?x="1"&y=\\z&e=é', problems: [] });
  });

  const problemsOf = (conf: string) =>
    checkIscConfig(conf)
      .problems.map((p) => p.message)
      .join('\n');

  it('names a missing code 224 definition, a missing authoritative, a missing subnet', () => {
    expect(problemsOf('option sc-pserv "https://a/p";\n')).toMatch(/no option is defined with code 224[\s\S]*no "authoritative;"[\s\S]*no subnet declaration/);
  });

  it('names an unclosed string and a value that is not one quoted string', () => {
    const base = 'option sc-pserv code 224 = text;\nsubnet 10.0.0.0 netmask 255.0.0.0 { authoritative; }\n';
    expect(problemsOf(`${base}option sc-pserv "https://a/p\\";\n`)).toMatch(/line 3: a string is never closed/);
    expect(problemsOf(`${base}option sc-pserv https://a/p;\n`)).toMatch(/line 3: the value of option sc-pserv is not one quoted string/);
  });

  it('names a URI over 255 bytes and a declared type other than text', () => {
    const conf = `option p code 224 = ip-address;\noption p "https://a/${'x'.repeat(260)}";\nsubnet 10.0.0.0 netmask 255.0.0.0 { authoritative; }\n`;
    expect(problemsOf(conf)).toMatch(/declared "ip-address"[\s\S]*the URI is 270 bytes/);
  });

  it('does not count "authoritative" inside a host block', () => {
    const conf = 'option p code 224 = text;\noption p "https://a/p";\nsubnet 10.0.0.0 netmask 255.0.0.0 { host x { authoritative; } }\n';
    expect(problemsOf(conf)).toMatch(/no "authoritative;"/);
  });
});
