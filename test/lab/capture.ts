import fs from 'node:fs';
import path from 'node:path';
import type { LabHost } from './host.js';

export interface CapturedQuestion {
  name: string;
  type: number;
  /** The QU bit: the asker accepts a unicast answer. */
  qu: boolean;
}

export interface CapturedRecord {
  name: string;
  type: number;
  ttl: number;
  cacheFlush: boolean;
  /**
   * By type: A/AAAA the address, PTR the target, TXT the strings in wire order, SRV
   * { priority, weight, port, target }, NSEC { next, types }; other types the raw tshark fields.
   */
  data: unknown;
}

export interface CapturedPacket {
  /** Seconds since the epoch. */
  time: number;
  src: { addr: string; port: number };
  dst: { addr: string; port: number };
  id: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
  questions: CapturedQuestion[];
  answers: CapturedRecord[];
  authorities: CapturedRecord[];
  additionals: CapturedRecord[];
}

export const TYPE = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, NSEC: 47, ANY: 255 } as const;

type Fields = Record<string, unknown>;

/** A field's (first) value: a record can repeat a field name, NSEC's type bitmap reuses dns.resp.type. */
function str(fields: Fields, key: string): string {
  const value = fields[key];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** tshark names a section's entries by a summary; identical summaries are merged into an array. */
function entries(section: unknown): Fields[] {
  if (!section || typeof section !== 'object') return [];
  return Object.values(section as Record<string, Fields | Fields[]>).flat();
}

function recordData(fields: Fields, type: number): unknown {
  switch (type) {
    case TYPE.A:
      return str(fields, 'dns.a');
    case TYPE.AAAA:
      return str(fields, 'dns.aaaa');
    case TYPE.PTR:
      return str(fields, 'dns.ptr.domain_name');
    case TYPE.TXT:
      return strings(fields['dns.txt']);
    case TYPE.NSEC:
      return {
        next: str(fields, 'dns.nsec.next_domain_name'),
        types: strings(fields['dns.resp.type']).slice(1).map(Number),
      };
    case TYPE.SRV:
      return {
        priority: Number(str(fields, 'dns.srv.priority')),
        weight: Number(str(fields, 'dns.srv.weight')),
        port: Number(str(fields, 'dns.srv.port')),
        target: str(fields, 'dns.srv.target'),
      };
    default:
      return fields;
  }
}

function toRecord(fields: Fields): CapturedRecord {
  const type = Number(str(fields, 'dns.resp.type'));
  // tshark 4.0 splits an SRV owner name into service, protocol and the rest
  const name =
    str(fields, 'dns.resp.name') || [str(fields, 'dns.srv.service'), str(fields, 'dns.srv.proto'), str(fields, 'dns.srv.name')].filter(Boolean).join('.');
  return {
    name,
    type,
    ttl: Number(str(fields, 'dns.resp.ttl')),
    cacheFlush: str(fields, 'dns.resp.cache_flush') === '1',
    data: recordData(fields, type),
  };
}

function endpoint(layers: Fields, side: 'src' | 'dst'): { addr: string; port: number } {
  const ip4 = layers.ip as Fields | undefined;
  const ip6 = layers.ipv6 as Fields | undefined;
  const udp = (layers.udp ?? {}) as Fields;
  return {
    addr: ip4 ? str(ip4, `ip.${side}`) : ip6 ? str(ip6, `ipv6.${side}`) : '',
    port: Number(str(udp, `udp.${side}port`)),
  };
}

/** Turns `tshark -T json --no-duplicate-keys` output into packets. */
export function parseTsharkJson(json: string): CapturedPacket[] {
  const frames = JSON.parse(json || '[]') as { _source: { layers: Fields } }[];
  return frames.flatMap(({ _source: { layers } }) => {
    // port 5353 on either side is dissected as mdns, anything else as dns
    const dns = (layers.mdns ?? layers.dns) as Fields | undefined;
    if (!dns) return [];
    const flags = (dns['dns.flags_tree'] ?? {}) as Fields;
    const frame = layers.frame as Fields;
    return [
      {
        time: Number(str(frame, 'frame.time_epoch')),
        src: endpoint(layers, 'src'),
        dst: endpoint(layers, 'dst'),
        id: Number(str(dns, 'dns.id')),
        qr: str(flags, 'dns.flags.response') === '1',
        aa: str(flags, 'dns.flags.authoritative') === '1',
        tc: str(flags, 'dns.flags.truncated') === '1',
        questions: entries(dns.Queries).map((q) => ({
          name: str(q, 'dns.qry.name'),
          type: Number(str(q, 'dns.qry.type')),
          qu: str(q, 'dns.qry.qu') === '1',
        })),
        answers: entries(dns.Answers).map(toRecord),
        authorities: entries(dns['Authoritative nameservers']).map(toRecord),
        additionals: entries(dns['Additional records']).map(toRecord),
      },
    ];
  });
}

export interface Capture {
  file: string;
  /**
   * Stops capturing and returns every mDNS packet seen (port 5353 on either side). Waits
   * `settleMs` first (default 250): a packet sent just before would otherwise be lost with dumpcap.
   */
  stop(options?: { settleMs?: number }): Promise<CapturedPacket[]>;
}

let captureCount = 0;

/** Starts tshark on `iface` of `host`; resolves once packets are really being recorded. */
export async function startCapture(host: LabHost, iface: string): Promise<Capture> {
  host.iface(iface);
  const file = path.join(host.workDir, `${host.key}-${iface}-${++captureCount}.pcapng`);
  const tshark = host.spawn('tshark', ['-n', '-i', iface, '-f', 'udp port 5353', '-w', file]);
  await tshark.waitForLine(/^Capturing on /, 15_000, 'stderr');
  // the message comes when the interface is open; the file header is written once dumpcap loops
  for (let i = 0; i < 50 && !(fs.existsSync(file) && fs.statSync(file).size > 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let stopped: Promise<CapturedPacket[]> | undefined;
  return {
    file,
    stop({ settleMs = 250 } = {}): Promise<CapturedPacket[]> {
      stopped ??= (async () => {
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        // SIGINT makes tshark flush the last packets before exiting
        await tshark.stop(3_000, 'SIGINT');
        const read = await host.run('tshark', ['-n', '-r', file, '-T', 'json', '--no-duplicate-keys'], { timeoutMs: 30_000 });
        if (read.code !== 0) throw new Error(`tshark -r ${file} failed: ${read.stderr}`);
        return parseTsharkJson(read.stdout);
      })();
      return stopped;
    },
  };
}
