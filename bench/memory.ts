/** Memory and CPU of a process, read from /proc (no sockets: safe in the machine's namespace). */
import fs from 'node:fs';

export interface MemorySample {
  /** ms since the epoch */
  at: number;
  vmRssKb: number;
  /** Private pages: what the process itself costs. */
  rssAnonKb: number;
  /** Pages of mapped files (mostly the node binary), shared with every other node process. */
  rssFileKb: number;
}

function statusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]);
}

export function memoryOf(pid: number): MemorySample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    at: performance.timeOrigin + performance.now(),
    vmRssKb: statusField(status, 'VmRSS'),
    rssAnonKb: statusField(status, 'RssAnon'),
    rssFileKb: statusField(status, 'RssFile'),
  };
}

/** User + system CPU time of `pid` in ms. */
export function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The pid we hold is that of `ip netns exec`, which execs unshare, sh and finally the program, so
 * it should now be the program itself: check rather than assume, or we would measure a wrapper.
 */
export function assertProgram(pid: number, executable: string): string {
  const exe = fs.readlinkSync(`/proc/${pid}/exe`);
  if (exe !== executable) throw new Error(`pid ${pid} is ${exe}, not ${executable}: measuring a wrapper, not the program`);
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  if (children !== '') throw new Error(`pid ${pid} (${exe}) has children ${children}: the program may be one of them`);
  return exe;
}

/** Samples `pid` every `everyMs` until stopped; returns what it saw. */
export function sampleMemory(pid: number, everyMs: number): () => MemorySample[] {
  const samples: MemorySample[] = [memoryOf(pid)];
  const timer = setInterval(() => samples.push(memoryOf(pid)), everyMs);
  return () => {
    clearInterval(timer);
    samples.push(memoryOf(pid));
    return samples;
  };
}
