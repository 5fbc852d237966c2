import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { packagesLockExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('two frameworks: Project skipped, same version listed once, different versions both kept', async () => {
  const c = ctx();
  const pkgs = await packagesLockExtractor.extract(file('src/App/packages.lock.json', td('happy/packages.lock.json')), c);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), ['Newtonsoft.Json@13.0.1', 'Serilog@2.10.0', 'Serilog@3.1.1']);
  assert.equal(pkgs[0].purl, 'pkg:nuget/Newtonsoft.Json@13.0.1');
  assert.deepEqual(c.fileErrors, []);
});

test('sad: entries without resolved, a framework that is not an object, not JSON', async () => {
  const c = ctx();
  assert.deepEqual((await packagesLockExtractor.extract(file('packages.lock.json', td('sad/bad-entries.packages.lock.json')), c)).map((p) => p.name), ['Ok.Pkg']);
  assert.equal(c.fileErrors.length, 2);
  assert.deepEqual(await packagesLockExtractor.extract(file('packages.lock.json', Buffer.from('nope')), c), []);
  assert.equal(c.fileErrors[2].rule, 'parse-error');
});
