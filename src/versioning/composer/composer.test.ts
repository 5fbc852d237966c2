import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import {
  compareComposer,
  composerScheme,
  normalizeComposerVersion,
  parseComposerConstraint,
  parseComposerVersion,
  phpVersionCompare,
} from './index.ts';

testVectors(composerScheme, new URL('.', import.meta.url), 40);

test('composer normalisation matches VersionParser::normalize', () => {
  const cases: [string, string][] = [
    ['v1.2.3', '1.2.3.0'],
    ['1.2', '1.2.0.0'],
    ['1.2.3.4', '1.2.3.4'],
    ['1.0-beta2', '1.0.0.0-beta2'],
    ['1.0.0-pl1', '1.0.0.0-patch1'],
    ['1.0.0-p', '1.0.0.0-patch'],
    ['1.0.0-rc1', '1.0.0.0-RC1'],
    ['1.0.0-alpha.1', '1.0.0.0-alpha1'],
    ['1.0.0-dev', '1.0.0.0-dev'],
    ['2.x-dev', '2.9999999.9999999.9999999-dev'],
    ['1.0 as 2.0', '1.0.0.0'],
    ['20240101', '20240101'],
    ['2024-01-01', '2024.01.01'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeComposerVersion(input), want, input);
  assert.equal(parseComposerVersion('1.0.0-beta1').stability, 'beta');
  assert.equal(parseComposerVersion('1.0.0-pl1').stability, 'stable');
  assert.equal(parseComposerVersion('1.0.0-dev').stability, 'dev');
});

test('composer rejects branch names and junk, naming the input', () => {
  for (const bad of ['', 'dev-main', 'master', 'dev-feature/x', 'foo', '1.0.0-gamma', '1.0.0.0.0']) {
    assert.throws(() => parseComposerVersion(bad), (e: unknown) => e instanceof InvalidVersionError && e.input === bad, bad);
  }
});

test('php version_compare corner cases', () => {
  assert.equal(phpVersionCompare('1.0', '1.0.0'), -1);
  assert.equal(phpVersionCompare('1.0.0', '1.0.0-dev'), 1);
  assert.equal(phpVersionCompare('1.0.0-patch1', '1.0.0'), 1);
  assert.equal(phpVersionCompare('1.0rc1', '1.0.RC.1'), 0);
  assert.equal(phpVersionCompare('', '1'), -1);
  assert.equal(phpVersionCompare('1.0-foo', '1.0-dev'), -1); // unknown words sort below dev
});

test('composer constraints', () => {
  const caret = parseComposerConstraint('^1.2');
  assert.equal(caret.contains('1.2.0'), true);
  assert.equal(caret.contains('1.9.9'), true);
  assert.equal(caret.contains('2.0.0'), false);
  assert.equal(caret.contains('2.0.0-beta1'), false); // <2.0.0.0-dev excludes 2.0's pre-releases
  assert.equal(caret.contains('1.1.9'), false);
  assert.equal(parseComposerConstraint('^0.3').contains('0.4.0'), false);
  assert.equal(parseComposerConstraint('^0.3').contains('0.3.9'), true);
  assert.equal(parseComposerConstraint('^0.0.3').contains('0.0.4'), false);

  const tilde = parseComposerConstraint('~1.2');
  assert.equal(tilde.contains('1.9'), true);
  assert.equal(tilde.contains('2.0'), false);
  const tilde3 = parseComposerConstraint('~1.2.3');
  assert.equal(tilde3.contains('1.2.9'), true);
  assert.equal(tilde3.contains('1.3.0'), false);

  const and = parseComposerConstraint('>=1.0 <2.0');
  assert.equal(and.contains('1.0.0'), true);
  assert.equal(and.contains('1.0.0-beta1'), true); // >=1.0 means >=1.0.0.0-dev
  assert.equal(and.contains('2.0.0-RC1'), false);
  assert.equal(parseComposerConstraint('>= 1.0, < 2.0').contains('1.5'), true);
  assert.equal(parseComposerConstraint('>1.0,<=2.0').contains('2.0.0'), true);
  assert.equal(parseComposerConstraint('>1.0,<=2.0').contains('1.0.0'), false);

  const or = parseComposerConstraint('<1.0.5 || >=2.0,<2.0.3 | 3.0.1');
  assert.equal(or.anyOf.length, 3);
  assert.equal(or.contains('1.0.4'), true);
  assert.equal(or.contains('1.0.5'), false);
  assert.equal(or.contains('2.0.2'), true);
  assert.equal(or.contains('3.0.1'), true);
  assert.equal(or.contains('3.0.2'), false);

  assert.equal(parseComposerConstraint('1.2.*').contains('1.2.99'), true);
  assert.equal(parseComposerConstraint('1.2.*').contains('1.3.0'), false);
  assert.equal(parseComposerConstraint('1.0 - 2.0').contains('2.0.5'), true);
  assert.equal(parseComposerConstraint('1.0 - 2.0').contains('2.1.0'), false);
  assert.equal(parseComposerConstraint('1.0.0 - 2.1.0').contains('2.1.0'), true);
  assert.equal(parseComposerConstraint('1.0.0 - 2.1.0').contains('2.1.1'), false);
  assert.equal(parseComposerConstraint('*').contains('0.0.1'), true);
  assert.equal(parseComposerConstraint('!=1.5').contains('1.5.0'), false);

  for (const bad of ['', '>=foo', '^dev-main', '1.0 ||', '<>']) {
    assert.throws(() => parseComposerConstraint(bad), InvalidVersionError, bad);
  }
});

test('compareComposer convenience', () => {
  assert.equal(compareComposer('1.0.0-RC1', '1.0.0'), -1);
});
