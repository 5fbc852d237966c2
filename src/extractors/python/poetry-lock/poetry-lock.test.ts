import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { poetryLockExtractor } from './index.ts';

const here = import.meta.url;
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : p.dev === false ? '' : ' ?'}`);
const run = async (fx: string, path = 'app/poetry.lock') => runExtractor(poetryLockExtractor, path, { [path]: await fixture(here, fx) });

test('fileRequired', () => {
  const r = (p: string) => poetryLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('poetry.lock'));
  assert.ok(r('srv/app/poetry.lock'));
  assert.ok(!r('srv/app/poetry.lock.bak'));
  assert.ok(!r('srv/app/not-poetry.lock'));
});

test('Poetry 1.x `category` and Poetry 2 `groups` → dev; name as written, purl normalized', async () => {
  const a = await run('poetry-1.4.lock');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(show(a.packages), ['Flask@2.3.2', 'certifi@2023.5.7', 'pytest@7.3.1 dev', 'zope.interface@6.0']);
  const z = a.packages.find((p) => p.name === 'zope.interface')!;
  assert.deepEqual([z.purl, z.ecosystem, z.foundBy, z.locations], ['pkg:pypi/zope-interface@6.0', 'PyPI', 'python/poetry-lock', ['app/poetry.lock']]);
  const b = await run('poetry-2.1.lock');
  assert.deepEqual(show(b.packages), ['colorama@0.4.6', 'pytest@8.3.4 dev', 'requests@2.32.3']);
});

test('sad: not TOML, truncated, not a lockfile → one parse-error, no throw', async () => {
  for (const fx of ['not-json.txt', 'truncated.lock', 'pyproject-not-lock.toml']) {
    const { packages, errors } = await run(fx);
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], fx);
  }
});
