/**
 * Issue 16's "Scores" check: real data (../shared/vulndata — CISA KEV, the Vulnrichment CVSS/SSVC
 * table, the PyPI and crates.io OSV sets; no EPSS file exists there) imported as `vigil db
 * import` does, real advisories matched, and every finding's recorded adjustments compared with the
 * published formula — computed here from the raw KEV JSON and CSV and the SCORE_WEIGHTS that
 * docs/scoring.md publishes (score.test.ts checks the two agree). Then a resource's context
 * changes (reachability, pull signal) and its findings are re-scored through the lifecycle.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { silentLogger } from '../src/log.ts';
import { matchInventory } from '../src/matching/index.ts';
import { cvssScore, cvssWithModifiedAttackVector, severityFromScore, type OsvRecord, type Package, type ScanFinding, type VigilScoring } from '../src/model/index.ts';
import { readZip } from '../src/vulndb/containers.ts';
import { importInputs } from '../src/vulndb/import.ts';
import { packageLookup } from '../src/vulndb/query.ts';
import { buildScanResult, loadAdvisoryContext } from '../src/findings/scan-result.ts';
import { recordScan, rescoreResources, setResourceReachability, SCORE_WEIGHTS as W } from '../src/findings/index.ts';
import { dialects, type TestStore } from './helpers/stores.ts';

const VD = fileURLToPath(new URL('../../shared/vulndata/', import.meta.url));
const have = existsSync(`${VD}kev/known_exploited_vulnerabilities.json`) && existsSync(`${VD}cve/cvss-cwe-ssvc-vulnrichment.csv.gz`);
const r1 = (x: number) => Math.min(10, Math.max(0, Math.round(x * 10 + 1e-9) / 10));

/** The raw facts, read here without any Vigil parser. */
function rawFacts() {
  const kev = new Map<string, { dateAdded: string; knownRansomwareCampaignUse: string }>();
  for (const v of JSON.parse(readFileSync(`${VD}kev/known_exploited_vulnerabilities.json`, 'utf8')).vulnerabilities) kev.set(v.cveID, v);
  const rows = parse(gunzipSync(readFileSync(`${VD}cve/cvss-cwe-ssvc-vulnrichment.csv.gz`)), { columns: true }) as Record<string, string>[];
  const enr = new Map(rows.map((r) => [r.cve_id, r]));
  return { kev, enr };
}

/** PyPI records naming a CVE, with an explicit affected version: all the KEV ones, and non-KEV ones of every kind. */
async function pickRecords(kev: Map<string, unknown>, enr: Map<string, Record<string, string>>): Promise<OsvRecord[]> {
  const all: OsvRecord[] = [];
  for await (const e of readZip(`${VD}PyPI/all.zip`, () => {})) all.push(JSON.parse(e.data.toString('utf8')));
  all.sort((a, b) => (a.id < b.id ? -1 : 1));
  const cvesOf = (r: OsvRecord) => [r.id, ...(r.aliases ?? [])].filter((a) => a.startsWith('CVE-'));
  const usable = all.filter((r) => !r.withdrawn && r.affected?.length === 1 && (r.affected[0].versions?.length ?? 0) > 0 && cvesOf(r).length > 0);
  const inKev = usable.filter((r) => cvesOf(r).some((c) => kev.has(c)));
  const pick = (f: (r: OsvRecord) => boolean, n: number) => usable.filter((r) => !inKev.includes(r) && f(r)).slice(0, n);
  const row = (r: OsvRecord) => cvesOf(r).map((c) => enr.get(c)).find(Boolean);
  return [
    ...inKev,
    ...pick((r) => (r.severity?.length ?? 0) > 0, 8), // the advisory's own vector
    ...pick((r) => !r.severity?.length && !!row(r)?.cvss3_vector && !row(r)?.ssvc_exploitation, 8), // the CNA/ADP vector
    ...pick((r) => !!row(r)?.cvss3_vector && row(r)?.ssvc_exploitation.toLowerCase() === 'poc', 6), // public PoC
    ...pick((r) => !r.severity?.length && !row(r), 4), // nothing scores it
  ];
}

/** The adjustments the published formula gives (docs/scoring.md §3), from the raw facts. */
function expected(f: ScanFinding, record: OsvRecord, facts: ReturnType<typeof rawFacts>, ctx: { unreachable?: boolean } = {}) {
  const cves = [record.id, ...(record.aliases ?? []), ...(record.upstream ?? [])].filter((c) => c.startsWith('CVE-'));
  const kevs = cves.filter((c) => facts.kev.has(c));
  const ransomware = kevs.some((c) => facts.kev.get(c)!.knownRansomwareCampaignUse === 'Known');
  const ssvc = cves.map((c) => facts.enr.get(c)?.ssvc_exploitation.toLowerCase()).filter(Boolean);
  const exploitation = ssvc.includes('active') ? 'active' : ssvc.includes('poc') ? 'poc' : undefined;
  const out: [string, number | null, number | null][] = [];
  const base = f.scoring!.base;
  if (!base) {
    return { adjustments: kevs.length ? [['kev', null, null]] : [], score: null };
  }
  let s = base.score;
  if (ctx.unreachable && /\/AV:N/.test(base.vector) && !base.vector.startsWith('AV:')) {
    const to = r1(s + cvssWithModifiedAttackVector(base.vector, 'A') - base.score);
    out.push(['reachability', s, to]);
    s = to;
  }
  if (kevs.length) {
    const to = r1(Math.max(s + W.KEV_BONUS, ransomware ? W.KEV_RANSOMWARE_FLOOR : W.KEV_FLOOR));
    out.push(['kev', s, to]);
    s = to;
  } else if (exploitation) {
    const to = r1(s + (exploitation === 'active' ? W.EXPLOIT_ACTIVE_BONUS : W.EXPLOIT_POC_BONUS));
    out.push(['exploit', s, to]);
    s = to;
  }
  if (!f.fixAvailable) {
    const to = r1(s - W.NO_FIX_PENALTY);
    out.push(['fix', s, to]);
    s = to;
  }
  return { adjustments: out, score: s };
}

const adj = (s: VigilScoring) => s.adjustments.map((a) => [a.metric, a.from, a.to]);

for (const [name, make] of dialects) {
  describe(`Vigil score on real KEV and non-KEV CVEs (${name})`, { skip: !have && 'no ../shared/vulndata' }, () => {
    let ts: TestStore;
    let facts: ReturnType<typeof rawFacts>;
    let records: OsvRecord[];
    let findings: ScanFinding[];
    let packages: Package[];
    before(async () => {
      ts = await make();
      facts = rawFacts();
      await importInputs([`${VD}PyPI/all.zip`, `${VD}crates.io/all.zip`, `${VD}kev/known_exploited_vulnerabilities.json`, `${VD}cve/cvss-cwe-ssvc-vulnrichment.csv.gz`], { store: ts.store, log: silentLogger() });
      records = await pickRecords(facts.kev, facts.enr);
      packages = records.map((r, i) => ({ ecosystem: 'PyPI', name: r.affected![0].package!.name, version: r.affected![0].versions![0], locations: [`site-packages/${i}`] }));
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ids = report.packages.flatMap((p) => p.matches.map((m) => m.id));
      const ctx = await loadAdvisoryContext(ts.store, ids);
      findings = buildScanResult({ target: { kind: 'dir', ref: 'real' }, packages, errors: [], report, ctx, createdAt: '2025-09-01T00:00:00Z', version: 'test' }).findings
        .filter((f) => f.id === records[f.packageIndex].id);
    });
    after(async () => { await ts?.cleanup(); });

    test('every finding\'s adjustments are the published formula\'s', (t) => {
      assert.equal(findings.length, records.length, 'each picked advisory matches its own affected version');
      let kevCount = 0, unscoredKev = 0, exploit = 0, fix = 0, unknown = 0;
      const lines: string[] = [];
      for (const f of findings) {
        const record = records[f.packageIndex];
        const s = f.scoring!;
        const e = expected(f, record, facts);
        assert.deepEqual(adj(s), e.adjustments, `${f.id}: adjustments`);
        assert.equal(s.score, e.score, `${f.id}: score`);
        if (s.base) {
          assert.equal(cvssScore(s.base.vector).baseScore, s.base.score, `${f.id}: base score is its vector's`);
          assert.equal(s.severity, severityFromScore(s.score!), `${f.id}: severity follows from the score`);
          assert.equal(f.severity, s.severity);
        }
        if (s.adjustments.some((a) => a.metric === 'kev')) kevCount++;
        if (!s.base && s.adjustments.some((a) => a.metric === 'kev')) {
          unscoredKev++;
          assert.ok(['HIGH', 'CRITICAL'].includes(s.severity), `${f.id}: KEV without a score is at least HIGH`);
        }
        if (s.adjustments.some((a) => a.metric === 'exploit')) exploit++;
        if (s.adjustments.some((a) => a.metric === 'fix')) fix++;
        if (s.severity === 'UNKNOWN') unknown++;
        lines.push(`${f.id} ${s.base ? `${s.base.score} (${s.base.source})` : 'unscored'} ${s.adjustments.map((a) => `${a.metric} ${a.from ?? a.fromSeverity}→${a.to ?? a.toSeverity}`).join(', ')} = ${s.score ?? '-'} ${s.severity}`);
      }
      t.diagnostic(`${findings.length} findings: ${kevCount} KEV (${unscoredKev} unscored), ${exploit} exploit, ${fix} no fix, ${unknown} UNKNOWN`);
      for (const l of lines) t.diagnostic(l);
      assert.ok(kevCount >= 5 && unscoredKev >= 3 && exploit >= 3 && unknown >= 1 && findings.length - kevCount >= 15, 'a real mix of cases');
    });

    test('stored findings carry the scoring; reachability and pull signal re-score them through the lifecycle', async () => {
      const accountId = 'acct-score';
      const now = new Date('2025-09-01T00:00:00Z');
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
      const result = buildScanResult({ target: { kind: 'dir', ref: 'real' }, packages, errors: [], report, ctx, createdAt: now.toISOString(), version: 'test' });
      const { resourceId } = await recordScan(ts.store, { accountId, resource: { type: 'host', name: 'web-1' }, result, now });
      // every finding of the resource (other advisories of these packages too), by vulnerability and
      // package (issue 20: one finding per package, whichever of its locations; two records naming the
      // same package version are one install here, its locations site-packages/<i> merged)
      const stored = async () => new Map((await ts.store.db.selectFrom('findings').select(['vulnerability_id', 'package_name', 'advisory_id', 'score', 'severity', 'details', 'id']).where('resource_id', '=', resourceId).execute()).map((r) => [`${r.vulnerability_id} ${r.package_name}`, r]));
      const keyOf = (f: ScanFinding) => `${f.vulnerability} ${packages[f.packageIndex].name}`;
      const before1 = await stored();
      for (const f of findings) {
        const row = before1.get(keyOf(f))!;
        assert.equal(row.advisory_id, f.id);
        assert.deepEqual(JSON.parse(row.details).scoring, f.scoring, `${f.id}: stored scoring`);
        assert.equal(row.score === null ? null : Number(row.score), f.scoring!.score);
      }
      // the network analysis says: not reachable from the internet
      const eventsBefore = (await ts.store.db.selectFrom('events').select('id').where('type', '=', 'finding.updated').execute()).length;
      const later = new Date('2025-09-02T00:00:00Z');
      const r = await setResourceReachability(ts.store, { accountId, resourceId, reachability: { internet: false, source: 'aws' }, now: later });
      assert.ok(r.changed);
      assert.equal(r.counts.created + r.counts.closed, 0, 'a re-score neither creates nor closes');
      const after1 = await stored();
      let lowered = 0;
      for (const f of findings) {
        const row = after1.get(keyOf(f))!;
        const s = JSON.parse(row.details).scoring as VigilScoring;
        const e = expected(f, records[f.packageIndex], facts, { unreachable: true });
        assert.deepEqual(adj(s), e.adjustments, `${f.id}: adjustments when unreachable`);
        assert.equal(row.score === null ? null : Number(row.score), e.score);
        if (e.score !== f.scoring!.score) lowered++;
      }
      const updated = await ts.store.db.selectFrom('events').select('payload').where('type', '=', 'finding.updated').execute();
      const scoreChanges = updated.slice(eventsBefore).filter((e) => JSON.parse(e.payload).changes?.score);
      assert.ok(lowered > 5, 'AV:N findings were lowered');
      const changed = [...after1].filter(([k, v]) => String(v.score) !== String(before1.get(k)!.score)).map(([, v]) => v.id).sort();
      assert.deepEqual(scoreChanges.map((e) => JSON.parse(e.payload).findingId as string).sort(), changed, 'one finding.updated per changed score');
      // the same context again changes nothing; a rematch of the resource agrees
      assert.equal((await setResourceReachability(ts.store, { accountId, resourceId, reachability: { internet: false, source: 'aws' }, now: later })).changed, false);
      const again = await rescoreResources(ts.store, [resourceId], later);
      assert.equal(again.updated, 0, 'a re-score with nothing new writes nothing');
      // a rescan of the resource keeps the context
      await recordScan(ts.store, { accountId, resource: { type: 'host', name: 'web-1' }, result, now: later });
      const scores = (m: Map<string, { score: number | null }>) => [...m].map(([k, v]) => `${k} ${v.score === null ? null : Number(v.score)}`).sort();
      assert.deepEqual(scores(await stored()), scores(after1));
    });
  });
}
