/**
 * What the Jitsi client makes of the provisioning answer. It applies the loaded answer entry by
 * entry (ProvisioningServiceImpl):
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
import { encryptJitsiPassword } from './encrypted-password.js';
import { toConfiguration, type Configuration, type PropertyLine } from './properties-file.js';

export const ALLOW_PREFIX = 'provisioning.ALLOW_PREFIX';
export const ENFORCE_PREFIX = 'provisioning.ENFORCE_PREFIX';
export const NULL_VALUE = '${null}';
export const SYSTEM_PREFIX = '${system}.';
/** Where the client keeps its UUID and the provisioning URL it used. */
export const UUID_PROPERTY = 'net.java.sip.communicator.UUID';
export const PROVISIONING_URL_PROPERTY = 'net.java.sip.communicator.plugin.provisioning.URL';
/** The language chosen in the client's settings (older and newer Jitsi). */
export const LOCALE_PROPERTIES = ['resources.DefaultLocale', 'net.java.sip.communicator.service.resources.DefaultLocale'];

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

export type StepAction = 'set' | 'removed' | 'password' | 'system' | 'allow-prefix' | 'enforce-prefix' | 'not-allowed' | 'empty-key';

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
