/**
 * This machine described the way a Jitsi desktop client (a Java program) would describe it: Java's
 * system properties (`os.name`, `os.arch`, `user.home`…), Jitsi's home directory, the screen size, the
 * local address used to reach the provisioning host and its interface's MAC. The mappings are pure
 * functions of their inputs so that every platform can be tested from any one.
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expandIpv6, withoutZone } from '../util/network-interfaces.js';

/** The Jitsi desktop release whose version a client reports as `${build}` unless told otherwise. */
export const JITSI_BUILD = '2.10.5550';
/** Java's `sip-communicator.application.name`, the first half of Jitsi's User-Agent. */
export const JITSI_APPLICATION_NAME = 'Jitsi';

/** Java's `os.name`. */
export function javaOsName(platform: NodeJS.Platform, release: string, productName = ''): string {
  switch (platform) {
    case 'linux':
      return 'Linux';
    case 'darwin':
      return 'Mac OS X';
    case 'win32':
      return windowsName(release, productName);
    case 'freebsd':
      return 'FreeBSD';
    case 'openbsd':
      return 'OpenBSD';
    case 'netbsd':
      return 'NetBSD';
    case 'sunos':
      return 'SunOS';
    case 'aix':
      return 'AIX';
    default:
      return platform;
  }
}

/** Java 17+ names Windows from the version, and tells 11 from 10 by the build number (22000 and up). */
function windowsName(release: string, productName: string): string {
  const server = /Windows Server (\d{4}(?: R2)?)/.exec(productName);
  if (server) return `Windows Server ${server[1]}`;
  const [major = 0, minor = 0, build = 0] = release.split('.').map(Number);
  if (major >= 10) return build >= 22000 ? 'Windows 11' : 'Windows 10';
  const named: Record<string, string> = { '6.3': 'Windows 8.1', '6.2': 'Windows 8', '6.1': 'Windows 7', '6.0': 'Windows Vista' };
  return named[`${major}.${minor}`] ?? 'Windows NT (unknown)';
}

/**
 * Java's `os.arch`: the JDK's own names, which differ by platform (Linux and Windows x64 say `amd64`,
 * macOS x64 says `x86_64`; 32-bit x86 is `i386` on Linux, `x86` on Windows).
 */
export function javaOsArch(platform: NodeJS.Platform, arch: string, endianness: 'BE' | 'LE' = 'LE'): string {
  switch (arch) {
    case 'x64':
      return platform === 'darwin' ? 'x86_64' : 'amd64';
    case 'ia32':
      return platform === 'win32' ? 'x86' : 'i386';
    case 'arm64':
      return 'aarch64';
    case 'ppc64':
      return endianness === 'LE' ? 'ppc64le' : 'ppc64';
    case 'loong64':
      return 'loongarch64';
    default:
      return arch; // arm, ppc, s390, s390x, riscv64, mips, mipsel: Java uses the same words
  }
}

/** Java's `os.version`: the kernel release on Linux, `major.minor` on Windows, the product version on macOS. */
export function javaOsVersion(platform: NodeJS.Platform, release: string, macProductVersion?: string): string {
  if (platform === 'win32') return release.split('.').slice(0, 2).join('.');
  if (platform === 'darwin') return macProductVersion ?? release;
  return release;
}

/** Where Jitsi keeps its configuration (its launcher's defaults, before any legacy directory is found). */
export function jitsiHome(platform: NodeJS.Platform, userHome: string, env: NodeJS.ProcessEnv): { location: string; name: string } {
  if (platform === 'darwin') return { location: path.posix.join(userHome, 'Library', 'Application Support'), name: 'Jitsi' };
  if (platform === 'win32') return { location: env.APPDATA ?? userHome, name: 'Jitsi' };
  return { location: userHome, name: '.jitsi' };
}

/** Java's `user.language` and `user.country` from a POSIX locale name (`de_DE.UTF-8`; `C` means English). */
export function javaLocale(posixLocale: string | undefined): { language: string; country: string } {
  const m = /^([a-z]{2,3})(?:_([A-Z]{2}))?/.exec(posixLocale ?? '');
  if (!m) return { language: 'en', country: '' };
  return { language: m[1] ?? 'en', country: m[2] ?? '' };
}

/** Java's temporary directory: fixed `/tmp` on Linux; elsewhere the OS one, with a trailing separator. */
export function javaTmpdir(platform: NodeJS.Platform, osTmpdir: string): string {
  if (platform === 'linux') return '/tmp';
  const sep = platform === 'win32' ? '\\' : '/';
  return osTmpdir.endsWith(sep) ? osTmpdir : osTmpdir + sep;
}

function macProductVersion(): string | undefined {
  try {
    return execFileSync('sw_vers', ['-productVersion'], { encoding: 'utf8', timeout: 2000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Java's user name and home come from the account database, not from $HOME. */
function account(): { name: string; home: string } {
  try {
    const info = os.userInfo();
    return { name: info.username, home: info.homedir };
  } catch {
    return { name: process.env.USER ?? process.env.USERNAME ?? '', home: os.homedir() };
  }
}

/** The Java system properties that mean something for a client on this machine, Jitsi's own included. */
export function javaSystemProperties(): Record<string, string> {
  const platform = process.platform;
  const user = account();
  const home = jitsiHome(platform, user.home, process.env);
  const locale = javaLocale(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG);
  const windows = platform === 'win32';
  return {
    'os.name': javaOsName(platform, os.release(), windows ? os.version() : ''),
    'os.arch': javaOsArch(platform, process.arch, os.endianness()),
    'os.version': javaOsVersion(platform, os.release(), platform === 'darwin' ? macProductVersion() : undefined),
    'user.name': user.name,
    'user.home': user.home,
    'user.dir': process.cwd(),
    'user.language': locale.language,
    'user.country': locale.country,
    'file.separator': windows ? '\\' : '/',
    'path.separator': windows ? ';' : ':',
    'line.separator': windows ? '\r\n' : '\n',
    'java.io.tmpdir': javaTmpdir(platform, os.tmpdir()),
    'sip-communicator.version': JITSI_BUILD,
    'sip-communicator.application.name': JITSI_APPLICATION_NAME,
    'net.java.sip.communicator.SC_HOME_DIR_LOCATION': home.location,
    'net.java.sip.communicator.SC_HOME_DIR_NAME': home.name,
  };
}

/**
 * The screen size: on Linux, the preferred mode of the connected displays (DRM), without asking a
 * display server. Undefined when unknown (no display, another OS).
 */
export function screenSize(drmRoot = '/sys/class/drm'): { width: number; height: number; displays: number } | undefined {
  let connectors: string[];
  try {
    connectors = fs
      .readdirSync(drmRoot)
      .filter((n) => /^card\d+-/.test(n))
      .sort();
  } catch {
    return undefined;
  }
  const modes: { width: number; height: number }[] = [];
  for (const c of connectors) {
    try {
      if (fs.readFileSync(path.join(drmRoot, c, 'status'), 'utf8').trim() !== 'connected') continue;
      const m = /^(\d+)x(\d+)/.exec(fs.readFileSync(path.join(drmRoot, c, 'modes'), 'utf8'));
      if (m) modes.push({ width: Number(m[1]), height: Number(m[2]) });
    } catch {
      // a connector without status or modes is not a display
    }
  }
  const first = modes[0];
  return first ? { ...first, displays: modes.length } : undefined;
}

/** An IPv6 address as Java's `getHostAddress()` writes it: eight groups, no `::` compression. */
export function javaHostAddress(address: string): string {
  const groups = expandIpv6(address);
  if (!groups) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1]; // Java turns an IPv4-mapped address into an Inet4Address
  const zone = /%.*$/.exec(address)?.[0] ?? '';
  return groups.map((g) => g.toString(16)).join(':') + zone;
}

/**
 * Resolves `host` the way Java does (IPv4 first) and asks the OS which local address it would use to
 * reach it: connect() on a UDP socket chooses the route and source address without sending anything.
 */
export async function localAddressFor(host: string, port: number): Promise<{ remote: string; local: string }> {
  const remote = net.isIP(host) ? host : (await dns.lookup(host, { verbatim: false })).address;
  const socket = dgram.createSocket(net.isIPv6(remote) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, remote, () => resolve());
    });
    return { remote, local: socket.address().address };
  } finally {
    socket.close();
  }
}

/**
 * The interface holding `address` and its MAC (lowercase, `:`-separated); `mac` is undefined when the
 * interface has none (loopback, tunnels), as Java's getHardwareAddress() gives nothing for them.
 */
export function interfaceOwning(
  address: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): { name: string; mac: string | undefined } | undefined {
  const bare = withoutZone(address);
  for (const [name, addrs] of Object.entries(interfaces)) {
    const hit = addrs?.find((a) => a.address === bare);
    if (hit) return { name, mac: /^(00:){5}00$/.test(hit.mac) ? undefined : hit.mac.toLowerCase() };
  }
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/**
 * `${hostname}` as Jitsi fills it: on Windows the COMPUTERNAME variable; elsewhere Java's
 * `getHostName()` of the local address: a reverse look-up confirmed by a forward one, else the
 * address itself.
 */
export async function javaHostName(localAddress: string, timeoutMs = 3000): Promise<string> {
  if (process.platform === 'win32') return process.env.COMPUTERNAME ?? os.hostname();
  const literal = javaHostAddress(localAddress);
  const reverse = await withTimeout(dns.lookupService(withoutZone(localAddress), 0), timeoutMs);
  if (!reverse) return literal;
  const forward = await withTimeout(dns.lookup(reverse.hostname, { all: true }), timeoutMs);
  return forward?.some((a) => a.address === withoutZone(localAddress)) ? reverse.hostname : literal;
}
