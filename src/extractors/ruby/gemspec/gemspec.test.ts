import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { gemspecExtractor, parseGemspec } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });

test('real installed specs (Debian ruby-rack, ruby-power-assert)', async () => {
  const c = ctx();
  const p = 'usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec';
  const pkgs = await gemspecExtractor.extract(file(p, td('happy/rack-2.2.22.gemspec')), c);
  assert.deepEqual(pkgs.map((x) => [x.name, x.version, x.purl, x.locations?.[0]]), [['rack', '2.2.22', 'pkg:gem/rack@2.2.22', p]]);
  assert.deepEqual(parseGemspec(td('happy/power_assert-2.0.3.gemspec').toString()), { name: 'power_assert', version: '2.0.3' });
  assert.deepEqual(c.fileErrors, []);
});

test('hand-written style with single quotes', () => {
  assert.deepEqual(parseGemspec(td('happy/hand-style.gemspec').toString()), { name: 'my-gem', version: '1.4.0.pre' });
});

test('sad: no version, not a spec', async () => {
  const c = ctx();
  assert.deepEqual(await gemspecExtractor.extract(file('specifications/a.gemspec', td('sad/no-version.gemspec')), c), []);
  assert.deepEqual(await gemspecExtractor.extract(file('specifications/b.gemspec', td('sad/not-a-spec.gemspec')), c), []);
  assert.deepEqual(c.fileErrors.map((e) => e.rule), ['gemspec', 'gemspec']);
});

test('fileRequired: only specifications/ dirs', () => {
  const fr = (p: string): boolean => gemspecExtractor.fileRequired(p, { path: p, kind: 'file', size: 100 });
  assert.equal(fr('var/lib/gems/3.1.0/specifications/rake-13.0.6.gemspec'), true);
  assert.equal(fr('usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec'), true);
  assert.equal(fr('src/mygem/mygem.gemspec'), false);
});
