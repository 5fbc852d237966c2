/**
 * Issue 19, polled clusters, on SQLite and PostgreSQL: a fake Kubernetes API server on 127.0.0.1
 * written from the API reference (GET /api/v1/pods, bearer token checked, `limit`/`continue`
 * chunking) registered through POST /v1/workloads/kubernetes/clusters; the engine's poll goes
 * through the tenants' policy: allowed with --allow-network 127.0.0.0/8, refused by default. The
 * token is sealed at rest and never shown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { Engine } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';

const PODS = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'engine', 'testdata', 'workloads', 'pods.json'), 'utf8')) as { items: unknown[] };
const A = `sha256:${'a1'.repeat(32)}`;
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.fake-service-account-token';

/** GET /api/v1/pods as the API server answers it: a PodList, chunked by limit with a continue token; 401 without the token. */
function fakeApiServer(requests: { url: string; auth: string | undefined }[]): Server {
  return createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/api/v1/pods') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? PODS.items.length);
    // a test-sized chunk: 2 pods a page, whatever the client asks (the server may return fewer)
    const size = Math.min(limit, 2);
    const from = Number(url.searchParams.get('continue') ?? 0);
    const items = PODS.items.slice(from, from + size);
    const next = from + size < PODS.items.length ? String(from + size) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '12345', ...(next ? { continue: next } : {}) }, items }));
  });
}

for (const [dialect, make] of dialects) {
  describe(`polled Kubernetes clusters (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let refusing: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let key: string;
    let server: Server;
    let base: string;
    let webId: string;
    const requests: { url: string; auth: string | undefined }[] = [];
    const clock = new Date('2026-02-01T00:00:00.000Z');
    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store, { organizationName: 'org' }))!;
      key = b.key;
      const empty = { schemaVersion: 1, target: { kind: 'dir', ref: 'x' }, packages: [], errors: [], findings: [], createdAt: clock.toISOString() };
      webId = (await recordScan(ts.store, { accountId: b.delegatedAdmin.id, resource: { type: 'image', name: 'localhost:5000/shop/web', digest: A, tags: ['1.0'] }, result: empty as never, now: clock })).resourceId;
      server = fakeApiServer(requests);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      queue = await openQueue(ts.store, { log: silentLogger() });
      const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
      engine = new Engine({ store: ts.store, queue, log: silentLogger(), now: () => clock, policy });
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, engine });
      // a server with the default tenants' policy (public addresses only)
      refusing = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await refusing?.close();
      await queue?.stop();
      server?.close();
      await ts?.cleanup();
    });
    const call = async (srv: VigilServer, method: string, url: string, payload?: unknown) => {
      const r = await srv.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
      return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : null };
    };

    test('the default policy refuses a loopback API server at registration, and nothing is contacted', async () => {
      const r = await call(refusing, 'POST', '/v1/workloads/kubernetes/clusters', { name: 'lab', server: base, token: TOKEN });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(r.body.error.message, /not allowed/);
      assert.equal(requests.length, 0);
    });

    test('registered and polled through the policy: pods listed page by page with the token, images in use', async () => {
      const r = await call(app, 'POST', '/v1/workloads/kubernetes/clusters', { name: 'lab', server: base, token: TOKEN, intervalMinutes: 5 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.token, undefined, 'never shown');
      const stored = await ts.store.db.selectFrom('workload_clusters').select('config').executeTakeFirstOrThrow();
      assert.ok(!stored.config.includes(TOKEN), 'sealed at rest');
      assert.match(stored.config, /"\$sealed":"vgs1\./);
      assert.deepEqual(await engine.pollClusters(clock), { polled: 1, failed: 0, scan: [] });
      assert.deepEqual(requests.map((q) => q.url), ['/api/v1/pods?limit=500', '/api/v1/pods?limit=500&continue=2', '/api/v1/pods?limit=500&continue=4']);
      assert.ok(requests.every((q) => q.auth === `Bearer ${TOKEN}`));
      const web = (await call(app, 'GET', `/v1/resources/${webId}`)).body;
      assert.deepEqual(web.inUse, { runningContainers: 2, clusters: ['kubernetes/lab'], lastInUseAt: clock.toISOString() });
      const list = (await call(app, 'GET', '/v1/workloads/kubernetes/clusters')).body.items;
      assert.equal(list.length, 1);
      assert.deepEqual([list[0].name, list[0].lastPolledAt, list[0].lastError, list[0].nextPollAt], ['lab', clock.toISOString(), null, new Date(clock.getTime() + 5 * 60_000).toISOString()]);
      // not due yet: no request
      const n = requests.length;
      await engine.pollClusters(new Date(clock.getTime() + 60_000));
      assert.equal(requests.length, n);
    });

    test('a wrong token and a refusing policy at poll time are the cluster\'s lastError; the snapshot stays', async () => {
      assert.equal((await call(app, 'POST', '/v1/workloads/kubernetes/clusters', { name: 'lab', server: base, token: 'wrong' })).status, 200);
      assert.deepEqual(await engine.pollClusters(clock), { polled: 0, failed: 1, scan: [] });
      let c = (await call(app, 'GET', '/v1/workloads/kubernetes/clusters')).body.items[0];
      assert.match(c.lastError, /HTTP 401/);
      assert.equal((await call(app, 'GET', `/v1/resources/${webId}`)).body.inUse.runningContainers, 2, 'the last snapshot stays');
      // an engine under the default policy polls the same cluster: refused before any connection
      await ts.store.db.updateTable('workload_clusters').set({ next_poll_at: clock.toISOString() }).execute();
      const strict = new Engine({ store: ts.store, queue, log: silentLogger(), now: () => clock });
      const n = requests.length;
      assert.deepEqual(await strict.pollClusters(clock), { polled: 0, failed: 1, scan: [] });
      assert.equal(requests.length, n, 'nothing contacted');
      c = (await call(app, 'GET', '/v1/workloads/kubernetes/clusters')).body.items[0];
      assert.match(c.lastError, /not allowed/);
    });

    test('deleting the cluster drops its snapshot', async () => {
      assert.equal((await call(app, 'DELETE', '/v1/workloads/kubernetes/clusters/lab')).status, 204);
      assert.equal((await call(app, 'DELETE', '/v1/workloads/kubernetes/clusters/lab')).status, 404);
      const web = (await call(app, 'GET', `/v1/resources/${webId}`)).body;
      assert.deepEqual(web.inUse, { runningContainers: 0, clusters: [], lastInUseAt: clock.toISOString() });
    });
  });
}
