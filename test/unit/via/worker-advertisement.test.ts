import { describe, expect, it } from 'vitest';
import { startAdvertisementWorker } from '../../../src/via/worker-advertisement.js';
import type { ViaEvent } from '../../../src/via/advertise-via.js';
import { UsageError } from '../../../src/util/errors.js';

/** The stand-in thread (JavaScript over dist/: npm test builds first). */
const FAKE = new URL('./fake-advertisement-thread.mjs', import.meta.url);

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !check(); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
  }
}

describe('advertisement in a worker thread', () => {
  it('tells every event on the calling thread, announced first, warnings to warn; close() ends the thread after the end event', async () => {
    const events: ViaEvent[] = [];
    const warnings: string[] = [];
    const ad = await startAdvertisementWorker(FAKE, { template: 'https://prov.example/p', via: ['dhcp'], warn: (m) => warnings.push(m) }, (e) =>
      events.push(e),
    );
    expect(ad.announced).toEqual({ event: 'announced', via: ['dhcp'], template: 'https://prov.example/p', interfaces: [] });
    expect(events[0]).toEqual(ad.announced);
    expect(warnings).toEqual(['a warning from the thread']);
    await until(() => events.filter((e) => e.event === 'query').length >= 3);
    expect(events.find((e) => e.event === 'query')).toEqual({
      event: 'query',
      from: '192.0.2.7',
      port: 5353,
      interface: 'eth0',
      questions: [],
      answered: ['unicast'],
    });
    await ad.close();
    expect(events.at(-1)).toMatchObject({ event: 'dhcp-closed', packets: { received: 3, answered: 3 } });
    expect(await ad.finished).toMatchObject({ event: 'dhcp-closed' });
    // closed means closed: no event after, and a second close() is the same
    const told = events.length;
    await ad.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(told);
  });

  it('a thread that died after announcing is told as an error event, and close() still returns', async () => {
    const events: ViaEvent[] = [];
    const ad = await startAdvertisementWorker(FAKE, { template: 'crash', via: ['dhcp'] }, (e) => events.push(e));
    await until(() => events.some((e) => e.event === 'error'));
    expect(events.find((e) => e.event === 'error')).toMatchObject({ from: 'worker', error: 'a fault of the thread' });
    await ad.close();
  });

  it('a failure to start is thrown on the calling thread as the same typed error', async () => {
    const start = startAdvertisementWorker(FAKE, { template: 'fail', via: ['dhcp'] });
    await expect(start).rejects.toBeInstanceOf(UsageError);
    await expect(start).rejects.toMatchObject({ message: 'the template is refused', code: 'invalid-template', hint: 'give another' });
  });
});
