import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidVersionError } from '../../model/index.ts';
import { testVectors } from '../vectors.ts';
import { apk, compareApk, parseApkVersion } from './index.ts';

testVectors(apk, new URL('.', import.meta.url), 40);

test('apk parse accepts the grammar apk-tools accepts', () => {
  for (const v of ['1.2', '0.1_pre2', '0.1_pre2~1234abcd', '0.1_p1_pre2', '0.1_alpha1_pre2', '0.1_git20240101_pre1',
    '1.0a_p1-r2', '2.3.0b-r1', '1.0~ABCdef-r0', '006', '1.0-r00']) {
    assert.equal(apk.parse(v).raw, v);
  }
  assert.deepEqual(parseApkVersion('1.2a_rc3~ab-r4').tokens.map((t) => t.text), ['1', '2', 'a', 'rc', '3', 'ab', '4', '']);
});

test('apk parse rejects what apk_version_validate rejects, naming input and rule', () => {
  const bad: [string, string][] = [
    ['', 'version must start with a digit'],
    ['a', 'version must start with a digit'],
    ['.1', 'version must start with a digit'],
    ['_pre1', 'version must start with a digit'],
    ['-r1', 'version must start with a digit'],
    ['0.1bc', 'letter "c" must directly follow a number'],
    ['0.1bc1', 'letter "c" must directly follow a number'],
    ['0.1a1', 'a number may not follow a letter'],
    ['0.1a.1', "'.' may only follow a number"],
    ['0.1.', "'.' must be followed by a number"],
    ['0.1_pre2~', "'~' must be followed by a hexadecimal commit hash"],
    ['0.1_pre2~1234xbcd', 'letter "x" must directly follow a number'],
    ['0.1_pre2~1234abcd_pre1', "'_suffix' may not follow a commit hash or revision"],
    ['0.1_pre2-r1~1234abcd', "'~hash' may appear once, before the revision"],
    ['0.1_foobar', 'unknown suffix "foobar" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1_post1', 'unknown suffix "post" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1_', 'unknown suffix "" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1_-r0', 'unknown suffix "" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1__alpha', 'unknown suffix "" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1_1_alpha', 'unknown suffix "" (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['0.1-pre1.1', "'-' must start the revision '-r<number>'"],
    ['0.1-r', "'-r' must be followed by a number"],
    ['0.1-r2_pre1', "'_suffix' may not follow a commit hash or revision"],
    ['0.1-r2-r3', "'-r' may appear only once"],
    ['0.1-r2.1', "'.' may only follow a number"],
    ['1.0A', 'invalid character "A"'],
    ['1.0 ', 'invalid character " "'],
    ['1:1.0', 'invalid character ":"'],
  ];
  for (const [v, rule] of bad) {
    assert.throws(() => apk.parse(v), (e: unknown) => {
      assert.ok(e instanceof InvalidVersionError, `${JSON.stringify(v)} threw ${String(e)}`);
      assert.equal(e.rule, rule, JSON.stringify(v));
      assert.equal(e.input, v);
      return true;
    });
  }
});

test('compareApk is a convenience over parse + compare', () => {
  assert.ok(compareApk('1.0_rc1', '1.0') < 0);
  assert.equal(compareApk('1.0-r00', '1.0-r0'), 0);
  assert.throws(() => compareApk('1.0', '1.0bc'), InvalidVersionError);
});
