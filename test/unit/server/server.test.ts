import { writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision } from '../../../src/client/provision.js';
import { buildRequest } from '../../../src/client/placeholders.js';
import { LoginLimiter } from '../../../src/server/login-limiter.js';
import { ProvisioningServer, type RequestRecord } from '../../../src/server/server.js';
import { loadSite } from '../../../src/server/site.js';
import { setUserPassword } from '../../../src/server/users.js';
import { makeCertificates } from '../certificates.js';
import { TEMPLATE, writeSite } from './site-fixture.js';
import { defined } from '../../defined.js';

const files = {
  'site.ini': `[serve]\ntemplate = ${TEMPLATE}\nusers = users\n\n[profile common]\nproperties = common.properties\n\n[profile linux]\nmatch.osname = Linux\nproperties = linux.properties\n`,
  'common.properties': 'net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=${username}\n',
  'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
  users: '',
};
const { dir, site } = writeSite(files);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const body = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

let server: ProvisioningServer;
const log: RequestRecord[] = [];
let now = 1_000_000;

beforeAll(async () => {
  await setUserPassword(path.join(dir, 'users'), 'alice', 's3cret');
  await setUserPassword(path.join(dir, 'users'), 'bob', 'hunter2');
  for (let i = 0; i < 30; i++) await setUserPassword(path.join(dir, 'users'), `staff${i}`, `pw${i}`);
  server = new ProvisioningServer(loadSite(site), { onRequest: (r) => log.push(r), limiter: new LoginLimiter(() => now) });
}, 30_000);
afterAll(() => server.close());

const post = (fields: Record<string, string>, remoteAddress = '10.0.0.2') =>
  server.app.inject({ method: 'POST', url: '/prov', payload: body(fields), headers: FORM, remoteAddress });

describe('provdisc serve (Fastify inject)', () => {
  it('answers the right credentials with the matching profiles, as ISO-8859-1 properties', async () => {
    const res = await post({ username: 'alice', password: 's3cret', osname: 'Linux', hwaddr: '52:54:00:00:00:01', uuid: 'u-1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=ISO-8859-1');
    expect(res.body).toBe('net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=alice\nnet.java.sip.communicator.impl.gui.main.MainFrame.height=250\n');
    const entry = defined(log.at(-1));
    expect(entry).toMatchObject({
      client: '10.0.0.2',
      username: 'alice',
      osname: 'Linux',
      hwaddr: '52:54:00:00:00:01',
      uuid: 'u-1',
      profiles: ['common', 'linux'],
      status: 200,
    });
    expect(JSON.stringify(log)).not.toContain('s3cret');
  });

  it('401 on a wrong password or an unknown user (Jitsi asks again), never logging the password', async () => {
    expect((await post({ username: 'alice', password: 'wrong' }, '10.0.0.3')).statusCode).toBe(401);
    expect((await post({ username: 'mallory', password: 's3cret' }, '10.0.0.3')).statusCode).toBe(401);
    expect((await post({ username: 'bob', password: 's3cret' }, '10.0.0.3')).statusCode).toBe(401); // another user's password
    expect(log.at(-1)).toMatchObject({ status: 401, username: 'bob', reason: 'wrong user name or password' });
    expect(JSON.stringify(log)).not.toMatch(/s3cret|wrong"/);
  });

  it('403 (Retry-After) after 30 failures from one address within a minute, for the rest of that minute, even for the right password; others unaffected', async () => {
    const attacker = '10.0.0.66';
    for (let i = 0; i < 30; i++) expect((await post({ username: `sprayed${i}`, password: 'guess' }, attacker)).statusCode).toBe(401);
    const blocked = await post({ username: 'alice', password: 's3cret' }, attacker);
    expect(blocked.statusCode).toBe(403);
    expect(Number(blocked.headers['retry-after'])).toBe(60);
    expect(blocked.body).toBe('too many failed logins; try again in 60 s\n');
    expect(log.at(-1)).toMatchObject({ status: 403, username: 'alice', reason: 'too many failed logins from this address' });
    expect((await post({ username: 'alice', password: 's3cret' }, '10.0.0.67')).statusCode).toBe(200);
    now += 59_000;
    expect((await post({ username: 'alice', password: 's3cret' }, attacker)).statusCode).toBe(403);
    now += 1_000;
    expect((await post({ username: 'alice', password: 's3cret' }, attacker)).statusCode).toBe(200);
  }, 30_000);

  it('403 for a user name after 5 failures within a minute, from any addresses; other names from the same address log in', async () => {
    for (let i = 0; i < 5; i++) expect((await post({ username: 'bob', password: `guess${i}` }, `10.0.1.${i}`)).statusCode).toBe(401);
    const blocked = await post({ username: 'bob', password: 'hunter2' }, '10.0.1.99');
    expect(blocked.statusCode).toBe(403);
    expect(log.at(-1)).toMatchObject({ status: 403, username: 'bob', reason: 'too many failed logins for this user name' });
    expect((await post({ username: 'alice', password: 's3cret' }, '10.0.1.0')).statusCode).toBe(200);
    now += 60_000;
    expect((await post({ username: 'bob', password: 'hunter2' }, '10.0.1.99')).statusCode).toBe(200);
  });

  it('40 wrong logins at once from one address: exactly 30 are checked (401), 10 refused unhashed (403); another address logs in', async () => {
    const flood = '10.0.0.80';
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => post({ username: `flood${i}`, password: 'guess' }, flood)))).map(
      (r) => r.statusCode,
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(30);
    expect(statuses.filter((s) => s === 403)).toHaveLength(10);
    expect((await post({ username: 'alice', password: 's3cret' }, '10.0.0.81')).statusCode).toBe(200);
    now += 60_000; // the flood's minute ends before the next test
  }, 30_000);

  it('30 correct logins at once from one address (an office behind NAT at 9:00) all get 200, with 10 wrong ones among them', async () => {
    const office = '10.0.2.1';
    const logins = Array.from({ length: 30 }, (_, i) => post({ username: `staff${i}`, password: `pw${i}`, osname: 'Linux' }, office));
    const typos = Array.from({ length: 10 }, (_, i) => post({ username: `staff${i}`, password: `typo${i}` }, office));
    const [good, bad] = await Promise.all([Promise.all(logins), Promise.all(typos)]);
    expect(good.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
    expect(defined(good[7]).body).toContain('USER_ID=staff7\n');
    expect(bad.map((r) => r.statusCode)).toEqual(Array(10).fill(401));
    now += 60_000;
  }, 30_000);

  it('29 failures spread so that 30 never fall within one minute are not blocked', async () => {
    const slow = '10.0.0.70';
    for (let i = 0; i < 29; i++) expect((await post({ username: `slow${i}`, password: 'x' }, slow)).statusCode).toBe(401);
    now += 60_000;
    for (let i = 0; i < 29; i++) expect((await post({ username: `slow${i}`, password: 'x' }, slow)).statusCode).toBe(401);
    expect((await post({ username: 'alice', password: 's3cret' }, slow)).statusCode).toBe(200);
    now += 60_000;
  }, 30_000);

  it('413 for a body over 64 KiB, or a field over 4096 characters (before the password is checked)', async () => {
    const res = await post({ username: 'alice', password: 's3cret', osname: 'x'.repeat(64 * 1024) });
    expect(res.statusCode).toBe(413);
    const manyFields = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extra${i}`, 'x'.repeat(4096)]));
    expect((await post({ username: 'alice', password: 's3cret', ...manyFields })).statusCode).toBe(200);
    const long = await post({ username: 'alice', password: 'wrong', osname: 'x'.repeat(4097) }, '10.0.0.90');
    expect(long.statusCode).toBe(413);
    expect(log.at(-1)).toMatchObject({ status: 413, reason: 'the form field "osname" has 4097 characters; at most 4096 are answered' });
  });

  it('405 with a hint for a GET on the path; 200 on /healthz; 404 elsewhere', async () => {
    const get = await server.app.inject({ method: 'GET', url: '/prov?osname=Linux' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(get.body).toMatch(/Jitsi clients POST their form here/);
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/other' })).statusCode).toBe(404);
    expect((await server.app.inject({ method: 'POST', url: '/other', payload: 'a=b', headers: FORM })).statusCode).toBe(404);
  });

  it('a malformed request gets 4xx and the server goes on', async () => {
    expect((await server.app.inject({ method: 'POST', url: '/prov', payload: '{"a":1}', headers: { 'content-type': 'application/json' } })).statusCode).toBe(
      415,
    );
    expect((await post({ username: '${null}', password: 'x' })).statusCode).toBe(401);
    expect((await post({ username: 'alice', password: 's3cret' })).statusCode).toBe(200);
    expect(server.counts.get(415)).toBe(1);
  });

  it('reload: a new site replaces the old; a broken one is refused with file, section and key, and the old keeps serving', async () => {
    writeFileSync(path.join(dir, 'linux.properties'), 'net.java.sip.communicator.impl.gui.main.MainFrame.height=300\n');
    server.replaceSite(loadSite(site));
    expect((await post({ username: 'alice', password: 's3cret', osname: 'Linux' })).body).toContain('height=300');

    writeFileSync(site, `${files['site.ini']}\n[profile broken]\nmatch.osnam = Linux\nproperties = linux.properties\n`);
    expect(() => server.replaceSite(loadSite(site))).toThrow(/site\.ini: \[profile broken\] key "match\.osnam": the template posts no field "osnam"/);
    expect((await post({ username: 'alice', password: 's3cret', osname: 'Linux' })).body).toContain('height=300');
    writeFileSync(site, files['site.ini']);
  });
});

describe('slow clients (header and request timeouts), on a real socket', () => {
  const slow = writeSite({
    ...files,
    'site.ini': `[serve]\nlisten = 127.0.0.1:0\ntemplate = ${TEMPLATE}\n\n[profile linux]\nmatch.osname = Linux\nproperties = linux.properties\n`,
  });
  let slowServer: ProvisioningServer;
  let port = 0;
  beforeAll(async () => {
    slowServer = new ProvisioningServer(loadSite(slow.site), { timeouts: { headersMs: 300, requestMs: 600 } });
    port = Number(new URL(await slowServer.listen()).port);
  });
  afterAll(() => slowServer?.close());

  /** Sends `text` and never more; resolves with what the server said before closing, and when. */
  const trickle = (text: string) =>
    new Promise<{ answer: string; ms: number }>((resolve) => {
      const started = performance.now();
      let answer = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
      socket.setEncoding('latin1').on('data', (d: string) => (answer += d));
      socket.on('close', () => resolve({ answer, ms: performance.now() - started }));
      socket.on('error', () => undefined);
    });

  it('headers that never end: 408 and the connection closed', async () => {
    const { answer, ms } = await trickle('POST /prov HTTP/1.1\r\nHost: x\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(5_000);
  });

  it('a body that never comes: 408 and the connection closed; the server still answers others', async () => {
    const { answer } = await trickle(
      'POST /prov HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nosname=Li',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const ok = await trickle(
      'POST /prov HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nosname=Linux',
    );
    expect(ok.answer).toMatch(/^HTTP\/1\.1 200 [\s\S]*height=250\n$/);
  });

  it('both 408s are counted with the other answers', () => {
    expect(slowServer.counts.get(408)).toBe(2);
    expect(slowServer.counts.get(200)).toBe(1);
  });
});

describe('graceful stop', () => {
  it('close() stops accepting but lets a request in flight finish with its answer', async () => {
    const { site: file } = writeSite({
      ...files,
      'site.ini': `[serve]\nlisten = 127.0.0.1:0\ntemplate = ${TEMPLATE}\n\n[profile linux]\nmatch.osname = Linux\nproperties = linux.properties\n`,
    });
    const s = new ProvisioningServer(loadSite(file));
    const port = Number(new URL(await s.listen()).port);
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1').on('data', (d: string) => (answer += d));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write('POST /prov HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nosname=');
    await new Promise((resolve) => setTimeout(resolve, 100));
    let closed = false;
    const closing = s.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(new Promise((resolve, reject) => net.connect(port, '127.0.0.1', () => resolve('accepted')).on('error', reject))).rejects.toThrow(
      /ECONNREFUSED/,
    );
    expect(closed).toBe(false);
    socket.write('Linux');
    await closing;
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 [\s\S]*height=250\n$/);
  });
});

describe('provdisc serve over TLS with a CA the test makes', () => {
  const tlsDir = writeSite({
    ...files,
    'site.ini': `[serve]\nlisten = 127.0.0.1:0\ntls-cert = server.pem\ntls-key = server.key\ntemplate = https://127.0.0.1/prov?osname=\${osname}\n\n[profile linux]\nmatch.osname = Linux\nproperties = linux.properties\n`,
  });
  let tlsServer: ProvisioningServer;
  let base = '';
  let ca = '';
  beforeAll(async () => {
    ca = makeCertificates(tlsDir.dir).ca;
    tlsServer = new ProvisioningServer(loadSite(tlsDir.site));
    base = await tlsServer.listen();
  }, 60_000);
  afterAll(() => tlsServer?.close());

  it('a client trusting the CA is provisioned, as provdisc provision does it', async () => {
    const result = await provision({ build: () => buildRequest(`${base}/prov?osname=Linux`), tls: { ca } });
    expect(result.status).toBe(200);
    expect(result.body.toString('latin1')).toBe('net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n');
  });

  it('a client not trusting it refuses the certificate', async () => {
    await expect(provision({ build: () => buildRequest(`${base}/prov?osname=Linux`) })).rejects.toThrow(/certificate of 127\.0\.0\.1:\d+ is not trusted/);
  });

  it('reload picks up a renewed certificate for new connections', async () => {
    const first = await peerCertificate(base, ca);
    const renewed = makeCertificates(tlsDir.dir);
    tlsServer.replaceSite(loadSite(tlsDir.site));
    const second = await peerCertificate(base, renewed.ca);
    expect(second).not.toBe(first);
  }, 60_000);
});

function peerCertificate(base: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}/healthz`, { ca, agent: false }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve(fingerprint));
    });
    req.on('error', reject);
  });
}

describe('serve answers what the typed credentials spoil with 401, which Jitsi meets by asking again', () => {
  const open = writeSite({
    'site.ini': `[serve]\ntemplate = ${TEMPLATE}\n\n[profile common]\nproperties = common.properties\n`,
    'common.properties':
      'net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=${username}\nnet.java.sip.communicator.impl.gui.main.MainFrame.title=${osname}\n',
  });
  const noLogin = new ProvisioningServer(loadSite(open.site));
  afterAll(() => noLogin.close());
  const postTo = (fields: Record<string, string>) => noLogin.app.inject({ method: 'POST', url: '/prov', payload: body(fields), headers: FORM });

  it('a user name that turns a value into ${null}, or a password over 4096 characters: 401 (400 and 413 the client drops silently)', async () => {
    expect((await postTo({ username: '${null}', osname: 'Linux' })).statusCode).toBe(401);
    expect((await postTo({ username: 'alice', password: 'x'.repeat(4097) })).statusCode).toBe(401);
  });

  it('other fields a user does not type keep 400 and 413: asking for credentials would not help', async () => {
    expect((await postTo({ username: 'alice', osname: '${null}' })).statusCode).toBe(400);
    expect((await postTo({ username: 'alice', osname: 'x'.repeat(4097) })).statusCode).toBe(413);
  });
});
