import { cpSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from '../certificates.js';
import { writeSite } from '../server/site-fixture.js';
import { runCli } from './run-cli.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/site');
/** examples/site as an admin gets it running: with the TLS pair it asks for. */
const { dir } = writeSite({});
const site = path.join(dir, 'site.ini');

beforeAll(() => {
  cpSync(EXAMPLE, dir, { recursive: true });
  const tls = path.join(dir, 'tls');
  mkdirSync(tls);
  makeCertificates(tls);
  renameSync(path.join(tls, 'server.pem'), path.join(tls, 'cert.pem'));
  renameSync(path.join(tls, 'server.key'), path.join(tls, 'key.pem'));
}, 60_000);

describe('provdisc serve --check (the example site)', () => {
  it('a Linux client gets common, linux and enforce, in that order, on stdout', async () => {
    const run = await runCli('serve', '--check', site, '--set', 'osname=Linux');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/site\.ini: OK; https on 0\.0\.0\.0:8443, clients post to \/prov; 6 profile\(s\)/);
    expect(run.stderr).toMatch(/gets profile\(s\): common, linux, enforce\n/);
    expect(run.stdout).toBe(
      [
        'net.java.sip.communicator.impl.gui.main.MainFrame=${null}',
        'provisioning.ALLOW_PREFIX=net.java|org.ice4j|java.net',
        'net.java.sip.communicator.impl.gui.main.MainFrame.width=520',
        'net.java.sip.communicator.impl.gui.main.MainFrame.x=800',
        'net.java.sip.communicator.impl.gui.main.MainFrame.y=20',
        'net.java.sip.communicator.impl.gui.main.MainFrame.height=250',
        'provisioning.ENFORCE_PREFIX=net.java|org.ice4j|java.net',
        '',
      ].join('\n'),
    );
  });

  it('Windows, a user and a device get their own profiles (--json)', async () => {
    const run = await runCli(
      'serve',
      '--check',
      site,
      '--json',
      '--set',
      'osname=Windows 11',
      '--set',
      'username=alice',
      '--set',
      'password=pw',
      '--set',
      'hwaddr=52:54:00:12:34:56',
    );
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.profiles).toEqual(['common', 'windows', 'account', 'lobby-kiosk', 'enforce']);
    expect(out.answer).toContain('net.java.sip.communicator.impl.protocol.sip.acc1=acc1\n');
    expect(out.answer).toContain('net.java.sip.communicator.impl.protocol.sip.acc1.ACCOUNT_UID=SIP\\:1001@sip.example.org\n');
    expect(out.answer).toContain('net.java.sip.communicator.impl.protocol.sip.acc1.DISPLAY_NAME=Alice Liddell\n');
    expect(out.account).toMatchObject({ lookedUp: true, found: true });
    expect(out.answer).toContain('MainFrame.height=1080\n');
    expect(out.form.password).toBe('********');
    expect(out.site).toMatchObject({ listen: '0.0.0.0:8443', scheme: 'https', path: '/prov', via: ['bonjour', 'dhcp'] });
  });

  it('--check masks every field the client fills with the password, the name holding ${password} included', async () => {
    const twice = writeSite({
      'site.ini': '[serve]\ntemplate = http://h:8080/p?u=${username}&pw${password}&os=${osname}-${password}\n[profile x]\nproperties = x.properties\n',
      'x.properties': 'a=1\n',
    });
    const run = await runCli('serve', '--check', twice.site, '--json', '--set', 'u=alice', '--set', 'pw${password}=hunter2', '--set', 'os=hunter2');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).form).toEqual({ u: 'alice', 'pw${password}': '********', os: '********' });
    const human = await runCli('serve', '--check', twice.site, '--set', 'pw${password}=hunter2', '--set', 'os=hunter2');
    expect(human.stdout + human.stderr).not.toContain('hunter2');
  });

  it('a broken site: exit 1, file, section and key named, how to fix it, no stack trace', async () => {
    const broken = writeSite({
      'site.ini': '[serve]\ntemplate = http://h/p?os=${osname}\n[profile x]\nmatch.osname = Linux\nproperties = x.properties\n',
      'x.properties': 'a=1\n',
    });
    const run = await runCli('serve', '--check', broken.site);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: .*site\.ini: \[profile x\] key "match\.osname": the template posts no field "osname"\n {2}fix: match one of the template's fields: os\n/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--set of a field the template does not post, and serve without a site, are refused with a fix', async () => {
    const run = await runCli('serve', '--check', site, '--set', 'os=Linux');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--set os: the template posts no field "os"\n {2}fix: use the template's fields: username, password, osname, hwaddr, uuid/);
    const none = await runCli('serve');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no site file given\n {2}fix: provdisc serve --config site\.ini/);
  });

  it('an answer with problems is reported: a hostile ${null} field is refused', async () => {
    writeFileSync(path.join(dir, 'hostile.ini'), `[serve]\ntemplate = http://h/p?u=\${username}&p=\${password}\n[profile a]\nproperties = u.properties\n`);
    writeFileSync(path.join(dir, 'u.properties'), 'net.java.sip.communicator.impl.protocol.sip.acc1.USER_ID=${u}\n');
    const run = await runCli('serve', '--check', path.join(dir, 'hostile.ini'), '--set', 'u=${null}');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/a posted field turns net\.java\.sip\.communicator\.impl\.protocol\.sip\.acc1\.USER_ID \(profile a\) into \$\{null\}/);
  });
});
