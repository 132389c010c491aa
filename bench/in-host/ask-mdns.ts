/**
 * Runs inside a lab host: asks a responder the same question `--count` times, `--interval-ms` apart,
 * from one socket, and prints a JSON summary line. The question is python-zeroconf's
 * ServiceInfo.request (QU SRV and TXT of the instance, from port 5353), or with `--kind qm` the same
 * as plain multicast questions, `--kind legacy` a legacy unicast SRV question from another port,
 * `--kind other` a question for a name nobody has. Bounded by count and time.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { inHostOptions } from '../../test/lab/guard.js';
import { defined } from '../../test/defined.js';

const values = inHostOptions({
  address: { type: 'string' },
  target: { type: 'string' },
  kind: { type: 'string', default: 'qu' },
  count: { type: 'string', default: '100' },
  'interval-ms': { type: 'string', default: '100' },
  'max-ms': { type: 'string', default: '120000' },
});
const address = defined(values.address, '--address (this host) is required');
const target = defined(values.target, '--target (the responder) is required');
const INSTANCE = 'Provisioning URL._https._tcp.local';
const QU = 0x8000;
const kind = values.kind;
if (!['qu', 'qm', 'legacy', 'other'].includes(kind)) throw new Error(`--kind: qu, qm, legacy or other, not ${kind}`);

const names =
  kind === 'other'
    ? [{ name: 'nobody-has-this.local', type: 'A' as const }]
    : [
        { name: INSTANCE, type: 'SRV' as const },
        { name: INSTANCE, type: 'TXT' as const },
      ];
const query = dnsPacket.encode({
  type: 'query',
  id: kind === 'legacy' ? 0x1234 : 0,
  flags: 0,
  // dns-packet cannot write the QU bit: set below, in each question's class
  questions: kind === 'legacy' ? names.slice(0, 1) : names,
});
if (kind === 'qu') {
  let offset = 12;
  for (let i = 0; i < names.length; i++) {
    offset += Buffer.byteLength(INSTANCE) + 2 + 2; // labels' length bytes and the root, then the type
    query.writeUInt16BE(query.readUInt16BE(offset) | QU, offset);
    offset += 2;
  }
}

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
let replies = 0;
socket.on('message', (message, remote) => {
  if (remote.address === target && (defined(message[2]) & 0x80) !== 0) replies++;
});
await new Promise<void>((resolve) => socket.bind(kind === 'legacy' ? 0 : 5353, address, resolve));
if (kind !== 'legacy') socket.setMulticastInterface(address);
const to = kind === 'legacy' ? target : '224.0.0.251';

const started = performance.now();
let sent = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    socket.send(query, 5353, to);
    sent++;
    if (sent >= Number(values.count) || performance.now() - started > Number(values['max-ms'])) {
      clearInterval(tick);
      resolve();
    }
  }, Number(values['interval-ms']));
});
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ kind, sent, replies, ms: performance.now() - started }));
socket.close();
