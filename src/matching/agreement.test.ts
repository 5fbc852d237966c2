/**
 * Agreement with osv.dev's own computation, over the whole vulndata set: for every `affected[]`
 * entry that has ECOSYSTEM/SEMVER ranges *and* an explicit `versions` list (osv.dev enumerates the
 * list from the ranges), the range evaluator alone must judge every listed version affected, and,
 * the other direction, every known version of the package that lies between a fix and the next
 * introduced event (and that osv.dev therefore left out of the list) not affected. Known versions
 * are those any record lists for the package, plus the entry's own fixed versions. An evaluator
 * answering "affected" to everything passes the first half and fails the second.
 * Every evaluation is done twice — the entry on its own, and inside its package's shared group
 * (the ranked universe matching uses) — and both must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OsvRecord } from '../model/index.ts';
import { readZip } from '../vulndb/containers.ts';
import type { OsvAffected } from '../model/index.ts';
import { SCHEMES, schemeIdForEcosystem, type Version, type VersionScheme } from '../versioning/index.ts';
import { AdvisoryIndex, evaluateAffected, evaluateCompiled, locate, semverSchemeIdFor, type Verdict } from './index.ts';
import { HOW, needs } from '../../test/helpers/prereq.ts';

const VULNDATA = fileURLToPath(new URL('../../../shared/vulndata/', import.meta.url));
const ZIPS = ['Go', 'crates.io', 'PyPI', 'OSS-Fuzz', 'AlmaLinux', 'malicious/npm', 'malicious/PyPI'];

/**
 * Disagreements that remain, each checked by hand against the record. The evaluator follows the
 * OSV spec; these records say something the spec's evaluation of their ranges does not.
 */
const EXPLAINED: Record<string, { kind: string; versions: string[] }> = {
  // events introduced 2.11 / fixed 2.11.7 / introduced 0 / fixed 2.11.6 in ONE range: overlapping
  // intervals. The spec sorts the events and walks them, so fixed 2.11.6 closes the range and
  // 2.11.6 is not affected; osv.dev enumerated each introduced/fixed pair as written.
  'PYSEC-2021-114': { kind: 'overlapping-intervals', versions: ['2.11.6'] },
  // range introduced 0 / fixed 23.9.0, but the list (built from the GIT range's tags) names the
  // fixed version itself and its post-release
  'PYSEC-2023-177': { kind: 'versions-from-git-range', versions: ['23.9.0', '23.9.0.post1'] },
  // ranges start at the final releases 3.2 and 4.2; the list also names their pre-releases, which
  // PEP 440 orders *before* 3.2 / 4.2
  'PYSEC-2023-61': { kind: 'prerelease-before-introduced', versions: ['3.2a1', '3.2b1', '3.2rc1', '4.2a1', '4.2b1', '4.2rc1'] },
  // malicious-package reports whose only range starts one patch above a listed version
  'MAL-2025-3661': { kind: 'list-below-introduced', versions: ['99.9.0'] },
  'MAL-2025-3663': { kind: 'list-below-introduced', versions: ['99.9.0'] },
  'MAL-2025-3959': { kind: 'list-below-introduced', versions: ['99.9.0'] },
  'MAL-2025-3960': { kind: 'list-below-introduced', versions: ['99.9.0'] },
  'MAL-2025-3961': { kind: 'list-below-introduced', versions: ['1.0.0'] },
};

/**
 * A kind explained by rule rather than by record: listed PyPI versions that are not PEP 440
 * (`2.0.0-final`, `0.1-bulbasaur`, `1.0-beta-1`). `packaging` ≥ 22 and pip refuse them too, so the
 * evaluator answers "unknown" with the parse error — never "not affected".
 */
const LEGACY_PEP440 = /^installed version: invalid PEP 440 version .*does not match the PEP 440 version grammar/;

/**
 * Is `version` between a fix (at or after a `fixed`, after a `last_affected`) and the next
 * `introduced` of some ECOSYSTEM/SEMVER range of the entry, and inside no range's affected span?
 * The OSV walk over events in version order, written out here on its own as the test's oracle for
 * "osv.dev left it out of the list because it is not affected". Ranges with a `limit` or a value
 * that does not parse are not used; undefined when `version` itself does not parse.
 */
function betweenFixAndIntroduced(a: OsvAffected, ecosystem: string, version: string): boolean | undefined {
  let inGap = false;
  for (const r of a.ranges ?? []) {
    if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER') continue;
    const id = r.type === 'SEMVER' ? semverSchemeIdFor(ecosystem) : schemeIdForEcosystem(ecosystem);
    const scheme: VersionScheme | undefined = id ? SCHEMES[id] : undefined;
    if (!scheme || r.events.some((e) => 'limit' in e)) continue;
    let v: Version;
    try {
      v = scheme.parse(version);
    } catch {
      return undefined;
    }
    const events: { kind: 'introduced' | 'fixed' | 'last_affected'; at: Version | null }[] = [];
    try {
      for (const e of r.events) {
        const [kind, value] = Object.entries(e)[0] as ['introduced' | 'fixed' | 'last_affected', string];
        events.push({ kind, at: kind === 'introduced' && (value === '0' || value === '0.0.0-0') ? null : scheme.parse(value) });
      }
    } catch {
      continue;
    }
    events.sort((x, y) => (x.at === null ? (y.at === null ? 0 : -1) : y.at === null ? 1 : scheme.compare(x.at, y.at)));
    let state: 'before' | 'affected' | 'gap' = 'before';
    for (const e of events) {
      const passed = e.at === null || (e.kind === 'last_affected' ? scheme.compare(e.at, v) < 0 : scheme.compare(e.at, v) <= 0);
      if (!passed) break;
      state = e.kind === 'introduced' ? 'affected' : 'gap';
    }
    if (state === 'affected') return false;
    if (state === 'gap') inGap = true;
  }
  return inGap;
}

const label = (v: Verdict) => ('unknown' in v ? `unknown: ${v.unknown}` : v.affected ? 'affected' : 'not affected');

test('range evaluation agrees with every explicit versions list in vulndata', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, async () => {
  const t0 = performance.now();
  const records: OsvRecord[] = [];
  for (const z of ZIPS) {
    for await (const e of readZip(`${VULNDATA}${z}/all.zip`, (p) => assert.fail(`${p.input}: ${p.message}`))) {
      records.push(JSON.parse(e.data.toString('utf8')) as OsvRecord);
    }
  }
  const index = AdvisoryIndex.fromRecords(records);
  let entries = 0;
  let checked = 0;
  let groupChecked = 0;
  const perZipEco = new Map<string, number>();
  const disagreements: { id: string; ecosystem: string; name: string; version: string; verdict: string }[] = [];
  const groupMismatch: string[] = [];
  for (const r of records) {
    (r.affected ?? []).forEach((a) => {
      if (!a.package || !a.versions?.length) return;
      if (!(a.ranges ?? []).some((x) => x.type === 'ECOSYSTEM' || x.type === 'SEMVER')) return;
      entries++;
      const eco = a.package.ecosystem;
      const group = r.withdrawn ? undefined : index.group(eco, a.package.name);
      const inGroup = group?.entries.find((e) => e.compiled.affected === a)?.compiled;
      for (const v of a.versions) {
        checked++;
        perZipEco.set(eco, (perZipEco.get(eco) ?? 0) + 1);
        const verdict = evaluateAffected(a, v, eco, { record: r.id, useVersions: false });
        if (!('affected' in verdict && verdict.affected)) {
          disagreements.push({ id: r.id, ecosystem: eco, name: a.package.name, version: v, verdict: label(verdict) });
        }
        if (inGroup && group) {
          groupChecked++;
          const g = evaluateCompiled(inGroup, locate(v, group.universes), { useVersions: false });
          if (label(g) !== label(verdict)) groupMismatch.push(`${r.id} ${v}: alone ${label(verdict)}, in group ${label(g)}`);
        }
      }
    });
  }
  // the other direction: known versions osv.dev left out of an entry's list because they lie
  // between a fix and the next introduced event must be judged not affected
  const known = new Map<string, Set<string>>();
  for (const r of records) for (const a of r.affected ?? []) {
    if (!a.package || !a.versions?.length) continue;
    const k = `${a.package.ecosystem}\u0000${a.package.name}`;
    let set = known.get(k);
    if (!set) known.set(k, (set = new Set()));
    for (const v of a.versions) set.add(v);
  }
  let gapChecked = 0;
  let gapUnparsed = 0;
  const gapDisagreements: { id: string; ecosystem: string; name: string; version: string; verdict: string }[] = [];
  for (const r of records) {
    for (const a of r.affected ?? []) {
      if (!a.package || !a.versions?.length) continue;
      if (!(a.ranges ?? []).some((x) => x.type === 'ECOSYSTEM' || x.type === 'SEMVER')) continue;
      const eco = a.package.ecosystem;
      const listed = new Set(a.versions);
      const fixes = (a.ranges ?? []).flatMap((x) => (x.type === 'ECOSYSTEM' || x.type === 'SEMVER' ? x.events : [])).flatMap((e) => ('fixed' in e ? [e.fixed] : []));
      const candidates = new Set([...(known.get(`${eco}\u0000${a.package.name}`) ?? []), ...fixes]);
      const group = r.withdrawn ? undefined : index.group(eco, a.package.name);
      const inGroup = group?.entries.find((e) => e.compiled.affected === a)?.compiled;
      for (const v of candidates) {
        if (listed.has(v)) continue;
        const gap = betweenFixAndIntroduced(a, eco, v);
        if (gap === undefined) { gapUnparsed++; continue; }
        if (!gap) continue;
        gapChecked++;
        const verdict = evaluateAffected(a, v, eco, { record: r.id, useVersions: false });
        if (!('affected' in verdict && !verdict.affected)) gapDisagreements.push({ id: r.id, ecosystem: eco, name: a.package.name, version: v, verdict: label(verdict) });
        if (inGroup && group) {
          const g = evaluateCompiled(inGroup, locate(v, group.universes), { useVersions: false });
          if (label(g) !== label(verdict)) groupMismatch.push(`${r.id} ${v} (between a fix and the next introduced): alone ${label(verdict)}, in group ${label(g)}`);
        }
      }
    }
  }
  const explained = disagreements.filter((d) => EXPLAINED[d.id]?.versions.includes(d.version));
  const legacy = disagreements.filter((d) => !explained.includes(d) && LEGACY_PEP440.test(d.verdict.replace(/^unknown: /, '')));
  const unexplained = disagreements.filter((d) => !explained.includes(d) && !legacy.includes(d));
  const kinds: Record<string, number> = {};
  for (const d of explained) kinds[EXPLAINED[d.id].kind] = (kinds[EXPLAINED[d.id].kind] ?? 0) + 1;
  kinds['legacy-non-pep440-version (unknown)'] = legacy.length;
  console.log(`agreement: ${records.length} records, ${entries} entries with ranges + versions, ${checked} listed versions checked (${groupChecked} also in their package group) in ${Math.round(performance.now() - t0)} ms`);
  console.log(`agreement: per ecosystem ${JSON.stringify(Object.fromEntries(perZipEco))}`);
  console.log(`agreement: ${disagreements.length} disagreements, ${unexplained.length} unexplained; explained kinds ${JSON.stringify(kinds)}`);
  for (const d of explained) console.log(`  explained ${EXPLAINED[d.id].kind}: ${d.id} ${d.ecosystem}/${d.name} ${d.version} → ${d.verdict}`);
  for (const d of unexplained) console.log(`  UNEXPLAINED: ${d.id} ${d.ecosystem}/${d.name} ${d.version} → ${d.verdict}`);
  console.log(`agreement: affected direction: ${checked} listed versions, ${checked - disagreements.length} judged affected`);
  console.log(`agreement: not-affected direction: ${gapChecked} known versions between a fix and the next introduced, ${gapChecked - gapDisagreements.length} judged not affected (${gapUnparsed} unparsable versions not placed)`);
  for (const d of gapDisagreements) console.log(`  NOT-AFFECTED DIRECTION: ${d.id} ${d.ecosystem}/${d.name} ${d.version} → ${d.verdict}`);
  assert.ok(checked > 100_000, `expected the whole data set, checked ${checked}`);
  assert.deepEqual(unexplained, []);
  assert.ok(gapChecked > 10_000, `expected the other direction over the whole data set, checked ${gapChecked}`);
  assert.deepEqual(gapDisagreements, []);
  assert.deepEqual(groupMismatch, []);
  // every explained case still occurs (so the list does not rot silently)
  for (const [id, e] of Object.entries(EXPLAINED)) {
    for (const v of e.versions) assert.ok(explained.some((d) => d.id === id && d.version === v), `explained case ${id} ${v} no longer disagrees: remove it`);
  }
});
