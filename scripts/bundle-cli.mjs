/**
 * Step two of `npm run build` (after tsc, which still makes the library and its declarations in
 * dist/): bundles the command line, src/cli/index.ts and everything it reaches, its npm
 * dependencies included, into one CommonJS file, dist/cli/provdisc.cjs, then has V8 compile it
 * once and saves V8's code cache beside it (dist/cli/provdisc.cjs.v8cache), which bin/provdisc
 * hands back to V8 at every start. Why one CommonJS file and not ES modules split per command:
 * docs/benchmark.md, "Start-up".
 *
 * Adding a command: write src/cli/NAME-command.ts and add its line to COMMANDS in
 * src/cli/index.ts; the bundle picks it up from there (and this script fails when a
 * *-command.ts is not reachable). Its module runs only when the command line names it.
 * Adding a dependency: `npm install PKG`; it is bundled. Only a package that cannot be bundled
 * (it reads its own files at run time, starts workers from a path, loads a native addon) goes in
 * LEFT_IN_NODE_MODULES below, and must then be a "dependency", never a "devDependency".
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_DIR = path.join(ROOT, 'src/cli');
const { loadCli, BUNDLE, CODE_CACHE } = createRequire(import.meta.url)('../bin/load-cli.cjs');

/**
 * Packages required from node_modules at run time instead of being bundled (see above). Fastify is
 * only for `serve` but is three times the rest of the CLI: bundled, every command would read and
 * deserialize its code cache at start. better-sqlite3 loads a native addon; pg requires pg-native
 * only if asked, which a bundler cannot tell: both are only for the inventory (serve, devices).
 */
const LEFT_IN_NODE_MODULES = ['fastify', '@fastify/formbody', 'better-sqlite3', 'pg'];

/**
 * src/util/cjs.ts's `requireCjs('pkg')` loads a CommonJS package with a plain require, which
 * keeps Node's ES module loader from parsing it (dist/ as a library). esbuild cannot follow a
 * require it does not see, so in the bundle each literal `requireCjs('pkg')` becomes
 * `require('pkg')`, which esbuild bundles and runs lazily where it stood.
 */
const bundleRequireCjs = {
  name: 'bundle-require-cjs',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const contents = source.replace(/\brequireCjs\((['"])([^'"]+)\1\)/g, (call, quote, id) =>
        LEFT_IN_NODE_MODULES.some((pkg) => id === pkg || id.startsWith(`${pkg}/`)) ? call : `require(${quote}${id}${quote})`,
      );
      return { contents, loader: 'ts' };
    });
  },
};

const result = await esbuild.build({
  entryPoints: [path.join(CLI_DIR, 'index.ts')],
  outfile: BUNDLE,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: LEFT_IN_NODE_MODULES,
  // import.meta.url of any bundled module is the bundle's own URL (CommonJS has no import.meta)
  define: { 'import.meta.url': '__provdiscBundleUrl' },
  banner: { js: "const __provdiscBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [bundleRequireCjs],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const bundled = new Set(Object.keys(result.metafile.inputs).map((input) => path.resolve(ROOT, input)));
const missing = fs.readdirSync(CLI_DIR).filter((file) => file.endsWith('-command.ts') && !bundled.has(path.join(CLI_DIR, file)));
if (missing.length > 0) {
  console.error(`bundle-cli: ${missing.join(', ')} not reachable from src/cli/index.ts: add each to COMMANDS there`);
  process.exit(1);
}

// Compile and run the bundle's top level, then register every command (no socket, no output),
// so that the cache holds what a start runs, not just the outermost function.
fs.rmSync(CODE_CACHE, { force: true });
const { cli, script } = loadCli({ useCache: false });
await cli.buildProgram();
fs.writeFileSync(`${CODE_CACHE}.tmp`, script.createCachedData());
fs.renameSync(`${CODE_CACHE}.tmp`, CODE_CACHE);

const kb = (file) => `${(fs.statSync(file).size / 1024).toFixed(0)} kB`;
// on stderr: `npm pack --json` runs this through `prepare`, and its stdout must stay JSON
console.error(`bundle-cli: ${path.relative(ROOT, BUNDLE)} (${kb(BUNDLE)}, ${bundled.size} modules), code cache ${kb(CODE_CACHE)}`);
