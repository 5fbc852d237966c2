// Bundles the CLI into dist/ (run by `npm ci` through the "prepare" script), so that `vigil`
// starts in a fraction of a second instead of transpiling ~300 TypeScript files on every run.
// bin/vigil.js runs dist/vigil.mjs, and falls back to the TypeScript sources (through tsx) when
// dist/ is missing or older than src/.
//
// Start-up cost is mostly module loading, so: the dependencies are bundled too (one file read and
// parse instead of hundreds of module resolutions), and code splitting turns every `await import()`
// of the CLI's actions into its own chunk (dist/chunk-*.mjs), loaded only by the commands that
// need it — `vigil --version` loads commander and little else.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { purlLazyCollator } from './purl-collator.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir <dir>`: elsewhere than dist/ (test/build.test.ts checks what the bundle leaves out);
// `--cli-only`: leave the console (web/dist) as it is
const outArg = process.argv.indexOf('--outdir');
const cliOnly = process.argv.includes('--cli-only');
const dist = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist');
// stale chunks of an earlier build would otherwise pile up
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// zod's namespace object (`import { z } from 'zod'`) re-exports every one of its 64 message locales
// (`z.locales`), ~380 KB that every process loading zod parsed at start (the isolated scan process
// included). Vigil's messages are English: the bundle's `z.locales` holds `en` only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(args.resolveDir, '..', 'locales', 'en-only.js'), namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`, resolveDir: dirname(args.path), loader: 'js' }));
  },
};
await build({
  plugins: [zodEnglishOnly, purlLazyCollator],
  // scan-child: the isolated scan process (src/engine/isolate.ts forks dist/scan-child.mjs)
  entryPoints: { vigil: join(root, 'src', 'cli', 'entry.ts'), 'scan-child': join(root, 'src', 'engine', 'isolate-child.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
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
  sourcemap: 'linked',
  logLevel: 'warning',
});
// data files the code reads next to itself (import.meta.url is dist/ once bundled)
for (const f of readdirSync(join(root, 'src', 'integrations', 'schemas'))) {
  if (f.endsWith('.json')) cpSync(join(root, 'src', 'integrations', 'schemas', f), join(dist, f));
}

// CIS benchmark files (src/detectors/cis/loader.ts looks for ./cis-benchmarks/ beside the bundle)
mkdirSync(join(dist, 'cis-benchmarks'), { recursive: true });
for (const f of readdirSync(join(root, 'src', 'detectors', 'cis', 'benchmarks'))) {
  if (/\.ya?ml$/.test(f)) cpSync(join(root, 'src', 'detectors', 'cis', 'benchmarks', f), join(dist, 'cis-benchmarks', f));
}

// The console (web/ → web/dist, served by `vigil server` at /). Vite and React are devDependencies:
// an install without them (npm ci --omit=dev) gets the CLI and the API, and the server says the
// console is not built.
if (!cliOnly) {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('vigil build: vite is not installed (npm ci --omit=dev?): the console (web/dist) is not built');
  }
  if (vite) await vite.build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
