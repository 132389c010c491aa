/**
 * The `[profile NAME]` sections of a site: each a properties file and the form fields (and account)
 * a client must post to get it. Every `${…}` the file uses is checked against what the site can fill
 * in, and the file escaped once, here, so that an answer only joins what is ready.
 */
import path from 'node:path';
import { asString, isSection, where } from '../config/config-file.js';
import { parseProperties, type PropertyLine } from '../client/properties.js';
import type { WarningSink } from '../util/errors.js';
import type { Accounts } from './accounts.js';
import { ANSWER_LIMIT_BYTES } from './answer.js';
import { ACCOUNT_PREFIX, compileLines, FIELD_REFERENCE, staticBytes, type CompiledLine } from './property-lines.js';
import { readBytes, siteError } from './site-values.js';

export const PROFILE_PREFIX = 'profile ';
const MATCH_PREFIX = 'match.';

/** One `match.FIELD = pattern`; `*` matches any run of characters (none included). */
export interface FieldMatch {
  readonly field: string;
  readonly pattern: string;
}

export interface Profile {
  readonly name: string;
  /** Every one must hold; none: every client. */
  readonly match: readonly FieldMatch[];
  /** `match.account`: only clients with (or without) an account; undefined: either. */
  readonly account: 'present' | 'absent' | undefined;
  readonly file: string;
  /** The file's properties in file order, escapes decoded. */
  readonly lines: readonly PropertyLine[];
  /** The same, written as the answer writes them (escaped once, at load). */
  readonly compiled: readonly CompiledLine[];
  /** Bytes of the profile's own text in an answer (every field empty). */
  readonly bytes: number;
}

/** What a profile's checks need from the rest of the site. */
export interface ProfileContext {
  readonly file: string;
  readonly dir: string;
  readonly fields: readonly string[];
  /** The form field carrying ${hwaddr}, which Jitsi sends in lower case. */
  readonly hwaddrField: string | undefined;
  readonly accounts: Accounts | undefined;
  readonly warn: WarningSink;
}

/** UTF-8 when the bytes are UTF-8 (what editors write today), else ISO-8859-1 (what Java writes). */
function decodePropertiesFile(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return bytes.toString('latin1');
  }
}

/** Why `${ref}` in a properties file can never be filled in, or undefined. */
function referenceProblem(ref: string, { fields, accounts }: ProfileContext): { message: string; hint: string } | undefined {
  if (ref === 'null') return undefined;
  if (ref.startsWith(ACCOUNT_PREFIX)) {
    const field = ref.slice(ACCOUNT_PREFIX.length);
    if (!accounts)
      return {
        message: `uses \${${ref}}, but the site has no [accounts] section`,
        hint: 'add [accounts] with source = accounts.csv (or ldap://…), or remove the reference',
      };
    if (accounts.fields.includes(field)) return undefined;
    const from = accounts.source.kind === 'csv' ? `the accounts file has no column "${field}"` : `[accounts] maps no "${field}" (map.${field} = attribute)`;
    return { message: `uses \${${ref}}, but ${from}`, hint: `use one of \${${ACCOUNT_PREFIX}${accounts.fields.join(`}, \${${ACCOUNT_PREFIX}`) || '…'}}` };
  }
  if (fields.includes(ref)) return undefined;
  return {
    message: `uses \${${ref}}, but the template posts no field "${ref}"`,
    hint: `use one of \${${fields.join('}, ${')}} (form field names), or add ${ref}=\${…} to the template`,
  };
}

function readProfile(name: string, values: Record<string, unknown>, ctx: ProfileContext): Profile {
  const { file, dir, fields, hwaddrField, warn } = ctx;
  const section = `${PROFILE_PREFIX}${name}`;
  const match: FieldMatch[] = [];
  let account: Profile['account'];
  let propertiesFile: string | undefined;
  for (const [key, raw] of Object.entries(values)) {
    const p = { file, section, key };
    if (isSection(raw))
      throw siteError(p, 'a key or profile name holds a dot, which ini reads as a sub-section', `name the profile without dots, e.g. [profile ${name}-${key}]`);
    if (key === 'properties') {
      propertiesFile = path.resolve(dir, asString(raw, p));
    } else if (key === `${MATCH_PREFIX}account`) {
      const value = asString(raw, p);
      if (!ctx.accounts) throw siteError(p, 'needs an [accounts] section', 'add [accounts] with source = accounts.csv (or ldap://…)');
      if (value !== 'present' && value !== 'absent')
        throw siteError(p, `"${value}" is not present or absent`, 'write match.account = present (clients with an account) or absent (without)');
      account = value;
    } else if (key.startsWith(MATCH_PREFIX) && key.length > MATCH_PREFIX.length) {
      const field = key.slice(MATCH_PREFIX.length);
      if (!fields.includes(field)) {
        throw siteError(
          p,
          `the template posts no field "${field}"`,
          `match one of the template's fields: ${fields.join(', ') || '(none: add fields to the template)'}`,
        );
      }
      const pattern = raw === true ? '' : asString(raw, p);
      if (field === hwaddrField && /[A-F]/.test(pattern)) {
        warn(
          `${where(p)}: "${pattern}" has upper-case letters, but Jitsi sends the MAC address in lower case: it never matches; write ${pattern.toLowerCase()}`,
        );
      }
      match.push({ field, pattern });
    } else {
      throw siteError(p, 'is not a profile setting', 'use properties = FILE and match.FIELD = VALUE (`*` matches anything)');
    }
  }
  const p = { file, section, key: 'properties' };
  if (propertiesFile === undefined) throw siteError(p, 'is missing', 'give the profile its .properties file: properties = linux.properties');
  const lines = parseProperties(decodePropertiesFile(readBytes(propertiesFile, p, 'the properties file')));
  for (const line of lines) {
    for (const [, ref] of line.value.matchAll(FIELD_REFERENCE)) {
      const problem = referenceProblem(ref ?? '', ctx);
      if (problem) throw siteError(p, `${path.basename(propertiesFile)} line ${line.line} ${problem.message}`, problem.hint);
    }
  }
  const compiled = compileLines(lines);
  const bytes = staticBytes(compiled);
  if (bytes > ANSWER_LIMIT_BYTES) {
    throw siteError(
      p,
      `${path.basename(propertiesFile)} makes an answer of ${bytes} bytes; answers over ${ANSWER_LIMIT_BYTES / 1024} KiB are refused`,
      'split it, or move what not every client needs into profiles of its own',
    );
  }
  return { name, match, account, file: propertiesFile, lines, compiled, bytes };
}

/** Every `[profile NAME]` of the parsed site file, in file order. */
export function readProfiles(parsed: Record<string, unknown>, ctx: ProfileContext): Profile[] {
  const { file, warn } = ctx;
  const profiles = Object.entries(parsed)
    .filter(([key]) => key.startsWith(PROFILE_PREFIX))
    .map(([key, values]) => readProfile(key.slice(PROFILE_PREFIX.length).trim(), values as Record<string, unknown>, ctx));
  if (profiles.length === 0) warn(`${file} has no [profile NAME] section: every client gets an empty answer`);
  const allBytes = profiles.reduce((n, p) => n + p.bytes, 0);
  if (allBytes > ANSWER_LIMIT_BYTES) {
    warn(
      `${file}: a client matching every profile would get ${allBytes} bytes, over the ${ANSWER_LIMIT_BYTES / 1024} KiB answers are limited to (it is refused with 413); make the largest profiles exclusive of each other`,
    );
  }
  return profiles;
}
