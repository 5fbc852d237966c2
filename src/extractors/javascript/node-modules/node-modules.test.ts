import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { isInstalledManifest, nodeModulesExtractor, parseInstalledManifest } from './index.ts';

const here = import.meta.url;

test('fileRequired: manifests directly in node_modules/<name> or node_modules/@scope/<name>, nested included', () => {
  const yes = [
    'app/node_modules/lodash/package.json',
    'node_modules/@babel/code-frame/package.json',
    'app/node_modules/glob/node_modules/minimatch/package.json',
    'app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json',
  ];
  const no = [
    'app/package.json',
    'app/node_modules/package.json',
    'app/node_modules/lodash/fp/package.json',
    'app/node_modules/kysely/dist/esm/package.json',
    'app/node_modules/@babel/package.json',
    'app/node_modules/.bin/package.json',
    'app/node_modules/lodash/package.json.bak',
  ];
  for (const p of yes) assert.ok(isInstalledManifest(p) && nodeModulesExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 }), p);
  for (const p of no) assert.ok(!isInstalledManifest(p), p);
});

test('real installed manifests (yarn 1 install): name, version, license, purl, location', async () => {
  const cases: [string, string, string, string, string][] = [
    ['lodash.package.json', 'srv/node_modules/lodash/package.json', 'lodash', '4.17.4', 'pkg:npm/lodash@4.17.4'],
    ['babel-code-frame.package.json', 'srv/node_modules/@babel/code-frame/package.json', '@babel/code-frame', '7.22.13', 'pkg:npm/%40babel/code-frame@7.22.13'],
    ['nested-minimatch.package.json', 'srv/node_modules/glob/node_modules/minimatch/package.json', 'minimatch', '3.1.5', 'pkg:npm/minimatch@3.1.5'],
  ];
  for (const [fx, path, name, version, purl] of cases) {
    const { packages, errors } = await runExtractor(nodeModulesExtractor, path, { [path]: await fixture(here, fx) });
    assert.deepEqual(errors, [], fx);
    assert.equal(packages.length, 1, fx);
    const p = packages[0];
    assert.deepEqual([p.name, p.version, p.purl, p.ecosystem, p.foundBy], [name, version, purl, 'npm', 'javascript/node-modules'], fx);
    assert.deepEqual(p.locations, [path]);
    assert.ok(p.licenses?.length, fx);
    assert.equal(p.dev, undefined);
  }
});

test('non-manifests and private packages yield nothing, silently', async () => {
  const esm = (await fixture(here, 'esm-marker.package.json')).toString();
  assert.deepEqual(parseInstalledManifest(esm, 'node_modules/x/package.json'), { packages: [], problems: [] });
  const priv = JSON.stringify({ name: 'internal', version: '1.0.0', private: true });
  assert.deepEqual(parseInstalledManifest(priv, 'node_modules/internal/package.json'), { packages: [], problems: [] });
});

test('sad: not JSON, truncated, not an object → one parse-error each, no throw', async () => {
  for (const fx of ['not-json.txt', 'truncated.package.json', 'array.package.json']) {
    const path = 'node_modules/x/package.json';
    const { packages, errors } = await runExtractor(nodeModulesExtractor, path, { [path]: await fixture(here, fx) });
    assert.deepEqual(packages, [], fx);
    assert.deepEqual(errors.map((e) => e.rule), ['parse-error'], fx);
    assert.equal(errors[0].path, path);
  }
});
