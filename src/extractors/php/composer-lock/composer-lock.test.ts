import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { composerLockExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('composer.lock (real, trimmed): packages and packages-dev', async () => {
  const c = ctx();
  const pkgs = await composerLockExtractor.extract(file('composer.lock', td('happy/php-project-lvl1.composer.lock')), c);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['wp-cli/php-cli-tools@0.11.13', 'phpstan/phpstan@1.10.60 dev', 'squizlabs/php_codesniffer@3.6.1 dev']);
  assert.equal(pkgs[0].purl, 'pkg:composer/wp-cli/php-cli-tools@0.11.13');
  assert.equal(pkgs[0].ecosystem, 'Packagist');
  assert.deepEqual(c.fileErrors, []);
});

test('sad: bad entries reported, good kept; not JSON is a parse error', async () => {
  const c = ctx();
  assert.deepEqual((await composerLockExtractor.extract(file('composer.lock', td('sad/bad-entries.composer.lock')), c)).map((p) => p.name), ['ok/pkg']);
  assert.equal(c.fileErrors.length, 3);
  assert.deepEqual(await composerLockExtractor.extract(file('composer.lock', Buffer.from('{')), c), []);
  assert.equal(c.fileErrors[3].rule, 'parse-error');
});
