/**
 * What the inventory records: one visit per request `serve` answered (any status, unread refusals
 * included), one look per client that asked for the template over mDNS or DHCP. Never a password,
 * never a field the site treats as secret: the server builds these from the fields it names, and
 * leaves out the site's password field whatever placeholder it carries.
 */

/** One request `serve` answered (any status), or one it refused unread. */
export interface VisitRecord {
  /** ISO 8601, UTC. */
  readonly time: string;
  /** The remote address. */
  readonly client: string;
  readonly uuid: string | null;
  readonly hwaddr: string | null;
  readonly osname: string | null;
  readonly build: string | null;
  readonly arch: string | null;
  readonly username: string | null;
  /** The address the client posted as its own (`${ipaddr}`). */
  readonly ipaddr: string | null;
  /** The profiles sent (200), none otherwise. */
  readonly profiles: readonly string[];
  readonly status: number;
  /** Why it was refused; null for 200. */
  readonly reason: string | null;
}

/** A client that asked over mDNS (a `query` event) or DHCP (a `dhcp-inform` event). */
export interface LookRecord {
  readonly time: string;
  readonly client: string;
  readonly method: 'bonjour' | 'dhcp';
  readonly interface: string | null;
}

/** A device is its uuid, else its MAC address; a visit with neither (an unread request) belongs to no device. */
export function deviceIdOf(visit: Pick<VisitRecord, 'uuid' | 'hwaddr'>): string | null {
  return visit.uuid || visit.hwaddr || null;
}
