import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// the module the scan thread's bundle puts in the place of `bindings` (scripts/bundle-options.mjs sqliteInBundle)
const require = createRequire(import.meta.url);
const { loadAddon } = require('./sqlite-addon.cjs') as { loadAddon: (name: string, built: string | null, req: NodeJS.Require) => { Database?: unknown } };
const manifest = require.resolve('better-sqlite3/package.json');
const installed = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;

test('sqlite-addon: the addon of the installed package\'s build/Release, when the installed release is the one bundled', () => {
  const addon = loadAddon('better_sqlite3.node', installed, require);
  assert.equal(typeof addon.Database, 'function');
  // the same module better-sqlite3's own lookup loads
  assert.equal(addon, require(join(dirname(manifest), 'build', 'Release', 'better_sqlite3.node')));
});

test('sqlite-addon: another installed release is an error that names both and says to rebuild', () => {
  assert.throws(() => loadAddon('better_sqlite3.node', '1.0.0', require), (e: Error) => {
    assert.match(e.message, new RegExp(`release 1\\.0\\.0's JavaScript, but .*better-sqlite3 is release ${installed.replace(/\./g, '\\.')}: build Vigil again \\(npm run build\\)`));
    return true;
  });
});

test('sqlite-addon: an addon elsewhere than build/Release is found by `bindings` from that package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sqlite-addon-'));
  try {
    const pkg = join(dir, 'node_modules', 'better-sqlite3');
    mkdirSync(join(pkg, 'build', 'Debug'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: installed }));
    copyFileSync(join(dirname(manifest), 'build', 'Release', 'better_sqlite3.node'), join(pkg, 'build', 'Debug', 'better_sqlite3.node'));
    symlinkSync(dirname(require.resolve('bindings/package.json')), join(dir, 'node_modules', 'bindings'));
    const addon = loadAddon('better_sqlite3.node', installed, createRequire(join(dir, 'index.js')));
    assert.equal(typeof addon.Database, 'function');
    // and no addon at all is an error naming what was tried (bindings' own message); another
    // directory, since Node's require keeps the addon loaded above by its path
    const none = join(dir, 'none');
    mkdirSync(join(none, 'node_modules', 'better-sqlite3'), { recursive: true });
    writeFileSync(join(none, 'node_modules', 'better-sqlite3', 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: installed }));
    symlinkSync(dirname(require.resolve('bindings/package.json')), join(none, 'node_modules', 'bindings'));
    assert.throws(() => loadAddon('better_sqlite3.node', null, createRequire(join(none, 'index.js'))), /Could not locate the bindings file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
