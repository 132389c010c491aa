import { describe, expect, it } from 'vitest';
import { DISCOVERY_METHODS, parseVia } from '../../../src/via/methods.js';
import { usageError } from '../usage-error.js';

describe('parseVia', () => {
  it('accepts the methods a Jitsi client can be set to, in the order given, once each', () => {
    expect(DISCOVERY_METHODS).toEqual(['bonjour', 'dhcp']);
    expect(parseVia(['dhcp'])).toEqual(['dhcp']);
    expect(parseVia([' DHCP ', 'Bonjour', 'dhcp', ''])).toEqual(['dhcp', 'bonjour']);
  });

  it('names the setting it read and the unknown method, and lists the known ones', () => {
    const err = usageError(() => parseVia(['bonjour', 'mdns'], 'the via setting'));
    expect(err.message).toBe('the via setting names "mdns", which is no discovery method');
    expect(err.hint).toBe('use bonjour, dhcp, or both: bonjour,dhcp');
  });

  it('refuses an empty list', () => {
    expect(usageError(() => parseVia([' ', ''])).message).toBe('`via` is empty');
  });
});
