import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The preload that holds a process at the gate (see the file for why). */
export const GATE_MODULE = fileURLToPath(new URL('./fixtures/start-gate.mjs', import.meta.url));

/**
 * Lets provdisc processes begin at a moment the test chooses: each is spawned with
 * `--import GATE_MODULE` and `env`, loads Node, then waits; `open()` lets them through.
 */
export class StartGate {
  constructor(readonly file: string) {}

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, PROVDISC_TEST_GATE: this.file };
  }

  /** Resolves once `expected` processes wait at this gate. */
  async whenReady(expected: number, timeoutMs = 15_000): Promise<void> {
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.ready.`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = (await readdir(dir)).filter((name) => name.startsWith(prefix)).length;
      if (ready >= expected) return;
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${expected} processes reached the start gate in ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  /** Lets through the `expected` processes once they all wait. */
  async open(expected: number): Promise<void> {
    await this.whenReady(expected);
    await writeFile(this.file, '');
  }
}
