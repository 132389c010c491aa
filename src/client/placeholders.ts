/**
 * The placeholders of a provisioning URI template, as the Jitsi client knows them: every `${…}` it
 * knows is replaced in the whole URL before the URL is cut into the form (post-form.ts); the values
 * this machine gives are gathered in expansion.ts.
 */
import { setting, UsageError } from '../util/errors.js';

// server/site-template.ts and `serve` take these from here
export { buildRequest, PASSWORD_MASK } from './post-form.js';

/** Placeholders the client fills from its own state, besides `system.*` and `env.*`. */
export const CLIENT_PLACEHOLDERS = [
  'uuid',
  'osname',
  'arch',
  'build',
  'locale',
  'ipaddr',
  'hostname',
  'hwaddr',
  'resx',
  'resy',
  'home.location',
  'home.name',
] as const;

export type ClientPlaceholder = (typeof CLIENT_PLACEHOLDERS)[number];

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export type PlaceholderKind = 'client' | 'system' | 'env' | 'credential' | 'unknown';

export function kindOf(name: string): PlaceholderKind {
  if ((CLIENT_PLACEHOLDERS as readonly string[]).includes(name)) return 'client';
  if (name === 'username' || name === 'password') return 'credential';
  if (name.startsWith('system.') && name.length > 'system.'.length) return 'system';
  if (name.startsWith('env.') && name.length > 'env.'.length) return 'env';
  return 'unknown';
}

/** Every `${name}` in `text`, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

/**
 * Replaces each `${name}` that has a value, in one pass (a value holding `${…}` stays as it is);
 * placeholders without a value stay in the text, as the client leaves them.
 */
export function substitute(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/** Checks one override `name=value` (the `overrides` setting, as text) and splits it. */
export function parseAssignment(text: string): [string, string] {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq).replace(/^\$\{(.*)\}$/, '$1');
  if (eq < 0 || name === '') {
    throw new UsageError(
      `${setting('overrides')} "${text}" is not name=value`,
      `write it as ${setting('overrides')} osname=Windows 11 (the placeholder name without \${})`,
      'invalid-setting',
    );
  }
  const kind = kindOf(name);
  if (kind === 'credential') {
    throw new UsageError(
      `${setting('overrides')} cannot give ${name}`,
      name === 'username' ? `use ${setting('username')}` : `use ${setting('readPassword')} (a password on the command line is visible to other users)`,
      'invalid-setting',
    );
  }
  if (kind === 'unknown') {
    throw new UsageError(
      `${setting('overrides')} "${name}": the Jitsi client has no placeholder \${${name}}`,
      `use one of ${CLIENT_PLACEHOLDERS.join(', ')}, system.NAME or env.NAME`,
      'invalid-setting',
    );
  }
  return [name, text.slice(eq + 1)];
}
