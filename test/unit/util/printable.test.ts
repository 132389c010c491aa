import { describe, expect, it } from 'vitest';
import { NameConflictError } from '../../../src/bonjour/advertise.js';
import { escapeControls, jsonLine } from '../../../src/util/printable.js';

describe('escapeControls', () => {
  it('shows C0, DEL and C1 controls as \\xNN and leaves the rest, non-ASCII included', () => {
    expect(escapeControls('a\x1b[2Jb\r\n\x00\x7f\x85\x9fé€ ~')).toBe('a\\x1b[2Jb\\x0d\\x0a\\x00\\x7f\\x85\\x9fé€ ~');
  });

  it('shows the line and paragraph separators U+2028 and U+2029 as \\u2028 and \\u2029', () => {
    expect(escapeControls('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
  });

  it('shows the bidirectional controls as \\uNNNN, so that a value cannot reorder a column or a log line', () => {
    expect(escapeControls('evil\u202Etxt.exe \u2066x\u2069 \u200F\u061C')).toBe('evil\\u202etxt.exe \\u2066x\\u2069 \\u200f\\u061c');
    expect(escapeControls('\u2027\u202F\u2065\u206A')).toBe('\u2027\u202F\u2065\u206A');
  });

  it("is applied to a rogue's TXT in the conflict message", () => {
    const service = { instance: 'Provisioning URL', type: '_https._tcp', host: 'me.local', port: 443, txt: ['path=/p'], addresses: 'none' as const };
    const records = [
      {
        name: 'Provisioning URL._https._tcp.local',
        ttl: 120,
        flush: true,
        type: 'SRV' as const,
        data: { target: 'evil.local', port: 443, priority: 0, weight: 0 },
      },
      { name: 'Provisioning URL._https._tcp.local', ttl: 120, flush: true, type: 'TXT' as const, data: ['path=/x\x1b[2J\rok'] },
    ];
    const err = new NameConflictError({ from: '198.51.100.66', interface: 'eth0', records }, service);
    expect(err.message).toContain('/x\\x1b[2J\\x0dok');
    // eslint-disable-next-line no-control-regex -- no control character may be left
    expect(err.message).not.toMatch(/[\x00-\x1f]/);
  });
});

describe('jsonLine', () => {
  it('is one line whatever the text holds, and parses back to the same value', () => {
    const value = { text: 'a\u2028b\u2029c\nd\x1b' };
    const line = jsonLine(value);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(JSON.parse(line)).toEqual(value);
  });
});
