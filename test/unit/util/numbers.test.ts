import { describe, expect, it } from 'vitest';
import { parseMilliseconds, parsePort } from '../../../src/util/numbers.js';
import { usageError } from '../usage-error.js';

describe('parseMilliseconds', () => {
  it('takes a positive whole number up to what a Node timer can wait', () => {
    expect(parseMilliseconds('3000', '--timeout', '--timeout 3000')).toBe(3000);
    expect(parseMilliseconds('2147483647', '--timeout', '--timeout 3000')).toBe(2 ** 31 - 1);
  });

  it.each(['0', '-1', '1.5', '3s', '', ' 30', '2147483648'])('refuses "%s", naming where it came from', (text) => {
    const e = usageError(() => parseMilliseconds(text, '--request-timeout', '--request-timeout 3000'));
    expect(e.message).toBe(`--request-timeout is "${text}", not a number of milliseconds`);
    expect(e.hint).toContain('e.g. --request-timeout 3000');
  });
});

describe('parsePort', () => {
  it('takes 1 to 65535', () => {
    expect(parsePort('1', '--port')).toBe(1);
    expect(parsePort('65535', '--port')).toBe(65535);
  });

  it.each(['0', '65536', '44x', '-80', ''])('refuses "%s", naming where it came from', (text) => {
    const e = usageError(() => parsePort(text, 'p.ini: key "port"'));
    expect(e.message).toBe(`p.ini: key "port" is "${text}", not a port number`);
    expect(e.hint).toBe('use a number from 1 to 65535');
  });
});
