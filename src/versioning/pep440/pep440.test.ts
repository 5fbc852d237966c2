import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { comparePep440, parsePep440, pep440Scheme } from './index.ts';

testVectors(pep440Scheme, new URL('.', import.meta.url), 40);

test('pep440 parse exposes the normalised parts', () => {
  const v = parsePep440(' 1!2.0rc1.post2.dev3+Ubuntu-1 ');
  assert.equal(v.epoch, 1);
  assert.deepEqual(v.release, [2, 0]);
  assert.deepEqual(v.pre, ['rc', 1]);
  assert.equal(v.post, 2);
  assert.equal(v.dev, 3);
  assert.equal(v.local, 'ubuntu.1');
  assert.equal(v.isPrerelease, true);
  assert.equal(parsePep440('1.0').isPrerelease, false);
});

test('pep440 rejects what packaging rejects, naming the input', () => {
  for (const bad of ['', 'french toast', '1.0-beta-gamma', '1.0+', '1.0++1', '1..0', 'dev']) {
    assert.throws(() => parsePep440(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad);
  }
});

test('comparePep440 convenience', () => {
  assert.equal(comparePep440('1.0', '1.0.post1'), -1);
  assert.equal(comparePep440('1.0.0', '1'), 0);
});
