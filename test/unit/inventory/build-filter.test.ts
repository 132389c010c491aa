import { describe, expect, it } from 'vitest';
import { buildKey, compareBuilds, parseBuildFilter } from '../../../src/inventory/build-filter.js';
import { UsageError } from '../../../src/util/errors.js';

describe('Jitsi builds compared number by number', () => {
  it('orders dotted and plain builds as numbers, not text', () => {
    const builds = ['5012', '2.10.5550', '2.9.9999', '2.10.600', '2.11', '2.10', '10.0'];
    expect([...builds].sort(compareBuilds)).toEqual(['2.9.9999', '2.10', '2.10.600', '2.10.5550', '2.11', '10.0', '5012']);
    expect(compareBuilds('2.10.05550', '2.10.5550')).toBe(0);
  });

  it('keys sort as the builds compare, so the database can answer with an index', () => {
    expect(buildKey('2.10.5550') < buildKey('5000')).toBe(true);
    expect(buildKey('5012') > buildKey('5000')).toBe(true);
  });

  it('reads comparisons and globs, and refuses a comparison with no build', () => {
    expect(parseBuildFilter('<5000')).toEqual({ op: '<', key: buildKey('5000') });
    expect(parseBuildFilter('>= 2.10')).toEqual({ op: '>=', key: buildKey('2.10') });
    expect(parseBuildFilter('!=5012')).toEqual({ op: '!=', key: buildKey('5012') });
    expect(parseBuildFilter('2.10.*')).toEqual({ glob: '2.10.*' });
    expect(() => parseBuildFilter('<')).toThrow(UsageError);
    expect(() => parseBuildFilter('  ')).toThrow(/empty/);
  });
});
