import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVectors, parseVectors } from './vectors.ts';
import type { Version, VersionScheme } from './types.ts';

test('parseVectors reads "A op B" lines, skipping comments and blank lines', () => {
  const v = parseVectors('# head\n\n1.0 < 2.0\n  1#x > 1   # trailing comment\n3 == 3\r\n', 'x.txt');
  assert.deepEqual(v, [
    { a: '1.0', op: '<', b: '2.0', where: 'x.txt:3' },
    { a: '1#x', op: '>', b: '1', where: 'x.txt:4' },
    { a: '3', op: '==', b: '3', where: 'x.txt:5' },
  ]);
});

test('parseVectors names the file and line of a bad line', () => {
  assert.throws(() => parseVectors('1 < 2\n1 <= 2\n', 'y.txt'), /y\.txt:2/);
  assert.throws(() => parseVectors('1 2\n', 'y.txt'), /y\.txt:1/);
});

test('checkVectors checks both directions and reports parse failures', () => {
  // A deliberately broken scheme: compares by length only, and is not antisymmetric for "b".
  const broken: VersionScheme<Version> = {
    id: 'broken',
    parse: (raw) => {
      if (raw === 'bad') throw new Error('nope');
      return { raw };
    },
    compare: (a, b) => (a.raw === 'b' ? 1 : a.raw.length - b.raw.length),
  };
  const failures = checkVectors(broken, parseVectors('1 < 22\n1 == 2\nb < cc\nbad < 1\n22 > 1\n', 'z.txt'));
  assert.equal(failures.length, 2);
  assert.match(failures[0], /^z\.txt:3: b < cc: compare\(a,b\)=1, compare\(b,a\)=1$/);
  assert.match(failures[1], /^z\.txt:4: .*parse failed: nope/);
});
