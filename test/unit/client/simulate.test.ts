/** simulateClient against a provisioning server on 127.0.0.1 (plain http: TLS is provision.test.ts's). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateClient, type SimulateClientOptions } from '../../../src/client/simulate.js';
import { encryptJitsiPassword, jitsiCredentialsKey } from '../../../src/client/encrypted-password.js';
import { PROVISIONING_URL_PROPERTY, UUID_PROPERTY } from '../../../src/client/jitsi-rules.js';
import { parseProperties, toConfiguration } from '../../../src/client/properties-file.js';
import { useTempDir } from '../temp-dir.js';
import { defined } from '../../defined.js';

const fixtures = path.resolve(import.meta.dirname, '../../fixtures/provisioning');
const fixture = (name: string) => readFileSync(path.join(fixtures, name));
const startConfiguration = () => toConfiguration(parseProperties(fixture('client-start.properties').toString('latin1')));
const MF = 'net.java.sip.communicator.impl.gui.main.MainFrame';
const ACCOUNT = 'net.java.sip.communicator.impl.protocol.sip.acc1403273890647';

interface Seen {
  path: string;
  form: URLSearchParams;
  userAgent: string | undefined;
}
const seen: Seen[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ path: url.pathname, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')), userAgent: req.headers['user-agent'] });
      const answer = (file: string, type = 'text/plain') => res.writeHead(200, { 'Content-Type': type }).end(fixture(file));
      if (url.pathname === '/prov.php') return answer('seed-php-linux.properties');
      if (url.pathname === '/account.php') return answer('account.properties');
      if (url.pathname === '/error.php') return answer('error-page.html', 'text/html');
      if (url.pathname === '/to-template.php') return void res.writeHead(303, { Location: `${base}/prov.php?os=\${osname}&e=\${env.NOT_ALLOWED}` }).end();
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const { file } = useTempDir('provdisc-simulate-');
const last = () => defined(seen[seen.length - 1]);

async function simulate(options: Partial<SimulateClientOptions> & Pick<SimulateClientOptions, 'template'>) {
  const warnings: string[] = [];
  const simulation = await simulateClient({ context: { uuidFile: file('uuid') }, ...options, onWarning: (w) => warnings.push(w) });
  return { ...simulation, warnings };
}

describe('simulateClient: the client end to end', () => {
  it("sends the client's own UUID and language, and applies the answer to its configuration", async () => {
    const start = startConfiguration();
    const template = `${base}/prov.php?uuid=\${uuid}&l=\${locale}`;
    const s = await simulate({ template, configuration: start });
    expect(Object.fromEntries(last().form)).toEqual({ uuid: start.get(UUID_PROPERTY), l: 'de' });
    expect(s.application.after.get(UUID_PROPERTY)).toBe(start.get(UUID_PROPERTY));
    expect(s.application.after.get(PROVISIONING_URL_PROPERTY)).toBe(template);
    expect(s.diff).toContainEqual({ key: `${MF}.height`, change: 'changed', before: '900', after: '250' });
    expect(s.diff).toContainEqual({ key: 'resources.DefaultLocale', change: 'removed', before: 'de' });
    expect(s.lints.map((l) => l.code)).toContain('enforce-removes-user-settings');
    expect(s.failed).toBe(false);
    expect(s.written).toBeUndefined();
  });

  it('a client without a UUID gets the one kept in the UUID file, in its configuration', async () => {
    const s = await simulate({ template: `${base}/prov.php?os=\${osname}` });
    const kept = readFileSync(file('uuid'), 'utf8').trim();
    expect(s.application.after.get(UUID_PROPERTY)).toBe(kept);
    expect(s.diff[0]).toEqual({ key: UUID_PROPERTY, change: 'added', after: kept });
  });

  it('says the template uses http, and posts as Jitsi of the build given', async () => {
    const s = await simulate({ template: `${base}/prov.php?b=\${build}`, context: { uuidFile: file('uuid'), overrides: new Map([['build', '2.8.5426']]) } });
    expect(s.warnings).toContain('the template uses http: the form and the answer travel in clear text; use https');
    expect(last().userAgent).toBe('Jitsi/2.8.5426');
  });

  it("encrypts provisioned passwords with the client's master password; passwords over http are findings", async () => {
    const s = await simulate({ template: `${base}/account.php`, masterPassword: 'hunter2' });
    expect(s.application.after.get(`${ACCOUNT}.ENCRYPTED_PASSWORD`)).toBe(encryptJitsiPassword('correct horse', jitsiCredentialsKey('hunter2')));
    expect(s.lints.filter((l) => l.code === 'password-over-http').map((l) => l.message)).toEqual([
      'the answer carries account passwords over http: anyone on the path can read them; use https',
    ]);
    const none = await simulate({ template: `${base}/account.php` });
    expect(none.application.after.get(`${ACCOUNT}.ENCRYPTED_PASSWORD`)).toBe(encryptJitsiPassword('correct horse'));
  });

  it('writes the resulting configuration, private, when the answer is sound', async () => {
    const s = await simulate({ template: `${base}/prov.php`, configuration: startConfiguration(), writeTo: file('sip-communicator.properties') });
    expect(s.written).toBe(file('sip-communicator.properties'));
    expect([...toConfiguration(parseProperties(readFileSync(file('sip-communicator.properties'), 'latin1')))]).toEqual([...s.application.after]);
    expect(statSync(file('sip-communicator.properties')).mode & 0o777).toBe(0o600);
  });

  it('an answer that is no .properties file fails, and nothing is written', async () => {
    const s = await simulate({ template: `${base}/error.php`, writeTo: file('never.properties') });
    expect(s.failed).toBe(true);
    expect(s.lints.find((l) => l.level === 'error')?.code).toBe('not-properties');
    expect(s.written).toBeUndefined();
    expect(existsSync(file('never.properties'))).toBe(false);
  });

  it('a redirect to a template is no URI to the client: it gives up silently, or stops with an error when MANDATORY is set', async () => {
    await expect(simulate({ template: `${base}/to-template.php` })).rejects.toMatchObject({
      message: expect.stringMatching(/to-template\.php answered 303 .* which is not a URI the client accepts: the client gives up silently/),
      outcome: 'gives-up-silently',
    });
    const configuration = new Map([['net.java.sip.communicator.plugin.provisioning.MANDATORY', 'true']]);
    await expect(simulate({ template: `${base}/to-template.php`, configuration })).rejects.toMatchObject({ outcome: 'shows-error' });
  });
});
