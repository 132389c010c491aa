import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  interfaceOwning,
  javaHostAddress,
  javaLocale,
  javaOsArch,
  javaOsName,
  javaOsVersion,
  javaSystemProperties,
  javaTmpdir,
  jitsiHome,
  localAddressFor,
  screenSize,
} from '../../../src/client/environment.js';
import { defined } from '../../defined.js';

describe('os.name as Java reports it', () => {
  it.each([
    ['linux', '6.1.0-18-amd64', '', 'Linux'],
    ['darwin', '23.4.0', '', 'Mac OS X'],
    ['win32', '10.0.19045', 'Windows 10 Pro', 'Windows 10'],
    ['win32', '10.0.22631', 'Windows 10 Pro', 'Windows 11'],
    ['win32', '10.0.20348', 'Windows Server 2022 Datacenter', 'Windows Server 2022'],
    ['win32', '6.1.7601', 'Windows 7 Professional', 'Windows 7'],
    ['freebsd', '14.0-RELEASE', '', 'FreeBSD'],
  ] as const)('%s %s (%s) → %s', (platform, release, product, expected) => {
    expect(javaOsName(platform, release, product)).toBe(expected);
  });
});

describe('os.arch as Java reports it', () => {
  it.each([
    ['linux', 'x64', 'LE', 'amd64'],
    ['darwin', 'x64', 'LE', 'x86_64'],
    ['win32', 'x64', 'LE', 'amd64'],
    ['linux', 'arm64', 'LE', 'aarch64'],
    ['darwin', 'arm64', 'LE', 'aarch64'],
    ['win32', 'arm64', 'LE', 'aarch64'],
    ['linux', 'ia32', 'LE', 'i386'],
    ['win32', 'ia32', 'LE', 'x86'],
    ['linux', 'ppc64', 'LE', 'ppc64le'],
    ['linux', 'ppc64', 'BE', 'ppc64'],
    ['linux', 'loong64', 'LE', 'loongarch64'],
    ['linux', 'riscv64', 'LE', 'riscv64'],
    ['linux', 's390x', 'BE', 's390x'],
  ] as const)('%s %s (%s) → %s', (platform, arch, endianness, expected) => {
    expect(javaOsArch(platform, arch, endianness)).toBe(expected);
  });
});

describe('other Java system properties', () => {
  it('os.version: kernel release on Linux, major.minor on Windows, product version on macOS', () => {
    expect(javaOsVersion('linux', '6.1.0-18-amd64')).toBe('6.1.0-18-amd64');
    expect(javaOsVersion('win32', '10.0.22631')).toBe('10.0');
    expect(javaOsVersion('darwin', '23.4.0', '14.4.1')).toBe('14.4.1');
  });

  it("Jitsi's home: ~/.jitsi on Linux, Application Support/Jitsi on macOS, %APPDATA%\\Jitsi on Windows", () => {
    expect(jitsiHome('linux', '/home/ann', {})).toEqual({ location: '/home/ann', name: '.jitsi' });
    expect(jitsiHome('darwin', '/Users/ann', {})).toEqual({ location: '/Users/ann/Library/Application Support', name: 'Jitsi' });
    expect(jitsiHome('win32', 'C:\\Users\\ann', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' })).toEqual({
      location: 'C:\\Users\\ann\\AppData\\Roaming',
      name: 'Jitsi',
    });
  });

  it('user.language and user.country from the POSIX locale; C means English', () => {
    expect(javaLocale('de_DE.UTF-8')).toEqual({ language: 'de', country: 'DE' });
    expect(javaLocale('fr')).toEqual({ language: 'fr', country: '' });
    expect(javaLocale('C.UTF-8')).toEqual({ language: 'en', country: '' });
    expect(javaLocale(undefined)).toEqual({ language: 'en', country: '' });
  });

  it('java.io.tmpdir is /tmp on Linux whatever TMPDIR says, and ends with a separator elsewhere', () => {
    expect(javaTmpdir('linux', '/var/tmp/me')).toBe('/tmp');
    expect(javaTmpdir('win32', 'C:\\Users\\ann\\AppData\\Local\\Temp')).toBe('C:\\Users\\ann\\AppData\\Local\\Temp\\');
    expect(javaTmpdir('darwin', '/var/folders/xy/T')).toBe('/var/folders/xy/T/');
  });

  it('on this machine, agree with the system tools', () => {
    const props = javaSystemProperties();
    const uname = execFileSync('uname', ['-sm'], { encoding: 'utf8' }).trim().split(' ');
    expect(props['os.name']).toBe(uname[0] === 'Darwin' ? 'Mac OS X' : uname[0]);
    const expectedArch: Record<string, string> = { x86_64: uname[0] === 'Darwin' ? 'x86_64' : 'amd64', aarch64: 'aarch64', arm64: 'aarch64' };
    expect(props['os.arch']).toBe(expectedArch[uname[1] ?? ''] ?? uname[1]);
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    expect(props['user.name']).toBe(me);
    const passwdHome = execFileSync('getent', ['passwd', me], { encoding: 'utf8' }).trim().split(':')[5];
    expect(props['user.home']).toBe(passwdHome);
    expect(props['user.dir']).toBe(process.cwd());
    expect(props['file.separator']).toBe('/');
    expect(props['line.separator']).toBe('\n');
  });
});

describe('addresses', () => {
  it("writes IPv6 addresses in Java's long form, and IPv4-mapped ones as IPv4", () => {
    expect(javaHostAddress('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(javaHostAddress('fe80::fc:ff:fe00:1%eth0')).toBe('fe80:0:0:0:fc:ff:fe00:1%eth0');
    expect(javaHostAddress('2001:db8:0:0a::1')).toBe('2001:db8:0:a:0:0:0:1');
    expect(javaHostAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(javaHostAddress('192.0.2.7')).toBe('192.0.2.7');
  });

  it('finds the interface holding an address; loopback and tunnels have no MAC', () => {
    const fake = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: null }],
      eth0: [{ address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', mac: '02:FC:00:0A:0B:0C', internal: false, cidr: null, scopeid: 2 }],
    } as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;
    expect(interfaceOwning('127.0.0.1', fake)).toEqual({ name: 'lo', mac: undefined });
    expect(interfaceOwning('fe80::1%eth0', fake)).toEqual({ name: 'eth0', mac: '02:fc:00:0a:0b:0c' });
    expect(interfaceOwning('192.0.2.99', fake)).toBeUndefined();
  });

  it('asks the OS for the local address toward a host (names resolved IPv4 first)', async () => {
    expect(await localAddressFor('127.0.0.1', 443)).toEqual({ remote: '127.0.0.1', local: '127.0.0.1' });
    expect((await localAddressFor('localhost', 443)).remote).toBe('127.0.0.1');
    const own = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    expect(own, 'this test needs a non-loopback IPv4 address').toBeDefined();
    expect((await localAddressFor(defined(own).address, 443)).local).toBe(defined(own).address);
  });
});

describe('screen size', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'provdisc-drm-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const connector = (name: string, status: string, modes: string) => {
    mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, name, 'status'), `${status}\n`);
    writeFileSync(path.join(root, name, 'modes'), modes);
  };

  it('is the preferred mode of the first connected display', () => {
    connector('card0-DP-1', 'disconnected', '');
    connector('card0-HDMI-A-1', 'connected', '2560x1440\n1920x1080\n');
    connector('card0-eDP-1', 'connected', '1920x1200\n');
    expect(screenSize(root)).toEqual({ width: 2560, height: 1440, displays: 2 });
  });

  it('is unknown without DRM', () => {
    expect(screenSize(path.join(root, 'missing'))).toBeUndefined();
  });
});
