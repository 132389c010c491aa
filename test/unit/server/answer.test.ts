import { describe, expect, it } from 'vitest';
import { applyAnswer, parseProperties, toConfiguration } from '../../../src/client/properties.js';
import { buildAnswer, escapeProperty, HostileFieldError, profileMatches } from '../../../src/server/answer.js';
import { loadSite } from '../../../src/server/site.js';
import { OS_PROFILES, TEMPLATE, writeSite } from './site-fixture.js';
import { defined } from '../../defined.js';

const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';

/** The seed's PHP script as a site: ${null} and ALLOW_PREFIX first, then per-OS height, per user and per device. */
const { site } = writeSite({
  'site.ini': [
    '[serve]',
    `template = ${TEMPLATE}`,
    ...OS_PROFILES,
    '[profile alice]',
    'match.username = alice',
    'properties = alice.properties',
    '[profile desk-12]',
    'match.hwaddr = 00:16:3e:*',
    'match.osname = Linux',
    'properties = desk.properties',
    '',
  ].join('\n'),
  'common.properties': [
    '# comments are not sent',
    'net.java.sip.communicator.impl.gui.main.MainFrame=${null}',
    'provisioning.ALLOW_PREFIX=net.java|org.ice4j|java.net',
    `${ACC}.USER_ID=\${username}`,
    `${ACC}.DISPLAY_NAME=Desk of \${username} (\${osname})`,
    '',
  ].join('\n'),
  'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
  'windows.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=750\n',
  'alice.properties': `${ACC}.SERVER_ADDRESS=sip.example.org\n`,
  'desk.properties': 'net.java.sip.communicator.impl.neomedia.AUDIO_DEVICE=desk\\u00e9\n',
});
const loaded = loadSite(site);
const form = (fields: Record<string, string>) => new Map(Object.entries(fields));
/** What the client reads: the answer parsed with full Java .properties syntax. */
const read = (fields: Record<string, string>) => toConfiguration(parseProperties(buildAnswer(loaded, form(fields)).text));

describe('profiles', () => {
  it('every matching profile, in file order, each file in order; ${null} and ALLOW_PREFIX first as the guide says', () => {
    const answer = buildAnswer(loaded, form({ osname: 'Linux', username: 'bob', hwaddr: '52:54:00:12:34:56' }));
    expect(answer.profiles).toEqual(['common', 'linux']);
    expect(answer.text).toBe(
      [
        'net.java.sip.communicator.impl.gui.main.MainFrame=${null}',
        'provisioning.ALLOW_PREFIX=net.java|org.ice4j|java.net',
        `${ACC}.USER_ID=bob`,
        `${ACC}.DISPLAY_NAME=Desk of bob (Linux)`,
        'net.java.sip.communicator.impl.gui.main.MainFrame.height=250',
        '',
      ].join('\n'),
    );
  });

  it('`*` is a wildcard; a missing field is empty and matches nothing but `*`', () => {
    expect(buildAnswer(loaded, form({ osname: 'Windows 11' })).profiles).toEqual(['common', 'windows']);
    expect(buildAnswer(loaded, form({ osname: 'Mac OS X' })).profiles).toEqual(['common']);
    expect(buildAnswer(loaded, form({})).profiles).toEqual(['common']);
    expect(buildAnswer(loaded, form({ osname: 'linux' })).profiles).toEqual(['common']); // values are matched exactly
  });

  it('per user and per device (hwaddr) as JitsiProvS offers, every match.* must hold', () => {
    expect(buildAnswer(loaded, form({ osname: 'Linux', username: 'alice', hwaddr: '00:16:3e:aa:bb:cc' })).profiles).toEqual([
      'common',
      'linux',
      'alice',
      'desk-12',
    ]);
    expect(buildAnswer(loaded, form({ osname: 'Windows 10', hwaddr: '00:16:3e:aa:bb:cc' })).profiles).toEqual(['common', 'windows']);
    expect(read({ username: 'alice' }).get(`${ACC}.SERVER_ADDRESS`)).toBe('sip.example.org');
    expect(read({ osname: 'Linux', hwaddr: '00:16:3e:00:00:01' }).get('net.java.sip.communicator.impl.neomedia.AUDIO_DEVICE')).toBe('desk\u00e9');
  });

  it('a hostile 64 KiB field against a pattern with several stars is answered (no RegExp backtracking)', () => {
    const { site: file } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n[profile dashes]\nmatch.osname = *-*-*-*x\nproperties = p.properties\n`,
      'p.properties': 'a=1\n',
    });
    const dashes = loadSite(file);
    expect(buildAnswer(dashes, form({ osname: '-'.repeat(64 * 1024) })).profiles).toEqual([]);
    expect(buildAnswer(dashes, form({ osname: `${'-'.repeat(64 * 1024)}x` })).profiles).toEqual(['dashes']);
  }, 10_000);

  it('a profile without match.* matches every client', () => {
    expect(profileMatches(defined(loaded.profiles[0]), form({ anything: 'x' }))).toBe(true);
  });
});

describe('client values are escaped as Java Properties.store does: they stay inside their value', () => {
  const HOSTILE = [
    'bob\nnet.java.sip.communicator.impl.protocol.sip.acc1.SERVER_ADDRESS=evil.example',
    'bob\r\nprovisioning.ENFORCE_PREFIX=x',
    'a\\',
    'a\\\nb',
    '=x',
    ':x',
    '#x',
    '!x',
    '  leading',
    'trailing\\ ',
    'é €𝄞 ☎',
    '\u2028\u0085\f\t\0',
    '${null}x',
    '${password}',
  ];

  for (const value of HOSTILE) {
    it(`${JSON.stringify(value)} reads back as itself, and no other key appears`, () => {
      const config = read({ username: value, osname: 'Linux' });
      expect(config.get(`${ACC}.USER_ID`)).toBe(value);
      expect([...config.keys()]).toEqual([
        'net.java.sip.communicator.impl.gui.main.MainFrame',
        'provisioning.ALLOW_PREFIX',
        `${ACC}.USER_ID`,
        `${ACC}.DISPLAY_NAME`,
        'net.java.sip.communicator.impl.gui.main.MainFrame.height',
      ]);
      const text = buildAnswer(loaded, form({ username: value })).text;
      expect(text).toMatch(/^[\x20-\x7E\n]*$/); // ISO-8859-1 safe: pure ASCII with \uXXXX
      expect(text.split('\n')).toHaveLength(5); // four properties and the final newline
    });
  }

  it('a leading space is escaped wherever the value starts: an empty field before it, or the site text', () => {
    const { site: file } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n[profile p]\nproperties = p.properties\n`,
      'p.properties': 'a=${osname}${username}\nb=${osname}\\ and ${username}\nc=\\ lead ${uuid}\n',
    });
    const p = loadSite(file);
    for (const [osname, username] of [
      ['', ' x'],
      [' o', ' y'],
      ['', ''],
    ]) {
      const config = toConfiguration(parseProperties(buildAnswer(p, form({ osname: defined(osname), username: defined(username) })).text));
      expect([...config]).toEqual([
        ['a', `${osname}${username}`],
        ['b', `${osname} and ${username}`],
        ['c', ' lead '],
      ]);
    }
  });

  it('the escapes are those of Java Properties.store', () => {
    expect(escapeProperty(' a=b:c#d!e\\f\ng\th é\u20ac', false)).toBe('\\ a\\=b\\:c\\#d\\!e\\\\f\\ng\\th \\u00E9\\u20AC');
    expect(escapeProperty('a key', true)).toBe('a\\ key');
    expect(escapeProperty('\u{1D11E}', false)).toBe('\\uD834\\uDD1E'); // UTF-16 units, as Java chars
  });

  it('a field that would turn a whole value into ${null} is refused (the client would delete that key)', () => {
    expect(() => buildAnswer(loaded, form({ username: '${null}' }))).toThrow(HostileFieldError);
    expect(() => buildAnswer(loaded, form({ username: '${nu', osname: 'll}' }))).not.toThrow(); // only whole values count
  });

  it('${null} in the site itself reaches the client and removes the tree there', () => {
    const answer = buildAnswer(loaded, form({ osname: 'Linux' }));
    const applied = applyAnswer(new Map([['net.java.sip.communicator.impl.gui.main.MainFrame.x', '1']]), parseProperties(answer.text));
    expect(applied.after.has('net.java.sip.communicator.impl.gui.main.MainFrame.x')).toBe(false);
  });
});
