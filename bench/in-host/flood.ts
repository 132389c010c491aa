/**
 * Runs inside a lab host: a bounded query flood at an mDNS responder. Sends `--count` queries (or
 * stops after `--max-ms`), cycling through the kinds a busy LAN produces: multicast QM and QU
 * questions for the service, legacy unicast questions to the responder, and questions for names
 * nobody has. Prints one JSON summary line and exits.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { inHostOptions } from '../../test/lab/guard.js';
import { defined } from '../../test/defined.js';

const values = inHostOptions({
  address: { type: 'string' },
  target: { type: 'string' },
  count: { type: 'string', default: '10000' },
  rate: { type: 'string', default: '2000' },
  'max-ms': { type: 'string', default: '30000' },
});
if (!values.address || !values.target) throw new Error('--address (this host) and --target (the responder) are required');
const MDNS = { address: '224.0.0.251', port: 5353 };
const INSTANCE = 'Provisioning URL._https._tcp.local';
const count = Number(values.count);
const perTick = Math.max(1, Math.round(Number(values.rate) / 100));

type Question = dnsPacket.Question & { unicastResponse?: boolean };
const query = (questions: Question[]): Buffer => dnsPacket.encode({ type: 'query', id: 0, flags: 0, questions });
const kinds: { name: string; send: () => void }[] = [
  {
    name: 'multicast QM SRV+TXT',
    send: () =>
      mdns.send(
        query([
          { name: INSTANCE, type: 'SRV' },
          { name: INSTANCE, type: 'TXT' },
        ]),
        MDNS.port,
        MDNS.address,
      ),
  },
  {
    name: 'multicast QU PTR',
    send: () => mdns.send(query([{ name: '_https._tcp.local', type: 'PTR', unicastResponse: true }]), MDNS.port, MDNS.address),
  },
  {
    name: 'legacy unicast SRV',
    send: () =>
      legacy.send(
        dnsPacket.encode({ type: 'query', id: randomBytes(2).readUInt16BE(), flags: 0, questions: [{ name: INSTANCE, type: 'SRV' }] }),
        MDNS.port,
        values.target,
      ),
  },
  {
    name: 'multicast QM unknown name',
    send: () => mdns.send(query([{ name: `${randomBytes(6).toString('hex')}.local`, type: 'A' }]), MDNS.port, MDNS.address),
  },
];

const replies = { multicast: 0, unicast: 0 };
const fromTarget = (counter: keyof typeof replies) => (message: Buffer, remote: dgram.RemoteInfo) => {
  if (remote.address === values.target && (defined(message[2]) & 0x80) !== 0) replies[counter]++;
};
const mdns = dgram.createSocket({ type: 'udp4', reuseAddr: true });
const legacy = dgram.createSocket('udp4');
mdns.on('message', fromTarget('multicast'));
legacy.on('message', fromTarget('unicast'));
await new Promise<void>((resolve) => mdns.bind(MDNS.port, '0.0.0.0', resolve));
mdns.addMembership(MDNS.address, values.address);
mdns.setMulticastInterface(values.address);
await new Promise<void>((resolve) => legacy.bind(0, values.address, resolve));

const started = performance.now();
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    for (let i = 0; i < perTick && sent < count; i++, sent++) defined(kinds[sent % kinds.length]).send();
    if (sent >= count || performance.now() - started > Number(values['max-ms'])) {
      clearInterval(tick);
      resolve();
    }
  }, 10);
});
const sendingMs = performance.now() - started;
// late replies (shared records are delayed up to 120 ms)
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(JSON.stringify({ sent, sendingMs, kinds: kinds.map((k) => k.name), replies }));
mdns.close();
legacy.close();
