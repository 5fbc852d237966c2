// @ts-check
/**
 * What better-sqlite3's `require('bindings')('better_sqlite3.node')` gives inside the scan thread's
 * one-file bundle (dist/scan-thread.cjs: scripts/bundle-options.mjs `sqliteInBundle` puts this module
 * in the place of the `bindings` package there; everywhere else better-sqlite3 stays in node_modules).
 *
 * Why: every scan thread opens the vulnerability database. Loaded from node_modules, better-sqlite3's
 * JavaScript is 14 files through Node's CommonJS loader, outside the thread's V8 code cache (~6 ms of
 * every empty scan's ~60 ms of Vigil's own work), and `bindings` finds the addon by trying paths
 * until one loads, each miss a thrown error (~1.5 ms). Bundled, the JavaScript runs from the code
 * cache, and the addon is loaded from where npm builds or unpacks it: `build/Release/` of the
 * better-sqlite3 package that the bundle's own `require` resolves (the one in node_modules). Where
 * it is elsewhere (a debug build), `bindings` is asked, from that package, as before.
 *
 * The bundled JavaScript and the installed addon must be of one release (the addon's functions are
 * the JavaScript's private interface): the version the bundle was built with (VIGIL_BUNDLED_SQLITE,
 * defined by the build) is checked against the installed package's, and a difference is an error
 * that says to rebuild, not a crash in native code.
 */
'use strict';
const { createRequire } = require('node:module');
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/**
 * The addon `name` of the better-sqlite3 package `req` resolves, checked to be release `built`
 * (null: not checked).
 * @param {string} name
 * @param {string | null} built
 * @param {NodeJS.Require} req
 * @returns {unknown}
 */
function loadAddon(name, built, req) {
  const manifest = req.resolve('better-sqlite3/package.json');
  const root = dirname(manifest);
  if (built !== null) {
    const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (installed !== built) {
      throw new Error(`better-sqlite3: this build of Vigil holds release ${built}'s JavaScript, but ${root} is release ${installed}: build Vigil again (npm run build)`);
    }
  }
  try {
    return req(join(root, 'build', 'Release', name));
  } catch (e) {
    if (/** @type {{ code?: string }} */ (e)?.code !== 'MODULE_NOT_FOUND') throw e;
  }
  return createRequire(manifest)('bindings')({ bindings: name, module_root: root });
}

// @ts-ignore VIGIL_BUNDLED_SQLITE is defined by the build (a string), absent elsewhere
const BUILT = typeof VIGIL_BUNDLED_SQLITE === 'string' ? VIGIL_BUNDLED_SQLITE : null;

/** @param {string} name */
module.exports = (name) => loadAddon(name, BUILT, require);
module.exports.loadAddon = loadAddon;
