/**
 * Issue 19, running workloads, through the API on SQLite and PostgreSQL: a kubectl pod list and an
 * ECS describe-tasks output (src/engine/testdata/workloads) resolve to image resources; counts,
 * clusters and lastInUseAt on the resource view; a second upload without a pod; the inUse finding
 * filter; the Vigil score's in-use context from running containers; and images not running for
 * scanSettings.stopScanningAfterNotRunningDays leaving continuous scanning (clock injected).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { Engine } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { buildScanResult, loadAdvisoryContext, recordScan } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import type { Package } from '../model/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { packageLookup } from '../vulndb/query.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';

const TESTDATA = join(import.meta.dirname, '..', 'engine', 'testdata', 'workloads');
const PODS = JSON.parse(readFileSync(join(TESTDATA, 'pods.json'), 'utf8')) as { items: { metadata: { name: string } }[] };
const TASKS = JSON.parse(readFileSync(join(TESTDATA, 'ecs-describe-tasks.json'), 'utf8')) as unknown;
const A = `sha256:${'a1'.repeat(32)}`;
const B = `sha256:${'b2'.repeat(32)}`;
const C = `sha256:${'c3'.repeat(32)}`;
const D = `sha256:${'d4'.repeat(32)}`;
const V75 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';
const DAY = 86_400_000;

for (const [dialect, make] of dialects) {
  describe(`running workloads through the API (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let key: string;
    let clock = new Date('2026-01-10T00:00:00.000Z');
    const t1 = clock.toISOString();
    const ids: Record<string, string> = {};
    before(async () => {
      ts = await make();
      const dir = mkdtempSync(join(tmpdir(), 'vigil-workloads-osv-'));
      writeFileSync(join(dir, 'PYSEC-2026-1.json'), JSON.stringify({
        schema_version: '1.6.0', id: 'PYSEC-2026-1', modified: '2026-01-01T00:00:00Z', published: '2026-01-01T00:00:00Z', aliases: ['CVE-2026-1001'], summary: 'alpha flaw',
        severity: [{ type: 'CVSS_V3', score: V75 }],
        affected: [{ package: { ecosystem: 'PyPI', name: 'alpha' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
      }));
      await importInputs([dir], { store: ts.store, log: silentLogger() });
      rmSync(dir, { recursive: true, force: true });
      const packages: Package[] = [{ ecosystem: 'PyPI', name: 'alpha', version: '1.0', locations: ['/app/requirements.txt'] }];
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
      const result = buildScanResult({ target: { kind: 'dir', ref: 'app' }, packages, errors: [], report, ctx, createdAt: '2026-01-01T00:00:00Z', version: 'test' });
      const b = (await bootstrap(ts.store, { organizationName: 'org' }))!;
      key = b.key;
      const images: [string, string, string, string][] = [
        ['web', 'localhost:5000/shop/web', A, '1.0'],
        // a Docker Hub image recorded under the registry's API host name
        ['nginx', 'registry-1.docker.io/library/nginx', B, '1.25'],
        ['api', '123456789012.dkr.ecr.us-east-1.amazonaws.com/api', C, 'v3'],
        ['unused', 'localhost:5000/shop/unused', D, '2.0'],
      ];
      for (const [k, name, digest, tag] of images) {
        ids[k] = (await recordScan(ts.store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name, ref: `${name}:${tag}`, digest, tags: [tag] }, result, now: new Date('2026-01-01T00:00:00Z') })).resourceId;
      }
      queue = await openQueue(ts.store, { log: silentLogger() });
      engine = new Engine({ store: ts.store, queue, log: silentLogger(), now: () => clock });
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, engine });
    });
    after(async () => {
      await app?.close();
      await queue?.stop();
      await ts?.cleanup();
    });
    const call = async (method: string, url: string, payload?: unknown) => {
      const r = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null };
    };
    const resource = async (k: string) => (await call('GET', `/v1/resources/${ids[k]}`)).body;
    const findingsOf = async (qs: string) => ((await call('GET', `/v1/findings?${qs}`)).body.items as { resource: { id: string } | null; resourceId?: string; score: number }[]);
    const resourceIdsOf = async (qs: string) => {
      const items = (await call('GET', `/v1/findings?${qs}`)).body.items as Record<string, unknown>[];
      return items.map((f) => (f.resourceId ?? (f.resource as { id: string }).id) as string).sort();
    };
    const scoreOf = async (k: string) => (await findingsOf(`resourceId=${ids[k]}`))[0].score;

    test('a kubectl pod list and an ECS describe-tasks output: images resolved, running containers counted per image', async () => {
      const before = await scoreOf('nginx');
      const k = await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods: PODS });
      assert.equal(k.status, 200, JSON.stringify(k.body));
      // web pod: init migrate (terminated), web, proxy; second web pod; pending web (waiting); an
      // unscheduled pod without statuses; a finished job (terminated)
      assert.deepEqual(k.body, { cluster: 'prod', containers: 7, running: 3, resolved: 7, images: 2, rescored: 2, scan: [] });
      const e = await call('POST', '/v1/workloads/ecs', { cluster: 'prod-ecs', tasks: TASKS });
      assert.equal(e.status, 200, JSON.stringify(e.body));
      assert.deepEqual(e.body, { cluster: 'prod-ecs', containers: 2, running: 1, resolved: 2, images: 1, rescored: 1, scan: [] });
      assert.deepEqual((await resource('web')).inUse, { runningContainers: 2, clusters: ['kubernetes/prod'], lastInUseAt: t1 });
      assert.deepEqual((await resource('nginx')).inUse, { runningContainers: 1, clusters: ['kubernetes/prod'], lastInUseAt: t1 });
      assert.deepEqual((await resource('api')).inUse, { runningContainers: 1, clusters: ['ecs/prod-ecs'], lastInUseAt: t1 });
      assert.deepEqual((await resource('unused')).inUse, { runningContainers: 0, clusters: [], lastInUseAt: null });
      const list = (await call('GET', '/v1/resources?type=image')).body.items as { id: string; inUse: { runningContainers: number } }[];
      assert.equal(list.find((r) => r.id === ids.web)?.inUse.runningContainers, 2, 'the list shows it too');
      // the snapshot rows
      const rows = await ts.store.db.selectFrom('workload_containers').selectAll().where('cluster', '=', 'prod').orderBy('workload').orderBy('container').execute();
      const migrate = rows.find((r) => r.container === 'migrate')!;
      assert.deepEqual([migrate.init, migrate.state, migrate.image_digest, migrate.resource_id], [1, 'terminated', A, ids.web]);
      const pending = rows.find((r) => r.workload === 'web-7d9c6b5f4-pend1')!;
      assert.deepEqual([pending.state, pending.image_digest, pending.resource_id], ['waiting', null, ids.web], 'no imageID: resolved by repository and tag, not counted');
      // in use now: the score context gains the signal without a penalty
      assert.equal(await scoreOf('nginx'), before);
    });

    test('inUse filter: findings of images running now, and of images none runs', async () => {
      assert.deepEqual(await resourceIdsOf('inUse=true'), [ids.web, ids.nginx, ids.api].sort());
      assert.deepEqual(await resourceIdsOf('inUse=false'), [ids.unused]);
      assert.deepEqual(await resourceIdsOf('inUse=true&imageTag=1.25'), [ids.nginx], 'intersected with the other resource filters');
      assert.deepEqual(await resourceIdsOf('inUse=false&imageTag=1.25'), []);
      const bad = await call('GET', '/v1/findings?inUse=maybe');
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /inUse/);
    });

    test('resources and coverage filtered by inUse: images running now, images none runs, never other types', async () => {
      // a host: no image, so in neither answer
      const host = (await recordScan(ts.store, { accountId: (await resource('web')).accountId, resource: { type: 'host', name: 'db-1' }, result: scanResultOf([], []), now: new Date('2026-01-01T00:00:00Z') })).resourceId;
      const idsOf = async (path: string) => ((await call('GET', path)).body.items as { id: string }[]).map((r) => r.id).sort();
      assert.deepEqual(await idsOf('/v1/resources?inUse=true'), [ids.web, ids.nginx, ids.api].sort());
      assert.deepEqual(await idsOf('/v1/resources?inUse=false'), [ids.unused]);
      assert.deepEqual(await idsOf('/v1/resources?inUse=true&name=*nginx'), [ids.nginx], 'with the other filters');
      assert.ok((await idsOf('/v1/resources')).includes(host), 'without the filter the host is listed');
      const cov = (await call('GET', '/v1/coverage?inUse=true')).body as { summary: { type: string; count: number }[]; items: { id: string }[] };
      assert.deepEqual(cov.summary.map((x) => [x.type, x.count]), [['image', 3]]);
      const bad = await call('GET', '/v1/resources?inUse=yes');
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /inUse/);
      await ts.store.db.deleteFrom('resources').where('id', '=', host).execute();
    });

    test('a second upload without a pod drops its count and keeps when it last ran', async () => {
      clock = new Date('2026-01-11T00:00:00.000Z');
      const pods = { ...PODS, items: PODS.items.filter((p) => p.metadata.name !== 'web-7d9c6b5f4-x2x9k') };
      const k = await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods });
      assert.equal(k.status, 200);
      assert.deepEqual([k.body.running, k.body.images], [1, 1]);
      assert.deepEqual((await resource('web')).inUse, { runningContainers: 1, clusters: ['kubernetes/prod'], lastInUseAt: clock.toISOString() });
      assert.deepEqual((await resource('nginx')).inUse, { runningContainers: 0, clusters: [], lastInUseAt: t1 }, 'not running: its last time in use stays');
      assert.deepEqual(await resourceIdsOf('inUse=false'), [ids.nginx, ids.unused].sort());
    });

    test('bad uploads are 400s naming the field', async () => {
      const r = await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods: { items: [{ metadata: {}, spec: { containers: [] } }] } });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /pods\.items\.0\.metadata\.name/);
      const e = await call('POST', '/v1/workloads/ecs', { cluster: '', tasks: TASKS });
      assert.equal(e.status, 400);
      assert.match(e.body.error.message, /cluster/);
    });

    test('the score: an image that stopped running leaves the in-use window after 90 days; a running one stays in use', async () => {
      const nginx0 = await scoreOf('nginx');
      const web0 = await scoreOf('web');
      // the web image's last_in_use_at is old too, but a container still runs it
      await ts.store.db.updateTable('resources').set({ last_in_use_at: '2025-01-01T00:00:00.000Z' }).where('id', '=', ids.web).execute();
      clock = new Date(Date.parse(t1) + 91 * DAY);
      await engine.tick();
      assert.equal(await scoreOf('nginx'), Math.round((nginx0 - 1.0) * 10) / 10, 'not running and not pulled for 90 days: −1.0');
      assert.equal(await scoreOf('web'), web0, 'running: in use');
      const id = ((await findingsOf(`resourceId=${ids.nginx}`))[0] as unknown as { id: string }).id;
      const why = (await call('GET', `/v1/findings/${id}`)).body.details.scoring.adjustments as { metric: string; reason: string }[];
      assert.match(why.find((a) => a.metric === 'inUse')!.reason, /not running and not pulled in the last 90 days/);
      // running again: in use again
      const k = await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods: PODS });
      assert.equal(k.body.rescored, 1);
      assert.equal(await scoreOf('nginx'), nginx0);
    });

    test('stopScanningAfterNotRunningDays: images not running for N days leave continuous scanning, and come back when they run', async () => {
      const acct = (await call('GET', '/v1/accounts')).body.items[0];
      const bad = await call('PATCH', `/v1/accounts/${acct.id}`, { scanSettings: { stopScanningAfterNotRunningDays: 0 } });
      assert.equal(bad.status, 400);
      const p = await call('PATCH', `/v1/accounts/${acct.id}`, { scanSettings: { stopScanningAfterNotRunningDays: 30 } });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      assert.equal(p.body.scanSettings.stopScanningAfterNotRunningDays, 30);
      // nginx stops running now; "unused" never ran (counted from its discovery)
      const stop = Date.parse(clock.toISOString());
      const pods = { ...PODS, items: PODS.items.filter((x) => x.metadata.name !== 'web-7d9c6b5f4-x2x9k') };
      assert.equal((await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods })).status, 200);
      clock = new Date(stop + 29 * DAY);
      assert.equal(await engine.expireNotRunning(clock), 1, 'only the never-run image is past 30 days');
      assert.deepEqual((await resource('unused')).coverage.reason, 'IMAGE_NOT_IN_USE');
      assert.equal((await resource('nginx')).coverage.status, 'ACTIVE');
      clock = new Date(stop + 30 * DAY);
      await engine.tick();
      const n = await resource('nginx');
      assert.deepEqual([n.coverage.status, n.coverage.reason], ['INACTIVE', 'IMAGE_NOT_IN_USE']);
      assert.equal((await findingsOf(`resourceId=${ids.nginx}&status=CLOSED`)).length, 1, 'its findings closed');
      assert.equal((await findingsOf(`resourceId=${ids.nginx}`)).length, 0);
      for (const k of ['web', 'api']) assert.equal((await resource(k)).coverage.status, 'ACTIVE', `${k} runs: still scanned`);
      // it runs again: back to a pending scan
      const back = await call('POST', '/v1/workloads/kubernetes', { cluster: 'prod', pods: PODS });
      assert.deepEqual(back.body.scan, [ids.nginx]);
      const again = await resource('nginx');
      assert.deepEqual([again.coverage.status, again.coverage.reason], ['INACTIVE', 'PENDING_INITIAL_SCAN']);
    });
  });
}
