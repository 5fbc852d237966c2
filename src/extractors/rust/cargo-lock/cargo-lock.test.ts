import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { cargoLockExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string }[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

test('v3 lockfile (real, Defmc/digenum): registry crates kept, workspace members skipped', async () => {
  const c = ctx();
  const pkgs = await cargoLockExtractor.extract(file('Cargo.lock', td('happy/v3-digenum.Cargo.lock')), c);
  assert.deepEqual(brief(pkgs), ['proc-macro2@1.0.47', 'quote@1.0.21', 'syn@1.0.103', 'unicode-ident@1.0.5']);
  assert.equal(pkgs[0].purl, 'pkg:cargo/proc-macro2@1.0.47');
  assert.equal(pkgs[0].ecosystem, 'crates.io');
  assert.deepEqual(c.fileErrors, []);
});

test('v1 layout with a git source', async () => {
  const pkgs = await cargoLockExtractor.extract(file('a/Cargo.lock', td('happy/v1-with-git.Cargo.lock')), ctx());
  assert.deepEqual(brief(pkgs), ['libc@0.2.40', 'mylib@0.3.0']);
});

test('sad: a package without version is reported, the rest kept; broken TOML is a parse error', async () => {
  const c = ctx();
  assert.deepEqual(brief(await cargoLockExtractor.extract(file('Cargo.lock', td('sad/missing-version.Cargo.lock')), c)), ['ok@1.0.0']);
  assert.equal(c.fileErrors[0].rule, 'cargo-lock-package');
  assert.deepEqual(await cargoLockExtractor.extract(file('Cargo.lock', td('sad/not-toml.Cargo.lock')), c), []);
  assert.equal(c.fileErrors[1].rule, 'parse-error');
  assert.equal(cargoLockExtractor.fileRequired('x/Cargo.toml', { path: 'x/Cargo.toml', kind: 'file', size: 10 }), false);
});
