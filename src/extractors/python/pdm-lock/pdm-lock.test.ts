import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { pdmLockExtractor } from './index.ts';

const here = import.meta.url;
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : p.dev === false ? '' : ' ?'}`);
const run = async (fx: string, path = 'app/pdm.lock') => runExtractor(pdmLockExtractor, path, { [path]: await fixture(here, fx) });

test('fileRequired', () => {
  const r = (p: string) => pdmLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('pdm.lock'));
  assert.ok(r('srv/app/pdm.lock'));
  assert.ok(!r('srv/app/pdm.lock.bak'));
  assert.ok(!r('srv/app/not-pdm.lock'));
});

test('groups → dev when "default" is not among them', async () => {
  const { packages, errors } = await run('pdm.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(show(packages), ['certifi@2024.2.2', 'iniconfig@2.0.0 dev', 'packaging@24.0', 'pytest@8.1.1 dev']);
  assert.deepEqual([packages[0].purl, packages[0].foundBy, packages[0].locations], ['pkg:pypi/certifi@2024.2.2', 'python/pdm-lock', ['app/pdm.lock']]);
});

test('sad: not TOML, truncated → one parse-error, no throw', async () => {
  for (const fx of ['not-json.txt', 'truncated.lock']) {
    const { packages, errors } = await run(fx);
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], fx);
  }
});
