import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../../src/server/site.js';
import { makeCertificates } from '../certificates.js';
import { usageError } from '../usage-error.js';
import { TEMPLATE, writeSite } from './site-fixture.js';

const profile = '[profile common]\nproperties = common.properties\n';
const load = (serve: string, extra = profile, files: Record<string, string> = {}) => {
  const { site } = writeSite({ 'site.ini': `[serve]\n${serve}\n${extra}`, 'common.properties': 'a=${osname}\n', ...files });
  return () => loadSite(site);
};

describe('site file', () => {
  it('reads listen, template, path, fields and profiles; paths relative to the file', () => {
    const site = load(`listen = 192.168.0.254:8080\ntemplate = ${TEMPLATE}\nvia = bonjour, dhcp`)();
    expect(site.listen).toEqual({ host: '192.168.0.254', port: 8080 });
    expect(site.path).toBe('/prov');
    expect(site.fields).toEqual(['username', 'password', 'osname', 'hwaddr', 'uuid']);
    expect(site.via).toEqual(['bonjour', 'dhcp']);
    expect(site.profiles[0]?.file).toBe(path.join(path.dirname(site.file), 'common.properties'));
  });

  it("listen defaults to every address on the template's port", () => {
    expect(load(`template = ${TEMPLATE}`)().listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(
      load('listen = [::]:8443\ntemplate = http://h/p?os=${osname}', '[profile a]\nmatch.os = L*\nproperties = common.properties\n', {
        'common.properties': 'a=${os}\n',
      })().listen,
    ).toEqual({ host: '::', port: 8443 });
  });

  it('the form field carrying each placeholder is known (for the log)', () => {
    const site = load('template = http://h/p?os=${osname}&u=${username}&p=${password}', '', {})();
    expect([...site.fieldOf]).toEqual([
      ['osname', 'os'],
      ['username', 'u'],
      ['password', 'p'],
    ]);
  });

  const errors: [string, string, string, RegExp, RegExp][] = [
    ['no template', 'listen = 0.0.0.0:8080', profile, /\[serve\] key "template": is missing/, /template = https:/],
    [
      'a bad listen',
      `listen = somewhere\ntemplate = ${TEMPLATE}`,
      profile,
      /\[serve\] key "listen": "somewhere" is not address:port/,
      /listen = 0\.0\.0\.0:8443/,
    ],
    ['an unknown key', `template = ${TEMPLATE}\nport = 1`, profile, /\[serve\] key "port": is not a \[serve\] setting/, /listen, tls-cert/],
    ['https without TLS files', 'template = https://h/p?os=${osname}', '', /is https:\/\/ but the site has no tls-cert/, /tls-cert and tls-key/],
    ['only a key', `template = ${TEMPLATE}\ntls-key = k.pem`, profile, /\[serve\] key "tls-cert": is missing/, /both/],
    [
      'a missing certificate',
      'template = https://h/p\ntls-cert = nope.pem\ntls-key = nope.key',
      '',
      /key "tls-cert": cannot read the certificate .*nope\.pem/,
      /relative to the site file/,
    ],
    ['an unknown via', `template = ${TEMPLATE}\nvia = carrier-pigeon`, profile, /key "via".*carrier-pigeon/, /bonjour/],
    [
      'users without credential fields',
      'template = http://h/p?os=${osname}\nusers = users',
      '',
      /key "users": is set but the template has no \$\{username\}/,
      /username=\$\{username\}/,
    ],
    [
      'a match on a field the template does not post',
      `template = ${TEMPLATE}`,
      '[profile x]\nmatch.os = Linux\nproperties = common.properties\n',
      /\[profile x\] key "match\.os": the template posts no field "os"/,
      /osname/,
    ],
    [
      'a profile without properties',
      `template = ${TEMPLATE}`,
      '[profile x]\nmatch.osname = Linux\n',
      /\[profile x\] key "properties": is missing/,
      /properties = /,
    ],
    [
      'a missing properties file',
      `template = ${TEMPLATE}`,
      '[profile x]\nproperties = gone.properties\n',
      /\[profile x\] key "properties": cannot read the properties file .*gone\.properties/,
      /relative/,
    ],
    ['a dotted profile name', `template = ${TEMPLATE}`, '[profile a.b]\nproperties = common.properties\n', /holds a dot/, /\[profile a-b\]/],
    ['another section', `template = ${TEMPLATE}`, '[profiles]\nx = 1\n', /there is no section \[profiles\]/, /\[profile NAME\]/],
  ];
  for (const [what, serve, extra, message, hint] of errors) {
    it(`refuses ${what}, naming file, section and key`, () => {
      const err = usageError(load(serve, extra));
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/site\.ini/);
      expect(err.hint).toMatch(hint);
    });
  }

  it('refuses a certificate and key that do not go together, naming both files', () => {
    const { dir, site } = writeSite({ 'site.ini': `[serve]\ntemplate = https://h/p?os=\${osname}\ntls-cert = server.pem\ntls-key = ca.key\n` });
    makeCertificates(dir);
    const err = usageError(() => loadSite(site));
    expect(err.message).toMatch(/\[serve\] key "tls-cert": .*server\.pem and .*ca\.key are not a usable certificate and key: .*key values mismatch/);
    expect(err.hint).toMatch(/its own private key/);
  });

  it('refuses ${field} in a properties file when the template posts no such field (a typo would always be empty)', () => {
    const err = usageError(load(`template = ${TEMPLATE}`, profile, { 'common.properties': 'ok=${null}\nb=${osnme}\n' }));
    expect(err.message).toMatch(/\[profile common\] key "properties": common\.properties line 2 uses \$\{osnme\}/);
  });

  it('warns that an upper-case MAC address never matches (Jitsi sends lower case)', () => {
    const { site } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n[profile desk]\nmatch.hwaddr = 52:54:00:AB:CD:EF\nproperties = p.properties\n`,
      'p.properties': 'a=1\n',
    });
    const warnings: string[] = [];
    loadSite(site, (w) => warnings.push(w));
    expect(warnings.some((w) => /\[profile desk\] key "match\.hwaddr": "52:54:00:AB:CD:EF" has upper-case letters.*write 52:54:00:ab:cd:ef/.test(w))).toBe(
      true,
    );
  });

  it('reads properties files as UTF-8, or ISO-8859-1 when they are not UTF-8', () => {
    const site = load(`template = ${TEMPLATE}`, profile, { 'common.properties': 'a=é\n' })();
    expect(site.profiles[0]?.lines[0]?.value).toBe('é');
    const { site: file, dir } = writeSite({ 'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n${profile}` });
    writeFileSync(path.join(dir, 'common.properties'), Buffer.from('a=\xe9\n', 'latin1'));
    expect(loadSite(file).profiles[0]?.lines[0]?.value).toBe('é');
  });
});
