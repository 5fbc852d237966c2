// Bundles the CLI into dist/vigil.mjs (run by `npm ci` through the "prepare" script), so that
// `vigil` starts in a fraction of a second instead of transpiling ~300 TypeScript files on every
// run. bin/vigil.js falls back to the TypeScript sources (through tsx) when dist/ is missing or
// older than src/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: join(dist, 'vigil.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// data files the code reads next to itself (import.meta.url is dist/ once bundled)
for (const f of readdirSync(join(root, 'src', 'integrations', 'schemas'))) {
  if (f.endsWith('.json')) cpSync(join(root, 'src', 'integrations', 'schemas', f), join(dist, f));
}
