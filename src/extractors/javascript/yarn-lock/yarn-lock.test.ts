import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, ids, runExtractor } from '../testutil.ts';
import { yarnLockExtractor } from './index.ts';
import { FOUND_BY, parseYarnLock } from './parse.ts';

const here = import.meta.url;
const load = async (name: string) => (await fixture(here, name)).toString('utf8');
const show = (pkgs: { name: string; version: string; dev?: boolean }[]) => pkgs.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`);

test('fileRequired', () => {
  const r = (p: string) => yarnLockExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  assert.ok(r('yarn.lock'));
  assert.ok(r('app/yarn.lock'));
  assert.ok(!r('app/node_modules/x/yarn.lock'));
  assert.ok(!r('app/yarn.lock.bak'));
});

test('classic (yarn 1.22) and berry (yarn 4) lockfiles of the same package.json agree', async () => {
  const manifest = await load('package.json');
  const classic = parseYarnLock(await load('classic.v1.lock'), 'yarn.lock', manifest);
  const berry = parseYarnLock(await load('berry.v4.lock'), 'yarn.lock', manifest);
  assert.deepEqual(classic.problems, []);
  assert.deepEqual(berry.problems, []);
  assert.equal(classic.packages.length, 40);
  assert.deepEqual(show(berry.packages), show(classic.packages));
  // berry's own workspace entry (demo@workspace:.) is not a package
  assert.ok(!berry.packages.some((p) => p.name === 'demo'));
});

test('dev marking from the sibling package.json, through the extractor', async () => {
  const files = { 'app/yarn.lock': await fixture(here, 'classic.v1.lock'), 'app/package.json': await fixture(here, 'package.json') };
  const { packages, errors } = await runExtractor(yarnLockExtractor, 'app/yarn.lock', files);
  assert.deepEqual(errors, []);
  const get = (id: string) => packages.find((p) => `${p.name}@${p.version}` === id)!;
  assert.equal(get('mocha@5.2.0').dev, true);
  assert.equal(get('lodash@4.17.4').dev, false);
  // two versions of supports-color: chalk's (production) and mocha's (dev only)
  assert.equal(get('supports-color@5.5.0').dev, false);
  assert.equal(get('supports-color@5.4.0').dev, true);
  assert.equal(get('@babel/code-frame@7.22.13').purl, 'pkg:npm/%40babel/code-frame@7.22.13');
  assert.deepEqual(get('lodash@4.17.4').locations, ['app/yarn.lock']);
  assert.equal(get('lodash@4.17.4').foundBy, 'javascript/yarn-lock');
});

test('without package.json, dev is unknown (left unset)', async () => {
  const { packages, errors } = await runExtractor(yarnLockExtractor, 'yarn.lock', { 'yarn.lock': await fixture(here, 'berry.v4.lock') });
  assert.deepEqual(errors, []);
  assert.equal(packages.length, 40);
  assert.ok(packages.every((p) => p.dev === undefined));
});

test('classic: aliases, combined keys and file: entries', () => {
  const text = [
    '# yarn lockfile v1',
    '',
    '"my-lodash@npm:lodash@^4.17.0":',
    '  version "4.17.21"',
    '',
    'ms@^2.0.0, ms@^2.1.1:',
    '  version "2.1.3"',
    '',
    '"local@file:../local":',
    '  version "1.0.0"',
    '',
  ].join('\n');
  const out = parseYarnLock(text, 'yarn.lock', JSON.stringify({ devDependencies: { ms: '^2.1.1' }, dependencies: { 'my-lodash': 'npm:lodash@^4.17.0' } }));
  assert.deepEqual(show(out.packages), ['lodash@4.17.21', 'ms@2.1.3 dev']);
});

test('sad: not a lockfile, truncated → recorded errors, no throw', async () => {
  for (const [name, rule, count] of [['not-json.txt', 'parse-error', 0], ['truncated.v1.lock', 'parse-error', 0], ['truncated.berry.lock', 'invalid-entry', 3]] as const) {
    const { packages, errors } = await runExtractor(yarnLockExtractor, 'yarn.lock', { 'yarn.lock': await fixture(here, name) });
    assert.equal(packages.length, count, name);
    assert.deepEqual(errors.map((e) => e.rule), [rule], name);
  }
});

test('sad: an unreadable package.json is recorded and packages are still listed', async () => {
  const { packages, errors } = await runExtractor(yarnLockExtractor, 'yarn.lock', { 'yarn.lock': await fixture(here, 'classic.v1.lock'), 'package.json': '{oops' });
  assert.equal(ids(packages).length, 40);
  assert.deepEqual(errors.map((e) => e.rule), ['manifest-unreadable']);
});
