/**
 * Runs inside a lab host: a passive mDNS listener. Prints, for every response that carries a live
 * SRV record of `--name`, the wall-clock time it arrived (ms since the epoch, sub-ms), so the
 * orchestrator can line it up with the moment it spawned an advertiser in another host.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { inHostOptions } from '../../test/lab/guard.js';
import { defined } from '../../test/defined.js';

const values = inHostOptions({
  address: { type: 'string' },
  name: { type: 'string', default: 'Provisioning URL._https._tcp.local' },
  'max-ms': { type: 'string', default: '120000' },
});
if (!values.address) throw new Error("--address (this host's IPv4) is required");
const wanted = values.name.toLowerCase();

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
socket.on('message', (message, remote) => {
  const at = performance.timeOrigin + performance.now();
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return;
  }
  if (packet.type !== 'response') return;
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
  const live = records.some((r) => r.type === 'SRV' && r.name.toLowerCase() === wanted && (r.ttl ?? 0) > 0);
  if (live) console.log(JSON.stringify({ event: 'answer', at, from: remote.address }));
});
socket.bind(5353, '0.0.0.0', () => {
  socket.addMembership('224.0.0.251', defined(values.address));
  console.log(JSON.stringify({ event: 'listening' }));
});
// bounded: never outlives the bench even if nobody stops it
setTimeout(() => process.exit(0), Number(values['max-ms'])).unref();
