/**
 * The configuration keys a Jitsi Desktop client reads, as `scripts/jitsi-catalog.ts` extracted them
 * from its source into `jitsi/catalog.json` (packed with provdisc), and the questions the lints ask of
 * them: is this key read, what is the nearest one that is, is this an account block's key.
 */
import { readFileSync } from 'node:fs';

/** A key (or a family's prefix), its default when known, and where the client reads it (`repo/path:line`). */
export interface CatalogEntry {
  readonly key: string;
  readonly default?: string | undefined;
  readonly readAt: readonly string[];
}

export interface JitsiCatalog {
  /** The repositories and commits the catalog was extracted from. */
  readonly sources: readonly { repository: string; commit: string }[];
  /** The SHA-256 of the extractor's own source files, for the test that the catalog is current. */
  readonly generator: string;
  /** A key under one of these that the catalog does not hold is unknown to the client. */
  readonly namespaces: readonly string[];
  readonly keys: readonly CatalogEntry[];
  /** Prefixes under which the client reads keys it only knows at run time: every key under one is read. */
  readonly families: readonly CatalogEntry[];
  /** The protocol packages whose `<package>.accN` blocks are accounts. */
  readonly accountPackages: readonly CatalogEntry[];
  /** The keys of an account block (`<package>.accN.KEY`). */
  readonly accountKeys: readonly CatalogEntry[];
  /** Prefixes of per-account keys only known at run time. */
  readonly accountFamilies: readonly CatalogEntry[];
}

/** An account block's key: `<package>.<node>.<property>`. */
export interface AccountKey {
  readonly package: string;
  readonly node: string;
  readonly property: string;
}

/** Where the catalog is, from dist/<room>/, src/<room>/ and the bundle in dist/cli/ alike. */
const CATALOG_URL = new URL('../../jitsi/catalog.json', import.meta.url);

let loaded: KeyCatalog | undefined;

/** The packed catalog, read once, on first use (only `provision` and `serve --check` need it). */
export function jitsiCatalog(): KeyCatalog {
  loaded ??= new KeyCatalog(JSON.parse(readFileSync(CATALOG_URL, 'utf8')) as JitsiCatalog);
  return loaded;
}

/** Levenshtein distance, stopping early once over `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length] ?? limit + 1;
}

/** The closest of `candidates` to `word` within a third of its length (a typo, not another key). */
function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase(), Math.min(limit, bestDistance));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

export class KeyCatalog {
  private readonly keys: ReadonlyMap<string, CatalogEntry>;
  private readonly accountKeys: ReadonlySet<string>;
  /** Account packages, longest first, so that a package nested in another is matched first. */
  private readonly packages: readonly string[];

  constructor(readonly data: JitsiCatalog) {
    this.keys = new Map(data.keys.map((e) => [e.key, e]));
    this.accountKeys = new Set(data.accountKeys.map((e) => e.key));
    this.packages = data.accountPackages.map((e) => e.key).sort((a, b) => b.length - a.length);
  }

  entry(key: string): CatalogEntry | undefined {
    return this.keys.get(key);
  }

  /** Under a namespace the catalog covers (outside them, keys belong to other libraries: never unknown). */
  covers(key: string): boolean {
    return this.data.namespaces.some((n) => key.startsWith(n));
  }

  /** The account block a key belongs to, if it is under an account package with an `acc…` node. */
  accountKey(key: string): AccountKey | undefined {
    for (const pkg of this.packages) {
      if (!key.startsWith(`${pkg}.`)) continue;
      const rest = key.slice(pkg.length + 1);
      const dot = rest.indexOf('.');
      if (dot <= 0 || !rest.startsWith('acc')) return undefined;
      return { package: pkg, node: rest.slice(0, dot), property: rest.slice(dot + 1) };
    }
    return undefined;
  }

  /** The account (`<package>.accN`) a key belongs to: one of its keys, or its parent key. */
  accountOf(key: string): string | undefined {
    const account = this.accountKey(key);
    if (account !== undefined) return `${account.package}.${account.node}`;
    return this.packages.some((p) => key.startsWith(`${p}.acc`) && !key.slice(p.length + 1).includes('.')) ? key : undefined;
  }

  /** Whether the client reads this key: listed, in a family, a window's place, or a known account property. */
  isKnown(key: string): boolean {
    if (this.keys.has(key) || this.data.families.some((f) => key.startsWith(f.key))) return true;
    const account = this.accountKey(key);
    if (account !== undefined) return this.isKnownAccountProperty(account.property);
    // an account's parent key `<package>.accN=accN`
    return this.accountOf(key) !== undefined;
  }

  private isKnownAccountProperty(property: string): boolean {
    // `X.PASSWORD` under an account is a password the credential store keeps (e.g. a proxy's)
    if (this.accountKeys.has(property) || property.endsWith('.PASSWORD') || property.endsWith('.ENCRYPTED_PASSWORD')) return true;
    // a known key's sub-keys: ENCRYPTION_PROTOCOL.ZRTP, ENCRYPTION_PROTOCOL_STATUS.SDES
    const dot = property.indexOf('.');
    if (dot > 0 && this.accountKeys.has(property.slice(0, dot))) return true;
    return this.data.accountFamilies.some((f) => property.startsWith(f.key));
  }

  /** The known key nearest to an unknown one ("did you mean"): account properties among account properties. */
  suggest(key: string): string | undefined {
    const account = this.accountKey(key);
    if (account !== undefined) {
      const property = nearest(account.property, this.accountKeys);
      return property === undefined ? undefined : `${account.package}.${account.node}.${property}`;
    }
    const dot = key.lastIndexOf('.');
    // the same parent first: a misspelt last segment is the usual typo
    const siblings = [...this.keys.keys()].filter((k) => k.lastIndexOf('.') === dot && k.slice(0, dot) === key.slice(0, dot));
    return nearest(key, siblings) ?? nearest(key, this.keys.keys());
  }
}
