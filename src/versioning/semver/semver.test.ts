import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareSemver, semverScheme } from './index.ts';

testVectors(semverScheme, new URL('.', import.meta.url), 40);

test('semver parse splits core, pre-release and build', () => {
  const v = semverScheme.parse('1.2.3-rc.10+build.5');
  assert.equal(v.major, 1n);
  assert.equal(v.minor, 2n);
  assert.equal(v.patch, 3n);
  assert.deepEqual(v.prerelease, ['rc', 10n]);
  assert.deepEqual(v.build, ['build', '5']);
  assert.equal(v.raw, '1.2.3-rc.10+build.5');
});

test('semver rejects invalid versions, naming the input and rule', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['1.2', /MAJOR\.MINOR\.PATCH/],
    ['1.2.3.4', /MAJOR\.MINOR\.PATCH/],
    ['01.2.3', /leading zeros/],
    ['1.2.3-01', /leading zeros/],
    ['1.2.3-', /pre-release/],
    ['1.2.3-a..b', /pre-release/],
    ['1.2.3+', /build/],
    ['1.2.x', /numeric/],
    ['a.b.c', /numeric/],
  ];
  for (const [input, rule] of cases) {
    assert.throws(
      () => semverScheme.parse(input),
      (e: unknown) => e instanceof InvalidVersionError && e.input === input && rule.test(e.message),
      input,
    );
  }
});

test('compareSemver convenience', () => {
  assert.equal(compareSemver('1.0.0', '1.0.1'), -1);
  assert.equal(compareSemver('1.0.0+x', '1.0.0'), 0);
});
