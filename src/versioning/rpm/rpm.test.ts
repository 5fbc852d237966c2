import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { compareRpm, parseRpmVersion, rpm, rpmvercmp } from './index.ts';

testVectors(rpm, new URL('.', import.meta.url), 40);

test('rpm parse splits epoch, version and release', () => {
  assert.deepEqual(parseRpmVersion('1:2.3-4.el9'), { raw: '1:2.3-4.el9', epoch: 1, version: '2.3', release: '4.el9' });
  assert.deepEqual(parseRpmVersion('2.3'), { raw: '2.3', epoch: 0, version: '2.3' });
  assert.deepEqual(parseRpmVersion('0:1.0^git1~rc1-1'), { raw: '0:1.0^git1~rc1-1', epoch: 0, version: '1.0^git1~rc1', release: '1' });
});

test('rpm parse rejects what rpmbuild rejects, naming input and rule', () => {
  const bad: [string, string][] = [
    ['', 'version string is empty'],
    [':1.0', 'epoch must be an unsigned number'],
    ['a:1.0', 'epoch must be an unsigned number'],
    ['-1:1.0', 'epoch must be an unsigned number'],
    ['4294967296:1.0', 'epoch must fit in 32 bits'],
    ['1:2:3', "version and release may not contain ':'"],
    ['1-2-3', "version and release may not contain '-'"],
    ['-1', 'version is empty'],
    ['1:', 'version is empty'],
    ['1.0-', 'release is empty'],
    ['1.0 ', 'illegal character in version (allowed: A-Za-z0-9._+~^)'],
    ['1.0/2', 'illegal character in version (allowed: A-Za-z0-9._+~^)'],
    ['1.0-1%{?dist}', 'illegal character in release (allowed: A-Za-z0-9._+~^)'],
  ];
  for (const [v, rule] of bad) {
    assert.throws(() => rpm.parse(v), (e: unknown) => {
      assert.ok(e instanceof InvalidVersionError, `${JSON.stringify(v)} threw ${String(e)}`);
      assert.equal(e.rule, rule, JSON.stringify(v));
      assert.equal(e.input, v);
      return true;
    });
  }
});

test('rpmvercmp on bare segments strings', () => {
  assert.equal(rpmvercmp('', ''), 0);
  assert.equal(rpmvercmp('1.0', '1.0'), 0);
  assert.equal(rpmvercmp('el9', 'el9_1'), -1);
  assert.equal(rpmvercmp('', '~1'), 1); // the bare function: '~' is below the end
  assert.equal(rpmvercmp('1.0^', '1.0'), 1);
  assert.equal(rpmvercmp('1.0\u00e9', '1.0'), 0); // non-ASCII is a separator, as in rpm
});

test('compareRpm is a convenience over parse + compare', () => {
  assert.ok(compareRpm('1.0~rc1-1', '1.0-1') < 0);
  assert.equal(compareRpm('0:1.0-1', '1.0-1'), 0);
  assert.throws(() => compareRpm('1.0', 'x:1'), InvalidVersionError);
});
