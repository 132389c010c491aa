import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_LIMIT_BYTES, buildAnswer, FIELD_LIMIT, OversizeRequestError } from '../../../src/server/answer.js';
import { checkCertificate } from '../../../src/server/certificate.js';
import { ProvisioningServer, type HandshakeFailure, type RequestRecord } from '../../../src/server/server.js';
import { loadSite } from '../../../src/server/site.js';
import { readUsers, setUserPassword } from '../../../src/server/users.js';
import { makeCertificates, makeDatedCertificate } from '../certificates.js';
import { writeSite } from './site-fixture.js';

const ACC = 'net.java.sip.communicator.impl.protocol.sip';
/** A per-device block repeated across accounts: `${id}` referenced `refs` times. */
const repeated = (refs: number) => Array.from({ length: refs }, (_, i) => `${ACC}.acc${i}.DISPLAY_NAME=\${id}\n`).join('');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('one request costs a bounded amount', () => {
  const { site } = writeSite({
    'site.ini': '[serve]\ntemplate = http://prov.example.org/prov?id=${uuid}&os=${osname}\n[profile many]\nproperties = many.properties\n',
    'many.properties': repeated(2000),
  });
  const log: RequestRecord[] = [];
  const server = new ProvisioningServer(loadSite(site), { onRequest: (r) => log.push(r) });
  afterAll(() => server.close());
  const post = (fields: Record<string, string>) =>
    server.app.inject({ method: 'POST', url: '/prov', payload: new URLSearchParams(fields).toString(), headers: FORM });

  it('a 65 000-character field of control characters, referenced 2 000 times: 413 before anything is built, logged without the field', async () => {
    // raw in the body, as a client may send it: 65 003 bytes, under the 64 KiB body limit
    const res = await server.app.inject({ method: 'POST', url: '/prov', payload: `id=${'\x01'.repeat(65_000)}`, headers: FORM });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/the form field "id" has 65000 characters; at most 4096 are answered/);
    expect(log.at(-1)).toMatchObject({ status: 413, uuid: null, reason: expect.stringMatching(/"id" has 65000 characters/) });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('fields within the limit that would make the answer pass 256 KiB: 413, and the server answers the next client', async () => {
    const res = await post({ id: 'x'.repeat(FIELD_LIMIT) });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/the answer would be over 256 KiB/);
    const ok = await post({ id: 'desk-1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body.split('\n')).toHaveLength(2001);
  });

  it('many such requests at once leave the server answering (each refused, /healthz 200 meanwhile)', async () => {
    const flood = Array.from({ length: 30 }, () => post({ id: '\u2028'.repeat(FIELD_LIMIT) }));
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect((await Promise.all(flood)).map((r) => r.statusCode)).toEqual(Array(30).fill(413));
  });

  it('a field at the limit is answered, escaped whole, where the site uses it a few times', () => {
    const value = '\u00e9'.repeat(FIELD_LIMIT);
    const answer = buildAnswer(
      {
        profiles: loadSite(
          writeSite({ 'site.ini': '[serve]\ntemplate = http://h/p?id=${uuid}\n[profile a]\nproperties = a.properties\n', 'a.properties': repeated(10) }).site,
        ).profiles,
      },
      new Map([['id', value]]),
    );
    expect(answer.text.split('\n')[0]).toBe(`${ACC}.acc0.DISPLAY_NAME=${'\\u00E9'.repeat(FIELD_LIMIT)}`);
    expect(answer.body.length).toBeLessThanOrEqual(ANSWER_LIMIT_BYTES);
  });

  it('buildAnswer refuses an answer over the limit with a typed error', () => {
    expect(() => buildAnswer(loadSite(site), new Map([['id', 'y'.repeat(FIELD_LIMIT)]]))).toThrow(OversizeRequestError);
  });

  it('a properties file that alone passes the limit is refused when the site loads, naming it', () => {
    const big = writeSite({
      'site.ini': '[serve]\ntemplate = http://h/p?id=${uuid}\n[profile big]\nproperties = big.properties\n',
      'big.properties': `a=${'b'.repeat(ANSWER_LIMIT_BYTES)}\n`,
    });
    expect(() => loadSite(big.site)).toThrow(
      /\[profile big\] key "properties": big\.properties makes an answer of 262147 bytes; answers over 256 KiB are refused/,
    );
  });
});

describe('the TLS handshake has the headers timeout', () => {
  const tls = writeSite({
    'site.ini': '[serve]\nlisten = 127.0.0.1:0\ntls-cert = server.pem\ntls-key = server.key\ntemplate = https://127.0.0.1/prov?os=${osname}\n',
  });
  const failures: HandshakeFailure[] = [];
  let server: ProvisioningServer;
  let port = 0;
  beforeAll(async () => {
    makeCertificates(tls.dir);
    server = new ProvisioningServer(loadSite(tls.site), { timeouts: { headersMs: 300, requestMs: 600 }, onHandshakeFailure: (f) => failures.push(f) });
    port = Number(new URL(await server.listen()).port);
  }, 60_000);
  afterAll(() => server?.close());

  it('a ClientHello that stalls halfway: the connection is closed, counted and reported', async () => {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      // a TLS record header announcing 512 bytes of handshake, then nothing
      const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.handshakeFailures).toBe(1);
    expect(server.counts.size).toBe(0); // not also an HTTP 400
    expect(failures[0]).toMatchObject({ client: '127.0.0.1', reason: expect.stringMatching(/timed out|timeout/i) });
  });
});

describe('certificate checks when the site loads (start, SIGHUP, --check)', () => {
  const dir = writeSite({}).dir;
  const siteWith = (name: string, host = 'prov.example.org') => {
    const file = path.join(dir, `${name}.ini`);
    writeFileSync(file, `[serve]\ntls-cert = ${name}.pem\ntls-key = ${name}.key\ntemplate = https://${host}:8443/prov?os=\${osname}\n`);
    return file;
  };
  const good = { key: 'ec', subjectAltName: 'DNS:prov.example.org, IP:192.0.2.10', start: '20250101000000Z', end: '20991231000000Z' };
  beforeAll(() => {
    makeDatedCertificate(dir, 'expired', { ...good, start: '20200101000000Z', end: '20210101000000Z' });
    makeDatedCertificate(dir, 'future', { ...good, start: '20990101000000Z', end: '20991231000000Z' });
    makeDatedCertificate(dir, 'weak', { ...good, key: 'rsa:1024' });
    makeDatedCertificate(dir, 'good', good);
  }, 60_000);

  const load = (file: string) => {
    writeFileSync(path.join(dir, 'p.properties'), 'a=1\n');
    writeFileSync(file, `${readFileSync(file, 'utf8')}[profile p]\nproperties = p.properties\n`);
    const warnings: string[] = [];
    const site = loadSite(file, (w) => warnings.push(w));
    return { site, warnings };
  };

  it('expired, or not yet valid: refused, saying when and how to fix it', () => {
    expect(() => loadSite(siteWith('expired'))).toThrow(
      /key "tls-cert": .*expired\.pem: the certificate expired on 2021-01-01T00:00:00\.000Z: every client refuses it/,
    );
    expect(() => loadSite(siteWith('future'))).toThrow(/not valid before 2099-01-01T00:00:00\.000Z/);
  });

  it('a 1024-bit RSA key: a warning naming the fix', () => {
    expect(load(siteWith('weak')).warnings).toEqual([
      expect.stringMatching(/RSA key has 1024 bits: Java refuses RSA keys under 2048 bits; issue a new certificate/),
    ]);
  });

  it("the template's host (name or address) not in the certificate: a warning naming the names it holds", () => {
    expect(load(siteWith('good')).warnings).toEqual([]);
    expect(load(siteWith('good', '192.0.2.10')).warnings).toEqual([]);
    const wrong = load(siteWith('good', 'other.example.org'));
    expect(wrong.warnings).toEqual([
      expect.stringMatching(/not valid for other\.example\.org, the template's host \(it names prov\.example\.org, 192\.0\.2\.10\).*subjectAltName/),
    ]);
    expect(load(siteWith('good', '192.0.2.11')).warnings).toEqual([
      expect.stringMatching(/not valid for 192\.0\.2\.11.*IP:192\.0\.2\.11 in its subjectAltName/),
    ]);
    expect(wrong.site.tls?.certificate.notAfter).toBe('2099-12-31T00:00:00.000Z');
  });

  it('expiring within 30 days: a warning with the date and the days left', () => {
    const pem = readFileSync(path.join(dir, 'good.pem'));
    const soon = Date.parse('2099-12-21T00:00:00Z');
    expect(checkCertificate(pem, 'prov.example.org', soon).findings).toEqual([
      expect.objectContaining({ level: 'warning', message: 'the certificate expires on 2099-12-31T00:00:00.000Z (in 10 day(s))' }),
    ]);
    expect(checkCertificate(pem, 'prov.example.org', soon - 31 * 86_400_000).findings).toEqual([]);
  });
});

describe('the users file refuses what would fail at a login', () => {
  const { dir } = writeSite({});
  const file = path.join(dir, 'users');
  let line = '';
  beforeAll(async () => {
    await setUserPassword(file, 'alice', 's3cret');
    line = readFileSync(file, 'utf8');
  });
  const withText = (text: string) => {
    writeFileSync(file, text);
    return () => readUsers(file);
  };

  it('a byte-order mark is skipped: the first user is alice, not \\uFEFFalice', () => {
    expect([...withText(`\uFEFF${line}`)().keys()]).toEqual(['alice']);
  });

  it('names with whitespace, a colon or a control character are refused with the line', () => {
    const hash = line.slice('alice:'.length);
    expect(withText(`${line}al:ice:${hash}`)).toThrow(/line 2: the user name "al:ice" holds ':'/);
    expect(withText(`${line} bob:${hash}`)).toThrow(/line 2: the user name " bob" holds whitespace or a control character/);
    expect(withText(`${line}b\u0007b:${hash}`)).toThrow(/line 2: the user name "b\\u0007b" holds whitespace or a control character/);
  });

  it('scrypt parameters outside the window are refused when the file loads, saying which', () => {
    const salt = 'c2FsdHNhbHRzYWx0c2FsdA==';
    const key = Buffer.alloc(32, 1).toString('base64');
    const user = (params: string) => `bob:$scrypt$${params}$${salt}$${key}\n`;
    expect(withText(user('N=3,r=8,p=1'))).toThrow(/line 1: the hash of "bob" is refused: N=3 is not a power of two of at least 1024/);
    expect(withText(user('N=1048576,r=8,p=1'))).toThrow(/N=1048576, r=8 needs 1024 MiB a login \(at most 128\)/);
    expect(withText(user('N=16384,r=8,p=16'))).toThrow(/over 8 times the work/);
    expect(withText(user('N=131072,r=8,p=1'))().size).toBe(1);
  });
});
