/**
 * Answering a query once the name is ours (RFC 6762 §6): by multicast, by unicast to a QU question
 * or a querier the one-second rule would keep waiting, or as plain DNS to a legacy resolver (§6.7);
 * with a unicast budget per source. What answers is answer-plan.ts's; the pacing of multicasts is
 * multicast-pacing.ts's.
 */
import { TokenBuckets } from '../util/token-buckets.js';
import type { NetInterface } from '../util/network-interfaces.js';
import type { AnswerPlan } from './answer-plan.js';
import { MulticastPacer } from './multicast-pacing.js';
import type { Timers } from './timers.js';
import type { PacketChannel, PacketSource } from './transport.js';
import { MDNS_PORT, type MdnsMessage, type MdnsRecord } from './wire.js';

/** How a query was answered; a query may be answered several ways at once (see docs/wire.md). */
export type AnswerKind = 'multicast' | 'unicast' | 'legacy' | 'postponed' | 'known-answer' | 'rate-limited';

/** §6.7: legacy unicast answers carry TTLs of at most 10 s. */
const LEGACY_TTL = 10;
/** Unicast replies per source: a flooding peer spends its own budget, not everyone's. */
const UNICAST_BURST = 40;
const UNICAST_PER_SECOND = 20;

export class Answerer {
  private readonly unicastBudget = new TokenBuckets(UNICAST_BURST, UNICAST_PER_SECOND, 1024);
  private readonly pacer: MulticastPacer;

  /** `timers`: where delayed answers wait; cancelling them is how answering stops. */
  constructor(
    private readonly channel: Pick<PacketChannel, 'post'>,
    private readonly plan: AnswerPlan,
    private readonly timers: Timers,
    private readonly random: () => number,
  ) {
    this.pacer = new MulticastPacer(channel, plan, timers);
  }

  /**
   * Answers a query (`asked`: its names from plan.askedNames); undefined when it asked about others
   * only. Unique records go out from here, not from a timer: no other responder has them to give.
   */
  answer(message: MdnsMessage, source: PacketSource, asked: readonly string[]): AnswerKind[] | undefined {
    const planned = this.plan.answers(message, asked, source.interface);
    if (!planned) return undefined;
    const { unique, shared, wantsUnicast } = planned;
    if (unique.length + shared.length === 0) return ['known-answer'];
    if (source.port !== MDNS_PORT) return [this.replyLegacy(message, source, [...unique, ...shared])];
    const answered: AnswerKind[] = [];
    if (unique.length > 0) answered.push(...this.reply(unique, source, wantsUnicast));
    if (shared.length > 0) {
      // §6: answers others may also give are delayed 20–120 ms to spread the replies
      this.timers.later(20 + this.random() * 100, () => void this.reply(shared, source, wantsUnicast));
      answered.push(wantsUnicast ? 'unicast' : 'multicast');
    }
    return [...new Set(answered)];
  }

  /**
   * The name is ours (we probed and won): like a defender answering a probe (§8.1), we multicast our
   * unique records with the cache-flush bit, so caches that took the other host's data replace it.
   * Unlike a probe defence this goes through the one-second rule (§6): a host that floods forged
   * answers gets at most one re-assertion a second.
   */
  reassert(iface: NetInterface): void {
    const answers = [...this.plan.records.unique];
    this.multicast(answers, this.plan.additionalsFor(answers, iface), iface);
  }

  /** Records multicast on `iface` by an announcement: they count for the one-second rule. */
  announced(iface: NetInterface, records: readonly MdnsRecord[]): void {
    this.pacer.note(iface, records);
  }

  private reply(answers: readonly MdnsRecord[], source: PacketSource, wantsUnicast: boolean): AnswerKind[] {
    const iface = source.interface;
    const additionals = this.plan.additionalsFor(answers, iface);
    // §5.4: a QU question gets a unicast answer, unless the record has not been multicast for a
    // quarter of its TTL, in which case multicasting refreshes every cache on the link
    const unicast = wantsUnicast && answers.every((r) => this.pacer.within(iface, r, (r.ttl * 1000) / 4));
    if (unicast) return [this.unicastTo(source, answers, additionals) ? 'unicast' : 'rate-limited'];
    return this.multicast(answers, additionals, iface, source);
  }

  /**
   * Multicasts through the one-second rule. With `asker` (a querier on port 5353), what is postponed
   * also goes to it by unicast at once: a JmDNS client that opened its socket just after the last
   * multicast listens for 675 ms only, and would be gone before the postponed multicast
   * (docs/wire.md, "the rule that answers JmDNS in time").
   */
  private multicast(answers: readonly MdnsRecord[], additionals: readonly MdnsRecord[], iface: NetInterface, asker?: PacketSource): AnswerKind[] {
    const { sent, held } = this.pacer.multicast(answers, additionals, iface);
    const kinds: AnswerKind[] = sent ? ['multicast'] : [];
    if (held.length > 0) {
      if (asker && asker.port === MDNS_PORT && this.unicastTo(asker, held, this.plan.additionalsFor(held, iface))) kinds.push('unicast');
      kinds.push('postponed');
    }
    return kinds;
  }

  /** False when the asker has spent its unicast budget. */
  private unicastTo(source: PacketSource, answers: readonly MdnsRecord[], additionals: readonly MdnsRecord[]): boolean {
    if (!this.unicastBudget.spend(source.address)) return false;
    this.channel.post({ response: true, authoritative: true, answers, additionals }, source.interface, {
      address: source.address,
      port: source.port,
    });
    return true;
  }

  /** §6.7: a legacy resolver gets a plain DNS answer: its ID and question, short TTLs, no flush bit. */
  private replyLegacy(message: MdnsMessage, source: PacketSource, answers: readonly MdnsRecord[]): AnswerKind {
    if (!this.unicastBudget.spend(source.address)) return 'rate-limited';
    const legacy = (r: MdnsRecord): MdnsRecord => ({ ...r, ttl: Math.min(r.ttl, LEGACY_TTL), flush: false });
    this.channel.post(
      {
        id: message.id,
        response: true,
        authoritative: true,
        questions: message.questions.map((q) => ({ ...q, unicastResponse: false })),
        answers: answers.map(legacy),
        additionals: this.plan.additionalsFor(answers, source.interface).map(legacy),
      },
      source.interface,
      { address: source.address, port: source.port },
    );
    return 'legacy';
  }
}
