/**
 * The DNS-SD records of one advertised service (RFC 6763 §4–§6, TTLs from RFC 6762 §10), and the
 * order RFC 6762 §8.2 uses to break a tie between simultaneous probes.
 */
import { withoutZone, type NetInterface } from '../util/network-interfaces.js';
import { rdataBytes, sameName, typeCode, type MdnsRecord } from './wire.js';

/** RFC 6762 §10: records naming a host get 120 s, the others 75 minutes. */
const HOST_TTL = 120;
const OTHER_TTL = 4500;
export const SERVICES_ENUMERATION = '_services._dns-sd._udp.local';

export interface ServiceDefinition {
  /** Instance label, e.g. `Provisioning URL`. */
  readonly instance: string;
  /** Service type without domain, e.g. `_https._tcp`. */
  readonly type: string;
  /** SRV target, a full name such as `host.local`. */
  readonly host: string;
  readonly port: number;
  readonly txt: readonly string[];
  /**
   * Where the host's address records come from: this machine's addresses on the interface a query
   * arrived on (`interface`), a fixed list (another machine's), or none (that machine publishes them).
   */
  readonly addresses: 'interface' | readonly string[] | 'none';
}

export function serviceTypeName(def: Pick<ServiceDefinition, 'type'>): string {
  return `${def.type}.local`;
}

export function instanceFullName(def: Pick<ServiceDefinition, 'instance' | 'type'>): string {
  return `${def.instance}.${def.type}.local`;
}

export function ptrRecord(def: ServiceDefinition, ttl = OTHER_TTL): MdnsRecord {
  return { name: serviceTypeName(def), type: 'PTR', ttl, flush: false, data: instanceFullName(def) };
}

function enumerationRecord(def: ServiceDefinition, ttl = OTHER_TTL): MdnsRecord {
  return { name: SERVICES_ENUMERATION, type: 'PTR', ttl, flush: false, data: serviceTypeName(def) };
}

export function srvRecord(def: ServiceDefinition, ttl = HOST_TTL): MdnsRecord {
  return { name: instanceFullName(def), type: 'SRV', ttl, flush: true, data: { priority: 0, weight: 0, port: def.port, target: def.host } };
}

export function txtRecord(def: ServiceDefinition, ttl = OTHER_TTL): MdnsRecord {
  return { name: instanceFullName(def), type: 'TXT', ttl, flush: true, data: def.txt };
}

/** Address records for the SRV target as seen on `iface` (RFC 6762 §6.2: only addresses valid there). */
export function addressRecords(def: ServiceDefinition, iface: NetInterface, ttl = HOST_TTL): MdnsRecord[] {
  const addresses =
    def.addresses === 'interface'
      ? [...iface.ipv4.map((a) => a.address), ...iface.ipv6.map((a) => withoutZone(a.address))]
      : def.addresses === 'none'
        ? []
        : def.addresses;
  return addresses.map((address) => ({
    name: def.host,
    type: address.includes(':') ? ('AAAA' as const) : ('A' as const),
    ttl,
    flush: true,
    data: address,
  }));
}

/**
 * The records of one service, built once: the responder answers from these same objects, so their
 * keys and RDATA are computed once too.
 */
export interface ServiceRecordSet {
  readonly ptr: MdnsRecord;
  readonly enumeration: MdnsRecord;
  readonly srv: MdnsRecord;
  readonly txt: MdnsRecord;
  /** SRV and TXT: what a probe claims. */
  readonly unique: readonly MdnsRecord[];
  addresses(iface: NetInterface): readonly MdnsRecord[];
  all(iface: NetInterface): readonly MdnsRecord[];
}

const recordSets = new WeakMap<ServiceDefinition, ServiceRecordSet>();

/**
 * The records of a service; the same objects for the same definition, so that what is keyed by
 * record object (RDATA, keys, encoded answers) is worked out once per process.
 */
export function serviceRecordSet(def: ServiceDefinition): ServiceRecordSet {
  let set = recordSets.get(def);
  if (!set) recordSets.set(def, (set = buildRecordSet(def)));
  return set;
}

function buildRecordSet(def: ServiceDefinition): ServiceRecordSet {
  const srv = srvRecord(def);
  const txt = txtRecord(def);
  const ptr = ptrRecord(def);
  const enumeration = enumerationRecord(def);
  // by interface object, not name: after an address change the interface comes back under the
  // same name with other addresses (a new object), while the record set lives on for the service
  const byInterface = new WeakMap<NetInterface, readonly MdnsRecord[]>();
  const addresses = (iface: NetInterface) => {
    let list = byInterface.get(iface);
    if (!list) byInterface.set(iface, (list = addressRecords(def, iface)));
    return list;
  };
  return { ptr, enumeration, srv, txt, unique: [srv, txt], addresses, all: (iface) => [ptr, srv, txt, ...addresses(iface), enumeration] };
}

const keyCache = new WeakMap<MdnsRecord, string>();

/**
 * Key for "the same record" regardless of TTL and cache-flush bit. Kept per record object: the
 * responder looks its own few records up in its multicast history for every answer.
 */
export function recordKey(r: MdnsRecord): string {
  let key = keyCache.get(r);
  if (key === undefined) {
    key = `${r.name.toLowerCase()}/${typeCode(r)}/${rdataBytes(r).toString('hex')}`;
    keyCache.set(r, key);
  }
  return key;
}

function compareRecords(a: MdnsRecord, b: MdnsRecord): number {
  // all records here are class IN, so the order is by type, then raw RDATA byte by byte
  return typeCode(a) - typeCode(b) || Buffer.compare(rdataBytes(a), rdataBytes(b));
}

/**
 * RFC 6762 §8.2 simultaneous-probe tie-break: positive when our records win, negative when theirs
 * do, zero when the sets are identical (no conflict at all).
 */
export function compareProbeRecords(ours: readonly MdnsRecord[], theirs: readonly MdnsRecord[]): number {
  const a = [...ours].sort(compareRecords);
  const b = [...theirs].sort(compareRecords);
  for (const [i, x] of a.entries()) {
    const y = b[i];
    if (y === undefined) break;
    const c = compareRecords(x, y);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function recordsNamed(records: readonly MdnsRecord[], name: string): MdnsRecord[] {
  return records.filter((r) => sameName(r.name, name));
}
