/**
 * The findings side of the API on SQLite and PostgreSQL: findings lists (every filter, every sort,
 * keyset pages walked to the end and compared with a reference order computed here), one finding
 * with its details, resources, inventory, coverage, suppression rules (immediate re-evaluation,
 * criteria errors naming the field, rules for member accounts), aggregations, affected resources and
 * the events outbox — each as a member and as the organization's delegated admin.
 */
import assert from 'node:assert/strict';
import { mergeAttributes } from '../engine/scan.ts';
import { after, before, describe, test } from 'node:test';
import { scanResultOf, type PkgSpec, type VulnSpec } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { pageGuard } from '../../test/helpers/pages.ts';
import { recordScan, setCoverage, takeDailySnapshot, registerResource } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { SEVERITY_ORDER } from '../model/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { listFindings, type FindingFilter, type FindingSort } from '../findings/query.ts';
import * as repo from './tenancy/repo.ts';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);

const PKGS: PkgSpec[] = [
  { ecosystem: 'npm', name: 'lodash', version: '4.17.0', layer: 'sha256:l1' },
  { ecosystem: 'PyPI', name: 'requests', version: '2.0.0', location: '/srv/requirements.txt' },
  { ecosystem: 'Debian:12', name: 'openssl', version: '3.0.9-1', location: '/var/lib/dpkg/status' },
  { ecosystem: 'npm', name: 'evil-pkg', version: '1.0.0' },
];
const VULNS: VulnSpec[] = [
  { pkg: 0, id: 'GHSA-aaaa-0000-0001', vulnerability: 'CVE-2025-0001', aliases: ['CVE-2025-0001'], severity: 'CRITICAL', score: 9.8, fixed: '4.17.21', kev: true },
  { pkg: 0, id: 'GHSA-aaaa-0000-0002', severity: 'HIGH', score: 7.5, fixed: '4.17.21' },
  { pkg: 1, id: 'PYSEC-2025-3', vulnerability: 'CVE-2025-0003', severity: 'MEDIUM', score: 5.3 },
  { pkg: 2, id: 'DSA-5000-1', vulnerability: 'CVE-2025-0004', severity: 'HIGH', score: 7.5, fixed: '3.0.11-1' },
  { pkg: 2, id: 'DSA-5001-1', vulnerability: 'CVE-2025-0005', severity: 'LOW', score: 2.1 },
  { pkg: 3, id: 'MAL-2025-1', severity: 'CRITICAL', malicious: true },
];

interface Row { id: string; severity: string; updatedAt: string; firstObservedAt: string; accountId: string; status: string }

for (const [dialect, make] of dialects) {
  describe(`findings API (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let D: { id: string; key: string; analyst: string; ro: string };
    let A: { id: string; key: string; analyst: string; ro: string };
    let B: { id: string; key: string; analyst: string; ro: string };
    let other: { id: string; key: string };
    const res: Record<string, string> = {};

    before(async () => {
      ts = await make();
      const { store } = ts;
      const b = (await bootstrap(store, { organizationName: 'org' }))!;
      const keys = async (id: string, admin?: string) => ({
        id, key: admin ?? (await repo.createApiKey(store.db, id, 'admin', 'admin')).key,
        analyst: (await repo.createApiKey(store.db, id, 'analyst', 'analyst')).key, ro: (await repo.createApiKey(store.db, id, 'ro', 'read-only')).key,
      });
      D = await keys(b.delegatedAdmin.id, b.key);
      A = await keys((await repo.createAccount(store.db, b.organization.id, 'A')).id);
      B = await keys((await repo.createAccount(store.db, b.organization.id, 'B')).id);
      const o2 = await repo.createOrganization(store.db, { name: 'other', scanSettings: { mode: 'basic', rescanDuration: '30d', rescanFrom: 'push', autoEnable: true } });
      other = { id: o2.delegatedAdmin.id, key: o2.adminKey.key };
      // A: an image scanned twice (the second scan drops requests → a CLOSED finding), a host; B: an image; org2: one too
      const img = { type: 'image' as const, name: 'reg/app', digest: 'sha256:d1', tags: ['latest', 'env=prod'] };
      res.A1 = (await recordScan(store, { accountId: A.id, resource: img, result: scanResultOf(PKGS, VULNS), now: at(0) })).resourceId;
      await recordScan(store, { accountId: A.id, resource: img, result: scanResultOf(PKGS, VULNS.filter((v) => v.pkg !== 1)), now: at(1) });
      res.A2 = (await recordScan(store, { accountId: A.id, resource: { type: 'host', name: 'web-1' }, result: scanResultOf(PKGS.slice(2, 3), [{ ...VULNS[3], pkg: 0 }, { ...VULNS[4], pkg: 0 }]), now: at(2) })).resourceId;
      res.A3 = await registerResource(store, A.id, { type: 'function', name: 'fn-1' }, at(2));
      res.B1 = (await recordScan(store, { accountId: B.id, resource: { type: 'image', name: 'reg/other', digest: 'sha256:d2' }, result: scanResultOf(PKGS, VULNS.slice(0, 4)), now: at(3) })).resourceId;
      res.O1 = (await recordScan(store, { accountId: other.id, resource: { type: 'image', name: 'reg/app', digest: 'sha256:d1' }, result: scanResultOf(PKGS, VULNS), now: at(4) })).resourceId;
      await store.db.insertInto('vuln_groups').values([{ member: 'GHSA-aaaa-0000-0001', group_id: 'CVE-2025-0001' }, { member: 'CVE-2025-0001', group_id: 'CVE-2025-0001' }]).execute();
      app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });

    const get = async (url: string, key: string) => {
      const r = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
      return { status: r.statusCode, body: r.json() };
    };
    const send = async (method: string, url: string, key: string, payload?: unknown) => {
      const r = await app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: r.statusCode, body: r.json() };
    };
    /** every page of a list, following nextCursor */
    const walk = async (url: string, key: string): Promise<Row[]> => {
      const out: Row[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 200; i++) {
        const r = await get(`${url}${url.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`, key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.ok(r.body.items.length <= 2);
        out.push(...r.body.items);
        cursor = r.body.nextCursor;
        if (!cursor) return out;
      }
      throw new Error('no last page');
    };
    /** the reference: every row of the accounts, filtered and sorted here */
    const reference = async (accounts: string[], keep: (r: Record<string, unknown>) => boolean, sort: FindingSort): Promise<string[]> => {
      const rows = (await ts.store.db.selectFrom('findings').selectAll().where('account_id', 'in', accounts).execute()).filter(keep);
      const rank = (s: string) => SEVERITY_ORDER.indexOf(s as never);
      const t = (r: typeof rows[number]) => (sort === 'firstObserved' ? r.first_observed_at : r.updated_at);
      rows.sort((a, b) => (sort === 'severity' ? rank(a.severity) - rank(b.severity) : 0) || (t(a) < t(b) ? 1 : t(a) > t(b) ? -1 : 0) || (a.id < b.id ? 1 : -1));
      return rows.map((r) => r.id);
    };

    test('a member lists its own ACTIVE findings, worst first; the delegated admin sees the organization', async () => {
      const mine = await get('/v1/findings', A.ro);
      assert.equal(mine.status, 200);
      assert.ok(mine.body.items.length > 0);
      assert.ok(mine.body.items.every((f: Row) => f.accountId === A.id && f.status === 'ACTIVE'));
      const ranks = mine.body.items.map((f: Row) => SEVERITY_ORDER.indexOf(f.severity as never));
      assert.deepEqual(ranks, [...ranks].sort((a: number, b: number) => a - b));
      const f = mine.body.items[0];
      assert.equal(f.severity, 'CRITICAL');
      assert.ok(!('details' in f) && !('finding_key' in f) && !('details_hash' in f), 'lists carry no details or internal columns');
      assert.equal(f.resource.id, res.A1);
      assert.equal(f.resource.name, 'reg/app');
      const all = await walk('/v1/findings', D.ro);
      assert.deepEqual(new Set(all.map((r) => r.accountId)), new Set([A.id, B.id]));
      assert.ok(!JSON.stringify(all).includes(other.id));
      assert.deepEqual(all.map((r) => r.id), await reference([D.id, A.id, B.id], (r) => r.status === 'ACTIVE', 'severity'));
      const onlyB = await walk(`/v1/findings?accountId=${B.id}`, D.key);
      assert.ok(onlyB.length > 0 && onlyB.every((r) => r.accountId === B.id));
      assert.equal((await get(`/v1/findings?accountId=${B.id}`, A.key)).status, 404, "a member naming another account's id");
      assert.equal((await get(`/v1/findings?accountId=${other.id}`, D.key)).status, 404, 'another organization');
    });

    test('every filter and sort, walked page by page, equals the reference order', async () => {
      const accounts = [D.id, A.id, B.id];
      const cases: [string, (r: Record<string, unknown>) => boolean][] = [
        ['status=ACTIVE,CLOSED', (r) => r.status !== 'SUPPRESSED'],
        ['status=ACTIVE&status=SUPPRESSED&status=CLOSED', () => true],
        ['severity=CRITICAL,HIGH', (r) => r.status === 'ACTIVE' && ['CRITICAL', 'HIGH'].includes(r.severity as string)],
        ['severity=LOW&severity=HIGH&status=ACTIVE,CLOSED', (r) => r.status !== 'SUPPRESSED' && ['LOW', 'HIGH'].includes(r.severity as string)],
        ['type=malicious', (r) => r.status === 'ACTIVE' && r.type === 'malicious'],
        ['vulnerabilityId=ghsa-aaaa-0000-0001', (r) => r.status === 'ACTIVE' && r.vulnerability_id === 'CVE-2025-0001'],
        ['vulnerabilityId=CVE-2025-0004,CVE-2025-0005&status=ACTIVE,CLOSED', (r) => r.status !== 'SUPPRESSED' && ['CVE-2025-0004', 'CVE-2025-0005'].includes(r.vulnerability_id as string)],
        ['packageName=openssl', (r) => r.status === 'ACTIVE' && r.package_name === 'openssl'],
        ['packageName=lodash&packageEcosystem=npm', (r) => r.status === 'ACTIVE' && r.package_name === 'lodash'],
        ['packageEcosystem=npm', (r) => r.status === 'ACTIVE' && r.package_ecosystem === 'npm'],
        [`resourceId=${res.A2}`, (r) => r.status === 'ACTIVE' && r.resource_id === res.A2],
        [`resourceId=${res.A1},${res.B1}&status=CLOSED,ACTIVE`, (r) => r.status !== 'SUPPRESSED' && [res.A1, res.B1].includes(r.resource_id as string)],
        ['resourceType=host', (r) => r.status === 'ACTIVE' && r.resource_id === res.A2],
        ['resourceType=image&severity=HIGH', (r) => r.status === 'ACTIVE' && r.severity === 'HIGH' && r.resource_id !== res.A2],
        ['fixAvailable=false', (r) => r.status === 'ACTIVE' && Number(r.fix_available) === 0],
        ['exploitAvailable=true', (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 1],
        // known exploited leads with its partial index, the other filters residual
        ['exploitAvailable=true&status=ACTIVE,CLOSED,SUPPRESSED&severity=CRITICAL,HIGH', (r) => Number(r.exploit_available) === 1 && ['CRITICAL', 'HIGH'].includes(r.severity as string)],
        ['exploitAvailable=true&packageName=lodash', (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 1 && r.package_name === 'lodash'],
        ['exploitAvailable=true&packageName=openssl', (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 1 && r.package_name === 'openssl'],
        ['exploitAvailable=true&resourceType=image&fixAvailable=true', (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 1 && Number(r.fix_available) === 1 && r.resource_id !== res.A2],
        [`exploitAvailable=true&resourceId=${res.A1}`, (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 1 && r.resource_id === res.A1],
        ['exploitAvailable=false&severity=CRITICAL', (r) => r.status === 'ACTIVE' && Number(r.exploit_available) === 0 && r.severity === 'CRITICAL'],
        ['resourceType=image,host&fixAvailable=true&status=ACTIVE,CLOSED', (r) => r.status !== 'SUPPRESSED' && Number(r.fix_available) === 1 && [res.A1, res.A2, res.B1].includes(r.resource_id as string)],
        ['minScore=7', (r) => r.status === 'ACTIVE' && r.score !== null && Number(r.score) >= 7],
        ['status=CLOSED', (r) => r.status === 'CLOSED'],
      ];
      for (const [qs, keep] of cases) {
        for (const sort of ['severity', 'updated', 'firstObserved'] as const) {
          const got = await walk(`/v1/findings?${qs}&sort=${sort}`, D.ro);
          assert.deepEqual(got.map((r) => r.id), await reference(accounts, keep, sort), `${qs} sort=${sort}`);
          assert.equal(new Set(got.map((r) => r.id)).size, got.length, `${qs}: no duplicates across pages`);
        }
      }
      assert.ok((await walk('/v1/findings?status=CLOSED', A.key)).some((r) => r.status === 'CLOSED'), 'the dropped package closed a finding');
    });

    test('the union of partitions and the single query over IN lists give the same pages', async () => {
      const base: FindingFilter = { accountIds: [D.id, A.id, B.id], statuses: ['ACTIVE', 'CLOSED', 'SUPPRESSED'] };
      for (const sort of ['severity', 'updated', 'firstObserved'] as const) {
        for (const f of [base, { ...base, severities: ['HIGH', 'LOW'] as const }, { ...base, types: ['vulnerability'] }, { ...base, exploitAvailable: true }, { ...base, resourceTypes: ['image'] }]) {
          const pages = async (maxPartitions: number) => {
            const ids: string[] = [];
            let cursor: string | undefined;
            const guard = pageGuard(`listFindings sort ${sort}`);
            do {
              const p = await listFindings(ts.store, f, { sort, limit: 3, cursor, maxPartitions });
              ids.push(...p.items.map((i) => i.id));
              cursor = p.nextCursor ?? undefined;
              guard(cursor);
            } while (cursor);
            return ids;
          };
          assert.deepEqual(await pages(1), await pages(64), `sort ${sort}`);
        }
      }
    });

    test('bad filters and cursors are 400 naming the field', async () => {
      const cases: [string, string][] = [
        ['status=OPEN', 'status.0'], ['severity=SEVERE', 'severity.0'], ['limit=501', 'limit'], ['limit=0', 'limit'], ['minScore=11', 'minScore'],
        ['fixAvailable=yes', 'fixAvailable'], ['sort=random', 'sort'], ['color=red', 'color'], ['resourceType=vm', 'resourceType.0'],
      ];
      for (const [qs, field] of cases) {
        const r = await get(`/v1/findings?${qs}`, A.ro);
        assert.equal(r.status, 400, `${qs}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'VIGIL_INVALID_INPUT');
        assert.equal(r.body.error.details.issues[0].field, field, qs);
      }
      const page = await get('/v1/findings?limit=1&sort=updated', A.ro);
      for (const cursor of ['garbage!', 'e30', Buffer.from('[1,2]').toString('base64url')]) {
        const r = await get(`/v1/findings?cursor=${encodeURIComponent(cursor)}`, A.ro);
        assert.equal(r.status, 400, cursor);
        assert.match(r.body.error.message, /"cursor"/);
      }
      const wrongSort = await get(`/v1/findings?cursor=${page.body.nextCursor}&sort=severity`, A.ro);
      assert.equal(wrongSort.status, 400, 'a cursor of another sort');
      assert.match(wrongSort.body.error.message, /sort=updated/);
    });

    test('one finding with its details; out of sight is 404', async () => {
      const list = await get('/v1/findings?vulnerabilityId=CVE-2025-0001', A.ro);
      const id = list.body.items[0].id;
      const r = await get(`/v1/findings/${id}`, A.ro);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.details.advisories, ['GHSA-aaaa-0000-0001']);
      assert.deepEqual(r.body.details.aliases, ['CVE-2025-0001']);
      assert.equal(r.body.details.cvss.score, 9.8);
      assert.equal(r.body.details.explanation.record, 'GHSA-aaaa-0000-0001');
      assert.equal(r.body.exploitAvailable, true);
      assert.equal(r.body.fixedVersion, '4.17.21');
      assert.equal(r.body.package.layer, 'sha256:l1');
      assert.equal((await get(`/v1/findings/${id}`, D.ro)).status, 200);
      assert.equal((await get(`/v1/findings/${id}`, B.key)).status, 404);
      assert.equal((await get(`/v1/findings/${id}`, other.key)).status, 404);
      assert.equal((await get('/v1/findings/fnd-nope', A.key)).status, 404);
    });

    test('resources: coverage, ACTIVE counts by severity, packages; coverage summary', async () => {
      const list = await get('/v1/resources', A.ro);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items.map((r: { name: string }) => r.name), ['fn-1', 'reg/app', 'web-1']);
      const app1 = list.body.items.find((r: { id: string }) => r.id === res.A1);
      assert.deepEqual(app1.activeFindings, { CRITICAL: 2, HIGH: 2, LOW: 1, total: 5 });
      assert.deepEqual(app1.coverage.status, 'ACTIVE');
      assert.deepEqual(app1.tags, ['env=prod', 'latest']);
      const fn = list.body.items.find((r: { id: string }) => r.id === res.A3);
      assert.deepEqual(fn.coverage, { status: 'INACTIVE', reason: 'PENDING_INITIAL_SCAN', lastScannedAt: null, lastError: null });
      assert.deepEqual(fn.activeFindings, { total: 0 });
      // a scan that skipped files for archive limits (engine/scan.ts keeps the summary in the attributes)
      await mergeAttributes(ts.store, res.A1, { partial: { skipped: 2, rules: { 'decompression-bomb': 2 }, examples: [] } });
      const partial = (await get(`/v1/resources/${res.A1}`, A.ro)).body;
      assert.deepEqual(partial.coverage.partial, { skipped: 2, rules: { 'decompression-bomb': 2 } });
      assert.equal(partial.coverage.reason, 'SUCCESSFUL');
      await mergeAttributes(ts.store, res.A1, { partial: null });
      assert.equal((await get(`/v1/resources/${res.A1}`, A.ro)).body.coverage.partial, undefined);
      const pages = [];
      let cursor: string | null = null;
      let guard = pageGuard('/v1/resources');
      do {
        const p = await get(`/v1/resources?limit=1${cursor ? `&cursor=${cursor}` : ''}`, D.ro);
        pages.push(...p.body.items.map((r: { id: string }) => r.id));
        cursor = p.body.nextCursor;
        guard(cursor);
      } while (cursor);
      assert.deepEqual(new Set(pages), new Set([res.A1, res.A2, res.A3, res.B1]));
      assert.deepEqual((await get('/v1/resources?type=host', D.ro)).body.items.map((r: { id: string }) => r.id), [res.A2]);
      assert.deepEqual((await get('/v1/resources?name=REG/*', D.ro)).body.items.map((r: { id: string }) => r.id).sort(), [res.A1, res.B1].sort());
      assert.deepEqual((await get('/v1/resources?coverageStatus=INACTIVE', D.ro)).body.items.map((r: { id: string }) => r.id), [res.A3]);

      const one = await get(`/v1/resources/${res.A1}`, A.ro);
      assert.equal(one.body.packageCount, 4);
      assert.equal((await get(`/v1/resources/${res.A1}`, B.ro)).status, 404);
      const pk: { name: string; layer: unknown }[] = [];
      cursor = null;
      guard = pageGuard('/v1/resources/:id/packages');
      do {
        const p = await get(`/v1/resources/${res.A1}/packages?limit=3${cursor ? `&cursor=${cursor}` : ''}`, A.ro);
        assert.equal(p.status, 200);
        pk.push(...p.body.items);
        cursor = p.body.nextCursor;
        guard(cursor);
      } while (cursor);
      assert.deepEqual(pk.map((p) => p.name), ['openssl', 'requests', 'evil-pkg', 'lodash'], 'by ecosystem (Debian:12, PyPI, npm), then name');
      assert.deepEqual(pk.find((p) => p.name === 'lodash')!.layer, { index: 0, digest: 'sha256:l1' });
      assert.equal((await get(`/v1/resources/${res.A1}/packages`, other.key)).status, 404);

      await setCoverage(ts.store, { accountId: A.id, resourceId: res.A2, status: 'INACTIVE', reason: 'UNREACHABLE', now: at(5) });
      const cov = await get('/v1/coverage', D.ro);
      assert.deepEqual(cov.body.summary, [
        { type: 'function', coverageStatus: 'INACTIVE', coverageReason: 'PENDING_INITIAL_SCAN', count: 1 },
        { type: 'host', coverageStatus: 'INACTIVE', coverageReason: 'UNREACHABLE', count: 1 },
        { type: 'image', coverageStatus: 'ACTIVE', coverageReason: 'SUCCESSFUL', count: 2 },
      ]);
      assert.equal(cov.body.items.length, 4);
      const covA = await get(`/v1/coverage?type=image&accountId=${B.id}`, D.ro);
      assert.deepEqual(covA.body.summary, [{ type: 'image', coverageStatus: 'ACTIVE', coverageReason: 'SUCCESSFUL', count: 1 }]);
      assert.equal((await get(`/v1/coverage?accountId=${B.id}`, A.ro)).status, 404);
    });

    test('suppression rules: immediate effect, field errors, rules for members, replace and delete', async () => {
      const activeLodash = async () => (await walk(`/v1/findings?packageName=lodash&accountId=${A.id}`, D.ro)).length;
      const before = await activeLodash();
      assert.equal(before, 2);
      const created = await send('POST', '/v1/suppression-rules', A.analyst, { name: 'lodash dev only', reason: 'not shipped', criteria: { packages: [{ ecosystem: 'npm', name: 'lodash' }] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.rule.accountId, A.id);
      assert.deepEqual(created.body.applied, { suppressed: 2, unsuppressed: 0, evaluated: created.body.applied.evaluated });
      assert.equal(await activeLodash(), 0, 'suppressed at once');
      const sup = await walk('/v1/findings?status=SUPPRESSED', A.ro);
      assert.ok(sup.length === 2 && sup.every((f) => (f as unknown as { suppressedBy: string }).suppressedBy === created.body.rule.id));
      assert.deepEqual((await get('/v1/suppression-rules', A.ro)).body.items.map((r: { id: string }) => r.id), [created.body.rule.id]);
      assert.equal((await get(`/v1/suppression-rules/${created.body.rule.id}`, B.ro)).status, 404);
      assert.equal((await get('/v1/suppression-rules', B.ro)).body.items.length, 0);

      const bad: [unknown, string][] = [
        [{ severities: ['SEVERE'] }, 'criteria.severities.0'],
        [{ score: { min: 11 } }, 'criteria.score.min'],
        [{ colour: ['red'] }, 'criteria.colour'],
        [{}, 'criteria'],
      ];
      for (const [criteria, field] of bad) {
        const r = await send('POST', '/v1/suppression-rules', A.analyst, { name: 'bad', reason: 'x', criteria });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.details.issues[0].field, field, JSON.stringify(r.body));
        assert.ok(r.body.error.message.includes(`"${field}"`), r.body.error.message);
      }
      assert.equal((await send('POST', '/v1/suppression-rules', A.analyst, { name: 'x', reason: ' ', criteria: { severities: ['LOW'] } })).status, 400);
      assert.equal((await send('POST', '/v1/suppression-rules', A.analyst, { name: 'x', reason: 'y', criteria: { severities: ['LOW'] }, expiresAt: 'tomorrow' })).body.error.details.issues[0].field, 'expiresAt');
      assert.equal((await send('POST', '/v1/suppression-rules', A.ro, { name: 'x', reason: 'y', criteria: { severities: ['LOW'] } })).status, 403);
      // a member cannot write for another account, nor name one
      assert.equal((await send('POST', '/v1/suppression-rules', A.key, { accountId: B.id, name: 'x', reason: 'y', criteria: { severities: ['LOW'] } })).status, 404);
      assert.equal((await send('POST', '/v1/suppression-rules', A.key, { name: 'x', reason: 'y', criteria: { accountIds: [B.id], severities: ['LOW'] } })).status, 404);
      const glob = await send('POST', '/v1/suppression-rules', D.key, { name: 'x', reason: 'y', criteria: { accountIds: ['*'], severities: ['LOW'] } });
      assert.equal(glob.status, 400);
      assert.match(glob.body.error.message, /criteria\.accountIds\.0/);

      // the delegated admin: a rule for member B, and one rule naming both members
      const forB = await send('POST', '/v1/suppression-rules', D.analyst, { accountId: B.id, name: 'B high', reason: 'accepted', criteria: { severities: ['HIGH'] } });
      assert.equal(forB.status, 201);
      assert.equal(forB.body.rule.accountId, B.id);
      assert.ok(forB.body.applied.suppressed >= 1);
      assert.deepEqual((await get('/v1/suppression-rules', B.ro)).body.items.map((r: { id: string }) => r.id), [forB.body.rule.id]);
      const both = await send('POST', '/v1/suppression-rules', D.key, { name: 'org malware triage', reason: 'known test package', criteria: { accountIds: [A.id, B.id], vulnerabilityIds: ['MAL-*'] } });
      assert.equal(both.status, 201);
      assert.equal(both.body.rule.accountId, D.id);
      assert.equal(both.body.applied.suppressed, 1, "A's MAL finding (B has none)");
      assert.equal((await walk('/v1/findings?type=malicious', A.ro)).length, 0);
      assert.equal((await get(`/v1/suppression-rules/${both.body.rule.id}`, A.ro)).status, 200, 'a rule naming A is visible to A');
      assert.equal((await send('DELETE', `/v1/suppression-rules/${both.body.rule.id}`, A.key)).status, 403, 'but not A’s to change');
      assert.equal((await send('DELETE', `/v1/suppression-rules/${forB.body.rule.id}`, A.key)).status, 404);
      assert.equal((await send('DELETE', `/v1/suppression-rules/${forB.body.rule.id}`, other.key)).status, 404);

      // replace: narrower criteria releases what no longer matches
      const put = await send('PUT', `/v1/suppression-rules/${created.body.rule.id}`, A.analyst, { name: 'lodash GHSA-2 only', reason: 'not shipped', criteria: { vulnerabilityIds: ['GHSA-aaaa-0000-0002'] }, expiresAt: '2999-01-01T00:00:00+02:00' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.rule.createdAt, created.body.rule.createdAt);
      assert.equal(put.body.rule.expiresAt, '2998-12-31T22:00:00.000Z');
      assert.equal(put.body.applied.unsuppressed, 1);
      assert.equal(await activeLodash(), 1);
      const del = await send('DELETE', `/v1/suppression-rules/${created.body.rule.id}`, A.analyst);
      assert.equal(del.status, 200);
      assert.equal(del.body.applied.unsuppressed, 1);
      assert.equal(await activeLodash(), 2);
      assert.equal((await get(`/v1/suppression-rules/${created.body.rule.id}`, A.ro)).status, 404);
      for (const id of [forB.body.rule.id, both.body.rule.id]) assert.equal((await send('DELETE', `/v1/suppression-rules/${id}`, D.key)).status, 200);
      assert.equal((await walk('/v1/findings?status=SUPPRESSED', D.ro)).length, 0);
    });

    test('aggregations and the daily series', async () => {
      const sev = await get('/v1/aggregations/findings?by=severity', A.ro);
      assert.equal(sev.status, 200);
      const rows = await ts.store.db.selectFrom('findings').select(['severity']).where('account_id', '=', A.id).where('status', '=', 'ACTIVE').execute();
      assert.equal(sev.body.items.reduce((s: number, i: { count: number }) => s + i.count, 0), rows.length);
      assert.equal(sev.body.items[0].key, 'CRITICAL');
      const byAccount = await get('/v1/aggregations/findings?by=account', D.ro);
      assert.deepEqual(new Set(byAccount.body.items.map((i: { key: string }) => i.key)), new Set([A.id, B.id]));
      assert.deepEqual((await get('/v1/aggregations/findings?by=account', B.ro)).body.items.map((i: { key: string }) => i.key), [B.id]);
      const pkg = await get('/v1/aggregations/findings?by=package&status=ACTIVE,CLOSED', A.ro);
      assert.ok(pkg.body.items.some((i: { key: string }) => i.key === 'PyPI/requests'));
      assert.equal((await get('/v1/aggregations/findings?by=colour', A.ro)).status, 400);
      await takeDailySnapshot(ts.store, '2025-03-01');
      const daily = await get('/v1/aggregations/findings/daily?from=2025-03-01&to=2025-03-02', A.ro);
      assert.equal(daily.status, 200);
      assert.equal(daily.body.items.reduce((s: number, i: { count: number }) => s + i.count, 0), rows.length);
      assert.ok(daily.body.items.every((i: { day: string }) => i.day === '2025-03-01'));
      const r = await get('/v1/aggregations/findings/daily?from=2025-03-05&to=2025-03-01', A.ro);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.issues[0].field, 'from');
      assert.equal((await get('/v1/aggregations/findings/daily?from=2025-3-1&to=2025-03-02', A.ro)).body.error.details.issues[0].field, 'from');
    });

    test('the resources a vulnerability affects, by id or alias, within sight', async () => {
      const org = await get('/v1/vulnerabilities/GHSA-aaaa-0000-0001/resources', D.ro);
      assert.equal(org.status, 200);
      assert.equal(org.body.vulnerabilityId, 'CVE-2025-0001');
      assert.deepEqual(org.body.items.map((i: { resource: { id: string } }) => i.resource.id).sort(), [res.A1, res.B1].sort());
      const a = await get('/v1/vulnerabilities/cve-2025-0001/resources', A.ro);
      assert.deepEqual(a.body.items.map((i: { resource: { id: string } }) => i.resource.id), [res.A1]);
      assert.deepEqual(a.body.items[0].packages, [{ ecosystem: 'npm', name: 'lodash', version: '4.17.0', location: '/app/lock' }]);
      assert.equal((await get('/v1/vulnerabilities/CVE-2025-0001/resources', other.key)).body.items.length, 1, 'org two sees only its own');
      assert.equal((await get('/v1/vulnerabilities/CVE-1999-0000/resources', A.ro)).body.items.length, 0);
    });

    test('the events outbox: ascending, in sight, resumable, by type', async () => {
      const all: { id: number; accountId: string; type: string; payload: Record<string, unknown> }[] = [];
      let after = 0;
      // bounded: a page that does not move `after` forward (or a listing that never ends) fails here
      // instead of looping forever
      for (let page = 0; ; page++) {
        assert.ok(page < 1000, 'the events listing ends within 1000 pages');
        const r = await get(`/v1/events?after=${after}&limit=7`, D.ro);
        assert.equal(r.status, 200);
        all.push(...r.body.items);
        if (r.body.items.length === 0) {
          assert.equal(r.body.nextAfter, after);
          break;
        }
        assert.ok(r.body.nextAfter > after, `nextAfter moves forward: ${after} → ${r.body.nextAfter}`);
        after = r.body.nextAfter;
      }
      const ids = all.map((e) => e.id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.deepEqual(new Set(all.map((e) => e.accountId)), new Set([A.id, B.id]));
      assert.ok(all.some((e) => e.type === 'finding.closed'));
      const created = all.find((e) => e.type === 'finding.created')!;
      assert.equal(typeof created.payload.findingId, 'string');
      const mine = await get('/v1/events?types=scan.completed,coverage.changed&limit=1000', B.ro);
      assert.ok(mine.body.items.length > 0 && mine.body.items.every((e: { accountId: string; type: string }) => e.accountId === B.id && ['scan.completed', 'coverage.changed'].includes(e.type)));
      assert.equal((await get('/v1/events?types=finding.deleted', B.ro)).status, 400);
      assert.equal((await get(`/v1/events?accountId=${A.id}`, B.ro)).status, 404);
    });
  });
}
