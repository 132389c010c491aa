/**
 * End to end against real HTTP and HTTPS servers on 127.0.0.1, with a CA made here by openssl and
 * trusted only through --ca-file; the CLI runs as a child process from the built dist/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisionFailure } from '../../../src/client/client-verdict.js';
import { buildRequest, type Credentials } from '../../../src/client/post-form.js';
import { encryptJitsiPassword, jitsiCredentialsKey } from '../../../src/client/encrypted-password.js';
import { decodeAnswer, parseProperties, toConfiguration } from '../../../src/client/properties-file.js';
import { applyAnswer } from '../../../src/client/jitsi-rules.js';
import { UsageError } from '../../../src/util/errors.js';
import { provision, type AuthPrompt } from '../../../src/client/provision.js';
import { makeCertificates } from '../certificates.js';
import { defined } from '../../defined.js';

const root = path.resolve(import.meta.dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/provisioning');
const fixture = (name: string) => readFileSync(path.join(fixtures, name));
const dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-provision-'));
const MF = 'net.java.sip.communicator.impl.gui.main.MainFrame';
/** The PASSWORD that account.properties provisions. */
const ACCOUNT_PASSWORD = 'correct horse';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  form: URLSearchParams;
}
const seen: Seen[] = [];
let httpsBase = '';
let httpBase = '';
const servers: http.Server[] = [];

/** A provisioning server: the seed's PHP script and the ways a real one goes wrong. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const form = new URLSearchParams(body);
    seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body, form });
    const origin = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${req.headers.host}`;
    const properties = (file: string) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=ISO-8859-1' });
      res.end(fixture(file));
    };
    switch (url.pathname) {
      case '/prov.php':
        if (req.method !== 'POST') return void res.writeHead(405).end();
        return properties(form.get('osname') === 'Linux' ? 'seed-php-linux.properties' : 'seed-php-other.properties');
      case '/auth.php':
        if (form.get('user') !== 'alice' || form.get('password') !== 's3cret') return void res.writeHead(401, 'Unauthorized').end('wrong password');
        return properties('account.properties');
      case '/basic.php':
        if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
          return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="provisioning"' }).end();
        }
        return properties('seed-php-linux.properties');
      case '/moved.php':
        return void res.writeHead(302, { Location: '/final.properties' }).end();
      case '/see-other.php':
        return void res.writeHead(303, { Location: '/final.properties' }).end();
      case '/hang-up.php':
        return void req.socket.destroy();
      case '/final.properties':
        return properties('seed-php-linux.properties');
      case '/template-redirect.php':
        return void res.writeHead(303, { Location: `${origin}/auth.php?user=\${username}&password=\${password}&os=\${osname}` }).end();
      case '/temporary.php':
        return void res.writeHead(307, { Location: '/prov.php' }).end();
      case '/loop.php':
        return void res.writeHead(302, { Location: '/loop.php' }).end();
      case '/get-loop.php':
        return void res.writeHead(req.method === 'POST' ? 303 : 307, { Location: '/get-loop.php' }).end();
      case '/bad-location.php':
        return void res.writeHead(303, { Location: 'https://127.0.0.1:99999/final.properties' }).end();
      case '/error.php':
        res.writeHead(200, { 'Content-Type': 'text/html' });
        return void res.end(fixture('error-page.html'));
      case '/fail.php':
        return void res.writeHead(500, 'Internal Server Error').end();
      case '/slow.php':
        return; // never answers
      default:
        if (url.pathname.startsWith('/chain/'))
          return void res.writeHead(req.method === 'POST' ? 303 : 307, { Location: `/chain/${Number(url.pathname.slice(7)) + 1}` }).end();
        res.writeHead(404).end();
    }
  });
}

function listen(server: http.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

let ca = '';
const bin = path.join(root, 'bin/provdisc');

beforeAll(async () => {
  const modules = [
    'client/placeholders',
    'client/post-form',
    'client/expansion',
    'client/client-request',
    'client/discovered-template',
    'client/simulate',
    'client/properties-file',
    'client/jitsi-rules',
    'client/answer-lints',
    'client/provision',
    'client/environment',
    'client/uuid-state',
    'cli/expand-command',
    'cli/provision-command',
  ];
  const stale = modules.filter((m) => {
    const js = path.join(root, 'dist', `${m}.js`);
    return !existsSync(js) || statSync(js).mtimeMs < statSync(path.join(root, 'src', `${m}.ts`)).mtimeMs;
  });
  if (stale.length > 0) throw new Error(`dist/ is older than src/ for ${stale.join(', ')}: run npm run build first`);
  const certs = makeCertificates(dir);
  ca = certs.ca;
  httpsBase = `https://127.0.0.1:${await listen(https.createServer({ key: certs.key, cert: certs.cert }, handler))}`;
  httpBase = `http://127.0.0.1:${await listen(http.createServer(handler))}`;
}, 60_000);

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

const last = () => defined(seen[seen.length - 1]);
const builder = (url: string) => (c: Credentials | undefined) => buildRequest(url, c);

describe('provision() against real servers', () => {
  it('posts the form to the URL without its query, fields in template order, as Jitsi', async () => {
    const result = await provision({ build: builder(`${httpsBase}/prov.php?osname=Linux&b=2 3&a=é`), tls: { ca }, userAgent: 'Jitsi/2.10.5550' });
    expect(result.status).toBe(200);
    const req = last();
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/prov.php');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['user-agent']).toBe('Jitsi/2.10.5550');
    expect(req.body).toBe('osname=Linux&b=2+3&a=%C3%A9');
    expect(toConfiguration(parseProperties(decodeAnswer(result.body))).get(`${MF}.height`)).toBe('250');
  });

  it('a certificate its trust store does not vouch for: the client shows its certificate dialog; --insecure plays the user accepting it', async () => {
    const before = seen.length;
    await expect(provision({ build: builder(`${httpsBase}/prov.php?osname=Linux`) })).rejects.toMatchObject({
      message: expect.stringMatching(/certificate of 127\.0\.0\.1:\d+ is not trusted .*: the client shows its certificate dialog/),
      outcome: 'trust-dialog',
    });
    expect(seen.length).toBe(before); // nothing reached the server
    const insecure = await provision({ build: builder(`${httpsBase}/prov.php?osname=Linux`), tls: { insecure: true } });
    expect(insecure.status).toBe(200);
    const accepted = await provision({ build: builder(`${httpsBase}/prov.php?osname=Linux`), reactions: { untrusted: 'accept' } });
    expect(accepted.warnings).toEqual([expect.stringMatching(/the client accepts it without asking/)]);
    await expect(provision({ build: builder(`${httpsBase}/prov.php?osname=Linux`), reactions: { untrusted: 'refuse' } })).rejects.toMatchObject({
      outcome: 'gives-up-silently',
    });
  });

  it('on 401 asks for credentials and posts again, then uses the 200 answer', async () => {
    const prompts: AuthPrompt[] = [];
    const result = await provision({
      build: builder(`${httpsBase}/auth.php?user=\${username}&password=\${password}`),
      credentials: { username: 'alice', password: 'wrong' },
      askCredentials: async (p) => {
        prompts.push(p);
        return { username: 'alice', password: 's3cret' };
      },
      tls: { ca },
    });
    expect(prompts.map((p) => [p.status, p.attempt, p.previous?.password])).toEqual([[401, 1, 'wrong']]);
    expect(result.exchanges.map((e) => e.status)).toEqual([401, 200]);
    expect(last().form.get('password')).toBe('s3cret');
    expect(result.passwordSentInClear).toBe(false);
  });

  it('gives up after 3 new credentials, and at once when it cannot ask', async () => {
    let asked = 0;
    await expect(
      provision({
        build: builder(`${httpsBase}/auth.php?user=\${username}&password=\${password}`),
        credentials: { username: 'alice', password: 'no' },
        askCredentials: async () => {
          asked++;
          return { username: 'alice', password: `no${asked}` };
        },
        tls: { ca },
      }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /answered 401 Unauthorized to the POST 4 times, still refused after 3 new credentials: the client asks for the credentials again/,
      ),
      outcome: 'asks-credentials',
    });
    expect(asked).toBe(3);
    await expect(provision({ build: builder(`${httpsBase}/auth.php?user=\${username}&password=\${password}`), tls: { ca } })).rejects.toThrow(
      /no terminal to ask/,
    );
  });

  it('answers a Basic challenge with an Authorization header', async () => {
    const result = await provision({
      build: builder(`${httpsBase}/basic.php?os=Linux`),
      askCredentials: async (p) => (p.realm === 'provisioning' ? { username: 'alice', password: 's3cret' } : undefined),
      tls: { ca },
    });
    expect(result.exchanges.map((e) => e.status)).toEqual([401, 200]);
  });

  it('follows a 303 to the POST with a GET of the Location, without the form', async () => {
    const result = await provision({ build: builder(`${httpsBase}/see-other.php?osname=Linux`), tls: { ca } });
    expect(result.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).toEqual(['POST /see-other.php 303', 'GET /final.properties 200']);
    expect(last().body).toBe('');
    expect(result.warnings.some((w) => w.includes('GET') && w.includes('without the form'))).toBe(true);
  });

  it('does not follow a 301, 302 or 307 to the POST: the client gives up silently, or shows an error when provisioning is mandatory', async () => {
    for (const path of ['/moved.php', '/temporary.php']) {
      await expect(provision({ build: builder(`${httpsBase}${path}`), tls: { ca } })).rejects.toMatchObject({
        message: expect.stringMatching(
          /answered 30[27] .*to the POST, which the client does not follow after a POST \(only a 303\): the client gives up silently/,
        ),
        hint: 'answer 303 See Other, or point the template at the final URL',
        outcome: 'gives-up-silently',
      });
    }
    await expect(provision({ build: builder(`${httpsBase}/moved.php`), tls: { ca }, reactions: { mandatory: true } })).rejects.toMatchObject({
      message: expect.stringMatching(
        /the client shows "provisioning failed" and stops \(net\.java\.sip\.communicator\.plugin\.provisioning\.MANDATORY is set\)$/,
      ),
      outcome: 'shows-error',
    });
  });

  it('a Location holding ${…} is no URI to the client: it gives up', async () => {
    await expect(provision({ build: builder(`${httpsBase}/template-redirect.php`), tls: { ca } })).rejects.toMatchObject({
      message: expect.stringMatching(
        /template-redirect\.php answered 303 .*to the POST with the Location ".*\$\{username\}.*", which is not a URI the client accepts: the client gives up silently/,
      ),
    });
  });

  it('after a GET, follows redirects, but not back to where it has been, nor more than 10', async () => {
    await expect(provision({ build: builder(`${httpsBase}/get-loop.php`), tls: { ca } })).rejects.toThrow(
      /get-loop\.php answered 307 .*to the GET: a redirect back to .*get-loop\.php, where the client has been already/,
    );
    const error = await provision({ build: builder(`${httpsBase}/chain/0`), tls: { ca } }).catch((e: unknown) => e);
    expect((error as UsageError).message).toMatch(/chain\/10 answered 307 .*to the GET: more than 10 redirects: the client gives up silently/);
  });

  it("names a Location that is not a URL, as the server's mistake", async () => {
    const error = await provision({ build: builder(`${httpsBase}/bad-location.php`), tls: { ca } }).catch((e: unknown) => e);
    // the server's mistake, not the user's: a ProvisionFailure, not a UsageError
    expect(error).toBeInstanceOf(ProvisionFailure);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as ProvisionFailure).code).toBe('bad-redirect');
    expect((error as UsageError).message).toMatch(
      /bad-location\.php answered 303 .*to the POST with the Location "https:\/\/127\.0\.0\.1:99999\/final\.properties", which is not a URI the client accepts/,
    );
    expect((error as UsageError).hint).toMatch(/^the provisioning server sent a bad redirect/);
  });

  it('gives up silently on any other answer but 200, and on a server that does not answer in time', async () => {
    await expect(provision({ build: builder(`${httpsBase}/fail.php`), tls: { ca } })).rejects.toThrow(
      /answered 500 Internal Server Error to the POST: the client gives up silently/,
    );
    await expect(provision({ build: builder(`${httpsBase}/slow.php`), tls: { ca }, timeoutMs: 300 })).rejects.toThrow(
      /no answer from .* within 300 ms to the POST: the client gives up silently/,
    );
  });

  it('tries a request again, 3 times, when the connection is closed before the answer', async () => {
    const before = seen.filter((s) => s.path === '/hang-up.php').length;
    const error = await provision({ build: builder(`${httpsBase}/hang-up.php`), tls: { ca } }).catch((e: unknown) => e);
    expect((error as UsageError).message).toMatch(/the POST to .*hang-up\.php failed \(ECONNRESET\), after 3 more tries: the client gives up silently/);
    expect(seen.filter((s) => s.path === '/hang-up.php').length - before).toBe(4);
  });

  it('notes a password sent over http', async () => {
    const result = await provision({
      build: builder(`${httpBase}/auth.php?user=\${username}&password=\${password}`),
      credentials: { username: 'alice', password: 's3cret' },
    });
    expect(result.passwordSentInClear).toBe(true);
    const application = applyAnswer(new Map(), parseProperties(decodeAnswer(result.body)));
    expect(application.system.size).toBe(1);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, PROVDISC_UUID_FILE: path.join(dir, 'uuid'), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe('the CLI, end to end', () => {
  it('provision: the seed answer applied, shown as configuration and changes; --json for scripts', async () => {
    const text = await cli(['provision', `${httpsBase}/prov.php?osname=\${osname}`, '--ca-file', path.join(dir, 'ca.pem')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  ${MF}.height=250`);
    expect(text.stdout).toContain(`  + ${MF}.x=800`);

    const run = await cli(['provision', `${httpsBase}/prov.php?osname=\${osname}`, '--ca-file', path.join(dir, 'ca.pem'), '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.request.fields).toEqual([{ name: 'osname', value: 'Linux' }]);
    expect(out.configuration).toEqual({
      'net.java.sip.communicator.UUID': readFileSync(path.join(dir, 'uuid'), 'utf8').trim(),
      'net.java.sip.communicator.plugin.provisioning.URL': `${httpsBase}/prov.php?osname=\${osname}`,
      [`${MF}.height`]: '250',
      [`${MF}.width`]: '520',
      [`${MF}.x`]: '800',
      [`${MF}.y`]: '20',
    });
    expect(out.lints).toEqual([]);
  });

  it('provision --set "osname=Windows 11": the server answers another height', async () => {
    const run = await cli([
      'provision',
      `${httpsBase}/prov.php?osname=\${osname}`,
      '--ca-file',
      path.join(dir, 'ca.pem'),
      '--set',
      'osname=Windows 11',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(last().form.get('osname')).toBe('Windows 11');
    expect(JSON.parse(run.stdout).configuration[`${MF}.height`]).toBe('750');
  });

  it('provision --config-file … --write: diff against the client, user settings removed by ENFORCE_PREFIX, atomic private file', async () => {
    const target = path.join(dir, 'out', 'sip-communicator.properties');
    execFileSync('mkdir', ['-p', path.dirname(target)]);
    const run = await cli([
      'provision',
      `${httpsBase}/prov.php?osname=\${osname}&uuid=\${uuid}`,
      '--ca-file',
      path.join(dir, 'ca.pem'),
      '--config-file',
      path.join(fixtures, 'client-start.properties'),
      '--write',
      target,
    ]);
    expect(run.code).toBe(0);
    expect(last().form.get('uuid')).toBe('0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d'); // the client's own UUID
    expect(run.stdout).toContain('  - resources.DefaultLocale  (was de)');
    expect(run.stdout).toContain(`  ~ ${MF}.height=250  (was 900)`);
    expect(run.stdout).toMatch(/warning: line 7: ENFORCE_PREFIX removes 2 of the client's own settings/);
    expect(run.stdout).toContain(`wrote ${target}`);
    const written = toConfiguration(parseProperties(readFileSync(target, 'latin1')));
    expect(written.get(`${MF}.height`)).toBe('250');
    expect(written.has('resources.DefaultLocale')).toBe(false);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(target))).toEqual(['sip-communicator.properties']);
  });

  it('provision: an HTML error page is an error, and nothing is written', async () => {
    const target = path.join(dir, 'not-written.properties');
    const run = await cli(['provision', `${httpsBase}/error.php?os=\${osname}`, '--ca-file', path.join(dir, 'ca.pem'), '--write', target]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/error: the answer is HTML or XML, not a \.properties file/);
    expect(run.stderr).toContain(`not writing ${target}`);
    expect(existsSync(target)).toBe(false);
  });

  it('provision: without the CA the certificate is rejected, with the fix', async () => {
    const run = await cli(['provision', `${httpsBase}/prov.php?osname=\${osname}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: the certificate of 127\.0\.0\.1:\d+ is not trusted \(.*\): the client shows its certificate dialog/);
    expect(run.stderr).toContain('fix: trust the CA that signed it with --ca-file FILE');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('provision: passwords masked in the output unless --show-secrets; the written file keeps them', async () => {
    const template = `${httpsBase}/auth.php?user=\${username}&password=\${password}`;
    const ca = ['--ca-file', path.join(dir, 'ca.pem')];
    const encrypted = 'net.java.sip.communicator.impl.protocol.sip.acc1403273890647.ENCRYPTED_PASSWORD';
    const written = path.join(dir, 'with-account.properties');
    const shown = await cli(['provision', template, ...ca, '--username', 'alice', '--password-stdin', '--json', '--show-secrets', '--write', written], {
      input: 's3cret\n',
    });
    expect(JSON.parse(shown.stdout).configuration[encrypted]).toBe(encryptJitsiPassword(ACCOUNT_PASSWORD));
    expect(readFileSync(written, 'latin1')).toContain(`${encrypted}=${encryptJitsiPassword(ACCOUNT_PASSWORD)}\n`);
    const human = await cli(['provision', template, ...ca, '--username', 'alice', '--password-stdin'], { input: 's3cret\n' });
    expect(human.stdout).toContain(`+ ${encrypted}=********\n`);
    expect(human.stdout).not.toContain(encryptJitsiPassword(ACCOUNT_PASSWORD));
  });

  it('credentials: not interactive without them is a clear error; a wrong password stops at 401; the right one works', async () => {
    const template = `${httpsBase}/auth.php?user=\${username}&password=\${password}`;
    const ca = ['--ca-file', path.join(dir, 'ca.pem')];
    const none = await cli(['provision', template, ...ca]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--password-stdin');

    const wrong = await cli(['provision', template, ...ca, '--username', 'alice', '--password-stdin'], { input: 'nope\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /answered 401 Unauthorized to the POST \(the credentials are missing or wrong, and there is no terminal to ask for new ones\): the client asks for the credentials again/,
    );

    const right = await cli(['provision', template, ...ca, '--username', 'alice', '--password-stdin', '--json'], { input: 's3cret\n' });
    expect(right.code).toBe(0);
    const out = JSON.parse(right.stdout);
    expect(out.request.fields).toEqual([
      { name: 'user', value: 'alice', credential: 'username' },
      { name: 'password', value: '********', credential: 'password' },
    ]);
    const encrypted = 'net.java.sip.communicator.impl.protocol.sip.acc1403273890647.ENCRYPTED_PASSWORD';
    // with no master password the stored value decrypts anywhere: masked, in the diff and the steps too
    expect(out.configuration[encrypted]).toBe('********');
    expect(out.diff.find((d: { key: string }) => d.key === encrypted).after).toBe('********');
    expect(out.steps.find((st: { key: string }) => st.key.endsWith('.PASSWORD')).value).toBe('********');
    expect(out.lints.find((l: { code: string }) => l.code === 'password-encrypted').message).toMatch(
      /with no master password set: the client then uses a single space/,
    );

    // the client's own master password changes the stored value
    writeFileSync(path.join(dir, 'master'), 'hunter2\n');
    const withMaster = await cli(
      ['provision', template, ...ca, '--username', 'alice', '--password-stdin', '--json', '--show-secrets', '--master-password-file', path.join(dir, 'master')],
      { input: 's3cret\n' },
    );
    const masterOut = JSON.parse(withMaster.stdout);
    expect(masterOut.configuration[encrypted]).toBe(encryptJitsiPassword(ACCOUNT_PASSWORD, jitsiCredentialsKey('hunter2')));
    expect(masterOut.lints.find((l: { code: string }) => l.code === 'password-encrypted').message).toMatch(/, with the master password from .*master$/);
    writeFileSync(path.join(dir, 'master'), '\n');
    const empty = await cli(['provision', template, ...ca, '--username', 'alice', '--password-stdin', '--master-password-file', path.join(dir, 'master')], {
      input: 's3cret\n',
    });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/master password file .* starts with an empty line\n {2}fix: /);
    expect(out.system).toEqual({ 'net.java.sip.communicator.packetlogging.PACKET_LOGGING_ENABLED': 'false' });
    expect(right.stdout + right.stderr).not.toContain('s3cret');
    expect(right.stdout + right.stderr).not.toContain('correct horse');
  });

  it('provision over http: warned, and the password in clear is a finding', async () => {
    const run = await cli(['provision', `${httpBase}/auth.php?user=\${username}&password=\${password}`, '--username', 'alice', '--password-stdin'], {
      input: 's3cret',
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('the template uses http');
    expect(run.stdout).toMatch(/warning: the password field was sent over http/);
    expect(run.stdout).toMatch(/warning: the answer carries account passwords over http/);
  });

  it('provision: a 303 is followed as Jitsi does, and reported', async () => {
    const run = await cli(['provision', `${httpsBase}/see-other.php?osname=\${osname}`, '--ca-file', path.join(dir, 'ca.pem')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /POST https:\/\/127\.0\.0\.1:\d+\/see-other\.php → 303 \(Location: \/final\.properties\)\nGET https:\/\/127\.0\.0\.1:\d+\/final\.properties → 200/,
    );
  });

  it('expand: URL and form, password masked, --allow-env gating, unknown placeholders named', async () => {
    const template = `https://127.0.0.1/p.php?u=\${username}&p=\${password}&os=\${osname}&a=\${arch}&tok=\${env.PROV_TOKEN}&sec=\${env.PROV_SECRET}&x=\${mystery}`;
    const run = await cli(['expand', template, '--username', 'alice', '--password-stdin', '--allow-env', 'PROV_TOKEN', '--json'], {
      input: 's3cret\n',
      env: { PROV_TOKEN: 'tok1', PROV_SECRET: 'hidden' },
    });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.postUrl).toBe('https://127.0.0.1/p.php');
    expect(out.url).toBe(`https://127.0.0.1/p.php?u=alice&p=********&os=Linux&a=${out.values.arch}&tok=tok1&sec=&x=\${mystery}`);
    expect(run.stderr).toContain('${env.PROV_SECRET} left empty');
    expect(run.stderr).toContain('${mystery} is not a placeholder');
    expect(run.stdout + run.stderr).not.toContain('s3cret');
    expect(run.stdout + run.stderr).not.toContain('hidden');
  });

  it('expand: Jitsi asks only when both credential fields are there, and replaces their whole value', async () => {
    const one = await cli(['expand', 'https://127.0.0.1/p.php?u=${username}&os=${osname}', '--username', 'alice', '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout).fields[0]).toEqual({ name: 'u', value: '', credential: 'username' });
    expect(one.stderr).toContain('${username} without ${password}: Jitsi never asks then, and sends it empty');
    const both = await cli(['expand', 'https://127.0.0.1/p.php?u=${username}@example.org&p=${password}', '--username', 'alice', '--password-stdin', '--json'], {
      input: 'pw\n',
    });
    expect(JSON.parse(both.stdout).fields[0].value).toBe('alice');
    expect(both.stderr).toContain('the field "u" holds more than ${username}');
  });

  it('expand --config FILE: template and settings from the ini file, flags win', async () => {
    const ini = path.join(dir, 'provdisc.ini');
    writeFileSync(
      ini,
      [
        'template = "https://127.0.0.1/p.php?os=${osname}&b=${build}&t=${env.PROV_TOKEN}"',
        'allow-env = PROV_TOKEN',
        '[expand]',
        'set[] = osname=Mac OS X',
        'set[] = build=2.8.5426',
      ].join('\n'),
    );
    const run = await cli(['expand', '--config', ini, '--set', 'build=2.10.5550', '--json'], { env: { PROV_TOKEN: 'tok2' } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).url).toBe('https://127.0.0.1/p.php?os=Mac OS X&b=2.10.5550&t=tok2');
    const missing = await cli(['expand', '--config', path.join(dir, 'nope.ini')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });

  /** Runs the CLI on a pseudo-terminal (script(1)), typing each reply once its prompt shows. */
  async function terminal(args: string[], replies: [prompt: string, reply: string][]): Promise<{ code: number | null; output: string }> {
    const command = [process.execPath, bin, ...args.map((a) => `'${a}'`)].join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, PROVDISC_UUID_FILE: path.join(dir, 'uuid') } });
    let output = '';
    let next = 0;
    let answeredUpTo = 0;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const step = replies[next];
      const at = step ? output.indexOf(step[0], answeredUpTo) : -1;
      if (step && at >= 0) {
        answeredUpTo = at + step[0].length;
        next++;
        child.stdin.write(`${step[1]}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, output };
  }

  it('expand asks on a terminal without echoing the password', async () => {
    const { code, output } = await terminal(
      ['expand', 'https://127.0.0.1/p.php?u=${username}&p=${password}'],
      [
        ['user name for', 'alice'],
        ['password for alice@', 's3cret'],
      ],
    );
    expect(code).toBe(0);
    expect(output).toContain('user name for 127.0.0.1: alice');
    expect(output).toContain('u=alice');
    expect(output).toContain('p=********');
    expect(output).not.toContain('s3cret');
  }, 20_000);

  it('provision on a terminal: a 401 asks again, offering the same user name, then succeeds', async () => {
    const { code, output } = await terminal(
      ['provision', `${httpsBase}/auth.php?user=\${username}&password=\${password}`, '--ca-file', path.join(dir, 'ca.pem')],
      [
        ['user name for', 'alice'],
        ['password for alice@', 'wrong'],
        ['user name for 127.0.0.1', ''],
        ['password for alice@', 's3cret'],
      ],
    );
    expect(code).toBe(0);
    expect(output).toMatch(/answered 401: try again \(1\)/);
    expect(output).toMatch(/user name for 127\.0\.0\.1:\d+ \[alice\]/);
    expect(output).toMatch(/POST https:\/\/127\.0\.0\.1:\d+\/auth\.php → 401\r?\nPOST https:\/\/127\.0\.0\.1:\d+\/auth\.php → 200/);
    expect(output).not.toContain('s3cret');
    expect(output).not.toContain('wrong');
  }, 20_000);
});
