// The esbuild options of Vigil's bundle (scripts/build.mjs), shared with the benchmarks that bundle a
// harness of their own around the same code (bench/scan.ts, the directory walk): what they time is
// what `vigil` runs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// zod's namespace object (`import { z } from 'zod'`) re-exports every one of its 64 message locales
// (`z.locales`), ~380 KB that every process loading zod parsed at start (the isolated scan process
// included). Vigil's messages are English: the bundle's `z.locales` holds `en` only.
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(args.resolveDir, '..', 'locales', 'en-only.js'), namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`, resolveDir: dirname(args.path), loader: 'js' }));
  },
};

// packageurl-js's strings.js makes an Intl.Collator when evaluated (`const { compare: localeCompare } =
// new Intl.Collator()`): ~7.5 ms of ICU set-up in every scan thread that makes a purl. What it compares
// (purl-component.js componentComparator) are the sort keys of purl components, numbers 0–7 for every
// component the library knows; digit strings sort the same by code unit as by the root collation. The
// bundle's copy compares two numbers that way and makes the collator only for anything else, so the
// order is the library's own and the collator is made only when a comparison needs it.
export const purlLazyCollator = {
  name: 'packageurl-lazy-collator',
  setup(b) {
    b.onLoad({ filter: /[\\/]packageurl-js[\\/]src[\\/]strings\.js$/ }, (args) => ({ contents: lazyCollator(readFileSync(args.path, 'utf8'), args.path), loader: 'js' }));
  },
};

/** strings.js's source with the collator made on demand; throws when the line it replaces is gone. */
export function lazyCollator(src, path = 'packageurl-js/src/strings.js') {
  const eager = 'const { compare: localeCompare } = new Intl.Collator()';
  if (!src.includes(eager)) throw new Error(`${path}: the Intl.Collator line scripts/bundle-options.mjs replaces is gone (packageurl-js changed): review it`);
  const lazy = "let collator\nconst localeCompare = (a, b) => {\n  if (typeof a === 'number' && typeof b === 'number') { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0 }\n  return (collator ??= new Intl.Collator()).compare(a, b)\n}";
  return src.replace(eager, lazy);
}

/** Everything but the entry points, the output and code splitting. */
export const bundleOptions = {
  plugins: [zodEnglishOnly, purlLazyCollator],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // stay in node_modules: better-sqlite3 (a .node addon), pg (optionally requires pg-native), ssh2
  // (optionally loads its own crypto addon and cpu-features, whose install scripts npm does not run).
  // pino too: only the server and workers log at their default level (the CLI and the scan thread
  // use log.ts lazyLogger, which loads pino with the first message), and bundled, its 140 KB came
  // with log.ts's chunk into every command and every scan thread
  // web-tree-sitter and tree-sitter-python load .wasm files beside their own modules, and the
  // TypeScript compiler (~9 MB) is needed only by code scans: all three stay in node_modules
  // ae-cvss-calculator (a 210 KB UMD bundle) is loaded with the first vector scored (model/cvss.ts):
  // bundled, its text was in a chunk every scan thread compiles at start, findings or not (~5 ms)
  external: ['better-sqlite3', 'pg', 'pino', 'ssh2', 'cpu-features', 'web-tree-sitter', 'tree-sitter-python', 'typescript', 'ae-cvss-calculator'],
  // bundled CommonJS dependencies call require() for Node's built-ins
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
  // test-only fault injection (src/engine/testpoint.ts) is compiled out of the bundle
  define: { VIGIL_TESTPOINTS: 'false' },
  logLevel: 'warning',
};

/**
 * In a CommonJS bundle, `import()` of a module left outside it (a Node built-in, an `external`
 * package) becomes a require() of it when the promise runs: the same laziness without the ES module
 * loader. The scan thread's bundle (below) needs this: it runs through vm.Script, where V8's code
 * cache does not keep what a dynamic import() needs (Node refuses it: "A dynamic import callback was
 * not specified"). What such an import gives is Node's namespace of a CommonJS module: its exports
 * as named exports and as `default` (esbuild's __toESM in Node mode).
 */
export function dynamicImportAsRequire(external) {
  const outside = new Set(external);
  return {
    name: 'dynamic-import-as-require',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' && (args.path.startsWith('node:') || outside.has(args.path)) ? { path: args.path, namespace: 'dynamic-require' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'dynamic-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

/**
 * better-sqlite3's JavaScript inside the scan thread's bundle, its addon still loaded from
 * node_modules: its `require('bindings')` becomes src/store/sqlite-addon.cjs, which loads the
 * addon of the installed package's build/Release/ (else asks `bindings`), after checking that the
 * installed release is the one bundled (VIGIL_BUNDLED_SQLITE). Saves every scan thread Node's
 * CommonJS loader over the package's 14 files and `bindings`' search (~7 ms of an empty scan).
 */
export function sqliteInBundle() {
  const root = dirname(fileURLToPath(import.meta.url));
  const manifest = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
  return {
    plugin: {
      name: 'better-sqlite3-in-bundle',
      setup(b) {
        b.onResolve({ filter: /^bindings$/ }, (args) => (/[\\/]better-sqlite3[\\/]lib$/.test(args.resolveDir) ? { path: join(root, '..', 'src', 'store', 'sqlite-addon.cjs') } : undefined));
      },
    },
    define: { VIGIL_BUNDLED_SQLITE: JSON.stringify(version) },
  };
}

const sqlite = sqliteInBundle();
// better-sqlite3 bundled (sqliteInBundle above): only its addon is loaded from node_modules
const threadExternal = bundleOptions.external.filter((e) => e !== 'better-sqlite3');

/**
 * The CLI scan thread's code as one CommonJS file (dist/scan-thread.cjs, from
 * src/engine/isolate-child.ts), run by src/engine/thread-loader.cjs through V8's code cache. The
 * same modules as dist/scan-child.mjs; `import.meta.url` is the file's own URL.
 */
export const threadBundleOptions = {
  ...bundleOptions,
  external: threadExternal,
  plugins: [...bundleOptions.plugins, dynamicImportAsRequire(threadExternal), sqlite.plugin],
  format: 'cjs',
  banner: { js: "var __vigil_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { ...bundleOptions.define, ...sqlite.define, 'import.meta.url': '__vigil_import_meta_url' },
};
