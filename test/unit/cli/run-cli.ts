import { CommanderError } from 'commander';
import { expect, vi } from 'vitest';
import { buildProgram } from '../../../src/cli/index.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `provdisc …` in-process, as bin/provdisc does, capturing what it prints and its exit code. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const program = await buildProgram();
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(['node', 'provdisc', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

/** The run failed as a user mistake should: exit 1, the message, a fix, no stack trace. */
export function expectUsageError(r: CliRun, message: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^provdisc: error: ${message.source}`, 'm'));
  expect(r.stderr).toMatch(/\n {2}fix: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
