import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { uvLockExtractor } from './index.ts';

const here = import.meta.url;
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : p.dev === false ? '' : ' ?'}`);
const run = async (fx: string, path = 'app/uv.lock') => runExtractor(uvLockExtractor, path, { [path]: await fixture(here, fx) });

test('fileRequired', () => {
  const r = (p: string) => uvLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('uv.lock'));
  assert.ok(r('srv/app/uv.lock'));
  assert.ok(!r('srv/app/uv.lock.bak'));
  assert.ok(!r('srv/app/not-uv.lock'));
});

test('the project is not a package; dev from dev-dependencies through the graph; extras are production', async () => {
  const { packages, errors } = await run('uv.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(show(packages), [
    'certifi@2024.8.30', 'charset-normalizer@3.4.0', 'colorama@0.4.6', 'idna@3.10',
    'iniconfig@2.0.0 dev', 'pytest@8.3.3 dev', 'requests@2.32.3', 'urllib3@2.2.3',
  ]);
  const c = packages.find((p) => p.name === 'charset-normalizer')!;
  assert.deepEqual([c.purl, c.foundBy, c.locations], ['pkg:pypi/charset-normalizer@3.4.0', 'python/uv-lock', ['app/uv.lock']]);
});

test('sad: not TOML, truncated → parse-error; an entry without version recorded', async () => {
  for (const fx of ['not-json.txt', 'truncated.lock']) {
    const { packages, errors } = await run(fx);
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], fx);
  }
  const bad = await run('bad-entries.lock');
  assert.deepEqual(show(bad.packages), ['ok@1.0 ?']);
  assert.deepEqual(bad.errors.map((e) => e.rule), ['invalid-entry']);
});
