import { describe, expect, it } from 'vitest';
import { buildAnswer } from '../../../src/server/answer.js';
import { ProvisioningServer } from '../../../src/server/server.js';
import { loadSite } from '../../../src/server/site.js';
import { hashPassword } from '../../../src/server/users.js';
import { usageError } from '../usage-error.js';
import { TEMPLATE, writeSite } from './site-fixture.js';

const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';
const SIP = [
  `${ACC}=acc1`,
  `${ACC}.ACCOUNT_UID=SIP:\${account.extension}@sip.example.org`,
  `${ACC}.USER_ID=\${account.extension}@sip.example.org`,
  `${ACC}.SERVER_ADDRESS=sip.example.org`,
  `${ACC}.PASSWORD=\${account.sip_password}`,
  `${ACC}.DISPLAY_NAME=\${account.name}`,
  '',
].join('\n');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A site with [accounts] from `csv`; `serve` and `accounts` add lines to those sections. */
function csvSite(csv: string | Buffer, { serve = '', accounts = '', profiles = '' } = {}) {
  return writeSite({
    'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n${serve}\n[accounts]\nsource = accounts.csv\n${accounts}\n[profile sip]\nmatch.account = present\nproperties = sip.properties\n[profile guest]\nmatch.account = absent\nproperties = guest.properties\n${profiles}`,
    'accounts.csv': csv,
    'sip.properties': SIP,
    'guest.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.title=guest\n',
  });
}
const load =
  (...args: Parameters<typeof csvSite>) =>
  () =>
    loadSite(csvSite(...args).site);
const answerFor = (site: ReturnType<typeof loadSite>, username: string) =>
  buildAnswer(site, new Map([['username', username]]), site.accounts?.source.kind === 'csv' ? site.accounts.source.table.rows.get(username) : undefined);

describe('[accounts] from a CSV file', () => {
  it('a spreadsheet export (BOM, CRLF, quoted commas, quotes and line breaks) gives each user their own SIP account', () => {
    const csv = '\uFEFFusername,name,extension,sip_password\r\nalice,"Liddell, Alice",1001,"pa""ss"\r\nbob,"Bob\r\nSmith",1002,hunter2\r\n\r\n';
    const site = loadSite(csvSite(csv).site);
    expect(site.accounts?.fields).toEqual(['username', 'name', 'extension', 'sip_password']);
    const alice = answerFor(site, 'alice');
    expect(alice.profiles).toEqual(['sip']);
    expect(alice.text).toBe(
      [
        `${ACC}=acc1`,
        `${ACC}.ACCOUNT_UID=SIP\\:1001@sip.example.org`,
        `${ACC}.USER_ID=1001@sip.example.org`,
        `${ACC}.SERVER_ADDRESS=sip.example.org`,
        `${ACC}.PASSWORD=pa"ss`,
        `${ACC}.DISPLAY_NAME=Liddell, Alice`,
        '',
      ].join('\n'),
    );
    expect(answerFor(site, 'bob').text).toContain(`${ACC}.DISPLAY_NAME=Bob\\r\\nSmith\n`);
    expect(answerFor(site, 'carol').profiles).toEqual(['guest']);
  });

  it('500 users from the file: each gets their own answer over HTTP, a client without a row the guest profile', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `user${i},User ${i},${2000 + i},pw${i}`);
    const server = new ProvisioningServer(loadSite(csvSite(`username,name,extension,sip_password\n${rows.join('\n')}\n`).site));
    try {
      const answers = await Promise.all(rows.map((_, i) => server.app.inject({ method: 'POST', url: '/prov', payload: `username=user${i}`, headers: FORM })));
      answers.forEach((res, i) => {
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain(`${ACC}.USER_ID=${2000 + i}@sip.example.org\n${ACC}.SERVER_ADDRESS=sip.example.org\n${ACC}.PASSWORD=pw${i}\n`);
      });
      const guest = await server.app.inject({ method: 'POST', url: '/prov', payload: 'username=stranger', headers: FORM });
      expect(guest.body).toBe('net.java.sip.communicator.impl.gui.main.MainFrame.title=guest\n');
    } finally {
      await server.close();
    }
  });

  it('a client cannot post an account field: ${account.X} comes from the file only', async () => {
    const server = new ProvisioningServer(loadSite(csvSite('username,name,extension,sip_password\nalice,Alice,1001,x\n').site));
    try {
      const res = await server.app.inject({
        method: 'POST',
        url: '/prov',
        payload: 'username=carol&account.extension=1001&account.sip_password=stolen',
        headers: FORM,
      });
      expect(res.body).not.toMatch(/1001|stolen/);
    } finally {
      await server.close();
    }
  });

  it('escapes account values like any field: a value cannot end its line or become ${null}', () => {
    const site = loadSite(csvSite('username,name,extension,sip_password\nmallory,"x\nprovisioning.ENFORCE_PREFIX=evil",1,${null}\n').site);
    expect(() => answerFor(site, 'mallory')).toThrow(/turns net\.java\.sip\.communicator\.impl\.protocol\.sip\.acc1\.PASSWORD \(profile sip\) into \$\{null\}/);
  });

  const errors: [string, string, RegExp, RegExp][] = [
    ['a duplicate key', 'username,name\nalice,A\nbob,B\nalice,C\n', /accounts\.csv line 4: username "alice" is already on line 2/, /one row per username/],
    [
      'a missing key column',
      'user,name\nalice,A\n',
      /accounts\.csv line 1: there is no column "username"/,
      /add a column named username \(the header has: user, name\)/,
    ],
    ['a ragged row', 'username,name,extension\nalice,A,1\nbob,B\n', /accounts\.csv line 3 has 2 field\(s\), the header 3/, /one value per column/],
    [
      'a ragged row after a quoted line break',
      'username,name\r\nalice,"A\r\nB"\r\nbob\r\n',
      /accounts\.csv line 4 has 1 field\(s\), the header 2/,
      /one value per column/,
    ],
    ['an unclosed quote', 'username,name\nalice,"A\nbob,B\n', /accounts\.csv line \d+: Quote Not Closed/, /RFC 4180/],
    ['an empty key', 'username,name\n,A\n', /accounts\.csv line 2: the username is empty/, /or remove the row/],
    ['a column named twice', 'username,name,name\n', /line 1: the column "name" is named twice/, /its own name/],
    ['an empty file', '', /accounts\.csv is empty/, /header row/],
  ];
  for (const [what, csv, message, hint] of errors) {
    it(`refuses ${what}, naming the line`, () => {
      const err = usageError(load(csv, { profiles: '' }));
      expect(err.message).toMatch(/site\.ini: \[accounts\] key "source": /);
      expect(err.message).toMatch(message);
      expect(err.hint).toMatch(hint);
    });
  }

  it('refuses ${account.X} the file cannot give, and account references without [accounts], when the site loads', () => {
    const missing = usageError(load('username,name\nalice,A\n'));
    expect(missing.message).toMatch(
      /\[profile sip\] key "properties": sip\.properties line 2 uses \$\{account\.extension\}, but the accounts file has no column "extension"/,
    );
    expect(missing.hint).toMatch(/\$\{account\.username\}, \$\{account\.name\}/);
    const { site } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n[profile a]\nproperties = a.properties\n`,
      'a.properties': 'a=${account.name}\n',
    });
    expect(usageError(() => loadSite(site)).message).toMatch(/uses \$\{account\.name\}, but the site has no \[accounts\] section/);
  });

  it('match.account takes present or absent, and needs [accounts]', () => {
    expect(
      usageError(load('username,name,extension,sip_password\n', { profiles: '[profile x]\nmatch.account = yes\nproperties = guest.properties\n' })).message,
    ).toMatch(/\[profile x\] key "match\.account": "yes" is not present or absent/);
    const { site } = writeSite({
      'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n[profile a]\nmatch.account = present\nproperties = a.properties\n`,
      'a.properties': 'a=1\n',
    });
    expect(usageError(() => loadSite(site)).message).toMatch(/key "match\.account": needs an \[accounts\] section/);
  });

  it('keys by another posted field (hwaddr, for device accounts)', () => {
    const site = loadSite(csvSite('hwaddr,name,extension,sip_password\n52:54:00:12:34:56,Lobby,1900,k\n', { accounts: 'key = hwaddr' }).site);
    const row = site.accounts?.source.kind === 'csv' ? site.accounts.source.table.rows.get('52:54:00:12:34:56') : undefined;
    expect(buildAnswer(site, new Map([['hwaddr', '52:54:00:12:34:56']]), row).text).toContain(`${ACC}.USER_ID=1900@sip.example.org\n`);
    expect(usageError(load('x\n', { accounts: 'key = mac' })).message).toMatch(/\[accounts\] key "key": the template posts no field "mac"/);
  });

  it('refuses settings of the other kind of source, and a login that does not fit it', () => {
    expect(usageError(load('username\n', { accounts: 'base = dc=x' })).message).toMatch(
      /\[accounts\] key "base": is not an \[accounts\] setting for a CSV file/,
    );
    expect(usageError(load('username\n', { serve: 'login = ldap' })).message).toMatch(
      /\[accounts\] key "source": is a file, but login = ldap needs a directory/,
    );
    expect(usageError(load('username\n', { serve: 'login = kerberos' })).message).toMatch(/\[serve\] key "login": "kerberos" is not a way to log in/);
  });
});

describe('login = accounts: a password hash column', () => {
  it('checks the posted password against the row, 401 otherwise; the hash is never an account field', async () => {
    const hash = await hashPassword('s3cret');
    // the hash holds commas: a spreadsheet quotes it, as RFC 4180 says
    const { site } = csvSite(`username,name,extension,sip_password,password\nalice,Alice,1001,sip-pw,"${hash}"\n`, { serve: 'login = accounts' });
    const loaded = loadSite(site);
    expect(loaded.accounts?.fields).not.toContain('password');
    const server = new ProvisioningServer(loaded);
    try {
      const post = (payload: string) => server.app.inject({ method: 'POST', url: '/prov', payload, headers: FORM });
      const ok = await post('username=alice&password=s3cret');
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain(`${ACC}.PASSWORD=sip-pw\n`);
      expect(ok.body).not.toContain('scrypt');
      expect((await post('username=alice&password=nope')).statusCode).toBe(401);
      expect((await post('username=bob&password=s3cret')).statusCode).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('refuses a row whose password is not a provdisc passwd hash, naming the line', () => {
    const err = usageError(load('username,name,extension,sip_password,password\nalice,A,1,x,plaintext\n', { serve: 'login = accounts' }));
    expect(err.message).toMatch(/accounts\.csv line 2: the password of "alice" is not a provdisc passwd hash/);
    expect(err.hint).toMatch(/provdisc passwd/);
  });
});
