import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAvahi, type AvahiOptions, type AvahiPeer } from './avahi.js';
import { startCapture, type Capture } from './capture.js';
import { dig, type DigResult } from './dig.js';
import { GATE_MODULE, type StartGate } from './start-gate.js';
import { runBounded, spawnProcess, type RunOptions, type RunResult, type SpawnedProcess, type SpawnOptions } from './process.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LabInterface {
  /** Interface name inside the host's namespace (eth0, eth1…). */
  name: string;
  ipv4: string;
  prefixLength: number;
  /** fe80:: address, usable at once (DAD is off in lab namespaces). */
  ipv6LinkLocal: string;
  mac: string;
}

/** What a host needs from its lab: where to keep files and how to make sure processes die with it. */
export interface HostContext {
  workDir: string;
  track(process: SpawnedProcess): void;
}

/**
 * One machine of the lab: a network namespace whose commands also get their own UTS namespace, so
 * `hostname`/`os.hostname()` in a child is the lab host's name, not the real machine's.
 */
export class LabHost {
  readonly interfaces: LabInterface[] = [];

  constructor(
    /** Short key from the topology: a, b, c. */
    readonly key: string,
    /** Host name, also the namespace name. */
    readonly name: string,
    readonly context: HostContext,
  ) {}

  get ns(): string {
    return this.name;
  }

  get workDir(): string {
    return this.context.workDir;
  }

  /** The first interface's IPv4 address: what a one-link host is known by. */
  get ipv4(): string {
    const first = this.interfaces[0];
    if (!first) throw new Error(`${this.name} has no interfaces`);
    return first.ipv4;
  }

  iface(name: string): LabInterface {
    const found = this.interfaces.find((i) => i.name === name);
    if (!found) throw new Error(`${this.name} has no interface ${name}`);
    return found;
  }

  /** argv that runs `cmd args` inside this host. */
  wrap(cmd: string, args: string[], namespaces: string[] = []): string[] {
    return ['netns', 'exec', this.ns, 'unshare', '--uts', ...namespaces, 'sh', '-c', 'hostname "$0" && exec "$@"', this.name, cmd, ...args];
  }

  run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    return runBounded('ip', this.wrap(cmd, args), options);
  }

  /** Starts a long-running process in this host; the lab kills it at close at the latest. */
  spawn(cmd: string, args: string[], options: SpawnOptions = {}): SpawnedProcess {
    return this.spawnTracked('ip', this.wrap(cmd, args), {
      description: `[${this.key}] ${[cmd, ...args].join(' ')}`,
      ...options,
    });
  }

  /**
   * Spawns an argv that already enters this host by itself (`ip` + `wrap()` with extra namespaces,
   * `nsenter` into a peer's namespaces) and ties its life to the lab.
   */
  spawnTracked(cmd: string, args: string[], options: SpawnOptions = {}): SpawnedProcess {
    const child = spawnProcess(cmd, args, options);
    this.context.track(child);
    return child;
  }

  /** `provdisc ARGS` from this checkout (built into dist/), run to completion. */
  provdisc(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return this.run(process.execPath, [path.join(REPO_ROOT, 'bin/provdisc'), ...args], options);
  }

  /**
   * `provdisc ARGS` left running (advertise). With a `gate`, Node starts but provdisc waits until
   * the gate opens, so that processes spawned one after the other begin together.
   */
  spawnProvdisc(args: string[], options: SpawnOptions & { gate?: StartGate } = {}): SpawnedProcess {
    const { gate, ...spawnOptions } = options;
    const preload = gate ? ['--import', GATE_MODULE] : [];
    const env = gate ? { env: gate.env } : {};
    return this.spawn(process.execPath, [...preload, path.join(REPO_ROOT, 'bin/provdisc'), ...args], { ...env, ...spawnOptions });
  }

  /** tshark on `iface` (mDNS port only), recording once this resolves. */
  capture(iface: string): Promise<Capture> {
    return startCapture(this, iface);
  }

  /** Legacy unicast DNS query to an mDNS responder (`dig -p 5353 @server`). */
  dig(name: string, type: string, server: string): Promise<DigResult> {
    return dig(this, name, type, server);
  }

  /** avahi-daemon in this host, with its own services directory and hosts file. */
  startAvahi(options: AvahiOptions = {}): Promise<AvahiPeer> {
    return startAvahi(this, options);
  }
}
