import fs from 'node:fs';
import { runBounded } from './process.js';

/** Runs `ip ARGS`, throwing with its stderr when it fails. */
export async function ip(args: string[]): Promise<string> {
  const result = await runBounded('ip', args, { timeoutMs: 10_000 });
  if (result.code !== 0) {
    throw new Error(`ip ${args.join(' ')} failed (${result.code ?? 'timeout'}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

async function pidsIn(ns: string): Promise<number[]> {
  const result = await runBounded('ip', ['netns', 'pids', ns], { timeoutMs: 10_000 });
  return result.stdout.split(/\s+/).filter(Boolean).map(Number);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/**
 * Kills every process still inside the namespace, deletes it and its /etc/netns files. A process
 * that escaped our bookkeeping (a daemon that forked, like dbus-daemon) is caught here.
 */
export async function destroyNamespace(ns: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids = await pidsIn(ns);
    if (pids.length === 0) break;
    for (const pid of pids) killQuietly(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if ((await listNamespaces()).includes(ns)) await ip(['netns', 'del', ns]);
  fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}
