/**
 * Hostile or broken traffic (issue 3 §2, robustness): malformed packets are dropped and counted,
 * a flood from one peer does not stop answers to another, a probe with records of an unmodelled
 * type is answered, not fatal.
 */
import { createRequire } from 'node:module';
import type * as DnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { startAdvertiser } from '../lab/advertiser.js';
import { useLab } from '../lab/vitest.js';
import { defined } from '../defined.js';

const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof DnsPacket;
const TEMPLATE = 'https://prov.example/provisioning.php?username=${username}&osname=${osname}';

/** A node script, run inside a lab host, that sends the given base64 payloads to 224.0.0.251:5353 and unicast. */
function senderScript(payloads: string[], unicastTo: string, repeat: number, fromPort: number): string {
  return `
const dgram = require('node:dgram');
const payloads = ${JSON.stringify(payloads)}.map((p) => Buffer.from(p, 'base64'));
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.bind(${fromPort}, () => {
  s.setMulticastInterface(process.argv[1]);
  const deadline = Date.now() + 20000;
  let sent = 0;
  const jobs = [];
  for (let r = 0; r < ${repeat} && Date.now() < deadline; r++) {
    for (const p of payloads) {
      jobs.push(new Promise((ok) => s.send(p, 5353, '224.0.0.251', ok)));
      jobs.push(new Promise((ok) => s.send(p, 5353, '${unicastTo}', ok)));
      sent += 2;
    }
  }
  Promise.all(jobs).then(() => { console.log(sent); s.close(); });
});`;
}

function header(qdcount: number): Buffer {
  return Buffer.from([0, 0, 0, 0, 0, qdcount, 0, 0, 0, 0, 0, 0]);
}

const MALFORMED = [
  Buffer.from([1, 2, 3]), // shorter than a header
  header(1), // a question announced, none there
  Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 33, 0, 1])]), // name pointer to itself
  Buffer.concat([header(1), Buffer.from([0x80, 0, 33, 0, 1])]), // reserved label type
  Buffer.concat([header(0), Buffer.from([0, 1])]).subarray(0, 11), // truncated header
].map((b) => b.toString('base64'));

describe('robustness', () => {
  const lab = useLab({ topology: 'bridge' });

  it('drops and counts malformed packets, keeps answering, and so does the browser', async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    const c = lab().host('c');
    const { adv } = await startAdvertiser(a, [TEMPLATE]);
    const flood = b.run(process.execPath, ['-e', senderScript(MALFORMED, a.ipv4, 40, 5353), b.ipv4]);
    // a browser running while the garbage flies must not crash either
    const found = await c.provdisc(['discover', '--json', '--all', '--timeout', '1500']);
    const sent = await flood;
    expect(sent.code).toBe(0);
    const count = Number(sent.stdout.trim());
    expect(count).toBe(MALFORMED.length * 40 * 2);
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)[0].template).toBe(TEMPLATE);
    expect(adv.running).toBe(true);
    expect((await c.provdisc(['discover'])).stdout).toBe(`${TEMPLATE}\n`);
    adv.kill('SIGINT');
    expect((await adv.exited).code).toBe(0);
    const goodbye = JSON.parse(defined(adv.lines.stdout.at(-1)));
    expect(goodbye.event).toBe('goodbye');
    expect(goodbye.packets.malformed).toBe(count);
  });

  it('keeps answering one peer while another floods it with queries', async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    const c = lab().host('c');
    const { adv } = await startAdvertiser(a, [TEMPLATE]);
    const query = (id: number) =>
      Buffer.concat([
        Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        ...'Provisioning URL._https._tcp.local'.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
        Buffer.from([0, 0, 33, 0, 1]),
      ]).toString('base64');
    // legacy queries (they ask for unicast answers) from one peer: 5 000 of them, as fast as it can
    const flood = b.run(process.execPath, ['-e', senderScript([query(1), query(2)], a.ipv4, 1250, 0), b.ipv4]);
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await c.provdisc(['discover', '--timeout', '3000']));
    const elapsed = Date.now() - started;
    expect((await flood).code).toBe(0);
    for (const r of answers) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${TEMPLATE}\n`);
    }
    expect(elapsed).toBeLessThan(9000); // each found well before its own timeout
    adv.kill('SIGINT');
    await adv.exited;
    const goodbye = JSON.parse(defined(adv.lines.stdout.at(-1)));
    // the kernel drops part of such a flood before it reaches any socket; what does arrive is
    // answered within the flooder's unicast budget, far below one answer per query
    expect(goodbye.packets.received).toBeGreaterThan(500);
    expect(goodbye.packets.sent).toBeLessThan(goodbye.packets.received / 4);
  });

  it('answers a probe for its name that carries records of a type it does not model (HINFO), and keeps going', async () => {
    const a = lab().host('a');
    const b = lab().host('b');
    const c = lab().host('c');
    const { adv } = await startAdvertiser(a, [TEMPLATE]);
    const name = 'Provisioning URL._https._tcp.local';
    const probe = dnsPacket.encode({
      type: 'query',
      questions: [{ name, type: 'ANY' as DnsPacket.RecordType, class: 'IN' }],
      authorities: [
        { name, type: 'HINFO', ttl: 120, class: 'IN', data: { cpu: 'x86', os: 'linux' } },
        { name, type: 'HINFO', ttl: 120, class: 'IN', data: { cpu: 'arm', os: 'linux' } },
      ],
    });
    const sent = await b.run(process.execPath, ['-e', senderScript([probe.toString('base64')], a.ipv4, 3, 5353), b.ipv4]);
    expect(sent.code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(adv.running, adv.tail()).toBe(true);
    expect((await c.provdisc(['discover'])).stdout).toBe(`${TEMPLATE}\n`);
    adv.kill('SIGINT');
    expect((await adv.exited).code).toBe(0);
    // the probes were handled (our SRV and TXT outrank HINFO, RFC 6762 §8.2), not dropped
    expect(JSON.parse(defined(adv.lines.stdout.at(-1))).packets.malformed).toBe(0);
  });
});
