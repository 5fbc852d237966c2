/**
 * Converts the whole rubysec snapshot and compares each advisory's affected versions with the
 * independent conversion in ../shared/crosscheck/derived/RubyGems (joined on the native file path,
 * which both keep in database_specific.source_path). Ranges are compared as version sets in
 * Gem::Version order, so equivalent encodings ("4.2" vs "4.2.0") agree.
 *
 * derived converts `gems/` only. The MRI records (`rubies/ruby`, Bitnami "ruby", SEMVER) are checked
 * against Gem::Requirement itself (@renovatebot/ruby-semver's `satisfies`) on the YAML's own
 * constraints, at every release the data names and its neighbours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../../../../model/index.ts';
import { satisfies } from '@renovatebot/ruby-semver';
import { complement, formatSet, fromEvents, intersectOne, isEmpty, normalize, sameSet, type Interval } from '../intervals.ts';
import { compareSemver } from '../../../../versioning/semver/index.ts';
import { convertZip, printTally, readDerived, recordProblems, sharedPath, unexplained, type Explained, type Tally } from '../testutil.ts';
import { compareGem, parseConstraint, rubyConstraint, rubyGemVersion, rubysecFormat } from './index.ts';
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
  // rubies/ruby: not in derived, checked by the next test
  for (const r of ours.records) if (!String(r.database_specific?.source_path).startsWith('rubies/')) oursByPath.set(String(r.database_specific?.source_path), r);
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

/** Every X.Y.Z and patchlevel the MRI constraints name, with its neighbours (Gem spelling: "2.0.0.648"). */
function probeVersions(constraints: string[]): string[] {
  const out = new Set<string>();
  for (const c of constraints) {
    for (const part of rubyConstraint(c).split(', ')) {
      const seg = part.split(' ')[1].split('.');
      if (seg[seg.length - 1] === 'a') seg.pop(); // the end of a "~>" ("2.7.a"): 2.7's first releases
      if (seg[3] === 'preview' || seg[3] === 'rc') continue;
      const [x, y, z = 0, pl] = seg.map(Number);
      for (const dz of [-1, 0, 1]) if (z + dz >= 0) out.add(`${x}.${y}.${z + dz}`);
      // before 2.1 every X.Y.Z had patchlevels: a low and a high one of each
      if (x < 2 || (x === 2 && y < 1)) for (const p of [1, 999]) out.add(`${x}.${y}.${z}.${p}`);
      if (pl !== undefined) for (const dp of [-1, 0, 1]) if (pl + dp >= 0) out.add(`${x}.${y}.${z}.${pl + dp}`);
    }
  }
  return [...out];
}

test('rubysec rubies/ruby: each MRI record agrees with Gem::Requirement on the YAML at every release it names', async (t) => {
  const nativeZip = sharedPath('vulndata/native/rubysec/all.zip');
  if (needsNow(t, '../shared/vulndata', nativeZip, HOW.vulndata) || !nativeZip) return;
  const ours = await convertZip(rubysecFormat, nativeZip);
  const mri = ours.records.filter((r) => String(r.database_specific?.source_path).startsWith('rubies/ruby/'));
  const mriErrors = ours.errors.filter((e) => e.input.startsWith('rubies/ruby/'));
  const files = new Set([...mri.map((r) => String(r.database_specific?.source_path)), ...mriErrors.map((e) => e.input)]);
  assert.equal(files.size, 92, 'every rubies/ruby file is a record or a recorded error');
  // the one file whose constraint names no Ruby release: a Gentoo ebuild revision
  assert.deepEqual(mriErrors.map((e) => `${e.input} ${e.rule}`), ['rubies/ruby/CVE-2005-1992.yml unparseable-constraint']);
  assert.match(mriErrors[0].message, /"1\.8\.2-r2" is not a Ruby release/);
  for (const r of mri) {
    assert.deepEqual(r.affected![0].package, { ecosystem: 'Bitnami', name: 'ruby', purl: 'pkg:bitnami/ruby' });
    assert.match(r.id, /^RUBYSEC-ruby-CVE-\d{4}-\d+$/);
  }
  assert.deepEqual(recordProblems(mri), []);

  let exact = 0;
  let exactOld = 0;
  let wider = 0;
  const wrong: string[] = [];
  for (const r of mri) {
    const dbs = r.affected![0].database_specific as { patched_versions: string[]; unaffected_versions: string[] };
    const covers = [...dbs.patched_versions, ...dbs.unaffected_versions];
    const set = normalize(r.affected![0].ranges!.flatMap((x) => fromEvents(x.events, compareSemver)), compareSemver);
    const oursHas = (semver: string) => set.some((i) => !isEmpty(intersectOne(i, { lo: { v: semver, inclusive: true }, hi: { v: semver, inclusive: true } }, compareSemver), compareSemver));
    for (const g of probeVersions(covers)) {
      const seg = g.split('.');
      const [x, y] = seg.map(Number);
      if (seg.length === 3 && (x > 2 || (x === 2 && y >= 1))) {
        // a release since 2.1: the YAML's constraints as written, Gem::Requirement's answer
        const want = !covers.some((c) => satisfies(g, c));
        if (want !== oursHas(g)) wrong.push(`${r.id} ${g}: Gem says ${want ? 'affected' : 'not affected'}`);
        else exact++;
      } else {
        // the patchlevel era: "-pN"/".pN" spellings read as patchlevels (rubyGemVersion); ours may only be wider
        const want = !covers.some((c) => satisfies(g, rubyConstraint(c)));
        const semver = `${seg.slice(0, 3).join('.')}${seg[3] ? `+p${seg[3]}` : ''}`;
        const got = oursHas(semver);
        if (want && !got) wrong.push(`${r.id} ${g}: affected per Gem, not in ours`);
        else if (got && !want) wider++;
        else exactOld++;
      }
    }
  }
  console.log(`rubysec rubies/ruby: ${mri.length} records; (record, version) checks: ${exact} since 2.1 agree; before 2.1 ${exactOld} agree, ${wider} over-reported (patchlevels of one X.Y.Z not told apart)`);
  assert.deepEqual(wrong, []);
  assert.equal(rubyGemVersion('1.8.5-p2'), '1.8.5.2');
});
