import fs from 'node:fs';
import path from 'node:path';
import { destroyNamespace, listNamespaces } from './namespaces.js';

/** Lab namespaces are `pd-<id>-<host>`; a lab's files live in LAB_ROOT/<id>. */
export const NS_PREFIX = 'pd-';
export const LAB_ROOT = '/tmp/provdisc-lab';
const LAB_NS = /^pd-([0-9a-f]{6})-/;

interface Owner {
  pid: number;
  startTime: string;
}

/**
 * Field 22 of /proc/PID/stat: tells a live owner from a new process that reused its PID. A killed
 * owner can linger as a zombie until reaped: that counts as dead.
 */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export function labDir(id: string): string {
  return path.join(LAB_ROOT, id);
}

/** Marks lab `id` as belonging to this process, so no sweep removes it while we live. */
export function claimLab(id: string): string {
  const dir = labDir(id);
  fs.mkdirSync(dir, { recursive: true });
  const owner: Owner = { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' };
  fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(owner));
  return dir;
}

function ownerAlive(id: string): boolean {
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(labDir(id), 'owner.json'), 'utf8')) as Owner;
    return startTimeOf(owner.pid) === owner.startTime;
  } catch {
    return false;
  }
}

/**
 * Removes what earlier runs left behind when they crashed before `close()`: namespaces, their
 * processes and files. Labs whose owning process is still alive (this one's included) are kept.
 */
export async function sweepStaleLabs(): Promise<string[]> {
  const stale = new Set<string>();
  for (const ns of await listNamespaces()) {
    const id = LAB_NS.exec(ns)?.[1];
    if (id !== undefined && !ownerAlive(id)) stale.add(ns);
  }
  for (const ns of stale) await destroyNamespace(ns);
  const dirs = fs.existsSync(LAB_ROOT) ? fs.readdirSync(LAB_ROOT) : [];
  for (const id of dirs) {
    if (!ownerAlive(id)) fs.rmSync(labDir(id), { recursive: true, force: true });
  }
  return [...stale];
}
