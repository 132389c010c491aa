import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/util/errors.js';
import { parseAssignment, placeholdersIn, substitute } from '../../../src/client/placeholders.js';

describe('substitution (Jitsi splits after substituting)', () => {
  it('lists placeholders in order, once each', () => {
    expect(placeholdersIn('https://h/?a=${osname}&b=${env.X}&c=${osname}&d=${}')).toEqual(['osname', 'env.X', '']);
  });

  it('replaces in one pass, leaving placeholders without a value as typed', () => {
    const values = new Map([
      ['osname', 'Linux'],
      ['env.X', '${osname}'],
    ]);
    expect(substitute('os=${osname}&x=${env.X}&u=${username}&k=${nope}', values)).toBe('os=Linux&x=${osname}&u=${username}&k=${nope}');
  });
});

describe('parseAssignment: one override as text', () => {
  it('accepts client placeholders, system.* and env.*, with or without ${}', () => {
    expect(parseAssignment('osname=Windows 11')).toEqual(['osname', 'Windows 11']);
    expect(parseAssignment('${arch}=x86_64')).toEqual(['arch', 'x86_64']);
    expect(parseAssignment('system.user.name=bob=x')).toEqual(['system.user.name', 'bob=x']);
    expect(parseAssignment('env.HOME=')).toEqual(['env.HOME', '']);
  });

  it('refuses typos, missing values and credentials, saying what to use', () => {
    expect(() => parseAssignment('osnmae=Linux')).toThrow(/no placeholder \$\{osnmae\}/);
    expect(() => parseAssignment('osname')).toThrow(UsageError);
    expect(() => parseAssignment('password=x')).toThrow(/`overrides` cannot give password/);
    try {
      parseAssignment('username=x');
    } catch (err) {
      expect((err as UsageError).hint).toContain('`username`');
    }
  });
});
