/**
 * An RFC 6762 responder for one service: probe (§8.1, probe.ts), break probe ties (§8.2), announce
 * (§8.3), answer (§6, answer.ts), detect conflicts (§9), say goodbye (§10.1). It never renames the
 * instance: for Jitsi a renamed instance is a missing one. A name held by another host while probing
 * ends the start; a conflicting answer once announced is defended (the records re-asserted) or, on
 * request, ends the advertisement. See docs/wire.md for why.
 */
import { EventEmitter } from 'node:events';
import type { NetInterface } from '../util/network-interfaces.js';
import { AnswerPlan } from './answer-plan.js';
import { Answerer, type AnswerKind } from './answer.js';
import { Prober } from './probe.js';
import { rehearse } from './rehearsal.js';
import { addressRecords, compareProbeRecords, ptrRecord, recordsNamed, srvRecord, txtRecord, type ServiceDefinition } from './service-records.js';
import { Timers } from './timers.js';
import type { PacketChannel, PacketSource } from './transport.js';
import { sameRecord, type MdnsMessage, type MdnsQuestion, type MdnsRecord } from './wire.js';

const ANNOUNCE_COUNT = 3;
const ANNOUNCE_INTERVAL_MS = 1000;
/** §8.2: the loser of a probe tie-break waits a second before probing again. */
const TIE_BREAK_BACKOFF_MS = 1000;

export interface Conflict {
  /** Address of the host that holds the name. */
  readonly from: string;
  readonly interface: string;
  /** Its records for our instance name. */
  readonly records: readonly MdnsRecord[];
}

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
  private conflict: Conflict | undefined;
  private readonly timers = new Timers();
  private readonly plan: AnswerPlan;
  private readonly answerer: Answerer;
  private readonly prober: Prober;
  private readonly onMessage = (m: MdnsMessage, s: PacketSource) => this.handle(m, s);
  private readonly onSendError = (iface: NetInterface, err: Error) => this.emit('send-error', iface, err);

  constructor(
    private readonly transport: PacketChannel,
    readonly service: ServiceDefinition,
    private readonly random: () => number = Math.random,
    private readonly policy: ConflictPolicy = 'defend',
  ) {
    super();
    this.plan = new AnswerPlan(service);
    this.answerer = new Answerer(transport, this.plan, this.timers, random);
    this.prober = new Prober(transport, this.plan.fullName, this.plan.records.unique, this.timers, random, () => this.warmUp());
  }

  get fullName(): string {
    return this.plan.fullName;
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
      for (; probe;) {
        this.state = 'probing';
        const outcome = await this.prober.run(() => this.state === 'probing');
        if (outcome === 'won') break;
        if (outcome === 'conflict') {
          // onConflict keeps the conflict before it ends the round with 'conflict'
          if (!this.conflict) throw new Error('a probe round ended by a conflict, but none was kept');
          throw new ConflictError(this.conflict);
        }
        if (outcome === 'stopped') return;
        await this.timers.sleep(TIE_BREAK_BACKOFF_MS);
        // stop() may have ended the back-off (TypeScript cannot see that it changes the state)
        if ((this.state as State) === 'stopped') return;
        // the winner's announcement usually lands during the back-off, with no probe round to interrupt
        if (this.conflict) throw new ConflictError(this.conflict);
      }
      this.state = 'announced';
      await this.announce();
      for (let i = 1; i < ANNOUNCE_COUNT; i++) {
        this.timers.later(ANNOUNCE_INTERVAL_MS * i, () => void this.announce());
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
    this.prober.stop('conflict');
    this.timers.cancel();
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

  /** Runs the answer path on a copy that sends nowhere, once, in the idle time between probes (rehearsal.ts). */
  private warmUp(): void {
    if (this.rehearsed) return;
    this.rehearsed = true;
    const iface = this.transport.interfaces[0];
    if (iface) rehearse(this.plan, iface, this.random);
  }

  private async announce(): Promise<void> {
    if (this.state !== 'announced') return;
    await Promise.all(
      this.transport.interfaces.map((iface) => {
        const answers = this.plan.records.all(iface);
        this.answerer.announced(iface, answers);
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
    if (message.response) {
      this.checkResponse(message, source);
      return;
    }
    const asked = this.plan.askedNames(message.questions);
    if (!asked) return;
    const probeRecords = message.authorities.length > 0 ? recordsNamed(message.authorities, this.fullName) : [];
    if (probeRecords.length > 0 && asked.includes(this.plan.names.instance)) {
      this.onProbe(probeRecords, source);
      return;
    }
    if (this.state !== 'announced') return; // §8.1: no answers before the name is ours
    const answered = this.answerer.answer(message, source, asked);
    // told once the answer is out: the socket sends from the next tick (its address "look-up"),
    // and a listener that prints would otherwise run first and hold the answer back
    if (answered && this.listenerCount('query') > 0) {
      const report = { from: source.address, port: source.port, interface: source.interface.name, questions: message.questions, answered };
      setImmediate(() => this.emit('query', report));
    }
  }

  /** Another host probes for our instance name. */
  private onProbe(theirs: readonly MdnsRecord[], source: PacketSource): void {
    const order = compareProbeRecords(this.plan.records.unique, theirs);
    if (order === 0) return; // the same records: not a conflict (RFC 6762 §8.2)
    if (this.state === 'probing') {
      if (order < 0) this.prober.stop('lost-tie');
      return;
    }
    // §8.1 / §9: defend our name at once, whatever the rate limit says
    this.transport.post({ response: true, authoritative: true, answers: this.plan.records.unique }, source.interface);
  }

  /** §9: a response from elsewhere that gives our instance name other data is a conflict. */
  private checkResponse(message: MdnsMessage, source: PacketSource): void {
    const ours = this.plan.records.unique;
    const theirs = recordsNamed([...message.answers, ...message.additionals], this.fullName).filter((r) => r.ttl > 0 && (r.type === 'SRV' || r.type === 'TXT'));
    const conflicting = theirs.some((r) => !ours.some((o) => sameRecord(o, r)));
    if (conflicting) this.onConflict({ from: source.address, interface: source.interface.name, records: theirs });
  }

  private onConflict(conflict: Conflict): void {
    if (this.state === 'announced' && this.policy === 'defend') {
      const iface = this.transport.interfaces.find((i) => i.name === conflict.interface);
      if (iface) this.answerer.reassert(iface);
      this.emit('conflict', conflict);
      return;
    }
    if (this.conflict) return;
    this.conflict = conflict;
    if (this.state === 'probing') {
      this.prober.stop('conflict');
      return;
    }
    this.state = 'stopped';
    this.timers.cancel();
    this.detach();
    this.emit('conflict', conflict);
  }
}
