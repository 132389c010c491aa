/** The DHCPACK that answers an INFORM with option 224 (RFC 2131 §4.3.5), and how it is built fast. */
import { BOOTREPLY, encodeDhcp, MessageType, Option, type DhcpMessage } from './codec.js';

/** Header bytes an ACK copies from its INFORM (RFC 2131 §4.3.5): htype+hlen, xid, flags+ciaddr, giaddr+chaddr. */
const COPIED_FROM_INFORM: readonly (readonly [number, number])[] = [
  [1, 3],
  [4, 8],
  [10, 16],
  [24, 44],
];

/** The DHCPACK of RFC 2131 §4.3.5 for `inform`, from `serverId`. */
export function buildAck(
  inform: Pick<DhcpMessage, 'htype' | 'hlen' | 'xid' | 'flags' | 'ciaddr' | 'giaddr' | 'chaddr'>,
  uri: Buffer,
  serverId: string,
): Buffer {
  return encodeDhcp({
    op: BOOTREPLY,
    htype: inform.htype,
    hlen: inform.hlen,
    xid: inform.xid,
    flags: inform.flags,
    ciaddr: inform.ciaddr,
    giaddr: inform.giaddr,
    chaddr: inform.chaddr,
    options: [
      [Option.MESSAGE_TYPE, Buffer.from([MessageType.ACK])],
      [Option.SERVER_ID, Buffer.from(serverId.split('.').map(Number))],
      [Option.PROVISIONING_URI, uri],
    ],
  });
}

/**
 * buildAck's bytes without building them: the codec writes the parts every answer from `serverId`
 * shares once, and each answer copies in the INFORM's own header fields. Measured in the lab, the
 * allocations of a full encode were most of the responder's turnaround.
 */
export class AckTemplates {
  private readonly templates = new Map<string, Buffer>();

  constructor(private readonly uri: Buffer) {}

  /** The ACK for the raw INFORM `inform`, from `serverId`. */
  ackFor(inform: Buffer, serverId: string): Buffer {
    let template = this.templates.get(serverId);
    if (!template) {
      const zero = { htype: 0, hlen: 0, xid: 0, flags: 0, ciaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: Buffer.alloc(16) };
      template = buildAck(zero, this.uri, serverId);
      this.templates.set(serverId, template);
    }
    const ack = Buffer.allocUnsafe(template.length);
    ack.set(template);
    // the INFORM was decoded, so it holds the whole header (a byte past its end would be stored as 0)
    for (const [from, to] of COPIED_FROM_INFORM) for (let i = from; i < to; i++) ack[i] = inform[i] ?? 0;
    return ack;
  }
}
