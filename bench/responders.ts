/** The responders compared: provdisc advertise, avahi-daemon, bonjour-service publish. */
import path from 'node:path';
import { REPO_ROOT, type LabHost } from '../test/lab/host.js';
import type { SpawnedProcess } from '../test/lab/process.js';
import { spawnInHost } from './in-host.js';
import { SEED_AVAHI_SERVICE, SEED_TXT, TEMPLATE } from '../test/fixtures/seed.js';
import { epochNow } from './stats.js';

export interface RunningResponder {
  /** The process that answers (its pid checked to be the program, not a wrapper, before measuring). */
  pid: number;
  executable: string;
  process: SpawnedProcess;
  stop(): Promise<void>;
}

/** Fails the bench, with the responder's last words, when it is gone: its figures would be a dead host's. */
export function assertAlive(responder: RunningResponder, when: string): void {
  if (responder.process.running) return;
  throw new Error(`${responder.process.description} ended before ${when}:\n${responder.process.tail()}`);
}

export type ResponderId = 'provdisc' | 'avahi' | 'bonjour';

export const RESPONDER_LABELS: Record<ResponderId, string> = {
  provdisc: 'provdisc advertise',
  avahi: 'avahi-daemon',
  bonjour: 'bonjour-service publish',
};

const READY_TIMEOUT_MS = 15_000;

/** `provdisc advertise` of the seed template; resolves once it printed `announced`. */
export async function startProvdisc(host: LabHost, nodeOptions: string[] = []): Promise<RunningResponder> {
  const child = host.spawn(process.execPath, [...nodeOptions, path.join(REPO_ROOT, 'bin/provdisc'), 'advertise', '--json', TEMPLATE]);
  await child.waitForLine(/"event":"announced"/, READY_TIMEOUT_MS);
  return { pid: child.pid, executable: process.execPath, process: child, stop: async () => void (await child.stop(3_000)) };
}

export interface AvahiServiceFile {
  xml: string;
  source: string;
}

/**
 * The service file from `provdisc avahi TEMPLATE` when this build has the command, else the
 * seed's. Run inside `host`: it opens no socket, but no provdisc command runs outside the lab.
 */
export async function avahiServiceFile(host: LabHost): Promise<AvahiServiceFile> {
  const run = await host.provdisc(['avahi', TEMPLATE]);
  if (run.code === 0 && run.stdout.includes('<service-group>')) return { xml: run.stdout, source: '`provdisc avahi TEMPLATE` output' };
  const why = run.stderr.split('\n')[0] ?? `exit ${run.code}`;
  return { xml: SEED_AVAHI_SERVICE, source: `the seed's XML without <host-name> (\`provdisc avahi\` failed: ${why})` };
}

/** avahi-daemon serving `xml` as its only service file; resolves once Avahi says it is established. */
export async function startAvahiResponder(host: LabHost, xml: string = SEED_AVAHI_SERVICE): Promise<RunningResponder> {
  const peer = await host.startAvahi({ services: { 'provisioning.service': xml } });
  return { pid: peer.daemon.pid, executable: '/usr/sbin/avahi-daemon', process: peer.daemon, stop: () => peer.stop() };
}

/** bonjour-service `publish` of the seed's TXT; resolves on the service's `up`. */
export async function startBonjourPublisher(host: LabHost): Promise<RunningResponder> {
  const child = spawnInHost(host, 'bonjour-publish.ts', ['--address', host.ipv4, ...SEED_TXT.flatMap((t) => ['--txt', t])]);
  await child.waitForLine(/"event":"published"/, READY_TIMEOUT_MS);
  return { pid: child.pid, executable: process.execPath, process: child, stop: async () => void (await child.stop(3_000)) };
}

export interface StartTiming {
  responder: RunningResponder;
  /** Spawn until the responder said it was ready (announced / established / up). */
  readyMs: number;
  /** Spawn until the watcher in another host saw the first live SRV of the instance. */
  firstAnswerMs: number;
}

/**
 * Starts a responder while `watch` (bench/in-host/mdns-watch.ts in another host) listens, and
 * times spawn → first answer on the wire. A responder answers nothing before it has probed, so
 * its first announcement is also the first answer any client could get.
 */
export async function timeStart(watch: SpawnedProcess, start: () => Promise<RunningResponder>): Promise<StartTiming> {
  const spawnedAt = epochNow();
  let onLine: (line: string) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const seen = new Promise<number>((resolve, reject) => {
    onLine = (line) => {
      if (!line.startsWith('{"event":"answer"')) return;
      const { at } = JSON.parse(line) as { at: number };
      if (at >= spawnedAt) resolve(at - spawnedAt);
    };
    watch.on('stdout', onLine);
    timer = setTimeout(() => reject(new Error(`no answer seen within ${READY_TIMEOUT_MS} ms\n${watch.tail()}`)), READY_TIMEOUT_MS);
  });
  try {
    const responder = await start();
    const readyMs = epochNow() - spawnedAt;
    return { responder, readyMs, firstAnswerMs: await seen };
  } finally {
    clearTimeout(timer);
    watch.off('stdout', onLine);
    seen.catch(() => undefined);
  }
}
