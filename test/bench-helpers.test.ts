// The benches' own arithmetic (bench/measure.ts, bench/versions.ts): what they report as min,
// median and per-round ratio, and the neighbour versions bench/rematch draws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtRatio, pageCacheNote, summarize } from '../bench/measure.ts';
import { neighbours } from '../bench/versions.ts';

test('summarize: min and median are different figures (the old best() returned the median as "best")', () => {
  assert.deepEqual(summarize([5, 1, 3]), { n: 3, min: 1, median: 3, max: 5, spread: 4 / 3 });
  // an even count: the mean of the middle two, not the upper one
  const s = summarize([4, 1, 2, 3]);
  assert.equal(s.min, 1);
  assert.equal(s.median, 2.5);
  assert.equal(s.max, 4);
});

test('fmtRatio: ratios of medians and of mins, and the range of the per-round ratios', () => {
  // medians 4 / 2, mins 2 / 1; round by round 2/1, 6/2, 4/4 → 2, 3, 1
  assert.equal(fmtRatio([2, 6, 4], [1, 2, 4]), '2.00× of medians, 2.00× of mins; per round 1.00–3.00×');
});

test('neighbours: the last run of digits, one below and one above', () => {
  assert.deepEqual(neighbours('1.2.9'), ['1.2.8', '1.2.10']);
  assert.deepEqual(neighbours('1.2.10'), ['1.2.9', '1.2.11']);
  assert.deepEqual(neighbours('2.3-1+deb11u1'), ['2.3-1+deb11u0', '2.3-1+deb11u2']);
  assert.deepEqual(neighbours('1:1.1.1k-5.el8_5'), ['1:1.1.1k-5.el8_4', '1:1.1.1k-5.el8_6']);
  assert.deepEqual(neighbours('1.0.0-rc'), [undefined, '1.0.1-rc'], 'a 0 has no version below it');
  assert.deepEqual(neighbours('1.05'), ['1.04', '1.06']);
  assert.deepEqual(neighbours('latest'), [undefined, undefined]);
});

test('pageCacheNote: a running DAMON pageout scheme is named with its idle age; anything else says nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-damon-'));
  try {
    const put = (p: string, v: string) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), `${v}\n`);
    };
    put('nr_kdamonds', '1');
    put('0/state', 'on');
    put('0/contexts/nr_contexts', '1');
    put('0/contexts/0/monitoring_attrs/intervals/aggr_us', '5000000');
    put('0/contexts/0/schemes/nr_schemes', '1');
    put('0/contexts/0/schemes/0/action', 'pageout');
    put('0/contexts/0/schemes/0/access_pattern/age/min', '12');
    assert.equal(pageCacheNote(root), 'the kernel pages out memory idle for 60 s or more (DAMON kdamond 0, action pageout)');
    put('0/contexts/0/schemes/0/action', 'stat');
    assert.equal(pageCacheNote(root), null, 'a scheme that only counts');
    put('0/contexts/0/schemes/0/action', 'pageout');
    put('0/state', 'off');
    assert.equal(pageCacheNote(root), null, 'a kdamond that is off');
    assert.equal(pageCacheNote(join(root, 'missing')), null, 'no DAMON interface');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
