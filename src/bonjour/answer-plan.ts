/**
 * What answers a question about one service, decided from the question alone: which of its records
 * match (RFC 6762 §6), which the asker already holds (§7.1), and what goes along so that a client
 * needs no second round trip (§6.2, RFC 6763 §12). Pure: sending and pacing are answer.ts's.
 */
import type { NetInterface } from '../util/network-interfaces.js';
import {
  instanceFullName,
  recordKey,
  serviceRecordSet,
  serviceTypeName,
  SERVICES_ENUMERATION,
  type ServiceDefinition,
  type ServiceRecordSet,
} from './service-records.js';
import { sameRecord, type MdnsMessage, type MdnsQuestion, type MdnsRecord } from './wire.js';

/** The answers to a query, split as they are sent: unique records at once, shared ones delayed. */
export interface PlannedAnswers {
  readonly unique: readonly MdnsRecord[];
  readonly shared: readonly MdnsRecord[];
  /** Every question that matched asked for a unicast reply (QU). */
  readonly wantsUnicast: boolean;
}

export class AnswerPlan {
  readonly records: ServiceRecordSet;
  readonly fullName: string;
  /** The same names, lower-cased once: a question's name is compared with them on every query. */
  readonly names: { readonly type: string; readonly instance: string; readonly host: string; readonly enumeration: string };
  /** Every name we answer for, lower-cased: most queries on a LAN are for others and end here. */
  private readonly ownNames: ReadonlySet<string>;
  /**
   * What was worked out for a question list, kept by the list: wire.ts hands out one list per
   * question shape, and the same few shapes come again and again (every JmDNS asks the same SRV and
   * TXT). The answers also depend on the interface (its addresses), and on nothing else when the
   * query lists no known answers.
   */
  private readonly byQuestions = new WeakMap<
    readonly MdnsQuestion[],
    { asked: string[] | undefined; planned: Map<NetInterface, PlannedAnswers | undefined> }
  >();
  /** additionalsFor's results, by answer list (the planned lists above) and interface. */
  private readonly additionalsByAnswers = new WeakMap<readonly MdnsRecord[], Map<NetInterface, readonly MdnsRecord[]>>();

  constructor(readonly service: ServiceDefinition) {
    this.records = serviceRecordSet(service);
    this.fullName = instanceFullName(service);
    this.names = {
      type: serviceTypeName(service).toLowerCase(),
      instance: this.fullName.toLowerCase(),
      host: service.host.toLowerCase(),
      enumeration: SERVICES_ENUMERATION.toLowerCase(),
    };
    this.ownNames = new Set(Object.values(this.names));
  }

  /** The questions' names as compared here (normalName); undefined when none is one of ours. */
  askedNames(questions: readonly MdnsQuestion[]): string[] | undefined {
    return this.known(questions).asked;
  }

  private known(questions: readonly MdnsQuestion[]) {
    let known = this.byQuestions.get(questions);
    if (!known) {
      const asked = questions.map((q) => normalName(q.name));
      known = { asked: asked.some((n) => this.ownNames.has(n)) ? asked : undefined, planned: new Map() };
      this.byQuestions.set(questions, known);
    }
    return known;
  }

  /**
   * Our records for the questions (`asked`: their names from askedNames), less what the asker lists
   * as known with at least half our TTL; undefined when the questions were about others only.
   */
  answers(message: MdnsMessage, asked: readonly string[], iface: NetInterface): PlannedAnswers | undefined {
    if (message.answers.length > 0) return this.plan(message, asked, iface);
    const { planned } = this.known(message.questions);
    if (planned.has(iface)) return planned.get(iface);
    const answers = this.plan(message, asked, iface);
    planned.set(iface, answers);
    return answers;
  }

  private plan(message: MdnsMessage, asked: readonly string[], iface: NetInterface): PlannedAnswers | undefined {
    const unique: MdnsRecord[] = [];
    const shared: MdnsRecord[] = [];
    let wantsUnicast = message.questions.length > 0;
    for (const [i, q] of message.questions.entries()) {
      // askedNames gives normalName(q.name) for every question
      const matched = this.recordsFor(q, asked[i] ?? normalName(q.name), iface);
      if (matched.length > 0 && !q.unicastResponse) wantsUnicast = false;
      for (const r of matched) (r.flush ? unique : shared).push(r);
    }
    if (unique.length + shared.length === 0) return undefined;
    const known = message.answers;
    const fresh = (r: MdnsRecord) => !known.some((k) => sameRecord(k, r) && k.ttl >= r.ttl / 2);
    return { unique: dedupe(unique.filter(fresh)), shared: dedupe(shared.filter(fresh)), wantsUnicast };
  }

  /** What a client needs next after `answers`, minus what they already hold. */
  additionalsFor(answers: readonly MdnsRecord[], iface: NetInterface): readonly MdnsRecord[] {
    let byInterface = this.additionalsByAnswers.get(answers);
    if (!byInterface) this.additionalsByAnswers.set(answers, (byInterface = new Map()));
    let additionals = byInterface.get(iface);
    if (!additionals) byInterface.set(iface, (additionals = this.additionalsOf(answers, iface)));
    return additionals;
  }

  private additionalsOf(answers: readonly MdnsRecord[], iface: NetInterface): MdnsRecord[] {
    const extra: MdnsRecord[] = [];
    const types = new Set(answers.map((r) => r.type));
    const hasPtr = answers.some((r) => r.type === 'PTR' && r === this.records.ptr);
    if (hasPtr || types.has('SRV') || types.has('TXT')) {
      extra.push(this.records.srv, this.records.txt, ...this.records.addresses(iface));
    } else if (types.has('A') || types.has('AAAA')) {
      extra.push(...this.records.addresses(iface));
    }
    return dedupe(extra).filter((r) => !answers.some((a) => sameRecord(a, r)));
  }

  /** `name`: the question's name, normalised (normalName). */
  private recordsFor(q: MdnsQuestion, name: string, iface: NetInterface): MdnsRecord[] {
    const any = q.type === 'ANY';
    const out: MdnsRecord[] = [];
    const r = this.records;
    const n = this.names;
    if (name === n.type && (any || q.type === 'PTR')) out.push(r.ptr);
    if (name === n.enumeration && (any || q.type === 'PTR')) out.push(r.enumeration);
    if (name === n.instance) {
      if (any || q.type === 'SRV') out.push(r.srv);
      if (any || q.type === 'TXT') out.push(r.txt);
    }
    if (name === n.host) out.push(...r.addresses(iface).filter((a) => any || a.type === q.type));
    return out;
  }
}

/** A name as compared here: lower case, no trailing dot. */
function normalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function dedupe(records: readonly MdnsRecord[]): MdnsRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const k = recordKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
