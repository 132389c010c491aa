/**
 * Runs inside a lab host: issue 7 §2's JmDNS start-up timing. For each `--offsets` value it
 * 1. waits `--quiet-ms` so that the responder's one-second multicast limit (RFC 6762 §6) is over,
 * 2. asks once for the instance's SRV+TXT (plain QM) from a trigger socket and takes the arrival
 *    of the responder's multicast answer as time zero,
 * 3. at zero + offset starts a client as Jitsi's JmDNS does: its own socket opened only then (port
 *    5353, group joined), SRV+TXT asked with QM questions three times 225 ms apart, listening until
 *    675 ms after the first question; found when SRV, TXT and an address of the SRV target all
 *    arrived in that window (what JmDNS needs before getServiceInfo returns).
 * One JSON line per offset: {offsetMs, found, srv, txt, address, answeredAfterMs | null}.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { inHostOptions } from '../../test/lab/guard.js';

const values = inHostOptions({
  address: { type: 'string' },
  name: { type: 'string', default: 'Provisioning URL._https._tcp.local' },
  offsets: { type: 'string', default: '0,60,120,180,240,300,360,420,480,540,600,660,720,780,840,900' },
  'quiet-ms': { type: 'string', default: '1500' },
});
if (!values.address) throw new Error("--address (this host's IPv4) is required");
const address = values.address;
const INSTANCE = values.name;
const GROUP = '224.0.0.251';
const PORT = 5353;
const QUESTION_GAP_MS = 225;
const QUESTIONS = 3;
const LISTEN_MS = QUESTIONS * QUESTION_GAP_MS;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const query = dnsPacket.encode({
  type: 'query',
  id: 0,
  flags: 0,
  questions: [
    { name: INSTANCE, type: 'SRV' },
    { name: INSTANCE, type: 'TXT' },
  ],
});

async function openGroupSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(PORT, '0.0.0.0', resolve));
  socket.addMembership(GROUP, address);
  socket.setMulticastInterface(address);
  return socket;
}

function recordsOf(message: Buffer): dnsPacket.Answer[] | undefined {
  try {
    const packet = dnsPacket.decode(message);
    return packet.type === 'response' ? [...(packet.answers ?? []), ...(packet.additionals ?? [])] : undefined;
  } catch {
    return undefined;
  }
}

const live = (r: dnsPacket.Answer): boolean => r.type !== 'OPT' && (r.ttl ?? 1) > 0;
const isInstance = (r: dnsPacket.Answer, type: string): boolean => r.type === type && r.name.toLowerCase() === INSTANCE.toLowerCase() && live(r);

/** Time zero: the responder's multicast answer to one QM question (asked again, up to 3 times, if none comes). */
async function trigger(socket: dgram.Socket): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answered = new Promise<number>((resolve) => {
      const onMessage = (message: Buffer) => {
        if (recordsOf(message)?.some((r) => isInstance(r, 'SRV'))) {
          socket.off('message', onMessage);
          resolve(performance.now());
        }
      };
      socket.on('message', onMessage);
      setTimeout(() => {
        socket.off('message', onMessage);
        resolve(-1);
      }, 1_200);
    });
    socket.send(query, PORT, GROUP);
    const at = await answered;
    if (at >= 0) return at;
  }
  throw new Error('the responder never answered the trigger question');
}

/** One JmDNS-style look-up starting now. */
async function jmdnsClient(): Promise<{ srv: boolean; txt: boolean; address: boolean; answeredAfterMs: number | null }> {
  const started = performance.now();
  const socket = await openGroupSocket();
  const seen = { srv: false, txt: false, address: false };
  let target: string | undefined;
  const addressesByName = new Map<string, boolean>();
  let answeredAfterMs: number | null = null;
  socket.on('message', (message) => {
    const records = recordsOf(message);
    if (!records) return;
    for (const r of records) {
      if (r.type === 'SRV' && isInstance(r, 'SRV')) {
        seen.srv = true;
        target = r.data.target.toLowerCase();
      } else if (isInstance(r, 'TXT')) seen.txt = true;
      else if ((r.type === 'A' || r.type === 'AAAA') && live(r)) addressesByName.set(r.name.toLowerCase(), true);
    }
    if (target !== undefined && addressesByName.get(target)) seen.address = true;
    if (answeredAfterMs === null && seen.srv && seen.txt && seen.address) answeredAfterMs = performance.now() - started;
  });
  for (let i = 0; i < QUESTIONS; i++) {
    socket.send(query, PORT, GROUP);
    await sleep(QUESTION_GAP_MS);
  }
  socket.close();
  return { ...seen, answeredAfterMs };
}

const triggerSocket = await openGroupSocket();
for (const offsetMs of values.offsets.split(',').map(Number)) {
  await sleep(Number(values['quiet-ms']));
  const zero = await trigger(triggerSocket);
  await sleep(Math.max(0, zero + offsetMs - performance.now()));
  const result = await jmdnsClient();
  console.log(JSON.stringify({ offsetMs, found: result.answeredAfterMs !== null, ...result, listenedMs: LISTEN_MS }));
}
triggerSocket.close();
