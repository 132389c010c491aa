import { describe, expect, it } from 'vitest';
import { NameConflictError } from '../../../src/bonjour/advertise-events.js';
import { decodeDhcp, MalformedDhcpError } from '../../../src/dhcp/codec.js';
import { uriOptionBytes } from '../../../src/dhcp/uri-option.js';
import { checkInstanceName, parseTemplate } from '../../../src/template/template.js';
import { NetworkError, ProtocolError, ProvdiscError, setting, UsageError } from '../../../src/util/errors.js';
import { usageError } from '../usage-error.js';

describe('typed errors', () => {
  it('UsageError(message, hint) keeps working, with the code `usage`', () => {
    const err = new UsageError('the flag is wrong', 'give another');
    expect(err).toBeInstanceOf(ProvdiscError);
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.message, err.hint, err.code]).toEqual(['UsageError', 'the flag is wrong', 'give another', 'usage']);
    expect(new UsageError('no hint').hint).toBeUndefined();
  });

  it('a caller tells the input, the network, a name conflict and a peer apart', () => {
    const network = new NetworkError('refused', { code: 'connection-refused', cause: new Error('ECONNREFUSED') });
    const protocol = new ProtocolError('bad', { code: 'bad-redirect', hint: 'fix the server' });
    expect(network).not.toBeInstanceOf(UsageError);
    expect(protocol).not.toBeInstanceOf(NetworkError);
    expect([network.name, network.code, (network.cause as Error).message]).toEqual(['NetworkError', 'connection-refused', 'ECONNREFUSED']);
    expect([protocol.name, protocol.code, protocol.hint]).toEqual(['ProtocolError', 'bad-redirect', 'fix the server']);
  });

  it('library input errors carry the code a caller branches on, naming settings, not flags', () => {
    const name = usageError(() => checkInstanceName('a.b'));
    expect([name.code, name.message]).toEqual(['invalid-setting', '`name` "a.b" holds a dot or a control character']);
    expect(usageError(() => parseTemplate('ftp://h/p')).code).toBe('invalid-template');
    const long = usageError(() => uriOptionBytes(`https://h.example/${'x'.repeat(250)}`));
    expect(long.code).toBe('template-too-long');
    expect(long.hint).toContain(`(${setting('via')} bonjour)`);
  });

  it("a name conflict and a malformed DHCP packet are not the user's input", () => {
    const service = { instance: 'Provisioning URL', type: '_https._tcp', host: 'p.local', port: 443, txt: [], addresses: 'interface' } as const;
    const conflict = new NameConflictError({ from: '192.0.2.9', interface: 'eth0', records: [] }, service);
    expect(conflict).not.toBeInstanceOf(UsageError);
    expect([conflict.name, conflict.code]).toEqual(['NameConflictError', 'name-conflict']);
    expect(conflict.hint).toMatch(/does not rename/);
    let malformed: unknown;
    try {
      decodeDhcp(Buffer.alloc(10));
    } catch (err) {
      malformed = err;
    }
    expect(malformed).toBeInstanceOf(MalformedDhcpError);
    expect(malformed).toBeInstanceOf(ProtocolError);
    expect((malformed as ProtocolError).code).toBe('malformed-packet');
  });
});
