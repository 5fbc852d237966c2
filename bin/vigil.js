#!/usr/bin/env node
// The `vigil` command. Runs the bundle that `npm ci` builds (dist/vigil.mjs, see scripts/build.mjs).
// In a git checkout (a developer's tree) only when the bundle is newer than every source file,
// otherwise the TypeScript sources through tsx, so edits take effect without a rebuild; an installed
// copy has no .git and skips that walk over src/ (~400 directories, ~25 ms of every command).
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
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

// Node 22.1+ keeps V8's compiled code of the modules it loads on disk, so later runs skip most of
// the parsing (Node 20 has no such cache: enableCompileCache is undefined there). The cache is the
// user's own (XDG_CACHE_HOME, else ~/.cache), not a shared temp directory; NODE_COMPILE_CACHE, when
// set, wins (Node reads it itself). The isolated scan process inherits the environment, and with it
// the directory.
if (typeof module.enableCompileCache === 'function' && !process.env.NODE_COMPILE_CACHE && process.env.VIGIL_COMPILE_CACHE !== '0') {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vigil', 'compile');
  try {
    const r = module.enableCompileCache(dir);
    // the child processes Vigil starts (the isolated scan process) use it too
    if (r?.directory) process.env.NODE_COMPILE_CACHE = r.directory;
  } catch {
    // a cache that cannot be written only costs the saved time
  }
}

let main;
const fresh = () => !existsSync(join(root, '.git')) || statSync(bundle).mtimeMs >= newestSource(join(root, 'src'));
if (process.env.VIGIL_FROM_SOURCE !== '1' && existsSync(bundle) && fresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/entry.ts'));
}
await main();
