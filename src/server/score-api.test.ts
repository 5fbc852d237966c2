/**
 * Issue 16 through the API, on SQLite and PostgreSQL: advisories and enrichment (KEV, EPSS, SSVC)
 * imported the ordinary way, a scan recorded, then GET /v1/findings/{id} shows details.scoring,
 * and /v1/findings filters by minEpss and kev and sorts by the Vigil score and by EPSS. An EPSS
 * import then re-scores through the rematch, with finding.updated events.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { buildScanResult, loadAdvisoryContext, notePulls, pullChangesInUse, recordScan, rematchAll, rescoreAgedImages } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import type { Package } from '../model/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { packageLookup } from '../vulndb/query.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';

const V98 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V53 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N';
const osv = (id: string, name: string, cve: string, fixed: string | null, vector?: string) => ({
  schema_version: '1.6.0', id, modified: '2025-01-01T00:00:00Z', published: '2025-01-01T00:00:00Z', aliases: [cve], summary: `summary of ${id}`,
  ...(vector ? { severity: [{ type: 'CVSS_V3', score: vector }] } : {}),
  affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }] }],
});

for (const [dialect, make] of dialects) {
  describe(`Vigil score in the API (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let key: string;
    let dir: string;
    const packages: Package[] = [
      { ecosystem: 'PyPI', name: 'alpha', version: '1.0', locations: ['/app/requirements.txt'] },
      { ecosystem: 'PyPI', name: 'beta', version: '1.0', locations: ['/app/requirements.txt'] },
      { ecosystem: 'PyPI', name: 'gamma', version: '1.0', locations: ['/app/requirements.txt'] },
    ];
    before(async () => {
      ts = await make();
      dir = mkdtempSync(join(tmpdir(), 'vigil-score-api-'));
      writeFileSync(join(dir, 'PYSEC-2025-1.json'), JSON.stringify(osv('PYSEC-2025-1', 'alpha', 'CVE-2025-1001', '2.0', V53)));
      writeFileSync(join(dir, 'PYSEC-2025-2.json'), JSON.stringify(osv('PYSEC-2025-2', 'beta', 'CVE-2025-1002', null, V98)));
      writeFileSync(join(dir, 'PYSEC-2025-3.json'), JSON.stringify(osv('PYSEC-2025-3', 'gamma', 'CVE-2025-1003', '2.0')));
      writeFileSync(join(dir, 'kev.json'), JSON.stringify({ catalogVersion: '2025.01.01', count: 2, vulnerabilities: [
        { cveID: 'CVE-2025-1001', vendorProject: 'v', product: 'alpha', vulnerabilityName: 'n', dateAdded: '2025-01-10', shortDescription: 's', requiredAction: 'r', dueDate: '2025-01-31', knownRansomwareCampaignUse: 'Unknown' },
        { cveID: 'CVE-2025-1003', vendorProject: 'v', product: 'gamma', vulnerabilityName: 'n', dateAdded: '2025-01-11', shortDescription: 's', requiredAction: 'r', dueDate: '2025-01-31', knownRansomwareCampaignUse: 'Known' },
      ] }));
      writeFileSync(join(dir, 'epss_scores-2025-01-15.csv'), '#model_version:v2025.03.14,score_date:2025-01-15T00:00:00Z\ncve,epss,percentile\nCVE-2025-1001,0.61,0.995\nCVE-2025-1002,0.02,0.40\n');
      await importInputs([dir], { store: ts.store, log: silentLogger() });
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
      const result = buildScanResult({ target: { kind: 'dir', ref: 'app' }, packages, errors: [], report, ctx, createdAt: '2025-02-01T00:00:00Z', version: 'test' });
      const b = (await bootstrap(ts.store, { organizationName: 'org' }))!;
      key = b.key;
      await recordScan(ts.store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:d1' }, result, now: new Date('2025-02-01T00:00:00Z') });
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    const get = async (url: string) => {
      const r = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
      return { status: r.statusCode, body: r.json() };
    };

    test('GET /v1/findings/{id}: details.scoring with base and adjustments; score and severity are its own', async () => {
      const list = await get('/v1/findings?sort=score');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const byId = new Map<string, { id: string; score: number | null; severity: string; epss: number | null; advisoryId: string }>(list.body.items.map((f: { advisoryId: string }) => [f.advisoryId, f]));
      // alpha: 5.3 + KEV (→ 7.3) + EPSS top (→ 8.3); beta: 9.8, no fix (→ 9.3), EPSS low; gamma: no CVSS, KEV with ransomware → CRITICAL, unscored
      assert.deepEqual(list.body.items.map((f: { advisoryId: string }) => f.advisoryId), ['PYSEC-2025-2', 'PYSEC-2025-1', 'PYSEC-2025-3'], 'sort=score uses the Vigil score');
      assert.deepEqual([byId.get('PYSEC-2025-1')!.score, byId.get('PYSEC-2025-1')!.severity, byId.get('PYSEC-2025-1')!.epss], [8.3, 'HIGH', 0.61]);
      assert.deepEqual([byId.get('PYSEC-2025-2')!.score, byId.get('PYSEC-2025-2')!.severity], [9.3, 'CRITICAL']);
      assert.deepEqual([byId.get('PYSEC-2025-3')!.score, byId.get('PYSEC-2025-3')!.severity], [null, 'CRITICAL']);
      const one = await get(`/v1/findings/${byId.get('PYSEC-2025-1')!.id}`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      const s = one.body.details.scoring;
      assert.deepEqual(s.base, { score: 5.3, version: '3.1', vector: V53, source: 'PYSEC-2025-1' });
      assert.deepEqual(s.adjustments.map((a: { metric: string; from: number; to: number }) => [a.metric, a.from, a.to]), [['kev', 5.3, 7.3], ['epss', 7.3, 8.3]]);
      assert.equal(s.formula, 'vigil-1');
      assert.deepEqual(s.inputs.epss, { cve: 'CVE-2025-1001', probability: 0.61, percentile: 0.995, date: '2025-01-15' });
    });

    test('filters: minEpss, kev (= exploitAvailable); sort=epss', async () => {
      const ids = async (q: string) => {
        const r = await get(`/v1/findings?${q}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.items.map((f: { advisoryId: string }) => f.advisoryId);
      };
      assert.deepEqual(await ids('minEpss=0.5'), ['PYSEC-2025-1']);
      assert.deepEqual((await ids('kev=true')).sort(), ['PYSEC-2025-1', 'PYSEC-2025-3']);
      assert.deepEqual(await ids('kev=false'), ['PYSEC-2025-2']);
      assert.deepEqual(await ids('kev=true&exploitAvailable=true&sort=epss'), ['PYSEC-2025-1', 'PYSEC-2025-3']);
      assert.deepEqual(await ids('sort=epss&limit=1'), ['PYSEC-2025-1']);
      const walk: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/v1/findings?sort=epss&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        walk.push(...r.body.items.map((f: { advisoryId: string }) => f.advisoryId));
        cursor = r.body.nextCursor;
      } while (cursor);
      assert.deepEqual(walk, ['PYSEC-2025-1', 'PYSEC-2025-2', 'PYSEC-2025-3'], 'highest EPSS first, unknown last, page by page');
      assert.equal((await get('/v1/findings?kev=true&exploitAvailable=false')).status, 400);
    });

    test('an EPSS import re-scores through the rematch, with finding.updated events', async () => {
      writeFileSync(join(dir, 'epss_scores-2025-01-15.csv'), '#model_version:v2025.03.14,score_date:2025-01-16T00:00:00Z\ncve,epss,percentile\nCVE-2025-1001,0.61,0.995\nCVE-2025-1002,0.30,0.95\n');
      await importInputs([join(dir, 'epss_scores-2025-01-15.csv')], { store: ts.store, log: silentLogger() });
      const summary = await rematchAll(ts.store, new Date('2025-02-02T00:00:00Z'));
      assert.ok(summary.updated >= 1);
      const beta = (await get('/v1/findings?kev=false')).body.items[0];
      assert.deepEqual([beta.score, beta.epss], [9.5, 0.3], '9.8 + 0.5 (EPSS ≥ 0.9) = 10.3, capped at 10.0, − 0.5 (no fix)');
      const events = await ts.store.db.selectFrom('events').select('payload').where('type', '=', 'finding.updated').execute();
      assert.ok(events.some((e) => { const p = JSON.parse(e.payload); return p.findingId === beta.id && p.changes?.score?.from === 9.3 && p.changes?.score?.to === 9.5; }), 'a finding.updated event names the score change');
    });

    test('the registry pull signal: an image leaving the in-use window is re-scored by the tick, a new pull re-scores it back', async () => {
      const img = await ts.store.db.selectFrom('resources').select('id').where('type', '=', 'image').executeTakeFirstOrThrow();
      const pulled = '2025-03-01T00:00:00.000Z';
      await ts.store.db.updateTable('resources').set({ last_pulled_at: pulled }).where('id', '=', img.id).execute();
      const score = async () => (await get('/v1/findings?kev=false')).body.items[0].score as number;
      const before1 = await score();
      // the first tick inside the window re-scores nothing; after 90 days the image is not in use any more
      assert.deepEqual(await rescoreAgedImages(ts.store, null, new Date('2025-05-01T00:00:00Z')), []);
      assert.deepEqual(await rescoreAgedImages(ts.store, new Date('2025-05-01T00:00:00Z'), new Date('2025-06-15T00:00:00Z')), [img.id]);
      assert.equal(await score(), Math.round((before1 - 1.0) * 10) / 10, 'NOT_IN_USE_PENALTY');
      assert.deepEqual(await rescoreAgedImages(ts.store, new Date('2025-06-15T00:00:00Z'), new Date('2025-06-16T00:00:00Z')), [], 'once');
      // a pull now: in use again
      const now = new Date('2025-06-20T00:00:00Z');
      assert.equal(pullChangesInUse(pulled, now), true);
      assert.equal(pullChangesInUse('2025-06-19T00:00:00Z', now), false);
      await ts.store.db.updateTable('resources').set({ last_pulled_at: now.toISOString() }).where('id', '=', img.id).execute();
      await notePulls(ts.store, [img.id], now);
      assert.equal(await score(), before1);
    });
  });
}
