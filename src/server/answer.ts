/**
 * The answer to one client: the properties of every profile whose `match.*` all hold for the posted
 * form, in site-file order, each file's properties in order (so `${null}` and ALLOW_PREFIX lines placed
 * first act first, as the Jitsi guide says). `${field}` in a value becomes that form field. Every
 * key and value is written as Java's Properties.store writes it, so whatever a client posts stays
 * inside its one value: it cannot end the line, start a property, or change a key.
 */
import { NULL_VALUE } from '../client/properties.js';
import { UsageError } from '../util/errors.js';
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
 * as Java's chars).
 */
export function escapeProperty(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i] ?? '';
    if (ch === ' ') out += i === 0 || isKey ? '\\ ' : ' ';
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
  return profile.match.every((m) => m.regex.test(form.get(m.field) ?? ''));
}

/** A client's field made a whole value `${null}`: the client would then delete that property tree. */
export class HostileFieldError extends UsageError {}

/** `${field}` replaced by the posted value; `${null}` kept. */
function substitute(value: string, form: Form): string {
  return value.replace(FIELD_REFERENCE, (whole, name: string) => (name === 'null' ? whole : (form.get(name) ?? '')));
}

export function buildAnswer(site: Pick<Site, 'profiles'>, form: Form): Answer {
  const profiles = site.profiles.filter((p) => profileMatches(p, form));
  const lines: string[] = [];
  for (const profile of profiles) {
    for (const { key, value } of profile.lines) {
      const filled = substitute(value, form);
      if (filled === NULL_VALUE && value !== NULL_VALUE) {
        throw new HostileFieldError(`a posted field turns ${key} (profile ${profile.name}) into ${NULL_VALUE}, which would delete it on the client`, 'the request is refused');
      }
      lines.push(`${escapeProperty(key, true)}=${escapeProperty(filled, false)}\n`);
    }
  }
  const text = lines.join('');
  return { profiles: profiles.map((p) => p.name), text, body: Buffer.from(text, 'latin1') };
}
