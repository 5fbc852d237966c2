import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareRubyGems, parseRubyGemsRequirement, parseRubyGemsVersion, rubygemsScheme } from './index.ts';

testVectors(rubygemsScheme, new URL('.', import.meta.url), 40);

test('rubygems parse', () => {
  assert.equal(parseRubyGemsVersion('1.0-1').normalized, '1.0.pre.1');
  assert.equal(parseRubyGemsVersion('1.0.rc1').prerelease, true);
  assert.equal(parseRubyGemsVersion('1.0').prerelease, false);
  for (const bad of ['', 'a', '1..0', '1.0 beta', 'v1.0', '1.0+build', '-1']) {
    assert.throws(() => parseRubyGemsVersion(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad, bad);
  }
});

test('rubygems requirements', () => {
  const pess = parseRubyGemsRequirement('~> 1.2');
  assert.equal(pess.contains('1.2'), true);
  assert.equal(pess.contains('1.9.9'), true);
  assert.equal(pess.contains('2.0'), false);
  assert.equal(pess.contains('2.0.0.a'), false); // release of 2.0.0.a is 2.0.0, not < 2
  assert.equal(pess.contains('1.1'), false);

  const pess3 = parseRubyGemsRequirement('~> 1.2.3');
  assert.equal(pess3.contains('1.2.99'), true);
  assert.equal(pess3.contains('1.3'), false);

  const between = parseRubyGemsRequirement('>= 1, < 2');
  assert.deepEqual(between.constraints.map((c) => c.op), ['>=', '<']);
  assert.equal(between.contains('1.0'), true);
  assert.equal(between.contains('1.99'), true);
  assert.equal(between.contains('2.0.a'), true); // a pre-release of 2 is below 2
  assert.equal(between.contains('2'), false);

  assert.equal(parseRubyGemsRequirement('1.2.3').contains('1.2.3.0'), true);
  assert.equal(parseRubyGemsRequirement('!= 1.2.3').contains('1.2.3'), false);
  assert.equal(parseRubyGemsRequirement('> 1.2.3').contains('1.2.4'), true);
  assert.equal(parseRubyGemsRequirement('<= 1.2.3').contains('1.2.3'), true);

  for (const bad of ['>= ', '=> 1.0', '>= 1.0,', 'foo bar']) {
    assert.throws(() => parseRubyGemsRequirement(bad), InvalidVersionError, bad);
  }
});

test('compareRubyGems convenience', () => {
  assert.equal(compareRubyGems('1.0.a', '1.0'), -1);
});
