import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complement, formatSet, fromEvents, intersect, normalize, toEvents, type Interval } from './intervals.ts';

const num = (a: string, b: string) => Number(a) - Number(b);
const iv = (lo?: [string, boolean], hi?: [string, boolean]): Interval => ({
  ...(lo ? { lo: { v: lo[0], inclusive: lo[1] } } : {}),
  ...(hi ? { hi: { v: hi[0], inclusive: hi[1] } } : {}),
});

test('normalize merges overlapping and touching intervals, keeps the larger end, keeps holes', () => {
  assert.equal(formatSet(normalize([iv(['1', true], ['3', false]), iv(['2', true]), iv(['2.5', true], ['2.7', false])], num)), '[1, +∞)');
  assert.equal(formatSet(normalize([iv(['1', true], ['2', false]), iv(['2', true], ['3', false])], num)), '[1, 3)');
  assert.equal(formatSet(normalize([iv(['1', true], ['2', false]), iv(['2', false], ['3', false])], num)), '[1, 2) ∪ (2, 3)');
  assert.equal(formatSet(normalize([iv(['3', true], ['2', false]), iv(['2', false], ['2', true])], num)), '∅');
});

test('complement and intersect', () => {
  assert.equal(formatSet(complement([])), '(−∞, +∞)');
  assert.equal(formatSet(complement(normalize([iv(undefined, ['1', false]), iv(['2', false], ['3', true])], num))), '[1, 2] ∪ (3, +∞)');
  assert.equal(formatSet(intersect([iv(['1', true], ['5', false])], [iv(['3', false])], num)), '(3, 5)');
});

test('toEvents / fromEvents round trip; exclusive lower bounds use the successor or are flagged', () => {
  const set = normalize([iv(undefined, ['1', false]), iv(['2', true], ['3', true]), iv(['4', true])], num);
  const { events, inexact } = toEvents(set);
  assert.deepEqual(events, [{ introduced: '0' }, { fixed: '1' }, { introduced: '2' }, { last_affected: '3' }, { introduced: '4' }]);
  assert.deepEqual(inexact, []);
  assert.equal(formatSet(fromEvents(events, num)), formatSet(set));
  const excl = toEvents([iv(['5', false], ['6', false])]);
  assert.deepEqual(excl.events, [{ introduced: '5' }, { fixed: '6' }]);
  assert.equal(excl.inexact.length, 1);
  assert.deepEqual(toEvents([iv(['5', false])], { successor: (v) => `${v}.0.1` }).events, [{ introduced: '5.0.1' }]);
  assert.deepEqual(toEvents([iv(undefined, ['0', false])]).events, [], '"< 0" admits nothing');
});
