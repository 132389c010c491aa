/**
 * The provisioning server's answer and what the Jitsi client makes of it. The answer is a Java
 * .properties file that the client loads into an insertion-ordered map (a repeated key keeps its first
 * place and takes its last value) and applies entry by entry (ProvisioningServiceImpl):
 * - an empty key is skipped;
 * - `provisioning.ALLOW_PREFIX=a|b` adds prefixes: from there on, only keys starting with one are used;
 * - `provisioning.ENFORCE_PREFIX=a|b` removes, at that point, every configuration key starting with none;
 * - a `${null}` value removes the key and every key under it;
 * - `X.PASSWORD` goes to the credential store, encrypted, as `X.ENCRYPTED_PASSWORD` (encrypted-password.ts);
 * - `${system}.NAME` sets a Java system property instead of a configuration key;
 * - anything else is set.
 * Removal follows Jitsi's ConfigurationService: the keys "under" K are those whose part before their
 * last `.` starts with K, as plain text (so `a.b` also takes `a.bc.d`).
 */
import type * as DotProperties from 'dot-properties';
import type { Node, Pair } from 'dot-properties';
import { requireCjs } from '../util/cjs.js';
import { PASSWORD_MASK } from './placeholders.js';
import { encryptJitsiPassword } from './encrypted-password.js';

export const ALLOW_PREFIX = 'provisioning.ALLOW_PREFIX';
export const ENFORCE_PREFIX = 'provisioning.ENFORCE_PREFIX';
export const NULL_VALUE = '${null}';
export const SYSTEM_PREFIX = '${system}.';
/** Where the client keeps its UUID and the provisioning URL it used. */
export const UUID_PROPERTY = 'net.java.sip.communicator.UUID';
export const PROVISIONING_URL_PROPERTY = 'net.java.sip.communicator.plugin.provisioning.URL';
/** The language chosen in the client's settings (older and newer Jitsi). */
export const LOCALE_PROPERTIES = ['resources.DefaultLocale', 'net.java.sip.communicator.service.resources.DefaultLocale'];

/** Only `provision` reads .properties: the parser is loaded on first use. */
function dotProperties(): typeof DotProperties {
  return requireCjs('dot-properties') as typeof DotProperties;
}

/** One `key=value` of a .properties text, escapes decoded, with its (first) line number. */
export interface PropertyLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Java's Properties.load(InputStream) reads bytes as ISO-8859-1, whatever the server says. */
export function decodeAnswer(body: Buffer): string {
  return body.toString('latin1');
}

/** Every pair of a .properties text in order, repeats kept (full Java syntax, by dot-properties). */
export function parseProperties(text: string): PropertyLine[] {
  const nodes = dotProperties().parseLines(text, true) as Required<Node>[];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return nodes.filter((n): n is Required<Pair> => n.type === 'PAIR').map((p) => ({ key: p.key, value: p.value, line: lineOf(p.range[0]) }));
}

/** A configuration: key → value, in the order keys first appeared. */
export type Configuration = Map<string, string>;

/** Loads a .properties text the way Java does: a repeated key keeps its first place and its last value. */
export function toConfiguration(lines: readonly PropertyLine[]): Configuration {
  const config: Configuration = new Map();
  for (const l of lines) config.set(l.key, l.value);
  return config;
}

/** Java's String.split("\\|"): trailing empty strings dropped, but `""` gives `[""]`. */
export function splitPrefixes(value: string): string[] {
  if (value === '') return [''];
  const parts = value.split('|');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Keys Jitsi's removeProperty(key) takes away: the key, and those whose part before the last `.` starts with it. */
function removeWithChildren(config: Configuration, key: string): string[] {
  const removed: string[] = [];
  for (const k of [...config.keys()]) {
    const dot = k.lastIndexOf('.');
    if (k === key || (dot >= 0 && k.slice(0, dot).startsWith(key))) {
      config.delete(k);
      removed.push(k);
    }
  }
  return removed;
}

export type StepAction =
  | 'set'
  | 'removed'
  | 'password'
  | 'system'
  | 'allow-prefix'
  | 'enforce-prefix'
  | 'not-allowed'
  | 'empty-key';

/** What the client did with one entry of the answer. */
export interface Step {
  readonly line: number;
  readonly key: string;
  readonly value: string;
  readonly action: StepAction;
  /** Configuration keys this entry removed (`${null}`, ENFORCE_PREFIX). */
  readonly removed: readonly string[];
  /** For `password`: the key the encrypted value goes to. */
  readonly storedAs?: string | undefined;
}

export interface Application {
  readonly before: Configuration;
  readonly after: Configuration;
  /** `${system}.NAME=value` entries: Java system properties, not stored in the configuration. */
  readonly system: Configuration;
  readonly steps: readonly Step[];
  /** Keys the answer gives more than once: applied once, at the first place, with the last value. */
  readonly duplicates: readonly { key: string; lines: number[] }[];
}

export interface ApplyOptions {
  /** How the client's credential store encrypts a password; default: no master password set. */
  readonly encryptPassword?: ((password: string) => string) | undefined;
}

/** Applies an answer to a starting configuration exactly in the client's order. */
export function applyAnswer(start: ReadonlyMap<string, string>, answer: readonly PropertyLine[], options: ApplyOptions = {}): Application {
  const encrypt = options.encryptPassword ?? ((password: string) => encryptJitsiPassword(password));
  const firstLine = new Map<string, number[]>();
  for (const l of answer) firstLine.set(l.key, [...(firstLine.get(l.key) ?? []), l.line]);
  const entries = [...toConfiguration(answer)].map(([key, value]) => ({ key, value, line: firstLine.get(key)?.[0] ?? 0 }));
  const duplicates = [...firstLine].filter(([, lines]) => lines.length > 1).map(([key, lines]) => ({ key, lines }));

  const config: Configuration = new Map(start);
  const system: Configuration = new Map();
  const allowed: string[] = [];
  const steps: Step[] = [];
  for (const { key, value, line } of entries) {
    const step = (action: StepAction, removed: string[] = [], storedAs?: string) => steps.push({ line, key, value, action, removed, storedAs });
    if (key.trim() === '') {
      step('empty-key');
    } else if (key === ALLOW_PREFIX) {
      allowed.push(...splitPrefixes(value));
      step('allow-prefix');
    } else if (key === ENFORCE_PREFIX) {
      const prefixes = splitPrefixes(value);
      const removed = [...config.keys()]
        .filter((k) => !prefixes.some((p) => k.startsWith(p)))
        .flatMap((k) => (config.has(k) ? removeWithChildren(config, k) : []));
      step('enforce-prefix', removed);
    } else if (allowed.length > 0 && !allowed.some((p) => key.startsWith(p))) {
      step('not-allowed');
    } else if (value === NULL_VALUE) {
      step('removed', removeWithChildren(config, key));
    } else if (key.endsWith('.PASSWORD')) {
      const storedAs = `${key.slice(0, key.lastIndexOf('.'))}.ENCRYPTED_PASSWORD`;
      config.set(storedAs, encrypt(value));
      step('password', [], storedAs);
    } else if (key.startsWith(SYSTEM_PREFIX)) {
      system.set(key.slice(SYSTEM_PREFIX.length), value);
      step('system');
    } else {
      config.set(key, value);
      step('set');
    }
  }
  return { before: new Map(start), after: config, system, steps, duplicates };
}

/** What the client stores before applying the answer: the URL it used, and its UUID if it had none. */
export function withClientState(config: ReadonlyMap<string, string>, state: { template: string; uuid: string }): Configuration {
  const next: Configuration = new Map(config);
  if (!next.get(UUID_PROPERTY)) next.set(UUID_PROPERTY, state.uuid);
  next.set(PROVISIONING_URL_PROPERTY, state.template);
  return next;
}

/**
 * A clear password. `ENCRYPTED_PASSWORD` is shown: it is what the client's own file holds (and with no
 * master password set, anyone can decrypt it, as anyone can read that file).
 */
export function isSecretKey(key: string): boolean {
  return /PASSWORD$/i.test(key) && !/ENCRYPTED_PASSWORD$/i.test(key);
}

export function maskValue(key: string, value: string): string {
  return isSecretKey(key) && value !== '' ? PASSWORD_MASK : value;
}

export interface DiffEntry {
  readonly key: string;
  readonly change: 'added' | 'changed' | 'removed';
  readonly before?: string | undefined;
  readonly after?: string | undefined;
}

/** Added and changed keys in the new order, then removed ones in the old order. */
export function diffConfigurations(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): DiffEntry[] {
  const diff: DiffEntry[] = [];
  for (const [key, value] of after) {
    const old = before.get(key);
    if (old === undefined) diff.push({ key, change: 'added', after: value });
    else if (old !== value) diff.push({ key, change: 'changed', before: old, after: value });
  }
  for (const [key, value] of before) if (!after.has(key)) diff.push({ key, change: 'removed', before: value });
  return diff;
}

/** A .properties text Java reads back (`key=value`, non-Latin-1 characters as \uXXXX). */
export function formatProperties(config: ReadonlyMap<string, string>, mask = false): string {
  if (config.size === 0) return '';
  return `${dotProperties().stringify([...config].map(([k, v]) => [k, mask ? maskValue(k, v) : v]), { keySep: '=', lineWidth: null })}\n`;
}

export type LintLevel = 'error' | 'warning' | 'info';

export interface Lint {
  readonly level: LintLevel;
  readonly code: string;
  readonly message: string;
  readonly line?: number | undefined;
}

/** How the answer travelled, for the lints that depend on it. */
export interface Transport {
  readonly contentType?: string | undefined;
  /** A password field went to an http:// URL. */
  readonly passwordSentInClear?: boolean | undefined;
  /** The answer came over http://. */
  readonly answerInClear?: boolean | undefined;
}

const ACCOUNT_KEY = /^net\.java\.sip\.communicator\.impl\.protocol\.[^.]+\.([^.]+)\.[^.]/;
const CLIENT_KEYS = new Set([UUID_PROPERTY, PROVISIONING_URL_PROPERTY]);

function looksLikeMarkup(text: string): string | undefined {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (/^<(!doctype\s+html|html|head|body|\?xml)\b/i.test(start) || /<\/(html|body|p|div|h1)>/i.test(text)) return 'HTML or XML';
  if (/^[{[]/.test(start)) {
    try {
      JSON.parse(start);
      return 'JSON';
    } catch {
      // a properties file can start with `{` as a key
    }
  }
  return undefined;
}

/** Finds what would go wrong, or surprise an administrator, when a client applies this answer. */
export function lintAnswer(text: string, application: Application, transport: Transport = {}): Lint[] {
  const lints: Lint[] = [];
  const add = (level: LintLevel, code: string, message: string, line?: number) => lints.push({ level, code, message, line });
  const { steps } = application;

  const contentType = transport.contentType?.split(';')[0]?.trim().toLowerCase();
  const markup = looksLikeMarkup(text);
  if (markup || (contentType && /^(text\/html|application\/(json|xml|xhtml\+xml))$/.test(contentType))) {
    add(
      'error',
      'not-properties',
      `the answer is ${markup ?? contentType}, not a .properties file (an error page?); the client would load its lines as keys (${steps.length} of them)`,
    );
  }
  if (steps.length === 0) add('warning', 'empty-answer', 'the answer holds no property: the client changes nothing');
  if (/[^\x00-\x7F]/.test(text)) {
    add('warning', 'not-ascii', 'the answer holds non-ASCII bytes: Jitsi reads it as ISO-8859-1, so UTF-8 text arrives garbled; write such characters as \\uXXXX');
  }
  for (const d of application.duplicates) {
    add('warning', 'duplicate-key', `${d.key} is given ${d.lines.length} times (lines ${d.lines.join(', ')}): the client applies only the last value, at line ${d.lines[0]}`, d.lines[0]);
  }

  const provisioned = new Set<string>();
  let lastEnforce: Step | undefined;
  for (const s of steps) {
    switch (s.action) {
      case 'empty-key':
        add('info', 'empty-key', 'an entry with an empty key is skipped', s.line);
        break;
      case 'allow-prefix':
      case 'enforce-prefix': {
        if (splitPrefixes(s.value).includes('')) {
          add('warning', 'empty-prefix', `${s.key}="${s.value}" holds an empty prefix, which matches every key: it ${s.action === 'allow-prefix' ? 'allows' : 'keeps'} everything`, s.line);
        }
        if (s.action === 'enforce-prefix') {
          lastEnforce = s;
          const user = s.removed.filter((k) => !provisioned.has(k) && !CLIENT_KEYS.has(k));
          const own = s.removed.filter((k) => CLIENT_KEYS.has(k));
          const mine = s.removed.filter((k) => provisioned.has(k));
          if (user.length > 0) add('warning', 'enforce-removes-user-settings', `ENFORCE_PREFIX removes ${user.length} of the client's own settings: ${user.join(', ')}`, s.line);
          if (own.length > 0) {
            add('warning', 'enforce-removes-client-state', `ENFORCE_PREFIX removes ${own.join(' and ')}: the client ${own.includes(UUID_PROPERTY) ? 'makes a new UUID at its next start' : 'forgets the provisioning URL'}; add net.java.sip.communicator to the prefixes`, s.line);
          }
          if (mine.length > 0) add('warning', 'enforce-removes-provisioned', `ENFORCE_PREFIX removes ${mine.join(', ')}, which this answer set earlier`, s.line);
        }
        break;
      }
      case 'not-allowed':
        add('warning', 'not-allowed', `${s.key} is dropped: it starts with none of the ALLOW_PREFIX prefixes given before it`, s.line);
        break;
      case 'password':
        add('info', 'password-encrypted', `${s.key} is stored encrypted as ${s.storedAs}, with the client's master password (a single space until its user sets one)`, s.line);
        provisioned.add(s.storedAs ?? '');
        break;
      case 'system':
        add('info', 'system-property', `${s.key} sets the Java system property ${s.key.slice(SYSTEM_PREFIX.length)}, not a configuration key`, s.line);
        break;
      case 'set':
        provisioned.add(s.key);
        break;
      case 'removed':
        for (const k of s.removed) provisioned.delete(k);
        break;
    }
    const account = ACCOUNT_KEY.exec(s.key);
    if (account && !account[1]?.startsWith('acc') && (s.action === 'set' || s.action === 'password')) {
      add('warning', 'account-without-acc', `${s.key}: account properties need an account segment starting with "acc" (here "${account[1]}"), or the client ignores the account`, s.line);
    }
  }
  if (lastEnforce) {
    const later = steps.filter((s) => s.line > lastEnforce!.line && (s.action === 'set' || s.action === 'password'));
    if (later.length > 0) {
      add('info', 'after-enforce', `${later.length} key(s) after ENFORCE_PREFIX (line ${lastEnforce.line}) are not checked by it: ${later.map((s) => s.key).join(', ')}`);
    }
  }
  if (transport.passwordSentInClear) add('warning', 'password-over-http', 'the password field was sent over http: anyone on the path can read it; use https');
  if (transport.answerInClear && steps.some((s) => s.action === 'password')) {
    add('warning', 'password-over-http', 'the answer carries account passwords over http: anyone on the path can read them; use https');
  }
  return lints;
}
