import type { LabHost } from './host.js';
import { defined } from '../defined.js';

export interface DigRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** The record data as dig printed it. */
  data: string;
  /** For TXT: the strings, unescaped, in wire order. */
  txt?: string[];
}

export interface DigResult {
  /** NOERROR, NXDOMAIN…; `timeout` when no answer came. */
  status: string;
  id: number;
  flags: string[];
  answers: DigRecord[];
  authorities: DigRecord[];
  additionals: DigRecord[];
  raw: string;
}

/** dig escapes a byte as \DDD and a special character as \c. */
function unescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && /^\d{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(Number(text.slice(i + 1, i + 4)));
      i += 3;
    } else if (text[i] === '\\' && i + 1 < text.length) {
      bytes.push(...Buffer.from(defined(text[++i])));
    } else {
      bytes.push(...Buffer.from(defined(text[i])));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function txtStrings(data: string): string[] {
  return [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(defined(m[1])));
}

function parseRecord(line: string): DigRecord | undefined {
  // owner names are escaped, so whitespace only separates fields
  const match = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
  if (!match) return undefined;
  const [, name, ttl, klass, type, data] = match as unknown as [string, string, string, string, string, string];
  const record: DigRecord = { name: unescape(name), ttl: Number(ttl), class: klass, type, data };
  if (type === 'TXT') record.txt = txtStrings(data);
  return record;
}

export function parseDig(output: string): DigResult {
  const result: DigResult = {
    status: 'timeout',
    id: -1,
    flags: [],
    answers: [],
    authorities: [],
    additionals: [],
    raw: output,
  };
  const sections = { ANSWER: result.answers, AUTHORITY: result.authorities, ADDITIONAL: result.additionals };
  let section: DigRecord[] | undefined;
  for (const line of output.split('\n')) {
    const header = /->>HEADER<<- opcode: \S+, status: (\w+), id: (\d+)/.exec(line);
    if (header) {
      result.status = defined(header[1]);
      result.id = Number(header[2]);
      continue;
    }
    const flags = /^;; flags: ([^;]*);/.exec(line);
    if (flags) {
      result.flags = defined(flags[1]).trim().split(/\s+/);
      continue;
    }
    const heading = /^;; (\w+) SECTION:/.exec(line);
    if (heading) {
      section = sections[heading[1] as keyof typeof sections];
      continue;
    }
    if (line.trim() === '') {
      section = undefined;
      continue;
    }
    if (section && !line.startsWith(';')) {
      const record = parseRecord(line);
      if (record) section.push(record);
    }
  }
  return result;
}

/** A legacy unicast query (source port ≠ 5353) to an mDNS responder: `dig -p 5353 @server`. */
export async function dig(host: LabHost, name: string, type: string, server: string): Promise<DigResult> {
  const run = await host.run('dig', ['-p', '5353', `@${server}`, name, type, '+tries=1', '+time=2'], { timeoutMs: 10_000 });
  if (run.code !== 0 && run.code !== 9) throw new Error(`dig failed (${run.code}): ${run.stderr}${run.stdout}`);
  return parseDig(run.stdout);
}
