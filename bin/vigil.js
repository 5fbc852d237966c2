#!/usr/bin/env node
// The `vigil` command. Runs the bundle that `npm ci` builds (dist/vigil.mjs, see scripts/build.mjs)
// when it is newer than every source file; otherwise the TypeScript sources through tsx, so a
// developer's edits take effect without a rebuild.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'vigil.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'testdata') newest = Math.max(newest, newestSource(p)); }
    else if ((e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) || e.name.endsWith('.yaml')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let main;
if (process.env.VIGIL_FROM_SOURCE !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, 'src'))) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main();
