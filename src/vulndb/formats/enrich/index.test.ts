import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { enrichFormats } from './index.ts';

test('every fixture is claimed by exactly its own format (or by none, for the undetectable ones)', () => {
  const undetectable = new Set(['epss/no-header.csv', 'nvd/wrong-format.json']);
  for (const f of enrichFormats) {
    const folder = f.name.replace(/^enrich\//, '');
    const dir = new URL(`./${folder}/testdata/`, import.meta.url);
    for (const name of readdirSync(dir)) {
      const head = readFileSync(new URL(name, dir)).subarray(0, 4096).toString('utf8');
      const claimed = enrichFormats.filter((g) => g.detect(name, head)).map((g) => g.name);
      const want = undetectable.has(`${folder}/${name}`) ? [] : [f.name];
      assert.deepEqual(claimed, want, `${folder}/${name}`);
    }
  }
});

test('each format folder has a README and testdata', () => {
  for (const f of enrichFormats) {
    const folder = new URL(`./${f.name.replace(/^enrich\//, '')}/`, import.meta.url);
    assert.ok(readFileSync(new URL('README.md', folder), 'utf8').length > 100, f.name);
    assert.ok(readdirSync(new URL('testdata/', folder)).length >= 2, f.name);
    assert.equal(f.kind, 'enrichment');
  }
});
