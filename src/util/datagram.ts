/** What the mDNS and DHCP sockets share: how a datagram is taken in, and how their addresses are looked up. */
import type dgram from 'node:dgram';

/**
 * One datagram received: decoded, or counted as malformed and dropped (the sender's fault); then
 * handled. A datagram that decodes is well-formed, so an exception while handling it is a fault of
 * ours (a bug, or a listener's): it goes to `fault`, apart from the malformed count, and the next
 * datagrams are still handled.
 */
export function decodeThenHandle<M>(
  buf: Buffer,
  decode: (buf: Buffer) => M,
  stats: { malformed: number },
  handle: (message: M) => void,
  fault: (err: unknown) => void,
): void {
  let message: M;
  try {
    message = decode(buf);
  } catch {
    stats.malformed++;
    return;
  }
  try {
    handle(message);
  } catch (err) {
    fault(err);
  }
}

/**
 * dgram's `lookup` for sockets that only bind and send to literals (an interface's own address, a
 * multicast group, an address read from a packet). dgram would still pass each through dns.lookup,
 * which loads node:dns (some 6 ms of every `provdisc discover` before its first question) and defers
 * every send by a tick (~0.1 ms of the DHCP turnaround, measured in the lab); this hands the literal
 * straight back.
 */
export const literalLookup: NonNullable<dgram.SocketOptions['lookup']> = (address, _options, callback) =>
  callback(null, address, address.includes(':') ? 6 : 4);
