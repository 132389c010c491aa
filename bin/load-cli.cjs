'use strict';
/**
 * Loads the command-line bundle (dist/cli/provdisc.cjs, built by scripts/bundle-cli.mjs) the way
 * Node's CommonJS loader would, but hands V8 the code cache made at build time, so that V8
 * deserializes the compiled code instead of parsing 250 kB of JavaScript at every start. A cache
 * V8 refuses (another Node version, other V8 flags) costs nothing but that saving: V8 compiles.
 * Node 22 does this itself (module.enableCompileCache); Node 20 cannot.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');

const BUNDLE = path.join(__dirname, '../dist/cli/provdisc.cjs');
const CODE_CACHE = `${BUNDLE}.v8cache`;

/** The bundle's exports, and the script they came from (the build asks it for a cache). */
function loadCli({ useCache = true } = {}) {
  let source;
  try {
    source = fs.readFileSync(BUNDLE, 'utf8');
  } catch (err) {
    process.stderr.write(`provdisc: error: cannot read ${BUNDLE}: ${err.code ?? err.message}\n  fix: run "npm run build" in ${path.dirname(__dirname)}\n`);
    process.exit(1);
  }
  let cachedData;
  if (useCache) {
    try {
      cachedData = fs.readFileSync(CODE_CACHE);
    } catch {
      // no cache (a build without one): compile
    }
  }
  const script = new vm.Script(wrap(source), {
    filename: BUNDLE,
    cachedData,
    // import() of a package left out of the bundle goes through Node's own loader
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  return { cli: module.exports, script };
}

module.exports = { loadCli, BUNDLE, CODE_CACHE };
