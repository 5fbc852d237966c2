/**
 * Agreement with osv.dev's own computation, over the whole vulndata set: for every `affected[]`
 * entry that has ECOSYSTEM/SEMVER ranges *and* an explicit `versions` list (osv.dev enumerates the
 * list from the ranges), the range evaluator alone must judge every listed version affected.
 * Every evaluation is done twice — the entry on its own, and inside its package's shared group
 * (the ranked universe matching uses) — and both must agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OsvRecord } from '../model/index.ts';
import { readZip } from '../vulndb/containers.ts';
import { AdvisoryIndex, evaluateAffected, evaluateCompiled, locate, type Verdict } from './index.ts';
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
  assert.ok(checked > 100_000, `expected the whole data set, checked ${checked}`);
  assert.deepEqual(unexplained, []);
  assert.deepEqual(groupMismatch, []);
  // every explained case still occurs (so the list does not rot silently)
  for (const [id, e] of Object.entries(EXPLAINED)) {
    for (const v of e.versions) assert.ok(explained.some((d) => d.id === id && d.version === v), `explained case ${id} ${v} no longer disagrees: remove it`);
  }
});
