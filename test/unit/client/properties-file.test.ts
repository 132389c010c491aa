import { describe, expect, it } from 'vitest';
import { decodeAnswer, formatProperties, maskValue, parseProperties, toConfiguration } from '../../../src/client/properties-file.js';

const config = (entries: Record<string, string>) => new Map(Object.entries(entries));
const acc = 'net.java.sip.communicator.impl.protocol.sip.acc1403273890647';

describe('parseProperties (Java .properties syntax)', () => {
  it('decodes escapes, \\uXXXX, continuations, every separator and both comment marks, with line numbers', () => {
    const text = [
      '# comment',
      '! also a comment',
      'a=1',
      'b:2',
      'c 3',
      '  d   =   spaced  ',
      'e=first\\',
      '    second',
      'f=caf\\u00e9',
      'key\\ with\\ space=x',
      'g=tab\\there',
      'h',
      '',
    ].join('\n');
    expect(parseProperties(text)).toEqual([
      { key: 'a', value: '1', line: 3 },
      { key: 'b', value: '2', line: 4 },
      { key: 'c', value: '3', line: 5 },
      { key: 'd', value: 'spaced  ', line: 6 },
      { key: 'e', value: 'firstsecond', line: 7 },
      { key: 'f', value: 'café', line: 9 },
      { key: 'key with space', value: 'x', line: 10 },
      { key: 'g', value: 'tab\there', line: 11 },
      { key: 'h', value: '', line: 12 },
    ]);
  });

  it('keeps repeated keys in order; loading keeps the first place and the last value, as Java does', () => {
    const lines = parseProperties('x=1\ny=2\nx=3\n');
    expect(lines.map((l) => `${l.key}=${l.value}@${l.line}`)).toEqual(['x=1@1', 'y=2@2', 'x=3@3']);
    expect([...toConfiguration(lines)]).toEqual([
      ['x', '3'],
      ['y', '2'],
    ]);
  });

  it('reads the bytes as ISO-8859-1, as Properties.load(InputStream) does', () => {
    expect(decodeAnswer(Buffer.from('k=café\n', 'utf8'))).toBe('k=cafÃ©\n');
  });
});

describe('output', () => {
  it('masks clear passwords but shows ENCRYPTED_PASSWORD, which is what the client file holds', () => {
    expect(maskValue(`${acc}.PASSWORD`, 'x')).toBe('********');
    expect(maskValue(`${acc}.ENCRYPTED_PASSWORD`, 'abc=')).toBe('********');
  });

  it('formats a .properties text Java reads back, masking clear passwords only when asked (issue 10: ENCRYPTED_PASSWORD is shown)', () => {
    const c = config({ 'a.PASSWORD': 'secret', 'b.ENCRYPTED_PASSWORD': 'x5ElAB', c: 'é€ x' });
    const text = formatProperties(c);
    expect(text).toBe('a.PASSWORD=secret\nb.ENCRYPTED_PASSWORD=x5ElAB\nc=é\\u20ac x\n');
    expect([...toConfiguration(parseProperties(text))]).toEqual([...c]);
    expect(formatProperties(c, true)).toBe('a.PASSWORD=********\nb.ENCRYPTED_PASSWORD=********\nc=é\\u20ac x\n');
  });
});
