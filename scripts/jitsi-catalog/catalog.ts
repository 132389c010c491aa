/**
 * The catalog of configuration keys a Jitsi Desktop client reads, built from its source (and
 * libjitsi's, which reads keys of the same `net.java.sip.communicator.` namespace). Only key names,
 * defaults and where they are read go into it:
 * - keys: the first argument of every configuration read (getString, getBoolean, getInt, getLong,
 *   getDouble, getProperty — not System's) whose value is fixed, `"a" + "b"` and constants joined; the
 *   default is jitsi-defaults.properties' value, else the read's own default when every read agrees;
 * - families: where a read's key ends in something only known at run time (`PREFIX + name`), or a
 *   getPropertyNamesByPrefix, the fixed start: any key under it may be read;
 * - windows: `<class>.width|height|x|y` for every class extending SIPCommFrame or SIPCommDialog,
 *   which read their size and place under their own class name;
 * - accounts: the packages of the ProtocolProviderFactory classes (where `accN` blocks live) and the
 *   per-account keys: ProtocolProviderFactory's constants and every getAccountProperty* read;
 * - the keys of jitsi-defaults.properties.
 */
import type { CatalogEntry, JitsiCatalog } from '../../src/client/jitsi-catalog.js';
import { parseProperties } from '../../src/client/properties-file.js';
import { callsIn, enclosingParameter, JavaIndex, parseJavaFile, type Call, type JavaFile } from './java-source.js';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** One repository's files at one commit. */
export interface SourceTree {
  readonly repository: string;
  readonly commit: string;
  readonly files: readonly SourceFile[];
}

/** Where the client's own keys are. */
export const NAMESPACES = ['net.java.sip.communicator.', 'org.jitsi.'];
/**
 * Where a key missing from the catalog is unknown: not org.jitsi., where jitsi-utils, the SIP stack and
 * other libraries the client loads read keys of their own.
 */
export const COVERED = ['net.java.sip.communicator.'];
/** Where the defaults are, in jitsi/jitsi (lib/ holds a copy). */
export const DEFAULTS_FILE = 'resources/install/src/main/dist/config/jitsi-defaults.properties';
const CONFIG_READS = new Set(['getString', 'getBoolean', 'getInt', 'getLong', 'getDouble', 'getProperty']);
/** ConfigurationService's, and AccountID's of the same name (then the prefix is outside the namespaces). */
const FAMILY_READS = new Set(['getPropertyNamesByPrefix', 'getBooleanPropertiesByPrefix', 'getIntegerPropertiesByPrefix']);
const ACCOUNT_READS = new Set(['getAccountPropertyString', 'getAccountPropertyBoolean', 'getAccountPropertyInt', 'getAccountProperty']);
/** Receivers whose getters read Java system properties, not the configuration. */
const NOT_CONFIG = new Set(['System', 'Boolean', 'Integer', 'Long']);
const KEY_SHAPE = /^[A-Za-z_][\w-]*(\.[\w-]+)+$/;
const ACCOUNT_KEY_SHAPE = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;
const WINDOW_BASES = ['SIPCommFrame', 'SIPCommDialog'];
/** A family shallower than this (`net.java.sip.communicator.plugin.`) would hide every typo under it. */
const MIN_FAMILY_SEGMENTS = 6;

/** Collects entries by key: every place read, and the defaults seen. */
class Entries {
  private readonly map = new Map<string, { readAt: Set<string>; defaults: Set<string> }>();

  add(key: string, at: string, fallback?: string): void {
    const entry = this.map.get(key) ?? { readAt: new Set(), defaults: new Set() };
    entry.readAt.add(at);
    if (fallback !== undefined) entry.defaults.add(fallback);
    this.map.set(key, entry);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  list(defaults: ReadonlyMap<string, string> = new Map()): CatalogEntry[] {
    return [...this.map]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, e]) => {
        const fallback = defaults.get(key) ?? (e.defaults.size === 1 ? [...e.defaults][0] : undefined);
        return { key, ...(fallback !== undefined ? { default: fallback } : {}), readAt: [...e.readAt].sort() };
      });
  }
}

const inNamespace = (key: string): boolean => NAMESPACES.some((n) => key.startsWith(n) && key.length > n.length);

/** A literal default (`false`, `10`, `"UDP"`) or a fixed constant; undefined for anything computed. */
function literalDefault(index: JavaIndex, file: JavaFile, call: Call): string | undefined {
  const arg = call.args[1];
  if (arg === undefined) return undefined;
  const only = arg.length === 1 ? arg[0] : arg.length === 2 && arg[0]?.value === '-' ? arg[1] : undefined;
  if (only?.kind === 'word' && /^(true|false|\d+[LlDdFf]?|\d*\.\d+[DdFf]?)$/.test(only.value)) {
    return `${arg.length === 2 ? '-' : ''}${only.value.replace(/[LlDdFf]$/, '')}`;
  }
  return index.resolve(file, arg);
}

function isSystemRead(file: JavaFile, call: Call): boolean {
  const i = file.tokens.findIndex((t) => t.line === call.line && t.value === call.method);
  return i >= 2 && file.tokens[i - 1]?.value === '.' && NOT_CONFIG.has(file.tokens[i - 2]?.value ?? '');
}

/** The `.suffix` keys a window base class (SIPCommFrame, SIPCommDialog) reads under its subclass's name, and where. */
function windowSuffixes(base: JavaFile, where: (f: JavaFile, line: number) => string): Map<string, string[]> {
  const suffixes = new Map<string, string[]>();
  for (const call of callsIn(base, CONFIG_READS)) {
    const [first, plus, literal] = call.args[0] ?? [];
    if (call.args[0]?.length === 3 && first?.kind === 'word' && plus?.value === '+' && literal?.kind === 'string' && literal.value.startsWith('.')) {
      suffixes.set(literal.value, [...(suffixes.get(literal.value) ?? []), where(base, call.line)]);
    }
  }
  return suffixes;
}

interface Found {
  readonly keys: Entries;
  readonly families: Entries;
  readonly accountKeys: Entries;
  readonly accountFamilies: Entries;
  readonly accountPackages: Entries;
}

/**
 * A file's configuration reads: the calls of the reading methods, and the calls of its own helpers
 * that hand a `String` parameter on to one (`isButtonEnabled(HIDE_DIAL_BUTTON_PROP)`), read as the
 * helper's argument with the inner read's default.
 */
function readsIn(file: JavaFile): Call[] {
  const reads = callsIn(file, new Set([...CONFIG_READS, ...FAMILY_READS, ...ACCOUNT_READS]));
  const helpers = new Map<string, { index: number; inner: Call }>();
  for (const call of reads) {
    const [only, ...rest] = call.args[0] ?? [];
    if (only?.kind !== 'word' || rest.length > 0) continue;
    const helper = enclosingParameter(file, call.at, only.value);
    if (helper !== undefined && !helpers.has(helper.method)) helpers.set(helper.method, { index: helper.index, inner: call });
  }
  const viaHelpers = callsIn(file, new Set(helpers.keys())).flatMap((call) => {
    const helper = helpers.get(call.method);
    const arg = helper === undefined ? undefined : call.args[helper.index];
    return helper === undefined || arg === undefined ? [] : [{ ...call, method: helper.inner.method, args: [arg, ...helper.inner.args.slice(1)] }];
  });
  return [...reads, ...viaHelpers];
}

/** Every read of one tree's Java files (tests left out) into `found`. */
function scanJava(tree: SourceTree, found: Found): void {
  const files = tree.files.filter((f) => f.path.endsWith('.java') && !f.path.includes('/src/test/')).map((f) => parseJavaFile(f.path, f.text));
  const index = new JavaIndex(files);
  const where = (file: JavaFile, line: number) => `${tree.repository}/${file.path}:${line}`;
  for (const file of files) {
    for (const call of readsIn(file)) {
      const arg = call.args[0] ?? [];
      const at = where(file, call.line);
      const account = ACCOUNT_READS.has(call.method);
      const key = index.resolve(file, arg);
      if (key !== undefined && !FAMILY_READS.has(call.method)) {
        if (account) {
          if (ACCOUNT_KEY_SHAPE.test(key)) found.accountKeys.add(key, at, literalDefault(index, file, call));
        } else if (KEY_SHAPE.test(key) && !isSystemRead(file, call)) {
          found.keys.add(key, at, literalDefault(index, file, call));
        }
        continue;
      }
      const start = key ?? index.resolveStart(file, arg);
      if (start === undefined || isSystemRead(file, call)) continue;
      if (account || (FAMILY_READS.has(call.method) && /^[A-Z][\w.]*$/.test(start))) found.accountFamilies.add(start, at);
      else if (inNamespace(start) && start.split('.').length >= MIN_FAMILY_SEGMENTS) found.families.add(start, at);
    }
    if (index.extendsClass(file, 'ProtocolProviderFactory')) found.accountPackages.add(file.packageName, where(file, 1));
    if (file.className === 'ProtocolProviderFactory') {
      for (const [name, decl] of file.declarations) {
        const value = index.resolve(file, decl.value);
        if (value === undefined || !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(value) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
        // STUN_PREFIX, ENCODING_PROP_PREFIX: numbered or named keys follow (STUN1.ADDRESS, Encodings.G722/8000)
        (name.endsWith('_PREFIX') ? found.accountFamilies : found.accountKeys).add(value, where(file, decl.line));
      }
    }
  }
  for (const base of files.filter((f) => WINDOW_BASES.includes(f.className))) {
    const suffixes = windowSuffixes(base, where);
    for (const file of files.filter((f) => index.extendsClass(f, base.className))) {
      for (const [suffix, at] of suffixes) for (const a of at) found.keys.add(`${file.packageName}.${file.className}${suffix}`, a);
    }
  }
}

/** jitsi-defaults.properties: key → default (a leading `*` marks a default the user cannot change). */
function readDefaults(tree: SourceTree, found: Found): Map<string, string> {
  const defaults = new Map<string, string>();
  const file = tree.files.find((f) => f.path === DEFAULTS_FILE);
  if (file === undefined) throw new Error(`${tree.repository} has no ${DEFAULTS_FILE}`);
  for (const line of parseProperties(file.text)) {
    const key = line.key.replace(/^\*/, '');
    if (key.trim() === '') continue;
    defaults.set(key, line.value);
    found.keys.add(key, `${tree.repository}/${DEFAULTS_FILE}:${line.line}`);
  }
  return defaults;
}

/** The catalog of `jitsi` (jitsi/jitsi) and, when given, `libjitsi`; `generator` names the extractor's digest. */
export function buildCatalog(jitsi: SourceTree, libjitsi: SourceTree | undefined, generator: string): JitsiCatalog {
  const found: Found = {
    keys: new Entries(),
    families: new Entries(),
    accountKeys: new Entries(),
    accountFamilies: new Entries(),
    accountPackages: new Entries(),
  };
  const defaults = readDefaults(jitsi, found);
  for (const tree of [jitsi, ...(libjitsi ? [libjitsi] : [])]) scanJava(tree, found);
  // short keys (`impl.gui.…`) count only where the defaults give them: elsewhere they are i18n or resource names
  const keys = found.keys.list(defaults).filter((e) => inNamespace(e.key) || defaults.has(e.key));
  return {
    sources: [jitsi, ...(libjitsi ? [libjitsi] : [])].map((t) => ({ repository: t.repository, commit: t.commit })),
    generator,
    namespaces: COVERED,
    keys,
    families: found.families.list(),
    accountPackages: found.accountPackages.list().map((e) => ({ key: e.key, readAt: e.readAt })),
    accountKeys: found.accountKeys.list(),
    accountFamilies: found.accountFamilies.list().map((e) => ({ key: e.key, readAt: e.readAt })),
  };
}
