import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, Responder } from '../../../src/bonjour/responder.js';
import type { ServiceDefinition } from '../../../src/bonjour/service-records.js';
import type { PacketSource } from '../../../src/bonjour/transport.js';
import type { MdnsMessage, MdnsRecord, OutgoingMessage } from '../../../src/bonjour/wire.js';
import type { NetInterface } from '../../../src/util/network-interfaces.js';
import { eth0, eth1 } from './interfaces.js';
import { defined } from '../../defined.js';

const service: ServiceDefinition = {
  instance: 'Provisioning URL',
  type: '_https._tcp',
  host: 'hosta.local',
  port: 443,
  txt: ['path=https://prov.example/p.php', 'user=${username}'],
  addresses: 'interface',
};
const FULL = 'Provisioning URL._https._tcp.local';

interface Sent {
  message: OutgoingMessage;
  iface: string;
  to: { address: string; port: number } | undefined;
  at: number;
}

class FakeTransport extends EventEmitter<{ message: [MdnsMessage, PacketSource]; 'send-error': [NetInterface, Error] }> {
  sent: Sent[] = [];
  constructor(readonly interfaces: NetInterface[]) {
    super();
  }
  async send(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }): Promise<void> {
    this.sent.push({ message, iface: iface.name, to, at: Date.now() });
  }
  post(message: OutgoingMessage, iface: NetInterface, to?: { address: string; port: number }): void {
    void this.send(message, iface, to);
  }
  deliver(m: Partial<MdnsMessage>, from = '198.51.100.2', port = 5353, iface = eth0): void {
    this.emit(
      'message',
      { id: 0, response: false, authoritative: false, truncated: false, opcode: 'QUERY', questions: [], answers: [], authorities: [], additionals: [], ...m },
      { address: from, port, interface: iface },
    );
  }
}

const srv = (port: number, target = 'hosta.local', ttl = 120): MdnsRecord => ({
  name: FULL,
  type: 'SRV',
  ttl,
  flush: true,
  data: { priority: 0, weight: 0, port, target },
});
const txt = (strings: string[], ttl = 4500): MdnsRecord => ({ name: FULL, type: 'TXT', ttl, flush: true, data: strings });

let transport: FakeTransport;
let responder: Responder;
const t0 = 1_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: t0 });
  transport = new FakeTransport([eth0]);
  responder = new Responder(transport, service, () => 0.5);
});
afterEach(() => {
  vi.useRealTimers();
});

async function startAndAnnounce(): Promise<void> {
  const started = responder.start();
  await vi.advanceTimersByTimeAsync(1000);
  await started;
  // the follow-up announcements, then the one-second multicast hold-off after the last of them
  await vi.advanceTimersByTimeAsync(3500);
  transport.sent = [];
}

const probes = () => transport.sent.filter((s) => !s.message.response && (s.message.authorities?.length ?? 0) > 0);
const responses = () => transport.sent.filter((s) => s.message.response);
const multicasts = () => responses().filter((s) => !s.to);
const unicasts = () => responses().filter((s) => s.to);

describe('probing (RFC 6762 §8.1)', () => {
  it('sends three probes 250 ms apart after a random delay, type ANY, proposed records in authority', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(1000);
    await started;
    const p = probes();
    expect(p).toHaveLength(3);
    expect(p.map((x) => x.at - t0)).toEqual([125, 375, 625]);
    for (const [i, x] of p.entries()) {
      expect(x.message.questions).toEqual([{ name: FULL, type: 'ANY', unicastResponse: i === 0 }]);
      expect(x.message.authorities?.map((r) => r.type).sort()).toEqual(['SRV', 'TXT']);
    }
  });

  it('announces three times, 1 s apart, with the cache-flush bit only on unique records', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(1000);
    await started;
    await vi.advanceTimersByTimeAsync(2500);
    const a = responses();
    expect(a).toHaveLength(3);
    expect(defined(a[1]).at - defined(a[0]).at).toBe(1000);
    expect(defined(a[2]).at - defined(a[1]).at).toBe(1000);
    const answers = defined(defined(a[0]).message.answers);
    expect(defined(a[0]).message.authoritative).toBe(true);
    expect(defined(a[0]).message.id ?? 0).toBe(0);
    const flush = Object.fromEntries(answers.map((r) => [`${r.type} ${r.name}`, r.flush]));
    expect(flush).toEqual({
      'PTR _https._tcp.local': false,
      'PTR _services._dns-sd._udp.local': false,
      [`SRV ${FULL}`]: true,
      [`TXT ${FULL}`]: true,
      'A hosta.local': true,
      'AAAA hosta.local': true,
    });
  });

  it('stops with ConflictError naming the other host when it answers for the name with other data', async () => {
    const started = responder.start();
    const outcome = started.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    transport.deliver({ response: true, answers: [srv(8443, 'rogue.local')] }, '198.51.100.66');
    await vi.advanceTimersByTimeAsync(2000);
    const err = await outcome;
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).conflict.from).toBe('198.51.100.66');
    expect(responses()).toHaveLength(0); // never announced
  });

  it('treats an identical answer as no conflict', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(200);
    transport.deliver({ response: true, answers: [srv(443), txt(service.txt as string[])] }, '198.51.100.7');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(started).resolves.toBeUndefined();
  });

  it('loses a simultaneous-probe tie-break to greater records, waits 1 s and probes again', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(130); // first probe out
    // records compare sorted by type (TXT before SRV): equal TXT, then a higher port makes their
    // SRV RDATA lexicographically later, so they win (§8.2)
    transport.deliver({
      questions: [{ name: FULL, type: 'ANY', unicastResponse: false }],
      authorities: [srv(9999), txt(service.txt as string[])],
    });
    await vi.advanceTimersByTimeAsync(1100);
    expect(probes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes().length).toBeGreaterThanOrEqual(3);
    expect(defined(probes()[1]).at - defined(probes()[0]).at).toBeGreaterThanOrEqual(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await started;
  });

  it('after losing a tie-break, gives up when the winner announces during the back-off', async () => {
    const started = responder.start();
    const outcome = started.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(130);
    transport.deliver({
      questions: [{ name: FULL, type: 'ANY', unicastResponse: false }],
      authorities: [srv(9999), txt(service.txt as string[])],
    });
    await vi.advanceTimersByTimeAsync(500); // within the one-second back-off
    transport.deliver({ response: true, answers: [srv(9999), txt(service.txt as string[])] }, '198.51.100.2');
    await vi.advanceTimersByTimeAsync(3000);
    const err = await outcome;
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).conflict.from).toBe('198.51.100.2');
    expect(responses()).toHaveLength(0);
  });

  it('settles start() when stopped during the back-off after a lost tie-break', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(130);
    transport.deliver({
      questions: [{ name: FULL, type: 'ANY', unicastResponse: false }],
      authorities: [srv(9999), txt(service.txt as string[])],
    });
    await vi.advanceTimersByTimeAsync(300); // within the one-second back-off
    const stopped = responder.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopped;
    await expect(started).resolves.toBeUndefined();
    expect(probes()).toHaveLength(1);
    expect(responses()).toHaveLength(0);
  });

  it('wins a tie-break against lesser records and carries on', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(130);
    transport.deliver({ questions: [{ name: FULL, type: 'ANY', unicastResponse: false }], authorities: [srv(1), txt(['a=b'])] });
    await vi.advanceTimersByTimeAsync(800);
    await started;
    expect(probes()).toHaveLength(3);
    expect(responses().length).toBeGreaterThan(0);
  });
});

describe('answering (RFC 6762 §6)', () => {
  it('answers SRV+TXT at once in one packet with the host address as additionals', async () => {
    await startAndAnnounce();
    transport.deliver({
      questions: [
        { name: FULL, type: 'SRV', unicastResponse: false },
        { name: FULL, type: 'TXT', unicastResponse: false },
      ],
    });
    const r = responses();
    expect(r).toHaveLength(1);
    expect(defined(r[0]).to).toBeUndefined(); // multicast
    expect(
      defined(defined(r[0]).message.answers)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['SRV', 'TXT']);
    expect(
      defined(defined(r[0]).message.additionals)
        .map((x) => `${x.type} ${'data' in x ? x.data : ''}`)
        .sort(),
    ).toEqual(['A 198.51.100.1', 'AAAA fe80::1']);
  });

  it('answers a PTR browse after 20–120 ms with SRV, TXT and addresses as additionals', async () => {
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: '_https._tcp.local', type: 'PTR', unicastResponse: false }] });
    expect(responses()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(120);
    const r = responses();
    expect(r).toHaveLength(1);
    expect(defined(r[0]).at - (t0 + 4500)).toBeGreaterThanOrEqual(20);
    expect(defined(r[0]).message.answers).toEqual([{ name: '_https._tcp.local', type: 'PTR', ttl: 4500, flush: false, data: FULL }]);
    expect(
      defined(defined(r[0]).message.additionals)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['A', 'AAAA', 'SRV', 'TXT']);
  });

  it('enumerates its service type under _services._dns-sd._udp.local', async () => {
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: '_services._dns-sd._udp.local', type: 'PTR', unicastResponse: false }] });
    await vi.advanceTimersByTimeAsync(120);
    expect(defined(responses()[0]).message.answers).toEqual([
      { name: '_services._dns-sd._udp.local', type: 'PTR', ttl: 4500, flush: false, data: '_https._tcp.local' },
    ]);
  });

  it('suppresses an answer the asker lists as known with at least half the TTL', async () => {
    await startAndAnnounce();
    const ptr: MdnsRecord = { name: '_https._tcp.local', type: 'PTR', ttl: 3000, flush: false, data: FULL };
    transport.deliver({ questions: [{ name: '_https._tcp.local', type: 'PTR', unicastResponse: false }], answers: [ptr] });
    await vi.advanceTimersByTimeAsync(200);
    expect(responses()).toHaveLength(0);
    transport.deliver({ questions: [{ name: '_https._tcp.local', type: 'PTR', unicastResponse: false }], answers: [{ ...ptr, ttl: 1000 }] });
    await vi.advanceTimersByTimeAsync(200);
    expect(responses()).toHaveLength(1);
  });

  it('multicasts a record at most once a second per interface, answering what was asked meanwhile once that second is over', async () => {
    await startAndAnnounce();
    const q = { questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] };
    transport.deliver(q);
    transport.deliver(q, '198.51.100.3');
    await vi.advanceTimersByTimeAsync(500);
    transport.deliver(q);
    expect(multicasts()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(490);
    expect(multicasts()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    // the two questions asked during the second: one multicast answer, once it is over
    const r = multicasts();
    expect(r).toHaveLength(2);
    expect(defined(r[1]).at - defined(r[0]).at).toBeGreaterThanOrEqual(1000);
    expect(defined(defined(r[1]).message.answers).map((x) => x.type)).toEqual(['SRV']);
    expect(
      defined(defined(r[1]).message.additionals)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['A', 'AAAA', 'TXT']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(multicasts()).toHaveLength(2);
  });

  it('answers a question for a record multicast within the last second by unicast to the asker at once, SRV with its TXT and addresses', async () => {
    await startAndAnnounce();
    const q = {
      questions: [
        { name: FULL, type: 'SRV', unicastResponse: false },
        { name: FULL, type: 'TXT', unicastResponse: false },
      ],
    };
    transport.deliver(q);
    const asked: string[][] = [];
    responder.on('query', (e) => asked.push([e.from, ...e.answered]));
    await vi.advanceTimersByTimeAsync(100);
    transport.deliver(q, '198.51.100.3');
    const u = unicasts();
    expect(u).toHaveLength(1);
    expect(defined(u[0]).to).toEqual({ address: '198.51.100.3', port: 5353 });
    expect(defined(u[0]).at).toBe(t0 + 4500 + 100);
    expect(
      defined(defined(u[0]).message.answers)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['SRV', 'TXT']);
    expect(
      defined(defined(u[0]).message.additionals)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['A', 'AAAA']);
    expect(asked).toEqual([]); // told once the answer is out, not before
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([['198.51.100.3', 'unicast', 'postponed']]);
  });

  it('never answers a legacy or off-port asker by multicast-port unicast: only port 5353 queriers get the early unicast', async () => {
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] });
    transport.deliver({ id: 7, questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] }, '198.51.100.3', 40000);
    const u = unicasts();
    expect(u).toHaveLength(1);
    expect(defined(u[0]).to).toEqual({ address: '198.51.100.3', port: 40000 }); // the legacy reply, not a 5353 one
    expect(defined(u[0]).message.id).toBe(7);
  });

  it('drops a postponed answer when an announcement multicasts the record first', async () => {
    const started = responder.start();
    await vi.advanceTimersByTimeAsync(1000);
    await started;
    transport.sent = [];
    // between the first and second announcement: every record was multicast moments ago
    transport.deliver({ questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] });
    expect(unicasts()).toHaveLength(1); // the asker is answered at once all the same
    await vi.advanceTimersByTimeAsync(3500);
    const r = multicasts();
    expect(r).toHaveLength(2); // the two remaining announcements, nothing else
    expect(r.every((x) => defined(x.message.answers).some((a) => a.type === 'PTR'))).toBe(true);
  });

  it('answers a QU question by unicast when the record was multicast recently', async () => {
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: FULL, type: 'SRV', unicastResponse: true }] }, '198.51.100.9');
    const r = responses();
    expect(r).toHaveLength(1);
    expect(defined(r[0]).to).toEqual({ address: '198.51.100.9', port: 5353 });
    expect(defined(defined(defined(r[0]).message.answers)[0]).type).toBe('SRV');
  });

  it('answers a legacy unicast query to its port with its ID and question, TTL ≤ 10, no flush bit', async () => {
    await startAndAnnounce();
    const question = { name: FULL, type: 'TXT', unicastResponse: false };
    transport.deliver({ id: 4242, questions: [question] }, '198.51.100.9', 40000);
    const r = responses();
    expect(r).toHaveLength(1);
    expect(defined(r[0]).to).toEqual({ address: '198.51.100.9', port: 40000 });
    expect(defined(r[0]).message.id).toBe(4242);
    expect(defined(r[0]).message.questions).toEqual([question]);
    for (const rec of [...defined(defined(r[0]).message.answers), ...defined(defined(r[0]).message.additionals)]) {
      expect(rec.ttl).toBeLessThanOrEqual(10);
      expect(rec.flush).toBe(false);
    }
  });

  it('gives each interface only its own addresses', async () => {
    transport = new FakeTransport([eth0, eth1]);
    responder = new Responder(transport, service, () => 0.5);
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: 'hosta.local', type: 'A', unicastResponse: false }] }, '203.0.113.5', 5353, eth1);
    const r = responses();
    expect(r).toHaveLength(1);
    expect(defined(r[0]).iface).toBe('eth1');
    expect(defined(defined(r[0]).message.answers).map((x) => ('data' in x ? x.data : x.rrtype))).toEqual(['203.0.113.1']);
  });

  it('does not answer before probing is over', async () => {
    void responder.start();
    await vi.advanceTimersByTimeAsync(300);
    transport.deliver({ questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] });
    expect(responses()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
  });

  it('keeps answering others while one peer floods it with unicast queries', async () => {
    await startAndAnnounce();
    const q = { id: 1, questions: [{ name: FULL, type: 'SRV', unicastResponse: false }] };
    for (let i = 0; i < 500; i++) transport.deliver(q, '198.51.100.66', 40000);
    const toFlooder = responses().filter((s) => s.to?.address === '198.51.100.66').length;
    expect(toFlooder).toBeLessThanOrEqual(40);
    transport.deliver(q, '198.51.100.7', 40001);
    expect(responses().filter((s) => s.to?.address === '198.51.100.7')).toHaveLength(1);
  });
});

describe('after announcing (RFC 6762 §9, §10.1)', () => {
  it('defends its name against a later probe at once, whatever the rate limit', async () => {
    await startAndAnnounce();
    transport.deliver({ questions: [{ name: FULL, type: 'ANY', unicastResponse: false }], authorities: [srv(1), txt(['x=y'])] });
    const r = responses();
    expect(r).toHaveLength(1);
    expect(
      defined(defined(r[0]).message.answers)
        .map((x) => x.type)
        .sort(),
    ).toEqual(['SRV', 'TXT']);
  });

  it('reports a conflicting answer from another host, re-asserts its records with the cache-flush bit at once and keeps answering', async () => {
    await startAndAnnounce();
    const conflicts: string[] = [];
    responder.on('conflict', (c) => conflicts.push(c.from));
    transport.deliver({ response: true, answers: [txt(['path=https://evil.example/'])] }, '198.51.100.66');
    expect(conflicts).toEqual(['198.51.100.66']);
    const r = multicasts();
    expect(r).toHaveLength(1);
    expect(
      defined(defined(r[0]).message.answers)
        .map((x) => `${x.type}:${x.flush}`)
        .sort(),
    ).toEqual(['SRV:true', 'TXT:true']);
    expect(defined(defined(defined(r[0]).message.answers).find((x) => x.type === 'TXT')).data).toEqual(service.txt);
    // a second forged answer within the second: re-asserted once that second is over, not flooded
    await vi.advanceTimersByTimeAsync(300);
    transport.deliver({ response: true, answers: [txt(['path=https://evil.example/'])] }, '198.51.100.66');
    expect(multicasts()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(800);
    expect(multicasts()).toHaveLength(2);
    expect(defined(multicasts()[1]).at - defined(r[0]).at).toBeGreaterThanOrEqual(1000);
    // still answering
    await vi.advanceTimersByTimeAsync(1500);
    transport.deliver({ questions: [{ name: FULL, type: 'TXT', unicastResponse: false }] });
    expect(multicasts()).toHaveLength(3);
  });

  it("with the 'stop' policy, a conflicting answer ends the advertisement without goodbyes", async () => {
    responder = new Responder(transport, service, () => 0.5, 'stop');
    await startAndAnnounce();
    const conflicts: string[] = [];
    responder.on('conflict', (c) => conflicts.push(c.from));
    transport.deliver({ response: true, answers: [txt(['path=https://evil.example/'])] }, '198.51.100.66');
    expect(conflicts).toEqual(['198.51.100.66']);
    await responder.stop();
    expect(responses()).toHaveLength(0);
  });

  it('says goodbye with TTL 0 for its service records, not for the machine name it shares', async () => {
    await startAndAnnounce();
    const stopped = responder.stop();
    await vi.advanceTimersByTimeAsync(200);
    await stopped;
    const r = responses();
    expect(r).toHaveLength(2);
    expect(
      defined(defined(r[0]).message.answers)
        .map((x) => `${x.type}:${x.ttl}`)
        .sort(),
    ).toEqual(['PTR:0', 'SRV:0', 'TXT:0']);
  });

  it('says goodbye for the addresses it published for another machine', async () => {
    responder = new Responder(transport, { ...service, host: 'prov.local', addresses: ['192.0.2.10'] }, () => 0.5);
    await startAndAnnounce();
    const stopped = responder.stop();
    await vi.advanceTimersByTimeAsync(200);
    await stopped;
    expect(
      defined(defined(responses()[0]).message.answers)
        .map((x) => `${x.type}:${x.ttl}`)
        .sort(),
    ).toEqual(['A:0', 'PTR:0', 'SRV:0', 'TXT:0']);
  });
});

describe('announcing a name it already held (start without probing)', () => {
  it('announces at once, with no probe, and answers', async () => {
    const started = responder.start(false);
    await vi.advanceTimersByTimeAsync(0);
    await started;
    expect(probes()).toHaveLength(0);
    expect(responses()).toHaveLength(1);
    expect(defined(defined(responses()[0]).message.answers).some((a) => a.type === 'PTR')).toBe(true);
  });
});
