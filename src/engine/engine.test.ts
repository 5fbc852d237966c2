/**
 * The engine's decisions without the network, on SQLite and PostgreSQL: tag moves and catalog
 * states, notification envelopes, rescan eligibility, stale agents, removed targets, webhook
 * signatures, agent reports, the watched function directory. End-to-end runs with real registries,
 * sshd and git are in test/engine-e2e.test.ts and test/engine-targets.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { makeZip } from '../../test/helpers/zip.ts';
import { overlappingJar } from '../../test/helpers/hostile.ts';
import { applySuppressionRules, createSuppressionRule, recordScan } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { recordAgentReport } from './agent.ts';
import { randomUUID } from 'node:crypto';
import type { VigilError } from '../model/errors.ts';
import { createTarget, Engine, getTarget, parsePushWebhook, putBlob, scanResource, setFunctionVersion, type Target } from './index.ts';
import { openQueue, type JobQueue } from './queue/index.ts';
import { applyTags, handleRegistryEvents } from './registry.ts';
import { scanWatchDir } from './sources.ts';

const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;

for (const [dialect, make] of dialects) {
  describe(`engine (${dialect})`, () => {
    let ts: TestStore;
    let queue: JobQueue;
    let engine: Engine;
    let accountId: string;
    let clock = new Date('2026-01-01T00:00:00.000Z');
    let registry: Target;

    before(async () => {
      ts = await make();
      const b = await bootstrap(ts.store);
      accountId = b!.delegatedAdmin.id;
      queue = await openQueue(ts.store, { log: silentLogger() });
      engine = new Engine({ store: ts.store, queue, log: silentLogger(), now: () => clock });
      registry = await createTarget(ts.store, { accountId, kind: 'registry', config: { url: 'http://127.0.0.1:5999', pollSeconds: 0 } }, clock);
    });
    after(async () => {
      await queue?.stop();
      await ts?.cleanup();
    });

    const image = (id: string) => ts.store.db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const findingStatuses = async (id: string) => (await ts.store.db.selectFrom('findings').select('status').where('resource_id', '=', id).execute()).map((f) => f.status);
    const pretendScanned = async (id: string) => {
      const r = await image(id);
      await recordScan(ts.store, {
        accountId, resource: { id, type: 'image', name: r.name, digest: r.digest ?? undefined, tags: JSON.parse(r.tags) },
        result: scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.4', location: 'app/package-lock.json' }], [{ pkg: 0, id: 'GHSA-test-0001', severity: 'HIGH', fixed: '4.17.11' }]),
        now: clock,
      });
    };

    test('a push registers a digest with its tag; a second push of the tag untags the first and closes its findings', async () => {
      const a = await applyTags(engine.ctx, registry, 'app', new Map([['latest', DIGEST('a')]]), false);
      assert.equal(a.scan.length, 1);
      const first = a.scan[0];
      assert.deepEqual(JSON.parse((await image(first)).tags), ['latest']);
      assert.equal((await image(first)).coverage_reason, 'PENDING_INITIAL_SCAN');
      await pretendScanned(first);
      assert.deepEqual(await findingStatuses(first), ['ACTIVE']);
      // another tag on the same digest: no new scan
      const same = await applyTags(engine.ctx, registry, 'app', new Map([['v1', DIGEST('a')]]), false);
      assert.deepEqual(same.scan, []);
      assert.deepEqual(JSON.parse((await image(first)).tags), ['latest', 'v1']);
      // latest moves; v1 keeps the old digest tagged
      const moved = await applyTags(engine.ctx, registry, 'app', new Map([['latest', DIGEST('b')]]), false);
      assert.equal(moved.scan.length, 1);
      assert.deepEqual(moved.untagged, []);
      assert.deepEqual(JSON.parse((await image(first)).tags), ['v1']);
      // v1 moves too: the old digest has no tag left
      const gone = await applyTags(engine.ctx, registry, 'app', new Map([['v1', DIGEST('b')]]), false);
      assert.deepEqual(gone.untagged, [first]);
      const r = await image(first);
      assert.equal(r.coverage_status, 'INACTIVE');
      assert.equal(r.coverage_reason, 'IMAGE_UNTAGGED');
      assert.deepEqual(await findingStatuses(first), ['CLOSED']);
      // the tag comes back: scanned again (its findings reopen through the scan)
      const back = await applyTags(engine.ctx, registry, 'app', new Map([['old', DIGEST('a')]]), false);
      assert.deepEqual(back.scan, [first]);
      await pretendScanned(first);
      assert.deepEqual(await findingStatuses(first), ['ACTIVE']);
    });

    test('a full catalog state untags digests that no tag names', async () => {
      const c = await applyTags(engine.ctx, registry, 'app', new Map([['latest', DIGEST('b')]]), true);
      // b was never scanned: queued again (scan jobs are singletons, so a pending one is not doubled)
      assert.equal(c.scan.length, 1);
      const rows = await ts.store.db.selectFrom('resources').select(['digest', 'tags', 'coverage_reason']).where('target_id', '=', registry.id).orderBy('digest').execute();
      assert.deepEqual(rows.map((r) => [r.digest, JSON.parse(r.tags), r.coverage_reason]), [
        [DIGEST('a'), [], 'IMAGE_UNTAGGED'],
        [DIGEST('b'), ['latest'], 'PENDING_INITIAL_SCAN'],
      ]);
    });

    test('notification envelopes: tagged manifest pushes count, blobs, child manifests, other repositories are ignored; pulls dated', async () => {
      const filtered = await createTarget(ts.store, { accountId, kind: 'registry', config: { url: '127.0.0.1:5998', repositories: ['team/*'], pollSeconds: 0 } }, clock);
      const out = await handleRegistryEvents(engine.ctx, filtered, {
        events: [
          { action: 'push', target: { repository: 'team/api', tag: '1.0', digest: DIGEST('c'), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
          { action: 'push', target: { repository: 'team/api', digest: DIGEST('d'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' } },
          { action: 'push', target: { repository: 'team/api', digest: DIGEST('e'), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
          { action: 'push', target: { repository: 'other/x', tag: 'latest', digest: DIGEST('f'), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
          { action: 'pull', target: { repository: 'team/api', digest: DIGEST('c'), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
        ],
      });
      assert.deepEqual({ pushes: out.pushes, pulls: out.pulls, ignored: out.ignored, scan: out.scan.length }, { pushes: 1, pulls: 1, ignored: 3, scan: 1 });
      const r = await image(out.scan[0]);
      assert.equal(r.name, '127.0.0.1:5998/team/api');
      assert.equal(r.last_pulled_at, clock.toISOString());
    });

    test('rescan duration: from the push date, or from the last pull; expiry closes findings', async () => {
      const t = await createTarget(ts.store, { accountId, kind: 'registry', config: { url: '127.0.0.1:5997', pollSeconds: 0 } }, clock);
      const { scan: [id] } = await applyTags(engine.ctx, t, 'svc', new Map([['latest', DIGEST('9')]]), false);
      await pretendScanned(id);
      await ts.store.db.updateTable('accounts').set({ scan_settings: JSON.stringify({ mode: 'enhanced', rescanDuration: '14d', rescanFrom: 'pull', autoEnable: true }) }).where('id', '=', accountId).execute();
      clock = new Date(clock.getTime() + 10 * 86_400_000);
      await handleRegistryEvents(engine.ctx, t, { events: [{ action: 'pull', target: { repository: 'svc', digest: DIGEST('9'), mediaType: 'application/vnd.oci.image.manifest.v1+json' } }] });
      clock = new Date(clock.getTime() + 10 * 86_400_000); // 20 days after the push, 10 after the pull
      await engine.expireImages(clock);
      assert.equal((await image(id)).coverage_status, 'ACTIVE', 'a pull 10 days ago keeps it eligible');
      await ts.store.db.updateTable('accounts').set({ scan_settings: JSON.stringify({ mode: 'enhanced', rescanDuration: '14d', rescanFrom: 'push', autoEnable: true }) }).where('id', '=', accountId).execute();
      await engine.expireImages(clock);
      const r = await image(id);
      assert.equal(r.coverage_reason, 'SCAN_ELIGIBILITY_EXPIRED');
      assert.deepEqual(await findingStatuses(id), ['CLOSED']);
      const events = await ts.store.db.selectFrom('events').select('payload').where('type', '=', 'coverage.changed').where('resource_id', '=', id).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      assert.equal(JSON.parse(events.payload).to.reason, 'SCAN_ELIGIBILITY_EXPIRED');
      await ts.store.db.updateTable('accounts').set({ scan_settings: JSON.stringify({ mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true }) }).where('id', '=', accountId).execute();
    });

    test('agent reports: matched at once; no OS → UNSUPPORTED_OS; silent for two days → STALE_INVENTORY', async () => {
      const none = await recordAgentReport(engine, accountId, { hostname: 'mystery', packages: [] });
      assert.equal((await image(none.resourceId)).coverage_reason, 'UNSUPPORTED_OS');
      const ok = await recordAgentReport(engine, accountId, { hostname: 'web-1', machineId: 'm-1', os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' }, packages: [{ ecosystem: 'Debian:12', name: 'bash', version: '5.2.15-2+b2', sourceName: 'bash', locations: ['var/lib/dpkg/status'] }] });
      assert.equal(ok.packages, 1);
      // the same machine under a new name is the same host
      const again = await recordAgentReport(engine, accountId, { hostname: 'web-1-renamed', machineId: 'm-1', os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' }, packages: [] });
      assert.equal(again.resourceId, ok.resourceId);
      assert.equal((await image(ok.resourceId)).coverage_reason, 'SUCCESSFUL');
      clock = new Date(clock.getTime() + 3 * 86_400_000);
      assert.equal(await engine.staleAgents(clock), 1);
      assert.equal((await image(ok.resourceId)).coverage_reason, 'STALE_INVENTORY');
    });

    test('removing a target closes its resources\' findings', async () => {
      const t = await createTarget(ts.store, { accountId, kind: 'registry', config: { url: '127.0.0.1:5996', pollSeconds: 0 } }, clock);
      const { scan: [id] } = await applyTags(engine.ctx, t, 'gone', new Map([['latest', DIGEST('7')]]), false);
      await pretendScanned(id);
      assert.equal(await engine.removeTarget(t), 1);
      assert.equal((await image(id)).coverage_reason, 'RESOURCE_REMOVED');
      assert.deepEqual(await findingStatuses(id), ['CLOSED']);
      assert.equal(await ts.store.db.selectFrom('targets').select('id').where('id', '=', t.id).executeTakeFirst(), undefined);
    });

    test('a suppression rule that expires: the tick returns what it suppressed to ACTIVE, once', async () => {
      const t = await createTarget(ts.store, { accountId, kind: 'registry', config: { url: '127.0.0.1:5995', pollSeconds: 0 } }, clock);
      const { scan: [id] } = await applyTags(engine.ctx, t, 'suppressed', new Map([['latest', DIGEST('8')]]), false);
      await pretendScanned(id);
      await createSuppressionRule(ts.store, { id: 'rule-until', accountId, name: 'lodash for a day', reason: 'tested', criteria: { packages: [{ name: 'lodash' }] }, expiresAt: new Date(clock.getTime() + 86_400_000).toISOString() }, clock);
      await applySuppressionRules(ts.store, accountId, clock);
      assert.deepEqual(await findingStatuses(id), ['SUPPRESSED']);
      assert.deepEqual(await engine.expireRules(clock), [], 'not expired yet');
      const later = new Date(clock.getTime() + 2 * 86_400_000);
      assert.deepEqual(await engine.expireRules(later), [accountId]);
      assert.deepEqual(await findingStatuses(id), ['ACTIVE']);
      assert.deepEqual(await engine.expireRules(new Date(later.getTime() + 60_000)), [], 'an expired rule is handled once');
    });

    test('a watched directory: each zip is a function, a changed file a new version', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vigil-watch-'));
      try {
        await writeFile(join(dir, 'thumbs.zip'), makeZip([{ name: 'index.js', data: 'exports.h = 1' }]));
        await mkdir(join(dir, 'thumbs.layers'));
        await writeFile(join(dir, 'thumbs.layers', '1.zip'), makeZip([{ name: 'nodejs/node_modules/x/package.json', data: '{"name":"x","version":"1.0.0"}' }]));
        await writeFile(join(dir, 'broken.zip'), 'not a zip');
        const first = await scanWatchDir(engine.ctx, dir, accountId);
        assert.equal(first.length, 1);
        assert.deepEqual(await scanWatchDir(engine.ctx, dir, accountId), first, 'not scanned yet: queued again');
        await ts.store.db.updateTable('resources').set({ coverage_status: 'ACTIVE', coverage_reason: 'SUCCESSFUL' }).where('id', '=', first[0]).execute();
        assert.deepEqual(await scanWatchDir(engine.ctx, dir, accountId), [], 'scanned and unchanged: nothing to scan');
        await writeFile(join(dir, 'thumbs.zip'), makeZip([{ name: 'index.js', data: 'exports.h = 2' }]));
        assert.deepEqual(await scanWatchDir(engine.ctx, dir, accountId), first);
        const attrs = JSON.parse((await image(first[0])).attributes);
        assert.equal(attrs.layerDigests.length, 1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('scan failures are visible on the function and its resource, SCAN_FAILED; the next recorded scan clears them; a lost claim records nothing', async () => {
      const fn = await createTarget(ts.store, { accountId, kind: 'function', name: 'visible', config: {} }, clock);
      const junk = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x41)]);
      const bad = await setFunctionVersion(engine.ctx, fn, await putBlob(ts.store, accountId, junk, 'application/zip', clock), []);
      const failed = await engine.scanNow(bad.resourceId); // in the isolated scan process
      assert.equal(failed.status, 'failed', JSON.stringify(failed));
      const r = await image(bad.resourceId);
      assert.equal(r.coverage_reason, 'SCAN_FAILED');
      const lastError = JSON.parse(r.attributes).lastError as string;
      assert.ok(lastError && !lastError.includes(tmpdir()), lastError);
      assert.equal((await getTarget(ts.store, fn.id))!.lastError, lastError);
      const events = async () => (await ts.store.db.selectFrom('events').select('id').where('type', '=', 'scan.completed').where('resource_id', '=', bad.resourceId).execute()).length;
      assert.equal(await events(), 0);
      // a job that is not this run's (its lease was lost and it was claimed again): nothing recorded
      const good = await setFunctionVersion(engine.ctx, fn, await putBlob(ts.store, accountId, makeZip([{ name: 'Django-2.2.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: Django\nVersion: 2.2.0\n' }]), 'application/zip', clock), []);
      await assert.rejects(scanResource(engine.ctx, good.resourceId, { fence: { name: 'engine-scan', id: randomUUID(), attempt: 1, leaseSeconds: 60 } }), (err: VigilError) => err.rule === 'lease-lost');
      assert.equal(await events(), 0);
      assert.equal((await image(good.resourceId)).coverage_reason, 'SCAN_FAILED');
      // the next recorded scan clears the errors of both
      const ok = await engine.scanNow(good.resourceId);
      assert.equal(ok.status, 'recorded', JSON.stringify(ok));
      assert.equal(await events(), 1);
      assert.equal((await image(good.resourceId)).coverage_reason, 'SUCCESSFUL');
      assert.equal(JSON.parse((await image(good.resourceId)).attributes).lastError, undefined);
      assert.equal((await getTarget(ts.store, fn.id))!.lastError, null);
    });

    test('a function whose zip skips files for a limit: coverage SUCCESSFUL, marked partial; a complete rescan clears it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vigil-watch-'));
      try {
        const pkg = { name: 'nodejs/node_modules/x/package.json', data: '{"name":"x","version":"1.0.0"}' };
        await writeFile(join(dir, 'bomb.zip'), overlappingJar(Buffer.from('same'), 20, [pkg]));
        const [id] = await scanWatchDir(engine.ctx, dir, accountId);
        const out = await scanResource(engine.ctx, id);
        assert.equal(out.status, 'recorded');
        const r = await image(id);
        assert.deepEqual([r.coverage_status, r.coverage_reason], ['ACTIVE', 'SUCCESSFUL']);
        assert.deepEqual(JSON.parse(r.attributes).partial, { skipped: 19, rules: { 'overlapping-entries': 19 }, examples: [{ path: JSON.parse(r.attributes).partial.examples[0].path, rule: 'overlapping-entries', count: 19 }] });
        assert.equal((await ts.store.db.selectFrom('resource_packages').select('name').where('resource_id', '=', id).execute()).length, 1, 'the rest of the zip was read');
        await writeFile(join(dir, 'bomb.zip'), makeZip([pkg]));
        const [again] = await scanWatchDir(engine.ctx, dir, accountId);
        await scanResource(engine.ctx, again);
        assert.equal(JSON.parse((await image(again)).attributes).partial, undefined);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('push webhooks', () => {
  const target = { id: 'rep-1', accountId: 'a', kind: 'repository', name: 'r', config: { url: '/x', branch: 'main', webhookSecret: 's3cret-s3cret' }, state: {}, status: 'ENABLED' } as unknown as Target;
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));
  const sign = (b: Buffer, secret = 's3cret-s3cret') => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;
  const sha = 'a'.repeat(40);

  test('GitHub: signed push of the branch → its commit; other branches, pings, deletions → nothing', () => {
    const push = body({ ref: 'refs/heads/main', after: sha });
    assert.deepEqual(parsePushWebhook(target, { 'x-hub-signature-256': sign(push), 'x-github-event': 'push' }, push), { commit: sha, provider: 'github' });
    const other = body({ ref: 'refs/heads/dev', after: sha });
    assert.equal(parsePushWebhook(target, { 'x-hub-signature-256': sign(other) }, other).commit, null);
    const ping = body({ zen: 'Keep it logically awesome.' });
    assert.equal(parsePushWebhook(target, { 'x-hub-signature-256': sign(ping), 'x-github-event': 'ping' }, ping).commit, null);
    const del = body({ ref: 'refs/heads/main', after: '0'.repeat(40) });
    assert.equal(parsePushWebhook(target, { 'x-hub-signature-256': sign(del) }, del).commit, null);
  });

  test('GitHub: a signature over other bytes or with another secret → 401', () => {
    const push = body({ ref: 'refs/heads/main', after: sha });
    assert.throws(() => parsePushWebhook(target, { 'x-hub-signature-256': sign(push, 'other-secret') }, push), { code: 'VIGIL_UNAUTHORIZED' });
    assert.throws(() => parsePushWebhook(target, { 'x-hub-signature-256': sign(push) }, Buffer.concat([push, Buffer.from(' ')])), { code: 'VIGIL_UNAUTHORIZED' });
    assert.throws(() => parsePushWebhook(target, {}, push), { code: 'VIGIL_UNAUTHORIZED' });
  });

  test('GitLab: token header, checkout_sha; bad payloads are named', () => {
    const push = body({ object_kind: 'push', ref: 'refs/heads/main', before: '0'.repeat(40), after: sha, checkout_sha: 'b'.repeat(40) });
    assert.deepEqual(parsePushWebhook(target, { 'x-gitlab-token': 's3cret-s3cret', 'x-gitlab-event': 'Push Hook' }, push), { commit: 'b'.repeat(40), provider: 'gitlab' });
    assert.throws(() => parsePushWebhook(target, { 'x-gitlab-token': 'nope' }, push), { code: 'VIGIL_UNAUTHORIZED' });
    const notJson = Buffer.from('ref=main');
    assert.throws(() => parsePushWebhook(target, { 'x-gitlab-token': 's3cret-s3cret' }, notJson), { code: 'VIGIL_INVALID_INPUT' });
    const noRef = body({ after: sha });
    assert.throws(() => parsePushWebhook(target, { 'x-gitlab-token': 's3cret-s3cret' }, noRef), /no "ref"/);
  });
});
