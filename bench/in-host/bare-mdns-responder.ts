/**
 * Runs inside a lab host: the bare Node floor of an mDNS answer. One socket on *:5353 in the group;
 * every query (QR bit clear) gets one answer encoded at start — the seed instance's SRV, TXT and A,
 * what provdisc sends a python-zeroconf asker — sent to the asker from the receive handler. No
 * decoding, no planning, no pacing: what answering from Node costs before any responder's work.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { inHostOptions } from '../../test/lab/guard.js';
import { SEED_TXT } from '../../test/fixtures/seed.js';
import { defined } from '../../test/defined.js';

const values = inHostOptions({
  address: { type: 'string' },
  host: { type: 'string', default: 'bare-floor.local' },
  'max-ms': { type: 'string', default: '1200000' },
});
const address = defined(values.address, '--address (this host) is required');
const instance = 'Provisioning URL._https._tcp.local';
const answer = dnsPacket.encode({
  type: 'response',
  flags: dnsPacket.AUTHORITATIVE_ANSWER,
  answers: [
    { name: instance, type: 'SRV', ttl: 120, class: 'IN', flush: true, data: { priority: 0, weight: 0, port: 443, target: values.host } },
    { name: instance, type: 'TXT', ttl: 4500, class: 'IN', flush: true, data: SEED_TXT },
  ],
  additionals: [{ name: values.host, type: 'A', ttl: 120, class: 'IN', flush: true, data: address }],
});

// every address here is a literal: no dns.lookup (and its deferral) before each send, as in provdisc
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, lookup: (host, _options, callback) => callback(null, host, 4) });
socket.on('message', (message, remote) => {
  // a query (QR clear) from someone else: answered straight back to the asker's address and port
  if (message.length < 12 || (defined(message[2]) & 0x80) !== 0 || remote.address === address) return;
  socket.send(answer, remote.port, remote.address);
});
socket.bind(5353, '0.0.0.0', () => {
  socket.addMembership('224.0.0.251', address);
  socket.setMulticastInterface(address);
  console.log(JSON.stringify({ event: 'listening' }));
});
// bounded: never outlives the bench even if nobody stops it
setTimeout(() => process.exit(0), Number(values['max-ms'])).unref();
