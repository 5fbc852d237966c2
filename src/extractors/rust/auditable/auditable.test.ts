import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { auditableExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length, mode: 0o100755 }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('.dep-v0 section (objcopy-made, see testdata/make-fixture.sh): crates listed, local root skipped, build deps dev', async () => {
  const c = ctx();
  const pkgs = await auditableExtractor.extract(file('usr/local/bin/myapp', td('happy/auditable.elf')), c);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['cc@1.0.83 dev', 'libc@0.2.147', 'serde@1.0.188', 'forked@0.2.0']);
  assert.equal(pkgs[1].purl, 'pkg:cargo/libc@0.2.147');
  assert.equal(pkgs[1].foundBy, 'rust/auditable');
  assert.deepEqual(c.fileErrors, []);
});

test('sad: corrupt section is recorded; a plain ELF and a script give nothing', async () => {
  const c = ctx();
  assert.deepEqual(await auditableExtractor.extract(file('bad', td('sad/bad-zlib.elf')), c), []);
  assert.equal(c.fileErrors.length, 1);
  assert.match(c.fileErrors[0].message, /not zlib-compressed JSON/);
  assert.deepEqual(await auditableExtractor.extract(file('plain', td('sad/plain.elf')), c), []);
  assert.deepEqual(await auditableExtractor.extract(file('s', Buffer.from('#!/bin/sh\necho hi\n'.repeat(10))), c), []);
  assert.equal(c.fileErrors.length, 1);
});
