/**
 * Converts the whole nodejs security-wg snapshot and compares each npm advisory's affected versions
 * with the independent conversion in ../shared/crosscheck/derived/npm (joined on the id, NSWG-ECO-<n>
 * on both sides). Versions are compared as sets in SemVer order: the union of all entries of the
 * package, so that equivalent encodings (one entry per clause or merged, "1.0" vs "1.0.0") agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import type { OsvEvent, OsvRecord } from '../../../../model/index.ts';
import { formatSet, fromEvents, normalize, sameSet, type Interval } from '../intervals.ts';
import { convertZip, printTally, readDerived, recordProblems, sharedPath, unexplained, type Explained, type Tally } from '../testutil.ts';
import { compareSemver, nodejsSecurityWgFormat } from './index.ts';
import { HOW, needsNow } from '../../../../../test/helpers/prereq.ts';

/** Every known disagreement, with why. The test fails on any other, and on stale rows. */
const EXCLUSIVE = 'vulnerable_versions has "> X": derived writes introduced X (X itself affected); SemVer has a next version, so we write introduced X+1-0 (checked below: X does not satisfy the range)';
const XRANGE = 'vulnerable_versions "<= 1.0" is an x-range in node-semver (<1.1.0-0: 1.0.5 is affected, and patched_versions ">= 1.1" agrees); derived reads it as <= 1.0.0 (checked below)';
const UNREAD = 'derived cannot read this node-semver range ("2.0.x || 2.1.x", "~0.8.0-pre") and skips the advisory';
const EXPLAINED: Explained[] = [
  { key: 'NSWG-ECO-107', kind: 'ranges', reason: XRANGE },
  { key: 'NSWG-ECO-309', kind: 'ranges', reason: EXCLUSIVE },
  { key: 'NSWG-ECO-49', kind: 'ranges', reason: EXCLUSIVE },
  { key: 'NSWG-ECO-74', kind: 'ranges', reason: EXCLUSIVE },
  { key: 'NSWG-ECO-75', kind: 'ranges', reason: EXCLUSIVE },
  { key: 'NSWG-ECO-11', kind: 'ours', reason: UNREAD },
  { key: 'NSWG-ECO-305', kind: 'ours', reason: UNREAD },
];

/** derived writes "1.0" style versions as given; SemVer order needs them coerced ("1.0" → "1.0.0"). */
function coerce(v: string): string {
  if (v === '0') return v;
  return /^\d+\.\d+$/.test(v) ? `${v}.0` : /^\d+$/.test(v) ? `${v}.0.0` : v;
}

function setOf(r: OsvRecord): Interval[] {
  const parts = (r.affected ?? []).flatMap((a) =>
    (a.ranges ?? []).flatMap((x) => fromEvents(x.events.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, coerce(String(v))])) as unknown as OsvEvent), compareSemver)),
  );
  return normalize(parts, compareSemver);
}

test('nodejs-security-wg: whole snapshot agrees with crosscheck/derived/npm', async (t) => {
  const nativeZip = sharedPath('vulndata/native/nodejs-security-wg/all.zip');
  const derivedZip = sharedPath('crosscheck/derived/npm/all.zip');
  if (needsNow(t, '../shared/vulndata', nativeZip, HOW.vulndata) || needsNow(t, '../shared/crosscheck', derivedZip, 'the shared cross-check data at ../shared/crosscheck') || !nativeZip || !derivedZip) return;
  const ours = await convertZip(nodejsSecurityWgFormat, nativeZip);
  const derived = await readDerived(derivedZip);
  assert.equal(ours.claimed, ours.entries, 'every entry of the security-wg zip is claimed');

  assert.deepEqual(recordProblems(ours.records), [], 'valid OSV, unique ids, RFC 3339 modified, no alias equal to the id');
  const oursById = new Map(ours.records.map((r) => [r.id, r]));
  const derivedById = new Map(derived.map((r) => [r.id, r]));

  const tally: Tally = { compared: 0, agree: 0, disagree: [], onlyOurs: [], onlyDerived: [] };
  for (const [id, r] of oursById) {
    // derived/npm holds npm advisories only; the core ones (Node.js itself) are checked below against node-semver
    if (id.startsWith('NSWG-CORE-')) continue;
    const d = derivedById.get(id);
    if (!d) {
      tally.onlyOurs.push(id);
      continue;
    }
    tally.compared++;
    const names = new Set([...(r.affected ?? []), ...(d.affected ?? [])].map((a) => `${a.package?.ecosystem}/${a.package?.name}`));
    const a = setOf(r);
    const b = setOf(d);
    if (names.size === 1 && sameSet(a, b, compareSemver)) tally.agree++;
    else tally.disagree.push({ key: id, kind: 'ranges', detail: `ours ${formatSet(a)} | derived ${formatSet(b)} (${[...names].join(', ')})` });
  }
  for (const id of derivedById.keys()) if (!oursById.has(id)) tally.onlyDerived.push(id);

  printTally('nodejs-security-wg', tally);
  const skipped = new Map<string, number>();
  for (const e of ours.errors) skipped.set(e.rule, (skipped.get(e.rule) ?? 0) + 1);
  console.log(`nodejs-security-wg: ${ours.entries} files, ${ours.records.length} records, skipped by rule: ${JSON.stringify(Object.fromEntries(skipped))}`);

  // the explanations hold: check each against node-semver itself
  for (const row of EXPLAINED) {
    const d = derivedById.get(row.key);
    const vulnerable = String(oursById.get(row.key)!.affected![0].database_specific!.vulnerable_versions);
    if (row.reason === EXCLUSIVE) {
      const lows = [...vulnerable.matchAll(/>\s*(\d[^\s|]*)/g)].map((m) => m[1]);
      assert.ok(lows.length > 0, `${row.key}: has a "> X" bound`);
      for (const x of lows) {
        assert.equal(semver.satisfies(x, vulnerable), false, `${row.key}: ${x} is not in ${vulnerable}`);
        assert.ok(setOf(d!).some((i) => i.lo?.v === x && i.lo.inclusive), `${row.key}: derived has introduced ${x}`);
      }
    } else if (row.reason === XRANGE) {
      assert.equal(semver.satisfies('1.0.5', vulnerable), true, `${row.key}: 1.0.5 satisfies ${vulnerable}`);
    }
  }

  // core: no independent conversion exists; node-semver itself checks each range's ends and a
  // version inside each interval against `vulnerable` and `patched` as published
  const core = ours.records.filter((r) => r.id.startsWith('NSWG-CORE-'));
  assert.equal(core.length, 171);
  for (const r of core) {
    const { vulnerable, patched } = r.database_specific as { vulnerable: string; patched?: string };
    const hit = (v: string) => semver.satisfies(v, vulnerable, { includePrerelease: false }) && !(patched && semver.satisfies(v, patched));
    for (const i of setOf(r)) {
      // an exclusive lower end X is written as its successor X+1-0 (a prerelease node-semver leaves out): check X+1
      if (i.lo) assert.equal(hit(i.lo.v.replace(/-0$/, '')), i.lo.inclusive, `${r.id}: ${i.lo.v} against ${vulnerable} minus ${patched}`);
      if (i.hi) assert.equal(hit(i.hi.v), i.hi.inclusive, `${r.id}: ${i.hi.v} against ${vulnerable} minus ${patched}`);
      if (i.lo && i.hi) {
        const mid = semver.inc(i.lo.v, 'patch');
        if (mid && compareSemver(mid, i.hi.v) < 0) assert.ok(hit(mid), `${r.id}: ${mid} inside ${formatSet([i])}`);
      }
    }
  }

  const { missing, stale } = unexplained(tally, EXPLAINED);
  for (const m of missing) console.log(`UNEXPLAINED ${m.kind} ${m.key}: ${m.detail}`);
  assert.deepEqual(missing, [], 'every disagreement with derived is explained');
  assert.deepEqual(stale, [], 'no explained disagreement is stale');
});
