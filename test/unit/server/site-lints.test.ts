import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSite } from '../../../src/server/site.js';
import { checkSite } from '../../../src/server/site-lints.js';
import { writeSite } from './site-fixture.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/site');

/** examples/site without its TLS pair (the lints do not look at it). */
function exampleSite() {
  const { dir, site } = writeSite({});
  cpSync(EXAMPLE, dir, { recursive: true });
  writeFileSync(
    site,
    readFileSync(site, 'utf8')
      .replace(/^tls-(cert|key) = .*$/gm, '')
      .replace('template = https://', 'template = http://'),
  );
  return loadSite(site);
}

describe('serve --check lints (checkSite)', () => {
  it('examples/site passes the catalog lints for every kind of client it serves', () => {
    const site = exampleSite();
    const forms = [
      { osname: 'Linux' },
      { osname: 'Windows 11', username: 'alice', password: 'pw', hwaddr: '52:54:00:12:34:56' },
      { osname: 'Mac OS X', username: 'bob' },
    ];
    for (const form of forms) {
      const check = checkSite(site, new Map(Object.entries(form)));
      expect(check.profiles).toEqual([]);
      expect(check.failed).toBe(false);
      expect(check.lints.filter((l) => l.level === 'error' || /unknown|account|enforce|not-allowed/.test(l.code))).toEqual([]);
    }
  });

  it('every profile is checked on its own, matched or not; the answer does not repeat what a profile said', () => {
    const { site } = writeSite({
      'site.ini':
        '[serve]\ntemplate = http://p.example.org/prov?username=${username}\n[profile common]\nproperties = common.properties\n[profile bob]\nmatch.username = bob\nproperties = bob.properties\n',
      'common.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.heigth=250\n',
      'bob.properties':
        'net.java.sip.communicator.impl.protocol.jabber.acc2.USER_ID=bob@example.org\nnet.java.sip.communicator.impl.protocol.jabber.acc2.ACCOUNT_UID=Jabber:bob@example.org\n',
    });
    const check = checkSite(loadSite(site), new Map([['username', 'alice']]));
    expect(check.answer.profiles).toEqual(['common']);
    expect(check.profiles.map((p) => [p.profile, p.lints.map((l) => [l.level, l.code, l.line])])).toEqual([
      ['common', [['warning', 'unknown-key', 1]]],
      ['bob', [['error', 'account-without-parent', 1]]],
    ]);
    expect(check.lints.map((l) => l.code)).toEqual([]);
    expect(check.failed).toBe(true);
  });
});
