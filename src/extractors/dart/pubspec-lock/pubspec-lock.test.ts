import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { targetOf } from '../../../matching/targets.ts';
import { pubspecLockExtractor } from './index.ts';

const td = testdata(import.meta.url);

test('real pub lockfile: hosted packages, direct dev marked', async () => {
  const c = extractCtx();
  const pkgs = await pubspecLockExtractor.extract(scanFile('app/pubspec.lock', td('happy/basic-utils.pubspec.lock')), c);
  assert.deepEqual(c.fileErrors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`), ['args@2.1.1', 'build_runner@1.12.2 dev', 'http@0.13.3', 'json_annotation@4.3.0', 'pointycastle@3.3.2', 'timing@0.1.1+3']);
  const http = pkgs[2];
  assert.equal(http.ecosystem, 'Pub');
  assert.equal(http.purl, 'pkg:pub/http@0.13.3');
  assert.deepEqual(http.locations, ['app/pubspec.lock']);
  assert.equal(http.foundBy, 'dart/pubspec-lock');
  assert.ok('key' in targetOf(http));
});

test('git, path and sdk packages are listed with where they came from, and not matched', async () => {
  const c = extractCtx();
  const pkgs = await pubspecLockExtractor.extract(scanFile('pubspec.lock', td('happy/flutter-sources.pubspec.lock')), c);
  assert.deepEqual(c.fileErrors, []);
  const by = Object.fromEntries(pkgs.map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(by).sort(), ['collection', 'flutter', 'flutter_test', 'my_fork', 'shared_models', 'url_launcher']);
  assert.equal(by.url_launcher.purl, 'pkg:pub/url_launcher@6.3.1');
  assert.equal(by.my_fork.purl, 'pkg:pub/my_fork@1.2.0?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fexample%2Fmy_fork.git%408d1b2f0c6a0e4b5c9f3a7e2d1c0b9a8f7e6d5c4b');
  assert.match(by.shared_models.purl!, /download_url=file%3A..%2Fshared_models$/);
  assert.match(by.flutter.purl!, /download_url=sdk%3Aflutter$/);
  assert.equal(by.flutter_test.dev, true);
  for (const n of ['my_fork', 'shared_models', 'flutter']) {
    const t = targetOf(by[n]);
    assert.ok('skip' in t && /not its registry's release/.test(t.skip), `${n}: ${JSON.stringify(t)}`);
  }
  assert.match(JSON.stringify(targetOf(by.my_fork)), /vcs_url git\+https:\/\/github.com\/example\/my_fork.git@8d1b2f0/);
  assert.ok('key' in targetOf(by.collection));
});

test('sad: bad entries are per-entry errors; not YAML and not a lockfile are parse errors', async () => {
  const c = extractCtx();
  const pkgs = await pubspecLockExtractor.extract(scanFile('pubspec.lock', td('sad/bad-entries.pubspec.lock')), c);
  assert.deepEqual(pkgs.map((p) => p.name), ['ok_pkg']);
  assert.deepEqual(c.fileErrors.map((e) => e.rule), Array(5).fill('pub-lock-entry'));
  assert.ok(c.fileErrors.every((e) => e.message.startsWith('pubspec.lock: packages.')), JSON.stringify(c.fileErrors));
  for (const f of ['sad/not-yaml.pubspec.lock', 'sad/pubspec-not-lock.yaml']) {
    const c2 = extractCtx();
    assert.deepEqual(await pubspecLockExtractor.extract(scanFile('x/pubspec.lock', td(f)), c2), []);
    assert.equal(c2.fileErrors.length, 1);
    assert.equal(c2.fileErrors[0].rule, 'parse-error');
    assert.match(c2.fileErrors[0].message, /^x\/pubspec.lock: not a pubspec.lock/);
  }
  // an empty lockfile (a project without dependencies) is no error
  const c3 = extractCtx();
  assert.deepEqual(await pubspecLockExtractor.extract(scanFile('pubspec.lock', 'packages: {}\nsdks:\n  dart: ">=3.0.0 <4.0.0"\n'), c3), []);
  assert.deepEqual(c3.fileErrors, []);
});

test('fileRequired: pubspec.lock only, bounded', () => {
  const info = (size: number) => ({ path: '', kind: 'file' as const, size });
  assert.ok(pubspecLockExtractor.fileRequired('a/pubspec.lock', info(10)));
  assert.ok(!pubspecLockExtractor.fileRequired('a/pubspec.yaml', info(10)));
  assert.ok(!pubspecLockExtractor.fileRequired('a/pubspec.lock', info(64 * 1024 * 1024)));
});
