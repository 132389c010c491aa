/**
 * `serve`'s request lines go through batchedLines(): held briefly and written together. What an
 * admin relies on: every line arrives, in order, while the process runs and when it exits at once
 * (process.exit with lines still held). A node process running the built module, its stdout a pipe.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const OUTPUT = pathToFileURL(path.resolve(import.meta.dirname, '../../../dist/cli/output.js')).href;

/** Runs `body` with `write` = batchedLines('stdout'); resolves with its stdout once it has `until` (or exited). */
function run(body: string, until?: string): Promise<{ stdout: string; exited: boolean }> {
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    `import { batchedLines } from ${JSON.stringify(OUTPUT)};\nconst write = batchedLines('stdout');\n${body}`,
  ]);
  let stdout = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (until !== undefined && stdout.includes(until)) {
        child.kill('SIGKILL');
        resolve({ stdout, exited: false });
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ stdout, exited: true }));
  });
}

describe('batchedLines', () => {
  it('writes every line, in order, when the process exits with lines still held', async () => {
    // 3000 lines: more than one batch's limit, so some are written on the way and the rest at exit
    const { stdout } = await run(`for (let i = 0; i < 3000; i++) write('request ' + i + '\\n');\nprocess.exit(0);`);
    expect(stdout.split('\n').slice(0, -1)).toEqual(Array.from({ length: 3000 }, (_, i) => `request ${i}`));
  });

  it('writes held lines while the process goes on running (a server that never exits)', async () => {
    const { stdout, exited } = await run(`write('first\\n');\nwrite('second\\n');\nsetInterval(() => {}, 1000);`, 'second\n');
    expect(exited).toBe(false);
    expect(stdout).toBe('first\nsecond\n');
  });
});
