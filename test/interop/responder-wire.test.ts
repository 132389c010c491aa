/**
 * provdisc's responder seen on the wire (issue 3 §2): every RFC 6762 rule checked on packets that
 * tshark captured in another lab host, with queries packed by hand (fixtures/mdns_query.py) or
 * sent by dig. The responder logic itself is unit-tested with a fake transport; this proves the
 * real sockets send what that logic decides.
 */
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { startAdvertiser, type AnnouncedEvent } from '../lab/advertiser.js';
import { TYPE, type CapturedPacket } from '../lab/capture.js';
import { REPO_ROOT, type LabHost } from '../lab/host.js';
import type { SpawnedProcess } from '../lab/process.js';
import { requirePeers } from '../lab/requirements.js';
import { useLab } from '../lab/vitest.js';
import {
  announcements,
  badMulticastHeaders,
  ENUMERATION,
  has,
  INSTANCE,
  isMulticast,
  multicastRateViolations,
  queriesFrom,
  records,
  responsesFrom,
  sendQuery,
  SERVICE_TYPE,
  sleep,
  type QuerySpec,
} from './fixtures/wire.js';
import { defined } from '../defined.js';

const need = requirePeers(['tshark', 'dig']);
const TEMPLATE = 'https://prov.example/provisioning.php?username=${username}&osname=${osname}&uuid=${uuid}';
/** Announcements last 2 s after the first; a record may be multicast again 1 s after that. */
const ANNOUNCING_DONE_MS = 3_200;

/** The advertiser every test watches, started as a user would. */
const advertiseIn = (host: LabHost) => startAdvertiser(host, [TEMPLATE], 15_000);

/** Captures on `host`'s `iface` while `action` runs. */
async function watch(host: LabHost, action: () => Promise<void>, iface = 'eth0'): Promise<CapturedPacket[]> {
  const capture = await host.capture(iface);
  try {
    await action();
  } finally {
    // the finally keeps tshark from outliving a failed action
    void capture.stop();
  }
  return capture.stop();
}

const gapsMs = (packets: CapturedPacket[]) => packets.slice(1).map((p, i) => (p.time - defined(packets[i]).time) * 1000);

/** The first response from `addr` after `after` (epoch seconds) that `matches`. */
function firstResponseAfter(packets: CapturedPacket[], addr: string, after: number, matches: (p: CapturedPacket) => boolean) {
  return responsesFrom(packets, addr).find((p) => p.time >= after && matches(p));
}

/** Goodbye packets: responses whose every record has TTL 0. */
function goodbyes(packets: CapturedPacket[], addr: string): CapturedPacket[] {
  return responsesFrom(packets, addr).filter((p) => p.answers.length > 0 && p.answers.every((r) => r.ttl === 0));
}

function expectServiceGoodbye(packets: CapturedPacket[], addr: string): void {
  const bye = goodbyes(packets, addr).filter((p) => p.dst.addr === '224.0.0.251');
  expect(bye.length, JSON.stringify(responsesFrom(packets, addr))).toBeGreaterThan(0);
  const sent = records(defined(bye[0]));
  expect(has(sent, TYPE.PTR, SERVICE_TYPE)).toMatchObject({ ttl: 0, data: INSTANCE });
  expect(has(sent, TYPE.SRV)).toMatchObject({ ttl: 0 });
  expect(has(sent, TYPE.TXT)).toMatchObject({ ttl: 0 });
  // nothing live is sent after the goodbye
  const after = responsesFrom(packets, addr).filter((p) => p.time > defined(bye[0]).time && records(p).some((r) => r.ttl > 0));
  expect(after).toEqual([]);
}

describe(`provdisc advertise on one link, watched by tshark from the other host${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'pair' }, need);
  let a: LabHost;
  let b: LabHost;
  let adv: SpawnedProcess;
  let announced: AnnouncedEvent;
  /** Everything from the advertiser's start until its announcements are over. */
  let startup: CapturedPacket[];

  beforeAll(async () => {
    a = lab().host('a');
    b = lab().host('b');
    startup = await watch(b, async () => {
      ({ adv, announced } = await advertiseIn(a));
      await sleep(ANNOUNCING_DONE_MS);
    });
  });

  const query = (spec: Omit<QuerySpec, 'bind'> & { bind?: string }) => sendQuery(b, spec);
  const srvTxt = [
    { name: INSTANCE, type: 'SRV' as const },
    { name: INSTANCE, type: 'TXT' as const },
  ];

  test('probes three times, 250 ms apart, for ANY with SRV and TXT in the authority section, the first one QU', () => {
    const probes = queriesFrom(startup, a.ipv4).filter((p) => p.questions.some((q) => q.name === INSTANCE));
    expect(probes, JSON.stringify(startup)).toHaveLength(3);
    expect(probes.map((p) => p.questions)).toEqual([
      [{ name: INSTANCE, type: TYPE.ANY, qu: true }],
      [{ name: INSTANCE, type: TYPE.ANY, qu: false }],
      [{ name: INSTANCE, type: TYPE.ANY, qu: false }],
    ]);
    for (const gap of gapsMs(probes)) {
      expect(gap).toBeGreaterThanOrEqual(240);
      expect(gap).toBeLessThan(400);
    }
    for (const p of probes) {
      expect(p.authorities.map((r) => r.type).sort()).toEqual([TYPE.TXT, TYPE.SRV]);
      expect(has(p.authorities, TYPE.SRV)?.data).toEqual({ priority: 0, weight: 0, port: announced.port, target: announced.host });
      expect(has(p.authorities, TYPE.TXT)?.data).toEqual(announced.txt);
      expect(p.answers).toEqual([]);
    }
    // §8.3: the name is claimed only once the third probe went unanswered for 250 ms
    const first = defined(announcements(startup, a.ipv4)[0]);
    expect((first.time - defined(probes[2]).time) * 1000).toBeGreaterThanOrEqual(240);
    // nothing is answered or announced while probing
    expect(responsesFrom(startup, a.ipv4).filter((p) => p.time < first.time)).toEqual([]);
  });

  test('announces at least twice, 1 s apart, with the cache-flush bit on SRV, TXT, A and AAAA but not on PTR', () => {
    const sent = announcements(startup, a.ipv4);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const gap of gapsMs(sent)) {
      expect(gap).toBeGreaterThanOrEqual(980);
      expect(gap).toBeLessThan(1_300);
    }
    for (const p of sent) {
      expect(p).toMatchObject({ id: 0, qr: true, aa: true, dst: { addr: '224.0.0.251', port: 5353 } });
      const flush = Object.fromEntries(p.answers.map((r) => [`${r.name} ${r.type}`, r.cacheFlush]));
      expect(flush).toEqual({
        [`${SERVICE_TYPE} ${TYPE.PTR}`]: false,
        [`${ENUMERATION} ${TYPE.PTR}`]: false,
        [`${INSTANCE} ${TYPE.SRV}`]: true,
        [`${INSTANCE} ${TYPE.TXT}`]: true,
        [`${announced.host} ${TYPE.A}`]: true,
        [`${announced.host} ${TYPE.AAAA}`]: true,
      });
      expect(has(p.answers, TYPE.A, announced.host)?.data).toBe(a.ipv4);
    }
    expect(multicastRateViolations(startup, a.ipv4)).toEqual([]);
    expect(badMulticastHeaders(startup, a.ipv4)).toEqual([]);
  });

  test('IPv6: probes and announcements go to ff02::fb from the link-local address, with the link-local AAAA; so do answers', async () => {
    const v6 = a.iface('eth0').ipv6LinkLocal;
    expect(queriesFrom(startup, v6).filter((p) => p.questions.some((q) => q.name === INSTANCE))).toHaveLength(3);
    const sent = announcements(startup, v6);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const p of sent) {
      expect(p).toMatchObject({ id: 0, aa: true, dst: { addr: 'ff02::fb', port: 5353 } });
      expect(has(p.answers, TYPE.AAAA, announced.host)).toMatchObject({ data: v6, cacheFlush: true });
    }
    const packets = await watch(b, () => query({ bind: b.iface('eth0').ipv6LinkLocal, to: 'ff02::fb', questions: srvTxt }));
    const asked = defined(queriesFrom(packets, b.iface('eth0').ipv6LinkLocal)[0]);
    const answer = firstResponseAfter(packets, v6, asked.time, (p) => !!has(p.answers, TYPE.SRV));
    expect(answer, JSON.stringify(packets)).toBeDefined();
    expect(defined(answer).dst.addr).toBe('ff02::fb');
    expect(has(records(defined(answer)), TYPE.AAAA, announced.host)?.data).toBe(v6);
    await sleep(1_000); // let the records' one-second multicast hold-off pass for the next test
  });

  test("an SRV+TXT question gets SRV, TXT and the host's addresses in one packet, at once", async () => {
    const packets = await watch(b, () => query({ questions: srvTxt }));
    const asked = defined(queriesFrom(packets, b.ipv4)[0]);
    const replies = responsesFrom(packets, a.ipv4);
    expect(replies, JSON.stringify(packets)).toHaveLength(1);
    const [reply] = replies;
    expect(reply).toMatchObject({ id: 0, qr: true, aa: true, dst: { addr: '224.0.0.251' } });
    expect(
      defined(reply)
        .answers.map((r) => r.type)
        .sort(),
    ).toEqual([TYPE.TXT, TYPE.SRV]);
    expect(has(defined(reply).additionals, TYPE.A, announced.host)?.data).toBe(a.ipv4);
    expect(has(defined(reply).additionals, TYPE.AAAA, announced.host)?.data).toBe(a.iface('eth0').ipv6LinkLocal);
    // unique records are not delayed (§6)
    expect((defined(reply).time - asked.time) * 1000).toBeLessThan(100);
    await sleep(1_000);
  });

  test('a PTR question gets the PTR after 20–120 ms, with SRV, TXT and the addresses as additionals', async () => {
    const packets = await watch(b, () => query({ questions: [{ name: SERVICE_TYPE, type: 'PTR' }], count: 2, intervalMs: 1_100 }));
    const asked = queriesFrom(packets, b.ipv4);
    expect(asked).toHaveLength(2);
    for (const q of asked) {
      const reply = firstResponseAfter(packets, a.ipv4, q.time, (p) => !!has(p.answers, TYPE.PTR, SERVICE_TYPE));
      expect(reply, JSON.stringify(packets)).toBeDefined();
      const delayMs = (defined(reply).time - q.time) * 1000;
      expect(delayMs).toBeGreaterThanOrEqual(20);
      expect(delayMs).toBeLessThan(170); // 120 ms + the time to get through two namespaces on a busy machine
      expect(has(defined(reply).answers, TYPE.PTR, SERVICE_TYPE)?.data).toBe(INSTANCE);
      const extra = defined(reply)
        .additionals.map((r) => r.type)
        .sort((x, y) => x - y);
      expect(extra).toEqual([TYPE.A, TYPE.TXT, TYPE.AAAA, TYPE.SRV]);
    }
    await sleep(1_000);
  });

  test('known-answer suppression: a PTR question listing our PTR with a fresh TTL gets no reply, a stale one does', async () => {
    const question = [{ name: SERVICE_TYPE, type: 'PTR' as const }];
    const packets = await watch(b, async () => {
      await query({ questions: question, known: [{ name: SERVICE_TYPE, type: 'PTR', ttl: 4_500, data: INSTANCE }], lingerMs: 1_000 });
      // under half the TTL left (§7.1): the responder must refresh it
      await query({ questions: question, known: [{ name: SERVICE_TYPE, type: 'PTR', ttl: 1_000, data: INSTANCE }] });
    });
    const [fresh, stale] = queriesFrom(packets, b.ipv4);
    expect(fresh?.answers).toHaveLength(1);
    expect(stale?.answers).toHaveLength(1);
    const replies = responsesFrom(packets, a.ipv4);
    expect(replies.filter((p) => p.time < defined(stale).time)).toEqual([]);
    expect(replies.filter((p) => p.time >= defined(stale).time && has(p.answers, TYPE.PTR, SERVICE_TYPE))).toHaveLength(1);
    await sleep(1_000);
  });

  test('never multicasts a record twice within a second, and answers what was asked meanwhile once the second is over', async () => {
    const packets = await watch(b, async () => {
      await query({ questions: srvTxt, count: 12, intervalMs: 150 });
      await sleep(1_500); // room for the answer postponed from the last questions
    });
    const asked = queriesFrom(packets, b.ipv4);
    expect(asked).toHaveLength(12);
    const replies = responsesFrom(packets, a.ipv4).filter((p) => isMulticast(p) && has(p.answers, TYPE.SRV));
    // 12 questions over 1.65 s: one multicast answer at once, then one as each second ends
    expect(replies, JSON.stringify(replies)).toHaveLength(3);
    expect(multicastRateViolations(packets, a.ipv4)).toEqual([]);
    // no question goes unanswered: a querier that missed the last multicast still hears one
    for (const q of asked) {
      const answer = replies.find((p) => p.time >= q.time);
      expect(answer, `the question at ${q.time}`).toBeDefined();
      expect((defined(answer).time - q.time) * 1000).toBeLessThan(1_250);
    }
    // and the asker hears it at once too: a unicast to its port 5353 for each question the
    // one-second rule kept from being answered by multicast (docs/wire.md)
    const unicast = responsesFrom(packets, a.ipv4).filter((p) => !isMulticast(p) && has(p.answers, TYPE.SRV));
    expect(unicast.every((p) => p.dst.addr === b.ipv4 && p.dst.port === 5353)).toBe(true);
    for (const q of asked.filter((x) => !replies.some((p) => p.time >= x.time && (p.time - x.time) * 1000 < 50))) {
      const answer = unicast.find((p) => p.time >= q.time);
      expect(answer, `a unicast answer to the question at ${q.time}`).toBeDefined();
      expect((defined(answer).time - q.time) * 1000).toBeLessThan(50);
    }
  });

  test('a QU question for a record multicast moments ago is answered by unicast', async () => {
    await sleep(1_000);
    const packets = await watch(b, async () => {
      await query({ questions: srvTxt });
      await sleep(200);
      await query({ questions: srvTxt.map((q) => ({ ...q, qu: true })) });
    });
    const [qm, qu] = queriesFrom(packets, b.ipv4);
    expect(qu?.questions.every((q) => q.qu)).toBe(true);
    expect(firstResponseAfter(packets, a.ipv4, defined(qm).time, isMulticast)).toBeDefined();
    const unicast = responsesFrom(packets, a.ipv4).filter((p) => p.time >= defined(qu).time);
    expect(unicast, JSON.stringify(packets)).toHaveLength(1);
    expect(unicast[0]).toMatchObject({ dst: { addr: b.ipv4, port: 5353 }, aa: true });
    expect(
      defined(unicast[0])
        .answers.map((r) => r.type)
        .sort(),
    ).toEqual([TYPE.TXT, TYPE.SRV]);
    expect(has(defined(unicast[0]).additionals, TYPE.A, announced.host)?.data).toBe(a.ipv4);
  });

  test("legacy unicast (dig -p 5353): a unicast reply to dig's port, its ID and question, TTL ≤ 10, no cache-flush bit", async () => {
    let answer: Awaited<ReturnType<LabHost['dig']>> | undefined;
    const packets = await watch(b, async () => {
      answer = await b.dig(INSTANCE, 'SRV', a.ipv4);
    });
    expect(defined(answer).status).toBe('NOERROR');
    const asked = defined(queriesFrom(packets, b.ipv4).find((p) => p.dst.addr === a.ipv4));
    expect(asked.src.port).not.toBe(5353);
    const reply = responsesFrom(packets, a.ipv4).find((p) => p.dst.port === asked.src.port);
    expect(reply, JSON.stringify(packets)).toBeDefined();
    expect(reply).toMatchObject({ id: asked.id, qr: true, aa: true, dst: { addr: b.ipv4, port: asked.src.port } });
    expect(defined(answer).id).toBe(asked.id);
    expect(defined(reply).questions).toEqual([{ name: INSTANCE, type: TYPE.SRV, qu: false }]);
    expect(has(defined(reply).answers, TYPE.SRV)?.data).toMatchObject({ port: announced.port, target: announced.host });
    expect(has(defined(reply).additionals, TYPE.TXT)?.data).toEqual(announced.txt);
    expect(has(defined(reply).additionals, TYPE.A, announced.host)?.data).toBe(a.ipv4);
    for (const r of records(defined(reply))) {
      expect(r.ttl).toBeGreaterThan(0);
      expect(r.ttl).toBeLessThanOrEqual(10);
      expect(r.cacheFlush).toBe(false);
    }
    // nothing multicast for a legacy question
    expect(responsesFrom(packets, a.ipv4).filter(isMulticast)).toEqual([]);
  });

  test('service enumeration: _services._dns-sd._udp.local PTR _https._tcp.local', async () => {
    const packets = await watch(b, () => query({ questions: [{ name: ENUMERATION, type: 'PTR' }] }));
    const reply = responsesFrom(packets, a.ipv4).find((p) => has(p.answers, TYPE.PTR, ENUMERATION));
    expect(reply, JSON.stringify(packets)).toBeDefined();
    expect(defined(reply).answers).toEqual([{ name: ENUMERATION, type: TYPE.PTR, ttl: 4_500, cacheFlush: false, data: SERVICE_TYPE }]);
    expect(badMulticastHeaders(packets, a.ipv4)).toEqual([]);
  });

  test('goodbye on SIGINT: PTR, SRV and TXT with TTL 0, then silence', async () => {
    const packets = await watch(b, async () => {
      adv.kill('SIGINT');
      expect((await adv.exited).code).toBe(0);
    });
    expect(JSON.parse(defined(adv.lines.stdout.at(-1)))).toMatchObject({ event: 'goodbye' });
    expectServiceGoodbye(packets, a.ipv4);
  });

  test('goodbye on SIGTERM', async () => {
    const packets = await watch(b, async () => {
      const fresh = await advertiseIn(a);
      fresh.adv.kill('SIGTERM');
      expect((await fresh.adv.exited).code).toBe(0);
    });
    expectServiceGoodbye(packets, a.ipv4);
  });

  test('goodbye from the library: advertise() then ad.close()', async () => {
    const script = `
      const { advertise } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/bonjour/advertise.js'))});
      const ad = await advertise({ template: ${JSON.stringify(TEMPLATE)} });
      console.log('announced');
      await ad.close();
      console.log('closed');`;
    const packets = await watch(b, async () => {
      const run = await a.run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 15_000 });
      expect(run.stdout, run.stderr).toBe('announced\nclosed\n');
      expect(run.code).toBe(0);
    });
    expect(announcements(packets, a.ipv4).length).toBeGreaterThan(0);
    expectServiceGoodbye(packets, a.ipv4);
  });
});

describe(`provdisc advertise on two links${need.note}`, { skip: need.skip }, () => {
  const lab = useLab({ topology: 'two-links' }, need);
  let adv: SpawnedProcess;
  let announced: AnnouncedEvent;
  let onB: CapturedPacket[];
  let onC: CapturedPacket[];

  beforeAll(async () => {
    const [b, c] = [lab().host('b'), lab().host('c')];
    const [capB, capC] = await Promise.all([b.capture('eth0'), c.capture('eth0')]);
    ({ adv, announced } = await advertiseIn(lab().host('a')));
    await sleep(ANNOUNCING_DONE_MS);
    [onB, onC] = await Promise.all([capB.stop(), capC.stop()]);
  });

  test('each link hears only the addresses valid on it, in announcements and in answers', async () => {
    const a = lab().host('a');
    const links = [
      { peer: lab().host('b'), mine: a.iface('eth0'), other: a.iface('eth1'), startup: onB },
      { peer: lab().host('c'), mine: a.iface('eth1'), other: a.iface('eth0'), startup: onC },
    ];
    for (const { peer, mine, other, startup } of links) {
      const packets = [...startup, ...(await watch(peer, () => sendQuery(peer, { questions: [{ name: INSTANCE, type: 'SRV' }] })))];
      const sent = responsesFrom(packets, mine.ipv4);
      expect(announcements(packets, mine.ipv4).length).toBeGreaterThanOrEqual(2);
      expect(sent.filter((p) => !announcements(packets, mine.ipv4).includes(p)).length).toBe(1); // the answer
      for (const p of sent) {
        const addresses = records(p).filter((r) => r.name === announced.host && (r.type === TYPE.A || r.type === TYPE.AAAA));
        expect(addresses.map((r) => r.data).sort()).toEqual([mine.ipv4, mine.ipv6LinkLocal].sort());
      }
      const everything = JSON.stringify(packets);
      expect(everything).not.toContain(`"${other.ipv4}"`);
      expect(everything).not.toContain(`"${other.ipv6LinkLocal}"`);
    }
  });

  test('ignores queries from an off-link source, and counts them', async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    await b.run('ip', ['addr', 'add', '192.0.2.2/24', 'dev', 'eth0']);
    await sleep(1_000);
    const packets = await watch(b, async () => {
      const offLink = { bind: '192.0.2.2', questions: [{ name: INSTANCE, type: 'SRV' as const }] };
      await sendQuery(b, offLink); // multicast
      await sendQuery(b, { ...offLink, to: a.ipv4, port: 0 }); // unicast, legacy style
      await sendQuery(b, { ...offLink, questions: [{ name: INSTANCE, type: 'SRV', qu: true }] });
      await sleep(500);
      await sendQuery(b, { questions: [{ name: INSTANCE, type: 'SRV' }] }); // the same from on-link: answered
    });
    const offLinkQueries = queriesFrom(packets, '192.0.2.2');
    expect(offLinkQueries).toHaveLength(3);
    const onLink = defined(queriesFrom(packets, b.ipv4)[0]);
    const replies = responsesFrom(packets, a.ipv4);
    expect(replies.filter((p) => p.time < onLink.time)).toEqual([]);
    expect(replies.filter((p) => p.time >= onLink.time)).toHaveLength(1);
    adv.kill('SIGINT');
    await adv.exited;
    const goodbye = JSON.parse(defined(adv.lines.stdout.at(-1))) as { packets: { offLink: number } };
    expect(goodbye.packets.offLink).toBeGreaterThanOrEqual(3);
  });
});
