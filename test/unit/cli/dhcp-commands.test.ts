import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MdnsTransport } from '../../../src/bonjour/transport.js';
import { DhcpResponder } from '../../../src/dhcp/responder.js';
import { expectUsageError, runCli } from './run-cli.js';

const GUIDE_TEMPLATE =
  'https://provisioning.domain.org/provisioning.php?username=${username}&password=${password}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&osname=${osname}&build=${build}&arch=${arch}';
const reference = (name: string) => readFileSync(new URL(`../../../dhcp/${name}`, import.meta.url), 'utf8');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'provdisc-cli-dhcp-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});
const file = (name: string) => path.join(dir, name);

/** No test may open a socket: every opener is watched and refused. */
function noSockets() {
  return [
    vi.spyOn(MdnsTransport, 'open').mockRejectedValue(new Error('a unit test opened an mDNS socket')),
    vi.spyOn(DhcpResponder, 'open').mockRejectedValue(new Error('a unit test opened a DHCP socket')),
  ];
}

describe('advertise/discover --via: refused before any socket opens', () => {
  const long = `https://a.example/p.php?x=${'y'.repeat(240)}`;
  it.each([
    [['advertise', long, '--via', 'dhcp'], /the URI template is 266 bytes; DHCP option 224 holds at most 255/],
    [['advertise', long, '--via', 'bonjour,dhcp'], /the URI template is 266 bytes/],
    [['advertise', 'https://a.example/p', '--via', 'pigeon'], /--via names "pigeon", which is no discovery method/],
    [['advertise', 'https://a.example/p', '--via', ','], /--via is empty/],
    [['discover', '--via', 'dhcp,smoke'], /--via names "smoke"/],
    [['expand', '--discover', '--via', 'mdns'], /--via names "mdns"/],
  ])('%j', async (args, message) => {
    const opened = noSockets();
    expectUsageError(await runCli(...args), message);
    for (const o of opened) expect(o).not.toHaveBeenCalled();
  });

  it('reads via from the configuration file and names it in the error', async () => {
    const opened = noSockets();
    writeFileSync(file('p.ini'), '[advertise]\ntemplate = https://a.example/p\nvia = bonjour, fax\n');
    expectUsageError(await runCli('advertise', '--config', file('p.ini')), /the via setting names "fax"/);
    for (const o of opened) expect(o).not.toHaveBeenCalled();
  });
});

describe('provdisc dhcp-config', () => {
  it.each([
    ['isc', 'dhcpd.conf'],
    ['kea', 'kea-dhcp4.conf'],
    ['dnsmasq', 'dnsmasq.conf'],
  ])('--format %s prints dhcp/%s for the guide template', async (format, name) => {
    const r = await runCli('dhcp-config', GUIDE_TEMPLATE, '--subnet', '192.168.0.0/24', '--format', format);
    expect(r).toMatchObject({ code: 0, stdout: reference(name) });
  });

  it('defaults to isc, takes format and subnet from the [dhcp-config] section', async () => {
    writeFileSync(file('p.ini'), `template = ${GUIDE_TEMPLATE}\n[dhcp-config]\nsubnet = 192.168.0.0/24\nformat = kea\n`);
    expect((await runCli('dhcp-config', '--config', file('p.ini'))).stdout).toBe(reference('kea-dhcp4.conf'));
    expect((await runCli('dhcp-config', GUIDE_TEMPLATE, '--subnet', '192.168.0.0/24')).stdout).toBe(reference('dhcpd.conf'));
  });

  it('writes --output atomically and keeps the previous file as .bak', async () => {
    const out = file('dhcpd.conf');
    writeFileSync(out, 'old\n');
    const r = await runCli('dhcp-config', GUIDE_TEMPLATE, '--subnet', '192.168.0.0/24', '--output', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`replaced ${out}; the previous version is in ${out}.bak`);
    expect(readFileSync(out, 'utf8')).toBe(reference('dhcpd.conf'));
    expect(readFileSync(`${out}.bak`, 'utf8')).toBe('old\n');
    expect((await runCli('dhcp-config', GUIDE_TEMPLATE, '--subnet', '192.168.0.0/24', '--output', out)).stderr).toContain(`${out} is unchanged`);
  });

  it.each([
    [[GUIDE_TEMPLATE], /no --subnet given/],
    [[GUIDE_TEMPLATE, '--subnet', '192.168.0.1/24'], /--subnet "192\.168\.0\.1\/24" has host bits set/],
    [[GUIDE_TEMPLATE, '--subnet', '192.168.0.0/24', '--format', 'bind'], /--format is "bind"/],
    [['ftp://a/b', '--subnet', '192.168.0.0/24'], /the URI template's scheme is "ftp"/],
    [
      [`https://a.example/${'x'.repeat(250)}`, '--subnet', '192.168.0.0/24', '--format', 'dnsmasq'],
      /the URI template is 268 bytes; DHCP option 224 holds at most 255/,
    ],
    [['--subnet', '192.168.0.0/24'], /no URI template given/],
  ])('%j is refused and writes nothing', async (args, message) => {
    const out = file('out.conf');
    expectUsageError(await runCli('dhcp-config', ...args, '--output', out), message);
    expect(existsSync(out)).toBe(false);
  });

  it('--check prints the URI and exits 0 for a good file, lists every problem and exits 1 for a bad one', async () => {
    const good = new URL('../../../dhcp/dhcpd.conf', import.meta.url).pathname;
    expect(await runCli('dhcp-config', '--check', good)).toMatchObject({ code: 0, stdout: `${GUIDE_TEMPLATE}\n`, stderr: '' });
    writeFileSync(file('bad.conf'), 'option sc-pserv code 224 = text;\noption sc-pserv "https://a/p";\nsubnet 10.0.0.0 netmask 255.0.0.0 { }\n');
    const r = await runCli('dhcp-config', '--check', file('bad.conf'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('https://a/p\n');
    expect(r.stderr).toMatch(/^provdisc: problem: no "authoritative;"/m);
    expect(r.stderr).toMatch(/^ {2}fix: add authoritative;/m);
    const json = await runCli('dhcp-config', '--check', file('bad.conf'), '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      file: file('bad.conf'),
      uri: 'https://a/p',
      findings: [
        {
          level: 'error',
          code: 'not-authoritative',
          message: expect.stringMatching(/^no "authoritative;"/),
          fix: expect.stringMatching(/^add authoritative;/),
        },
      ],
    });
  });

  it('--check refuses a missing file and a non-ISC format', async () => {
    expectUsageError(await runCli('dhcp-config', '--check', file('none.conf')), /the file .* does not exist/);
    expectUsageError(await runCli('dhcp-config', '--check', file('none.conf'), '--format', 'kea'), /--check reads ISC dhcpd files only/);
  });
});
