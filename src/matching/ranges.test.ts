import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvAffected, OsvEvent } from '../model/index.ts';
import { evaluateAffected, type Verdict } from './ranges.ts';

const entry = (ecosystem: string, name: string, ranges: { type: 'ECOSYSTEM' | 'SEMVER' | 'GIT'; events: OsvEvent[]; repo?: string }[], versions?: string[], extra: Partial<OsvAffected> = {}): OsvAffected => ({
  package: { ecosystem, name }, ranges, ...(versions ? { versions } : {}), ...extra,
});

const isAffected = (v: Verdict) => 'affected' in v && v.affected;
const isNot = (v: Verdict) => 'affected' in v && !v.affected;
const isUnknown = (v: Verdict) => 'unknown' in v;

test('introduced/fixed: affected inside, not at or above fixed, with the detail', () => {
  const a = entry('npm', 'lodash', [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }]);
  const v = evaluateAffected(a, '4.17.20', 'npm', { record: 'GHSA-x' });
  assert.ok('affected' in v && v.affected);
  assert.deepEqual(v.detail, {
    record: 'GHSA-x',
    searched: { ecosystem: 'npm', name: 'lodash', version: '4.17.20' },
    scheme: 'semver',
    hit: { by: 'range', range: 0, type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] },
    fixed: ['4.17.21'],
    fixedBy: '4.17.21',
    fixAvailable: true,
  });
  assert.ok(isNot(evaluateAffected(a, '4.17.21', 'npm')));
  assert.ok(isNot(evaluateAffected(a, '5.0.0', 'npm')));
  // pre-releases of the fixed version are below it
  assert.ok(isAffected(evaluateAffected(a, '4.17.21-rc.1', 'npm')));
});

test('last_affected is inclusive; events are sorted before the walk', () => {
  const a = entry('PyPI', 'django', [{ type: 'ECOSYSTEM', events: [{ introduced: '4.0' }, { last_affected: '4.0.5' }, { introduced: '3.2' }, { fixed: '3.2.19' }] }]);
  assert.ok(isAffected(evaluateAffected(a, '4.0.5', 'PyPI')));
  assert.ok(isNot(evaluateAffected(a, '4.0.6', 'PyPI')));
  assert.ok(isNot(evaluateAffected(a, '3.2.19', 'PyPI')));
  assert.ok(isNot(evaluateAffected(a, '3.1', 'PyPI')));
  const v = evaluateAffected(a, '3.2.5', 'PyPI');
  assert.ok('affected' in v && v.affected);
  assert.deepEqual(v.detail.hit, { by: 'range', range: 0, type: 'ECOSYSTEM', events: [{ introduced: '3.2' }, { fixed: '3.2.19' }] });
  const w = evaluateAffected(a, '4.0.1', 'PyPI');
  assert.ok('affected' in w && w.affected);
  assert.equal(w.detail.fixedBy, null);
  assert.equal(w.detail.fixAvailable, false);
  assert.deepEqual(w.detail.fixed, ['3.2.19']);
});

test('versions[]: exact string first, then scheme equality', () => {
  const a = entry('PyPI', 'x', [], ['1.0', '2.0rc1']);
  const v = evaluateAffected(a, '1.0', 'PyPI');
  assert.ok('affected' in v && v.affected && v.detail.hit.by === 'versions');
  // 1.0.0 == 1.0 in PEP 440; 2.0.rc1 == 2.0rc1
  assert.ok(isAffected(evaluateAffected(a, '1.0.0', 'PyPI')));
  const w = evaluateAffected(a, '2.0.rc1', 'PyPI');
  assert.ok('affected' in w && w.affected);
  assert.deepEqual(w.detail.hit, { by: 'versions', version: '2.0rc1' });
  assert.ok(isNot(evaluateAffected(a, '1.1', 'PyPI')));
  // Go: OSV writes no "v"
  const g = entry('Go', 'example.com/m', [], ['1.2.3']);
  assert.ok(isAffected(evaluateAffected(g, 'v1.2.3', 'Go')));
});

test('GIT ranges are skipped with a reason: never a match, never a silent non-match', () => {
  const a = entry('OSS-Fuzz', 'p', [{ type: 'GIT', repo: 'https://x/y', events: [{ introduced: 'abc' }, { fixed: 'def' }] }]);
  const v = evaluateAffected(a, '1.0', 'OSS-Fuzz');
  assert.ok('affected' in v && !v.affected);
  assert.equal(v.skipped?.length, 1);
  assert.equal(v.skipped?.[0].type, 'GIT');
  assert.match(v.skipped?.[0].reason ?? '', /commits/);
  const b = entry('PyPI', 'p', [{ type: 'GIT', repo: 'r', events: [{ introduced: 'abc' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }]);
  const w = evaluateAffected(b, '1.0', 'PyPI');
  assert.ok('affected' in w && w.affected);
  assert.deepEqual(w.detail.skipped?.map((s) => s.type), ['GIT']);
  assert.equal(w.detail.hit.by === 'range' && w.detail.hit.range, 1);
});

test('introduced "0" and "0.0.0-0" mean from the beginning', () => {
  const c = entry('crates.io', 'smallvec', [{ type: 'SEMVER', events: [{ introduced: '0.0.0-0' }, { fixed: '0.6.10' }] }]);
  assert.ok(isAffected(evaluateAffected(c, '0.0.1-alpha', 'crates.io')));
  assert.ok(isAffected(evaluateAffected(c, '0.6.9', 'crates.io')));
  assert.ok(isNot(evaluateAffected(c, '0.6.10', 'crates.io')));
  // a range with only introduced 0 covers every version, even one the scheme cannot read
  const all = entry('npm', 'evil', [{ type: 'SEMVER', events: [{ introduced: '0' }] }]);
  assert.ok(isAffected(evaluateAffected(all, 'not-a-version', 'npm')));
});

test('Go SEMVER ranges use Go versions (leading v, pseudo-versions)', () => {
  const a = entry('Go', 'golang.org/x/net', [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.7.0' }] }]);
  assert.ok(isAffected(evaluateAffected(a, 'v0.0.0-20220127200216-cd36cc0744dd', 'Go')));
  assert.ok(isAffected(evaluateAffected(a, 'v0.6.0', 'Go')));
  assert.ok(isNot(evaluateAffected(a, 'v0.7.0', 'Go')));
  const v = evaluateAffected(a, 'v0.6.0', 'Go');
  assert.ok('affected' in v && v.affected && v.detail.scheme === 'go');
});

test('limit events bound the range', () => {
  const a = entry('npm', 'x', [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '2.0.0' }] }]);
  assert.ok(isAffected(evaluateAffected(a, '1.5.0', 'npm')));
  assert.ok(isNot(evaluateAffected(a, '2.0.0', 'npm')));
});

test('unparseable installed version or bound → unknown with the reason; a hit elsewhere still wins', () => {
  const a = entry('PyPI', 'x', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }]);
  const v = evaluateAffected(a, '1.0-final-x', 'PyPI');
  assert.ok('unknown' in v);
  assert.match(v.unknown, /installed version: invalid PEP 440 version "1.0-final-x"/);
  const b = entry('Debian:3.0', 'kernel-image', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'kernel image' }] }]);
  const w = evaluateAffected(b, '2.4.17-1', 'Debian:3.0');
  assert.ok('unknown' in w);
  assert.match(w.unknown, /fixed bound: invalid/);
  const c = entry('PyPI', 'x', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-bad-' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0' }] }]);
  assert.ok(isAffected(evaluateAffected(c, '2.0', 'PyPI')));
  // versions-only entry and an unreadable installed version: unknown, not "not affected"
  assert.ok(isUnknown(evaluateAffected(entry('npm', 'x', [], ['1.0.0']), '1.0.0.0', 'npm')));
  // no scheme for the ecosystem: ECOSYSTEM ranges are unknown
  assert.ok(isUnknown(evaluateAffected(entry('GIT-less', 'x', [{ type: 'ECOSYSTEM', events: [{ introduced: '1' }] }]), '1', 'GIT-less')));
});

test('distro statuses: not-affected, unfixed (fix available: no), undetermined (unknown)', () => {
  const na = entry('Debian:11', 'openssl', [], [], { database_specific: { status: 'not-affected' } });
  assert.ok(isNot(evaluateAffected(na, '1.1.1n-0+deb11u3', 'Debian:11')));
  const unfixed = entry('Debian:11', 'openssl', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], undefined, { database_specific: { status: 'no-dsa' } });
  const v = evaluateAffected(unfixed, '1.1.1n-0+deb11u3', 'Debian:11');
  assert.ok('affected' in v && v.affected);
  assert.equal(v.detail.fixAvailable, false);
  assert.equal(v.detail.status, 'no-dsa');
  const und = entry('Debian:11', 'openssl', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], undefined, { database_specific: { status: 'undetermined' } });
  assert.ok(isUnknown(evaluateAffected(und, '1.0-1', 'Debian:11')));
});

test('rpm: epoch and release order (AlmaLinux errata)', () => {
  const a = entry('AlmaLinux:8', 'openssl', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.1.1k-6.el8_5' }] }]);
  assert.ok(isAffected(evaluateAffected(a, '1:1.1.1k-5.el8_5', 'AlmaLinux:8')));
  assert.ok(isNot(evaluateAffected(a, '1:1.1.1k-6.el8_5', 'AlmaLinux:8')));
  assert.ok(isNot(evaluateAffected(a, '2:1.0-1.el8', 'AlmaLinux:8')));
  // no epoch = epoch 0, below 1:
  assert.ok(isAffected(evaluateAffected(a, '3.0.7-1.el8', 'AlmaLinux:8')));
});

test('apk and dpkg ranges', () => {
  const al = entry('Alpine:v3.10', 'openssl', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1d-r0' }] }]);
  assert.ok(isAffected(evaluateAffected(al, '1.1.1c-r0', 'Alpine:v3.10')));
  assert.ok(isNot(evaluateAffected(al, '1.1.1d-r2', 'Alpine:v3.10')));
  const de = entry('Debian:11', 'glibc', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.31-13+deb11u4' }] }]);
  assert.ok(isAffected(evaluateAffected(de, '2.31-13+deb11u3', 'Debian:11')));
  assert.ok(isAffected(evaluateAffected(de, '2.31-13', 'Debian:11')));
  assert.ok(isNot(evaluateAffected(de, '2.31-13+deb11u4', 'Debian:11')));
});
