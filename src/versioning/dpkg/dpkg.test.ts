import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareDpkg, dpkg, dpkgStrict, parseDpkgVersion } from './index.ts';

testVectors(dpkg, new URL('.', import.meta.url), 40);

test('dpkg parse splits epoch, upstream (last hyphen) and revision', () => {
  assert.deepEqual(parseDpkgVersion('1:2.3-4-5'), { raw: '1:2.3-4-5', epoch: 1, upstream: '2.3-4', revision: '5' });
  assert.deepEqual(parseDpkgVersion('2.30'), { raw: '2.30', epoch: 0, upstream: '2.30', revision: '' });
  assert.equal(parseDpkgVersion(' 1.0\t').upstream, '1.0');
  // strtol() semantics, as in dpkg
  assert.equal(parseDpkgVersion('+1:1.0').epoch, 1);
  assert.equal(parseDpkgVersion('-0:1.0').epoch, 0);
});

test('dpkg parse rejects what dpkg rejects, naming input and rule', () => {
  const bad: [string, string][] = [
    ['', 'version string is empty'],
    ['   ', 'version string is empty'],
    ['1.0 1', 'version string has embedded spaces'],
    [':1.0', 'epoch in version is empty'],
    ['a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['1a:1.0', 'epoch in version is not number'],
    ['1.0:1', 'epoch in version is not number'],
    ['2147483648:1.0', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
    ['1:-1', 'version number is empty'],
  ];
  for (const [v, rule] of bad) {
    assert.throws(() => dpkg.parse(v), (e: unknown) => {
      assert.ok(e instanceof InvalidVersionError, `${JSON.stringify(v)} threw ${String(e)}`);
      assert.equal(e.rule, rule, JSON.stringify(v));
      assert.equal(e.input, v);
      assert.equal(e.code, 'VIGIL_INVALID_VERSION');
      return true;
    });
  }
});

test('dpkg only warns where dpkg only warns; strict mode rejects those', () => {
  const warned: [string, string][] = [
    ['1:a', 'version number does not start with digit'],
    ['abc-1', 'version number does not start with digit'],
    ['1.0_1', 'invalid character in version number'],
    ['1.0-1_2', 'invalid character in revision number'],
    ['1:1.0-1:2', 'invalid character in revision number'],
  ];
  for (const [v, rule] of warned) {
    assert.equal(dpkg.parse(v).warning, rule, v);
    assert.throws(() => dpkgStrict.parse(v), (e: unknown) => e instanceof InvalidVersionError && e.rule === rule);
  }
  assert.equal(dpkg.parse('1.0-1').warning, undefined);
  // dpkg --compare-versions orders such versions with the same rules
  assert.ok(compareDpkg('1.0_1', '1.0+1') > 0); // '_' > '+' by code, as in dpkg
  assert.ok(compareDpkg('a', '1') > 0);
});

test('compareDpkg is a convenience over parse + compare', () => {
  assert.ok(compareDpkg('1.0~rc1', '1.0') < 0);
  assert.equal(compareDpkg('1.0', '0:1.0-0'), 0);
  assert.throws(() => compareDpkg('1.0', 'a:1'), InvalidVersionError);
});
