/**
 * The continuous findings core on both dialects: recordScan's lifecycle (create, update, close,
 * reopen within 7 days, new finding after), idempotency, suppression rules (resource names across
 * versions, expiry, re-evaluation), the delta rematch after an advisory import (no rescans), the
 * full rematch, aggregations, snapshots, affected resources and the purge of closed findings.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import type { OsvRecord, Package, ScanResult } from '../model/index.ts';
import type { Store } from '../store/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { packageLookup } from '../vulndb/query.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import {
  affectedResources, applySuppressionRules, countFindings, createSuppressionRule, criteriaMatch, findingTimeSeries, purgeClosed,
  recordScan, rematchAll, rematchChangeSet, setCoverage, takeDailySnapshot, type RuleSubject, type SuppressionCriteria,
} from './index.ts';
import { buildScanResult, loadAdvisoryContext } from './scan-result.ts';

const log = silentLogger();
const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const day = (n: number) => new Date(T0 + n * 86_400_000);
const CRIT = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5
const MED = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N'; // 5.3

function osv(id: string, ecosystem: string, name: string, fixed: string, over: Partial<OsvRecord> = {}): OsvRecord {
  return {
    schema_version: '1.6.0', id, modified: '2025-01-01T00:00:00Z', published: '2025-01-01T00:00:00Z', summary: `summary of ${id}`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
    ...over,
  };
}

/** The first advisory set. */
const V1: OsvRecord[] = [
  osv('PYSEC-2025-1', 'PyPI', 'Demo_Lib', '2.0', { aliases: ['CVE-2025-1001', 'GHSA-aaaa-bbbb-cccc'] }),
  osv('GHSA-aaaa-bbbb-cccc', 'PyPI', 'demo-lib', '2.0', { aliases: ['CVE-2025-1001'], severity: [{ type: 'CVSS_V3', score: CRIT }] }),
  osv('GO-2025-1', 'Go', 'example.com/mod', '1.5.0', { severity: [{ type: 'CVSS_V3', score: MED }] }),
  osv('DSA-5000-1', 'Debian:12', 'openssl', '3.0.11-1~deb12u1', { upstream: ['CVE-2025-2002'] }),
];
/** The update: one new advisory, one whose fix moved below the installed version, one re-scored. */
const V2: OsvRecord[] = [
  osv('PYSEC-2025-9', 'PyPI', 'other-lib', '1.1', { modified: '2025-02-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: HIGH }] }),
  osv('GO-2025-1', 'Go', 'example.com/mod', '1.2.0', { modified: '2025-02-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: MED }] }),
  osv('DSA-5000-1', 'Debian:12', 'openssl', '3.0.11-1~deb12u1', { modified: '2025-02-01T00:00:00Z', upstream: ['CVE-2025-2002'], severity: [{ type: 'CVSS_V3', score: HIGH }] }),
];

function writeSet(records: OsvRecord[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-findings-'));
  mkdirSync(join(dir, 'osv'));
  for (const r of records) writeFileSync(join(dir, 'osv', `${r.id}.json`), JSON.stringify(r));
  return dir;
}

const PKGS: Package[] = [
  { ecosystem: 'PyPI', name: 'demo_lib', version: '1.0', purl: 'pkg:pypi/demo-lib@1.0', locations: ['/app/requirements.txt'], layer: { index: 1, digest: 'sha256:layer1' } },
  { ecosystem: 'PyPI', name: 'other-lib', version: '1.0', locations: ['/app/requirements.txt'], layer: { index: 1, digest: 'sha256:layer1' } },
  { ecosystem: 'Go', name: 'example.com/mod', version: '1.4.0', locations: ['/app/go.mod'], layer: { index: 2, digest: 'sha256:layer2' } },
  { ecosystem: 'Debian:12', name: 'libssl3', sourceName: 'openssl', version: '3.0.9-1', locations: ['/var/lib/dpkg/status'], layer: { index: 0, digest: 'sha256:base' } },
  { ecosystem: 'Debian:12', name: 'bash', version: '5.2-1', locations: ['/var/lib/dpkg/status'], layer: { index: 0, digest: 'sha256:base' } },
];

/** A scan result made the way the scanner makes one: matching over the store, then buildScanResult. */
async function scanOf(store: Store, packages: Package[], ref = 'test'): Promise<ScanResult> {
  const report = await matchInventory(packages, packageLookup(store));
  const ctx = await loadAdvisoryContext(store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
  return buildScanResult({ target: { kind: 'rootfs', ref }, packages, errors: [], report, ctx, createdAt: '2025-03-01T00:00:00Z', version: 'test' });
}

const findingsOf = (store: Store, resourceId: string) => store.db.selectFrom('findings').selectAll().where('resource_id', '=', resourceId).orderBy('finding_key').execute();
const eventsOf = (store: Store, resourceId: string) => store.db.selectFrom('events').selectAll().where('resource_id', '=', resourceId).orderBy('id').execute();
const dropObserved = <T extends { last_observed_at: string }>(rows: T[]) => rows.map(({ last_observed_at: _, ...r }) => r);

for (const [dialect, make] of dialects) {
  describe(`findings lifecycle (${dialect})`, () => {
    let ts: TestStore;
    let dirs: string[] = [];
    before(async () => {
      ts = await make();
      const d = writeSet(V1);
      dirs.push(d);
      await importInputs([d], { store: ts.store, log });
    });
    after(async () => {
      await ts.cleanup();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      dirs = [];
    });

    test('recordScan creates one finding per (vulnerability, package@location), sets coverage, emits events', async () => {
      const { store } = ts;
      const result = await scanOf(store, PKGS);
      assert.equal(result.findings.length, 4, 'PYSEC + GHSA on demo-lib, GO on the module, DSA on libssl3');
      const s = await recordScan(store, { accountId: 'acct-a', resource: { id: 'img-1', type: 'image', name: 'reg/app', digest: 'sha256:d1', tags: ['latest'] }, result, now: day(0) });
      assert.deepEqual({ created: s.created, closed: s.closed, findings: s.findings, packages: s.packages }, { created: 3, closed: 0, findings: 3, packages: 5 });
      const rows = await findingsOf(store, 'img-1');
      const demo = rows.find((r) => r.package_name === 'demo-lib')!;
      assert.equal(demo.vulnerability_id, 'CVE-2025-1001', 'the alias group id');
      assert.equal(demo.advisory_id, 'GHSA-aaaa-bbbb-cccc', 'the scored advisory represents the group');
      assert.equal(demo.severity, 'CRITICAL');
      assert.equal(Number(demo.score), 9.8);
      assert.equal(Number(demo.fix_available), 1);
      assert.equal(demo.fixed_version, '2.0');
      assert.equal(demo.package_layer, 'sha256:layer1');
      assert.deepEqual(JSON.parse(demo.details).advisories, ['GHSA-aaaa-bbbb-cccc', 'PYSEC-2025-1']);
      const ssl = rows.find((r) => r.package_name === 'libssl3')!;
      assert.equal(ssl.advisory_id, 'DSA-5000-1');
      assert.equal(ssl.status, 'ACTIVE');
      const res = await store.db.selectFrom('resources').selectAll().where('id', '=', 'img-1').executeTakeFirstOrThrow();
      assert.equal(res.coverage_status, 'ACTIVE');
      assert.equal(res.last_scanned_at, day(0).toISOString());
      const packages = await store.db.selectFrom('resource_packages').selectAll().where('resource_id', '=', 'img-1').execute();
      assert.equal(packages.length, 5);
      assert.equal(packages.find((p) => p.name === 'libssl3')?.search_name, 'openssl', 'indexed by the name matching searches');
      assert.equal(packages.find((p) => p.name === 'demo-lib')?.search_name, 'demo-lib', 'normalized');
      const types = (await eventsOf(store, 'img-1')).map((e) => e.type);
      assert.deepEqual(types.filter((t) => t === 'finding.created').length, 3);
      assert.ok(types.includes('coverage.changed') && types.at(-1) === 'scan.completed');
    });

    test('recording the same result twice changes nothing but last_observed; a full rematch changes nothing', async () => {
      const { store } = ts;
      const before1 = await findingsOf(store, 'img-1');
      const events1 = (await eventsOf(store, 'img-1')).length;
      const s = await recordScan(store, { accountId: 'acct-a', resource: { id: 'img-1', type: 'image', name: 'reg/app', digest: 'sha256:d1', tags: ['latest'] }, result: await scanOf(store, PKGS), now: day(1) });
      assert.deepEqual([s.created, s.updated, s.closed, s.reopened, s.unchanged], [0, 0, 0, 0, 3]);
      const after1 = await findingsOf(store, 'img-1');
      assert.deepEqual(dropObserved(after1), dropObserved(before1));
      assert.ok(after1.every((f) => f.last_observed_at === day(1).toISOString()));
      const ev = await eventsOf(store, 'img-1');
      assert.deepEqual(ev.slice(events1).map((e) => e.type), ['scan.completed'], 'no finding or coverage events');
      const r = await rematchAll(store, day(1));
      assert.deepEqual([r.created, r.updated, r.closed, r.reopened], [0, 0, 0, 0]);
      assert.deepEqual(await findingsOf(store, 'img-1'), after1);
    });

    test('a fixed package closes its finding; back within 7 days it reopens, after 7 days it is a new finding', async () => {
      const { store } = ts;
      const res = { id: 'host-1', type: 'host' as const, name: 'web-1' };
      const vuln = [PKGS[2]];
      const fixed = [{ ...PKGS[2], version: '1.6.0' }];
      await recordScan(store, { accountId: 'acct-a', resource: res, result: await scanOf(store, vuln), now: day(0) });
      const [f0] = await findingsOf(store, 'host-1');
      const c = await recordScan(store, { accountId: 'acct-a', resource: res, result: await scanOf(store, fixed), now: day(1) });
      assert.equal(c.closed, 1);
      const [f1] = await findingsOf(store, 'host-1');
      assert.equal(f1.status, 'CLOSED');
      assert.equal(f1.closed_at, day(1).toISOString());
      const r = await recordScan(store, { accountId: 'acct-a', resource: res, result: await scanOf(store, vuln), now: day(3) });
      assert.equal(r.reopened, 1);
      const [f2] = await findingsOf(store, 'host-1');
      assert.equal(f2.id, f0.id, 'same id');
      assert.equal(f2.first_observed_at, day(0).toISOString(), 'first observed kept');
      assert.equal(f2.status, 'ACTIVE');
      assert.equal(f2.closed_at, null);
      await recordScan(store, { accountId: 'acct-a', resource: res, result: await scanOf(store, fixed), now: day(4) });
      const n = await recordScan(store, { accountId: 'acct-a', resource: res, result: await scanOf(store, vuln), now: day(12) });
      assert.equal(n.created, 1);
      const rows = await findingsOf(store, 'host-1');
      assert.equal(rows.length, 2);
      const open = rows.find((x) => x.status === 'ACTIVE')!;
      assert.notEqual(open.id, f0.id, 'a new finding');
      assert.equal(open.first_observed_at, day(12).toISOString());
      assert.equal(rows.find((x) => x.id === f0.id)?.status, 'CLOSED', 'the old one kept as history');
      const types = (await eventsOf(store, 'host-1')).map((e) => e.type).filter((t) => t.startsWith('finding.'));
      assert.deepEqual(types, ['finding.created', 'finding.closed', 'finding.updated', 'finding.closed', 'finding.created']);
      // purge: closed > 30 days before now
      assert.equal(await purgeClosed(store, day(30)), 0);
      assert.ok(await purgeClosed(store, day(35)) >= 1);
      assert.equal((await findingsOf(store, 'host-1')).some((x) => x.id === f0.id), false);
    });

    test('a severity change in a hand-made result is a finding.updated event', async () => {
      const { store } = ts;
      const res = { id: 'fn-1', type: 'function' as const, name: 'resize' };
      const base = await scanOf(store, [PKGS[2]]);
      await recordScan(store, { accountId: 'acct-a', resource: res, result: base, now: day(0) });
      const changed: ScanResult = { ...base, findings: base.findings.map((f) => ({ ...f, severity: 'HIGH', cvss: { version: '3.1', vector: HIGH, score: 7.5, source: 'hand' } })) };
      const s = await recordScan(store, { accountId: 'acct-a', resource: res, result: changed, now: day(1) });
      assert.equal(s.updated, 1);
      const [f] = await findingsOf(store, 'fn-1');
      assert.equal(f.severity, 'HIGH');
      assert.equal(f.updated_at, day(1).toISOString());
      const ev = (await eventsOf(store, 'fn-1')).filter((e) => e.type === 'finding.updated');
      assert.equal(ev.length, 1);
      assert.deepEqual(JSON.parse(ev[0].payload).changes.severity, { from: 'MEDIUM', to: 'HIGH' });
    });

    test('suppression rules: by repository name across digests, re-evaluation, expiry', async () => {
      const { store } = ts;
      const acct = 'acct-s';
      await createSuppressionRule(store, { id: 'rule-go', accountId: acct, name: 'go mod in app', reason: 'not reachable', criteria: { resourceNames: ['reg/svc'], vulnerabilityIds: ['go-2025-*'] } }, day(0));
      await recordScan(store, { accountId: acct, resource: { id: 'svc-d1', type: 'image', name: 'reg/svc', digest: 'sha256:1' }, result: await scanOf(store, PKGS), now: day(0) });
      const byPkg = async (id: string) => Object.fromEntries((await findingsOf(store, id)).map((f) => [f.package_name, f]));
      let f = await byPkg('svc-d1');
      assert.equal(f['example.com/mod'].status, 'SUPPRESSED');
      assert.equal(f['example.com/mod'].suppressed_by, 'rule-go');
      assert.equal(f['demo-lib'].status, 'ACTIVE');
      // a new version of the same repository: the rule still applies
      await recordScan(store, { accountId: acct, resource: { id: 'svc-d2', type: 'image', name: 'reg/svc', digest: 'sha256:2' }, result: await scanOf(store, PKGS), now: day(1) });
      assert.equal((await byPkg('svc-d2'))['example.com/mod'].status, 'SUPPRESSED');
      // a rule added later, with an expiry: applySuppressionRules suppresses now, and un-suppresses after it expires
      await createSuppressionRule(store, { id: 'rule-crit-fix', accountId: acct, name: 'tmp', reason: 'patch window', criteria: { severities: ['CRITICAL'], fixAvailable: true, layers: ['sha256:layer*'] }, expiresAt: day(5).toISOString() }, day(2));
      const a = await applySuppressionRules(store, acct, day(2));
      assert.equal(a.suppressed, 2, 'demo-lib on both digests');
      f = await byPkg('svc-d1');
      assert.equal(f['demo-lib'].status, 'SUPPRESSED');
      assert.equal(f['demo-lib'].suppressed_by, 'rule-crit-fix');
      // still suppressed after a rescan
      await recordScan(store, { accountId: acct, resource: { id: 'svc-d1', type: 'image', name: 'reg/svc', digest: 'sha256:1' }, result: await scanOf(store, PKGS), now: day(3) });
      assert.equal((await byPkg('svc-d1'))['demo-lib'].status, 'SUPPRESSED');
      const b = await applySuppressionRules(store, acct, day(6));
      assert.equal(b.unsuppressed, 2);
      f = await byPkg('svc-d1');
      assert.equal(f['demo-lib'].status, 'ACTIVE');
      assert.equal(f['demo-lib'].suppressed_by, null);
      assert.equal(f['example.com/mod'].status, 'SUPPRESSED', 'the other rule never expired');
      // another account's findings are untouched by acct-s rules
      assert.equal((await byPkg('img-1'))['example.com/mod'].status, 'ACTIVE');
      await assert.rejects(createSuppressionRule(store, { accountId: acct, name: 'bad', reason: 'x', criteria: { severities: ['SEVERE'] } }, day(0)), /invalid criteria: severities/);
      await assert.rejects(createSuppressionRule(store, { accountId: acct, name: 'all', reason: 'x', criteria: {} }, day(0)), /at least one filter/);
    });

    test('tenancy: a resource id of another account is refused; aggregates and affectedResources honour accountIds', async () => {
      const { store } = ts;
      await assert.rejects(recordScan(store, { accountId: 'acct-b', resource: { id: 'img-1', type: 'image', name: 'reg/app' }, result: await scanOf(store, PKGS), now: day(1) }), { code: 'VIGIL_FORBIDDEN' });
      const all = await affectedResources(store, 'ghsa-aaaa-bbbb-cccc', null);
      assert.equal(all.vulnerabilityId, 'CVE-2025-1001');
      assert.deepEqual(all.resources.map((r) => r.resource.id), ['img-1', 'svc-d1', 'svc-d2']);
      assert.deepEqual(all.resources[0].packages, [{ ecosystem: 'PyPI', name: 'demo-lib', version: '1.0', location: '/app/requirements.txt' }]);
      const onlyA = await affectedResources(store, 'PYSEC-2025-1', ['acct-a']);
      assert.deepEqual(onlyA.resources.map((r) => r.resource.id), ['img-1']);
      assert.deepEqual((await affectedResources(store, 'CVE-2025-1001', ['acct-none'])).resources, []);
      const bySev = await countFindings(store, { by: 'severity', accountIds: ['acct-a'] });
      // img-1: demo-lib CRITICAL, the module MEDIUM, libssl3 UNKNOWN; host-1: the module MEDIUM; fn-1: HIGH (hand-made)
      assert.deepEqual(bySev.map((r) => [r.key, r.count]), [['CRITICAL', 1], ['HIGH', 1], ['MEDIUM', 2], ['UNKNOWN', 1]]);
      const byAcct = await countFindings(store, { by: 'account', statuses: ['ACTIVE', 'SUPPRESSED'] });
      assert.deepEqual(byAcct.map((r) => [r.key, r.count]), [['acct-s', 6], ['acct-a', 5]]);
      const byPkg = await countFindings(store, { by: 'package', accountIds: ['acct-a'] });
      assert.equal(byPkg[0].key, 'Go/example.com/mod');
      assert.equal(byPkg[0].count, 3);
      const byVuln = await countFindings(store, { by: 'vulnerability', accountIds: ['acct-s'], statuses: ['ACTIVE', 'SUPPRESSED'] });
      assert.deepEqual(byVuln.map((r) => r.count), [2, 2, 2]);
      const byRes = await countFindings(store, { by: 'resource', accountIds: ['acct-a'] });
      assert.deepEqual(byRes.map((r) => [r.key, r.count]), [['img-1', 3], ['fn-1', 1], ['host-1', 1]]);
      // snapshots
      assert.ok(await takeDailySnapshot(store, '2025-03-01') > 0);
      await takeDailySnapshot(store, '2025-03-01'); // replaces, not duplicates
      // the function is removed: its finding closes (and, INACTIVE, no rematch brings it back)
      assert.equal((await setCoverage(store, { accountId: 'acct-a', resourceId: 'fn-1', status: 'INACTIVE', reason: 'UNREACHABLE', closeFindings: true, now: day(1) })).closed, 1);
      await takeDailySnapshot(store, '2025-03-02');
      const series = await findingTimeSeries(store, { from: '2025-03-01', to: '2025-03-31', accountIds: ['acct-a'] });
      assert.deepEqual(series, [
        { day: '2025-03-01', severity: 'CRITICAL', count: 1 }, { day: '2025-03-01', severity: 'HIGH', count: 1 }, { day: '2025-03-01', severity: 'MEDIUM', count: 2 }, { day: '2025-03-01', severity: 'UNKNOWN', count: 1 },
        { day: '2025-03-02', severity: 'CRITICAL', count: 1 }, { day: '2025-03-02', severity: 'MEDIUM', count: 2 }, { day: '2025-03-02', severity: 'UNKNOWN', count: 1 },
      ]);
    });

    test('setCoverage: eligibility expired closes the resource\'s findings, and rematches skip it', async () => {
      const { store } = ts;
      const s = await setCoverage(store, { accountId: 'acct-s', resourceId: 'svc-d2', status: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED', closeFindings: true, now: day(7) });
      assert.equal(s.changed, true);
      assert.equal(s.closed, 3);
      const r = await rematchAll(store, day(7));
      assert.equal(r.created + r.reopened, 0, 'no finding of the inactive image comes back');
      assert.ok((await findingsOf(store, 'svc-d2')).every((f) => f.status === 'CLOSED'));
      const ev = (await eventsOf(store, 'svc-d2')).filter((e) => e.type === 'coverage.changed').map((e) => JSON.parse(e.payload).to.reason);
      assert.deepEqual(ev, ['SUCCESSFUL', 'SCAN_ELIGIBILITY_EXPIRED']);
    });
  });

  describe(`findings rematch after an advisory update (${dialect})`, () => {
    let ts: TestStore;
    const dirs: string[] = [];
    before(async () => {
      ts = await make();
      dirs.push(writeSet(V1), writeSet(V2));
      await importInputs([dirs[0]], { store: ts.store, log });
    });
    after(async () => {
      await ts.cleanup();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    test('rematchChangeSet adds, closes and updates findings without a rescan, idempotently', async () => {
      const { store } = ts;
      await createSuppressionRule(store, { id: 'rule-other', accountId: 'acct-b', name: 'other-lib', reason: 'vendored, patched', criteria: { packages: [{ name: 'Other_Lib', version: '1.*' }], paths: ['/app/*'] } }, day(0));
      for (const [acct, id] of [['acct-a', 'r-a1'], ['acct-a', 'r-a2'], ['acct-b', 'r-b1']]) {
        await recordScan(store, { accountId: acct, resource: { id, type: 'rootfs', name: id }, result: await scanOf(store, PKGS), now: day(0) });
      }
      // a resource without the changed packages is not touched
      await recordScan(store, { accountId: 'acct-a', resource: { id: 'r-a3', type: 'rootfs', name: 'r-a3' }, result: await scanOf(store, [PKGS[0]]), now: day(0) });
      const before3 = await findingsOf(store, 'r-a3');
      const scans = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'scan.completed').executeTakeFirstOrThrow();

      const imp = await importInputs([dirs[1]], { store, log, now: () => day(1) });
      assert.equal(imp.added, 1);
      assert.equal(imp.modified, 2);
      const r = await rematchChangeSet(store, imp.changeSetId, day(1));
      assert.equal(r.resources, 3, 'the three resources with the changed packages');
      assert.equal(r.created, 3, 'other-lib on each');
      assert.equal(r.closed, 3, 'the module, no longer affected at 1.4.0');
      assert.equal(r.updated, 3, 'libssl3 re-scored through its source package');
      for (const id of ['r-a1', 'r-a2', 'r-b1']) {
        const f = Object.fromEntries((await findingsOf(store, id)).map((x) => [x.package_name, x]));
        assert.equal(f['other-lib'].status, id === 'r-b1' ? 'SUPPRESSED' : 'ACTIVE');
        assert.equal(f['other-lib'].severity, 'HIGH');
        assert.equal(f['other-lib'].first_observed_at, day(1).toISOString());
        assert.equal(f['example.com/mod'].status, 'CLOSED');
        assert.equal(f.libssl3.severity, 'HIGH');
        assert.equal(f['demo-lib'].status, 'ACTIVE');
        assert.equal(f['demo-lib'].updated_at, day(0).toISOString(), 'untouched');
      }
      assert.deepEqual(await findingsOf(store, 'r-a3'), before3);
      const scans2 = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'scan.completed').executeTakeFirstOrThrow();
      assert.equal(Number(scans2.n), Number(scans.n), 'no rescans');

      // a re-run (after a crash, or a duplicate job) changes nothing and duplicates nothing
      const snapshot = await store.db.selectFrom('findings').selectAll().orderBy('id').execute();
      const again = await rematchChangeSet(store, imp.changeSetId, day(2));
      assert.deepEqual([again.created, again.updated, again.closed, again.reopened], [0, 0, 0, 0]);
      assert.deepEqual(await store.db.selectFrom('findings').selectAll().orderBy('id').execute(), snapshot);
      // a full rematch agrees with the delta
      const all = await rematchAll(store, day(2));
      assert.deepEqual([all.created, all.updated, all.closed, all.reopened], [0, 0, 0, 0]);
      // and a rescan agrees with the rematch
      const rescan = await recordScan(store, { accountId: 'acct-a', resource: { id: 'r-a1', type: 'rootfs', name: 'r-a1' }, result: await scanOf(store, PKGS), now: day(2) });
      assert.deepEqual([rescan.created, rescan.updated, rescan.closed, rescan.reopened], [0, 0, 0, 0]);
      await assert.rejects(rematchChangeSet(store, 9999, day(2)), { code: 'VIGIL_NOT_FOUND' });
    });
  });
}

describe('suppression criteria', () => {
  const subject: RuleSubject = {
    accountId: 'a1', resource: { id: 'res-1', type: 'image', name: 'reg/app', tags: ['latest', 'env=prod'] },
    severity: 'HIGH', score: 7.5, vulnerabilityId: 'CVE-2025-1', advisoryId: 'GHSA-xxxx-yyyy-zzzz', aliases: ['PYSEC-2025-7'],
    packageEcosystem: 'PyPI', packageName: 'demo-lib', packageVersion: '1.2.3', location: '/app/requirements.txt', layer: 'sha256:abc', fixAvailable: true, exploitAvailable: false,
  };
  const cases: [SuppressionCriteria, boolean][] = [
    [{ severities: ['HIGH', 'CRITICAL'] }, true], [{ severities: ['LOW'] }, false],
    [{ score: { min: 7, max: 8 } }, true], [{ score: { min: 8 } }, false],
    [{ vulnerabilityIds: ['cve-2025-1'] }, true], [{ vulnerabilityIds: ['PYSEC-2025-7'] }, true], [{ vulnerabilityIds: ['ghsa-*'] }, true], [{ vulnerabilityIds: ['CVE-2025-2'] }, false],
    [{ packages: [{ name: 'Demo-Lib' }] }, true], [{ packages: [{ name: 'demo-lib', version: '1.2.*' }] }, true], [{ packages: [{ name: 'demo-lib', version: '2.*' }] }, false], [{ packages: [{ ecosystem: 'npm' }] }, false],
    [{ resourceTypes: ['image'] }, true], [{ resourceTypes: ['host'] }, false],
    [{ resourceIds: ['res-1'] }, true], [{ resourceIds: ['res-2'] }, false], [{ resourceNames: ['reg/*'] }, true],
    [{ resourceTags: ['env=prod'] }, true], [{ resourceTags: ['env=dev'] }, false],
    [{ accountIds: ['a1'] }, true], [{ accountIds: ['a2'] }, false],
    [{ fixAvailable: true }, true], [{ fixAvailable: false }, false], [{ exploitAvailable: false }, true], [{ exploitAvailable: true }, false],
    [{ layers: ['sha256:abc'] }, true], [{ layers: ['sha256:def'] }, false],
    [{ paths: ['/app/*'] }, true], [{ paths: ['/usr/*'] }, false],
    [{ severities: ['HIGH'], paths: ['/usr/*'] }, false],
  ];
  for (const [c, want] of cases) test(`${JSON.stringify(c)} → ${want}`, () => assert.equal(criteriaMatch(c, subject), want));
  test('a score range never matches an unscored finding', () => assert.equal(criteriaMatch({ score: { max: 10 } }, { ...subject, score: null }), false));
  test('score bounds are inclusive and each one excludes in its own direction', () => {
    const at = (score: number, c: SuppressionCriteria['score']) => criteriaMatch({ score: c }, { ...subject, score });
    // max: a score above it is excluded, one at or below it is not
    assert.deepEqual([at(7.5, { max: 7.4 }), at(7.5, { max: 7.5 }), at(7.5, { max: 7.6 }), at(10, { max: 9.9 }), at(0, { max: 0 })], [false, true, true, false, true]);
    // min: a score below it is excluded, one at or above it is not
    assert.deepEqual([at(7.5, { min: 7.6 }), at(7.5, { min: 7.5 }), at(7.5, { min: 7.4 }), at(0, { min: 0.1 }), at(10, { min: 10 })], [false, true, true, false, true]);
    // both: only the closed interval between them
    assert.deepEqual([6.9, 7, 7.5, 8, 8.1].map((s) => at(s, { min: 7, max: 8 })), [false, true, true, true, false]);
  });
});
