import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, type LabHost } from './host.js';
import { runBounded, type SpawnedProcess } from './process.js';

const PEERS_DIR = path.join(REPO_ROOT, 'test/peers');
/** Debian's JmDNS needs slf4j; the nop binding keeps its logging quiet. */
export const JMDNS_CLASSPATH = ['jmdns.jar', 'slf4j-api.jar', 'slf4j-nop.jar'].map((jar) => `/usr/share/java/${jar}`);
/** Debian's python3-zeroconf is importable by the system interpreter only. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface JitsiLookup {
  /** null when neither _https nor _http answered within Jitsi's 2 s each. */
  url: string | null;
  type?: string;
  server?: string;
  port?: number;
  addresses?: string[];
  /** In JmDNS's enumeration order (what Jitsi iterates). */
  properties?: Record<string, string | null>;
  /** TXT strings in wire order. */
  txt?: string[];
  elapsedMs: number;
}

export interface ZeroconfLookup {
  found: boolean;
  name: string;
  server?: string;
  port?: number;
  addresses?: string[];
  txt?: string[];
  elapsedMs: number;
}

function parseJsonLines<T>(output: string, what: string): T[] {
  const lines = output.split('\n').filter((line) => line.startsWith('{'));
  if (lines.length === 0) throw new Error(`${what} printed no result:\n${output}`);
  return lines.map((line) => JSON.parse(line) as T);
}

const compiled = new Map<string, Promise<string>>();

/** Compiles test/peers/NAME.java once; the class directory is keyed by the source's hash. */
export function compileJavaPeer(name: string, classpath: readonly string[] = []): Promise<string> {
  let classes = compiled.get(name);
  if (!classes) {
    classes = (async () => {
      const source = path.join(PEERS_DIR, `${name}.java`);
      const hash = createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
      const dir = path.join(os.tmpdir(), `provdisc-${name}-${hash}`);
      if (fs.existsSync(path.join(dir, `${name}.class`))) return dir;
      const building = `${dir}.${process.pid}`;
      fs.mkdirSync(building, { recursive: true });
      const cp = classpath.length > 0 ? ['-cp', classpath.join(':')] : [];
      const run = await runBounded('javac', ['-d', building, ...cp, source], { timeoutMs: 120_000 });
      if (run.code !== 0) throw new Error(`javac ${name}.java failed:\n${run.stderr}`);
      // rename is atomic: a concurrent run sees either no directory or a complete one
      try {
        fs.renameSync(building, dir);
      } catch {
        fs.rmSync(building, { recursive: true, force: true });
      }
      return dir;
    })();
    compiled.set(name, classes);
  }
  return classes;
}

/** What a Jitsi client stores as ENCRYPTED_PASSWORD for each password, computed by the JDK's own JCE. */
export async function jceEncryptPasswords(masterPassword: string | undefined, passwords: readonly string[]): Promise<string[]> {
  const classes = await compileJavaPeer('JitsiEncrypt');
  const input = `${[masterPassword ?? '', ...passwords].map((s) => Buffer.from(s, 'utf8').toString('base64')).join('\n')}\n`;
  const run = await runBounded('java', ['-cp', classes, 'JitsiEncrypt', masterPassword === undefined ? 'default' : 'given'], { input, timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(`JitsiEncrypt failed:\n${run.stderr}`);
  return run.stdout.trim().split('\n');
}

/** The entries Java's Properties.load reads from `body`, in order: what a Jitsi client makes of an answer. */
export async function javaReadProperties(body: Buffer): Promise<[string, string][]> {
  const classes = await compileJavaPeer('JavaProperties');
  // runBounded writes text as UTF-8: only an ASCII body reaches Java byte for byte
  // eslint-disable-next-line no-control-regex -- the check is that every byte is ASCII, controls included
  if (!/^[\x00-\x7F]*$/.test(body.toString('latin1'))) throw new Error('javaReadProperties takes ASCII bodies only');
  const run = await runBounded('java', ['-cp', classes, 'JavaProperties'], { input: body.toString('latin1'), timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(`JavaProperties failed:\n${run.stderr}`);
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  return run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ').map(decode) as [string, string]);
}

/** Jitsi's Bonjour discovery from `host`, bound to `address` (default: the host's first IPv4). */
export async function jitsiDiscover(host: LabHost, options: { address?: string; repeat?: number; timeoutMs?: number } = {}): Promise<JitsiLookup[]> {
  const classes = await compileJavaPeer('JitsiDiscover', JMDNS_CLASSPATH);
  const repeat = options.repeat ?? 1;
  const run = await host.run('java', ['-cp', [classes, ...JMDNS_CLASSPATH].join(':'), 'JitsiDiscover', options.address ?? host.ipv4, String(repeat)], {
    timeoutMs: options.timeoutMs ?? 15_000 + repeat * 5_000,
  });
  if (run.timedOut) throw new Error(`JitsiDiscover timed out in ${host.name}:\n${run.stdout}${run.stderr}`);
  return parseJsonLines<JitsiLookup>(run.stdout + run.stderr, 'JitsiDiscover');
}

/** python-zeroconf `ServiceInfo.request` from `host`. */
export async function zeroconfResolve(
  host: LabHost,
  options: { address?: string; type?: string; name?: string; requestTimeoutMs?: number; repeat?: number } = {},
): Promise<ZeroconfLookup[]> {
  const repeat = options.repeat ?? 1;
  const requestTimeoutMs = options.requestTimeoutMs ?? 3_000;
  const args = [
    path.join(PEERS_DIR, 'zc_resolve.py'),
    '--address',
    options.address ?? host.ipv4,
    '--timeout',
    String(requestTimeoutMs),
    '--repeat',
    String(repeat),
  ];
  if (options.type) args.push('--type', options.type);
  if (options.name) args.push('--name', options.name);
  const run = await host.run(SYSTEM_PYTHON, args, { timeoutMs: 10_000 + repeat * (requestTimeoutMs + 2_000) });
  if (run.timedOut) throw new Error(`zc_resolve timed out in ${host.name}:\n${run.stdout}${run.stderr}`);
  return parseJsonLines<ZeroconfLookup>(run.stdout, `zc_resolve (${run.stderr.trim()})`);
}

export interface ZeroconfRegistration {
  process: SpawnedProcess;
  /** Sends the goodbye (SIGTERM) and waits for the process to end. */
  stop(): Promise<void>;
}

/** python-zeroconf `register_service` in `host`; resolves once the service is announced. */
export async function zeroconfRegister(
  host: LabHost,
  options: { txt: string[]; server: string; port?: number; address?: string; type?: string; name?: string; rogue?: boolean },
): Promise<ZeroconfRegistration> {
  const args = [
    path.join(PEERS_DIR, 'zc_register.py'),
    '--address',
    options.address ?? host.ipv4,
    '--server',
    options.server,
    '--port',
    String(options.port ?? 443),
    ...options.txt.flatMap((t) => ['--txt', t]),
  ];
  if (options.type) args.push('--type', options.type);
  if (options.name) args.push('--name', options.name);
  if (options.rogue) args.push('--rogue');
  const child = host.spawn(SYSTEM_PYTHON, args);
  await child.waitForLine(/^registered /, 15_000);
  return {
    process: child,
    async stop() {
      await child.stop(5_000);
    },
  };
}
