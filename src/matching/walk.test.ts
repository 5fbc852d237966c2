/**
 * Property test of the one range walk (walk.ts): for every version scheme of src/versioning, random
 * advisories (unsorted events, several introduced, "0", last_affected, limits, versions[] lists,
 * unparseable bounds, distro statuses, GIT ranges) and random installed versions, judged four ways:
 *
 * 1. the packed hot path: `PackedCursor.test` on the package group's packed code, and the reports
 *    of `matchInventorySync`;
 * 2. the object path in the group's shared universe: `isClean` / `findHit` / `evaluateCompiled`;
 * 3. the object path on the entry alone: `evaluateAffected`;
 * 4. a reference written here from the OSV spec's evaluation pseudo-code, on parsed versions and
 *    `scheme.compare` (no ranks, no universe, nothing of walk.ts): it catches a change of the
 *    semantics that the first three share.
 *
 * Versions come from each scheme's vectors.txt (and vectors.generated.txt), mutated (digit runs
 * replaced) and random numeric tuples, kept when the scheme parses them; a few unparseable strings
 * on purpose. Nothing is read from ../shared. Deterministic: RANGEWALK_SEED (default below) seeds
 * a generator per scheme; RANGEWALK_CASES sets the number of groups per scheme. A failure names
 * the seed, the scheme, the case and the group's records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvAffected, OsvEvent, OsvRange, OsvRecord, Package } from '../model/index.ts';
import { SCHEMES, type Version, type VersionScheme } from '../versioning/index.ts';
import { loadVectors } from '../versioning/vectors.ts';
import {
  AdvisoryIndex, buildGroup, evaluateAffected, evaluateCompiled, findHit, isClean, locate, matchInventorySync,
  semverSchemeIdFor, type MatchHit, type ParseCache, type Verdict,
} from './index.ts';
import { HIT, PackedCursor, packedHit, packGroup } from './packed.ts';
import { MODE_EXACT } from './walk.ts';

const SEED = Number(process.env.RANGEWALK_SEED ?? 0x0511_2026);
const CASES = Number(process.env.RANGEWALK_CASES ?? 120);

/** an ecosystem per scheme (its SEMVER ranges use semver, or go for Go) */
const ECOSYSTEM: Record<string, string> = {
  semver: 'npm', go: 'Go', pep440: 'PyPI', maven: 'Maven', rubygems: 'RubyGems', nuget: 'NuGet',
  composer: 'Packagist', dpkg: 'Debian:12', rpm: 'AlmaLinux:9', apk: 'Alpine:v3.20',
};

/** mulberry32: small, seedable, deterministic */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function parses(scheme: VersionScheme, v: string): boolean {
  try {
    scheme.parse(v);
    return true;
  } catch {
    return false;
  }
}

/** strings no scheme here reads (exercising unknown verdicts and exact-string listed versions) */
const JUNK = ['not a version', '', '1..2', '@@', 'v'];

/** Version strings of one scheme: its vectors, then mutations and numeric tuples the scheme parses. */
function versionPool(id: string, rand: () => number): { valid: string[]; equalPairs: [string, string][] } {
  const scheme = SCHEMES[id];
  const seen = new Set<string>();
  const equalPairs: [string, string][] = [];
  for (const { vectors } of loadVectors(new URL(`../versioning/${id}/`, import.meta.url))) {
    for (const v of vectors) {
      if (!parses(scheme, v.a) || !parses(scheme, v.b)) continue;
      seen.add(v.a);
      seen.add(v.b);
      if (v.op === '==' && v.a !== v.b) equalPairs.push([v.a, v.b]);
    }
  }
  const base = [...seen];
  const small = () => String(Math.floor(rand() * (rand() < 0.8 ? 4 : 13)));
  for (let i = 0; i < 400; i++) {
    let s: string;
    if (rand() < 0.7) {
      // mutate a vector: each digit run replaced with a small number, or kept
      s = base[Math.floor(rand() * base.length)].replace(/[0-9]+/g, (d) => (rand() < 0.5 ? small() : d));
    } else {
      const n = 1 + Math.floor(rand() * 4);
      s = Array.from({ length: n }, small).join('.');
      if (id === 'apk' || id === 'rpm') s += rand() < 0.5 ? `-r${small()}` : '';
      if (id === 'dpkg' && rand() < 0.5) s += `-${small()}`;
    }
    if (parses(scheme, s)) seen.add(s);
  }
  return { valid: [...seen], equalPairs };
}

/** One random `affected` entry of package `pkg` over the version alphabet `vs`. */
function randomAffected(rand: () => number, eco: string, vs: string[]): OsvAffected {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const bound = () => (rand() < 0.03 ? pick(JUNK.filter((j) => j !== '')) : pick(vs));
  const ranges: OsvRange[] = [];
  const nr = rand() < 0.15 ? 0 : 1 + Math.floor(rand() * (rand() < 0.8 ? 1 : 3));
  for (let k = 0; k < nr; k++) {
    const type = rand() < 0.05 ? 'GIT' : rand() < 0.2 ? 'SEMVER' : 'ECOSYSTEM';
    if (type === 'GIT') {
      ranges.push({ type, repo: 'https://example.com/r', events: [{ introduced: 'abc' }, { fixed: 'def' }] });
      continue;
    }
    const events: OsvEvent[] = [];
    const ne = rand() < 0.05 ? 0 : 1 + Math.floor(rand() * 5);
    for (let e = 0; e < ne; e++) {
      const x = rand();
      if (x < 0.4) events.push({ introduced: rand() < 0.25 ? (rand() < 0.8 ? '0' : '0.0.0-0') : bound() });
      else if (x < 0.7) events.push({ fixed: bound() });
      else if (x < 0.92) events.push({ last_affected: bound() });
      else events.push({ limit: rand() < 0.3 ? '*' : bound() });
    }
    ranges.push({ type, events });
  }
  const versions = rand() < 0.35 ? Array.from({ length: 1 + Math.floor(rand() * 4) }, () => (rand() < 0.1 ? pick(JUNK) : pick(vs))) : undefined;
  const x = rand();
  const status = x < 0.05 ? 'not-affected' : x < 0.1 ? 'undetermined' : x < 0.15 ? 'unfixed' : undefined;
  return {
    package: { ecosystem: eco, name: 'pkg' },
    ...(ranges.length ? { ranges } : {}),
    ...(versions ? { versions } : {}),
    ...(status ? { database_specific: { status } } : {}),
  };
}

type Kind = 'affected' | 'not affected' | 'unknown';
const kindOf = (v: Verdict): Kind => ('unknown' in v ? 'unknown' : v.affected ? 'affected' : 'not affected');

/**
 * The reference: OSV's evaluation (https://ossf.github.io/osv-schema/#evaluation) as the spec's
 * pseudo-code writes it, with Vigil's documented rules for what the spec leaves open (README:
 * "Evaluation rules"), on parsed versions and the scheme's compare.
 */
function reference(a: OsvAffected, version: string, eco: string): { kind: Kind; hit?: MatchHit } {
  if (a.database_specific?.status === 'not-affected') return { kind: 'not affected' };
  const ecoId = ECOSYSTEM_ID[eco];
  const parse = (id: string, s: string): Version | undefined => {
    try {
      return SCHEMES[id].parse(s);
    } catch {
      return undefined;
    }
  };
  let hit: MatchHit | undefined;
  let unknown = false;
  // versions[]: the exact string, then equality in the ecosystem's scheme (the first listed version equal to it)
  if (a.versions?.includes(version)) hit = { by: 'versions', version };
  else {
    const listed = (a.versions ?? []).flatMap((s) => {
      const v = parse(ecoId, s);
      return v ? [{ s, v }] : [];
    });
    if (listed.length > 0) {
      const v = parse(ecoId, version);
      const same = v && listed.find((l) => SCHEMES[ecoId].compare(l.v, v) === 0);
      if (!v) unknown = true;
      else if (same) hit = { by: 'versions', version: same.s };
    }
  }
  (a.ranges ?? []).forEach((r, index) => {
    if (hit) return;
    if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER') return; // GIT: skipped
    const type = r.type;
    const id = type === 'SEMVER' ? semverSchemeIdFor(eco) : ecoId;
    const scheme = SCHEMES[id];
    const BEGINNING = null;
    const events: { kind: string; value: string; v: Version | null }[] = [];
    const limits: Version[] = [];
    let bad = false;
    for (const e of r.events) {
      const [kind, value] = Object.entries(e)[0] as [string, string];
      if (kind === 'introduced' && (value === '0' || value === '0.0.0-0')) events.push({ kind, value, v: BEGINNING });
      else if (kind === 'limit' && value === '*') continue;
      else {
        const v = parse(id, value);
        if (!v) bad = true;
        else if (kind === 'limit') limits.push(v);
        else events.push({ kind, value, v });
      }
    }
    const event = (e: { kind: string; value: string }) => ({ [e.kind]: e.value }) as OsvEvent;
    if (bad || events.length === 0) {
      unknown = true;
      return;
    }
    if (limits.length === 0 && events.every((e) => e.kind === 'introduced' && e.v === BEGINNING)) {
      hit = { by: 'range', range: index, type, events: events.map(event) }; // every version, readable or not
      return;
    }
    const v = parse(id, version);
    if (!v) {
      unknown = true;
      return;
    }
    // sort by version (stable; the beginning first), then walk: the interval is opened by the
    // introduced event that made the version vulnerable, and closed by the next fixed or last_affected
    const cmp = (x: Version | null, y: Version | null) => (x === y ? 0 : x === null ? -1 : y === null ? 1 : scheme.compare(x, y));
    events.sort((x, y) => cmp(x.v, y.v));
    let vulnerable = false;
    let opener = -1;
    events.forEach((e, k) => {
      if (e.kind === 'introduced' && cmp(v, e.v) >= 0) {
        if (!vulnerable) opener = k;
        vulnerable = true;
      } else if (e.kind === 'fixed' && cmp(v, e.v) >= 0) vulnerable = false;
      else if (e.kind === 'last_affected' && cmp(v, e.v) > 0) vulnerable = false;
    });
    if (limits.length > 0 && !limits.some((l) => scheme.compare(v, l) < 0)) vulnerable = false;
    if (vulnerable) {
      const close = events.slice(opener + 1).find((e) => e.kind !== 'introduced');
      hit = { by: 'range', range: index, type, events: close ? [event(events[opener]), event(close)] : [event(events[opener])] };
    }
  });
  if (hit) return a.database_specific?.status === 'undetermined' ? { kind: 'unknown' } : { kind: 'affected', hit };
  return { kind: unknown ? 'unknown' : 'not affected' };
}
const ECOSYSTEM_ID: Record<string, string> = Object.fromEntries(Object.entries(ECOSYSTEM).map(([id, eco]) => [eco, id]));

/**
 * A cycle a < b < c < a (or a = b = c with a ≠ c, or an asymmetric answer) among the versions of
 * `strings` the scheme reads, or undefined when compare is a total order on them.
 */
function findCycle(scheme: VersionScheme, strings: readonly string[]): string | undefined {
  const vs = strings.flatMap((s) => {
    try {
      return [scheme.parse(s)];
    } catch {
      return [];
    }
  });
  const sign = (a: Version, b: Version) => Math.sign(scheme.compare(a, b));
  for (const a of vs) {
    for (const b of vs) {
      if (sign(a, b) !== -sign(b, a)) return `compare(${a.raw}, ${b.raw}) is not the opposite of compare(${b.raw}, ${a.raw})`;
      for (const c of vs) {
        const ab = sign(a, b);
        if (ab <= 0 && ab === sign(b, c) && sign(a, c) !== ab) return `${a.raw} ${ab ? '<' : '='} ${b.raw} ${ab ? '<' : '='} ${c.raw} but ${a.raw} ${sign(a, c) < 0 ? '<' : sign(a, c) > 0 ? '>' : '='} ${c.raw}`;
      }
    }
  }
  return undefined;
}

/** what a report's match repeats of an entry's hit */
const why = (v: Verdict) => {
  if (!('affected' in v) || !v.affected) return undefined;
  const { searched: _, ...rest } = v.detail;
  return rest;
};

for (const id of Object.keys(SCHEMES)) {
  test(`one range walk, ${id}: packed path, object path and the OSV reference agree on random ranges and versions`, (t) => {
    assert.ok(ECOSYSTEM[id], `no ecosystem for scheme ${id} in this test: add one`);
    const eco = ECOSYSTEM[id];
    const seed = (SEED ^ hash(id)) >>> 0;
    const rand = rng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
    const { valid, equalPairs } = versionPool(id, rand);
    assert.ok(valid.length >= 20, `${id}: only ${valid.length} versions`);
    const cursor = new PackedCursor();
    let checks = 0;
    const skipped: string[] = [];
    const seen = { affected: 0, 'not affected': 0, unknown: 0, packedHit: 0, packedClean: 0 };
    for (let n = 0; n < CASES; n++) {
      // a small alphabet, so that bounds and installed versions often meet (and equal versions
      // spelled differently share a rank)
      const vs = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => pick(valid));
      if (equalPairs.length && rand() < 0.5) vs.push(...pick(equalPairs));
      const records: OsvRecord[] = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, r) => ({
        id: `R-${r}`, modified: '2026-01-01T00:00:00Z',
        affected: Array.from({ length: rand() < 0.8 ? 1 : 2 }, () => randomAffected(rand, eco, vs)),
      }));
      // every listed string is tried (those the scheme refuses can only hit by exact string)
      const listed = records.flatMap((r) => (r.affected ?? []).flatMap((a) => a.versions ?? []));
      const installed = [...new Set([...vs, ...listed, pick(valid), pick(valid), ...(rand() < 0.3 ? [pick(JUNK)] : [])])];
      // ranks stand for the scheme's order only where compare is a total order: a case whose versions
      // it orders in a cycle is left out (and counted)
      const named = records.flatMap((r) => (r.affected ?? []).flatMap((a) => [...(a.versions ?? []), ...(a.ranges ?? []).flatMap((g) => g.events.flatMap((e) => {
        // (the beginning and "no limit" are not versions)
        const [k, v] = Object.entries(e)[0] as [string, string];
        return (k === 'introduced' && (v === '0' || v === '0.0.0-0')) || (k === 'limit' && v === '*') ? [] : [v];
      }))]));
      const cycle = findCycle(SCHEMES[id], [...new Set([...installed, ...named])]);
      if (cycle) {
        skipped.push(cycle);
        continue;
      }
      const where = () => `RANGEWALK_SEED=${SEED} scheme ${id} case ${n}: ${JSON.stringify(records)}`;

      const cache: ParseCache = new Map();
      const group = buildGroup(eco, 'pkg', records, cache);
      const packed = packGroup(group.entries.map((e) => e.compiled), group.universes);
      const index = AdvisoryIndex.fromRecords(records);
      const pkgs: Package[] = installed.map((version) => (eco.startsWith('Debian') || eco.startsWith('Alpine')
        ? { ecosystem: eco, name: 'pkg', sourceName: 'pkg', version }
        : { ecosystem: eco, name: 'pkg', version }));
      // (only packages with a match or an unknown verdict have a report)
      const reports = new Map(matchInventorySync(pkgs, index).packages.map((r) => [r.package, r]));
      installed.forEach((version, p) => {
        const at = locate(version, group.universes, cache);
        cursor.reset(packed, version, cache);
        // per record: the first entry that hits, else the first unknown
        const expected = new Map<string, Verdict>();
        group.entries.forEach((e, j) => {
          const c = e.compiled;
          const alone = evaluateAffected(c.affected, version, eco, { record: c.record });
          const inGroup = evaluateCompiled(c, at);
          const { kind: ref, hit: refHit } = reference(c.affected, version, eco);
          const ctx = () => `${where()}\nversion ${JSON.stringify(version)}, entry ${j} ${JSON.stringify(c.affected)}`;
          assert.equal(kindOf(alone), ref, `object path (alone) vs OSV reference: ${ctx()}`);
          if ('affected' in alone && alone.affected) assert.deepEqual(alone.detail.hit, refHit, `what hit, object path (alone) vs OSV reference: ${ctx()}`);
          assert.deepEqual(inGroup, alone, `object path in the group's universe vs alone: ${ctx()}`);
          const clean = isClean(c, at);
          assert.equal(clean, ref === 'not affected', `isClean vs OSV reference: ${ctx()}`);
          const t = cursor.test(j);
          if (t === 0) {
            assert.ok(clean, `packed test says not affected, the object path does not: ${ctx()}`);
            seen.packedClean++;
          } else if (t === 1) assert.ok(!clean, `packed test says not clean, the object path says clean: ${ctx()}`);
          else if (t === 2) assert.equal(c.mode, MODE_EXACT, `packed test left a ranks-only entry to the object path: ${ctx()}`);
          else {
            assert.ok(t >= HIT && c.status !== 'undetermined', `packed answer ${t}: ${ctx()}`);
            assert.deepEqual(packedHit(packed, t - HIT), findHit(c, at), `packed hit vs object hit: ${ctx()}`);
            assert.equal(ref, 'affected', `packed hit vs OSV reference: ${ctx()}`);
            seen.packedHit++;
          }
          seen[ref]++;
          checks++;
          const prev = expected.get(c.record);
          if (!prev || (kindOf(prev) !== 'affected' && (kindOf(alone) === 'affected' || (kindOf(prev) === 'not affected' && kindOf(alone) === 'unknown')))) expected.set(c.record, alone);
        });
        // the packed path end to end: the package's report
        if (version === '') return; // no version: the package is not searched (targets.ts)
        const report = reports.get(pkgs[p]);
        const matches = new Map(report?.matches.map((m) => [m.id, m.detail]));
        const unknown = new Set(report?.unknown.map((u) => u.id));
        for (const [record, v] of expected) {
          const ctx = `${where()}\nversion ${JSON.stringify(version)}, record ${record}`;
          const k = kindOf(v);
          assert.equal(matches.has(record) ? 'affected' : unknown.has(record) ? 'unknown' : 'not affected', k, `report vs object path: ${ctx}`);
          if (k === 'affected') assert.deepEqual(matches.get(record), why(v), `report's explanation vs object path: ${ctx}`);
        }
      });
    }
    // the generator must reach every kind of answer, or the property says little
    for (const [k, count] of Object.entries(seen)) assert.ok(count > 0, `${id}: no ${k} answer in ${checks} checks (seed ${SEED})`);
    assert.ok(skipped.length <= CASES / 10, `${id}: ${skipped.length} of ${CASES} cases left out (seed ${SEED}), e.g. ${skipped[0]}`);
    t.diagnostic(`${id}: ${checks} entry × version checks over ${CASES - skipped.length} groups (seed ${SEED}): ${JSON.stringify(seen)}`);
    if (skipped.length) t.diagnostic(`${id}: ${skipped.length} cases left out, the scheme's compare orders their versions in a cycle: ${[...new Set(skipped)].join('; ')}`);
  });
}
