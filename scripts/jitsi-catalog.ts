/**
 * Makes jitsi/catalog.json, the configuration keys a Jitsi Desktop client reads, from a git copy of
 * jitsi/jitsi and (optional) one of jitsi/libjitsi, at their HEAD commits:
 *
 *   npx tsx scripts/jitsi-catalog.ts JITSI_GIT_DIR [LIBJITSI_GIT_DIR]          writes the catalog
 *   npx tsx scripts/jitsi-catalog.ts --check JITSI_GIT_DIR [LIBJITSI_GIT_DIR]  exit 1 if it differs
 *
 * A GIT_DIR is a clone or a bare mirror; its files are read from git, so a work tree's edits do not
 * count. --check also fails when the catalog names other commits than the copies given. What goes in,
 * and why: scripts/jitsi-catalog/catalog.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalog, DEFAULTS_FILE, type SourceTree } from './jitsi-catalog/catalog.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CATALOG_FILE = path.join(ROOT, 'jitsi', 'catalog.json');

/** The SHA-256 of the extractor's source files: a catalog made by another version of them is stale. */
export function generatorDigest(): string {
  const hash = createHash('sha256');
  const files = [
    'scripts/jitsi-catalog.ts',
    ...readdirSync(path.join(ROOT, 'scripts/jitsi-catalog'))
      .sort()
      .map((f) => `scripts/jitsi-catalog/${f}`),
  ];
  for (const f of files) hash.update(`${f}\0`).update(readFileSync(path.join(ROOT, f)));
  return hash.digest('hex');
}

function git(dir: string, args: string[], input?: string): Buffer {
  return execFileSync('git', ['--git-dir', gitDir(dir), ...args], { input, maxBuffer: 1 << 30 });
}

function gitDir(dir: string): string {
  return execFileSync('git', ['-C', dir, 'rev-parse', '--absolute-git-dir'], { encoding: 'utf8' }).trim();
}

/** The .java files and the defaults file of a repository at HEAD, read from git. */
export function readTree(dir: string, repository: string): SourceTree {
  const commit = git(dir, ['rev-parse', 'HEAD']).toString().trim();
  const paths = git(dir, ['ls-tree', '-r', '--name-only', 'HEAD'])
    .toString()
    .split('\n')
    .filter((p) => p.endsWith('.java') || p === DEFAULTS_FILE);
  const batch = git(dir, ['cat-file', '--batch'], paths.map((p) => `HEAD:${p}\n`).join(''));
  const files = [];
  let offset = 0;
  for (const p of paths) {
    const header = batch.subarray(offset, batch.indexOf(10, offset)).toString();
    const size = Number(header.split(' ')[2]);
    const start = offset + header.length + 1;
    // Java sources are UTF-8; the defaults file is ISO-8859-1 as Properties.load reads it
    files.push({ path: p, text: batch.subarray(start, start + size).toString(p.endsWith('.java') ? 'utf8' : 'latin1') });
    offset = start + size + 1;
  }
  return { repository, commit, files };
}

function main(argv: string[]): number {
  const check = argv[0] === '--check';
  const [jitsiDir, libjitsiDir] = check ? argv.slice(1) : argv;
  if (jitsiDir === undefined) {
    process.stderr.write('usage: tsx scripts/jitsi-catalog.ts [--check] JITSI_GIT_DIR [LIBJITSI_GIT_DIR]\n');
    return 2;
  }
  const catalog = buildCatalog(
    readTree(jitsiDir, 'jitsi/jitsi'),
    libjitsiDir === undefined ? undefined : readTree(libjitsiDir, 'jitsi/libjitsi'),
    generatorDigest(),
  );
  const text = `${JSON.stringify(catalog, null, 1)}\n`;
  if (!check) {
    writeFileSync(CATALOG_FILE, text);
    process.stdout.write(
      `wrote ${path.relative(ROOT, CATALOG_FILE)}: ${catalog.keys.length} keys, ${catalog.families.length} families, ${catalog.accountKeys.length} account keys\n`,
    );
    return 0;
  }
  if (readFileSync(CATALOG_FILE, 'utf8') === text) {
    process.stdout.write(
      `${path.relative(ROOT, CATALOG_FILE)} is what the extractor makes of ${catalog.sources.map((s) => `${s.repository}@${s.commit}`).join(' and ')}\n`,
    );
    return 0;
  }
  process.stderr.write(
    `${path.relative(ROOT, CATALOG_FILE)} differs from what the extractor makes of ${catalog.sources.map((s) => `${s.repository}@${s.commit}`).join(' and ')}: run it without --check\n`,
  );
  return 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
