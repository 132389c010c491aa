/**
 * What `provdisc serve` answers is read by Java's own Properties.load exactly as meant: hostile form
 * values stay inside their one value, keys and order are the site's (issue 10).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAnswer } from '../../src/server/answer.js';
import { loadSite } from '../../src/server/site.js';
import { javaReadProperties } from '../lab/peers.js';
import { requirePeers } from '../lab/requirements.js';
import { OS_PROFILES, TEMPLATE, writeSite } from '../unit/server/site-fixture.js';

const requirements = requirePeers(['jdk']);
const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';
const HOSTILE = [
  `bob\n${ACC}.SERVER_ADDRESS=evil.example`,
  'bob\r\nprovisioning.ENFORCE_PREFIX=x',
  'a\\',
  'a\\\nb',
  '=x:y#z!w',
  '#x',
  '!x',
  '  leading',
  'trailing\\ ',
  'é €𝄞 ☎ ключ',
  '\u2028\u0085\f\t\0\x7f',
  '${null}x',
  '\\u0041',
];

describe.skipIf(requirements.skip)(`serve answers as Java's Properties.load reads them${requirements.note}`, () => {
  beforeAll(() => requirements.assert());

  it('every hostile value comes back as itself, under its own key, in the site order', async () => {
    const { site } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n${OS_PROFILES.join('\n')}\n`,
      'common.properties': `net.java.x=\${null}\n${ACC}.USER_ID=\${username}\n${ACC}.DISPLAY_NAME=\${username} on \${osname}\n`,
      'linux.properties': 'a\\ key\\=with\\:separators=v\n',
      'windows.properties': 'w=1\n',
    });
    const loaded = loadSite(site);
    for (const value of HOSTILE) {
      const answer = buildAnswer(
        loaded,
        new Map([
          ['username', value],
          ['osname', 'Linux'],
        ]),
      );
      expect(await javaReadProperties(answer.body), JSON.stringify(value)).toEqual([
        ['net.java.x', '${null}'],
        [`${ACC}.USER_ID`, value],
        [`${ACC}.DISPLAY_NAME`, `${value} on Linux`],
        ['a key=with:separators', 'v'],
      ]);
    }
  }, 120_000);
});
