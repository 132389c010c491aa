/**
 * The whole chain with one `provdisc serve` and one site file (issue 10): in lab host a, serve over
 * HTTPS with a CA the test makes, a users file, and its template advertised over Bonjour and DHCP;
 * in host b, `provision --discover` as a Jitsi client set to Bonjour or to DHCP, getting the Linux and
 * the Windows profiles. Also: 401, SIGHUP reload (good and broken), SIGTERM with goodbyes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jceEncryptPasswords, jitsiDiscover } from '../lab/peers.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import { makeCertificates } from '../unit/certificates.js';
import { OS_PROFILES } from '../unit/server/site-fixture.js';

const requirements = requirePeers(['jdk', 'jmdns']);
const ACC = 'net.java.sip.communicator.impl.protocol.sip.acc1';
const HEIGHT = 'net.java.sip.communicator.impl.gui.main.MainFrame.height';

describe.skipIf(requirements.skip)(`serve (via bonjour, dhcp) → provision --discover${requirements.note}`, () => {
  const lab = useLab({ topology: 'pair' }, requirements);
  let siteDir = '';
  let caFile = '';
  let serve: SpawnedProcess;

  const provisionFrom = (args: string[], password = 's3cret') =>
    lab()
      .host('b')
      .provdisc(['provision', '--discover', '--ca-file', caFile, '--username', 'alice', '--password-stdin', '--json', ...args], {
        input: `${password}\n`,
        env: { ...process.env, PROVDISC_UUID_FILE: `${lab().host('b').workDir}/uuid-b` },
        timeoutMs: 45_000,
      });
  const requestsLogged = () => serve.lines.stdout.filter((l) => l.includes('"event":"request"')).map((l) => JSON.parse(l));

  beforeAll(async () => {
    const a = lab().host('a');
    siteDir = path.join(a.workDir, 'site');
    mkdirSync(siteDir, { recursive: true });
    caFile = makeCertificates(siteDir, [a.ipv4]).caFile;
    const template = `https://${a.ipv4}:8443/prov?username=\${username}&password=\${password}&osname=\${osname}&hwaddr=\${hwaddr}&uuid=\${uuid}`;
    writeFileSync(
      path.join(siteDir, 'site.ini'),
      [
        '[serve]',
        `listen = ${a.ipv4}:8443`,
        'tls-cert = server.pem',
        'tls-key = server.key',
        `template = ${template}`,
        'users = users',
        'via = bonjour, dhcp',
        ...OS_PROFILES,
        '',
      ].join('\n'),
    );
    // an account block Jitsi loads: the parent key and ACCOUNT_UID (provision refuses one without them)
    writeFileSync(
      path.join(siteDir, 'common.properties'),
      `provisioning.ALLOW_PREFIX=net.java\n${ACC}=acc1\n${ACC}.ACCOUNT_UID=SIP:\${username}@sip.example.org\n${ACC}.USER_ID=\${username}\n${ACC}.PASSWORD=\${password}\n`,
    );
    writeFileSync(path.join(siteDir, 'linux.properties'), `${HEIGHT}=250\n`);
    writeFileSync(path.join(siteDir, 'windows.properties'), `${HEIGHT}=750\n`);
    const passwd = await a.provdisc(['passwd', 'alice', '--users', path.join(siteDir, 'users'), '--password-stdin'], { input: 's3cret\n' });
    expect(passwd.code, passwd.stderr).toBe(0);

    serve = a.spawnProvdisc(['serve', '--config', path.join(siteDir, 'site.ini'), '--json']);
    await serve.waitForLine(/"event":"listening"/, 15_000);
    await serve.waitForLine(/"event":"announced"/, 15_000);
  }, 120_000);

  it('a Linux client set to Bonjour finds the server, logs in, and gets common + linux; ENCRYPTED_PASSWORD as the JDK computes it', async () => {
    // --show-secrets: the stored ENCRYPTED_PASSWORD is compared with the JDK's, never the clear password
    const run = await provisionFrom(['--via', 'bonjour', '--show-secrets']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/found https:\/\/.* \(_https\._tcp from /);
    const out = JSON.parse(run.stdout);
    expect(out.status).toBe(200);
    expect(out.configuration[HEIGHT]).toBe('250');
    expect(out.configuration[`${ACC}.USER_ID`]).toBe('alice');
    expect(out.configuration[`${ACC}.ENCRYPTED_PASSWORD`]).toBe((await jceEncryptPasswords(undefined, ['s3cret']))[0]);
    // asked for with --show-secrets, the posted form shows it; the configuration holds it only encrypted
    expect(JSON.stringify(out.configuration)).not.toContain('s3cret');
    const logged = requestsLogged().at(-1);
    expect(logged).toMatchObject({
      client: lab().host('b').ipv4,
      username: 'alice',
      osname: 'Linux',
      hwaddr: lab().host('b').iface('eth0').mac.toLowerCase(),
      profiles: ['common', 'linux'],
      status: 200,
    });
    expect(serve.lines.stdout.join('\n')).not.toContain('s3cret');
  });

  it('a Windows client set to DHCP gets common + windows', async () => {
    const run = await provisionFrom(['--via', 'dhcp', '--set', 'osname=Windows 11']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`(DHCP option 224 from ${lab().host('a').ipv4} on eth0)`);
    expect(JSON.parse(run.stdout).configuration[HEIGHT]).toBe('750');
    expect(run.stdout + run.stderr).not.toContain('s3cret'); // secrets masked without --show-secrets
    expect(requestsLogged().at(-1)).toMatchObject({ osname: 'Windows 11', profiles: ['common', 'windows'], status: 200 });
  });

  it("Jitsi's own JmDNS lookup, made while a login is checked, finds the template; serve tells its query (the advertisement runs in a worker thread)", async () => {
    const b = lab().host('b');
    const [[found], login] = await Promise.all([jitsiDiscover(b), provisionFrom(['--via', 'dhcp'])]);
    expect(login.code, login.stderr).toBe(0);
    expect(found?.url).toMatch(new RegExp(`^https://${lab().host('a').ipv4.replaceAll('.', '\\.')}:8443/prov\\?`));
    expect(found?.properties).toMatchObject({ username: '${username}', password: '${password}' });
    const queries = serve.lines.stdout.filter((l) => l.includes('"event":"query"')).map((l) => JSON.parse(l));
    expect(queries.some((q) => q.from === b.ipv4)).toBe(true);
  });

  it('a wrong password gets 401, which the client reports as refused credentials', async () => {
    const run = await provisionFrom(['--via', 'bonjour'], 'wrong');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 401/);
    expect(requestsLogged().at(-1)).toMatchObject({ status: 401, username: 'alice' });
  });

  it('SIGHUP reloads the site; a broken site is reported with file, section and key and the old one keeps serving', async () => {
    writeFileSync(path.join(siteDir, 'linux.properties'), `${HEIGHT}=300\n`);
    serve.kill('SIGHUP');
    await serve.waitForLine(/"event":"reloaded"/, 10_000);
    expect(JSON.parse((await provisionFrom(['--via', 'bonjour'])).stdout).configuration[HEIGHT]).toBe('300');

    writeFileSync(path.join(siteDir, 'site.ini'), `[serve]\ntemplate = https://x/p\nlistne = 1\n`);
    serve.kill('SIGHUP');
    await serve.waitForLine(/"event":"reload-failed"/, 10_000);
    expect(serve.lines.stderr.join('\n')).toMatch(/site\.ini: \[serve\] key "listne": is not a \[serve\] setting/);
    expect(JSON.parse((await provisionFrom(['--via', 'bonjour'])).stdout).configuration[HEIGHT]).toBe('300');
  });

  it('SIGTERM: stops, sends the Bonjour goodbyes, exits 0', async () => {
    const exit = await serve.stop(10_000);
    expect(exit.code, serve.tail()).toBe(0);
    expect(serve.lines.stdout.some((l) => l.includes('"event":"goodbye"'))).toBe(true);
    const stopped = JSON.parse(serve.lines.stdout.find((l) => l.includes('"event":"stopped"')) ?? '{}');
    // five logins: Linux, Windows, the one beside the JmDNS lookup, and the two around the reload
    expect(stopped.requests).toMatchObject({ 200: 5, 401: 1 });
  });
});
