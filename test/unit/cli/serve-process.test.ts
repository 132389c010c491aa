/**
 * `provdisc serve` as an admin runs it (the built CLI, a real process on 127.0.0.1), against hostile
 * and broken clients: what its log shows, what it counts, and how it reloads.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCertificates, makeDatedCertificate } from '../certificates.js';
import { writeSite } from '../server/site-fixture.js';
import { defined } from '../../defined.js';

const BIN = path.resolve(import.meta.dirname, '../../../bin/provdisc');
const FORGED = '2026-12-01T03:00:22.051Z 198.51.100.2 POST /prov alice Linux → 200 [linux] 1 ms';

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  url: string;
  readonly ca: string;
  readonly dir: string;
  stdout: string;
  stderr: string;
}

let running: Served | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

const SITE =
  '[serve]\nlisten = 127.0.0.1:0\ntls-cert = server.pem\ntls-key = server.key\ntemplate = https://127.0.0.1/prov?username=${username}&osname=${osname}\n';

async function serve(json: boolean, files: Record<string, string> = {}): Promise<Served> {
  const { dir, site } = writeSite({
    'site.ini': `${SITE}[profile linux]\nmatch.osname = Linux\nproperties = linux.properties\n`,
    'linux.properties': 'net.java.sip.communicator.impl.gui.main.MainFrame.height=250\n',
    ...files,
  });
  const { ca } = makeCertificates(dir);
  const child = spawn(process.execPath, [BIN, 'serve', '--config', site, ...(json ? ['--json'] : [])]);
  const served: Served = { child, url: '', ca, dir, stdout: '', stderr: '' };
  child.stderr.setEncoding('utf8').on('data', (d: string) => (served.stderr += d));
  running = served;
  served.url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      served.stdout += d;
      const m = /(https:\/\/127\.0\.0\.1:\d+)/.exec(served.stdout);
      if (m) resolve(defined(m[1]));
    });
    child.on('exit', () => reject(new Error(`serve exited: ${served.stderr}`)));
  });
  return served;
}

function post(s: Served, fields: Record<string, string>): Promise<number> {
  return postForBody(s, fields).then((r) => r.status);
}

function postForBody(s: Served, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(fields).toString();
    const req = https.request(
      `${s.url}/prov`,
      { method: 'POST', ca: s.ca, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('latin1').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes over TLS; resolves with the status line the server answered. */
function raw(s: Served, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(s.url).port), ca: s.ca }, () => socket.write(text));
    socket.setEncoding('latin1').on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

function fingerprint(s: Served): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(s.url).port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function stop(s: Served): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.on('exit', resolve));
  s.child.kill('SIGTERM');
  return exited;
}

/** Waits for what the process prints (up to 15 s: the test machine may be busy). */
const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('provdisc serve, a real process on 127.0.0.1', () => {
  it('client values cannot forge or break a log line; rejections before routing are logged and counted', async () => {
    const s = await serve(false);
    expect(await post(s, { username: `alice\n${FORGED}`, osname: 'Linux\x1b[2J\u2028\u2029' })).toBe(200);
    expect(await raw(s, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(s, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await raw(s, 'POST /prov HTTP/1.1\r\nHost: x\r\nExpect: 42-continue\r\nContent-Length: 0\r\n\r\n')).toMatch(/^HTTP\/1\.1 417 /);
    await until(() => s.stdout.includes('→ 417'));
    expect(await stop(s)).toBe(0);

    const lines = s.stdout.split('\n');
    expect(lines.filter((l) => l.includes('POST /prov'))).toEqual([
      expect.stringMatching(/127\.0\.0\.1 POST \/prov alice\\x0a2026-12-01T03:00:22\.051Z .* Linux\\x1b\[2J\\u2028\\u2029 → 200 [\d.]+ ms$/),
    ]);
    // eslint-disable-next-line no-control-regex -- no raw ESC or line separator may reach the log
    expect(s.stdout).not.toMatch(/[\x1b\u2028\u2029]/);
    expect(lines).toContainEqual(expect.stringMatching(/127\.0\.0\.1 \(unread request\) → 400 \(malformed request \(HPE_INVALID_METHOD\)\)/));
    expect(lines).toContainEqual(expect.stringMatching(/→ 431 \(request headers too large\)/));
    expect(lines).toContainEqual(expect.stringMatching(/→ 417 \(cannot meet "Expect: 42-continue"\)/));
    expect(s.stdout).toMatch(/stopped; requests by status: \{"200":1,"400":1,"417":1,"431":1\}; failed TLS handshakes: 0\n$/);
  }, 30_000);

  it('--json: U+2028 and U+2029 are escaped, so every record is one line that parses back to what the client sent', async () => {
    const s = await serve(true);
    expect(await post(s, { username: 'a\u2028b\u2029c', osname: 'Linux' })).toBe(200);
    await until(() => s.stdout.includes('"event":"request"'));
    expect(await stop(s)).toBe(0);
    expect(s.stdout).not.toMatch(/[\u2028\u2029]/);
    const records = s.stdout
      .split(/\r\n|\r|\n|\u2028|\u2029/)
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r.event === 'request')).toMatchObject({ username: 'a\u2028b\u2029c', status: 200 });
    expect(records.find((r) => r.event === 'listening')).toMatchObject({ certificate: { names: ['127.0.0.1', 'localhost'] } });
  }, 30_000);

  it('a TLS handshake that stalls is closed within 15 s (the 10 s headers timeout), and counted', async () => {
    const s = await serve(false);
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(new URL(s.url).port), '127.0.0.1', () => socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThanOrEqual(15);
    expect(seconds).toBeGreaterThanOrEqual(9); // the production timeout, not a test's
    await until(() => s.stdout.includes('TLS handshake failed'));
    expect(await stop(s)).toBe(0);
    expect(s.stdout).toMatch(/127\.0\.0\.1 TLS handshake failed \(TLS handshake timeout\)/);
    expect(s.stdout).toMatch(/failed TLS handshakes: 1\n$/);
  }, 30_000);

  it('SIGHUP with an expired certificate: refused, the old pair keeps serving', async () => {
    const s = await serve(false);
    const before = await fingerprint(s);
    const expired = makeDatedCertificate(s.dir, 'expired', { key: 'ec', subjectAltName: 'IP:127.0.0.1', start: '20200101000000Z', end: '20210101000000Z' });
    copyFileSync(expired.certFile, path.join(s.dir, 'server.pem'));
    copyFileSync(expired.keyFile, path.join(s.dir, 'server.key'));
    s.child.kill('SIGHUP');
    await until(() => s.stderr.includes('reload failed'));
    expect(s.stderr).toMatch(/error: .*server\.pem: the certificate expired on 2021-01-01T00:00:00\.000Z: every client refuses it\n {2}fix: renew it/);
    expect(s.stderr).toMatch(/reload failed: still serving the previous site/);
    expect(await fingerprint(s)).toBe(before);
    expect(await post(s, { username: 'bob', osname: 'Linux' })).toBe(200);
    expect(await stop(s)).toBe(0);
  }, 30_000);

  it('SIGHUP re-reads the accounts file: a changed row is answered at once, a broken file keeps the previous one', async () => {
    const s = await serve(false, {
      'site.ini': `${SITE}[accounts]\nsource = accounts.csv\n[profile sip]\nmatch.account = present\nproperties = sip.properties\n`,
      'accounts.csv': 'username,extension\r\nalice,1001\r\n',
      'sip.properties': 'net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=${account.extension}@sip.example.org\n',
    });
    expect(s.stdout).toMatch(/1 account\(s\) from .*accounts\.csv/);
    expect((await postForBody(s, { username: 'alice' })).body).toContain('USER_ID=1001@');
    writeFileSync(path.join(s.dir, 'accounts.csv'), 'username,extension\r\nalice,1042\r\nbob,1043\r\n');
    s.child.kill('SIGHUP');
    await until(() => s.stdout.includes('reloaded'));
    expect(s.stdout).toMatch(/reloaded .*2 account\(s\) from/);
    expect((await postForBody(s, { username: 'alice' })).body).toContain('USER_ID=1042@');
    writeFileSync(path.join(s.dir, 'accounts.csv'), 'username,extension\r\nalice,1\r\nalice,2\r\n');
    s.child.kill('SIGHUP');
    await until(() => s.stderr.includes('reload failed'));
    expect(s.stderr).toMatch(/accounts\.csv line 3: username "alice" is already on line 2/);
    expect((await postForBody(s, { username: 'bob' })).body).toContain('USER_ID=1043@');
    expect(await stop(s)).toBe(0);
  }, 30_000);
});
