/**
 * The answer to one client: the properties of every profile whose `match.*` all hold for the posted
 * form, in site-file order, each file's properties in order (so `${null}` and ALLOW_PREFIX lines placed
 * first act first, as the Jitsi guide says). `${field}` in a value becomes that form field. Every
 * key and value is written as Java's Properties.store writes it, so whatever a client posts stays
 * inside its one value: it cannot end the line, start a property, or change a key.
 */
import { NULL_VALUE } from '../client/properties.js';
import { UsageError } from '../util/errors.js';
import { globMatches } from './glob.js';
import { FIELD_REFERENCE, type Profile, type Site } from './site.js';

/** Form fields as posted; a missing field counts as empty. */
export type Form = ReadonlyMap<string, string>;

export interface Answer {
  readonly profiles: readonly string[];
  /** ISO-8859-1 text; every character outside printable ASCII is a \uXXXX escape. */
  readonly text: string;
  readonly body: Buffer;
}

export const ANSWER_CONTENT_TYPE = 'text/plain; charset=ISO-8859-1';

/**
 * Java's Properties.saveConvert: `\`, tab, line breaks, form feed, `=`, `:`, `#`, `!` escaped; a
 * leading space (any space, in a key) escaped; anything outside 0x20–0x7E as \uXXXX (UTF-16 units,
 * as Java's chars). `atStart`: whether `text` begins the value (a piece of a longer one may not).
 */
export function escapeProperty(text: string, isKey: boolean, atStart = true): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i] ?? '';
    if (ch === ' ') out += (i === 0 && atStart) || isKey ? '\\ ' : ' ';
    else if (ch === '\\' || ch === '=' || ch === ':' || ch === '#' || ch === '!') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

export function profileMatches(profile: Profile, form: Form): boolean {
  return profile.match.every((m) => globMatches(m.pattern, form.get(m.field) ?? ''));
}

/** A client's field made a whole value `${null}`: the client would then delete that property tree. */
export class HostileFieldError extends UsageError {}

/** A piece of a value: text of the site (escaped both ways once), or a form field to fill in. */
type Part = { readonly text: string; readonly atStart: string; readonly inside: string } | { readonly field: string };

/** One property of a profile, escaped once: a whole line, or its key and the pieces of its value. */
interface CompiledLine {
  readonly key: string;
  readonly escapedKey: string;
  /** The whole line, when the value holds no field. */
  readonly line: string | undefined;
  readonly parts: readonly Part[];
}

const compiled = new WeakMap<Profile, readonly CompiledLine[]>();

/** Escaping the site's own text once per loaded profile leaves only the posted values to escape per request. */
function compile(profile: Profile): readonly CompiledLine[] {
  let lines = compiled.get(profile);
  if (!lines) {
    lines = profile.lines.map(({ key, value }) => {
      const parts: Part[] = [];
      let at = 0;
      const text = (t: string) => t !== '' && parts.push({ text: t, atStart: escapeProperty(t, false, true), inside: escapeProperty(t, false, false) });
      for (const m of value.matchAll(FIELD_REFERENCE)) {
        if (m[1] === 'null') continue; // ${null} stays as text
        text(value.slice(at, m.index));
        parts.push({ field: m[1] ?? '' });
        at = (m.index ?? 0) + m[0].length;
      }
      text(value.slice(at));
      const escapedKey = escapeProperty(key, true);
      const line = parts.every((p) => 'text' in p) ? `${escapedKey}=${escapeProperty(value, false)}\n` : undefined;
      return { key, escapedKey, line, parts };
    });
    compiled.set(profile, lines);
  }
  return lines;
}

export function buildAnswer(site: Pick<Site, 'profiles'>, form: Form): Answer {
  const profiles = site.profiles.filter((p) => profileMatches(p, form));
  const out: string[] = [];
  for (const profile of profiles) {
    for (const line of compile(profile)) {
      if (line.line !== undefined) {
        out.push(line.line);
        continue;
      }
      let raw = '';
      let escaped = '';
      for (const part of line.parts) {
        if ('field' in part) {
          const v = form.get(part.field) ?? '';
          escaped += escapeProperty(v, false, raw === '');
          raw += v;
        } else {
          escaped += raw === '' ? part.atStart : part.inside;
          raw += part.text;
        }
      }
      if (raw === NULL_VALUE) {
        throw new HostileFieldError(`a posted field turns ${line.key} (profile ${profile.name}) into ${NULL_VALUE}, which would delete it on the client`, 'the request is refused');
      }
      out.push(`${line.escapedKey}=${escaped}\n`);
    }
  }
  const text = out.join('');
  return { profiles: profiles.map((p) => p.name), text, body: Buffer.from(text, 'latin1') };
}
