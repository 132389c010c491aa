import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import readline from 'node:readline';
import { defined } from '../defined.js';

export interface RunOptions {
  /** Hard limit: the whole process group is killed when it is reached. */
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** null when the process was killed (by the timeout or a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Runs a command to completion, never longer than `timeoutMs`. */
export function runBounded(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // own process group, so a timeout also kills whatever the command started
    const child = spawn(cmd, args, { detached: true, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type Stream = 'stdout' | 'stderr';

/** A long-running process: its output as lines, a way to wait for one, and a way to stop it. */
export class SpawnedProcess extends EventEmitter {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  readonly lines: Record<Stream, string[]> = { stdout: [], stderr: [] };
  private exit: Exit | undefined;

  constructor(
    readonly description: string,
    private readonly child: ChildProcess,
  ) {
    super();
    // a missing executable is reported on `exited` (code null) and by waitForLine
    child.on('error', (error) => this.lines.stderr.push(String(error)));
    if (child.pid === undefined) throw new Error(`could not start ${description}`);
    this.pid = child.pid;
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      readline.createInterface({ input: source }).on('line', (line) => {
        this.lines[stream].push(line);
        this.emit(stream, line);
      });
    }
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.emit('exit', this.exit);
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Resolves with the first line (already seen or still to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number, stream: Stream = 'stdout'): Promise<string> {
    const seen = this.lines[stream].find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(stream, onLine);
        this.off('exit', onExit);
      };
      const onLine = (line: string): void => {
        if (!pattern.test(line)) return;
        cleanup();
        resolve(line);
      };
      const onExit = (exit: Exit): void => {
        cleanup();
        reject(new Error(`${this.description} exited (${exit.code ?? exit.signal}) before ${pattern}\n${this.tail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.description}: no ${stream} line matching ${pattern} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      this.on(stream, onLine);
      this.on('exit', onExit);
      if (!this.running) onExit(defined(this.exit));
    });
  }

  /** The last output lines, for error messages. */
  tail(count = 20): string {
    const out = this.lines.stdout.slice(-count).map((l) => `  out| ${l}`);
    const err = this.lines.stderr.slice(-count).map((l) => `  err| ${l}`);
    return [...out, ...err].join('\n');
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) killGroup(this.child, signal);
  }

  /** Asks politely, then forces after `graceMs`. */
  async stop(graceMs = 2_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (!this.running) return defined(this.exit);
    this.kill(signal);
    const forced = setTimeout(() => this.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(forced);
    return exit;
  }
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Names the process in error messages (defaults to the command line). */
  description?: string;
}

export function spawnProcess(cmd: string, args: string[], options: SpawnOptions = {}): SpawnedProcess {
  const child = spawn(cmd, args, { detached: true, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  return new SpawnedProcess(options.description ?? [cmd, ...args].join(' '), child);
}
