import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { avahiPort, checkServiceFile, parseServiceFile, renderServiceFile } from '../../../src/avahi/service-file.js';
import { parseTemplate, toTxt } from '../../../src/template/template.js';

const SEED_FILE = readFileSync(new URL('../../../avahi/provisioning.service', import.meta.url), 'utf8');
const SEED_TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}';

/** A service file around the given `<service>` bodies. */
function group(services: string[], name = '<name>Provisioning URL</name>'): string {
  return `<?xml version="1.0" standalone='no'?>\n<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n<service-group>\n  ${name}\n${services
    .map((s) => `  <service>${s}</service>`)
    .join('\n')}\n</service-group>\n`;
}

const HTTPS = '<type>_https._tcp</type><port>443</port>';
const messages = (xml: string) =>
  checkServiceFile(xml)
    .problems.map((p) => p.message)
    .join('\n');

describe('renderServiceFile', () => {
  it("writes the guide's example byte for byte", () => {
    const txt = toTxt(parseTemplate(SEED_TEMPLATE));
    expect(renderServiceFile({ name: 'Provisioning URL', hostName: 'provisioning.local', type: '_https._tcp', port: 443, txt })).toBe(SEED_FILE);
  });

  it('leaves <host-name> out when none is given', () => {
    const xml = renderServiceFile({ name: 'Provisioning URL', type: '_http._tcp', port: 80, txt: ['path=/p'] });
    expect(xml).not.toContain('host-name');
    expect(xml).toContain('    <type>_http._tcp</type>\n    <port>80</port>\n');
  });

  it('escapes & < > so a real XML parser reads the values back exactly', () => {
    const txt = ['path=https://h/p', 'sig=a&b', 'expr=<x>&amp;', 'q="\''];
    const xml = renderServiceFile({ name: 'A & <B>', type: '_https._tcp', port: 443, txt });
    expect(xml).toContain('<txt-record>sig=a&amp;b</txt-record>');
    const independent = new XMLParser({ parseTagValue: false, trimValues: false }).parse(xml);
    expect(independent['service-group'].service['txt-record']).toEqual(txt);
    expect(independent['service-group'].name).toBe('A & <B>');
    expect(parseServiceFile(xml).group?.services[0]?.txt).toEqual(txt);
  });
});

describe('parseServiceFile', () => {
  it('reads the seed file', () => {
    const { group: g, problems } = parseServiceFile(SEED_FILE);
    expect(problems).toEqual([]);
    expect(g?.name).toBe('Provisioning URL');
    expect(g?.services).toHaveLength(1);
    expect(g?.services[0]).toMatchObject({ protocol: 'any', type: '_https._tcp', hostName: 'provisioning.local', port: '443' });
    expect(g?.services[0]?.txt).toEqual(toTxt(parseTemplate(SEED_TEMPLATE)));
  });

  it('keeps txt-record order, decodes entities, character references and CDATA', () => {
    const xml = group([
      `${HTTPS}<txt-record>z=1</txt-record><txt-record>a=&#38;&#x26;&lt;&#233;</txt-record><txt-record><![CDATA[c=<d>&]]></txt-record><txt-record>123</txt-record>`,
    ]);
    expect(parseServiceFile(xml).group?.services[0]?.txt).toEqual(['z=1', 'a=&&<é', 'c=<d>&', '123']);
  });

  it('decodes binary-hex and binary-base64 records', () => {
    const xml = group([
      `${HTTPS}<txt-record value-format="binary-hex">613d31</txt-record><txt-record value-format="binary-base64">${Buffer.from('b=2').toString('base64')}</txt-record>`,
    ]);
    expect(parseServiceFile(xml).group?.services[0]?.txt).toEqual(['a=1', 'b=2']);
  });

  it('reads several services and replace-wildcards', () => {
    const xml = group([HTTPS, '<type>_http._tcp</type><port>80</port>'], '<name replace-wildcards="yes">Provisioning URL</name>');
    const g = parseServiceFile(xml).group;
    expect(g?.replaceWildcards).toBe(true);
    expect(g?.services.map((s) => s.type)).toEqual(['_https._tcp', '_http._tcp']);
  });

  it('keeps spaces as Avahi does', () => {
    expect(parseServiceFile(group(['<type> _https._tcp</type><port>443</port>'])).group?.services[0]?.type).toBe(' _https._tcp');
  });

  it('reports malformed XML with its line', () => {
    const { group: g, problems } = parseServiceFile(group([`${HTTPS}<txt-record>a=1&b=2</txt-record>`]));
    expect(g).toBeUndefined();
    expect(problems[0]?.message).toMatch(/malformed XML at line 5/);
    expect(problems[0]?.fix).toContain('&amp;');
  });

  it('reports elements and attributes Avahi does not know', () => {
    const problems = parseServiceFile(group([`${HTTPS}<txt>a=1</txt>`]).replace('<service>', '<service protocol="ipv5">')).problems.map((p) => p.message);
    expect(problems.join('\n')).toContain('<txt>');
    expect(problems.join('\n')).toContain('protocol="ipv5"');
  });

  it('reports an undefined entity that Avahi would drop', () => {
    expect(parseServiceFile(group([`${HTTPS}<txt-record>a=&nbsp;</txt-record>`])).problems[0]?.message).toMatch(/&nbsp;/);
  });

  it('reports a missing name, type, port and service', () => {
    expect(parseServiceFile(group([HTTPS], '')).problems.map((p) => p.message)).toEqual(['<service-group> has no <name>']);
    expect(parseServiceFile(group(['<port>443</port>'])).problems[0]?.message).toMatch(/no <type>/);
    expect(parseServiceFile(group(['<type>_https._tcp</type>'])).problems[0]?.message).toMatch(/no <port>/);
    expect(parseServiceFile(group([])).problems[0]?.message).toMatch(/no <service>/);
  });

  it('reports a wrong root element', () => {
    expect(parseServiceFile('<services><service/></services>').problems[0]?.message).toMatch(/not <service-group>/);
  });
});

describe('avahiPort', () => {
  it('reads the port as atoi() does and refuses 0 and out-of-range', () => {
    expect(avahiPort(' 443')).toBe(443);
    expect(avahiPort('443abc')).toBe(443);
    expect(avahiPort('0')).toBeUndefined();
    expect(avahiPort('65536')).toBeUndefined();
    expect(avahiPort('x')).toBeUndefined();
  });
});

describe('checkServiceFile', () => {
  it('finds nothing wrong with the seed file and prints its template', () => {
    const c = checkServiceFile(SEED_FILE);
    expect(c.problems).toEqual([]);
    expect(c.templates).toEqual([SEED_TEMPLATE]);
    expect(c.hostNames).toEqual(['provisioning.local']);
  });

  it('builds a relative path on the host-name, or <this host> without one', () => {
    expect(
      checkServiceFile(group([`<host-name>prov.local</host-name>${HTTPS}<txt-record>path=/p.php</txt-record><txt-record>u=1</txt-record>`])).templates,
    ).toEqual(['https://prov.local:443/p.php?u=1']);
    expect(checkServiceFile(group([`<type>_http._tcp</type><port>8080</port><txt-record>path=/p</txt-record>`])).templates).toEqual([
      'http://<this host>:8080/p',
    ]);
  });

  it('lists the https service before the http one, as a Jitsi client asks', () => {
    const xml = group([
      '<type>_http._tcp</type><port>80</port><txt-record>path=http://h/plain</txt-record>',
      `${HTTPS}<txt-record>path=https://h/secure</txt-record>`,
    ]);
    expect(checkServiceFile(xml).templates).toEqual(['https://h/secure', 'http://h/plain']);
  });

  it('refuses any name but "Provisioning URL", and %h with replace-wildcards', () => {
    expect(messages(group([`${HTTPS}<txt-record>path=/p</txt-record>`], '<name>Provisioning</name>'))).toMatch(/only looks for "Provisioning URL"/);
    expect(messages(group([`${HTTPS}<txt-record>path=/p</txt-record>`], '<name replace-wildcards="yes">Provisioning URL on %h</name>'))).toMatch(
      /only looks for/,
    );
  });

  it('refuses a file without an https or http service, naming what it found', () => {
    expect(messages(group(['<type>_ssh._tcp</type><port>22</port>']))).toMatch(/found "_ssh._tcp"/);
    expect(messages(group(['<type> _https._tcp</type><port>443</port>']))).toMatch(/found " _https._tcp"/);
  });

  it('refuses a missing path and a path holding "?"', () => {
    expect(messages(group([`${HTTPS}<txt-record>u=1</txt-record>`]))).toMatch(/no TXT string "path=…"/);
    expect(messages(group([`${HTTPS}<txt-record>path=https://h/p?a=1</txt-record>`]))).toMatch(/holds a '\?'/);
  });

  it('refuses a TXT string over 255 bytes and a record over 8900 bytes', () => {
    expect(messages(group([`${HTTPS}<txt-record>path=/p</txt-record><txt-record>k=${'x'.repeat(254)}</txt-record>`]))).toMatch(/256 bytes/);
    const many = Array.from({ length: 36 }, (_, i) => `<txt-record>k${i}=${'x'.repeat(250)}</txt-record>`).join('');
    expect(messages(group([`${HTTPS}<txt-record>path=/p</txt-record>${many}`]))).toMatch(/cannot fit one mDNS packet/);
  });

  it('warns over 1300 bytes and about http, without calling them problems', () => {
    const big = Array.from({ length: 6 }, (_, i) => `<txt-record>k${i}=${'x'.repeat(250)}</txt-record>`).join('');
    const c = checkServiceFile(group([`<type>_http._tcp</type><port>80</port><txt-record>path=/p</txt-record>${big}`]));
    expect(c.problems).toEqual([]);
    expect(c.warnings.join('\n')).toMatch(/1300/);
    expect(c.warnings.join('\n')).toMatch(/clear text/);
  });

  it('refuses a port Avahi refuses and a domain other than local', () => {
    expect(messages(group(['<type>_https._tcp</type><port>0</port><txt-record>path=/p</txt-record>']))).toMatch(/port "0"/);
    expect(messages(group([`<type>_https._tcp</type><domain-name>example.org</domain-name><port>443</port><txt-record>path=/p</txt-record>`]))).toMatch(
      /domain "example.org"/,
    );
  });

  it('passes malformed XML on as a problem', () => {
    expect(messages('<service-group><name>x</service-group>')).toMatch(/malformed XML/);
  });
});
