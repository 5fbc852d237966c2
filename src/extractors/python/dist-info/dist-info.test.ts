import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { distInfoExtractor, isDistMetadata } from './index.ts';

const here = import.meta.url;

test('fileRequired', () => {
  const yes = [
    'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
    'usr/lib/python3/dist-packages/cryptography.egg-info/PKG-INFO',
    'usr/lib/python2.7/wsgiref.egg-info',
    'site-packages/foo-1.0-py3.9.egg/EGG-INFO/PKG-INFO',
  ];
  const no = ['x.dist-info/RECORD', 'x.egg-info/requires.txt', 'METADATA', 'x.dist-info/METADATA.bak'];
  for (const p of yes) assert.ok(isDistMetadata(p), p);
  for (const p of no) assert.ok(!isDistMetadata(p), p);
  assert.ok(!distInfoExtractor.fileRequired('a/x.egg-info', { path: 'a/x.egg-info', kind: 'dir', size: 0 }));
});

test('real metadata files: dist-info, egg-info dir, single-file egg-info', async () => {
  const cases: [string, string, string, string, string, string[] | undefined][] = [
    ['PyYAML-6.0.METADATA', 'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA', 'PyYAML', '6.0', 'pkg:pypi/pyyaml@6.0', ['MIT']],
    ['cryptography.PKG-INFO', 'usr/lib/python3/dist-packages/cryptography.egg-info/PKG-INFO', 'cryptography', '38.0.4', 'pkg:pypi/cryptography@38.0.4', undefined],
    ['pip-24.2.METADATA', 'lib/python3.13/site-packages/pip-24.2.dist-info/METADATA', 'pip', '24.2', 'pkg:pypi/pip@24.2', ['MIT']],
    ['wsgiref.egg-info', 'usr/lib/python2.7/wsgiref.egg-info', 'wsgiref', '0.1.2', 'pkg:pypi/wsgiref@0.1.2', ['PSF or ZPL']],
  ];
  for (const [fx, path, name, version, purl, licenses] of cases) {
    const { packages, errors } = await runExtractor(distInfoExtractor, path, { [path]: await fixture(here, fx) });
    assert.deepEqual(errors, [], fx);
    assert.equal(packages.length, 1);
    const p = packages[0];
    assert.deepEqual([p.name, p.version, p.purl, p.ecosystem, p.foundBy, p.locations], [name, version, purl, 'PyPI', 'python/dist-info', [path]], fx);
    if (licenses) assert.deepEqual(p.licenses, licenses, fx);
  }
});

test('sad: no Name, truncated, not metadata → recorded error, no throw', async () => {
  for (const [fx, rule] of [['no-name.METADATA', 'missing-field'], ['truncated.METADATA', 'missing-field'], ['not-json.txt', 'missing-field']]) {
    const path = 'x.dist-info/METADATA';
    const { packages, errors } = await runExtractor(distInfoExtractor, path, { [path]: await fixture(here, fx) });
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), [rule], fx);
  }
});

test('fuzz regression: 200,000 repeated headers are read in one pass (copying the list per line never finished)', async () => {
  const text = `Metadata-Version: 2.1\nName: x\nVersion: 1.0\n${'Classifier: a\n'.repeat(200_000)}`;
  const path = 'site-packages/x-1.0.dist-info/METADATA';
  const { packages, errors } = await runExtractor(distInfoExtractor, path, { [path]: text });
  assert.deepEqual(packages.map((p) => `${p.name}@${p.version}`), ['x@1.0']);
  assert.deepEqual(errors, []);
});
