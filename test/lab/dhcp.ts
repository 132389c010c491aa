/**
 * The DHCP peers in a lab host: ISC dhcpd, kea-dhcp4 and dnsmasq serving a file written by
 * `provdisc dhcp-config`, ISC dhcrelay, and the Jitsi-faithful client (test/peers/jitsi_dhcp_inform.py).
 * Every daemon runs in the foreground inside the host's namespace, with its pid, lease and lock files
 * in the lab's directory, so nothing touches the machine's own DHCP files or network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type LabHost } from './host.js';
import { SYSTEM_PYTHON } from './peers.js';
import type { SpawnedProcess } from './process.js';

export type DhcpServerKind = 'dhcpd' | 'kea' | 'dnsmasq';

export interface DhcpServerPeer {
  readonly kind: DhcpServerKind;
  readonly process: SpawnedProcess;
  /** The configuration file it serves. */
  readonly file: string;
  stop(): Promise<void>;
}

const READY: Record<DhcpServerKind, { pattern: RegExp; stream: 'stdout' | 'stderr' }> = {
  dhcpd: { pattern: /^Server starting service\./, stream: 'stderr' },
  kea: { pattern: /DHCP4_STARTED/, stream: 'stderr' },
  dnsmasq: { pattern: /DHCP, static leases only/, stream: 'stderr' },
};

function hostDir(host: LabHost, name: string): string {
  const dir = path.join(host.workDir, `${host.key}-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** argv that runs the daemon in the foreground on the Jitsi ports with everything under `dir`. */
function daemonArgs(kind: DhcpServerKind, file: string, dir: string, interfaces: readonly string[]): { cmd: string; args: string[] } {
  switch (kind) {
    case 'dhcpd': {
      const leases = path.join(dir, 'dhcpd.leases');
      fs.writeFileSync(leases, '');
      return { cmd: 'dhcpd', args: ['-4', '-f', '-d', '-p', '6767', '-cf', file, '-pf', path.join(dir, 'dhcpd.pid'), '-lf', leases, ...interfaces] };
    }
    case 'kea':
      return { cmd: 'kea-dhcp4', args: ['-p', '6767', '-P', '6768', '-c', file] };
    case 'dnsmasq':
      return {
        cmd: 'dnsmasq',
        args: ['--keep-in-foreground', '--log-facility=-', '--user=root', `--conf-file=${file}`, `--pid-file=${path.join(dir, 'dnsmasq.pid')}`],
      };
  }
}

/** What each daemon's config test is (`dhcpd -t`, `kea-dhcp4 -t`, `dnsmasq --test`). */
export function configTestArgs(kind: DhcpServerKind, file: string): { cmd: string; args: string[] } {
  switch (kind) {
    case 'dhcpd':
      return { cmd: 'dhcpd', args: ['-4', '-t', '-cf', file] };
    case 'kea':
      return { cmd: 'kea-dhcp4', args: ['-t', file] };
    case 'dnsmasq':
      return { cmd: 'dnsmasq', args: ['--test', `--conf-file=${file}`] };
  }
}

export function keaEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: 'none' };
}

/** Writes `config` in the host's directory and starts `kind` on it; resolves once it serves. */
export async function startDhcpServer(
  host: LabHost,
  kind: DhcpServerKind,
  config: string,
  options: { interfaces?: readonly string[]; timeoutMs?: number } = {},
): Promise<DhcpServerPeer> {
  const dir = hostDir(host, kind);
  const file = path.join(dir, `${kind}.conf`);
  fs.writeFileSync(file, config);
  const { cmd, args } = daemonArgs(kind, file, dir, options.interfaces ?? []);
  const process_ = host.spawn(cmd, args, kind === 'kea' ? { env: keaEnv(dir) } : {});
  try {
    await process_.waitForLine(READY[kind].pattern, options.timeoutMs ?? 15_000, READY[kind].stream);
  } catch (err) {
    await process_.stop(1_000);
    throw err;
  }
  return {
    kind,
    process: process_,
    file,
    async stop() {
      await process_.stop(2_000);
    },
  };
}

/** Runs the daemon's own configuration test on `config` inside the host; code 0 = accepted. */
export async function testDhcpConfig(host: LabHost, kind: DhcpServerKind, config: string): Promise<{ code: number | null; output: string }> {
  const dir = hostDir(host, `${kind}-test`);
  const file = path.join(dir, `${kind}.conf`);
  fs.writeFileSync(file, config);
  const { cmd, args } = configTestArgs(kind, file);
  const r = await host.run(cmd, args, kind === 'kea' ? { env: keaEnv(dir) } : {});
  return { code: r.code, output: r.stdout + r.stderr };
}

/** ISC dhcrelay on the Jitsi ports: INFORMs heard on `downstream` go to `server` from `upstream`. */
export async function startDhcrelay(host: LabHost, server: string, downstream: string, upstream: string): Promise<SpawnedProcess> {
  const dir = hostDir(host, 'dhcrelay');
  const relay = host.spawn('dhcrelay', ['-4', '-d', '-p', '6767', '-pf', path.join(dir, 'dhcrelay.pid'), '-id', downstream, '-iu', upstream, server]);
  await relay.waitForLine(/^Sending on\s+Socket\/fallback/, 10_000, 'stderr');
  return relay;
}

export interface JitsiDhcpResult {
  /** null when nothing answered in time. */
  uri: string | null;
  source: string | null;
  elapsedMs: number | null;
  xid: string;
  /** INFORMs the kernel took; sendErrors as Java would log them. */
  sent: number;
  sendErrors: string[];
}

const JITSI_DHCP = path.join(REPO_ROOT, 'test/peers/jitsi_dhcp_inform.py');

/** Jitsi's DHCP discovery, byte for byte, from this host. */
export async function jitsiDhcpInform(host: LabHost, options: { timeoutS?: number } = {}): Promise<JitsiDhcpResult> {
  const timeoutS = options.timeoutS ?? 10;
  const r = await host.run(SYSTEM_PYTHON, [JITSI_DHCP, '--timeout', String(timeoutS)], { timeoutMs: (timeoutS + 10) * 1000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`jitsi_dhcp_inform.py printed no result (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  return JSON.parse(line) as JitsiDhcpResult;
}
