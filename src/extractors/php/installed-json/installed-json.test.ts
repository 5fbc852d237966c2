import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { installedJsonExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string; dev?: boolean }[]): string[] => ps.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`);

test('Composer 2 layout: dev-package-names mark dev', async () => {
  const pkgs = await installedJsonExtractor.extract(file('vendor/composer/installed.json', td('happy/v2.installed.json')), ctx());
  assert.deepEqual(brief(pkgs), ['wp-cli/php-cli-tools@0.11.13', 'phpstan/phpstan@1.10.60 dev', 'symfony/polyfill-ctype@dev-main']);
});

test('Composer 1 layout: a bare array', async () => {
  const pkgs = await installedJsonExtractor.extract(file('vendor/composer/installed.json', td('happy/v1.installed.json')), ctx());
  assert.deepEqual(brief(pkgs), ['monolog/monolog@1.25.1', 'psr/log@1.1.0']);
});

test('sad: not JSON; fileRequired only under vendor/composer', async () => {
  const c = ctx();
  assert.deepEqual(await installedJsonExtractor.extract(file('vendor/composer/installed.json', td('sad/not-json.installed.json')), c), []);
  assert.equal(c.fileErrors[0].rule, 'parse-error');
  const fr = (p: string): boolean => installedJsonExtractor.fileRequired(p, { path: p, kind: 'file', size: 10 });
  assert.equal(fr('app/vendor/composer/installed.json'), true);
  assert.equal(fr('app/installed.json'), false);
});
