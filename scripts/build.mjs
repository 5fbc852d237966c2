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
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions, threadBundleOptions } from './bundle-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir <dir>`: elsewhere than dist/ (test/build.test.ts checks what the bundle leaves out);
// `--cli-only`: leave the console (web/dist) as it is
const outArg = process.argv.indexOf('--outdir');
const cliOnly = process.argv.includes('--cli-only');
const dist = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist');
// stale chunks of an earlier build would otherwise pile up
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  ...bundleOptions,
  // scan-child: the isolated scan process (src/engine/isolate.ts forks dist/scan-child.mjs)
  entryPoints: { vigil: join(root, 'src', 'cli', 'entry.ts'), 'scan-child': join(root, 'src', 'engine', 'isolate-child.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  sourcemap: 'linked',
});
// the CLI's scan thread: the same code as scan-child as one CommonJS file, which
// src/engine/thread-loader.cjs (copied beside it) runs through V8's code cache
const thread = await build({ ...threadBundleOptions, entryPoints: [join(root, 'src', 'engine', 'isolate-child.ts')], outfile: join(dist, 'scan-thread.cjs'), sourcemap: 'linked', write: false });
for (const f of thread.outputFiles) {
  // import.meta other than .url (defined above) would be an empty object in CommonJS
  if (f.path.endsWith('.cjs') && f.text.includes('import.meta')) throw new Error('vigil build: scan-thread.cjs uses import.meta beyond import.meta.url: give it a define in scripts/bundle-options.mjs threadBundleOptions');
  writeFileSync(f.path, f.contents);
}
cpSync(join(root, 'src', 'engine', 'thread-loader.cjs'), join(dist, 'thread-loader.cjs'));
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
