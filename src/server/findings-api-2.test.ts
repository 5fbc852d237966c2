/**
 * The console's findings API (issue 15) on SQLite and PostgreSQL: the new findings filters (dates,
 * image tag, repository, layer, title, fix availability YES/NO/PARTIAL) and sort=score walked page by
 * page against a reference computed here, the new aggregations, the dashboard against /v1/findings
 * and /v1/coverage, the CSV and JSON export, a finding's history, the vulnerability search and
 * record, and the suppression preview against what creating the rule then suppresses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scanResultOf, type PkgSpec, type VulnSpec } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { recordScan, registerResource, setCoverage, takeDailySnapshot } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { SEVERITY_ORDER } from '../model/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { csvField, CSV_COLUMNS } from './routes/finding-views.ts';
import * as repo from './tenancy/repo.ts';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

const PKGS: PkgSpec[] = [
  { ecosystem: 'npm', name: 'lodash', version: '4.17.0', layer: 'sha256:l1' },
  { ecosystem: 'PyPI', name: 'requests', version: '2.0.0', location: '/srv/requirements.txt', layer: 'sha256:l2' },
  { ecosystem: 'Debian:12', name: 'openssl', version: '3.0.9-1', location: '=SUM(1,2) "x"' },
];
const VULNS: VulnSpec[] = [
  { pkg: 0, id: 'GHSA-aaaa-0000-0001', vulnerability: 'CVE-2025-0001', aliases: ['CVE-2025-0001'], severity: 'CRITICAL', score: 9.8, fixed: '4.17.21', kev: true },
  { pkg: 0, id: 'GHSA-aaaa-0000-0002', severity: 'HIGH', score: 7.5 },
  // two advisories of one alias group on one package, only one with a fix: PARTIAL
  { pkg: 1, id: 'PYSEC-2025-3', vulnerability: 'CVE-2025-0003', severity: 'MEDIUM', score: 5.3, fixed: '2.1.0' },
  { pkg: 1, id: 'GHSA-rrrr-0000-0003', vulnerability: 'CVE-2025-0003', severity: 'MEDIUM', score: 5.0 },
  { pkg: 2, id: 'DSA-5000-1', vulnerability: 'CVE-2025-0004', severity: 'HIGH', score: 7.5, fixed: '3.0.11-1' },
  { pkg: 2, id: 'DSA-5001-1', vulnerability: 'CVE-2025-0005', severity: 'LOW' },
];

type Row = Record<string, unknown> & { id: string };

for (const [dialect, make] of dialects) {
  describe(`findings API for the console (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let D: { id: string; key: string; analyst: string };
    let A: { id: string; key: string; analyst: string };
    let B: { id: string; key: string; analyst: string };
    let other: { id: string; key: string };
    const res: Record<string, string> = {};

    before(async () => {
      ts = await make();
      const { store } = ts;
      const b = (await bootstrap(store, { organizationName: 'org' }))!;
      const keys = async (id: string, admin?: string) => ({
        id, key: admin ?? (await repo.createApiKey(store.db, id, 'admin', 'admin')).key, analyst: (await repo.createApiKey(store.db, id, 'analyst', 'analyst')).key,
      });
      D = await keys(b.delegatedAdmin.id, b.key);
      A = await keys((await repo.createAccount(store.db, b.organization.id, 'A')).id);
      B = await keys((await repo.createAccount(store.db, b.organization.id, 'B')).id);
      const o2 = await repo.createOrganization(store.db, { name: 'other', scanSettings: { mode: 'basic', rescanDuration: '30d', rescanFrom: 'push', autoEnable: true } });
      other = { id: o2.delegatedAdmin.id, key: o2.adminKey.key };
      const now = Date.now();
      const ago = (h: number) => new Date(now - h * 3_600_000);
      res.A1 = (await recordScan(store, { accountId: A.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:d1', tags: ['latest', 'env=prod'] }, result: scanResultOf(PKGS, VULNS), now: at(0) })).resourceId;
      // a second scan without openssl: its findings close; first/last observed and updated differ
      await recordScan(store, { accountId: A.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:d1', tags: ['latest', 'env=prod'] }, result: scanResultOf(PKGS, VULNS.filter((v) => v.pkg !== 2)), now: at(30) });
      res.A2 = (await recordScan(store, { accountId: A.id, resource: { type: 'repository', name: 'https://git.example/app.git' }, result: scanResultOf(PKGS.slice(1), VULNS.slice(2).map((v) => ({ ...v, pkg: v.pkg - 1 }))), now: at(50) })).resourceId;
      res.A3 = (await recordScan(store, { accountId: A.id, resource: { type: 'function', name: 'fn-1' }, result: scanResultOf(PKGS.slice(0, 1), VULNS.slice(0, 2)), now: ago(2) })).resourceId;
      res.A4 = await registerResource(store, A.id, { type: 'host', name: 'web-1' }, at(1));
      res.B1 = (await recordScan(store, { accountId: B.id, resource: { type: 'image', name: 'reg/other', digest: 'sha256:d2', tags: ['v2'] }, result: scanResultOf(PKGS, VULNS.slice(0, 2)), now: at(70) })).resourceId;
      res.O1 = (await recordScan(store, { accountId: other.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:d1', tags: ['latest'] }, result: scanResultOf(PKGS, VULNS), now: at(4) })).resourceId;
      await setCoverage(store, { accountId: A.id, resourceId: res.A4, status: 'INACTIVE', reason: 'UNREACHABLE', now: at(2) });
      await store.db.insertInto('resource_packages').values({ resource_id: res.A1, ecosystem: 'npm', name: 'extra', search_name: null, version: '1', purl: null, location: '/x', layer: JSON.stringify({ index: 1, digest: 'sha256:l1', createdBy: 'RUN npm ci' }), source_name: null, source_version: null, owned_by: null }).execute();
      // the vulnerability database: one group (a GHSA record and its CVE) with enrichment
      const osv = {
        id: 'GHSA-aaaa-0000-0001', modified: '2025-02-01T00:00:00Z', published: '2025-01-01T00:00:00Z', aliases: ['CVE-2025-0001'],
        summary: 'Prototype pollution in lodash', details: 'A long description.',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
        references: [{ type: 'ADVISORY', url: 'https://example.test/GHSA-aaaa-0000-0001' }],
      };
      await store.db.insertInto('vuln_records').values({ id: osv.id, source: 'osv:test', format: 'osv', modified: osv.modified, published: osv.published, withdrawn: null, summary: osv.summary, hash: 'h', json: JSON.stringify(osv), imported_at: osv.modified }).execute();
      await store.db.insertInto('vuln_aliases').values({ record_id: osv.id, alias: 'CVE-2025-0001', kind: 'alias' }).execute();
      await store.db.insertInto('vuln_groups').values([{ member: 'GHSA-aaaa-0000-0001', group_id: 'CVE-2025-0001' }, { member: 'CVE-2025-0001', group_id: 'CVE-2025-0001' }]).execute();
      await store.db.insertInto('cve_enrichment').values({
        cve: 'CVE-2025-0001', hash: 'h', kev: 1, cvss_score: 9.8, epss: 0.5, updated_at: osv.modified,
        data: JSON.stringify({ cve: 'CVE-2025-0001', kev: { dateAdded: '2025-01-10', knownRansomwareCampaignUse: 'Known' }, epss: { score: 0.5, percentile: 0.97 } }),
      }).execute();
      app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });

    const get = async (url: string, key: string) => {
      const r = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
      return { status: r.statusCode, body: r.headers['content-type']?.toString().startsWith('application/json') ? r.json() : r.body, headers: r.headers, raw: r.body };
    };
    const post = async (url: string, key: string, payload: unknown) => {
      const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
      return { status: r.statusCode, body: r.json() };
    };
    const walk = async (url: string, key: string): Promise<Row[]> => {
      const out: Row[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 200; i++) {
        const r = await get(`${url}${url.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`, key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        out.push(...r.body.items);
        cursor = r.body.nextCursor;
        if (!cursor) return out;
      }
      throw new Error('no last page');
    };
    /** every finding of the accounts with its resource, as the reference filters see them */
    const rows = async (accounts: string[]) => {
      const resources = new Map((await ts.store.db.selectFrom('resources').selectAll().execute()).map((r) => [r.id, { ...r, tags: JSON.parse(r.tags) as string[] }]));
      return (await ts.store.db.selectFrom('findings').selectAll().where('account_id', 'in', accounts).execute()).map((f) => ({ ...f, r: resources.get(f.resource_id)! }));
    };
    type Full = Awaited<ReturnType<typeof rows>>[number];
    const order = (list: Full[], sort: string) => {
      const rank = (s: string) => SEVERITY_ORDER.indexOf(s as never);
      const key = (f: Full): string | number => (sort === 'firstObserved' ? f.first_observed_at : sort === 'score' ? (f.score === null ? -1 : Number(f.score)) : f.updated_at);
      return [...list].sort((a, b) => (sort === 'severity' ? rank(a.severity) - rank(b.severity) : 0) || (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0) || (a.id < b.id ? 1 : -1)).map((f) => f.id);
    };

    test('each finding has a title (the summary, else "<id> - <package>") and its fix availability', async () => {
      const all = await rows([A.id]);
      const partial = all.find((f) => f.vulnerability_id === 'CVE-2025-0003' && f.resource_id === res.A1)!;
      assert.equal(partial.fix_availability, 'PARTIAL', 'one advisory of the group has a fix, the other not');
      assert.ok(all.filter((f) => f.fix_available === 1).every((f) => ['YES', 'PARTIAL'].includes(f.fix_availability)));
      assert.ok(all.filter((f) => f.vulnerability_id !== 'CVE-2025-0003' && f.fix_available === 0).every((f) => f.fix_availability === 'NO'));
      const one = await get(`/v1/findings/${partial.id}`, A.key);
      assert.equal(one.body.fixAvailability, 'PARTIAL');
      assert.equal(one.body.title, `summary of ${partial.advisory_id}`);
      const list = await walk('/v1/findings?status=ACTIVE,CLOSED', A.key);
      assert.ok(list.every((f) => typeof f.title === 'string' && (f.title as string).length > 0 && ['YES', 'NO', 'PARTIAL'].includes(f.fixAvailability as string)));
    });

    test('every new filter and sort=score, walked page by page, equals the reference', async () => {
      const accounts = [D.id, A.id, B.id];
      const all = await rows(accounts);
      const t30 = at(30).toISOString();
      const cases: [string, (f: Full) => boolean][] = [
        ['', (f) => f.status === 'ACTIVE'],
        ['fixAvailable=PARTIAL', (f) => f.status === 'ACTIVE' && f.fix_availability === 'PARTIAL'],
        ['fixAvailable=YES&status=ACTIVE,CLOSED', (f) => f.status !== 'SUPPRESSED' && f.fix_availability === 'YES'],
        ['fixAvailable=NO', (f) => f.status === 'ACTIVE' && f.fix_availability === 'NO'],
        ['fixAvailable=true', (f) => f.status === 'ACTIVE' && f.fix_available === 1],
        ['imageTag=latest', (f) => f.status === 'ACTIVE' && f.r.type === 'image' && f.r.tags.includes('latest')],
        ['imageTag=env=prod,v2&status=ACTIVE,CLOSED', (f) => f.status !== 'SUPPRESSED' && f.r.type === 'image' && f.r.tags.some((t) => ['env=prod', 'v2'].includes(t))],
        ['repository=reg/app,https://git.example/app.git', (f) => f.status === 'ACTIVE' && ['reg/app', 'https://git.example/app.git'].includes(f.r.name)],
        ['repository=fn-1', () => false],
        [`repository=reg/app&resourceId=${res.B1}`, () => false],
        ['layerDigest=sha256:l1', (f) => f.status === 'ACTIVE' && f.package_layer === 'sha256:l1'],
        ['title=SUMMARY of ghsa', (f) => f.status === 'ACTIVE' && f.title.toLowerCase().includes('summary of ghsa')],
        ['title=cve-2025-000', (f) => f.status === 'ACTIVE' && (f.title.toLowerCase().includes('cve-2025-000') || f.vulnerability_id.toLowerCase().includes('cve-2025-000'))],
        ['title=100%25', () => false],
        [`firstObservedFrom=${at(50).toISOString()}`, (f) => f.status === 'ACTIVE' && f.first_observed_at >= at(50).toISOString()],
        ['firstObservedTo=2025-03-01&status=ACTIVE,CLOSED', (f) => f.status !== 'SUPPRESSED' && f.first_observed_at < '2025-03-02T00:00:00.000Z'],
        [`lastObservedFrom=2025-03-02&lastObservedTo=${t30}`, (f) => f.status === 'ACTIVE' && f.last_observed_at >= '2025-03-02T00:00:00.000Z' && f.last_observed_at <= t30],
        [`updatedFrom=${t30}&updatedTo=2025-03-03&status=ACTIVE,CLOSED`, (f) => f.status !== 'SUPPRESSED' && f.updated_at >= t30 && f.updated_at < '2025-03-04T00:00:00.000Z'],
        ['updatedTo=2025-03-01T00:00:00.000%2B00:00&status=CLOSED,ACTIVE', (f) => f.status !== 'SUPPRESSED' && f.updated_at <= at(0).toISOString()],
        ['severity=HIGH,MEDIUM&imageTag=latest&fixAvailable=NO', (f) => f.status === 'ACTIVE' && ['HIGH', 'MEDIUM'].includes(f.severity) && f.r.tags.includes('latest') && f.r.type === 'image' && f.fix_availability === 'NO'],
      ];
      for (const [qs, keep] of cases) {
        for (const sort of ['severity', 'updated', 'firstObserved', 'score'] as const) {
          const got = await walk(`/v1/findings?${qs}${qs ? '&' : ''}sort=${sort}`, D.key);
          assert.deepEqual(got.map((f) => f.id), order(all.filter(keep), sort), `${qs} sort=${sort}`);
        }
      }
      const scores = (await walk('/v1/findings?sort=score&status=ACTIVE,CLOSED', A.key)).map((f) => (f.score === null ? -1 : f.score as number));
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'highest score first, unscored last');
      for (const [qs, field] of [['fixAvailable=partial', 'fixAvailable'], ['firstObservedFrom=yesterday', 'firstObservedFrom'], ['updatedTo=2025-13-01', 'updatedTo'], ['sort=risk', 'sort']]) {
        const r = await get(`/v1/findings?${qs}`, A.key);
        assert.equal(r.status, 400, qs);
        assert.equal(r.body.error.details.issues[0].field, field, qs);
      }
      const c = (await get('/v1/findings?sort=score&limit=1', A.key)).body.nextCursor;
      assert.equal((await get(`/v1/findings?sort=updated&cursor=${c}`, A.key)).status, 400, 'a score cursor is not an updated one');
    });

    test('aggregations by every new key take every findings filter; the old keys are unchanged', async () => {
      const all = (await rows([D.id, A.id, B.id]));
      const ref = (keep: (f: Full) => boolean, keys: (f: Full) => string[]) => {
        const m = new Map<string, { count: number; bySeverity: Record<string, number> }>();
        for (const f of all.filter(keep)) {
          for (const k of keys(f)) {
            const e = m.get(k) ?? { count: 0, bySeverity: {} };
            e.count++;
            e.bySeverity[f.severity] = (e.bySeverity[f.severity] ?? 0) + 1;
            m.set(k, e);
          }
        }
        return Object.fromEntries(m);
      };
      const active = (f: Full) => f.status === 'ACTIVE';
      const cases: [string, (f: Full) => boolean, (f: Full) => string[]][] = [
        ['by=layer', active, (f) => (f.package_layer ? [f.package_layer] : [])],
        ['by=repository', active, (f) => (['image', 'repository'].includes(f.r.type) ? [f.r.name] : [])],
        ['by=function', active, (f) => (f.r.type === 'function' ? [f.r.name] : [])],
        ['by=type', active, (f) => [f.type]],
        ['by=title', active, (f) => [f.title]],
        ['by=imageTag', active, (f) => (f.r.type === 'image' ? f.r.tags : [])],
        ['by=fixAvailable', active, (f) => [f.fix_availability]],
        ['by=fixAvailable&status=ACTIVE,CLOSED&imageTag=latest', (f) => f.status !== 'SUPPRESSED' && f.r.tags.includes('latest') && f.r.type === 'image', (f) => [f.fix_availability]],
        ['by=severity&repository=reg/app', (f) => active(f) && f.r.name === 'reg/app', (f) => [f.severity]],
        ['by=vulnerability&severity=HIGH,MEDIUM', (f) => active(f) && ['HIGH', 'MEDIUM'].includes(f.severity), (f) => [f.vulnerability_id]],
        ['by=resource&fixAvailable=NO&layerDigest=sha256:l1', (f) => active(f) && f.fix_availability === 'NO' && f.package_layer === 'sha256:l1', (f) => [f.resource_id]],
        ['by=package&title=summary', (f) => active(f) && f.title.includes('summary'), (f) => [`${f.package_ecosystem}/${f.package_name}`]],
        ['by=account', active, (f) => [f.account_id]],
      ];
      for (const [qs, keep, keys] of cases) {
        const r = await get(`/v1/aggregations/findings?${qs}`, D.key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const got = Object.fromEntries(r.body.items.map((i: { key: string; count: number; bySeverity: Record<string, number> }) => [i.key, { count: i.count, bySeverity: i.bySeverity }]));
        assert.deepEqual(got, ref(keep, keys), qs);
        const counts = r.body.items.map((i: { count: number }) => i.count);
        if (!qs.startsWith('by=severity')) assert.deepEqual(counts, [...counts].sort((a: number, b: number) => b - a), `${qs}: largest first`);
      }
      const layer = (await get('/v1/aggregations/findings?by=layer', A.key)).body.items.find((i: { key: string }) => i.key === 'sha256:l1');
      assert.equal(layer.label, 'RUN npm ci', "the layer's created_by");
      const byRes = (await get('/v1/aggregations/findings?by=resource', A.key)).body.items.find((i: { key: string }) => i.key === res.A1);
      assert.equal(byRes.label, 'reg/app');
      assert.ok((await get('/v1/aggregations/findings?by=vulnerability', A.key)).body.items.every((i: { label?: string }) => typeof i.label === 'string'));
      assert.equal((await get('/v1/aggregations/findings?by=layer&limit=1', A.key)).body.items.length, 1);
      assert.deepEqual((await get('/v1/aggregations/findings?by=account', B.key)).body.items.map((i: { key: string }) => i.key), [B.id]);
      assert.equal((await get('/v1/aggregations/findings?by=imageTag&imageTag=nope', D.key)).body.items.length, 0);
    });

    test('the dashboard agrees with /v1/findings and /v1/coverage', async () => {
      await takeDailySnapshot(ts.store, new Date().toISOString().slice(0, 10));
      for (const [key, scope] of [[D.key, ''], [A.key, ''], [D.key, `?accountId=${B.id}`]] as const) {
        const d = await get(`/v1/dashboard${scope}${scope ? '&' : '?'}fresh=true`, key);
        assert.equal(d.status, 200, JSON.stringify(d.body));
        const active = await walk(`/v1/findings${scope}`, key);
        for (const s of SEVERITY_ORDER) assert.equal(d.body.severity[s], active.filter((f) => f.severity === s).length, s);
        for (const x of ['YES', 'NO', 'PARTIAL']) assert.equal(d.body.fixAvailable[x], active.filter((f) => f.fixAvailability === x).length, x);
        const day = new Date(Date.now() - 86_400_000).toISOString();
        const fresh = active.filter((f) => (f.firstObservedAt as string) >= day);
        assert.equal(d.body.newLast24h.total, fresh.length);
        const cov = (await get(`/v1/coverage${scope}`, key)).body.summary as { type: string; coverageStatus: string; coverageReason: string; count: number }[];
        assert.equal(d.body.coverage.total, cov.reduce((a, c) => a + c.count, 0));
        assert.equal(d.body.coverage.scanned, cov.filter((c) => c.coverageStatus === 'ACTIVE').reduce((a, c) => a + c.count, 0));
        for (const t of d.body.coverage.byType) assert.equal(t.total, cov.filter((c) => c.type === t.type).reduce((a, c) => a + c.count, 0));
        for (const n of d.body.coverage.notScanned) assert.equal(n.count, cov.filter((c) => c.coverageStatus === 'INACTIVE' && c.coverageReason === n.reason).reduce((a, c) => a + c.count, 0));
        for (const r of d.body.topResources) {
          const mine = active.filter((f) => (f.resource as { id: string }).id === r.resourceId);
          assert.deepEqual([r.critical, r.high, r.total], [mine.filter((f) => f.severity === 'CRITICAL').length, mine.filter((f) => f.severity === 'HIGH').length, mine.length]);
        }
        for (const v of d.body.topVulnerabilities) {
          const mine = active.filter((f) => f.vulnerabilityId === v.vulnerabilityId);
          assert.equal(v.findings, mine.length);
          assert.equal(v.resources, new Set(mine.map((f) => (f.resource as { id: string }).id)).size);
        }
        const today = d.body.trend.at(-1);
        assert.equal(today.day, new Date().toISOString().slice(0, 10));
        for (const s of SEVERITY_ORDER) assert.equal(today[s], d.body.severity[s], `trend ${s}`);
      }
      assert.ok((await get('/v1/dashboard', A.key)).body.topResources.every((r: { resourceId: string }) => [res.A1, res.A2, res.A3].includes(r.resourceId)));
      assert.equal((await get(`/v1/dashboard?accountId=${B.id}`, A.key)).status, 404);
      // a change (an event) makes the next dashboard new
      const before = (await get('/v1/dashboard', A.key)).body;
      await recordScan(ts.store, { accountId: A.id, resource: { type: 'function', name: 'fn-2' }, result: scanResultOf(PKGS.slice(0, 1), VULNS.slice(0, 1)), now: new Date() });
      // answered at once with the previous numbers while new ones are computed …
      const stale = (await get('/v1/dashboard', A.key)).body;
      assert.equal(stale.generatedAt, before.generatedAt);
      // … which the next call gets (the refresh runs in the background: wait for it)
      let after = stale;
      for (let i = 0; i < 100 && after.generatedAt === before.generatedAt; i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = (await get('/v1/dashboard', A.key)).body;
      }
      assert.equal(after.severity.CRITICAL, before.severity.CRITICAL + 1);
      assert.equal(after.newLast24h.total, before.newLast24h.total + 1);
      // fresh=true waits for current numbers
      await recordScan(ts.store, { accountId: A.id, resource: { type: 'function', name: 'fn-3' }, result: scanResultOf(PKGS.slice(0, 1), VULNS.slice(0, 1)), now: new Date() });
      const current = (await get('/v1/dashboard?fresh=true', A.key)).body;
      assert.equal(current.severity.CRITICAL, after.severity.CRITICAL + 1);
    });

    test('export: every finding the filter selects, as CSV (quoted, formula-safe) and as JSON', async () => {
      const expected = await walk('/v1/findings?status=ACTIVE,CLOSED&sort=updated', A.key);
      const json = await get('/v1/findings/export?format=json&status=ACTIVE,CLOSED&sort=updated', A.key);
      assert.equal(json.status, 200);
      assert.match(String(json.headers['content-disposition']), /^attachment; filename="vigil-findings-\d{4}-\d{2}-\d{2}\.json"$/);
      assert.deepEqual(JSON.parse(json.raw), expected);
      const csv = await get('/v1/findings/export?status=ACTIVE,CLOSED&sort=updated', A.key);
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const table = parseCsv(csv.raw);
      assert.deepEqual(table[0], [...CSV_COLUMNS]);
      assert.deepEqual(table.slice(1).map((r) => r[0]), expected.map((f) => f.id));
      const openssl = table.find((r) => r[CSV_COLUMNS.indexOf('packageName')] === 'openssl')!;
      assert.equal(openssl[CSV_COLUMNS.indexOf('packageLocation')], `'=SUM(1,2) "x"`, 'quoted, quotes doubled, formula neutralized');
      assert.ok(csv.raw.includes(`"'=SUM(1,2) ""x"""`));
      const f = expected[0];
      const row = table[1];
      assert.equal(row[CSV_COLUMNS.indexOf('title')], f.title);
      assert.equal(row[CSV_COLUMNS.indexOf('fixAvailability')], f.fixAvailability);
      assert.equal(row[CSV_COLUMNS.indexOf('resourceName')], (f.resource as { name: string }).name);
      assert.equal((await get('/v1/findings/export?format=csv&imageTag=nope', A.key)).raw, `${CSV_COLUMNS.join(',')}\r\n`);
      assert.deepEqual(JSON.parse((await get('/v1/findings/export?format=json&imageTag=nope', A.key)).raw), []);
      assert.equal((await get('/v1/findings/export?format=xml', A.key)).status, 400);
      assert.equal((await get(`/v1/findings/export?accountId=${A.id}`, B.key)).status, 404);
      assert.ok(!(await get('/v1/findings/export?format=json', B.key)).raw.includes(A.id));
      assert.deepEqual(['=1', '+1', '-1', '@a', 'a,b', 'a"b', 'x\ny', 'plain', null, 7.5, false].map(csvField), [`'=1`, `'+1`, `'-1`, `'@a`, '"a,b"', '"a""b"', '"x\ny"', 'plain', '', '7.5', 'false']);
    });

    test("a finding's history: its events, oldest first, in sight only", async () => {
      const f = (await rows([A.id])).find((x) => x.resource_id === res.A1 && x.package_name === 'openssl' && x.status === 'CLOSED')!;
      const h = await get(`/v1/findings/${f.id}/history`, A.key);
      assert.equal(h.status, 200);
      assert.deepEqual(h.body.items.map((e: { type: string }) => e.type), ['finding.created', 'finding.closed']);
      assert.ok(h.body.items.every((e: { payload: { findingId: string } }) => e.payload.findingId === f.id));
      const all = await ts.store.db.selectFrom('events').select(['id', 'payload']).execute();
      assert.deepEqual(h.body.items.map((e: { id: number }) => e.id), all.filter((e) => JSON.parse(e.payload).findingId === f.id).map((e) => Number(e.id)).sort((a, b) => a - b));
      assert.equal((await get(`/v1/findings/${f.id}/history`, D.key)).status, 200);
      assert.equal((await get(`/v1/findings/${f.id}/history`, B.key)).status, 404);
      assert.equal((await get(`/v1/findings/${f.id}/history`, other.key)).status, 404);
    });

    test('vulnerability search and the merged record; affected resources within sight', async () => {
      const affected = async (accounts: string[]) => new Set((await rows(accounts)).filter((f) => f.vulnerability_id === 'CVE-2025-0001' && f.status !== 'CLOSED').map((f) => f.resource_id)).size;
      const inOrg = await affected([D.id, A.id, B.id]);
      const inA = await affected([A.id]);
      assert.ok(inA > 0 && inOrg > inA);
      for (const q of ['CVE-2025-0001', 'cve-2025-00', 'ghsa-aaaa-0000-0001', 'GHSA-aaaa', 'prototype pollution', 'lodash']) {
        const r = await get(`/v1/vulnerabilities?q=${encodeURIComponent(q)}`, D.key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.deepEqual(r.body.items.map((i: { id: string }) => i.id), ['CVE-2025-0001'], q);
        const hit = r.body.items[0];
        assert.deepEqual([hit.aliases, hit.summary, hit.severity, hit.score, hit.kev, hit.affectedResources], [['GHSA-aaaa-0000-0001'], 'Prototype pollution in lodash', 'CRITICAL', 9.8, true, inOrg]);
      }
      assert.equal((await get('/v1/vulnerabilities?q=CVE-2025-0001', A.key)).body.items[0].affectedResources, inA, "A's resources only");
      assert.equal((await get('/v1/vulnerabilities?q=CVE-2025-0001', other.key)).body.items[0].affectedResources, 1);
      assert.deepEqual((await get('/v1/vulnerabilities?q=CVE-1999', A.key)).body.items, []);
      assert.equal((await get('/v1/vulnerabilities', A.key)).status, 400);
      const rec = await get('/v1/vulnerabilities/ghsa-aaaa-0000-0001', A.key);
      assert.equal(rec.status, 200, JSON.stringify(rec.body));
      assert.equal(rec.body.id, 'CVE-2025-0001');
      assert.equal(rec.body.details, 'A long description.');
      assert.deepEqual(rec.body.advisories.map((a: { id: string; fixed: unknown; references: unknown }) => [a.id, a.fixed, a.references]),
        [['GHSA-aaaa-0000-0001', [{ ecosystem: 'npm', name: 'lodash', version: '4.17.21' }], ['https://example.test/GHSA-aaaa-0000-0001']]]);
      assert.equal(rec.body.cvss[0].vector, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
      assert.equal(rec.body.cvss[0].score, 9.8);
      assert.deepEqual(rec.body.kev, { cve: 'CVE-2025-0001', dateAdded: '2025-01-10', knownRansomwareCampaignUse: 'Known' });
      assert.deepEqual(rec.body.epss, { cve: 'CVE-2025-0001', score: 0.5, percentile: 0.97 });
      assert.equal(rec.body.affectedResources, inA);
      assert.equal((await get('/v1/vulnerabilities/CVE-1999-0000', A.key)).status, 404);
    });

    test('suppression preview: exactly what creating the rule then suppresses, nothing written', async () => {
      const criteria = { severities: ['HIGH', 'MEDIUM'], resourceTags: ['latest'] };
      const before = await ts.store.db.selectFrom('findings').select(['id', 'status', 'updated_at']).orderBy('id').execute();
      const p = await post('/v1/suppression-rules/preview', A.analyst, { criteria, sample: 2 });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.deepEqual(await ts.store.db.selectFrom('findings').select(['id', 'status', 'updated_at']).orderBy('id').execute(), before, 'nothing written');
      assert.equal(p.body.sample.length, Math.min(2, p.body.matched));
      assert.ok(p.body.matched > 0);
      assert.equal((await post('/v1/suppression-rules/preview', A.key, { accountId: B.id, criteria })).status, 404);
      assert.equal((await post('/v1/suppression-rules/preview', A.key, { criteria: {} })).status, 400);
      const d = await post('/v1/suppression-rules/preview', D.key, { criteria: { ...criteria, accountIds: [A.id, B.id] }, sample: 100 });
      const created = await post('/v1/suppression-rules', A.analyst, { name: 'p', reason: 'r', criteria });
      assert.equal(created.status, 201);
      assert.equal(created.body.applied.suppressed, p.body.matched);
      const suppressed = await walk(`/v1/findings?status=SUPPRESSED&accountId=${A.id}`, D.key);
      assert.ok(p.body.sample.every((f: { id: string }) => suppressed.some((s) => s.id === f.id)));
      // the delegated admin's preview over A and B counted A's (now suppressed) and B's
      const bLatest = (await rows([B.id])).filter((f) => f.status === 'ACTIVE' && ['HIGH', 'MEDIUM'].includes(f.severity) && f.r.tags.includes('latest'));
      assert.equal(d.body.matched, p.body.matched + bLatest.length);
    });
  });
}

/** RFC 4180 parsing, for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); out.push(row); row = []; field = ''; i++; } else field += c;
  }
  return out;
}
