/**
 * `serve` with `login = ldap` and `[accounts]` from a real directory: Debian's slapd on this
 * machine's loopback (a TCP server that needs no LAN), seeded with 500 people, stopped after.
 * Logins, hostile user names, a directory down or frozen, and every person's own answer.
 */
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/server/login-limiter.js';
import { ProvisioningServer, type RequestRecord } from '../../src/server/server.js';
import { loadSite } from '../../src/server/site.js';
import { requirePeers } from '../lab/requirements.js';
import { ADMIN_DN, ADMIN_PASSWORD, freeLoopbackPort, LOCAL, PEOPLE, startSlapd, type SlapdPeer, SIP_ACCOUNT, sipAccountProperties } from '../lab/slapd.js';
import { makeCertificates } from '../unit/certificates.js';
import { runCli } from '../unit/cli/run-cli.js';
import { writeSite } from '../unit/server/site-fixture.js';
import { defined } from '../defined.js';

const requirements = requirePeers(['slapd']);

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A site whose directory is `url`; `extra` goes into [accounts]. */
function ldapSite(url: string, extra = '') {
  const files = writeSite({
    'site.ini': [
      '[serve]',
      'template = http://127.0.0.1/prov?username=${username}&password=${password}&osname=${osname}',
      'login = ldap',
      '[accounts]',
      `source = ${url}`,
      `base = ${PEOPLE}`,
      `bind-dn = ${ADMIN_DN}`,
      'bind-password-file = bind-password',
      'map.name = cn',
      'map.phone = telephoneNumber',
      extra,
      '[profile sip]',
      'match.account = present',
      'properties = sip.properties',
      '',
    ].join('\n'),
    'sip.properties': sipAccountProperties('${account.name} (${account.phone})'),
    'bind-password': `${ADMIN_PASSWORD}\n`,
  });
  chmodSync(path.join(files.dir, 'bind-password'), 0o600);
  return files;
}

describe.skipIf(requirements.skip)(`serve with login = ldap against slapd${requirements.note}`, () => {
  let slapd: SlapdPeer;
  let site: string;
  let server: ProvisioningServer;
  const log: RequestRecord[] = [];
  beforeAll(async () => {
    requirements.assert();
    slapd = await startSlapd(LOCAL, { users: 500, port: await freeLoopbackPort() });
    site = ldapSite(slapd.url).site;
    server = new ProvisioningServer(loadSite(site), { onRequest: (r) => log.push(r), limiter: new LoginLimiter() });
  });
  afterAll(async () => {
    await server?.close();
    await slapd?.stop();
  });

  const post = (fields: Record<string, string>, remoteAddress = '10.0.0.2') =>
    server.app.inject({ method: 'POST', url: '/prov', payload: new URLSearchParams(fields).toString(), headers: FORM, remoteAddress });

  it("a good login: 200 with the person's own account from the directory", async () => {
    const res = await post({ username: 'alice', password: 's3cret', osname: 'Linux' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`${SIP_ACCOUNT}=acc1\n`);
    expect(res.body).toContain(`${SIP_ACCOUNT}.ACCOUNT_UID=SIP\\:alice@sip.example.org\n`);
    expect(res.body).toContain(`${SIP_ACCOUNT}.DISPLAY_NAME=Alice Liddell (+1 555 1000)\n`);
    expect(log.at(-1)).toMatchObject({ status: 200, username: 'alice', profiles: ['sip'] });
  });

  it('a wrong password, an unknown user: 401 (Jitsi asks again)', async () => {
    expect((await post({ username: 'alice', password: 'wrong' }, '10.0.1.1')).statusCode).toBe(401);
    expect(log.at(-1)).toMatchObject({ status: 401, reason: 'wrong user name or password (wrong password)' });
    expect((await post({ username: 'nobody', password: 's3cret' }, '10.0.1.1')).statusCode).toBe(401);
    expect(log.at(-1)).toMatchObject({ status: 401, reason: 'wrong user name or password (no such user in the directory)' });
  });

  it("an empty password is refused before any bind, though this directory accepts the DN's unauthenticated bind", async () => {
    slapd.pause(); // nothing can be asked: the answer comes without the directory
    try {
      const res = await post({ username: 'alice', password: '' }, '10.0.1.2');
      expect(res.statusCode).toBe(401);
      expect(log.at(-1)).toMatchObject({ reason: 'wrong user name or password (empty password)' });
    } finally {
      slapd.resume();
    }
  });

  it('user names that would widen an unescaped filter match nobody, even with a real password', async () => {
    for (const username of ['*)(uid=*', 'alice)(|(uid=*', '*', 'al*']) {
      expect((await post({ username, password: 's3cret' }, '10.0.1.3')).statusCode, username).toBe(401);
    }
  });

  it('30 correct logins at once from one address all get 200', async () => {
    const people = slapd.users.slice(1, 31);
    const answers = await Promise.all(people.map((u) => post({ username: u.uid, password: u.password }, '10.0.2.1')));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
  });

  it('all 500 people log in at once and each gets their own account', async () => {
    const answers = await Promise.all(slapd.users.map((u, i) => post({ username: u.uid, password: u.password }, `10.1.${i >> 8}.${i & 255}`)));
    answers.forEach((res, i) => {
      const u = defined(slapd.users[i]);
      expect(res.statusCode, u.uid).toBe(200);
      expect(res.body).toContain(`${SIP_ACCOUNT}.DISPLAY_NAME=${u.cn} (${u.telephoneNumber})\n`);
      expect(res.body).toContain(`${SIP_ACCOUNT}.USER_ID=${u.uid}@sip.example.org\n`);
    });
  }, 60_000);

  it('a frozen directory (answering after 8 s): 503 within 5 s and a log line; the next login after it answers again is checked', async () => {
    slapd.pause();
    const frozeAt = performance.now();
    const started = performance.now();
    const res = await post({ username: 'alice', password: 's3cret' }, '10.0.3.1');
    const ms = performance.now() - started;
    expect(res.statusCode).toBe(503);
    expect(ms).toBeLessThan(5_000);
    expect(log.at(-1)).toMatchObject({ status: 503, reason: `${slapd.url} did not answer within 4 s` });
    await new Promise((resolve) => setTimeout(resolve, 8_000 - (performance.now() - frozeAt)));
    slapd.resume();
    expect((await post({ username: 'alice', password: 'wrong' }, '10.0.3.1')).statusCode).toBe(401);
    expect((await post({ username: 'alice', password: 's3cret' }, '10.0.3.1')).statusCode).toBe(200);
  }, 30_000);

  it('serve --check --set username=alice looks her up; --check alone samples the directory', async () => {
    const one = await runCli('serve', '--check', site, '--set', 'username=alice');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/login = ldap, accounts from ldap:\/\/127\.0\.0\.1:\d+ \(ou=people,dc=example,dc=org\)/);
    expect(one.stderr).toMatch(/the directory answers: 10 sample entries read\n/);
    expect(one.stderr).toMatch(/username="alice" has an account \(fields: name, phone\)\n/);
    expect(one.stdout).toContain(`${SIP_ACCOUNT}.DISPLAY_NAME=Alice Liddell (+1 555 1000)\n`);
    const none = await runCli('serve', '--check', site, '--set', 'username=nobody');
    expect(none.stderr).toMatch(/username="nobody" has no account\n/);
    expect(none.stdout).toBe('');
    const typo = ldapSite(slapd.url, 'map.mobile = telephoneNumbr').site;
    const bad = await runCli('serve', '--check', typo);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: no sample entry has telephoneNumbr\n {2}fix: check the map\.FIELD = attribute lines/);
    expect([one, none, bad].map((r) => r.stdout + r.stderr).join('')).not.toContain(ADMIN_PASSWORD);
  });

  it('the log holds no password, nor the bind password', () => {
    const text = JSON.stringify(log);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toMatch(/pw-user/);
  });
});

describe.skipIf(requirements.skip)(`serve with a directory that is down${requirements.note}`, () => {
  it('503 at once with the reason in the log, never 200; --check exits 1 saying so', async () => {
    const url = `ldap://127.0.0.1:${await freeLoopbackPort()}`;
    const { site } = ldapSite(url);
    const log: RequestRecord[] = [];
    const server = new ProvisioningServer(loadSite(site), { onRequest: (r) => log.push(r) });
    try {
      const res = await server.app.inject({ method: 'POST', url: '/prov', payload: 'username=alice&password=s3cret', headers: FORM });
      expect(res.statusCode).toBe(503);
      expect(log.at(-1)).toMatchObject({ status: 503, reason: expect.stringMatching(new RegExp(`^${url} failed: connect ECONNREFUSED`)) });
    } finally {
      await server.close();
    }
    const check = await runCli('serve', '--check', site, '--set', 'username=alice');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/error: the directory cannot be asked: ldap:\/\/127\.0\.0\.1:\d+ failed: connect ECONNREFUSED/);
    expect(check.stderr).not.toContain(ADMIN_PASSWORD);
  });
});

describe.skipIf(requirements.skip)(`serve with StartTLS to slapd${requirements.note}`, () => {
  let slapd: SlapdPeer;
  let ca = '';
  beforeAll(async () => {
    requirements.assert();
    const certs = makeCertificates(writeSite({}).dir);
    ca = certs.caFile;
    slapd = await startSlapd(LOCAL, { users: 3, port: await freeLoopbackPort(), tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  }, 60_000);
  afterAll(() => slapd?.stop());

  const login = async (extra: string) => {
    const server = new ProvisioningServer(loadSite(ldapSite(slapd.url, `starttls = yes\n${extra}`).site));
    try {
      return (await server.app.inject({ method: 'POST', url: '/prov', payload: 'username=alice&password=s3cret', headers: FORM })).statusCode;
    } finally {
      await server.close();
    }
  };

  it('upgrades the connection before binding: trusted with ca-file (200), refused without (503)', async () => {
    expect(await login(`ca-file = ${ca}`)).toBe(200);
    expect(await login('')).toBe(503);
  });
});

describe('the bind password file', () => {
  it('is refused when others can read it, naming the file and the fix', () => {
    const { dir, site } = ldapSite('ldap://127.0.0.1:1');
    chmodSync(path.join(dir, 'bind-password'), 0o644);
    expect(() => loadSite(site)).toThrow(/\[accounts\] key "bind-password-file": .*bind-password can be read by others \(mode 644\)/);
  });
});
