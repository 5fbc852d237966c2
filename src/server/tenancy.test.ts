/**
 * The tenancy harness: every route the server registers (read from its route table, so a new
 * route without a case here fails the test) is called as nobody, as other accounts, as the
 * delegated admin, and with too weak a role; on SQLite and PostgreSQL, through fastify.inject,
 * plus one round over real HTTP on 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { createSuppressionRule, recordScan } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Account, ApiKey, Organization, Role } from './schemas.ts';
import * as repo from './tenancy/repo.ts';
import { CONSOLE_ROUTES } from './console.ts';
import { createCisConfig, createFindingsReport, runFindingsReport, createDestination, createReportSchedule, DestinationInput, ReportScheduleInput, createSbomExport, createTarget, normalizeRepository, putCluster, replaceSnapshot, putTopology, runSbomExport, startCisScan, type TargetKind } from '../engine/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { TargetPolicy } from '../policy/index.ts';
import { fakeConsoleDir } from '../../test/helpers/console.ts';
import { putGatePolicy } from '../findings/index.ts';

interface Who { account: Account; keys: Record<Role, string>; keyRows: ApiKey[] }
interface Fixture {
  org1: Organization; org2: Organization;
  /** org1's delegated admin, its members A and B; org2's delegated admin D2 and member C */
  D1: Who; A: Who; B: Who; D2: Who; C: Who;
  revokedKeyOfA: string;
  /** A's resource and finding, once a case has asked for them (see findingsOfA) */
  seededA?: { resourceId: string; findingId: string; vulnerabilityId: string };
}

/** A scanned resource of A with findings (created on first use): what the findings routes show. */
async function findingsOfA(fx: Fixture, store: Store): Promise<NonNullable<Fixture['seededA']>> {
  if (fx.seededA) return fx.seededA;
  const result = scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], [
    { pkg: 0, id: 'GHSA-tnnt-0000-0001', vulnerability: 'CVE-2025-7001', severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' },
    { pkg: 0, id: 'GHSA-tnnt-0000-0002', severity: 'LOW', score: 2.0 },
  ]);
  const { resourceId } = await recordScan(store, { accountId: fx.A.account.id, resource: { type: 'image', name: 'reg/tenancy-a', digest: 'sha256:a' }, result, now: new Date() });
  const f = await store.db.selectFrom('findings').select('id').where('resource_id', '=', resourceId).orderBy('id').executeTakeFirstOrThrow();
  fx.seededA = { resourceId, findingId: f.id, vulnerabilityId: 'CVE-2025-7001' };
  return fx.seededA;
}

/** (issue 19) A's image, running in a workload snapshot of A's cluster "tenancy" (uploaded once). */
async function imageInUseOfA(fx: Fixture, store: Store): Promise<string> {
  const { resourceId } = await findingsOfA(fx, store);
  const containers = [{ workload: 'web-1', namespace: 'default', container: 'web', init: false, image: 'reg/tenancy-a:1', digest: 'sha256:a', repository: normalizeRepository('reg/tenancy-a'), state: 'running' as const }];
  await replaceSnapshot(store, { accountId: fx.A.account.id, kind: 'kubernetes', cluster: 'tenancy', containers, now: new Date() });
  return resourceId;
}

/** The vulnerability database's record of A's finding (created on first use): what the vulnerability routes show. */
async function vulnRecordOfA(fx: Fixture, store: Store): Promise<string> {
  const { vulnerabilityId } = await findingsOfA(fx, store);
  if (!(await store.db.selectFrom('vuln_records').select('id').where('id', '=', vulnerabilityId).executeTakeFirst())) {
    const json = { id: vulnerabilityId, modified: '2025-01-01T00:00:00Z', summary: 'harness vulnerability', affected: [{ package: { ecosystem: 'npm', name: 'lodash' } }] };
    await store.db.insertInto('vuln_records').values({ id: vulnerabilityId, source: 'osv:harness', format: 'osv', modified: json.modified, published: null, withdrawn: null, summary: json.summary, hash: 'h', json: JSON.stringify(json), imported_at: json.modified }).execute();
    await store.db.insertInto('vuln_groups').values({ member: vulnerabilityId, group_id: vulnerabilityId }).execute();
  }
  return vulnerabilityId;
}

const ruleOfA = async (fx: Fixture, store: Store) =>
  (await createSuppressionRule(store, { accountId: fx.A.account.id, name: 'rule of A', reason: 'harness', criteria: { severities: ['LOW'] } }, new Date())).id;
const RULE_BODY = { name: 'low noise', reason: 'accepted risk', criteria: { severities: ['LOW'] } };

async function who(store: Store, account: Account, adminKey?: string): Promise<Who> {
  const keys = {} as Record<Role, string>;
  const keyRows: ApiKey[] = [];
  for (const role of ['admin', 'analyst', 'read-only'] as const) {
    if (role === 'admin' && adminKey) { keys.admin = adminKey; continue; }
    const k = await repo.createApiKey(store.db, account.id, `${role} key`, role);
    keys[role] = k.key;
    keyRows.push(k.apiKey);
  }
  keyRows.push(...(await repo.listApiKeys(store.db, account.id)).filter((k) => !keyRows.some((r) => r.id === k.id)));
  return { account, keys, keyRows };
}

async function makeFixture(store: Store): Promise<Fixture> {
  const b = await bootstrap(store, { organizationName: 'org one' });
  assert.ok(b);
  const o2 = await repo.createOrganization(store.db, { name: 'org two', scanSettings: { mode: 'basic', rescanDuration: '30d', rescanFrom: 'pull', autoEnable: false } });
  const A = await who(store, await repo.createAccount(store.db, b.organization.id, 'member A'));
  const revoked = await repo.createApiKey(store.db, A.account.id, 'revoked', 'admin');
  await repo.revokeApiKey(store.db, revoked.apiKey.id);
  A.keyRows.push(revoked.apiKey);
  return {
    org1: b.organization, org2: o2.organization,
    D1: await who(store, b.delegatedAdmin, b.key),
    A,
    B: await who(store, await repo.createAccount(store.db, b.organization.id, 'member B')),
    D2: await who(store, o2.delegatedAdmin, o2.adminKey.key),
    // org2 starts members DISABLED (autoEnable: false); its delegated admin enables C, which then acts like any member
    C: await who(store, (await repo.updateAccount(store.db, (await repo.createAccount(store.db, o2.organization.id, 'member C')).id, { status: 'ENABLED' }))!),
    revokedKeyOfA: revoked.key,
  };
}

interface Case {
  /** whose object the request targets: A's account (and keys), org1, or nothing in particular */
  owner: 'A' | 'org1' | 'none';
  /** only the delegated admin may do this: a member's admin key gets 403 */
  delegatedOnly?: boolean;
  /** the status for the delegated admin of org1 (and for A's own admin key unless delegatedOnly) */
  ok: number;
  /** builds a fresh request (may create the object it acts on) */
  make(fx: Fixture, store: Store): Promise<{ url: string; payload?: unknown; headers?: Record<string, string> }>;
}

const SETTINGS = { mode: 'basic', rescanDuration: '90d', rescanFrom: 'push', autoEnable: true };

/** An empty zip (end-of-central-directory record only): a valid upload body. */
const EMPTY_ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);
let targetSeq = 0;
const PLURALS: Record<TargetKind, string> = { registry: 'registries', host: 'hosts', repository: 'repositories', function: 'functions', rootfs: 'rootfs' };
/** The one directory this harness's server lets tenants' local targets use (--allow-path). */
const ALLOWED_DIR = realpathSync(tmpdir());
/** The operator's policy of this harness: loopback and the temp dir, so that every target kind registers. */
const policy = () => TargetPolicy.forTenants({ allowPaths: [ALLOWED_DIR], allowNetworks: ['127.0.0.0/8'] });
/** A config of each kind that registers without touching the network (its poll only runs in a worker). */
function configOf(kind: TargetKind): Record<string, unknown> {
  const n = ++targetSeq;
  switch (kind) {
    case 'registry': return { url: `http://127.0.0.1:${20000 + n}`, pollSeconds: 0 };
    case 'host': return { mode: 'ssh', address: `host-${n}.invalid`, username: 'root' };
    case 'repository': return { url: join(ALLOWED_DIR, 'vigil-tenancy-nonexistent', `repo-${n}`), branch: 'main', pollSeconds: 0 };
    case 'function': return { runtime: 'nodejs20.x' };
    case 'rootfs': return { path: join(ALLOWED_DIR, 'vigil-tenancy-nonexistent', `rootfs-${n}`) };
  }
}
async function targetOfA(fx: Fixture, store: Store, kind: TargetKind): Promise<string> {
  const t = await createTarget(store, { accountId: fx.A.account.id, kind, name: kind === 'function' ? `fn-${++targetSeq}` : undefined, config: configOf(kind) }, new Date());
  return t.id;
}
function engineCases(): Record<string, Case> {
  const out: Record<string, Case> = {};
  for (const kind of ['registry', 'host', 'repository', 'function', 'rootfs'] as const) {
    const base = `/v1/${PLURALS[kind]}`;
    out[`POST ${base}`] = { owner: 'A', ok: 201, make: async (fx) => ({ url: base, payload: { accountId: fx.A.account.id, ...(kind === 'function' ? { name: `fn-${++targetSeq}` } : {}), config: configOf(kind) } }) };
    out[`GET ${base}`] = { owner: 'none', ok: 200, make: async (fx, s) => { await targetOfA(fx, s, kind); return { url: base }; } };
    out[`GET ${base}/:id`] = { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `${base}/${await targetOfA(fx, s, kind)}` }) };
    out[`DELETE ${base}/:id`] = { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `${base}/${await targetOfA(fx, s, kind)}` }) };
    out[`POST ${base}/:id/poll`] = kind === 'function'
      ? { owner: 'A', ok: 409, make: async (fx, s) => ({ url: `${base}/${await targetOfA(fx, s, kind)}/poll` }) }
      : { owner: 'A', ok: 202, make: async (fx, s) => ({ url: `${base}/${await targetOfA(fx, s, kind)}/poll` }) };
  }
  out['POST /v1/resources/:id/scan'] = { owner: 'A', ok: 202, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/scan` }) };
  out['POST /v1/functions/layers'] = { owner: 'A', ok: 201, make: async (fx) => ({ url: `/v1/functions/layers?accountId=${fx.A.account.id}`, payload: EMPTY_ZIP, headers: { 'content-type': 'application/zip' } }) };
  out['POST /v1/functions/:id/versions'] = { owner: 'A', ok: 202, make: async (fx, s) => ({ url: `/v1/functions/${await targetOfA(fx, s, 'function')}/versions`, payload: EMPTY_ZIP, headers: { 'content-type': 'application/zip' } }) };
  out['POST /v1/agent/report'] = { owner: 'none', ok: 200, make: async () => ({ url: '/v1/agent/report', payload: { hostname: `agent-${++targetSeq}`, os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' }, packages: [] } }) };
  return out;
}
/** An SBOM export of A's resource (created directly, so the case does not depend on a worker); `done`: its archive made. */
async function exportOfA(fx: Fixture, store: Store, done = false): Promise<string> {
  const { resourceId } = await findingsOfA(fx, store);
  const row = await createSbomExport(store, { accountId: fx.A.account.id, format: 'cyclonedx', resourceIds: [resourceId], request: { resourceIds: [resourceId] } }, new Date());
  if (done) await runSbomExport(store, row.id, new Date());
  return row.id;
}
/** A CycloneDX 1.6 document naming lodash 4.17.0 (the harness imports an advisory for it, so scans find something). */
const SBOM_DOC = { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [{ type: 'library', name: 'lodash', version: '4.17.0', purl: 'pkg:npm/lodash@4.17.0' }] };
function sbomCases(): Record<string, Case> {
  return {
    'GET /v1/resources/:id/sbom': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/sbom?format=spdx` }) },
    // A's resource: out of sight for others (404), so nothing is exported for them
    'POST /v1/sbom-exports': { owner: 'A', ok: 202, make: async (fx, s) => ({ url: '/v1/sbom-exports', payload: { format: 'spdx', resourceIds: [(await findingsOfA(fx, s)).resourceId] } }) },
    'GET /v1/sbom-exports': { owner: 'none', ok: 200, make: async (fx, s) => { await exportOfA(fx, s); return { url: '/v1/sbom-exports' }; } },
    'GET /v1/sbom-exports/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/sbom-exports/${await exportOfA(fx, s)}` }) },
    'GET /v1/sbom-exports/:id/download': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/sbom-exports/${await exportOfA(fx, s, true)}/download` }) },
    // nothing stored, nothing of anyone's read: every operate key may scan
    'POST /v1/sbom/scan': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/sbom/scan', payload: SBOM_DOC }) },
  };
}
/** Webhooks authenticate with the target's own secret, never with an API key (tested below). */
const WEBHOOKS = new Set(['POST /v1/registries/:id/notifications', 'POST /v1/repositories/:id/webhook', 'POST /v1/admission/:accountId/:policy/:token', 'POST /v1/admission/:accountId/:policy']);
/** One entry per non-public route; the coverage test fails when the server has a route not listed here. */
/** A network topology of A (one instance, no paths), stored directly; its name. */
async function topologyOfA(fx: Fixture, store: Store): Promise<string> {
  const name = `topo-${++targetSeq}`;
  const instances = { Reservations: [{ Instances: [{ InstanceId: `i-tenancy${targetSeq}`, State: { Name: 'running' } }] }] };
  await putTopology({ store, now: () => new Date() }, { accountId: fx.A.account.id, name, files: { 'describe-instances.json': JSON.stringify(instances) } });
  return name;
}
function networkCases(): Record<string, Case> {
  return {
    'GET /v1/network/topologies': { owner: 'none', ok: 200, make: async (fx, s) => { await topologyOfA(fx, s); return { url: '/v1/network/topologies' }; } },
    'GET /v1/network/topologies/:name': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/network/topologies/${await topologyOfA(fx, s)}?accountId=${fx.A.account.id}` }) },
    'PUT /v1/network/topologies/:name': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/network/topologies/put-${++targetSeq}`, payload: { accountId: fx.A.account.id, files: { 'describe-instances.json': { Reservations: [] } } } }) },
    'DELETE /v1/network/topologies/:name': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/network/topologies/${await topologyOfA(fx, s)}?accountId=${fx.A.account.id}` }) },
  };
}

/** (issue 18) A CIS scan configuration of A, and a scan of it (A has no host: it completes with no target). */
const CIS_CONFIG = (accountId: string) => ({ name: `cis ${++targetSeq}`, securityLevel: 'LEVEL_1' as const, schedule: { daily: { startTime: { timeOfDay: '03:00', timezone: 'UTC' } } }, targets: { accountIds: [accountId] } });
async function cisConfigOfA(fx: Fixture, store: Store): Promise<string> {
  return (await createCisConfig(store, fx.A.account.id, CIS_CONFIG(fx.A.account.id), new Date())).id;
}
async function cisScanOfA(fx: Fixture, store: Store): Promise<string> {
  const c = await createCisConfig(store, fx.A.account.id, CIS_CONFIG(fx.A.account.id), new Date());
  return (await startCisScan(store, c, { scanDate: new Date().toISOString(), by: 'api', now: new Date() })).scan.id;
}
function cisCases(): Record<string, Case> {
  return {
    'GET /v1/cis/benchmarks': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/cis/benchmarks' }) },
    'POST /v1/cis/scan-configurations': { owner: 'A', ok: 201, make: async (fx) => ({ url: '/v1/cis/scan-configurations', payload: CIS_CONFIG(fx.A.account.id) }) },
    'GET /v1/cis/scan-configurations': { owner: 'none', ok: 200, make: async (fx, s) => { await cisConfigOfA(fx, s); return { url: '/v1/cis/scan-configurations' }; } },
    'GET /v1/cis/scan-configurations/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scan-configurations/${await cisConfigOfA(fx, s)}` }) },
    'PATCH /v1/cis/scan-configurations/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scan-configurations/${await cisConfigOfA(fx, s)}`, payload: { securityLevel: 'LEVEL_2' } }) },
    'DELETE /v1/cis/scan-configurations/:id': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/cis/scan-configurations/${await cisConfigOfA(fx, s)}` }) },
    'POST /v1/cis/scan-configurations/:id/run': { owner: 'A', ok: 202, make: async (fx, s) => ({ url: `/v1/cis/scan-configurations/${await cisConfigOfA(fx, s)}/run` }) },
    'GET /v1/cis/scans': { owner: 'none', ok: 200, make: async (fx, s) => { await cisScanOfA(fx, s); return { url: '/v1/cis/scans' }; } },
    'GET /v1/cis/scans/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}` }) },
    'POST /v1/cis/scans/:id/cancel': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}/cancel` }) },
    'GET /v1/cis/scans/:id/targets': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}/targets` }) },
    'GET /v1/cis/scans/:id/checks': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}/checks` }) },
    'GET /v1/cis/scans/:id/results': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}/results` }) },
    'GET /v1/cis/scans/:id/report': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/cis/scans/${await cisScanOfA(fx, s)}/report?format=csv` }) },
    'GET /v1/cis/trend': { owner: 'none', ok: 200, make: async (fx, s) => { await cisScanOfA(fx, s); return { url: '/v1/cis/trend' }; } },
    'GET /v1/resources/:id/tags': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/tags` }) },
    'PUT /v1/resources/:id/tags': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/tags`, payload: { tags: { env: `e${++targetSeq}` } } }) },
    'DELETE /v1/resources/:id/tags': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/tags?keys=env` }) },
  };
}

/** (issue 19) An event destination of A (a public address literal: the policy allows it without DNS). */
const DEST_BODY = () => ({ name: `dest ${++targetSeq}`, url: 'https://93.184.215.14/hook' });
async function destinationOfA(fx: Fixture, store: Store): Promise<string> {
  const ctx = { store, log: silentLogger(), now: () => new Date(), policy: TargetPolicy.tenantDefault() };
  return (await createDestination(ctx, fx.A.account.id, DestinationInput.parse(DEST_BODY()))).row.id;
}
async function deliveryOfA(fx: Fixture, store: Store): Promise<{ destination: string; delivery: string }> {
  const destination = await destinationOfA(fx, store);
  const delivery = `dlv-tenancy-${++targetSeq}`;
  const at = new Date().toISOString();
  await store.db.insertInto('event_deliveries').values({ id: delivery, destination_id: destination, account_id: fx.A.account.id, event_id: 1_000_000 + targetSeq, event_type: 'scan.completed', status: 'DEAD', attempts: 8, next_attempt_at: at, last_attempt_at: at, response_status: 500, last_error: 'HTTP 500', created_at: at, delivered_at: null }).execute();
  return { destination, delivery };
}
function destinationCases(): Record<string, Case> {
  return {
    'POST /v1/event-destinations': { owner: 'A', ok: 201, make: async (fx) => ({ url: '/v1/event-destinations', payload: { accountId: fx.A.account.id, ...DEST_BODY() } }) },
    'GET /v1/event-destinations': { owner: 'none', ok: 200, make: async (fx, s) => { await destinationOfA(fx, s); return { url: '/v1/event-destinations' }; } },
    'GET /v1/event-destinations/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/event-destinations/${await destinationOfA(fx, s)}` }) },
    'PATCH /v1/event-destinations/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/event-destinations/${await destinationOfA(fx, s)}`, payload: { enabled: false } }) },
    'DELETE /v1/event-destinations/:id': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/event-destinations/${await destinationOfA(fx, s)}` }) },
    'GET /v1/event-destinations/:id/deliveries': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/event-destinations/${await destinationOfA(fx, s)}/deliveries` }) },
    'POST /v1/event-destinations/:id/deliveries/:deliveryId/redeliver': { owner: 'A', ok: 202, make: async (fx, s) => { const d = await deliveryOfA(fx, s); return { url: `/v1/event-destinations/${d.destination}/deliveries/${d.delivery}/redeliver` }; } },
  };
}

/** (issue 19) A report schedule of A: a daily digest to one address. */
const REPORT_BODY = () => ({ name: `digest ${++targetSeq}`, schedule: { daily: { startTime: { timeOfDay: '08:00', timezone: 'Europe/Paris' } } }, recipients: ['secops@example.com'] });
async function reportScheduleOfA(fx: Fixture, store: Store): Promise<string> {
  const ctx = { store, log: silentLogger(), now: () => new Date(), policy: TargetPolicy.tenantDefault() };
  return (await createReportSchedule(ctx, fx.A.account.id, ReportScheduleInput.parse(REPORT_BODY()))).id;
}
function reportCases(): Record<string, Case> {
  return {
    'POST /v1/report-schedules': { owner: 'A', ok: 201, make: async (fx) => ({ url: '/v1/report-schedules', payload: { accountId: fx.A.account.id, ...REPORT_BODY() } }) },
    'GET /v1/report-schedules': { owner: 'none', ok: 200, make: async (fx, s) => { await reportScheduleOfA(fx, s); return { url: '/v1/report-schedules' }; } },
    'GET /v1/report-schedules/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/report-schedules/${await reportScheduleOfA(fx, s)}` }) },
    'PATCH /v1/report-schedules/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/report-schedules/${await reportScheduleOfA(fx, s)}`, payload: { enabled: false } }) },
    'DELETE /v1/report-schedules/:id': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/report-schedules/${await reportScheduleOfA(fx, s)}` }) },
    'POST /v1/report-schedules/:id/send': { owner: 'A', ok: 202, make: async (fx, s) => ({ url: `/v1/report-schedules/${await reportScheduleOfA(fx, s)}/send` }) },
    'GET /v1/report-schedules/:id/runs': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/report-schedules/${await reportScheduleOfA(fx, s)}/runs` }) },
  };
}

/** A gate policy of A (issue 19), stored directly; its name and admission token. */
const GATE_POLICY = 'rules:\n  - severity: CRITICAL\n';
async function gatePolicyOfA(fx: Fixture, store: Store): Promise<{ name: string; token: string }> {
  const name = `gate-${++targetSeq}`;
  const r = await putGatePolicy(store.db, fx.A.account.id, name, GATE_POLICY, new Date());
  return { name, token: r.token! };
}
/** issue 19: a polled cluster of A (never polled here: its server is a closed loopback port); its name. */
async function clusterOfA(fx: Fixture, store: Store): Promise<string> {
  const name = `cluster-${++targetSeq}`;
  await putCluster(store, await policy(), fx.A.account.id, { name, server: 'http://127.0.0.1:9', token: 'tenancy-token', intervalMinutes: 15 }, new Date());
  return name;
}
function workloadCases(): Record<string, Case> {
  return {
    'POST /v1/workloads/kubernetes': { owner: 'A', ok: 200, make: async (fx) => ({ url: '/v1/workloads/kubernetes', payload: { accountId: fx.A.account.id, cluster: `k-${++targetSeq}`, pods: { apiVersion: 'v1', kind: 'List', items: [] } } }) },
    'POST /v1/workloads/ecs': { owner: 'A', ok: 200, make: async (fx) => ({ url: '/v1/workloads/ecs', payload: { accountId: fx.A.account.id, cluster: `e-${++targetSeq}`, tasks: { tasks: [], failures: [] } } }) },
    'GET /v1/workloads/kubernetes/clusters': { owner: 'none', ok: 200, make: async (fx, s) => { await clusterOfA(fx, s); return { url: '/v1/workloads/kubernetes/clusters' }; } },
    'POST /v1/workloads/kubernetes/clusters': { owner: 'A', ok: 200, make: async (fx) => ({ url: '/v1/workloads/kubernetes/clusters', payload: { accountId: fx.A.account.id, name: `p-${++targetSeq}`, server: 'http://127.0.0.1:9', token: 't0ken' } }) },
    'DELETE /v1/workloads/kubernetes/clusters/:name': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/workloads/kubernetes/clusters/${await clusterOfA(fx, s)}?accountId=${fx.A.account.id}` }) },
  };
}
function gateCases(): Record<string, Case> {
  return {
    'GET /v1/gate': { owner: 'A', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: `/v1/gate?image=reg/tenancy-a@sha256:${'a'.repeat(64)}&policy=${(await gatePolicyOfA(fx, s)).name}&accountId=${fx.A.account.id}` }; } },
    'GET /v1/gate/policies': { owner: 'none', ok: 200, make: async (fx, s) => { await gatePolicyOfA(fx, s); return { url: '/v1/gate/policies' }; } },
    'GET /v1/gate/policies/:name': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/gate/policies/${(await gatePolicyOfA(fx, s)).name}?accountId=${fx.A.account.id}` }) },
    'PUT /v1/gate/policies/:name': { owner: 'A', ok: 201, make: async (fx) => ({ url: `/v1/gate/policies/put-${++targetSeq}?accountId=${fx.A.account.id}`, payload: GATE_POLICY, headers: { 'content-type': 'application/yaml' } }) },
    'DELETE /v1/gate/policies/:name': { owner: 'A', ok: 204, make: async (fx, s) => ({ url: `/v1/gate/policies/${(await gatePolicyOfA(fx, s)).name}?accountId=${fx.A.account.id}` }) },
  };
}

/** (issue 19) A findings report of A (kept for download), run when `done`. */
async function reportOfA(fx: Fixture, store: Store, done = false): Promise<string> {
  await findingsOfA(fx, store);
  const row = await createFindingsReport(store, { accountId: fx.A.account.id, format: 'json', filter: { accountIds: [fx.A.account.id], statuses: ['ACTIVE'] }, request: { filter: {} } }, new Date());
  if (done) await runFindingsReport(store, row.id, new Date(), TargetPolicy.tenantDefault());
  return row.id;
}
function findingsReportCases(): Record<string, Case> {
  return {
    'POST /v1/findings-reports': { owner: 'A', ok: 202, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/findings-reports', payload: { format: 'csv', filter: { accountId: fx.A.account.id } } }; } },
    'GET /v1/findings-reports': { owner: 'none', ok: 200, make: async (fx, s) => { await reportOfA(fx, s); return { url: '/v1/findings-reports' }; } },
    'GET /v1/findings-reports/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/findings-reports/${await reportOfA(fx, s)}` }) },
    'GET /v1/findings-reports/:id/download': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/findings-reports/${await reportOfA(fx, s, true)}/download` }) },
  };
}

const CASES: Record<string, Case> = {
  'GET /v1/whoami': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/whoami' }) },
  'GET /v1/organizations': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/organizations' }) },
  'POST /v1/organizations': { owner: 'none', ok: 201, delegatedOnly: true, make: async () => ({ url: '/v1/organizations', payload: { name: 'another org' } }) },
  'GET /v1/organizations/:id': { owner: 'org1', ok: 200, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}` }) },
  'GET /v1/organizations/:id/scan-settings': { owner: 'org1', ok: 200, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}/scan-settings` }) },
  'PUT /v1/organizations/:id/scan-settings': { owner: 'org1', ok: 200, delegatedOnly: true, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}/scan-settings`, payload: SETTINGS }) },
  'GET /v1/accounts': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/accounts' }) },
  'POST /v1/accounts': { owner: 'none', ok: 201, delegatedOnly: true, make: async () => ({ url: '/v1/accounts', payload: { name: 'new member' } }) },
  'GET /v1/accounts/:id': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}` }) },
  'PATCH /v1/accounts/:id': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}`, payload: { name: 'renamed A', scanSettings: { mode: 'basic' } } }) },
  'GET /v1/accounts/:id/api-keys': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}/api-keys` }) },
  'POST /v1/accounts/:id/api-keys': { owner: 'A', ok: 201, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}/api-keys`, payload: { name: 'ci', role: 'read-only' } }) },
  'DELETE /v1/accounts/:id/api-keys/:keyId': {
    owner: 'A', ok: 200,
    make: async (fx, store) => {
      const k = await repo.createApiKey(store.db, fx.A.account.id, 'to revoke', 'analyst');
      return { url: `/v1/accounts/${fx.A.account.id}/api-keys/${k.apiKey.id}` };
    },
  },
  // findings (routes/findings.ts, routes/suppression.ts): collections are 'none' (others see none of A's rows)
  'GET /v1/findings': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/findings?status=ACTIVE,SUPPRESSED,CLOSED' }; } },
  'GET /v1/findings/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/findings/${(await findingsOfA(fx, s)).findingId}` }) },
  'GET /v1/resources': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/resources' }; } },
  'GET /v1/resources/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}` }) },
  'GET /v1/resources/:id/packages': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/resources/${(await findingsOfA(fx, s)).resourceId}/packages` }) },
  // (issue 19) filtered by inUse, with A's image running: others see none of A's images in use
  'GET /v1/coverage': { owner: 'none', ok: 200, make: async (fx, s) => { await imageInUseOfA(fx, s); return { url: '/v1/coverage?inUse=true' }; } },
  'GET /v1/aggregations/findings': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/aggregations/findings?by=account' }; } },
  'GET /v1/aggregations/findings/daily': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/aggregations/findings/daily?from=2025-01-01&to=2099-12-31' }) },
  'GET /v1/vulnerabilities/:id/resources': { owner: 'none', ok: 200, make: async (fx, s) => ({ url: `/v1/vulnerabilities/${(await findingsOfA(fx, s)).vulnerabilityId}/resources` }) },
  'GET /v1/events': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/events?limit=1000' }; } },
  'GET /v1/suppression-rules': { owner: 'none', ok: 200, make: async (fx, s) => { await ruleOfA(fx, s); return { url: '/v1/suppression-rules' }; } },
  'POST /v1/suppression-rules': { owner: 'A', ok: 201, make: async (fx) => ({ url: '/v1/suppression-rules', payload: { accountId: fx.A.account.id, ...RULE_BODY } }) },
  'GET /v1/suppression-rules/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/suppression-rules/${await ruleOfA(fx, s)}` }) },
  'PUT /v1/suppression-rules/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/suppression-rules/${await ruleOfA(fx, s)}`, payload: { ...RULE_BODY, reason: 'changed' } }) },
  'DELETE /v1/suppression-rules/:id': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/suppression-rules/${await ruleOfA(fx, s)}` }) },

  // the console's findings API (issue 15: routes/finding-views.ts, the suppression preview)
  'GET /v1/findings/:id/history': { owner: 'A', ok: 200, make: async (fx, s) => ({ url: `/v1/findings/${(await findingsOfA(fx, s)).findingId}/history` }) },
  'GET /v1/findings/export': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/findings/export?format=json&status=ACTIVE,SUPPRESSED,CLOSED' }; } },
  'GET /v1/dashboard': { owner: 'none', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/dashboard' }; } },
  'GET /v1/vulnerabilities': { owner: 'none', ok: 200, make: async (fx, s) => ({ url: `/v1/vulnerabilities?q=${await vulnRecordOfA(fx, s)}` }) },
  'GET /v1/vulnerabilities/:id': { owner: 'none', ok: 200, make: async (fx, s) => ({ url: `/v1/vulnerabilities/${await vulnRecordOfA(fx, s)}` }) },
  'POST /v1/suppression-rules/preview': { owner: 'A', ok: 200, make: async (fx, s) => { await findingsOfA(fx, s); return { url: '/v1/suppression-rules/preview', payload: { accountId: fx.A.account.id, criteria: { severities: ['LOW'] } } }; } },

  // engine (routes/engine.ts): targets of every kind, triggers, uploads, agent reports
  ...engineCases(),

  // SBOMs (routes/sbom.ts): a resource's SBOM, export jobs, scanning an uploaded SBOM
  ...sbomCases(),
  ...networkCases(),
  // issue 18: CIS scan configurations, scans, results; resource tags (routes/cis.ts)
  ...cisCases(),
  // issue 19: event destinations (routes/destinations.ts)
  ...destinationCases(),
  // issue 19: findings reports (routes/findings-reports.ts)
  ...findingsReportCases(),
  // issue 19: scheduled reports (routes/report-schedules.ts)
  ...reportCases(),
  // issue 19: gate policies and the registry gate (routes/gate.ts)
  ...gateCases(),
  // issue 19: running workloads (routes/workloads.ts)
  ...workloadCases(),
};
const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', ...CONSOLE_ROUTES.map((r) => `GET ${r}`)]);
/** The request that a public route answers 200 to (default: GET of its own path). */
const PUBLIC_REQUESTS: Record<string, { url: string; headers?: Record<string, string> }> = {
  'GET /assets/*': { url: '/assets/app-abc123.js' },
  'GET /*': { url: '/findings?severity=HIGH', headers: { accept: 'text/html' } },
};
/**
 * Log in and out (access "session"): any role may call them and the key comes in the body or the
 * cookie, so the bearer cases above do not fit; the tests "session routes …" below cover them.
 */
const SESSION_CASES = new Set(['POST /v1/session', 'GET /v1/session', 'DELETE /v1/session']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Everything the tenancy tables (and suppression rules, finding states) hold except last-use times: a denied request must not change it. */
async function fingerprint(store: Store): Promise<string> {
  const [o, a, k, m, r, f, t, b, s, cc, cs, rt, ed, dl, g, rs, rr] = await Promise.all([
    store.db.selectFrom('organizations').selectAll().orderBy('id').execute(),
    store.db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    store.db.selectFrom('api_keys').select(['id', 'account_id', 'prefix', 'hash', 'role', 'name', 'created_at', 'revoked_at']).orderBy('id').execute(),
    store.db.selectFrom('tenancy_meta').selectAll().orderBy('key').execute(),
    store.db.selectFrom('suppression_rules').selectAll().orderBy('id').execute(),
    store.db.selectFrom('findings').select(['id', 'status', 'suppressed_by', 'updated_at']).orderBy('id').execute(),
    store.db.selectFrom('targets').select(['id', 'account_id', 'kind', 'name', 'config', 'status']).orderBy('id').execute(),
    store.db.selectFrom('blobs').select(['digest', 'account_id']).orderBy('digest').execute(),
    store.db.selectFrom('sessions').select(['id', 'key_id']).orderBy('id').execute(),
    store.db.selectFrom('cis_scan_configs').selectAll().orderBy('id').execute(),
    store.db.selectFrom('cis_scans').selectAll().orderBy('id').execute(),
    store.db.selectFrom('resource_tags').selectAll().orderBy('resource_id').orderBy('key').execute(),
    store.db.selectFrom('event_destinations').selectAll().orderBy('id').execute(),
    store.db.selectFrom('event_deliveries').select(['id', 'status', 'attempts', 'next_attempt_at']).orderBy('id').execute(),
    store.db.selectFrom('gate_policies').selectAll().orderBy('account_id').orderBy('name').execute(),
    store.db.selectFrom('report_schedules').selectAll().orderBy('id').execute(),
    store.db.selectFrom('report_runs').selectAll().orderBy('id').execute(),
  ]);
  return JSON.stringify({ o, a, k, m, r, f, t, b, s, cc, cs, rt, ed, dl, g, rs, rr });
}

/** The identifiers of A's objects: none may appear in an answer to someone who cannot see A. */
function secretsOfA(fx: Fixture): string[] {
  return [fx.A.account.id, ...fx.A.keyRows.flatMap((k) => [k.id, k.prefix]), ...(fx.seededA ? [fx.seededA.resourceId, fx.seededA.findingId] : [])];
}

for (const [dialect, make] of dialects) {
  describe(`tenancy harness (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let fx: Fixture;
    // the console's routes serve a stand-in web/dist (the real one is built by `npm run build`)
    const web = fakeConsoleDir();
    before(async () => {
      ts = await make();
      fx = await makeFixture(ts.store);
      // one advisory, so that POST /v1/sbom/scan has a database to match against
      const dir = mkdtempSync(join(tmpdir(), 'vigil-tenancy-osv-'));
      writeFileSync(join(dir, 'GHSA-tnnt-sbom-0001.json'), JSON.stringify({
        schema_version: '1.6.0', id: 'GHSA-tnnt-sbom-0001', modified: '2025-01-01T00:00:00Z', summary: 'harness advisory',
        affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
      }));
      await importInputs([dir], { store: ts.store, log: silentLogger() });
      rmSync(dir, { recursive: true, force: true });
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, consoleDir: web.dir }, policy: await policy() });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
      web.cleanup();
    });

    const call = (method: string, url: string, key?: string, payload?: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: method as 'GET', url, headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) }, ...(payload === undefined ? {} : { payload: payload as object }) });

    /** a console session of `key` (logged in from an address of its own, so the login limiter never interferes) */
    const sessionOf = async (key: string) => {
      const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey: key }, remoteAddress: `10.3.0.${++targetSeq % 250}` });
      assert.equal(res.statusCode, 200, res.body);
      const cookie = String(([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]).split(';')[0];
      return { cookie, csrf: res.json().csrfToken as string };
    };

    test('every registered route has a case here (or is public)', () => {
      const registered = app.routeTable().map((r) => `${r.method} ${r.url}`);
      const missing = registered.filter((r) => !PUBLIC.has(r) && !WEBHOOKS.has(r) && !SESSION_CASES.has(r) && !CASES[r]);
      assert.deepEqual(missing, [], `routes without a tenancy case: ${missing.join(', ')}`);
      const stale = [...Object.keys(CASES), ...SESSION_CASES].filter((c) => !registered.includes(c));
      assert.deepEqual(stale, [], `cases for routes that no longer exist: ${stale.join(', ')}`);
      for (const r of app.routeTable()) assert.equal(r.access === 'public', PUBLIC.has(`${r.method} ${r.url}`), `${r.method} ${r.url} access ${r.access}`);
    });

    test('webhooks: an unknown target, a wrong secret or an API key instead of the secret → 401, nothing changes', async () => {
      const reg = await targetOfA(fx, ts.store, 'registry');
      const repoT = await targetOfA(fx, ts.store, 'repository');
      const envelope = { events: [{ action: 'push', target: { repository: 'app', tag: 'latest', digest: 'sha256:' + 'a'.repeat(64), mediaType: 'application/vnd.oci.image.manifest.v1+json' } }] };
      const push = { ref: 'refs/heads/main', after: 'b'.repeat(40) };
      const gate = await gatePolicyOfA(fx, ts.store);
      const other = await gatePolicyOfA(fx, ts.store);
      const admission = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'default', object: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'reg/tenancy-a:latest' }] } } } };
      const attempts: [string, Record<string, string>, unknown][] = [
        [`/v1/registries/${reg}/notifications`, {}, envelope],
        [`/v1/registries/${reg}/notifications`, { authorization: 'Bearer wrong-token-wrong-token' }, envelope],
        [`/v1/registries/${reg}/notifications`, { authorization: `Bearer ${fx.D1.keys.admin}` }, envelope],
        [`/v1/registries/no-such-target/notifications`, { authorization: 'Bearer wrong-token-wrong-token' }, envelope],
        [`/v1/registries/${repoT}/notifications`, { authorization: 'Bearer x' }, envelope],
        [`/v1/repositories/${repoT}/webhook`, { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64), 'x-github-event': 'push' }, push],
        [`/v1/repositories/${repoT}/webhook`, { 'x-gitlab-token': 'wrong', 'x-gitlab-event': 'Push Hook' }, push],
        [`/v1/repositories/${repoT}/webhook`, { authorization: `Bearer ${fx.A.keys.admin}` }, push],
        [`/v1/repositories/${reg}/webhook`, { 'x-gitlab-token': 'wrong' }, push],
        // the admission webhook (issue 19): the policy's token, not an API key, not another policy's or account's token
        [`/v1/admission/${fx.A.account.id}/${gate.name}/vgt_wrong`, {}, admission],
        [`/v1/admission/${fx.A.account.id}/${gate.name}/${fx.A.keys.admin}`, {}, admission],
        [`/v1/admission/${fx.A.account.id}/${gate.name}/x`, { authorization: `Bearer ${fx.A.keys.admin}` }, admission],
        [`/v1/admission/${fx.A.account.id}/${other.name}/${gate.token}`, {}, admission],
        [`/v1/admission/${fx.B.account.id}/${gate.name}/${gate.token}`, {}, admission],
        [`/v1/admission/${fx.A.account.id}/${gate.name}`, {}, admission],
        [`/v1/admission/${fx.A.account.id}/${gate.name}`, { authorization: `Bearer ${fx.A.keys.admin}` }, admission],
        [`/v1/admission/${fx.A.account.id}/${other.name}`, { authorization: `Bearer ${gate.token}` }, admission],
      ];
      for (const [url, headers, payload] of attempts) {
        const before = await fingerprint(ts.store);
        const resources = await ts.store.db.selectFrom('resources').select('id').execute();
        const res = await app.inject({ method: 'POST', url, headers, payload: payload as object });
        assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(headers)}: ${res.body}`);
        assert.equal(await fingerprint(ts.store), before);
        assert.equal((await ts.store.db.selectFrom('resources').select('id').execute()).length, resources.length);
      }
    });

    test('identical uploads by two organizations: each gets its own blob and can use it; another account\'s layer is unknown', async () => {
      // an end-of-central-directory record with a comment: a valid zip, bytes unique to this test
      const zipOf = (comment: string) => { const c = Buffer.from(comment); const eocd = Buffer.alloc(22); eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(c.length, 20); return Buffer.concat([eocd, c]); };
      const layer = zipOf(`shared layer ${dialect} ${Date.now()}`);
      const upload = (key: string, body: Buffer) => call('POST', '/v1/functions/layers', key, body, { 'content-type': 'application/zip' });
      const a = await upload(fx.A.keys.admin, layer);
      const c = await upload(fx.C.keys.admin, layer);
      assert.equal(a.statusCode, 201, a.body);
      assert.equal(c.statusCode, 201, c.body);
      const digest = a.json().digest as string;
      assert.equal(c.json().digest, digest);
      const rows = await ts.store.db.selectFrom('blobs').select('account_id').where('digest', '=', digest).orderBy('account_id').execute();
      assert.deepEqual(rows.map((r) => r.account_id), [fx.A.account.id, fx.C.account.id].sort(), 'one row per account');
      for (const w of [fx.C, fx.A]) {
        const fn = await call('POST', '/v1/functions', w.keys.admin, { name: `shared-${++targetSeq}`, config: {} });
        assert.equal(fn.statusCode, 201, fn.body);
        const v = await call('POST', `/v1/functions/${fn.json().id}/versions?layers=${digest}`, w.keys.admin, zipOf(`code ${targetSeq}`), { 'content-type': 'application/zip' });
        assert.equal(v.statusCode, 202, `${w.account.name} uses the layer it uploaded: ${v.body}`);
      }
      // a layer only A uploaded is, for org2, exactly as unknown as one nobody uploaded
      const onlyA = (await upload(fx.A.keys.admin, zipOf(`A only ${dialect} ${Date.now()}`))).json().digest as string;
      const fnC = (await call('POST', '/v1/functions', fx.C.keys.admin, { name: `probe-${++targetSeq}`, config: {} })).json().id as string;
      const probe = (d: string) => call('POST', `/v1/functions/${fnC}/versions?layers=${d}`, fx.C.keys.admin, zipOf('probe'), { 'content-type': 'application/zip' });
      const known = await probe(onlyA);
      const nobody = await probe(`sha256:${'0'.repeat(64)}`);
      assert.equal(known.statusCode, 404);
      assert.equal(nobody.statusCode, 404);
      assert.equal(known.json().error.message.replace(onlyA, 'D'), nobody.json().error.message.replace(`sha256:${'0'.repeat(64)}`, 'D'));
    });

    test('public routes answer without a key', async () => {
      for (const r of PUBLIC) {
        const [method, path] = r.split(' ');
        const { url, headers } = PUBLIC_REQUESTS[r] ?? { url: path };
        const res = await call(method, url, undefined, undefined, headers);
        assert.equal(res.statusCode, 200, `${r}: ${res.body.slice(0, 200)}`);
      }
    });

    for (const [route, c] of Object.entries(CASES)) {
      const [method] = route.split(' ');
      describe(route, () => {
        test('(a) no key, a malformed key, a wrong secret or a revoked key → 401', async () => {
          const req = await c.make(fx, ts.store);
          const wrongSecret = fx.A.keys.admin.replace(/_[A-Za-z0-9]+$/, '_' + 'x'.repeat(43));
          for (const key of [undefined, 'nonsense', 'vgl_short_x', wrongSecret, fx.revokedKeyOfA]) {
            const before = await fingerprint(ts.store);
            const res = await call(method, req.url, key, req.payload, req.headers);
            assert.equal(res.statusCode, 401, `${route} with ${key ?? 'no key'}: ${res.body}`);
            assert.equal(res.json().error.code, 'VIGIL_UNAUTHORIZED');
            assert.equal(res.headers['www-authenticate'], 'Bearer realm="vigil"');
            assert.equal(await fingerprint(ts.store), before, `${route}: a 401 changed the database`);
          }
        });

        test("(b) other accounts' keys cannot see or change A's objects", async () => {
          const foreign: [string, Who][] = c.owner === 'org1' ? [['C', fx.C], ['D2', fx.D2]] : [['B', fx.B], ['C', fx.C], ['D2', fx.D2]];
          for (const [name, w] of foreign) {
            for (const role of ['admin', 'analyst', 'read-only'] as const) {
              const req = await c.make(fx, ts.store);
              const before = await fingerprint(ts.store);
              const res = await call(method, req.url, w.keys[role], req.payload, req.headers);
              const label = `${route} as ${name}/${role} → ${res.statusCode} ${res.body.slice(0, 300)}`;
              if (c.owner === 'none') {
                // collections: allowed or forbidden, but never showing A's objects
                assert.ok(res.statusCode < 300 || res.statusCode === 403, label);
                for (const s of secretsOfA(fx)) assert.ok(!res.body.includes(s), `${label}: leaks ${s}`);
              } else {
                assert.ok(res.statusCode === 404 || res.statusCode === 403, label);
                assert.equal(await fingerprint(ts.store), before, `${label}: changed the database`);
              }
            }
          }
        });

        test('(c) the delegated admin of the organization is allowed', async () => {
          const req = await c.make(fx, ts.store);
          const res = await call(method, req.url, fx.D1.keys.admin, req.payload, req.headers);
          assert.equal(res.statusCode, c.ok, res.body);
        });

        test("A's own admin key: allowed on its objects, 403 where only the delegated admin may act", async () => {
          const req = await c.make(fx, ts.store);
          const res = await call(method, req.url, fx.A.keys.admin, req.payload, req.headers);
          assert.equal(res.statusCode, c.delegatedOnly ? 403 : c.ok, res.body);
        });

        if (MUTATING.has(method)) {
          test('(d) keys below the route level (read-only; analyst on admin routes) → 403, nothing changes', async () => {
            // operate routes (suppression rules, scan triggers) are open to analysts
            const operate = app.routeTable().find((r) => `${r.method} ${r.url}` === route)?.access === 'operate';
            if (operate && !c.delegatedOnly) {
              const req = await c.make(fx, ts.store);
              const res = await call(method, req.url, fx.A.keys.analyst, req.payload, req.headers);
              assert.equal(res.statusCode, c.ok, `${route} as A's analyst: ${res.body}`);
            }
            for (const w of [fx.A, fx.D1]) {
              for (const role of operate ? ['read-only'] as const : ['read-only', 'analyst'] as const) {
                const req = await c.make(fx, ts.store);
                const before = await fingerprint(ts.store);
                const res = await call(method, req.url, w.keys[role], req.payload, req.headers);
                assert.equal(res.statusCode, 403, `${route} as ${role}: ${res.body}`);
                assert.equal(res.json().error.code, 'VIGIL_FORBIDDEN');
                assert.equal(await fingerprint(ts.store), before);
              }
            }
          });
        } else {
          test('(d) a read-only key may GET', async () => {
            const req = await c.make(fx, ts.store);
            const res = await call(method, req.url, fx.D1.keys['read-only'], req.payload, req.headers);
            assert.equal(res.statusCode, 200, res.body);
          });
        }

        test('(e) through a console session: the key\'s own rules; writes need the CSRF token', async () => {
          if (MUTATING.has(method)) {
            const admin = await sessionOf(fx.D1.keys.admin);
            let req = await c.make(fx, ts.store);
            let before = await fingerprint(ts.store);
            const bare = await call(method, req.url, undefined, req.payload, { ...req.headers, cookie: admin.cookie });
            assert.equal(bare.statusCode, 403, `${route} with the cookie, no CSRF token: ${bare.body}`);
            assert.equal(bare.json().error.details.rule, 'csrf');
            assert.equal(await fingerprint(ts.store), before);
            const ro = await sessionOf(fx.D1.keys['read-only']);
            req = await c.make(fx, ts.store);
            before = await fingerprint(ts.store);
            const weak = await call(method, req.url, undefined, req.payload, { ...req.headers, cookie: ro.cookie, 'x-csrf-token': ro.csrf });
            assert.equal(weak.statusCode, 403, `${route} with a read-only session: ${weak.body}`);
            assert.equal(weak.json().error.details.rule, 'role');
            assert.equal(await fingerprint(ts.store), before);
            req = await c.make(fx, ts.store);
            const ok = await call(method, req.url, undefined, req.payload, { ...req.headers, cookie: admin.cookie, 'x-csrf-token': admin.csrf });
            assert.equal(ok.statusCode, c.ok, `${route} with the cookie and its token: ${ok.body}`);
          } else {
            const ro = await sessionOf(fx.D1.keys['read-only']);
            const req = await c.make(fx, ts.store);
            const res = await call(method, req.url, undefined, req.payload, { ...req.headers, cookie: ro.cookie });
            assert.equal(res.statusCode, 200, res.body);
          }
          if (c.owner !== 'none') {
            const foreign = await sessionOf(fx.C.keys.admin);
            const req = await c.make(fx, ts.store);
            const before = await fingerprint(ts.store);
            const res = await call(method, req.url, undefined, req.payload, { ...req.headers, cookie: foreign.cookie, 'x-csrf-token': foreign.csrf });
            assert.ok(res.statusCode === 404 || res.statusCode === 403, `${route} with another organization's session: ${res.statusCode}`);
            assert.equal(await fingerprint(ts.store), before);
          }
        });
      });
    }

    test('session routes: log in with no, a malformed, a wrong or a revoked key → 401, nothing stored', async () => {
      const wrongSecret = fx.A.keys.admin.replace(/_[A-Za-z0-9]+$/, '_' + 'x'.repeat(43));
      for (const apiKey of ['nonsense', 'vgl_short_x', wrongSecret, fx.revokedKeyOfA]) {
        const before = await fingerprint(ts.store);
        const res = await app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey }, remoteAddress: `10.2.0.${++targetSeq % 250}` });
        assert.equal(res.statusCode, 401, `${apiKey}: ${res.body}`);
        assert.equal(res.json().error.code, 'VIGIL_UNAUTHORIZED');
        assert.equal(res.headers['set-cookie'], undefined);
        assert.equal(await fingerprint(ts.store), before);
      }
      assert.equal((await app.inject({ method: 'POST', url: '/v1/session', payload: {} })).statusCode, 400);
      assert.equal((await app.inject({ url: '/v1/session' })).statusCode, 401);
      assert.equal((await app.inject({ url: '/v1/session', headers: { authorization: `Bearer ${fx.D1.keys.admin}` } })).statusCode, 401, 'a bearer key has no session');
      assert.equal((await app.inject({ method: 'DELETE', url: '/v1/session' })).statusCode, 204);
    });

    test('session routes: every role of every account logs in, sees itself only, and logs out', async () => {
      for (const [name, w] of [['D1', fx.D1], ['A', fx.A], ['B', fx.B], ['D2', fx.D2], ['C', fx.C]] as const) {
        for (const role of ['admin', 'analyst', 'read-only'] as const) {
          const label = `${name}/${role}`;
          const s = await sessionOf(w.keys[role]);
          const me = await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } });
          assert.equal(me.statusCode, 200, `${label}: ${me.body}`);
          assert.equal(me.json().whoami.account.id, w.account.id, label);
          assert.equal(me.json().whoami.key.role, role, label);
          if (w !== fx.A && w !== fx.D1) for (const x of secretsOfA(fx)) assert.ok(!me.body.includes(x), `${label} sees ${x}`);
          const out = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
          assert.equal(out.statusCode, 204, `${label}: ${out.body}`);
          assert.equal((await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 401, label);
        }
      }
    });

    test('the delegated admin sees every member; members see only themselves', async () => {
      const all = (await call('GET', '/v1/accounts', fx.D1.keys['read-only'])).json().items.map((a: Account) => a.id);
      for (const w of [fx.D1, fx.A, fx.B]) assert.ok(all.includes(w.account.id));
      assert.ok(!all.includes(fx.C.account.id) && !all.includes(fx.D2.account.id), 'another organization leaks in');
      const mine = (await call('GET', '/v1/accounts', fx.B.keys.admin)).json().items.map((a: Account) => a.id);
      assert.deepEqual(mine, [fx.B.account.id]);
      assert.equal((await call('GET', `/v1/accounts/${fx.A.account.id}/api-keys`, fx.D1.keys.analyst)).statusCode, 200);
    });

    test('new accounts get the organization scan settings; PUT changes them for accounts created later', async () => {
      const settings = { mode: 'enhanced', rescanDuration: '180d', rescanFrom: 'pull', autoEnable: true };
      assert.equal((await call('PUT', `/v1/organizations/${fx.org1.id}/scan-settings`, fx.D1.keys.admin, settings)).statusCode, 200);
      const res = await call('POST', '/v1/accounts', fx.D1.keys.admin, { name: 'late member' });
      assert.equal(res.statusCode, 201);
      // the issue-17 flags are shown on (their default) when the settings do not name them
      assert.deepEqual(res.json().scanSettings, { ...settings, secretScanning: true, codeScanning: true, hostDeepInspection: true, stopScanningAfterNotRunningDays: null });
      assert.equal(res.json().status, 'ENABLED');
      const o2 = await call('POST', '/v1/accounts', fx.D2.keys.admin, { name: 'org2 member' });
      assert.deepEqual(o2.json().scanSettings, { ...fx.org2.scanSettings, secretScanning: true, codeScanning: true, hostDeepInspection: true, stopScanningAfterNotRunningDays: null });
      // a change of some settings leaves the others, these flags included
      const acct = o2.json().id as string;
      assert.equal((await call('PATCH', `/v1/accounts/${acct}`, fx.D2.keys.admin, { scanSettings: { codeScanning: false } })).json().scanSettings.codeScanning, false);
      const later = (await call('PATCH', `/v1/accounts/${acct}`, fx.D2.keys.admin, { scanSettings: { rescanDuration: '30d' } })).json().scanSettings;
      assert.equal(later.codeScanning, false);
      assert.equal(later.secretScanning, true);
      // org2 says autoEnable: false: its new members start DISABLED (not scanned until enabled)
      assert.equal(o2.json().status, 'DISABLED');
    });

    test('enable/disable is for the delegated admin; it cannot disable itself', async () => {
      const acc = (await call('POST', '/v1/accounts', fx.D1.keys.admin, { name: 'to disable' })).json() as Account;
      const k = await repo.createApiKey(ts.store.db, acc.id, 'own admin', 'admin');
      const own = await call('PATCH', `/v1/accounts/${acc.id}`, k.key, { status: 'DISABLED' });
      assert.equal(own.statusCode, 403, own.body);
      const byAdmin = await call('PATCH', `/v1/accounts/${acc.id}`, fx.D1.keys.admin, { status: 'DISABLED', scanSettings: { rescanDuration: '14d' } });
      assert.equal(byAdmin.statusCode, 200);
      assert.equal(byAdmin.json().status, 'DISABLED');
      assert.equal(byAdmin.json().scanSettings.rescanDuration, '14d');
      assert.equal(byAdmin.json().scanSettings.mode, acc.scanSettings.mode, 'a partial scanSettings keeps the other fields');
      const self = await call('PATCH', `/v1/accounts/${fx.D1.account.id}`, fx.D1.keys.admin, { status: 'DISABLED' });
      assert.equal(self.statusCode, 409);
      assert.equal(self.json().error.code, 'VIGIL_CONFLICT');
    });

    test('keys: shown once, stored hashed, revocable; the last admin key of the delegated admin stays', async () => {
      const created = await call('POST', `/v1/accounts/${fx.B.account.id}/api-keys`, fx.B.keys.admin, { name: 'ci', role: 'analyst' });
      assert.equal(created.statusCode, 201);
      const { key, id, prefix } = created.json();
      assert.match(key, /^vgl_[a-z0-9]{12}_[A-Za-z0-9]{43}$/);
      const secret = key.split('_')[2];
      const dump = await fingerprint(ts.store);
      assert.ok(dump.includes(prefix) && !dump.includes(secret), 'the secret reached the database');
      const listed = (await call('GET', `/v1/accounts/${fx.B.account.id}/api-keys`, key)).json().items;
      assert.ok(listed.every((k: Record<string, unknown>) => !('key' in k) && !('hash' in k)));
      assert.equal((await call('GET', '/v1/whoami', key)).json().key.role, 'analyst');
      const row = await ts.store.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.last_used_at, 'last_used_at is recorded');
      assert.equal((await call('DELETE', `/v1/accounts/${fx.B.account.id}/api-keys/${id}`, fx.B.keys.admin)).json().revokedAt !== null, true);
      assert.equal((await call('GET', '/v1/whoami', key)).statusCode, 401);
      // another account's key id under my account's path is just missing
      assert.equal((await call('DELETE', `/v1/accounts/${fx.B.account.id}/api-keys/${fx.A.keyRows[0].id}`, fx.B.keys.admin)).statusCode, 404);

      const o = (await call('POST', '/v1/organizations', fx.D1.keys.admin, { name: 'lonely' })).json();
      const last = await call('DELETE', `/v1/accounts/${o.delegatedAdmin.id}/api-keys/${o.adminKey.id}`, o.adminKey.key);
      assert.equal(last.statusCode, 409, last.body);
      // the creator of an organization does not see into it
      assert.equal((await call('GET', `/v1/accounts/${o.delegatedAdmin.id}`, fx.D1.keys.admin)).statusCode, 404);
      assert.equal((await call('GET', `/v1/organizations/${o.organization.id}`, o.adminKey.key)).statusCode, 200);
    });

    test('over real HTTP on 127.0.0.1:0', async () => {
      const srv = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, policy: await policy() });
      try {
        const address = await srv.listen({ host: '127.0.0.1', port: 0 });
        assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
        const me = await fetch(`${address}/v1/whoami`, { headers: { authorization: `Bearer ${fx.A.keys['read-only']}` } });
        assert.equal(me.status, 200);
        assert.equal((await me.json()).account.id, fx.A.account.id);
        const other = await fetch(`${address}/v1/accounts/${fx.A.account.id}`, { headers: { authorization: `Bearer ${fx.C.keys.admin}` } });
        assert.equal(other.status, 404);
        const none = await fetch(`${address}/v1/accounts`);
        assert.equal(none.status, 401);
        assert.equal((await none.json()).error.code, 'VIGIL_UNAUTHORIZED');
        const ready = await fetch(`${address}/readyz`);
        assert.equal(ready.status, 200);
      } finally {
        await srv.close();
      }
    });
  });
}
