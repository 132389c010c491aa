/**
 * A profile's properties written as Java's Properties.store writes them, once when the site loads:
 * each line is either whole (its value holds no form field) or a key and value pieces with holes for
 * the fields, so a request only escapes what the client posted.
 */
import type { PropertyLine } from '../client/properties.js';

/** `${name}` in a profile's value: replaced with the client's form field `name` (`${null}` stays). */
export const FIELD_REFERENCE = /\$\{([^}]*)\}/g;

const NEEDS_ESCAPE = /[\\=:#! \t\n\r\f]|[^\x20-\x7e]/g;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f' };

/**
 * Java's Properties.saveConvert: `\`, tab, line breaks, form feed, `=`, `:`, `#`, `!` escaped; a
 * leading space (any space, in a key) escaped; anything outside 0x20–0x7E as \uXXXX (UTF-16 units,
 * as Java's chars). `atStart`: whether `text` begins the value (a piece of a longer one may not).
 * One regular-expression pass: linear in the text, however hostile.
 */
export function escapeProperty(text: string, isKey: boolean, atStart = true): string {
  return text.replace(NEEDS_ESCAPE, (ch, offset: number) => {
    if (ch === ' ') return (offset === 0 && atStart) || isKey ? '\\ ' : ' ';
    const named = NAMED[ch];
    if (named !== undefined) return named;
    const c = ch.charCodeAt(0);
    return c < 0x20 || c > 0x7e ? `\\u${c.toString(16).toUpperCase().padStart(4, '0')}` : `\\${ch}`;
  });
}

/** A piece of a value: text of the site (escaped both ways once), or a form field or account field to fill in. */
export type ValuePart =
  { readonly text: string; readonly atStart: string; readonly inside: string } | { readonly field: string } | { readonly account: string };

/** `${account.FIELD}`: a field of the client's account (`[accounts]`), not of its form. */
export const ACCOUNT_PREFIX = 'account.';

/** One property of a profile, escaped once. */
export interface CompiledLine {
  readonly key: string;
  readonly escapedKey: string;
  /** The whole line, when the value holds no field. */
  readonly line: string | undefined;
  readonly parts: readonly ValuePart[];
}

function compileLine({ key, value }: PropertyLine): CompiledLine {
  const parts: ValuePart[] = [];
  let at = 0;
  const text = (t: string) => t !== '' && parts.push({ text: t, atStart: escapeProperty(t, false, true), inside: escapeProperty(t, false, false) });
  for (const m of value.matchAll(FIELD_REFERENCE)) {
    if (m[1] === 'null') continue; // ${null} stays as text
    text(value.slice(at, m.index));
    const name = m[1] ?? '';
    parts.push(name.startsWith(ACCOUNT_PREFIX) ? { account: name.slice(ACCOUNT_PREFIX.length) } : { field: name });
    at = (m.index ?? 0) + m[0].length;
  }
  text(value.slice(at));
  const escapedKey = escapeProperty(key, true);
  const line = parts.every((p) => 'text' in p) ? `${escapedKey}=${escapeProperty(value, false)}\n` : undefined;
  return { key, escapedKey, line, parts };
}

export function compileLines(lines: readonly PropertyLine[]): CompiledLine[] {
  return lines.map(compileLine);
}

/** Bytes of the profile's own text in an answer: every field left empty. */
export function staticBytes(lines: readonly CompiledLine[]): number {
  let bytes = 0;
  for (const l of lines) {
    if (l.line !== undefined) bytes += l.line.length;
    else {
      // with every field empty, the first piece of text begins the value
      const texts = l.parts.filter((p) => 'text' in p);
      bytes += l.escapedKey.length + 2 + texts.reduce((n, p, i) => n + (i === 0 ? p.atStart : p.inside).length, 0);
    }
  }
  return bytes;
}
