import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, pick } from '../../../src/config/config-file.js';
import { usageError } from '../usage-error.js';
import { useTempDir } from '../temp-dir.js';

const { dir } = useTempDir('provdisc-config-');

function configFile(text: string): string {
  const file = path.join(dir(), 'provdisc.ini');
  writeFileSync(file, text);
  return file;
}

const TEMPLATE = 'https://prov.example.org/provisioning.php?username=${username}&sig=a=b&osname=${osname}';

describe('loadConfig', () => {
  it('reads every setting, with a real template holding &, = and ${…}', () => {
    const file = configFile(`; provdisc settings
# both comment styles
template = ${TEMPLATE}
name = Provisioning URL
host = provisioning.local
port = 8443
address = 192.168.0.254
interface[] = eth0
interface[] = eth1
output = out/provisioning.service
hosts-file = /etc/avahi/hosts
timeout = 5000
request-timeout = 20000
username = alice
allow-env = HOME, USER
set[] = a.b=1
set[] = c=x,y
insecure = true
ca-file = ca.pem
config-file = /home/alice/.jitsi/sip-communicator.properties
uuid-file = state/uuid
write = false
`);
    expect(loadConfig(file)).toEqual({
      template: TEMPLATE,
      name: 'Provisioning URL',
      host: 'provisioning.local',
      port: 8443,
      address: ['192.168.0.254'],
      interface: ['eth0', 'eth1'],
      output: path.join(dir(), 'out/provisioning.service'),
      hostsFile: '/etc/avahi/hosts',
      timeout: 5000,
      requestTimeout: 20000,
      username: 'alice',
      allowEnv: ['HOME', 'USER'],
      set: ['a.b=1', 'c=x,y'],
      insecure: true,
      caFile: path.join(dir(), 'ca.pem'),
      configFile: '/home/alice/.jitsi/sip-communicator.properties',
      uuidFile: path.join(dir(), 'state/uuid'),
      write: false,
    });
  });

  it('accepts interfaces as a comma list', () => {
    expect(loadConfig(configFile('interface = eth0, wlan0\n')).interface).toEqual(['eth0', 'wlan0']);
  });

  it('keeps a quoted template holding ";" whole', () => {
    const t = 'https://h/p.php?a=1;b=2&u=${username}';
    expect(loadConfig(configFile(`template = "${t}"\n`)).template).toBe(t);
  });

  it('refuses an unquoted ";" or "#" that ini would cut as a comment, with the line', () => {
    const e = usageError(() => loadConfig(configFile('port = 443\ntemplate = https://h/p.php?a=1;b=2\n')));
    expect(e.message).toContain('line 2');
    expect(e.message).toContain('"template"');
    expect(e.hint).toContain('double quotes');
    expect(() => loadConfig(configFile('port = 443 # https\n'))).toThrow(/comment/);
  });

  it('lets a command section override the top-level keys for that command only', () => {
    const file = configFile('port = 443\nname = Provisioning URL\n[avahi]\nport = 8443\n[discover]\ntimeout = 100\n');
    expect(loadConfig(file, 'avahi')).toEqual({ port: 8443, name: 'Provisioning URL' });
    expect(loadConfig(file, 'discover')).toEqual({ port: 443, name: 'Provisioning URL', timeout: 100 });
    expect(loadConfig(file)).toEqual({ port: 443, name: 'Provisioning URL' });
  });

  it('validates keys in sections too, naming the section', () => {
    const e = usageError(() => loadConfig(configFile('[advertise]\nport = 0\n')));
    expect(e.message).toContain('[advertise] key "port"');
  });

  it('refuses an unknown key, naming the file and listing the known ones', () => {
    const file = configFile('prot = 443\n');
    const e = usageError(() => loadConfig(file));
    expect(e.message).toBe(`${file}: key "prot" is not a provdisc setting`);
    expect(e.hint).toContain('port');
  });

  it('refuses an unknown section', () => {
    expect(usageError(() => loadConfig(configFile('[avahii]\nport = 1\n'))).message).toMatch(/no section \[avahii\]/);
  });

  it.each([
    ['port = 0', /"port" is "0", not a port number/],
    ['port = 65536', /not a port number/],
    ['port = 44x', /not a port number/],
    ['timeout = 0', /"timeout" is "0"/],
    ['timeout = 1.5', /not a number of milliseconds/],
    ['timeout = 9999999999', /"timeout" is "9999999999", not a number of milliseconds/],
    ['request-timeout = 0', /key "request-timeout" is "0", not a number of milliseconds/],
    ['uuid-file =', /"uuid-file" has no value/],
    ['address = 192.168.0.300', /"192.168.0.300", not an IPv4 or IPv6 address/],
    ['template = ftp://h/p', /key "template": the URI template's scheme is "ftp"/],
    ['template = https://h/p?path=x', /key "template": parameter 1 is named "path"/],
    ['insecure = yes', /"insecure" is "yes", not true or false/],
    ['set[] = novalue', /"novalue", not name=value/],
    ['name =', /"name" has no value/],
    ['port = 1\nport = 2', /"port" is set twice/],
  ])('refuses %s', (line, message) => {
    expect(() => loadConfig(configFile(`${line}\n`))).toThrow(message);
  });

  it('explains a missing or unreadable file', () => {
    const missing = path.join(dir(), 'nope.ini');
    expect(usageError(() => loadConfig(missing)).message).toBe(`the configuration file ${missing} does not exist`);
    expect(usageError(() => loadConfig(dir())).message).toMatch(/cannot read the configuration file/);
  });
});

describe('pick', () => {
  it('prefers the flag, then the file', () => {
    expect(pick('flag', 'file')).toBe('flag');
    expect(pick(undefined, 'file')).toBe('file');
    expect(pick(0, 443)).toBe(0);
    expect(pick<string>(undefined, undefined)).toBeUndefined();
  });
});
