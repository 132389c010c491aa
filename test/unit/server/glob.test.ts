import { describe, expect, it } from 'vitest';
import { globMatches } from '../../../src/server/glob.js';

describe('globMatches: `*` is any run of characters, everything else itself', () => {
  it.each([
    ['Linux', 'Linux', true],
    ['Linux', 'linux', false], // case as written
    ['Linux', 'Linux 6', false], // the whole value
    ['Windows*', 'Windows', true], // a star matches nothing too
    ['Windows*', 'Windows 11', true],
    ['*11', 'Windows 11', true],
    ['*11', 'Windows 10', false],
    ['00:16:3e:*', '00:16:3e:aa:bb:cc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['a*a', 'a', false],
    ['**', '', true],
    ['*', 'line\nbreak', true], // any character, line breaks included
    ['', '', true],
    ['', 'x', false],
    ['x', '', false],
    ['.+?', 'abc', false], // no RegExp syntax
    ['.+?', '.+?', true],
  ])('%j against %j: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('a pattern that would backtrack a RegExp polynomially ends on a 64 KiB value', () => {
    const dashes = '-'.repeat(64 * 1024);
    expect(globMatches('*-*-*-*x', dashes)).toBe(false);
    expect(globMatches('*-*-*-*x', `${dashes}x`)).toBe(true);
  }, 10_000);

  it("the adversarial run's pattern (a star, 250 `a`, ` b`) on 65 000 characters: the right answer both ways", () => {
    const pattern = `*${'a'.repeat(250)} b`;
    expect(globMatches(pattern, 'a'.repeat(65_000))).toBe(false);
    expect(globMatches(pattern, `${'a'.repeat(65_000)} b`)).toBe(true);
    expect(globMatches(`a*${'a'.repeat(250)}*b`, `${'a'.repeat(251)}b`)).toBe(true); // the pieces may meet
    expect(globMatches(`a*${'a'.repeat(250)}*b`, `${'a'.repeat(250)}b`)).toBe(false); // but not overlap
  });
});
