import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareMaven, mavenScheme, parseMavenRange, parseMavenVersion } from './index.ts';

testVectors(mavenScheme, new URL('.', import.meta.url), 40);

test('maven canonical forms match ComparableVersion', () => {
  assert.equal(parseMavenVersion('1.0.0-ALPHA1').canonical, '1-alpha-1');
  assert.equal(parseMavenVersion('1.0-SNAPSHOT').canonical, '1-snapshot');
  assert.equal(parseMavenVersion('1.0.0.RC1').canonical, '1-rc-1');
  assert.equal(parseMavenVersion('2.0.0.Final').canonical, '2');
});

test('maven rejects what cannot be a version', () => {
  for (const bad of ['', ' ', '1.0 beta', '[1.0]', '1,2']) {
    assert.throws(() => parseMavenVersion(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad, bad);
  }
});

test('maven ranges', () => {
  const r = parseMavenRange('[1.0,2.0)');
  assert.equal(r.contains('1.0'), true);
  assert.equal(r.contains('1.5-SNAPSHOT'), true);
  assert.equal(r.contains('2.0-beta-1'), true); // a pre-release of 2.0 is below 2.0
  assert.equal(r.contains('2.0'), false);
  assert.equal(r.contains('0.9'), false);

  const upTo = parseMavenRange('(,1.0]');
  assert.equal(upTo.contains('0.0.1'), true);
  assert.equal(upTo.contains('1.0.0'), true);
  assert.equal(upTo.contains('1.0.1'), false);

  const exact = parseMavenRange('[1.2]');
  assert.equal(exact.contains('1.2.0'), true);
  assert.equal(exact.contains('1.2.1'), false);

  const union = parseMavenRange('[1,2),[3,4)');
  assert.equal(union.restrictions.length, 2);
  assert.equal(union.contains('1.5'), true);
  assert.equal(union.contains('2.5'), false);
  assert.equal(union.contains('3'), true);
  assert.equal(union.contains('4'), false);

  const open = parseMavenRange('(1.0,)');
  assert.equal(open.contains('1.0'), false);
  assert.equal(open.contains('1.0.1'), true);

  const soft = parseMavenRange('1.0');
  assert.equal(soft.recommended?.raw, '1.0');
  assert.equal(soft.contains('0.1'), true); // a soft requirement restricts nothing, as in Maven

  assert.equal(parseMavenRange(' [ 1.0 , 2.0 ] ').contains('2.0'), true);
});

test('maven range errors name the spec and rule', () => {
  const cases: [string, RegExp][] = [
    ['[1.0,2.0', /closing/],
    ['1.0,2.0]', /whitespace|range characters/],
    ['[2.0,1.0]', /above/],
    ['(1.0)', /single version/],
    ['[1.0,1.0)', /identical/],
    ['[1,2,3]', /at most two/],
    ['[1,3),[2,4)', /overlap/],
    ['[1,2)[3,4)', /separated/],
    ['[1,2),', /trailing/],
    ['', /empty/],
  ];
  for (const [spec, rule] of cases) {
    assert.throws(
      () => parseMavenRange(spec),
      (e: unknown) => e instanceof InvalidVersionError && rule.test(e.message),
      spec,
    );
  }
});

test('compareMaven convenience', () => {
  assert.equal(compareMaven('1.0-SNAPSHOT', '1.0'), -1);
});
