/**
 * The package as a user gets it: `npm pack` (which runs the build through `prepare`), the tarball
 * installed with `npm install --omit=dev` in an empty folder, and provdisc run from there with no
 * dev dependency present. Packed from a copy of the checkout so that the build it runs does not
 * rewrite the dist/ that other tests run.
 * The install skips install scripts: better-sqlite3's would compile SQLite from source for minutes
 * (its prebuilt binary is a download this machine cannot make). The addon the checkout's own
 * `npm ci` built — the same version, for the same Node — is copied in instead, and a test proves
 * the installed package opens and lists an inventory with it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defined } from '../../defined.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  main: string;
  types: string;
  devDependencies: Record<string, string>;
};
const TEMPLATE =
  'https://www.example.org/provisioning.php?username=${username}&password=${password}&osname=${osname}&build=${build}&ipaddr=${ipaddr}&hwaddr=${hwaddr}&uuid=${uuid}&arch=${arch}';
/** What a checkout holds that a user of the package does not need. */
const NOT_PACKED = ['node_modules', 'dist', '.git', 'bench/results'];

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 150_000 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('the packed tarball', () => {
  let work: string;
  let app: string;
  let files: string[];

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'provdisc-pack-'));
    const copy = path.join(work, 'checkout');
    cpSync(root, copy, {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(root, src);
        return !NOT_PACKED.includes(rel) && !rel.endsWith('.tgz');
      },
    });
    symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--pack-destination', work], copy), 'npm pack')) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = defined(packed[0]).files.map((f) => f.path);

    app = path.join(work, 'app');
    cpSync(path.join(work, defined(packed[0]).filename), path.join(app, 'provdisc.tgz'));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true }));
    ok(run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', './provdisc.tgz'], app), 'npm install');
    const addon = (dir: string) => path.join(dir, 'node_modules/better-sqlite3');
    const version = (dir: string) => (JSON.parse(readFileSync(path.join(addon(dir), 'package.json'), 'utf8')) as { version: string }).version;
    expect(version(app)).toBe(version(root));
    cpSync(path.join(addon(root), 'build'), path.join(addon(app), 'build'), { recursive: true });
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("holds the command, the built library with its types, the guide's Avahi example, the systemd units and the docs; no tests, bench, sources or source maps", () => {
    expect(files).toContain(pkg.bin.provdisc);
    expect(files).toContain(pkg.main.replace(/^\.\//, ''));
    expect(files).toContain(pkg.types.replace(/^\.\//, ''));
    expect(files).toContain('avahi/provisioning.service');
    expect(files).toContain('jitsi/catalog.json'); // the lints of provision and serve --check read it
    expect(files).toContain('systemd/provdisc.service');
    expect(files).toContain('systemd/provdisc-advertise@.service');
    expect(files).toContain('README.md');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const pages = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => defined(m[1]));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((page) => !files.includes(page))).toEqual([]); // the README's links work in the package too
    expect(files.filter((f) => /^(test|bench|src|\.ci)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.tgz'))).toEqual([]);
  });

  it('installs with no dev dependency', () => {
    const present = Object.keys(pkg.devDependencies).filter((d) => existsSync(path.join(app, 'node_modules', d)));
    expect(present).toEqual([]);
  });

  it('provdisc --help lists the commands', () => {
    const out = ok(run(path.join(app, 'node_modules/.bin/provdisc'), ['--help'], app), 'provdisc --help');
    expect(out).toMatch(/^Usage: provdisc /);
    for (const command of ['advertise', 'discover', 'avahi', 'dhcp-config', 'expand', 'provision', 'serve', 'passwd']) expect(out).toContain(`\n  ${command} `);
  });

  it("provdisc avahi writes the guide's service file and hosts line", () => {
    const r = run(
      path.join(app, 'node_modules/.bin/provdisc'),
      ['avahi', TEMPLATE, '--host', 'provisioning.local', '--address', '192.168.0.254', '-o', 'out.service', '--hosts-file', 'hosts'],
      app,
    );
    ok(r, 'provdisc avahi');
    expect(r.stderr).toBe('provdisc: wrote out.service\nprovdisc: wrote hosts\n');
    expect(readFileSync(path.join(app, 'out.service'), 'utf8')).toBe(readFileSync(path.join(root, 'avahi/provisioning.service'), 'utf8'));
    expect(readFileSync(path.join(app, 'hosts'), 'utf8')).toBe(readFileSync(path.join(root, 'avahi/hosts'), 'utf8'));
  });

  it('imports as a library', () => {
    const script = `import { parseTemplate, toTxt } from '${pkg.name}'; console.log(JSON.stringify(toTxt(parseTemplate('https://h.example/p.php?u=\${username}'))));`;
    const out = ok(run(process.execPath, ['--input-type=module', '-e', script], app), 'import');
    expect(JSON.parse(out)).toEqual(['path=https://h.example/p.php', 'u=${username}']);
  });

  it('records an inventory through the library and lists it with provdisc devices (better-sqlite3 and the bundle found in the installed tree)', () => {
    const visit = {
      time: new Date().toISOString(),
      client: '192.0.2.7',
      uuid: 'c0ffee00-0000-4000-8000-000000000001',
      hwaddr: null,
      osname: 'Linux',
      build: '2.10.5550',
      arch: 'x86_64',
      username: 'alice',
      ipaddr: '192.0.2.7',
      profiles: ['base'],
      status: 200,
      reason: null,
    };
    const script = `import { openInventory } from '${pkg.name}'; const inv = await openInventory('inventory.db'); inv.record(${JSON.stringify(visit)}); await inv.close();`;
    ok(run(process.execPath, ['--input-type=module', '-e', script], app), 'openInventory');
    writeFileSync(path.join(app, 'site.ini'), `[serve]\ntemplate = ${TEMPLATE}\ninventory = inventory.db\n`);
    const out = ok(run(path.join(app, 'node_modules/.bin/provdisc'), ['devices', '--config', 'site.ini', '--json'], app), 'provdisc devices');
    expect(out).toContain('"alice"');
    expect(out).toContain(visit.uuid);
  });

  it('refuses a deep import: the package exports its entry point only', () => {
    const script = `import('${pkg.name}/dist/template/template.js').then(() => console.log('imported'), (e) => console.log(e.code));`;
    const out = ok(run(process.execPath, ['--input-type=module', '-e', script], app), 'deep import');
    expect(out.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
