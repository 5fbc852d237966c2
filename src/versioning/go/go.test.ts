import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareGo, goScheme, parseGoVersion } from './index.ts';

testVectors(goScheme, new URL('.', import.meta.url), 40);

test('go recognises the three pseudo-version forms', () => {
  assert.deepEqual(parseGoVersion('v0.0.0-20191109021931-daa7c04131f5').pseudo, { timestamp: '20191109021931', revision: 'daa7c04131f5' });
  assert.deepEqual(parseGoVersion('v1.2.4-0.20191109021931-daa7c04131f5').pseudo, { timestamp: '20191109021931', revision: 'daa7c04131f5' });
  assert.deepEqual(parseGoVersion('v1.2.3-pre.0.20191109021931-daa7c04131f5').pseudo, { timestamp: '20191109021931', revision: 'daa7c04131f5' });
  assert.equal(parseGoVersion('v1.2.3-pre').pseudo, undefined);
  assert.equal(parseGoVersion('v2.0.0+incompatible').incompatible, true);
  assert.equal(parseGoVersion('v2.0.0').incompatible, false);
});

test('go rejects invalid versions, naming the input', () => {
  for (const bad of ['', 'v', 'v1.2.3.4', 'v01.2.3', 'v1.2-pre', 'v1.2.3+build', 'vx.y.z', 'go1.21', 'latest']) {
    assert.throws(() => parseGoVersion(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad, bad);
  }
});

test('compareGo convenience', () => {
  assert.equal(compareGo('v1.0.0', '1.0.1'), -1);
});
