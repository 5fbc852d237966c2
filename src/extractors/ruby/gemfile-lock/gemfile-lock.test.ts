import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { gemfileLockExtractor, parseGemfileLock } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string }[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

test('real Gemfile.lock (MSch/bundlerbug): GIT blocks (repeated) and GEM specs, deduplicated', async () => {
  const c = ctx();
  const pkgs = await gemfileLockExtractor.extract(file('app/Gemfile.lock', td('happy/bundlerbug.Gemfile.lock')), c);
  assert.equal(pkgs.length, 3 + 21);
  assert.deepEqual(brief(pkgs).slice(0, 4), ['activemodel@3.2.2', 'activerecord@3.2.2', 'activesupport@3.2.2', 'arel@3.0.2']);
  assert.ok(brief(pkgs).includes('fuzzy-string-match_pure@0.9.3'));
  assert.equal(pkgs[3].purl, 'pkg:gem/arel@3.0.2');
  assert.equal(pkgs[3].ecosystem, 'RubyGems');
  assert.deepEqual(c.fileErrors, []);
});

test('PATH source and platform-specific versions', async () => {
  const pkgs = await gemfileLockExtractor.extract(file('Gemfile.lock', td('happy/path-platforms.Gemfile.lock')), ctx());
  assert.deepEqual(brief(pkgs), ['mygem@0.1.0', 'nokogiri@1.13.10', 'racc@1.6.2']);
  const specs = parseGemfileLock(td('happy/path-platforms.Gemfile.lock').toString()).specs;
  assert.deepEqual(specs.map((s) => s.platform), [undefined, 'x86_64-linux', 'arm64-darwin', undefined]);
  assert.equal(specs[0].source, 'PATH');
});

test('sad: malformed spec lines are reported with line numbers', async () => {
  const c = ctx();
  assert.deepEqual(brief(await gemfileLockExtractor.extract(file('Gemfile.lock', td('sad/malformed.Gemfile.lock')), c)), ['good@1.0']);
  assert.deepEqual(c.fileErrors.map((e) => e.message.split(' ')[0]), ['Gemfile.lock:5:', 'Gemfile.lock:6:']);
});
