/**
 * What an advertisement tells: its events, as the library hands them to `onEvent` and `--json`
 * prints them, each with the English `message` a log line needs; and the error for a name another
 * host holds.
 */
import { ProvdiscError } from '../util/errors.js';
import type { NetInterface } from '../util/network-interfaces.js';
import { escapeControls } from '../util/printable.js';
import { fromTxt } from '../template/template.js';
import type { AnswerKind } from './answer.js';
import type { ConflictNotice } from './conflict-watch.js';
import type { Conflict, QueryReport } from './responder.js';
import { instanceFullName, type ServiceDefinition } from './service-records.js';
import type { SharedSending } from './sockets.js';
import type { TransportStats } from './transport.js';

export interface AdvertisedInterface {
  readonly name: string;
  readonly addresses: readonly string[];
}

export type AdvertiseEvent =
  | {
      readonly event: 'announced';
      readonly instance: string;
      readonly type: string;
      readonly template: string;
      readonly host: string;
      readonly port: number;
      readonly txt: readonly string[];
      readonly interfaces: readonly AdvertisedInterface[];
    }
  | {
      readonly event: 'conflict';
      readonly from: string;
      readonly interface: string;
      readonly message: string;
      /** What the other host advertises under the name: the template rebuilt from its records. */
      readonly advertises: string;
      /** 'defended': records re-asserted, still advertising; 'stopped': the advertisement ended. */
      readonly action: 'defended' | 'stopped';
      /** Conflicting answers from that host since its last report (reports come at most every 30 s). */
      readonly count: number;
      readonly total: number;
    }
  | {
      /** Conflicting answers from hosts beyond the first `hosts` told apart, summed up. */
      readonly event: 'conflict-more';
      readonly interface: string;
      readonly hosts: number;
      readonly count: number;
      readonly total: number;
      readonly message: string;
    }
  | { readonly event: 'conflict-quiet'; readonly from: string; readonly interface: string; readonly total: number; readonly message: string }
  | {
      readonly event: 'query';
      readonly from: string;
      readonly port: number;
      readonly interface: string;
      readonly questions: readonly { readonly name: string; readonly type: string; readonly qu: boolean }[];
      readonly answered: readonly AnswerKind[];
    }
  | { readonly event: 'send-error'; readonly interface: string; readonly error: string }
  /** A packet from `from` that provdisc failed to handle (a fault of its own, not the sender's); it keeps advertising. */
  | { readonly event: 'error'; readonly from: string; readonly interface: string; readonly error: string }
  | { readonly event: 'interfaces-changed'; readonly interfaces: readonly AdvertisedInterface[] }
  /** Interfaces whose own ADDRESS:5353 bind was refused send from the shared socket; told once per set of interfaces. */
  | { readonly event: 'shared-socket'; readonly sockets: readonly SharedSending[]; readonly message: string }
  | { readonly event: 'goodbye'; readonly instance: string; readonly packets: TransportStats };

/** The name is held by another host with other data; the advertisement stopped (never renamed). */
export class NameConflictError extends ProvdiscError<'name-conflict'> {
  override name = 'NameConflictError';
  constructor(
    readonly conflict: Conflict,
    service: ServiceDefinition,
  ) {
    super(
      `"${instanceFullName(service)}" is already advertised by ${conflict.from} (seen on ${conflict.interface}): ${escapeControls(describeRecords(conflict, service))}`,
      {
        code: 'name-conflict',
        hint: 'stop the other advertiser, or make it advertise the same template; a renamed instance would be invisible to Jitsi, so provdisc does not rename',
      },
    );
  }
}

/** What the other host advertises under the name, as a template when its TXT says so. */
export function describeRecords(conflict: Conflict, service: ServiceDefinition): string {
  const srv = conflict.records.find((r) => r.type === 'SRV');
  const txt = conflict.records.find((r) => r.type === 'TXT');
  if (txt?.type === 'TXT') {
    const port = srv?.type === 'SRV' ? srv.data.port : undefined;
    const host = srv?.type === 'SRV' ? srv.data.target : undefined;
    return fromTxt({ type: service.type, txt: txt.data, host, port, addresses: [] });
  }
  if (srv?.type === 'SRV') return `a service on ${srv.data.target}:${srv.data.port}`;
  return 'different records';
}

/** Interfaces as events show them: name and every address. */
export function describeInterfaces(interfaces: readonly NetInterface[]): AdvertisedInterface[] {
  return interfaces.map((i) => ({ name: i.name, addresses: [...i.ipv4, ...i.ipv6].map((a) => a.address) }));
}

/** A question the responder answered, as events show it. */
export function queryEvent(q: QueryReport): AdvertiseEvent & { event: 'query' } {
  return {
    event: 'query',
    from: q.from,
    port: q.port,
    interface: q.interface,
    questions: q.questions.map((x) => ({ name: x.name, type: x.type, qu: x.unicastResponse })),
    answered: q.answered,
  };
}

/** A conflict the advertisement defended, as ConflictWatch tells it (throttled per host). */
export function conflictEvent(notice: ConflictNotice, service: ServiceDefinition): AdvertiseEvent {
  if (notice.kind === 'quiet') {
    return {
      event: 'conflict-quiet',
      from: notice.from,
      interface: notice.interface,
      total: notice.total,
      message: `${notice.from} (on ${notice.interface}) has sent no conflicting answer for ${notice.quietMs / 1000} s (${notice.total} in all)`,
    };
  }
  if (notice.kind === 'more') {
    return {
      event: 'conflict-more',
      interface: notice.interface,
      hosts: notice.hosts,
      count: notice.count,
      total: notice.total,
      message: `${notice.count} more conflicting answers for "${instanceFullName(service)}" (on ${notice.interface}) from hosts beyond the first ${notice.hosts} told (${notice.total} in all); provdisc re-asserted its own records and keeps advertising`,
    };
  }
  const { conflict, count, total } = notice;
  const advertises = describeRecords(conflict, service);
  const times = total === 1 ? '' : ` (${count} conflicting answers since the last report, ${total} in all)`;
  return {
    event: 'conflict',
    from: conflict.from,
    interface: conflict.interface,
    message: `${conflict.from} (on ${conflict.interface}) answers for "${instanceFullName(service)}" with ${escapeControls(advertises)}${times}; provdisc re-asserted its own records and keeps advertising — find and stop that host`,
    advertises,
    action: 'defended',
    count,
    total,
  };
}

/** The event that ends an advertisement stopped by a conflict (exitOnConflict, or a name lost while following the interfaces). */
export function stoppedBy(conflict: Conflict, service: ServiceDefinition): AdvertiseEvent & { event: 'conflict' } {
  return {
    event: 'conflict',
    from: conflict.from,
    interface: conflict.interface,
    message: new NameConflictError(conflict, service).message,
    advertises: describeRecords(conflict, service),
    action: 'stopped',
    count: 1,
    total: 1,
  };
}
