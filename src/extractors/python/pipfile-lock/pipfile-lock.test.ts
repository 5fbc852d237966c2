import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { pipfileLockExtractor } from './index.ts';

const here = import.meta.url;
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : p.dev === false ? '' : ' ?'}`);
const run = async (fx: string, path = 'app/Pipfile.lock') => runExtractor(pipfileLockExtractor, path, { [path]: await fixture(here, fx) });

test('fileRequired', () => {
  const r = (p: string) => pipfileLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('Pipfile.lock'));
  assert.ok(r('srv/app/Pipfile.lock'));
  assert.ok(!r('srv/app/Pipfile.lock.bak'));
  assert.ok(!r('srv/app/not-Pipfile.lock'));
});

test('default and develop; in both → production; git/editable entries skipped', async () => {
  const { packages, errors } = await run('Pipfile.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(show(packages), ['Py_Test-Helpers@1.0 dev', 'django@4.2.7', 'pytest@7.4.3 dev', 'sqlparse@0.4.4']);
  const h = packages[0];
  assert.deepEqual([h.purl, h.ecosystem, h.foundBy, h.locations], ['pkg:pypi/py-test-helpers@1.0', 'PyPI', 'python/pipfile-lock', ['app/Pipfile.lock']]);
});

test('sad: not JSON, truncated → parse-error; bad entries recorded', async () => {
  for (const fx of ['not-json.txt', 'truncated.lock']) {
    const { packages, errors } = await run(fx);
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], fx);
  }
  const bad = await run('bad-entries.lock');
  assert.deepEqual(bad.packages, []);
  assert.deepEqual(bad.errors.map((e) => e.rule), ['invalid-entry', 'invalid-entry']);
});
