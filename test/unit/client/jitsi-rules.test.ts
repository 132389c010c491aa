import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyAnswer, diffConfigurations, PROVISIONING_URL_PROPERTY, splitPrefixes, UUID_PROPERTY, withClientState } from '../../../src/client/jitsi-rules.js';
import { parseProperties, toConfiguration } from '../../../src/client/properties-file.js';
import { lintAnswer, type Lint } from '../../../src/client/answer-lints.js';
import { encryptJitsiPassword } from '../../../src/client/encrypted-password.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../fixtures/provisioning', name), 'latin1');
const config = (entries: Record<string, string>) => new Map(Object.entries(entries));
const apply = (start: Record<string, string>, answer: string) => applyAnswer(config(start), parseProperties(answer));
const codes = (lints: Lint[]) => lints.map((l) => l.code);
const MF = 'net.java.sip.communicator.impl.gui.main.MainFrame';

describe('splitPrefixes (Java String.split("\\\\|"))', () => {
  it('drops trailing empty parts but keeps inner and leading ones; an empty value is one empty prefix', () => {
    expect(splitPrefixes('a|b')).toEqual(['a', 'b']);
    expect(splitPrefixes('a|b||')).toEqual(['a', 'b']);
    expect(splitPrefixes('a||b')).toEqual(['a', '', 'b']);
    expect(splitPrefixes('|a')).toEqual(['', 'a']);
    expect(splitPrefixes('')).toEqual(['']);
  });
});

describe("the seed's PHP example", () => {
  it('on an empty configuration: ${null} first, ALLOW_PREFIX, the Linux height, ENFORCE_PREFIX last', () => {
    const result = apply({}, fixture('seed-php-linux.properties'));
    expect([...result.after]).toEqual([
      [`${MF}.height`, '250'],
      [`${MF}.width`, '520'],
      [`${MF}.x`, '800'],
      [`${MF}.y`, '20'],
    ]);
    expect(result.steps.map((s) => s.action)).toEqual(['removed', 'allow-prefix', 'set', 'set', 'set', 'set', 'enforce-prefix']);
  });

  it('the answer for another OS differs only by the height', () => {
    const linux = apply({}, fixture('seed-php-linux.properties')).after;
    const other = apply({}, fixture('seed-php-other.properties')).after;
    expect(other.get(`${MF}.height`)).toBe('750');
    expect(diffConfigurations(linux, other)).toEqual([{ key: `${MF}.height`, change: 'changed', before: '250', after: '750' }]);
  });

  it("on a used client: ${null} clears the old window settings, ENFORCE_PREFIX removes the user's other settings", () => {
    const start = toConfiguration(parseProperties(fixture('client-start.properties')));
    const result = applyAnswer(start, parseProperties(fixture('seed-php-linux.properties')));
    expect(result.steps[0]?.removed).toEqual([`${MF}.height`, `${MF}.width`, `${MF}.isMaximized`]);
    expect(result.steps.at(-1)?.removed).toEqual(['org.jitsi.impl.neomedia.audiosystem.pulseaudio.NOTIFY_DEVICE', 'resources.DefaultLocale']);
    expect([...result.after.keys()]).toEqual([UUID_PROPERTY, 'java.net.preferIPv6Addresses', `${MF}.height`, `${MF}.width`, `${MF}.x`, `${MF}.y`]);
    expect(diffConfigurations(start, result.after)).toEqual([
      { key: `${MF}.height`, change: 'changed', before: '900', after: '250' },
      { key: `${MF}.width`, change: 'changed', before: '1200', after: '520' },
      { key: `${MF}.x`, change: 'added', after: '800' },
      { key: `${MF}.y`, change: 'added', after: '20' },
      { key: `${MF}.isMaximized`, change: 'removed', before: 'true' },
      { key: 'org.jitsi.impl.neomedia.audiosystem.pulseaudio.NOTIFY_DEVICE', change: 'removed', before: 'alsa_output.pci' },
      { key: 'resources.DefaultLocale', change: 'removed', before: 'de' },
    ]);
    const lints = lintAnswer(fixture('seed-php-linux.properties'), result);
    const enforce = lints.find((l) => l.code === 'enforce-removes-user-settings');
    expect(enforce?.line).toBe(7);
    expect(enforce?.message).toContain('resources.DefaultLocale');
    expect(enforce?.message).toContain('org.jitsi.impl.neomedia.audiosystem.pulseaudio.NOTIFY_DEVICE');
  });
});

describe('provisioning.ALLOW_PREFIX', () => {
  it('only filters the keys after it; every prefix of the list counts', () => {
    const result = apply({}, 'early.key=1\nprovisioning.ALLOW_PREFIX=a.|b.\nb.x=2\nc.x=3\na.y=4\n');
    expect([...result.after]).toEqual([
      ['early.key', '1'],
      ['b.x', '2'],
      ['a.y', '4'],
    ]);
    const dropped = lintAnswer('', result).filter((l) => l.code === 'not-allowed');
    expect(dropped.map((l) => l.line)).toEqual([4]);
    expect(dropped[0]?.message).toContain('c.x');
  });

  it('a second ALLOW_PREFIX line replaces the first one, at the place of the first (one key, one entry)', () => {
    const result = apply({}, 'provisioning.ALLOW_PREFIX=a.\na.x=1\nb.x=2\nprovisioning.ALLOW_PREFIX=b.\n');
    expect([...result.after]).toEqual([['b.x', '2']]);
    expect(codes(lintAnswer('', result))).toContain('duplicate-key');
  });

  it('an empty prefix allows everything, and is reported', () => {
    const result = apply({}, 'provisioning.ALLOW_PREFIX=a.||b.\nzzz=1\n');
    expect(result.after.get('zzz')).toBe('1');
    expect(codes(lintAnswer('', result))).toContain('empty-prefix');
  });

  it('is not itself stored', () => {
    expect(apply({}, 'provisioning.ALLOW_PREFIX=a\n').after.size).toBe(0);
  });
});

describe('provisioning.ENFORCE_PREFIX', () => {
  it('removes at its place every key starting with none of the prefixes; keys after it stay', () => {
    const result = apply({ 'user.one': '1', 'keep.two': '2' }, 'set.early=3\nprovisioning.ENFORCE_PREFIX=keep.\nset.late=4\n');
    expect([...result.after]).toEqual([
      ['keep.two', '2'],
      ['set.late', '4'],
    ]);
    const lints = lintAnswer('', result);
    expect(lints.find((l) => l.code === 'enforce-removes-user-settings')?.message).toContain('user.one');
    expect(lints.find((l) => l.code === 'enforce-removes-provisioned')?.message).toContain('set.early');
    expect(lints.find((l) => l.code === 'after-enforce')?.message).toContain('set.late');
  });

  it("warns when it removes the client's UUID or provisioning URL", () => {
    const start = withClientState(new Map(), { template: 'https://p/x', uuid: 'u' });
    const result = applyAnswer(start, parseProperties('provisioning.ENFORCE_PREFIX=org.ice4j\n'));
    expect(result.after.size).toBe(0);
    const lint = lintAnswer('', result).find((l) => l.code === 'enforce-removes-client-state');
    expect(lint?.message).toContain('new UUID');
  });

  it("removing a key also removes Jitsi's 'children' of it, even ones the prefixes match", () => {
    // org.ab.c matches, but removing org.a takes keys whose part before the last dot starts with "org.a"
    const result = apply({ 'org.a': '1', 'org.ab.c': '2', 'org.b': '3' }, 'provisioning.ENFORCE_PREFIX=org.ab|org.b\n');
    expect([...result.after.keys()]).toEqual(['org.b']);
  });
});

describe('${null}', () => {
  it('removes the key and every key under it (text prefix of the part before the last dot)', () => {
    const start = { 'a.b': '1', 'a.b.c': '2', 'a.b.c.d': '3', 'a.bc.d': '4', 'a.bc': '5', 'a.x': '6' };
    const result = apply(start, 'a.b=${null}\n');
    expect([...result.after.keys()]).toEqual(['a.bc', 'a.x']);
    expect(result.steps[0]?.removed).toEqual(['a.b', 'a.b.c', 'a.b.c.d', 'a.bc.d']);
  });

  it('then a new value can be set in the same answer', () => {
    expect([...apply({ 'acc.old': '1' }, 'acc=${null}\nacc.new=2\n').after]).toEqual([['acc.new', '2']]);
  });

  it('is itself subject to ALLOW_PREFIX', () => {
    expect(apply({ 'x.y': '1' }, 'provisioning.ALLOW_PREFIX=a\nx=${null}\n').after.get('x.y')).toBe('1');
  });
});

describe('passwords, system properties, empty keys, duplicates', () => {
  const answer = fixture('account.properties');
  const result = apply({}, answer);
  const acc = 'net.java.sip.communicator.impl.protocol.sip.acc1403273890647';

  it('stores X.PASSWORD as X.ENCRYPTED_PASSWORD encrypted as the client does, never the password', () => {
    expect(result.after.has(`${acc}.PASSWORD`)).toBe(false);
    const password = parseProperties(answer).find((l) => l.key === `${acc}.PASSWORD`)?.value ?? '';
    expect(password).toContain('correct horse');
    expect(result.after.get(`${acc}.ENCRYPTED_PASSWORD`)).toBe(encryptJitsiPassword(password));
    expect([...result.after.values()].join('\n')).not.toContain('correct horse');
    expect(lintAnswer(answer, result).find((l) => l.code === 'password-encrypted')?.line).toBe(3);
  });

  it('encrypts with the master password the client has', () => {
    const mine = applyAnswer(new Map(), parseProperties(answer), { encryptPassword: (p) => `enc(${p})` });
    expect(mine.after.get(`${acc}.ENCRYPTED_PASSWORD`)).toMatch(/^enc\(correct horse/);
  });

  it('applies ${system}. keys as Java system properties, outside the configuration', () => {
    expect([...result.system]).toEqual([['net.java.sip.communicator.packetlogging.PACKET_LOGGING_ENABLED', 'false']]);
    expect([...result.after.keys()].some((k) => k.includes('PACKET_LOGGING'))).toBe(false);
  });

  it('reports account keys without an acc segment', () => {
    const lint = lintAnswer(answer, result).filter((l) => l.code === 'account-without-acc');
    expect(lint.map((l) => l.line)).toEqual([4]);
    expect(lint[0]?.message).toContain('"alice"');
  });

  it('skips an empty key', () => {
    const r = apply({}, '=value\n  \nk=v\n');
    expect([...r.after]).toEqual([['k', 'v']]);
    expect(r.steps[0]?.action).toBe('empty-key');
  });

  it('applies a repeated key once, at its first place, with its last value, and reports it', () => {
    const r = apply({}, 'provisioning.ALLOW_PREFIX=zz\nzz.a=1\nprovisioning.ALLOW_PREFIX=other\n');
    // the second ALLOW_PREFIX replaced the first value at the first place: zz.a is then not allowed
    expect(r.after.size).toBe(0);
    expect(lintAnswer('', r).find((l) => l.code === 'duplicate-key')?.message).toContain('lines 1, 3');
  });
});

describe('client state and diff', () => {
  it('the client stores the URL it used, and keeps its own UUID', () => {
    const next = withClientState(config({ [UUID_PROPERTY]: 'mine' }), { template: 'https://p/?u=${uuid}', uuid: 'other' });
    expect(next.get(UUID_PROPERTY)).toBe('mine');
    expect(next.get(PROVISIONING_URL_PROPERTY)).toBe('https://p/?u=${uuid}');
    expect(withClientState(new Map(), { template: 't', uuid: 'new' }).get(UUID_PROPERTY)).toBe('new');
  });
});
