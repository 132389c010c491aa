import { describe, expect, it } from 'vitest';
import { HOSTS_FILE_HEADER, hostsLine, lookupHost, parseHostsFile, upsertHostsLine } from '../../../src/avahi/hosts-file.js';

const EXISTING = `# static hosts\n192.168.0.10 printer.local   # the printer\n\n  fd00::5\tnas.local\n`;

describe('hostsLine and parseHostsFile', () => {
  it('writes ADDRESS NAME', () => {
    expect(hostsLine('192.168.0.254', 'provisioning.local')).toBe('192.168.0.254 provisioning.local');
  });

  it('reads entries with their line numbers, skipping comments, blanks and tabs', () => {
    expect(parseHostsFile(EXISTING)).toEqual({
      entries: [
        { address: '192.168.0.10', name: 'printer.local', line: 2 },
        { address: 'fd00::5', name: 'nas.local', line: 4 },
      ],
      stop: undefined,
    });
  });

  it('stops where Avahi stops: a line without a name, or with extra words', () => {
    const f = parseHostsFile('192.168.0.1 a.local\n192.168.0.2\n192.168.0.3 c.local\n');
    expect(f.entries.map((e) => e.name)).toEqual(['a.local']);
    expect(f.stop).toEqual({ line: 2, reason: 'an address without a name' });
    expect(parseHostsFile('192.168.0.2 b.local b2.local\n').stop?.reason).toMatch(/more than/);
  });

  it('looks names up ignoring case', () => {
    expect(lookupHost(parseHostsFile(EXISTING), 'NAS.local')?.address).toBe('fd00::5');
    expect(lookupHost(parseHostsFile(EXISTING), 'provisioning.local')).toBeUndefined();
  });
});

describe('upsertHostsLine', () => {
  it("creates a new file with the guide's comment", () => {
    expect(upsertHostsLine(undefined, '192.168.0.254', 'provisioning.local')).toBe(`${HOSTS_FILE_HEADER}192.168.0.254 provisioning.local\n`);
  });

  it('appends to a file without the name, keeping every line and comment', () => {
    expect(upsertHostsLine(EXISTING, '192.168.0.254', 'provisioning.local')).toBe(`${EXISTING}192.168.0.254 provisioning.local\n`);
    expect(upsertHostsLine('# no newline', '192.168.0.254', 'p.local')).toBe('# no newline\n192.168.0.254 p.local\n');
  });

  it('replaces the line for the name in place, and drops later duplicates', () => {
    const text = `# a\n10.0.0.1 Provisioning.local\n10.0.0.2 other.local\n10.0.0.3 provisioning.local # old\n`;
    expect(upsertHostsLine(text, '192.168.0.254', 'provisioning.local')).toBe(`# a\n192.168.0.254 provisioning.local\n10.0.0.2 other.local\n`);
  });

  it('is stable: the same update twice changes nothing the second time', () => {
    const once = upsertHostsLine(EXISTING, '192.168.0.254', 'provisioning.local');
    expect(upsertHostsLine(once, '192.168.0.254', 'provisioning.local')).toBe(once);
  });

  it('leaves a commented-out line for the name alone', () => {
    expect(upsertHostsLine('# 10.0.0.1 p.local\n', '10.0.0.2', 'p.local')).toBe('# 10.0.0.1 p.local\n10.0.0.2 p.local\n');
  });
});
