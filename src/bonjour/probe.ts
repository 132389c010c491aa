/**
 * RFC 6762 §8.1 probing: three queries for the instance name, 250 ms apart after a random delay,
 * with the records we propose in the authority section. A round ends early when the responder
 * interrupts it: a lost tie-break (§8.2) or a host that holds the name.
 */
import type { Timers } from './timers.js';
import type { PacketChannel } from './transport.js';
import type { MdnsRecord } from './wire.js';

const PROBE_INTERVAL_MS = 250;
const PROBE_COUNT = 3;

export type ProbeOutcome = 'won' | 'lost-tie' | 'conflict' | 'stopped';

export class Prober {
  private round = 0;
  private interrupt: ((reason: 'lost-tie' | 'conflict') => void) | undefined;

  /** `between`: called in the pause after each probe, the idle time of a start. */
  constructor(
    private readonly channel: Pick<PacketChannel, 'interfaces' | 'send'>,
    private readonly name: string,
    private readonly records: readonly MdnsRecord[],
    private readonly timers: Timers,
    private readonly random: () => number,
    private readonly between: () => void,
  ) {}

  /**
   * One round of probes: 'won' when it ran to its end, the reason it was interrupted otherwise, and
   * 'stopped' when `probing()` turned false meanwhile (the responder was stopped).
   */
  async run(probing: () => boolean): Promise<ProbeOutcome> {
    const round = ++this.round;
    const interrupted = new Promise<'lost-tie' | 'conflict'>((resolve) => (this.interrupt = resolve));
    const send = async (): Promise<'won'> => {
      await this.timers.sleep(this.random() * PROBE_INTERVAL_MS);
      for (let i = 0; i < PROBE_COUNT; i++) {
        // an interrupted round must not keep probing beside the next one
        if (!probing() || round !== this.round) break;
        // §8.1: the first probe asks for unicast replies so a defender answers at once
        const probe = { questions: [{ name: this.name, type: 'ANY', unicastResponse: i === 0 }], authorities: this.records };
        await Promise.all(this.channel.interfaces.map((iface) => this.channel.send(probe, iface)));
        this.between();
        await this.timers.sleep(PROBE_INTERVAL_MS);
      }
      return 'won';
    };
    const result = await Promise.race([send(), interrupted]);
    this.interrupt = undefined;
    this.round++;
    return probing() ? result : 'stopped';
  }

  /** Ends the round running now, if any, with `reason`. */
  stop(reason: 'lost-tie' | 'conflict'): void {
    this.interrupt?.(reason);
  }
}
