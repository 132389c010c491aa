import { describe, expect, it } from 'vitest';
import {
  defaultPortFor,
  formatTemplate,
  fromTxt,
  parseTemplate,
  schemeOfServiceType,
  serviceTypeFor,
  toTxt,
  txtEntries,
  urlAuthority,
} from '../../../src/template/template.js';
import { checkTxtSize, decodeTxt, encodeTxt, txtRecordBytes } from '../../../src/template/txt.js';
import { SEED_TXT, TEMPLATE as SEED } from '../../fixtures/seed.js';
import { usageError } from '../usage-error.js';

function warningsOf(fn: (warn: (m: string) => void) => unknown): string[] {
  const seen: string[] = [];
  fn((m) => seen.push(m));
  return seen;
}

describe('the seed example', () => {
  it("gives the TXT strings of the guide's Avahi file, path first, in template order", () => {
    expect(toTxt(parseTemplate(SEED))).toEqual(SEED_TXT);
  });

  it('parses scheme, host and the absent port', () => {
    const t = parseTemplate(SEED);
    expect(t.scheme).toBe('https');
    expect(t.host).toBe('www.example.org');
    expect(t.port).toBeUndefined();
    expect(t.base).toBe('https://www.example.org/provisioning.php');
    expect(serviceTypeFor(t.scheme)).toBe('_https._tcp');
    expect(defaultPortFor(t.scheme)).toBe(443);
  });
});

describe('round trip template → toTxt → fromTxt', () => {
  const templates = [
    SEED,
    'https://prov.example.org/p.php?flag&username=${username}',
    'https://prov.example.org/p.php?sig=a=b=c&x=${osname}',
    'https://[fd00::1]:8443/prov?mac=${hwaddr}',
    'http://192.0.2.7:8080/cgi-bin/prov.cgi?u=${username}',
    'https://prov.example.org/p.php?ville=Zürich&user=${username}',
    'https://prov.example.org/provisioning',
    'HTTPS://Prov.Example.org/P.php?A=1',
  ];
  for (const uri of templates) {
    it(`keeps ${uri}`, () => {
      const t = parseTemplate(uri);
      expect(formatTemplate(t)).toBe(uri);
      expect(fromTxt({ type: serviceTypeFor(t.scheme), txt: toTxt(t) })).toBe(uri);
    });
  }

  it('keeps a bare name as a boolean attribute (no "=")', () => {
    const t = parseTemplate('https://h.example/p?debug&u=1');
    expect(t.params).toEqual([
      { name: 'debug', value: undefined },
      { name: 'u', value: '1' },
    ]);
    expect(toTxt(t)).toEqual(['path=https://h.example/p', 'debug', 'u=1']);
  });

  it('keeps an empty value apart from a bare name', () => {
    const t = parseTemplate('https://h.example/p?empty=&bare');
    expect(toTxt(t)).toEqual(['path=https://h.example/p', 'empty=', 'bare']);
    expect(fromTxt({ type: '_https._tcp', txt: toTxt(t) })).toBe('https://h.example/p?empty=&bare');
  });

  it('splits a value at its first "=" only', () => {
    expect(parseTemplate('https://h.example/p?sig=a=b').params).toEqual([{ name: 'sig', value: 'a=b' }]);
  });

  it('reads the port and an IPv6 host without brackets', () => {
    const t = parseTemplate('https://[fd00::1]:8443/prov');
    expect(t.host).toBe('fd00::1');
    expect(t.port).toBe(8443);
  });
});

describe('fromTxt', () => {
  it('uses a path holding :// as the whole base, whatever the SRV says', () => {
    expect(fromTxt({ type: '_http._tcp', txt: ['path=https://a.example:9/x', 'u=1'], host: 'other.local', port: 80, addresses: ['192.0.2.1'] })).toBe(
      'https://a.example:9/x?u=1',
    );
  });

  it('builds scheme://address:port/path from a relative path, scheme from the type', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=/prov.php', 'u=1'], port: 8443, addresses: ['192.0.2.1'] })).toBe('https://192.0.2.1:8443/prov.php?u=1');
    expect(fromTxt({ type: '_http._tcp.local', txt: ['path=prov.php'], port: 80, addresses: ['192.0.2.1'] })).toBe('http://192.0.2.1:80/prov.php');
  });

  it('puts an IPv6 address in brackets without its zone, and prefers IPv4 as JmDNS does', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=/p'], port: 443, addresses: ['fe80::1%eth0'] })).toBe('https://[fe80::1]:443/p');
    expect(fromTxt({ type: '_https._tcp', txt: ['path=/p'], port: 443, addresses: ['fd00::1', '192.0.2.9'] })).toBe('https://192.0.2.9:443/p');
  });

  it('falls back to the SRV host when no address is known', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=/p'], host: 'prov.local', port: 443 })).toBe('https://prov.local:443/p');
  });

  it('leaves a boolean attribute bare', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=https://h/p', 'debug', 'u=1'] })).toBe('https://h/p?debug&u=1');
  });

  it('adds no "?" for a record with nothing but path', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=https://h/p'] })).toBe('https://h/p');
  });

  it('adds no "?" for an empty TXT record', () => {
    expect(fromTxt({ type: '_https._tcp', txt: [], port: 443, addresses: ['192.0.2.1'] })).toBe('https://192.0.2.1:443');
  });

  it('joins with "&" when the base already holds a "?"', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=https://h/p?a=1', 'b=2'] })).toBe('https://h/p?a=1&b=2');
  });

  it('keeps the first of duplicate keys, ignoring case (RFC 6763 §6.4)', () => {
    expect(fromTxt({ type: '_https._tcp', txt: ['path=https://h/p', 'u=1', 'U=2', 'u=3'] })).toBe('https://h/p?u=1');
    expect(fromTxt({ type: '_https._tcp', txt: ['path=https://first/p', 'path=https://second/p'] })).toBe('https://first/p');
  });

  it('skips a string with an empty key', () => {
    expect(txtEntries(['=x', 'a=1'])).toEqual([{ key: 'a', value: '1' }]);
  });
});

describe('urlAuthority', () => {
  it('cuts scheme, host and port, before any check', () => {
    expect(urlAuthority('HTTPS://user@[fe80::1]:8443/p?x=1')).toEqual({ scheme: 'https', host: 'fe80::1', port: '8443' });
    expect(urlAuthority('http://h/p')).toEqual({ scheme: 'http', host: 'h', port: undefined });
    expect(urlAuthority('https://h:/p')).toEqual({ scheme: 'https', host: 'h', port: '' });
    expect(urlAuthority('https:///p')).toEqual({ scheme: 'https', host: '', port: undefined });
    expect(urlAuthority('h/p')).toBeUndefined();
  });
});

describe('schemeOfServiceType', () => {
  it('maps _https._tcp (with or without .local) to https and everything else to http', () => {
    expect(schemeOfServiceType('_https._tcp')).toBe('https');
    expect(schemeOfServiceType('_HTTPS._tcp.local.')).toBe('https');
    expect(schemeOfServiceType('_http._tcp')).toBe('http');
    expect(serviceTypeFor('http')).toBe('_http._tcp');
    expect(defaultPortFor('http')).toBe(80);
  });
});

describe('parseTemplate rejects', () => {
  it('an empty template', () => {
    expect(usageError(() => parseTemplate('')).message).toMatch(/empty/);
  });

  it.each(['ftp://h/p', 'ldap://h/p?x=1', 'h.example/p'])('the scheme of %s', (uri) => {
    const e = usageError(() => parseTemplate(uri));
    expect(e.message).toMatch(/http/);
    expect(e.hint).toBeTruthy();
  });

  it('a fragment, showing it', () => {
    expect(usageError(() => parseTemplate('https://h/p?a=1#frag')).message).toContain('#frag');
  });

  it.each(['path', 'PATH', 'Path'])('a parameter named %s', (name) => {
    expect(usageError(() => parseTemplate(`https://h/p?${name}=x`)).message).toContain(`"${name}"`);
  });

  it('duplicate names ignoring case, naming both', () => {
    const e = usageError(() => parseTemplate('https://h/p?User=1&user=2'));
    expect(e.message).toContain('"user"');
    expect(e.message).toContain('"User"');
  });

  it('an empty name', () => {
    expect(usageError(() => parseTemplate('https://h/p?=x')).message).toMatch(/empty name/);
  });

  it('empty parameters from stray "&" and a trailing "?"', () => {
    expect(usageError(() => parseTemplate('https://h/p?a=1&&b=2')).message).toMatch(/parameter 2/);
    expect(usageError(() => parseTemplate('https://h/p?a=1&')).message).toMatch(/parameter 2/);
    expect(usageError(() => parseTemplate('https://h/p?')).message).toMatch(/no parameters/);
  });

  it('a non-ASCII name', () => {
    expect(usageError(() => parseTemplate('https://h/p?städte=1')).message).toContain('städte');
  });

  it('spaces and control characters, giving the position', () => {
    expect(usageError(() => parseTemplate('https://h/p?a=x y')).message).toMatch(/position 16/);
    expect(usageError(() => parseTemplate('https://h/p?a=\x01')).message).toMatch(/control/);
  });

  it('a missing host and a bad port', () => {
    expect(usageError(() => parseTemplate('https:///p')).message).toMatch(/empty host/);
    expect(usageError(() => parseTemplate('https://h:0/p')).message).toMatch(/invalid port "0"/);
    expect(usageError(() => parseTemplate('https://h:70000/p')).message).toMatch(/invalid port/);
    expect(usageError(() => parseTemplate('https://h:/p')).message).toMatch(/invalid port/);
  });

  it('a TXT string over 255 bytes, counting UTF-8 bytes', () => {
    const ok = `https://h/p?v=${'é'.repeat(126)}`; // "v=" + 252 bytes = 254
    expect(() => parseTemplate(ok)).not.toThrow();
    const e = usageError(() => parseTemplate(`https://h/p?v=${'é'.repeat(127)}`)); // 256 bytes
    expect(e.message).toMatch(/"v=…" is 256 bytes/);
  });

  it('a TXT record over 8900 bytes', () => {
    const params = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}=${'x'.repeat(240)}`).join('&');
    expect(usageError(() => parseTemplate(`https://h/p?${params}`)).message).toMatch(/cannot fit one mDNS packet/);
  });
});

describe('warnings', () => {
  it('warns about plain http, and not about https', () => {
    expect(warningsOf((w) => parseTemplate('http://h/p?u=1', w)).join()).toMatch(/clear text/);
    expect(warningsOf((w) => parseTemplate(SEED, w))).toEqual([]);
  });

  it('warns above 1300 bytes of TXT, not at 1300', () => {
    // path=https://h/p is 16 bytes + 1 length byte = 17; each "pNN=<v>" adds 1 + 4 + len(v)
    const record = (lastLen: number) => {
      const params = Array.from({ length: 6 }, (_, i) => `p0${i}=${'x'.repeat(i < 5 ? 250 : lastLen)}`).join('&');
      return `https://h/p?${params}`;
    };
    const sizeOf = (uri: string) => txtRecordBytes(toTxt(parseTemplate(uri)));
    const at = 1300 - (17 + 5 * 255 + 5);
    expect(sizeOf(record(at))).toBe(1300);
    expect(warningsOf((w) => parseTemplate(record(at), w))).toEqual([]);
    expect(sizeOf(record(at + 1))).toBe(1301);
    expect(warningsOf((w) => parseTemplate(record(at + 1), w)).join()).toMatch(/1301 bytes/);
  });
});

describe('txt.ts', () => {
  it('counts a length byte per string, and 1 for an empty record', () => {
    expect(txtRecordBytes([])).toBe(1);
    expect(txtRecordBytes(['a=1', 'é'])).toBe(4 + 3);
  });

  it('checkTxtSize accepts 255 bytes and refuses 256', () => {
    expect(() => checkTxtSize(['x'.repeat(255)])).not.toThrow();
    expect(usageError(() => checkTxtSize(['k=' + 'x'.repeat(254)])).message).toMatch(/"k=…" is 256 bytes/);
  });

  it('encodes an empty record as one zero-length string and decodes it back to none', () => {
    expect(encodeTxt([])).toEqual([Buffer.alloc(0)]);
    expect(decodeTxt(encodeTxt([]))).toEqual([]);
    expect(decodeTxt(encodeTxt(['a=1', 'ü']))).toEqual(['a=1', 'ü']);
  });
});
