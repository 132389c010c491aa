/**
 * An RFC 6762 responder for one service: probe (§8.1), break probe ties (§8.2), announce (§8.3),
 * answer (§6), detect conflicts (§9), say goodbye (§10.1). It never renames the instance: for Jitsi
 * a renamed instance is a missing one. A name held by another host while probing ends the start;
 * a conflicting answer once announced is defended (the records re-asserted) or, on request, ends
 * the advertisement. See docs/wire.md for why.
 */
import { EventEmitter } from 'node:events';
import type { NetInterface } from '../util/network-interfaces.js';
import {
  addressRecords,
  compareProbeRecords,
  instanceFullName,
  ptrRecord,
  recordKey,
  recordsNamed,
  serviceRecordSet,
  serviceTypeName,
  srvRecord,
  txtRecord,
  SERVICES_ENUMERATION,
  type ServiceDefinition,
  type ServiceRecordSet,
} from './service-records.js';
import type { PacketChannel, PacketSource } from './transport.js';
import { decodeMessage, encodeMessage, MDNS_PORT, sameRecord, type MdnsMessage, type MdnsQuestion, type MdnsRecord } from './wire.js';
import { TokenBuckets } from '../util/token-buckets.js';

const PROBE_INTERVAL_MS = 250;
const PROBE_COUNT = 3;
const ANNOUNCE_COUNT = 3;
const ANNOUNCE_INTERVAL_MS = 1000;
/** §6: a record is multicast at most once a second per interface. */
const MULTICAST_HOLDOFF_MS = 1000;
/** How long after the one-second hold-off a postponed answer goes out (see defer()). */
const DEFERRED_ANSWER_SLACK_MS = 20;
/** §6.7: legacy unicast answers carry TTLs of at most 10 s. */
const LEGACY_TTL = 10;
/** §8.2: the loser of a probe tie-break waits a second before probing again. */
const TIE_BREAK_BACKOFF_MS = 1000;
/**
 * Answer-path runs on a silent copy while probing (see rehearse()): enough for V8's baseline
 * compiler, not for its optimising one, which cost 6 MB of resident memory at start (bench, 400 runs:
 * +13.0 MB over bare node; 40 runs: +7.1 MB) for no turnaround the bench could tell apart.
 */
const REHEARSALS = 40;
/** Unicast replies per source: a flooding peer spends its own budget, not everyone's. */
const UNICAST_BURST = 40;
const UNICAST_PER_SECOND = 20;

export interface Conflict {
  /** Address of the host that holds the name. */
  readonly from: string;
  readonly interface: string;
  /** Its records for our instance name. */
  readonly records: readonly MdnsRecord[];
}

/** How a query was answered; a query may be answered several ways at once (see docs/wire.md). */
export type AnswerKind = 'multicast' | 'unicast' | 'legacy' | 'postponed' | 'known-answer' | 'rate-limited';

/** A client's question about the service, and what was done with it. */
export interface QueryReport {
  readonly from: string;
  readonly port: number;
  readonly interface: string;
  readonly questions: readonly MdnsQuestion[];
  readonly answered: readonly AnswerKind[];
}

/** What a conflicting answer after announcing leads to: re-asserting the records, or stopping. */
export type ConflictPolicy = 'defend' | 'stop';

interface ResponderEvents {
  announced: [];
  /** Once announced: every conflicting answer when defending; the one that stopped it otherwise. */
  conflict: [conflict: Conflict];
  query: [query: QueryReport];
  'send-error': [iface: NetInterface, error: Error];
}


type State = 'idle' | 'probing' | 'announced' | 'stopped';

export class ConflictError extends Error {
  constructor(readonly conflict: Conflict) {
    super(`another host (${conflict.from}) holds the name`);
  }
}

export class Responder extends EventEmitter<ResponderEvents> {
  private state: State = 'idle';
  private rehearsed = false;
  private readonly lastMulticast = new Map<string, Map<string, number>>();
  private readonly unicastBudget = new TokenBuckets(UNICAST_BURST, UNICAST_PER_SECOND, 1024);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  /** Per interface: answers held back by the one-second rule, by record key, with when they were asked for. */
  private readonly deferred = new Map<string, Map<string, { record: MdnsRecord; askedAt: number }>>();
  private interrupt: ((reason: 'lost-tie' | 'conflict') => void) | undefined;
  private conflict: Conflict | undefined;
  private probeRound = 0;
  private readonly onMessage = (m: MdnsMessage, s: PacketSource) => this.handle(m, s);
  private readonly onSendError = (iface: NetInterface, err: Error) => this.emit('send-error', iface, err);
  private readonly records: ServiceRecordSet;
  /** Every name we answer for, lower-cased: most queries on a LAN are for others and end here. */
  private readonly ownNames: ReadonlySet<string>;
  /** The same names, lower-cased once: a question's name is compared with them on every query. */
  private readonly names: { readonly type: string; readonly instance: string; readonly host: string; readonly enumeration: string };

  constructor(
    private readonly transport: PacketChannel,
    readonly service: ServiceDefinition,
    private readonly random: () => number = Math.random,
    private readonly policy: ConflictPolicy = 'defend',
  ) {
    super();
    this.records = serviceRecordSet(service);
    this.names = {
      type: serviceTypeName(service).toLowerCase(),
      instance: instanceFullName(service).toLowerCase(),
      host: service.host.toLowerCase(),
      enumeration: SERVICES_ENUMERATION.toLowerCase(),
    };
    this.ownNames = new Set(Object.values(this.names));
  }

  get fullName(): string {
    return instanceFullName(this.service);
  }

  /**
   * Probes, then announces; resolves after the first announcement, rejects with ConflictError.
   * `probe: false` announces at once: for a name this process already held and is defending
   * (see Advertisement), where probing would only hand it to the host that took it.
   */
  async start(probe = true): Promise<void> {
    this.transport.on('message', this.onMessage);
    this.transport.on('send-error', this.onSendError);
    try {
      for (; probe; ) {
        this.state = 'probing';
        const outcome = await this.probe();
        if (outcome === 'won') break;
        if (outcome === 'conflict') throw new ConflictError(this.conflict!);
        if (outcome === 'stopped') return;
        await this.sleep(TIE_BREAK_BACKOFF_MS);
        // stop() may have ended the back-off (TypeScript cannot see that it changes the state)
        if ((this.state as State) === 'stopped') return;
        // the winner's announcement usually lands during the back-off, with no probe round to interrupt
        if (this.conflict) throw new ConflictError(this.conflict);
      }
      this.state = 'announced';
      await this.announce();
      for (let i = 1; i < ANNOUNCE_COUNT; i++) {
        this.later(ANNOUNCE_INTERVAL_MS * i, () => void this.announce());
      }
      this.emit('announced');
    } catch (err) {
      this.detach();
      throw err;
    }
  }

  /**
   * Stops answering; with `goodbye`, first sends the records with TTL 0 (if they were announced) so
   * that peers drop them now rather than when their TTLs run out.
   */
  async stop(goodbye = true): Promise<void> {
    const wasAnnounced = this.state === 'announced' && goodbye;
    this.state = 'stopped';
    this.interrupt?.('conflict');
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
    if (wasAnnounced) {
      await this.goodbye();
      await new Promise((r) => setTimeout(r, 150));
      await this.goodbye();
    }
    this.detach();
  }

  private detach(): void {
    this.transport.off('message', this.onMessage);
    this.transport.off('send-error', this.onSendError);
  }

  private async probe(): Promise<'won' | 'lost-tie' | 'conflict' | 'stopped'> {
    const round = ++this.probeRound;
    const outcome = new Promise<'lost-tie' | 'conflict'>((resolve) => (this.interrupt = resolve));
    const run = async (): Promise<'won'> => {
      await this.sleep(this.random() * PROBE_INTERVAL_MS);
      for (let i = 0; i < PROBE_COUNT; i++) {
        // an interrupted round must not keep probing beside the next one
        if (this.state !== 'probing' || round !== this.probeRound) break;
        await Promise.all(
          this.transport.interfaces.map((iface) =>
            this.transport.send(
              {
                // §8.1: the first probe asks for unicast replies so a defender answers at once
                questions: [{ name: this.fullName, type: 'ANY', unicastResponse: i === 0 }],
                authorities: this.records.unique,
              },
              iface,
            ),
          ),
        );
        this.rehearse();
        await this.sleep(PROBE_INTERVAL_MS);
      }
      return 'won';
    };
    const result = await Promise.race([run(), outcome]);
    this.interrupt = undefined;
    this.probeRound++;
    if (this.state === 'stopped') return 'stopped';
    return result;
  }

  /**
   * Runs the answer path (decode, plan, encode) a few hundred times on a copy of this responder
   * that sends nowhere, once, in the idle time between probes. Code V8 has not compiled yet runs
   * several times slower: without this the first real questions took ~0.3 ms in this process
   * against ~0.1 ms for avahi-daemon, and on a quiet LAN every question comes to cold code.
   */
  private rehearse(): void {
    if (this.rehearsed) return;
    this.rehearsed = true;
    const iface = this.transport.interfaces[0];
    if (!iface) return;
    const silent: PacketChannel = {
      interfaces: [iface],
      send: async (message) => void encodeMessage(message),
      on: () => silent,
      off: () => silent,
    };
    const copy = new Responder(silent, this.service, this.random, this.policy);
    copy.state = 'announced';
    const ask = (types: string[], unicastResponse: boolean) =>
      encodeMessage({
        questions: types.map((type) => ({ name: type === 'A' || type === 'AAAA' ? this.service.host : this.fullName, type, unicastResponse })),
      });
    // what Jitsi's JmDNS and python-zeroconf ask
    const queries = [ask(['SRV', 'TXT'], false), ask(['SRV', 'TXT', 'A', 'AAAA'], true)];
    const source = { address: iface.ipv4[0]?.address ?? '192.0.2.1', port: MDNS_PORT, interface: iface };
    for (let i = 0; i < REHEARSALS; i++) {
      copy.lastMulticast.clear();
      copy.unicastBudget.clear();
      copy.handle(decodeMessage(queries[i % queries.length]!), source);
    }
    void copy.stop(false);
  }

  private async announce(): Promise<void> {
    if (this.state !== 'announced') return;
    await Promise.all(
      this.transport.interfaces.map((iface) => {
        const answers = this.records.all(iface);
        this.noteMulticast(iface, answers);
        return this.transport.send({ response: true, authoritative: true, answers }, iface);
      }),
    );
  }

  private async goodbye(): Promise<void> {
    await Promise.all(
      this.transport.interfaces.map((iface) => {
        const answers = [ptrRecord(this.service, 0), srvRecord(this.service, 0), txtRecord(this.service, 0)];
        // this machine's own name is usually published by its OS responder too: a goodbye for it
        // would wipe that responder's records from every cache
        if (this.service.addresses !== 'interface') answers.push(...addressRecords(this.service, iface, 0));
        return this.transport.send({ response: true, authoritative: true, answers }, iface);
      }),
    );
  }

  private handle(message: MdnsMessage, source: PacketSource): void {
    if (this.state === 'idle' || this.state === 'stopped') return;
    if (message.opcode !== 'QUERY') return;
    if (message.response) this.checkResponse(message, source);
    else this.answerQuery(message, source);
  }

  /** §9: a response from elsewhere that gives our instance name other data is a conflict. */
  private checkResponse(message: MdnsMessage, source: PacketSource): void {
    const ours = this.records.unique;
    const theirs = recordsNamed([...message.answers, ...message.additionals], this.fullName).filter(
      (r) => r.ttl > 0 && (r.type === 'SRV' || r.type === 'TXT'),
    );
    const conflicting = theirs.some((r) => !ours.some((o) => sameRecord(o, r)));
    if (conflicting) this.onConflict({ from: source.address, interface: source.interface.name, records: theirs });
  }

  private onConflict(conflict: Conflict): void {
    if (this.state === 'announced' && this.policy === 'defend') {
      this.reassert(conflict.interface);
      this.emit('conflict', conflict);
      return;
    }
    if (this.conflict) return;
    this.conflict = conflict;
    if (this.state === 'probing') {
      this.interrupt?.('conflict');
      return;
    }
    this.state = 'stopped';
    for (const t of this.timers) clearTimeout(t);
    this.detach();
    this.emit('conflict', conflict);
  }

  /**
   * The name is ours (we probed and won): like a defender answering a probe (§8.1), we multicast our
   * unique records with the cache-flush bit, so caches that took the other host's data replace it.
   * Unlike a probe defence this goes through the one-second rule (§6): a host that floods forged
   * answers gets at most one re-assertion a second.
   */
  private reassert(ifaceName: string): void {
    const iface = this.transport.interfaces.find((i) => i.name === ifaceName);
    if (!iface) return;
    const answers = [...this.records.unique];
    this.multicastAnswers(answers, this.additionalsFor(answers, iface), iface);
  }

  private answerQuery(message: MdnsMessage, source: PacketSource): void {
    const asked = message.questions.map((q) => normalName(q.name));
    if (!asked.some((n) => this.ownNames.has(n))) return;
    const probeRecords = message.authorities.length > 0 ? recordsNamed(message.authorities, this.fullName) : [];
    const isProbe = probeRecords.length > 0 && asked.includes(this.names.instance);
    if (isProbe) {
      const order = compareProbeRecords(this.records.unique, probeRecords);
      if (order === 0) return; // the same records: not a conflict (RFC 6762 §8.2)
      if (this.state === 'probing') {
        if (order < 0) this.interrupt?.('lost-tie');
        return;
      }
      // §8.1 / §9: defend our name at once, whatever the rate limit says
      void this.transport.send(
        { response: true, authoritative: true, answers: this.records.unique },
        source.interface,
      );
      return;
    }
    if (this.state !== 'announced') return; // §8.1: no answers before the name is ours
    const legacy = source.port !== MDNS_PORT;
    const iface = source.interface;
    const unique: MdnsRecord[] = [];
    const shared: MdnsRecord[] = [];
    let wantsUnicast = message.questions.length > 0;
    for (const [i, q] of message.questions.entries()) {
      const matched = this.recordsFor(q, asked[i]!, iface);
      if (matched.length > 0 && !q.unicastResponse) wantsUnicast = false;
      for (const r of matched) (r.flush ? unique : shared).push(r);
    }
    const known = message.answers;
    // §7.1 known-answer suppression: skip what the asker already holds with at least half our TTL
    const fresh = (r: MdnsRecord) => !known.some((k) => sameRecord(k, r) && k.ttl >= r.ttl / 2);
    const answersUnique = dedupe(unique.filter(fresh));
    const answersShared = dedupe(shared.filter(fresh));
    if (unique.length + shared.length === 0) return; // asked about others only
    const answered: AnswerKind[] = [];
    if (answersUnique.length + answersShared.length === 0) answered.push('known-answer');
    else if (legacy) answered.push(this.replyLegacy(message, source, [...answersUnique, ...answersShared]));
    else {
      // unique records first and from here, not from a timer: no other responder has them to give
      if (answersUnique.length > 0) answered.push(...this.reply(answersUnique, source, wantsUnicast));
      if (answersShared.length > 0) {
        // §6: answers others may also give are delayed 20–120 ms to spread the replies
        this.later(20 + this.random() * 100, () => void this.reply(answersShared, source, wantsUnicast));
        answered.push(wantsUnicast ? 'unicast' : 'multicast');
      }
    }
    // told once the answer is out: the socket sends from the next tick (its address "look-up"),
    // and a listener that prints would otherwise run first and hold the answer back
    if (this.listenerCount('query') > 0) {
      const report = { from: source.address, port: source.port, interface: iface.name, questions: message.questions, answered: [...new Set(answered)] };
      setImmediate(() => this.emit('query', report));
    }
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

  /** §6.2 / RFC 6763 §12: what a client needs next, sent along so it needs no second round trip. */
  private additionalsFor(answers: readonly MdnsRecord[], iface: NetInterface): MdnsRecord[] {
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

  private reply(answers: MdnsRecord[], source: PacketSource, wantsUnicast: boolean): AnswerKind[] {
    if (this.state !== 'announced') return [];
    const iface = source.interface;
    const additionals = this.additionalsFor(answers, iface);
    // §5.4: a QU question gets a unicast answer, unless the record has not been multicast for a
    // quarter of its TTL, in which case multicasting refreshes every cache on the link
    const unicast = wantsUnicast && answers.every((r) => this.multicastWithin(iface, r, (r.ttl * 1000) / 4));
    if (unicast) return [this.unicastTo(source, answers, additionals) ? 'unicast' : 'rate-limited'];
    return this.multicastAnswers(answers, additionals, iface, source);
  }

  /** False when the asker has spent its unicast budget. */
  private unicastTo(source: PacketSource, answers: readonly MdnsRecord[], additionals: readonly MdnsRecord[]): boolean {
    if (!this.unicastBudget.spend(source.address)) return false;
    void this.transport.send({ response: true, authoritative: true, answers, additionals }, source.interface, {
      address: source.address,
      port: source.port,
    });
    return true;
  }

  /**
   * Multicasts what the one-second rule (§6) lets out now and postpones the rest (see defer()).
   * With `asker` (a querier on port 5353), what is postponed also goes to it by unicast at once:
   * a JmDNS client that opened its socket just after the last multicast listens for 675 ms only,
   * and would be gone before the postponed multicast (docs/wire.md, "the rule that answers JmDNS
   * in time").
   */
  private multicastAnswers(
    answers: readonly MdnsRecord[],
    additionals: readonly MdnsRecord[],
    iface: NetInterface,
    asker?: PacketSource,
  ): AnswerKind[] {
    const kinds: AnswerKind[] = [];
    const held = answers.filter((r) => this.multicastWithin(iface, r, MULTICAST_HOLDOFF_MS));
    const due = answers.filter((r) => !held.includes(r));
    if (due.length > 0) {
      const extra = additionals.filter((r) => !this.multicastWithin(iface, r, MULTICAST_HOLDOFF_MS));
      this.noteMulticast(iface, [...due, ...extra]);
      void this.transport.send({ response: true, authoritative: true, answers: due, additionals: extra }, iface);
      kinds.push('multicast');
    }
    if (held.length > 0) {
      if (asker && asker.port === MDNS_PORT && this.unicastTo(asker, held, this.additionalsFor(held, iface))) kinds.push('unicast');
      this.defer(iface, held);
      kinds.push('postponed');
    }
    return kinds;
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
    const pending = armed ?? new Map<string, { record: MdnsRecord; askedAt: number }>();
    const now = Date.now();
    let wait = 0;
    for (const r of records) {
      const key = recordKey(r);
      if (!pending.has(key)) pending.set(key, { record: r, askedAt: now });
      wait = Math.max(wait, this.lastMulticast.get(iface.name)!.get(key)! + MULTICAST_HOLDOFF_MS - now);
    }
    if (armed) return;
    this.deferred.set(iface.name, pending);
    // a little after the second is over: an announcement due at that very moment goes first, and
    // makes the postponed answer redundant rather than a second copy a few ms later
    this.later(wait + DEFERRED_ANSWER_SLACK_MS, () => {
      this.deferred.delete(iface.name);
      if (this.state !== 'announced') return;
      // one multicast since the question (an announcement, another answer) already answered it
      const stillOwed = [...pending.values()]
        .filter((w) => !this.multicastWithin(iface, w.record, Date.now() - w.askedAt))
        .map((w) => w.record);
      if (stillOwed.length > 0) void this.multicastAnswers(stillOwed, this.additionalsFor(stillOwed, iface), iface);
    });
  }

  /** §6.7: a legacy resolver gets a plain DNS answer: its ID and question, short TTLs, no flush bit. */
  private replyLegacy(message: MdnsMessage, source: PacketSource, answers: MdnsRecord[]): AnswerKind {
    if (!this.unicastBudget.spend(source.address)) return 'rate-limited';
    const legacy = (r: MdnsRecord): MdnsRecord => ({ ...r, ttl: Math.min(r.ttl, LEGACY_TTL), flush: false });
    void this.transport.send(
      {
        id: message.id,
        response: true,
        authoritative: true,
        questions: message.questions.map((q) => ({ ...q, unicastResponse: false })),
        answers: answers.map(legacy),
        additionals: this.additionalsFor(answers, source.interface).map(legacy),
      },
      source.interface,
      { address: source.address, port: source.port },
    );
    return 'legacy';
  }

  private multicastWithin(iface: NetInterface, r: MdnsRecord, ms: number): boolean {
    const at = this.lastMulticast.get(iface.name)?.get(recordKey(r));
    return at !== undefined && Date.now() - at < ms;
  }

  private noteMulticast(iface: NetInterface, records: readonly MdnsRecord[]): void {
    let m = this.lastMulticast.get(iface.name);
    if (!m) this.lastMulticast.set(iface.name, (m = new Map()));
    const now = Date.now();
    for (const r of records) m.set(recordKey(r), now);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** A pause that stop() ends early, so that a start() waiting in it settles instead of hanging. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.later(ms, wake);
    });
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
