import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

function netnsInode(pid: number | 'self'): number | undefined {
  try {
    return fs.statSync(`/proc/${pid}/ns/net`).ino;
  } catch {
    // another process's namespace link can be unreadable (PID 1 in a container with more capabilities)
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: fields start after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The machine's own network namespace: PID 1's, or when that link is unreadable, the one of the
 * oldest ancestor whose link we can read (a test runner is started from the machine's namespace).
 */
function machineNetnsInode(): number | undefined {
  const init = netnsInode(1);
  if (init !== undefined) return init;
  let found: number | undefined;
  for (let pid = parentPid(process.pid); pid !== undefined && pid > 1; pid = parentPid(pid)) {
    found = netnsInode(pid) ?? found;
  }
  return found;
}

/**
 * Throws unless this process runs in a network namespace of its own. Call it before opening any
 * socket in-process in a test: mDNS traffic must never reach the machine's real network.
 */
export function assertPrivateNetns(): void {
  const own = netnsInode('self');
  const machine = machineNetnsInode();
  if (own === undefined || machine === undefined) {
    throw new Error('assertPrivateNetns: cannot read /proc/*/ns/net, refusing to open sockets here');
  }
  if (own === machine) {
    throw new Error("assertPrivateNetns: this process is in the machine's own network namespace; " + 'run it inside a lab host (ip netns exec) instead');
  }
}

/**
 * The options of a script that runs inside a lab host (bench/in-host/), read once it is sure to be
 * there, so that no script can touch the network before the check.
 */
export function inHostOptions<const O extends NonNullable<ParseArgsConfig['options']>>(options: O): ReturnType<typeof parseArgs<{ options: O }>>['values'] {
  assertPrivateNetns();
  return parseArgs({ options }).values;
}
