/**
 * Converts the whole rubysec snapshot and compares each advisory's affected versions with the
 * independent conversion in ../shared/crosscheck/derived/RubyGems (joined on the native file path,
 * which both keep in database_specific.source_path). Ranges are compared as version sets in
 * Gem::Version order, so equivalent encodings ("4.2" vs "4.2.0") agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../../../../model/index.ts';
import { complement, formatSet, fromEvents, isEmpty, normalize, sameSet, type Interval } from '../intervals.ts';
import { convertZip, printTally, readDerived, recordProblems, sharedPath, unexplained, type Explained, type Tally } from '../testutil.ts';
import { compareGem, parseConstraint, rubysecFormat } from './index.ts';
import { HOW, needsNow } from '../../../../../test/helpers/prereq.ts';

/** Every known disagreement, with why. The test fails on any other, and on stale rows. */
const MERGE_BUG = 'derived\'s merge of overlapping patched/unaffected intervals treats an open end (">= v", +∞) as smaller than any bounded end, so versions covered by an open-ended patched/unaffected constraint come out affected (reproduced below by redoing the complement with that merge)';
const POINT = 'unaffected_versions has "< v" and "> v": only v is affected; we write introduced v + last_affected v, derived skips the advisory';
const PRERELEASE_DASH = 'derived cannot read a Gem prerelease bound written with "-"/"." ("3.0.0-rc.1", "4.0.0.beta") and skips the advisory; Gem::Version reads both';
const EXPLAINED: Explained[] = [
  ...[
    'gems/actionpack/CVE-2011-2929.yml', 'gems/actionpack/CVE-2014-0081.yml', 'gems/actionpack/CVE-2014-7818.yml',
    'gems/actionpack/CVE-2016-0752.yml', 'gems/actionpack/CVE-2016-6316.yml', 'gems/actionpack/CVE-2024-28103.yml',
    'gems/actiontext/CVE-2024-32464.yml', 'gems/activeadmin/CVE-2024-37031.yml', 'gems/activerecord/CVE-2011-2930.yml',
    'gems/activerecord/CVE-2014-0080.yml', 'gems/activesupport/CVE-2011-2932.yml', 'gems/ember-source/CVE-2014-0013.yml',
    'gems/ember-source/CVE-2014-0014.yml', 'gems/nokogiri/CVE-2015-1819.yml', 'gems/rails/CVE-2014-0081.yml',
    'gems/sprockets/CVE-2018-3760.yml', 'gems/stimulus_reflex/CVE-2024-28121.yml',
  ].map((key) => ({ key, kind: 'ranges' as const, reason: MERGE_BUG })),
  ...[
    'gems/airbrake-ruby/CVE-2019-16060.yml', 'gems/awesome-bot/CVE-2019-15224.yml', 'gems/bitcoin_vanity/CVE-2019-15224.yml',
    'gems/capistrano-colors/CVE-2019-15224.yml', 'gems/coming-soon/CVE-2019-15224.yml', 'gems/datagrid/CVE-2019-14281.yml',
    'gems/doge-coin/CVE-2019-15224.yml', 'gems/lita_coin/CVE-2019-15224.yml', 'gems/omniauth_amazon/CVE-2019-15224.yml',
    'gems/paranoid2/CVE-2019-13589.yml', 'gems/simple_captcha2/CVE-2019-14282.yml',
  ].map((key) => ({ key, kind: 'ours' as const, reason: POINT })),
  { key: 'gems/jquery-rails/CVE-2016-10707.yml', kind: 'ours', reason: PRERELEASE_DASH },
  { key: 'gems/passenger/CVE-2012-6135.yml', kind: 'ours', reason: PRERELEASE_DASH },
];

/** The derived conversion's merge, as MERGE_BUG describes it: when two overlap, an open end loses. */
function derivedMerge(set: Interval[]): Interval[] {
  const items = set.filter((i) => !isEmpty(i, compareGem)).sort((a, b) => (!a.lo ? -1 : !b.lo ? 1 : compareGem(a.lo.v, b.lo.v)));
  const out: Interval[] = [];
  for (const i of items) {
    const cur = out[out.length - 1];
    if (cur && (!cur.hi || (i.lo && compareGem(i.lo.v, cur.hi.v) <= 0))) {
      if (!cur.hi || (i.hi && compareGem(i.hi.v, cur.hi.v) > 0)) {
        if (i.hi) cur.hi = i.hi;
      }
      continue;
    }
    out.push({ ...i });
  }
  return out;
}

function setOf(r: OsvRecord, name: string): Interval[] {
  const events = (r.affected ?? []).filter((a) => a.package?.name === name).flatMap((a) => (a.ranges ?? []).flatMap((x) => x.events));
  return fromEvents(events, compareGem);
}

test('rubysec: whole snapshot agrees with crosscheck/derived/RubyGems', async (t) => {
  const nativeZip = sharedPath('vulndata/native/rubysec/all.zip');
  const derivedZip = sharedPath('crosscheck/derived/RubyGems/all.zip');
  if (needsNow(t, '../shared/vulndata', nativeZip, HOW.vulndata) || needsNow(t, '../shared/crosscheck', derivedZip, 'the shared cross-check data at ../shared/crosscheck') || !nativeZip || !derivedZip) return;
  const ours = await convertZip(rubysecFormat, nativeZip);
  const derived = await readDerived(derivedZip);
  assert.equal(ours.claimed, ours.entries, 'every entry of the rubysec zip is claimed');

  const oursByPath = new Map<string, OsvRecord>();
  for (const r of ours.records) oursByPath.set(String(r.database_specific?.source_path), r);
  const derivedByPath = new Map<string, OsvRecord>();
  for (const r of derived) derivedByPath.set(String(r.database_specific?.source_path), r);

  // one record per file, each with the same stable synthetic id as derived's
  assert.deepEqual(recordProblems(ours.records), [], 'valid OSV, unique ids, RFC 3339 modified, no alias equal to the id');
  const idMismatch: string[] = [];
  const tally: Tally = { compared: 0, agree: 0, disagree: [], onlyOurs: [], onlyDerived: [] };
  for (const [path, r] of oursByPath) {
    const d = derivedByPath.get(path);
    if (!d) {
      tally.onlyOurs.push(path);
      continue;
    }
    tally.compared++;
    if (r.id !== d.id) idMismatch.push(`${path}: ours ${r.id}, derived ${d.id}`);
    const name = r.affected![0].package!.name;
    const dNames = (d.affected ?? []).map((a) => a.package?.name);
    const a = setOf(r, name);
    const b = setOf(d, name);
    if (dNames.length === 1 && dNames[0] === name && d.affected![0].package!.ecosystem === 'RubyGems' && sameSet(a, b, compareGem)) tally.agree++;
    else tally.disagree.push({ key: path, kind: 'ranges', detail: `ours ${formatSet(a)} | derived ${formatSet(b)}` });
  }
  for (const path of derivedByPath.keys()) if (!oursByPath.has(path)) tally.onlyDerived.push(path);

  printTally('rubysec', tally);
  const skipped = new Map<string, number>();
  for (const e of ours.errors) skipped.set(e.rule, (skipped.get(e.rule) ?? 0) + 1);
  console.log(`rubysec: ${ours.entries} files, ${ours.records.length} records, skipped by rule: ${JSON.stringify(Object.fromEntries(skipped))}`);

  // MERGE_BUG rows must be reproduced by that merge, or the explanation is wrong
  for (const row of EXPLAINED.filter((e) => e.reason === MERGE_BUG)) {
    const d = derivedByPath.get(row.key)!;
    const dbs = d.affected![0].database_specific as { patched_versions: string[]; unaffected_versions: string[] };
    const covered = derivedMerge([...dbs.patched_versions, ...dbs.unaffected_versions].flatMap(parseConstraint));
    const reproduced = normalize(complement(covered), compareGem);
    assert.ok(sameSet(reproduced, setOf(d, d.affected![0].package!.name), compareGem), `${row.key}: derived's ranges are reproduced by its merge`);
  }

  assert.deepEqual(idMismatch, [], 'same id as derived for every file both convert');
  const { missing, stale } = unexplained(tally, EXPLAINED);
  for (const m of missing) console.log(`UNEXPLAINED ${m.kind} ${m.key}: ${m.detail}`);
  assert.deepEqual(missing, [], 'every disagreement with derived is explained');
  assert.deepEqual(stale, [], 'no explained disagreement is stale');
});
