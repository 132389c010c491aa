/**
 * The answer to one client: the properties of every profile whose `match.*` all hold for the posted
 * form, in site-file order, each file's properties in order (so `${null}` and ALLOW_PREFIX lines placed
 * first act first, as the Jitsi guide says). `${field}` in a value becomes that form field. Every
 * key and value is written as Java's Properties.store writes it, so whatever a client posts stays
 * inside its one value: it cannot end the line, start a property, or change a key.
 *
 * What one request may cost is bounded: each field at most FIELD_LIMIT characters (checked before any
 * matching or login), the answer at most ANSWER_LIMIT_BYTES (building stops at the first piece that
 * passes it; a piece is at most one escaped field), and building is one pass over the answer, each
 * field escaped once however often the site repeats it.
 */
import { NULL_VALUE } from '../client/properties.js';
import { UsageError } from '../util/errors.js';
import type { Account } from './accounts.js';
import { globMatches } from './glob.js';
import type { Profile } from './profile-section.js';
import type { Site } from './site.js';

import { escapeProperty, type ValuePart } from './property-lines.js';

export { escapeProperty };

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
 * The longest form field answered. Jitsi's longest values are paths (`${home.location}`: Linux's
 * PATH_MAX is 4096) and environment variables; a uuid is 36, a MAC 17, a host name at most 253.
 */
export const FIELD_LIMIT = 4096;

/**
 * The largest answer sent. A whole Jitsi configuration with accounts and lockdown keys is some tens
 * of KiB; a client that makes its answer grow past this (a long field repeated by the site) is refused.
 */
export const ANSWER_LIMIT_BYTES = 256 * 1024;

/** Whether `profile` applies to a client that posted `form` and has `account` (undefined: none). */
export function profileMatches(profile: Profile, form: Form, account?: Account): boolean {
  if (profile.account !== undefined && (profile.account === 'present') !== (account !== undefined)) return false;
  return profile.match.every((m) => globMatches(m.pattern, form.get(m.field) ?? ''));
}

/** A request refused for what its form fields hold; `fields` names them (none: the form as a whole). */
export class RefusedFormError extends UsageError {
  constructor(
    message: string,
    hint: string,
    code: 'hostile-field' | 'oversize-request',
    readonly fields: readonly string[] = [],
  ) {
    super(message, hint, code);
  }
}

/** A client's field made a whole value `${null}`: the client would then delete that property tree. */
export class HostileFieldError extends RefusedFormError {
  override name = 'HostileFieldError';
  constructor(message: string, hint: string, fields: readonly string[] = []) {
    super(message, hint, 'hostile-field', fields);
  }
}

/** A request that would cost more than its bounds: a field over FIELD_LIMIT or an answer over ANSWER_LIMIT_BYTES. */
export class OversizeRequestError extends RefusedFormError {
  override name = 'OversizeRequestError';
  constructor(message: string, hint: string, fields: readonly string[] = []) {
    super(message, hint, 'oversize-request', fields);
  }
}

/** Refuses a form with a field longer than FIELD_LIMIT, naming the field. */
export function checkFieldLengths(form: Form): void {
  for (const [name, value] of form) {
    if (value.length > FIELD_LIMIT) {
      throw new OversizeRequestError(
        `the form field "${name}" has ${value.length} characters; at most ${FIELD_LIMIT} are answered`,
        'no Jitsi client posts such a value: the request is refused',
        [name],
      );
    }
  }
}

type FieldPart = Exclude<ValuePart, { text: string }>;

/**
 * Each posted field and account field escaped at most once per request, both ways (beginning a
 * value, or inside one). An account field is read from the account only: a client cannot post it.
 */
class EscapedFields {
  private readonly cache = new Map<string, { start?: string; inside?: string }>();

  constructor(
    private readonly form: Form,
    private readonly account: Account | undefined,
  ) {}

  value(part: FieldPart): string {
    return ('account' in part ? this.account?.get(part.account) : this.form.get(part.field)) ?? '';
  }

  get(part: FieldPart, atStart: boolean): string {
    // form field names come from the template and hold no NUL
    const key = 'account' in part ? `\0${part.account}` : part.field;
    let entry = this.cache.get(key);
    if (!entry) this.cache.set(key, (entry = {}));
    const value = this.value(part);
    if (atStart) return (entry.start ??= escapeProperty(value, false, true));
    return (entry.inside ??= escapeProperty(value, false, false));
  }
}

/** The answer for a client that posted `form` and has `account` (undefined: none, or no [accounts]). */
export function buildAnswer(site: Pick<Site, 'profiles'>, form: Form, account?: Account): Answer {
  const profiles = site.profiles.filter((p) => profileMatches(p, form, account));
  const fields = new EscapedFields(form, account);
  const out: string[] = [];
  let bytes = 0;
  const add = (piece: string) => {
    bytes += piece.length;
    if (bytes > ANSWER_LIMIT_BYTES) {
      throw new OversizeRequestError(
        `the answer would be over ${ANSWER_LIMIT_BYTES / 1024} KiB with the posted fields`,
        'the request is refused; the fields the site repeats are too long',
      );
    }
    out.push(piece);
  };
  for (const profile of profiles) {
    for (const line of profile.compiled) {
      if (line.line !== undefined) {
        add(line.line);
        continue;
      }
      add(line.escapedKey);
      add('=');
      // the raw value matters only while it could still be exactly `${null}`
      let rawLength = 0;
      let raw = '';
      for (const part of line.parts) {
        const text = 'text' in part ? part.text : fields.value(part);
        if ('text' in part) add(rawLength === 0 ? part.atStart : part.inside);
        else add(fields.get(part, rawLength === 0));
        rawLength += text.length;
        if (rawLength <= NULL_VALUE.length) raw += text;
      }
      if (rawLength === NULL_VALUE.length && raw === NULL_VALUE) {
        const fieldsUsed = line.parts.flatMap((part) => ('field' in part ? [part.field] : []));
        throw new HostileFieldError(
          `a posted field turns ${line.key} (profile ${profile.name}) into ${NULL_VALUE}, which would delete it on the client`,
          'the request is refused',
          fieldsUsed,
        );
      }
      add('\n');
    }
  }
  const text = out.join('');
  return { profiles: profiles.map((p) => p.name), text, body: Buffer.from(text, 'latin1') };
}
