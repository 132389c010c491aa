import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { useTempDir } from '../temp-dir.js';

const SEED_TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}';
const seedFile = (name: string) => readFileSync(new URL(`../../../avahi/${name}`, import.meta.url), 'utf8');
/** An address no test machine has: TEST-NET-2 (RFC 5737). */
const OTHER = '198.51.100.254';

const { dir, file, read } = useTempDir('provdisc-cli-avahi-');

const provdisc = (...args: string[]) => runCli('avahi', ...args);

const ownAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;

describe('provdisc avahi: generating', () => {
  it("prints the guide's service file byte for byte, and the hosts line on stderr", async () => {
    const r = await provdisc(SEED_TEMPLATE, '--host', 'provisioning.local', '--address', '192.168.0.254');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(seedFile('provisioning.service'));
    expect(r.stderr).toContain('add this line to /etc/avahi/hosts: 192.168.0.254 provisioning.local');
  });

  it("writes the guide's service file and hosts file byte for byte, mode 0644", async () => {
    const r = await provdisc(
      SEED_TEMPLATE,
      '--host',
      'provisioning.local',
      '--address',
      '192.168.0.254',
      '-o',
      file('provisioning.service'),
      '--hosts-file',
      file('hosts'),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(read('provisioning.service')).toBe(seedFile('provisioning.service'));
    expect(read('hosts')).toBe(seedFile('hosts'));
    expect(statSync(file('provisioning.service')).mode & 0o777).toBe(0o644);
    expect(r.stderr).toContain(`wrote ${file('provisioning.service')}`);
    expect(r.stderr).toContain(`wrote ${file('hosts')}`);
  });

  it('prints the hosts line on stdout when the XML goes to a file', async () => {
    const r = await provdisc(SEED_TEMPLATE, '--host', 'provisioning.local', '--address', OTHER, '-o', file('p.service'));
    expect(r.stdout).toBe(`${OTHER} provisioning.local\n`);
  });

  it('picks the type and port from the template, and --port wins', async () => {
    const http = await provdisc('http://prov.example.org:8080/p?u=${username}');
    expect(http.stdout).toContain('<type>_http._tcp</type>\n    <port>8080</port>');
    expect(http.stderr).toMatch(/warning: .*clear text/);
    expect((await provdisc('http://prov.example.org/p')).stdout).toContain('<port>80</port>');
    expect((await provdisc('https://prov.example.org/p', '--port', '8443')).stdout).toContain('<port>8443</port>');
  });

  it('escapes & so it survives an XML parser and comes back out of --check', async () => {
    const template = 'https://h.example/a&b/p.php?x=%26&y=${username}';
    const r = await provdisc(template);
    expect(r.stdout).toContain('<txt-record>path=https://h.example/a&amp;b/p.php</txt-record>');
    writeFileSync(file('x.service'), r.stdout);
    const check = await provdisc('--check', file('x.service'));
    expect(check).toEqual({ code: 0, stdout: `${template}\n`, stderr: '' });
  });

  it('warns that Jitsi only looks for "Provisioning URL" when --name differs', async () => {
    const r = await provdisc(SEED_TEMPLATE, '--name', 'Prov & Co');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<name>Prov &amp; Co</name>');
    expect(r.stderr).toMatch(/only looks for "Provisioning URL"/);
  });

  it.skipIf(ownAddress === undefined)("leaves <host-name> and the hosts line out for this machine's own address", async () => {
    const r = await provdisc(
      SEED_TEMPLATE,
      '--host',
      'provisioning.local',
      '--address',
      ownAddress ?? '',
      '-o',
      file('p.service'),
      '--hosts-file',
      file('hosts'),
    );
    expect(r.code).toBe(0);
    expect(read('p.service')).not.toContain('host-name');
    expect(existsSync(file('hosts'))).toBe(false);
    expect(r.stderr).toContain('Local name collision');
  });

  it('keeps FILE.bak when replacing a different file, and says when nothing changed', async () => {
    writeFileSync(file('p.service'), 'old\n');
    const replaced = await provdisc(SEED_TEMPLATE, '-o', file('p.service'));
    expect(replaced.stderr).toContain(`the previous version is in ${file('p.service')}.bak`);
    expect(read('p.service.bak')).toBe('old\n');
    const again = await provdisc(SEED_TEMPLATE, '-o', file('p.service'));
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${file('p.service')} is unchanged`);
  });

  it('updates the one line for the host in an existing hosts file, keeping the rest', async () => {
    writeFileSync(file('hosts'), '# mine\n10.0.0.1 printer.local\n10.0.0.9 provisioning.local\n');
    const r = await provdisc(SEED_TEMPLATE, '--host', 'provisioning.local', '--address', OTHER, '--hosts-file', file('hosts'));
    expect(r.code).toBe(0);
    expect(read('hosts')).toBe(`# mine\n10.0.0.1 printer.local\n${OTHER} provisioning.local\n`);
    expect(read('hosts.bak')).toBe('# mine\n10.0.0.1 printer.local\n10.0.0.9 provisioning.local\n');
    expect(r.stdout).toBe(seedFile('provisioning.service'));
  });

  it('warns about a host name outside .local', async () => {
    expect((await provdisc(SEED_TEMPLATE, '--host', 'prov.example.org', '--address', OTHER)).stderr).toMatch(/does not end in \.local/);
  });
});

describe('provdisc avahi: mistakes leave every file as it was', () => {
  it.each([
    [['--host', 'provisioning.local', '--address', '192.168.0.300'], /not an IPv4 or IPv6 address/],
    [['--host', 'provisioning', '--address', OTHER], /not a full host name/],
    [['--address', OTHER], /--address needs --host/],
    [['--port', '0'], /--port is "0", not a port number/],
    [['--name', ''], /--name "" is 0 bytes; an instance name has 1 to 63/],
    [['--name', 'x'.repeat(64)], /is 64 bytes/],
    [['--name', 'Provisioning.URL'], /holds a dot or a control character/],
  ])('%s', async (args, message) => {
    writeFileSync(file('p.service'), 'old\n');
    const r = await provdisc(SEED_TEMPLATE, ...args, '-o', file('p.service'), '--hosts-file', file('hosts'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('  fix: ');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(dir())).toEqual(['p.service']);
    expect(read('p.service')).toBe('old\n');
  });

  it('a hosts file where Avahi would stop reading before the new line', async () => {
    writeFileSync(file('hosts'), '10.0.0.1 printer.local extra\n');
    const r = await provdisc(SEED_TEMPLATE, '--host', 'provisioning.local', '--address', OTHER, '--hosts-file', file('hosts'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1 has more than an address and one name: Avahi stops reading there/);
    expect(read('hosts')).toBe('10.0.0.1 printer.local extra\n');
    expect(readdirSync(dir())).toEqual(['hosts']);
  });

  it('a bad template', async () => {
    const r = await provdisc('ftp://h/p', '-o', file('p.service'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/scheme is "ftp"/);
    expect(readdirSync(dir())).toEqual([]);
  });

  it('no template at all', async () => {
    const r = await provdisc();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no URI template given/);
  });

  it('a hosts file that cannot be written does not let the service file change', async () => {
    writeFileSync(file('p.service'), 'old\n');
    const r = await provdisc(
      SEED_TEMPLATE,
      '--host',
      'provisioning.local',
      '--address',
      OTHER,
      '-o',
      file('p.service'),
      '--hosts-file',
      file('no/such/dir()/hosts'),
    );
    expect(r.code).toBe(1);
    expect(read('p.service')).toBe('old\n');
    expect(readdirSync(dir())).toEqual(['p.service']);
  });
});

describe('provdisc avahi --config', () => {
  it('takes everything from the file, and flags win over it', async () => {
    writeFileSync(
      file('provdisc.ini'),
      `template = ${SEED_TEMPLATE}\nport = 8443\n[avahi]\nhost = provisioning.local\naddress = 192.168.0.254\noutput = provisioning.service\nhosts-file = hosts\n`,
    );
    const r = await provdisc('--config', file('provdisc.ini'), '--port', '443');
    expect(r.code).toBe(0);
    expect(read('provisioning.service')).toBe(seedFile('provisioning.service'));
    expect(read('hosts')).toBe(seedFile('hosts'));
  });

  it('reports a bad setting with the file and key', async () => {
    writeFileSync(file('provdisc.ini'), '[avahi]\nport = 99999\n');
    const r = await provdisc(SEED_TEMPLATE, '--config', file('provdisc.ini'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file('provdisc.ini')}: [avahi] key "port" is "99999", not a port number`);
  });
});

describe('provdisc avahi --check', () => {
  it("passes the guide's files and prints the template a Jitsi client builds", async () => {
    const r = await provdisc(
      '--check',
      new URL('../../../avahi/provisioning.service', import.meta.url).pathname,
      '--hosts-file',
      new URL('../../../avahi/hosts', import.meta.url).pathname,
    );
    expect(r).toEqual({ code: 0, stdout: `${SEED_TEMPLATE}\n`, stderr: '' });
  });

  it('lists every problem on stderr, each with a fix, and exits 1', async () => {
    writeFileSync(
      file('bad.service'),
      '<service-group><name>Provisioning</name><service><host-name>prov.local</host-name><type>_https._tcp</type><port>443</port><txt-record>path=https://h/p?a=1</txt-record></service></service-group>',
    );
    writeFileSync(file('hosts'), '10.0.0.1 other.local\n');
    const r = await provdisc('--check', file('bad.service'), '--hosts-file', file('hosts'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('https://h/p?a=1\n');
    const problems = r.stderr.split('\n').filter((l) => l.startsWith('provdisc: problem: '));
    expect(problems).toHaveLength(3);
    expect(r.stderr).toMatch(/only looks for "Provisioning URL"/);
    expect(r.stderr).toMatch(/holds a '\?'/);
    expect(r.stderr).toMatch(/has no line for the host-name prov\.local/);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  fix: '))).toHaveLength(3);
  });

  it('--json: the same findings as one object, each with a level, a stable code and its fix', async () => {
    writeFileSync(
      file('bad.service'),
      '<service-group><name>Provisioning</name><service><host-name>prov.local</host-name><type>_https._tcp</type><port>443</port><txt-record>path=https://h/p?a=1</txt-record></service></service-group>',
    );
    writeFileSync(file('hosts'), '10.0.0.1 other.local\n');
    const r = await provdisc('--check', file('bad.service'), '--hosts-file', file('hosts'), '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.templates).toEqual(['https://h/p?a=1']);
    expect(out.findings.map((f: { level: string; code: string }) => `${f.level} ${f.code}`)).toEqual([
      'error wrong-name',
      'error query-in-path',
      'error host-name-missing',
    ]);
    expect(out.findings.every((f: { fix?: string }) => typeof f.fix === 'string')).toBe(true);
    expect((await provdisc('--json', SEED_TEMPLATE)).stderr).toMatch(/--json only applies to --check/);
  });

  it('reports malformed XML', async () => {
    writeFileSync(file('bad.service'), seedFile('provisioning.service').replace('username=${username}', 'a&b'));
    const r = await provdisc('--check', file('bad.service'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/problem: malformed XML at line 10/);
  });

  it.skipIf(ownAddress === undefined)("reports a hosts line for this machine's own address", async () => {
    writeFileSync(file('hosts'), `${ownAddress} provisioning.local\n`);
    const r = await provdisc('--check', new URL('../../../avahi/provisioning.service', import.meta.url).pathname, '--hosts-file', file('hosts'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Local name collision/);
  });

  it('refuses a template together with --check, and a missing file', async () => {
    expect((await provdisc(SEED_TEMPLATE, '--check', file('x'))).stderr).toMatch(/takes no template/);
    const r = await provdisc('--check', file('missing.service'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
  });
});
