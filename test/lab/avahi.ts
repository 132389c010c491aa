import fs from 'node:fs';
import path from 'node:path';
import type { LabHost } from './host.js';
import type { SpawnedProcess } from './process.js';
import { defined } from '../defined.js';

export interface AvahiOptions {
  /** File name → XML, installed as /etc/avahi/services for this daemon only. */
  services?: Record<string, string>;
  /** Content of /etc/avahi/hosts for this daemon (`ADDRESS NAME` lines). */
  hosts?: string;
  /**
   * Wait until every service file and static host is "successfully established" (default), or
   * only until the server is up (to watch a refusal, for instance).
   */
  waitFor?: 'established' | 'startup';
  timeoutMs?: number;
}

export interface BrowsedService {
  /** `+` new, `=` resolved, `-` removed. */
  event: '+' | '=' | '-';
  interface: string;
  protocol: 'IPv4' | 'IPv6';
  name: string;
  type: string;
  domain: string;
  host?: string;
  address?: string;
  port?: number;
  /** TXT strings as avahi-browse prints them, which is reverse wire order. */
  txt?: string[];
}

export interface AvahiBrowseResult {
  services: BrowsedService[];
  /** Until the first resolved (`=`) line: what a user waits for. */
  firstResolvedMs?: number;
  /** Until avahi-browse -t decided the list was complete and exited. */
  elapsedMs: number;
  raw: string;
}

export interface AvahiPeer {
  daemon: SpawnedProcess;
  /** `avahi-browse -p -t [-r] TYPE` against this daemon. */
  browse(type: string, options?: { resolve?: boolean; timeoutMs?: number }): Promise<AvahiBrowseResult>;
  /** `avahi-publish -s NAME TYPE PORT TXT…`, left running until killed or the lab closes. */
  publish(name: string, type: string, port: number, txt: string[]): Promise<SpawnedProcess>;
  /** Waits for a daemon log line (avahi logs to stderr). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

function configFor(host: LabHost): string {
  return `[server]
host-name=${host.name}
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces=${host.interfaces.map((i) => i.name).join(',')}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-addresses=yes
publish-hinfo=no
publish-workstation=no
publish-domain=no

[reflector]
enable-reflector=no
`;
}

/*
 * Runs in a private mount namespace inside the host: the daemon sees our service files and hosts
 * file in the standard places and gets its own /run (D-Bus socket, avahi pid file), so it can
 * neither see nor disturb the machine's.
 */
const START_SCRIPT = `set -e
dir="$1"
mount --bind "$dir/services" /etc/avahi/services
mount --bind "$dir/hosts" /etc/avahi/hosts
mount -t tmpfs tmpfs /run
[ -L /var/run ] || mount -t tmpfs tmpfs /var/run
mkdir -p /run/dbus /run/avahi-daemon
echo "dbus-pid $(dbus-daemon --system --fork --print-pid)"
exec avahi-daemon --no-chroot --no-drop-root --no-rlimits -f "$dir/avahi-daemon.conf"
`;

/** avahi-browse -p escapes bytes in names as \\DDD (decimal). */
function unescapeName(text: string): string {
  return text.replace(/\\(\d{3})/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/\\(.)/g, '$1');
}

export function parseBrowse(output: string): BrowsedService[] {
  return output
    .split('\n')
    .filter((line) => /^[+=-];/.test(line))
    .map((line) => {
      const fields = line.split(';');
      const [event, iface, protocol, name, type, domain, host, address, port] = fields;
      const service: BrowsedService = {
        event: event as BrowsedService['event'],
        interface: iface ?? '',
        protocol: protocol as BrowsedService['protocol'],
        name: unescapeName(name ?? ''),
        type: type ?? '',
        domain: domain ?? '',
      };
      if (event === '=') {
        // the TXT field may itself contain ';'
        const txt = fields.slice(9).join(';');
        Object.assign(service, {
          host: host,
          address: address,
          port: Number(port),
          txt: [...txt.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => defined(m[1]).replace(/\\(.)/g, '$1')),
        });
      }
      return service;
    });
}

function expectedLogLines(options: AvahiOptions): RegExp[] {
  const services = Object.keys(options.services ?? {}).map(
    (file) => new RegExp(`^Service ".*" \\(/etc/avahi/services/${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) successfully established`),
  );
  const hosts = (options.hosts ?? '')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[1])
    .filter((name): name is string => Boolean(name))
    .map((name) => new RegExp(`^Static host name "${name.replace(/\./g, '\\.')}\\.?" successfully established`));
  return [...services, ...hosts];
}

export async function startAvahi(host: LabHost, options: AvahiOptions = {}): Promise<AvahiPeer> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = fs.mkdtempSync(path.join(host.workDir, `avahi-${host.key}-`));
  fs.mkdirSync(path.join(dir, 'services'));
  for (const [file, xml] of Object.entries(options.services ?? {})) {
    fs.writeFileSync(path.join(dir, 'services', file), xml);
  }
  fs.writeFileSync(path.join(dir, 'hosts'), options.hosts ?? '');
  fs.writeFileSync(path.join(dir, 'avahi-daemon.conf'), configFor(host));

  const daemon = host.spawnTracked('ip', host.wrap('sh', ['-c', START_SCRIPT, 'avahi-start', dir], ['-m']), {
    description: `[${host.key}] avahi-daemon`,
  });
  const dbusPid = Number((await daemon.waitForLine(/^dbus-pid \d+$/, timeoutMs)).split(' ')[1]);
  const waitForLog = (pattern: RegExp, ms = timeoutMs): Promise<string> => daemon.waitForLine(pattern, ms, 'stderr');

  // a refused record shows up as a collision or failure: report it rather than time out
  const refused = waitForLog(/collision|failed|error/i, timeoutMs * 2).then(
    (line) => Promise.reject(new Error(`avahi-daemon in ${host.name} refused a record: ${line}\n${daemon.tail()}`)),
    () => new Promise<never>(() => undefined),
  );
  const ready = (async () => {
    await waitForLog(/^Server startup complete/);
    if (options.waitFor !== 'startup') {
      for (const line of expectedLogLines(options)) await waitForLog(line);
    }
  })();
  const stop = async (): Promise<void> => {
    await daemon.stop();
    try {
      process.kill(dbusPid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    await Promise.race([ready, refused]);
  } catch (error) {
    await stop();
    throw error;
  }

  // same network, mount (D-Bus socket) and UTS namespaces as the daemon
  const enter = ['-t', String(daemon.pid), '-n', '-m', '-u'];
  return {
    daemon,
    waitForLog,
    async browse(type, { resolve = true, timeoutMs: browseTimeout = 10_000 } = {}) {
      const started = performance.now();
      const browser = host.spawnTracked('nsenter', [...enter, 'avahi-browse', '-p', '-t', '-k', ...(resolve ? ['-r'] : []), type], {
        description: `[${host.key}] avahi-browse ${type}`,
      });
      let firstResolvedMs: number | undefined;
      browser.on('stdout', (line: string) => {
        if (firstResolvedMs === undefined && line.startsWith('=;')) firstResolvedMs = performance.now() - started;
      });
      const limit = setTimeout(() => browser.kill('SIGKILL'), browseTimeout);
      const exit = await browser.exited;
      clearTimeout(limit);
      const elapsedMs = performance.now() - started;
      const raw = browser.lines.stdout.join('\n');
      if (exit.code !== 0 && exit.signal !== 'SIGKILL') throw new Error(`avahi-browse failed:\n${browser.tail()}`);
      return { services: parseBrowse(raw), firstResolvedMs, elapsedMs, raw };
    },
    async publish(name, type, port, txt) {
      const child = host.spawnTracked('nsenter', [...enter, 'avahi-publish', '-s', name, type, String(port), ...txt], {
        description: `[${host.key}] avahi-publish ${name}`,
      });
      await child.waitForLine(/^Established under name/, timeoutMs, 'stderr');
      return child;
    },
    stop,
  };
}
