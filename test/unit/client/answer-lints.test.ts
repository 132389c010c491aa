import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintAnswer, type Lint } from '../../../src/client/answer-lints.js';
import { applyAnswer } from '../../../src/client/jitsi-rules.js';
import { decodeAnswer, parseProperties } from '../../../src/client/properties-file.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../fixtures/provisioning', name), 'latin1');
const codes = (lints: Lint[]) => lints.map((l) => l.code);

describe('lints', () => {
  it('an HTML error page is an error, whatever its status', () => {
    const html = fixture('error-page.html');
    const lints = lintAnswer(html, applyAnswer(new Map(), parseProperties(html)));
    expect(lints.find((l) => l.code === 'not-properties')?.level).toBe('error');
  });

  it('a text/html or JSON answer is an error too; a plain properties answer is not', () => {
    const plain = 'a.b=1\n';
    const r = applyAnswer(new Map(), parseProperties(plain));
    expect(codes(lintAnswer(plain, r, { contentType: 'text/html; charset=utf-8' }))).toContain('not-properties');
    expect(codes(lintAnswer('{"a": 1}', applyAnswer(new Map(), parseProperties('{"a": 1}'))))).toContain('not-properties');
    expect(codes(lintAnswer(plain, r, { contentType: 'text/plain' }))).not.toContain('not-properties');
  });

  it('passwords over http: a password field posted, or passwords in the answer', () => {
    const answer = fixture('account.properties');
    const r = applyAnswer(new Map(), parseProperties(answer));
    expect(lintAnswer(answer, r, { passwordSentInClear: true }).filter((l) => l.code === 'password-over-http')).toHaveLength(1);
    expect(lintAnswer(answer, r, { answerInClear: true }).filter((l) => l.code === 'password-over-http')).toHaveLength(1);
    expect(codes(lintAnswer(answer, r, {}))).not.toContain('password-over-http');
  });

  it('non-ASCII bytes and an empty answer', () => {
    const text = decodeAnswer(Buffer.from('name=José\n', 'utf8'));
    expect(codes(lintAnswer(text, applyAnswer(new Map(), parseProperties(text))))).toContain('not-ascii');
    expect(codes(lintAnswer('# nothing\n', applyAnswer(new Map(), [])))).toContain('empty-answer');
  });
});
