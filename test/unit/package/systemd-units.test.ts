/**
 * The systemd units the package ships (systemd/), judged by systemd's own tools with no booted
 * systemd: `systemd-analyze verify` (syntax, every setting known, the commands executable) and
 * `systemd-analyze security --offline=true` (the exposure score; at most 2.0, "OK" or better).
 * verify runs in a private mount namespace where /usr/local/bin — where `npm install -g` puts the
 * command on Debian — holds this checkout's provdisc, so that the machine's own is never touched.
 * Needs root (the mount namespace) and systemd-analyze (Debian's systemd package; .ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defined } from '../../defined.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const UNITS = path.join(root, 'systemd');
/** The units as an admin names them: the template with an instance. */
const CHECKED = ['provdisc.service', 'provdisc-advertise@lan.service'];
const TEMPLATE_FILE = (unit: string) => unit.replace(/@[^.]+\./, '@.');

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const missing = analyze.error ? 'systemd-analyze (package systemd)' : process.getuid?.() !== 0 ? 'root (a private mount namespace)' : undefined;
if (missing && process.env.CI === 'true') throw new Error(`the systemd unit tests need ${missing}`);
const note = missing ? ` (skipped, missing: ${missing})` : '';

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const setting = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

describe(`the shipped systemd units${note}`, { skip: !!missing }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdisc-units-'));
    cpSync(UNITS, dir, { recursive: true });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('are the serve unit and the advertise template, with every setting the issue asks for', () => {
    const serve = readFileSync(path.join(UNITS, 'provdisc.service'), 'utf8');
    const advertise = readFileSync(path.join(UNITS, 'provdisc-advertise@.service'), 'utf8');
    expect(setting(serve, 'ExecStart')).toEqual(['provdisc serve --config /etc/provdisc/site.ini']);
    expect(setting(serve, 'ExecReload')).toEqual([`/bin/sh -c 'kill -HUP "$$MAINPID"'`]);
    expect(setting(serve, 'StateDirectory')).toEqual(['provdisc']);
    expect(setting(advertise, 'ExecStart')).toEqual(['provdisc advertise --config /etc/provdisc/%i.ini']);
    for (const unit of [serve, advertise]) {
      expect(setting(unit, 'Type')).toEqual(['exec']);
      for (const [key, value] of [
        ['DynamicUser', 'yes'],
        ['ConfigurationDirectory', 'provdisc'],
        ['ProtectSystem', 'strict'],
        ['ProtectHome', 'yes'],
        ['PrivateTmp', 'yes'],
        ['NoNewPrivileges', 'yes'],
        ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
        ['CapabilityBoundingSet', ''],
        ['SystemCallFilter', '@system-service'],
        ['Restart', 'on-failure'],
      ]) {
        expect(setting(unit, defined(key)), key).toContain(value);
      }
    }
  });

  it.each(CHECKED)('systemd-analyze verify %s: no finding', (unit) => {
    const unitPath = path.join(dir, unit);
    // verify takes an instance's path beside its template file
    expect(existsSync(path.join(dir, TEMPLATE_FILE(unit)))).toBe(true);
    const script = `mount -t tmpfs tmpfs /usr/local/bin && ln -s "$0" /usr/local/bin/provdisc && exec systemd-analyze verify "$1"`;
    const r = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, path.join(root, 'bin/provdisc'), unitPath]);
    expect(r, r.out).toEqual({ code: 0, out: '' });
  });

  it.each(CHECKED)('systemd-analyze security --offline=true %s: exposure at most 2.0 ("OK" or better)', (unit) => {
    const r = run('systemd-analyze', ['security', '--offline=true', '--no-pager', path.join(dir, unit)]);
    expect(r.code, r.out).toBe(0);
    const overall = /Overall exposure level for \S+: (\d+\.\d) (\S+)/.exec(r.out);
    expect(overall, r.out).not.toBeNull();
    console.log(`${unit}: exposure ${defined(overall)[1]} ${defined(overall)[2]}`);
    expect(Number(defined(overall)[1])).toBeLessThanOrEqual(2.0);
    expect(['OK', 'SAFE', 'PERFECT']).toContain(defined(overall)[2]);
  });
});
