/**
 * RFC 6762 §6's one-second rule: a record is multicast at most once a second per interface. This
 * keeps when each record was last multicast on each interface, multicasts what the rule lets out,
 * and postpones the rest rather than dropping it.
 */
import type { NetInterface } from '../util/network-interfaces.js';
import type { AnswerPlan } from './answer-plan.js';
import { recordKey } from './service-records.js';
import type { Timers } from './timers.js';
import type { PacketChannel } from './transport.js';
import type { MdnsRecord } from './wire.js';

const MULTICAST_HOLDOFF_MS = 1000;
/** How long after the one-second hold-off a postponed answer goes out (see defer()). */
const DEFERRED_ANSWER_SLACK_MS = 20;

interface Owed {
  readonly record: MdnsRecord;
  readonly askedAt: number;
}

export class MulticastPacer {
  /** Per interface: when each record (by key) was last multicast. */
  private readonly last = new Map<string, Map<string, number>>();
  /** Per interface: answers held back by the one-second rule, by record key, with when they were asked for. */
  private readonly deferred = new Map<string, Map<string, Owed>>();

  constructor(
    private readonly channel: Pick<PacketChannel, 'post'>,
    private readonly plan: AnswerPlan,
    private readonly timers: Timers,
  ) {}

  /**
   * Multicasts the answers the rule lets out now, with the additionals not multicast within the
   * second either, and postpones the rest (see defer()). `sent`: something went out now; `held`:
   * the answers postponed.
   */
  multicast(answers: readonly MdnsRecord[], additionals: readonly MdnsRecord[], iface: NetInterface): { sent: boolean; held: readonly MdnsRecord[] } {
    const now = Date.now();
    // all held, or none, is the usual case: the caller's list is passed on as it is, so that what was
    // worked out for it (additionals, encoded answers) is found again
    const held = only(answers, (r) => this.within(iface, r, MULTICAST_HOLDOFF_MS, now));
    const due = held.length === 0 ? answers : answers.filter((r) => !held.includes(r));
    if (due.length > 0) {
      const extra = only(additionals, (r) => !this.within(iface, r, MULTICAST_HOLDOFF_MS, now));
      this.note(iface, [...due, ...extra]);
      this.channel.post({ response: true, authoritative: true, answers: due, additionals: extra }, iface);
    }
    if (held.length > 0) this.defer(iface, held);
    return { sent: due.length > 0, held };
  }

  /** True when `r` was multicast on `iface` less than `ms` ago. */
  within(iface: NetInterface, r: MdnsRecord, ms: number, now = Date.now()): boolean {
    const at = this.last.get(iface.name)?.get(recordKey(r));
    return at !== undefined && now - at < ms;
  }

  /** Records multicast now on `iface` by someone else than multicast() (an announcement). */
  note(iface: NetInterface, records: readonly MdnsRecord[]): void {
    let m = this.last.get(iface.name);
    if (!m) this.last.set(iface.name, (m = new Map()));
    const now = Date.now();
    for (const r of records) m.set(recordKey(r), now);
  }

  /**
   * §6 forbids multicasting a record again within a second, but the asker may have started after
   * the last multicast (a JmDNS created moments after an announcement asks three times in 700 ms,
   * then only waits): the answer is postponed to the end of that second, not dropped. Postponed
   * answers are gathered per interface into one packet, so a flood of questions costs one.
   */
  private defer(iface: NetInterface, records: readonly MdnsRecord[]): void {
    // a pending set exists exactly while its timer runs: the timer is armed when the set is made
    const armed = this.deferred.get(iface.name);
    const pending = armed ?? new Map<string, Owed>();
    const sentAt = this.last.get(iface.name);
    const now = Date.now();
    let wait = 0;
    for (const r of records) {
      const key = recordKey(r);
      if (!pending.has(key)) pending.set(key, { record: r, askedAt: now });
      // only records multicast within the second are held back (see multicast()), so each has a time
      const at = sentAt?.get(key);
      if (at !== undefined) wait = Math.max(wait, at + MULTICAST_HOLDOFF_MS - now);
    }
    if (armed) return;
    this.deferred.set(iface.name, pending);
    // a little after the second is over: an announcement due at that very moment goes first, and
    // makes the postponed answer redundant rather than a second copy a few ms later
    this.timers.later(wait + DEFERRED_ANSWER_SLACK_MS, () => {
      this.deferred.delete(iface.name);
      // one multicast since the question (an announcement, another answer) already answered it
      const stillOwed = [...pending.values()].filter((w) => !this.within(iface, w.record, Date.now() - w.askedAt)).map((w) => w.record);
      if (stillOwed.length > 0) this.multicast(stillOwed, this.plan.additionalsFor(stillOwed, iface), iface);
    });
  }
}

/** The records that pass `test`: `records` itself when all do, so that its identity is kept. */
function only(records: readonly MdnsRecord[], test: (r: MdnsRecord) => boolean): readonly MdnsRecord[] {
  const kept = records.filter(test);
  return kept.length === records.length ? records : kept;
}
