import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareNuGet, nugetScheme, parseNuGetRange, parseNuGetVersion } from './index.ts';

testVectors(nugetScheme, new URL('.', import.meta.url), 40);

test('nuget parse and normalise', () => {
  assert.equal(parseNuGetVersion('1.01').normalized, '1.1.0');
  assert.equal(parseNuGetVersion('1.2.3.4-Beta.1+meta').normalized, '1.2.3.4-Beta.1');
  assert.equal(parseNuGetVersion('1.2.3.4-Beta.1+meta').metadata, 'meta');
  assert.equal(parseNuGetVersion('1.0.0.0').normalized, '1.0.0');
  for (const bad of ['', '1.2.3.4.5', 'a.b', '1..2', '1.0-', '1.0-a..b', '1.0+', 'v1.0']) {
    assert.throws(() => parseNuGetVersion(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad, bad);
  }
});

test('nuget ranges', () => {
  const min = parseNuGetRange('1.0');
  assert.equal(min.contains('1.0'), true);
  assert.equal(min.contains('99'), true);
  assert.equal(min.contains('1.0-beta'), false);

  const r = parseNuGetRange('[1.0,2.0)');
  assert.equal(r.contains('1.0.0.0'), true);
  assert.equal(r.contains('1.9.9.9'), true);
  assert.equal(r.contains('2.0-alpha'), true);
  assert.equal(r.contains('2.0'), false);

  assert.equal(parseNuGetRange('(,1.0]').contains('1.0'), true);
  assert.equal(parseNuGetRange('(,1.0)').contains('1.0'), false);
  assert.equal(parseNuGetRange('(1.0,)').contains('1.0'), false);
  assert.equal(parseNuGetRange('[1.2]').contains('1.2.0'), true);
  assert.equal(parseNuGetRange('[1.2]').contains('1.2.1'), false);
  assert.equal(parseNuGetRange('[ 1.0 , 2.0 ]').contains('2.0'), true);

  for (const bad of ['', '1.*', '[1.0,2.0', '(1.0)', '[2.0,1.0]', '[1,2),[3,4)', '[1.0,1.0)']) {
    assert.throws(() => parseNuGetRange(bad), InvalidVersionError, bad);
  }
});

test('compareNuGet convenience', () => {
  assert.equal(compareNuGet('1.0.0-BETA', '1.0.0-beta'), 0);
});
