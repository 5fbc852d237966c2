import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { extractorGroups } from '../extractors/index.ts';
import type { Package } from '../model/index.ts';
import { openDir } from '../sources/index.ts';
import { collectInventory, installRootOf, mergeInstalls } from './index.ts';

test('the project root of a location: the directory holding the installed tree, or the manifest\'s directory', () => {
  const cases: [string, string, boolean][] = [
    ['app/package-lock.json', 'app', false],
    ['app/node_modules/lodash/package.json', 'app', true],
    ['app/node_modules/mocha/node_modules/debug/package.json', 'app', true],
    ['app/node_modules/.pnpm/lodash@4.17.4/node_modules/lodash/package.json', 'app', true],
    ['node_modules/@babel/core/package.json', '', true],
    ['package-lock.json', '', false],
    ['/srv/web/yarn.lock', 'srv/web', false],
    ['proj/.venv/lib/python3.11/site-packages/Django-2.2.dist-info/METADATA', 'proj/.venv', true],
    ['usr/local/lib/python3.9/site-packages/requests-2.19.0.dist-info/METADATA', 'usr/local', true],
    ['proj/venv/Lib/site-packages/six-1.16.0.dist-info/METADATA', 'proj/venv', true],
    ['proj/requirements.txt', 'proj', false],
    ['site/vendor/composer/installed.json', 'site', true],
    ['site/composer.lock', 'site', false],
    ['svc/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.3.gemspec', 'svc', true],
    ['usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec', 'usr', true],
    ['my_node_modules/x/package.json', 'my_node_modules/x', false],
  ];
  for (const [loc, root, installed] of cases) assert.deepEqual(installRootOf(loc), { root, installed }, loc);
});

const pkg = (name: string, version: string, location: string, foundBy: string, more: Partial<Package> = {}): Package =>
  ({ ecosystem: more.ecosystem ?? 'npm', name, version, locations: [location], foundBy, ...more });
const show = (list: Package[]) => list.map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.locations!.join(',')} ${(p.extractors ?? [p.foundBy]).join('+')}`).sort();

test('one install merges; two projects, two versions, OS and language packages do not', () => {
  const merged = mergeInstalls([
    pkg('lodash', '4.17.4', 'app/package-lock.json', 'javascript/package-lock', { dev: false }),
    pkg('lodash', '4.17.4', 'app/node_modules/lodash/package.json', 'javascript/node-modules', { licenses: ['MIT'] }),
    // another project of the same image locks the same version: another install
    pkg('lodash', '4.17.4', 'other/package-lock.json', 'javascript/package-lock', { dev: false }),
    // the same package at another version: another package
    pkg('lodash', '4.17.21', 'app/node_modules/x/node_modules/lodash/package.json', 'javascript/node-modules'),
    // nested copies of one version within one project: one package, every path
    pkg('ms', '2.0.0', 'app/node_modules/debug/node_modules/ms/package.json', 'javascript/node-modules'),
    pkg('ms', '2.0.0', 'app/node_modules/send/node_modules/ms/package.json', 'javascript/node-modules'),
    pkg('ms', '2.0.0', 'app/package-lock.json', 'javascript/package-lock', { dev: true }),
    pkg('ms', '2.0.0', 'app/package-lock.json', 'javascript/package-lock', { dev: false }),
    // a virtualenv inside its project joins the project's requirements; the system site-packages does not join /app's
    pkg('Django', '2.2.0', 'proj/.venv/lib/python3.11/site-packages/Django-2.2.0.dist-info/METADATA', 'python/dist-info', { ecosystem: 'PyPI' }),
    pkg('Django', '2.2.0', 'proj/requirements.txt', 'python/requirements', { ecosystem: 'PyPI' }),
    pkg('requests', '2.19.0', 'usr/local/lib/python3.9/site-packages/requests-2.19.0.dist-info/METADATA', 'python/dist-info', { ecosystem: 'PyPI' }),
    pkg('requests', '2.19.0', 'app/requirements.txt', 'python/requirements', { ecosystem: 'PyPI' }),
    // an OS package and the language package of the same name never meet
    pkg('openssl', '1.1.1n-0+deb11u3', 'var/lib/dpkg/status', 'os/dpkg', { ecosystem: 'Debian:11' }),
    pkg('openssl', '1.1.1n-0+deb11u3', 'var/lib/dpkg/status', 'os/dpkg', { ecosystem: 'Debian:11' }),
  ]);
  assert.deepEqual(show(merged), [
    'Debian:11/openssl@1.1.1n-0+deb11u3 var/lib/dpkg/status os/dpkg',
    'PyPI/Django@2.2.0 proj/.venv/lib/python3.11/site-packages/Django-2.2.0.dist-info/METADATA,proj/requirements.txt python/dist-info+python/requirements',
    'PyPI/requests@2.19.0 app/requirements.txt python/requirements',
    'PyPI/requests@2.19.0 usr/local/lib/python3.9/site-packages/requests-2.19.0.dist-info/METADATA python/dist-info',
    'npm/lodash@4.17.21 app/node_modules/x/node_modules/lodash/package.json javascript/node-modules',
    'npm/lodash@4.17.4 app/node_modules/lodash/package.json,app/package-lock.json javascript/node-modules+javascript/package-lock',
    'npm/lodash@4.17.4 other/package-lock.json javascript/package-lock',
    'npm/ms@2.0.0 app/node_modules/debug/node_modules/ms/package.json,app/node_modules/send/node_modules/ms/package.json,app/package-lock.json javascript/node-modules+javascript/package-lock',
  ]);
  const lodash = merged.find((p) => p.name === 'lodash' && p.locations!.length === 2)!;
  assert.equal(lodash.foundBy, 'javascript/node-modules');
  assert.equal(lodash.dev, false, 'the lockfile says whether it is a dev dependency; the installed tree cannot');
  assert.deepEqual(lodash.licenses, ['MIT']);
  assert.equal(merged.find((p) => p.name === 'ms')!.dev, false, 'a package any path needs at run time is not dev-only');
});

test('the earliest layer of a merged install is the one that introduced it', () => {
  const [p] = mergeInstalls([
    pkg('lodash', '4.17.4', 'app/node_modules/lodash/package.json', 'javascript/node-modules', { layer: { index: 2, digest: 'sha256:bb' } }),
    pkg('lodash', '4.17.4', 'app/package-lock.json', 'javascript/package-lock', { layer: { index: 1, digest: 'sha256:aa' } }),
  ]);
  assert.equal(p.layer?.index, 1);
});

test('real npm projects (testdata/two-projects, written by npm install, manifests kept): a lockfile and its node_modules are one package per install', async () => {
  const fs = await openDir(fileURLToPath(new URL('./testdata/two-projects', import.meta.url)));
  try {
    const inv = await collectInventory(fs, { extractors: extractorGroups.language });
    const npm = inv.packages.filter((p) => p.ecosystem === 'npm');
    // app locks 26 packages, other 1 (lodash 4.17.4, as app does): 27 packages, not 54
    assert.equal(npm.length, 27, show(npm).join('\n'));
    for (const p of npm) {
      assert.deepEqual(p.extractors, ['javascript/node-modules', 'javascript/package-lock'], `${p.name}: found by both`);
      assert.equal(p.locations!.length, 2, `${p.name}: ${p.locations}`);
      assert.ok(p.locations!.some((l) => l.endsWith('/package-lock.json')) && p.locations!.some((l) => l.includes('/node_modules/')));
    }
    const lodash = npm.filter((p) => p.name === 'lodash');
    assert.deepEqual(lodash.map((p) => p.locations), [
      ['app/node_modules/lodash/package.json', 'app/package-lock.json'],
      ['other/node_modules/lodash/package.json', 'other/package-lock.json'],
    ]);
    assert.deepEqual(npm.find((p) => p.name === 'wordwrap' && p.version === '0.0.2')?.locations, ['app/node_modules/cliui/node_modules/wordwrap/package.json', 'app/package-lock.json']);
    assert.equal(npm.find((p) => p.name === 'handlebars')?.dev, true);
    assert.equal(npm.find((p) => p.name === 'minimist')?.dev, false);
  } finally {
    await fs.close();
  }
});
