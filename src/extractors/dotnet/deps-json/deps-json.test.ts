import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { depsJsonExtractor } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('deps.json: package libraries only', async () => {
  const c = ctx();
  const pkgs = await depsJsonExtractor.extract(file('app/MyApp.deps.json', td('happy/MyApp.deps.json')), c);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), ['Newtonsoft.Json@13.0.1']);
  assert.equal(pkgs[0].ecosystem, 'NuGet');
  assert.deepEqual(c.fileErrors, []);
});

test('sad: key without a version', async () => {
  const c = ctx();
  assert.deepEqual((await depsJsonExtractor.extract(file('x.deps.json', td('sad/bad-keys.deps.json')), c)).map((p) => p.name), ['Good']);
  assert.equal(c.fileErrors[0].rule, 'deps-json-library');
});
