import type { AdvertiseEvent } from '../../src/bonjour/advertise.js';
import type { LabHost } from './host.js';
import type { SpawnedProcess } from './process.js';

export type AnnouncedEvent = Extract<AdvertiseEvent, { event: 'announced' }>;

/**
 * `provdisc advertise --json ARGS` left running in `host`, once it has probed and announced: the
 * process (stop it with `adv.stop()`) and its first JSON line.
 */
export async function startAdvertiser(host: LabHost, args: string[], timeoutMs = 10_000): Promise<{ adv: SpawnedProcess; announced: AnnouncedEvent }> {
  const adv = host.spawnProvdisc(['advertise', '--json', ...args]);
  const announced = JSON.parse(await adv.waitForLine(/"event":"announced"/, timeoutMs)) as AnnouncedEvent;
  return { adv, announced };
}
