/**
 * The V8 warm-up of the answer path. Code V8 has not compiled yet runs several times slower: without
 * this the first real questions took ~0.3 ms in this process against ~0.1 ms for avahi-daemon, and on
 * a quiet LAN every question comes to cold code. The responder runs it once, in the idle time between
 * probes.
 */
import type { NetInterface } from '../util/network-interfaces.js';
import type { AnswerPlan } from './answer-plan.js';
import { Answerer } from './answer.js';
import { Timers } from './timers.js';
import { decodeMessage, encodeMessage, MDNS_PORT, type OutgoingMessage } from './wire.js';

/**
 * Enough runs for V8's baseline compiler, not for its optimising one, which cost 6 MB of resident
 * memory at start (bench, 400 runs: +13.0 MB over bare node; 40 runs: +7.1 MB) for no turnaround
 * the bench could tell apart.
 */
const REHEARSALS = 40;

/** Decodes, plans and encodes what Jitsi's JmDNS and python-zeroconf ask, sending nothing. */
export function rehearse(plan: AnswerPlan, iface: NetInterface, random: () => number): void {
  const silent = { post: (message: OutgoingMessage) => void encodeMessage(message) };
  const timers = new Timers();
  const ask = (types: string[], unicastResponse: boolean) =>
    encodeMessage({
      questions: types.map((type) => ({ name: type === 'A' || type === 'AAAA' ? plan.service.host : plan.fullName, type, unicastResponse })),
    });
  const queries = [ask(['SRV', 'TXT'], false), ask(['SRV', 'TXT', 'A', 'AAAA'], true)];
  const source = { address: iface.ipv4[0]?.address ?? '192.0.2.1', port: MDNS_PORT, interface: iface };
  for (let round = 0; round < REHEARSALS / queries.length; round++) {
    for (const query of queries) {
      const message = decodeMessage(query);
      const asked = plan.askedNames(message.questions);
      if (!asked) throw new Error(`the rehearsed questions are not about ${plan.fullName}`);
      // a new answerer each time: no multicast history, a full unicast budget, as for a first question
      new Answerer(silent, plan, timers, random).answer(message, source, asked);
    }
  }
  timers.cancel();
}
