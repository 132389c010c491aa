/** Runs the scripts of bench/in-host/ inside a lab host, with tsx as the loader. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabHost } from '../test/lab/host.js';
import type { RunOptions, RunResult, SpawnedProcess } from '../test/lab/process.js';

const IN_HOST_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'in-host');
const TSX_LOADER = import.meta.resolve('tsx');

function argv(script: string, args: string[]): string[] {
  return ['--import', TSX_LOADER, path.join(IN_HOST_DIR, script), ...args];
}

export function runInHost(host: LabHost, script: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return host.run(process.execPath, argv(script, args), options);
}

export function spawnInHost(host: LabHost, script: string, args: string[]): SpawnedProcess {
  return host.spawn(process.execPath, argv(script, args), { description: `[${host.key}] ${script}` });
}

/** The JSON lines a script printed (other lines are ignored), failing loudly when there are none. */
export function jsonLines<T>(result: RunResult, what: string): T[] {
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('{'));
  if (lines.length === 0 || result.timedOut) {
    throw new Error(`${what} ${result.timedOut ? 'timed out' : `printed nothing (exit ${result.code})`}:\n${result.stdout}${result.stderr}`);
  }
  return lines.map((line) => JSON.parse(line) as T);
}
