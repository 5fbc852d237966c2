import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord, Package } from '../model/index.ts';
import { AdvisoryIndex, matchInventorySync, type MatchOptions } from './index.ts';

const npm = (id: string, introduced: string, fixed: string): OsvRecord => ({
  id, modified: '2026-01-01T00:00:00Z',
  affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced }, { fixed }] }] }],
});
const debian = (id: string, fixed: string | undefined, status: string): OsvRecord => ({
  id, modified: '2026-01-01T00:00:00Z',
  affected: [{
    package: { ecosystem: 'Debian:12', name: 'openssl' },
    ranges: [{ type: 'ECOSYSTEM', events: fixed ? [{ introduced: '0' }, { fixed }] : [{ introduced: '0' }] }],
    database_specific: { status },
  }],
});
const lodash = (version: string): Package => ({ ecosystem: 'npm', name: 'lodash', version });
const libssl = (version: string): Package => ({ ecosystem: 'Debian:12', name: 'libssl3', sourceName: 'openssl', version });
const RECORDS = [npm('GHSA-a', '0', '4.17.21'), npm('GHSA-b', '4.0.0', '4.17.12'), debian('DSA-1', '3.0.11-1~deb12u1', 'fixed'), debian('DEB-2', undefined, 'unfixed')];

const json = (x: unknown) => JSON.parse(JSON.stringify(x));
/** the report of one package (undefined: nothing to report), as JSON (what reaches a user), from a fresh index: nothing memoized */
const fresh = (p: Package, opts?: MatchOptions) => {
  const r = matchInventorySync([p], AdvisoryIndex.fromRecords(RECORDS), opts).packages[0];
  return r && json(r);
};

test('a match is shared by every package in its interval, and what was searched is the report\'s', () => {
  const index = AdvisoryIndex.fromRecords(RECORDS);
  const [a, b] = matchInventorySync([lodash('4.17.5'), lodash('4.17.6')], index).packages;
  assert.deepEqual(a.matches.map((m) => m.id), ['GHSA-a', 'GHSA-b']);
  assert.equal(a.matches[0], b.matches[0]);
  assert.equal(a.matches[1], b.matches[1]);
  assert.equal('searched' in a.matches[0].detail, false);
  assert.deepEqual(a.searched, { ecosystem: 'npm', name: 'lodash', version: '4.17.5', via: 'name' });
  assert.deepEqual(b.searched, { ecosystem: 'npm', name: 'lodash', version: '4.17.6', via: 'name' });
  assert.deepEqual(a.fix, { version: '4.17.21', closes: ['GHSA-a', 'GHSA-b'] });
  // an interval past GHSA-b's fix: another shared match of GHSA-a, the same explanation
  const [c] = matchInventorySync([lodash('4.17.15')], index).packages;
  assert.deepEqual(c.matches.map((m) => m.id), ['GHSA-a']);
  assert.deepEqual(json(c), fresh(lodash('4.17.15')));
  assert.deepEqual(json(a), fresh(lodash('4.17.5')));
});

test('memoized matching gives what a fresh index gives, whatever came before (fix guidance per rank, hidden unfixed findings)', () => {
  const index = AdvisoryIndex.fromRecords(RECORDS);
  const cases: [Package, MatchOptions][] = [
    [libssl('3.0.9-1'), {}], [libssl('3.0.9-1'), { hideUnfixed: true }], [libssl('3.0.9-1'), {}],
    [libssl('3.0.11-1~deb12u1'), { hideUnfixed: true }], [libssl('3.0.11-1~deb12u1'), {}],
    [lodash('4.17.5'), {}], [lodash('4.17.5'), { fixGuidance: false }], [lodash('4.17.5'), {}], [lodash('4.17.21'), {}],
  ];
  for (const [p, opts] of cases) {
    const got = matchInventorySync([p], index, opts).packages[0];
    assert.deepEqual(got && json(got), fresh(p, opts), `${p.name}@${p.version} ${JSON.stringify(opts)}`);
  }
  // the same installed rank with other open advisories gets its own guidance: with the unfixed
  // one hidden, it is no longer named as what no version fixes
  const all = matchInventorySync([libssl('3.0.9-1')], index).packages[0];
  const hidden = matchInventorySync([libssl('3.0.9-1')], index, { hideUnfixed: true }).packages[0];
  assert.deepEqual(all.fix, { version: null, closes: ['DEB-2', 'DSA-1'], reason: 'no fix exists for DEB-2', partial: { version: '3.0.11-1~deb12u1', leavesOpen: ['DEB-2'] } });
  assert.deepEqual(hidden.matches.map((m) => m.id), ['DSA-1']);
  assert.deepEqual(hidden.fix?.closes, ['DSA-1']);
  assert.equal(hidden.fix?.version, null);
});

test('a record added to the index after matching is matched (its package is compiled again)', () => {
  const index = AdvisoryIndex.fromRecords([RECORDS[0]]);
  assert.deepEqual(matchInventorySync([lodash('4.17.5')], index).packages[0].matches.map((m) => m.id), ['GHSA-a']);
  index.add(RECORDS[1]);
  assert.deepEqual(matchInventorySync([lodash('4.17.5')], index).packages[0].matches.map((m) => m.id), ['GHSA-a', 'GHSA-b']);
});

test('an entry with SEMVER beside ECOSYSTEM ranges lists its fixed versions in one order, whatever the other advisories of the package', () => {
  // ranks of two schemes do not compare: the order once depended on how many bounds the package's
  // other advisories put in each universe
  const mixed: OsvRecord = {
    id: 'GHSA-m', modified: '2026-01-01T00:00:00Z',
    affected: [{
      package: { ecosystem: 'Packagist', name: 'vendor/pkg' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '3.0.6' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }],
    }],
  };
  const other: OsvRecord = {
    id: 'GHSA-o', modified: '2026-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'Packagist', name: 'vendor/pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '2.0.0' }] }] }],
  };
  const pkg: Package = { ecosystem: 'Packagist', name: 'vendor/pkg', version: '0.1' };
  const fixedOf = (records: OsvRecord[]) => matchInventorySync([pkg], AdvisoryIndex.fromRecords(records)).packages[0].matches.find((m) => m.id === 'GHSA-m')?.detail.fixed;
  assert.deepEqual(fixedOf([mixed]), ['3.0.6', '1.0']);
  assert.deepEqual(fixedOf([mixed, other]), ['3.0.6', '1.0']);
});
