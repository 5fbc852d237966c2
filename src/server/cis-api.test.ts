/**
 * CIS scans in the server (issue 18), on SQLite and PostgreSQL: scan configurations through the
 * API (validation, tenancy), a daily schedule in a time zone run by the engine's tick at its time
 * (clock injected), targets chosen by account and resource tag, each assessed in the isolated scan
 * process — a root filesystem (a copy of the real bookworm root) and an agent host (`vigil agent`'s
 * own collection over the same root, its assessment made "on the host") — results by target and by
 * check, evidence, CSV/JSON reports, history and trend across two days with a deviation between.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { collectAgentReport } from '../cli/agent.ts';
import { cisContentFilter, evaluateBenchmark, loadBenchmarks } from '../detectors/cis/index.ts';
import { skopeoCopy, startRegistry, which } from '../sources/registry/testutil.ts';
import { HOW, needsAll } from '../../test/helpers/prereq.ts';
import { sshdUnavailable, startSshd } from '../sources/ssh/testutil.ts';
import { recordAgentReport } from '../engine/agent.ts';
import { createTarget, Engine, ensureTargetResource, type Target } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { openTarget } from '../sources/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();
const OCI = resolve(import.meta.dirname, '..', '..', '.cache', 'targets', 'oci');
const registryBin = await which('docker-registry', 'registry');
const sshdMissing = sshdUnavailable();
const registryMissing = needsAll([
  ['docker-registry', registryBin, HOW.apt('docker-registry')],
  ['skopeo', await which('skopeo'), HOW.apt('skopeo')],
  ['targets: OCI layout', existsSync(join(OCI, 'index.json')), HOW.targets],
]);
const PRISTINE = resolve(import.meta.dirname, '..', '..', '.cache', 'targets', 'rootfs-bookworm');
const have = existsSync(join(PRISTINE, 'etc', 'os-release'));

for (const [dialect, make] of dialects) {
  describe(`CIS scans in the server (${dialect})`, { skip: !have && 'no .cache/targets/rootfs-bookworm (see docs/REAL-TARGETS.md)', concurrency: false }, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let tmp: string;
    let root: string;
    let admin: string;
    let adminAccount: string;
    let member: { id: string; key: string };
    let other: { key: string; account: string };
    let rootfsTarget: Target;
    let rootfsResource: string;
    let agentResource: string;
    let untaggedResource: string;
    // Sunday 2026-12-06 23:30 UTC: 00:30 on Monday in Paris
    let clock = new Date('2026-12-06T23:30:00.000Z');

    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
      adminAccount = b.delegatedAdmin.id;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'member');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'analyst', 'analyst')).key };
      const o = await repo.createOrganization(ts.store.db, { name: 'other', scanSettings: b.organization.scanSettings });
      other = { key: o.adminKey.key, account: o.delegatedAdmin.id };
      tmp = mkdtempSync(join(tmpdir(), 'vigil-cis-api-'));
      root = join(tmp, 'rootfs');
      execFileSync('cp', ['-a', PRISTINE, root]);
      queue = await openQueue(ts.store, { log });
      const policy = await TargetPolicy.forTenants({ allowPaths: [tmp], allowNetworks: ['127.0.0.0/8'] });
      engine = new Engine({ store: ts.store, queue, log, now: () => clock, policy });
      app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine });
      // a root filesystem (tagged env=prod below), another one left untagged, and an agent host that tags itself
      rootfsTarget = await createTarget(ts.store, { accountId: adminAccount, kind: 'rootfs', name: 'web-1', config: { path: root } }, clock);
      rootfsResource = await ensureTargetResource(engine.ctx, rootfsTarget, { ref: root });
      const plain = await createTarget(ts.store, { accountId: adminAccount, kind: 'rootfs', name: 'batch-1', config: { path: root } }, clock);
      untaggedResource = await ensureTargetResource(engine.ctx, plain, { ref: root });
      const report = await collectAgentReport(root, 'agent-1', { cis: true, tags: { env: 'prod', team: 'payments' } });
      assert.ok(report.cis, 'the agent made its assessment');
      agentResource = (await recordAgentReport(engine, adminAccount, report)).resourceId;
    });
    after(async () => {
      await app?.close();
      await queue?.stop();
      await ts?.cleanup();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });
    const call = (method: string, url: string, key: string, payload?: unknown) =>
      app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    /** runs every target job of a scan (what the engine's workers do) */
    const runTargets = async (scanId: string) => {
      const ts2 = await ts.store.db.selectFrom('cis_scan_targets').select('resource_id').where('scan_id', '=', scanId).execute();
      for (const t of ts2) await engine.cisTargetNow(scanId, t.resource_id);
    };

    test('resource tags: set through the API, reported by the agent (which never overwrites an API tag), validated, tenancy', async () => {
      const put = await call('PUT', `/v1/resources/${rootfsResource}/tags`, admin, { tags: { env: 'prod', 'cost center': 'web/eu-1' } });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json().tags, { 'cost center': 'web/eu-1', env: 'prod' });
      assert.deepEqual((await call('GET', `/v1/resources/${agentResource}/tags`, admin)).json().tags, { env: 'prod', team: 'payments' });
      // an API tag on the agent host wins over the agent's next report
      assert.equal((await call('PUT', `/v1/resources/${agentResource}/tags`, admin, { tags: { team: 'platform' } })).statusCode, 200);
      await recordAgentReport(engine, adminAccount, { hostname: 'agent-1', packages: [], tags: { env: 'prod', team: 'payments', rack: 'r7' } });
      assert.deepEqual((await call('GET', `/v1/resources/${agentResource}/tags`, admin)).json().tags, { env: 'prod', rack: 'r7', team: 'platform' });
      // a report without a tag it sent before drops it
      await recordAgentReport(engine, adminAccount, { hostname: 'agent-1', packages: [], tags: { env: 'prod', team: 'payments' } });
      assert.deepEqual((await call('GET', `/v1/resources/${agentResource}/tags`, admin)).json().tags, { env: 'prod', team: 'platform' });
      const bad = await call('PUT', `/v1/resources/${rootfsResource}/tags`, admin, { tags: { 'bad;key': 'x' } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /bad;key/);
      assert.match(bad.body, /letters, digits, spaces/, 'the rule, not only "invalid key"');
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      assert.equal((await call('PUT', `/v1/resources/${rootfsResource}/tags`, admin, { tags: many })).statusCode, 400);
      assert.equal((await call('GET', `/v1/resources/${rootfsResource}/tags`, other.key)).statusCode, 404);
      assert.equal((await call('PUT', `/v1/resources/${rootfsResource}/tags`, member.key, { tags: { a: 'b' } })).statusCode, 404);
      const del = await call('DELETE', `/v1/resources/${rootfsResource}/tags?keys=cost%20center`, admin);
      assert.deepEqual(del.json().tags, { env: 'prod' });
      // an agent report's tags are checked as the API checks them
      await assert.rejects(recordAgentReport(engine, adminAccount, { hostname: 'agent-1', packages: [], tags: { ['x'.repeat(129)]: 'v' } }), /tags\.x+: /);
    });

    test('configurations: validated (schedule, time zone, level, targets), tenancy on the accounts named', async () => {
      const bad = [
        { name: 'x', securityLevel: 'LEVEL_3', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount] } },
        { name: 'x', securityLevel: 'LEVEL_1', schedule: { daily: { startTime: { timeOfDay: '25:00', timezone: 'UTC' } } }, targets: { accountIds: [adminAccount] } },
        { name: 'x', securityLevel: 'LEVEL_1', schedule: { daily: { startTime: { timeOfDay: '02:00', timezone: 'Europe/Atlantis' } } }, targets: { accountIds: [adminAccount] } },
        { name: 'x', securityLevel: 'LEVEL_1', schedule: { weekly: { days: ['MON'], startTime: { timeOfDay: '02:00', timezone: 'UTC' } } }, targets: { accountIds: [] } },
        { name: 'x', securityLevel: 'LEVEL_1', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount], resourceTypes: ['function'] } },
      ];
      for (const body of bad) {
        const r = await call('POST', '/v1/cis/scan-configurations', admin, body);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      }
      const tz = await call('POST', '/v1/cis/scan-configurations', admin, bad[2]);
      assert.match(tz.body, /IANA/);
      // another organization's account is not in sight: 404, as for any object out of sight
      const foreign = await call('POST', '/v1/cis/scan-configurations', admin, { name: 'x', securityLevel: 'LEVEL_1', schedule: { oneTime: {} }, targets: { accountIds: [other.account] } });
      assert.equal(foreign.statusCode, 404);
      // a member may target only itself
      const up = await call('POST', '/v1/cis/scan-configurations', member.key, { name: 'x', securityLevel: 'LEVEL_1', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount] } });
      assert.equal(up.statusCode, 404);
    });

    test('a daily schedule at 02:00 Europe/Paris runs at its time, on the tagged resources only; results match the evaluator; report and trend', async (t) => {
      const created = await call('POST', '/v1/cis/scan-configurations', admin, {
        name: 'prod nightly', securityLevel: 'LEVEL_1',
        schedule: { daily: { startTime: { timeOfDay: '02:00', timezone: 'Europe/Paris' } } },
        targets: { accountIds: [adminAccount, member.id], resourceTags: { env: ['prod'] } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const cfg = created.json();
      // 02:00 in Paris (UTC+1 in December) is 01:00 UTC on Monday
      assert.equal(cfg.nextRunAt, '2026-12-07T01:00:00.000Z');
      assert.equal((await call('GET', `/v1/cis/scan-configurations/${cfg.id}`, member.key)).statusCode, 404, 'a member does not see the admin\'s configuration');

      // before its time: nothing
      clock = new Date('2026-12-07T00:59:00.000Z');
      await engine.tick();
      assert.equal((await call('GET', '/v1/cis/scans', admin)).json().items.length, 0);
      // at its time: one scan, the two prod resources (the untagged root filesystem is left out)
      clock = new Date('2026-12-07T01:00:20.000Z');
      await engine.tick();
      await engine.tick(); // a second tick in the same minute starts nothing more
      const scans = (await call('GET', '/v1/cis/scans', admin)).json().items;
      assert.equal(scans.length, 1, JSON.stringify(scans));
      const scan = scans[0];
      assert.equal(scan.scanDate, '2026-12-07T01:00:00.000Z');
      assert.equal(scan.scheduledBy, 'schedule');
      assert.equal(scan.status, 'IN_PROGRESS');
      assert.deepEqual(scan.targets, { total: 2, done: 0 });
      assert.equal((await call('GET', `/v1/cis/scan-configurations/${cfg.id}`, admin)).json().nextRunAt, '2026-12-08T01:00:00.000Z');
      const queued = await ts.store.db.selectFrom('cis_scan_targets').select(['resource_id', 'status']).where('scan_id', '=', scan.id).execute();
      assert.deepEqual(queued.map((x) => x.resource_id).sort(), [rootfsResource, agentResource].sort());
      assert.ok(!queued.some((x) => x.resource_id === untaggedResource));

      await runTargets(scan.id);
      const done = (await call('GET', `/v1/cis/scans/${scan.id}`, admin)).json();
      assert.equal(done.status, 'COMPLETED', JSON.stringify(done));
      assert.deepEqual(done.targets, { total: 2, done: 2 });
      const targets = (await call('GET', `/v1/cis/scans/${scan.id}/targets`, admin)).json().items;
      assert.deepEqual(targets.map((x: { resourceName: string; status: string; benchmarkId: string }) => [x.resourceName, x.status, x.benchmarkId]).sort(),
        [['agent-1', 'COMPLETED', 'debian-12'], ['web-1', 'COMPLETED', 'debian-12']]);

      // the root filesystem's results are the evaluator's own over the same files (Level 1), at the
      // engine's time: a check of dates (5.4.1.6, no password change in the future) reads the clock,
      // and a target built after the injected day (a fresh CI machine) fails it there
      const [bench] = (await loadBenchmarks()).filter((b) => b.id === 'debian-12');
      const fs = await openTarget(root, 'rootfs');
      const direct = await evaluateBenchmark(fs, bench, { level: 1, now: clock });
      // the agent host assessed itself by its own clock (collectAgentReport above, at the real time)
      const atAgent = await evaluateBenchmark(fs, bench, { level: 1 });
      await fs.close();
      const mine = (await call('GET', `/v1/cis/scans/${scan.id}/results?resourceId=${rootfsResource}&limit=2000`, admin)).json();
      assert.equal(mine.items.length, direct.checks.length);
      assert.deepEqual(mine.items.map((x: { checkId: string; status: string }) => `${x.checkId} ${x.status}`), direct.checks.map((c) => `${c.id} ${c.status}`));
      assert.ok(mine.items.every((x: { level: number }) => x.level === 1), 'Level 1 only');
      const web = targets.find((x: { resourceName: string }) => x.resourceName === 'web-1');
      assert.equal(web.counts.passed, direct.counts.PASS);
      assert.equal(web.counts.failed, direct.counts.FAIL);
      assert.equal(done.checks.total, 2 * direct.checks.length, 'both targets hold every Level 1 check');
      t.diagnostic(`scan ${scan.id}: ${JSON.stringify(done.checks)}`);

      // the agent host: its own assessment (made on the host, Level 2) cut to Level 1 — the same files, the same statuses
      const agent = (await call('GET', `/v1/cis/scans/${scan.id}/results?resourceId=${agentResource}&limit=2000`, admin)).json();
      assert.deepEqual(agent.items.map((x: { checkId: string; status: string }) => `${x.checkId} ${x.status}`), atAgent.checks.map((c) => `${c.id} ${c.status}`));

      // by check: every Level 1 check, its status counted over the two targets
      const checks = (await call('GET', `/v1/cis/scans/${scan.id}/checks`, admin)).json().items;
      assert.equal(checks.length, direct.checks.length);
      for (const c of checks) assert.equal(Object.values(c.counts as Record<string, number>).reduce((a, b) => a + b, 0), 2, c.checkId);
      const failing = (await call('GET', `/v1/cis/scans/${scan.id}/checks?status=FAIL`, admin)).json().items;
      assert.equal(failing.length, direct.counts.FAIL);
      // evidence: the sshd check names the file
      const sshd = (await call('GET', `/v1/cis/scans/${scan.id}/results?checkId=5.1.7&resourceId=${rootfsResource}`, admin)).json().items;
      assert.equal(sshd.length, direct.checks.filter((c) => c.id === '5.1.7').length);

      // reports
      const json = await call('GET', `/v1/cis/scans/${scan.id}/report?format=json`, admin);
      assert.equal(json.statusCode, 200);
      assert.match(json.headers['content-disposition'] as string, new RegExp(`vigil-cis-${scan.id}\\.json`));
      assert.equal(JSON.parse(json.body).results.length, 2 * direct.checks.length);
      const csv = await call('GET', `/v1/cis/scans/${scan.id}/report?format=csv&status=FAIL`, admin);
      assert.match(csv.headers['content-type'] as string, /^text\/csv/);
      const rows = csv.body.trim().split('\n');
      assert.equal(rows[0], 'scan_id,scan_date,account_id,resource_id,resource_name,resource_type,benchmark,check_id,level,status,title,path,line,found,expected,message');
      assert.ok(rows.slice(1).every((l) => l.includes(',FAIL,')), 'only failed results');

      // day two: /etc/passwd made world-writable on the root filesystem; the next run at its time shows it in the trend
      chmodSync(join(root, 'etc/passwd'), 0o666);
      clock = new Date('2026-12-08T01:00:05.000Z');
      await engine.tick();
      const second = (await call('GET', `/v1/cis/scans?configurationId=${cfg.id}`, admin)).json().items[0];
      assert.notEqual(second.id, scan.id);
      await runTargets(second.id);
      const trend = (await call('GET', `/v1/cis/trend?configurationId=${cfg.id}`, admin)).json().items;
      assert.deepEqual(trend.map((x: { scanDate: string }) => x.scanDate), ['2026-12-07T01:00:00.000Z', '2026-12-08T01:00:00.000Z']);
      const mineTrend = (await call('GET', `/v1/cis/trend?configurationId=${cfg.id}&resourceId=${rootfsResource}`, admin)).json().items;
      assert.ok(mineTrend[1].failed > mineTrend[0].failed, JSON.stringify(mineTrend));
      assert.ok(mineTrend[1].passRate < mineTrend[0].passRate);
      const failedIds = async (scanId: string) => new Set((await call('GET', `/v1/cis/scans/${scanId}/results?resourceId=${rootfsResource}&status=FAIL&limit=2000`, admin)).json().items.map((x: { checkId: string }) => x.checkId));
      const before1 = await failedIds(scan.id);
      const newly = (await call('GET', `/v1/cis/scans/${second.id}/results?resourceId=${rootfsResource}&status=FAIL&limit=2000`, admin)).json().items.filter((x: { checkId: string }) => !before1.has(x.checkId));
      assert.ok(newly.length >= 1);
      assert.ok(newly.some((x: { evidence: { path?: string; found?: string }[] }) => x.evidence.some((e) => e.path === '/etc/passwd')), JSON.stringify(newly));
      chmodSync(join(root, 'etc/passwd'), 0o644);

      // run now, and cancel: a scan started by the API, its targets not yet assessed CANCELLED
      const now = await call('POST', `/v1/cis/scan-configurations/${cfg.id}/run`, admin);
      assert.equal(now.statusCode, 202, now.body);
      assert.equal(now.json().scheduledBy, 'api');
      const cancelled = (await call('POST', `/v1/cis/scans/${now.json().id}/cancel`, admin)).json();
      assert.equal(cancelled.status, 'CANCELLED');
      await runTargets(now.json().id); // a job delivered after the cancel records nothing
      const ct = (await call('GET', `/v1/cis/scans/${now.json().id}/targets`, admin)).json().items;
      assert.ok(ct.every((x: { status: string }) => x.status === 'CANCELLED'), JSON.stringify(ct));
      assert.equal((await call('GET', `/v1/cis/scans/${scan.id}`, other.key)).statusCode, 404);
    });

    test('a one-time configuration runs once; an agent host without an assessment and a stale one are SKIPPED with why; an OS without a benchmark is UNSUPPORTED_OS', async () => {
      // a second agent host that sent no assessment (--no-cis), and an Alpine-like root with no benchmark
      await recordAgentReport(engine, adminAccount, { hostname: 'agent-2', packages: [], tags: { env: 'edge' } });
      const alpine = join(tmp, 'alpine');
      execFileSync('mkdir', ['-p', join(alpine, 'etc')]);
      writeFileSync(join(alpine, 'etc/os-release'), 'ID=alpine\nVERSION_ID=3.19.1\n');
      const at = await createTarget(ts.store, { accountId: adminAccount, kind: 'rootfs', name: 'alpine-1', config: { path: alpine } }, clock);
      const alpineResource = await ensureTargetResource(engine.ctx, at, { ref: alpine });
      await call('PUT', `/v1/resources/${alpineResource}/tags`, admin, { tags: { env: 'edge' } });
      const created = (await call('POST', '/v1/cis/scan-configurations', admin, { name: 'edge once', securityLevel: 'LEVEL_2', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount], resourceTags: { env: ['edge'] } } })).json();
      assert.equal(created.nextRunAt, clock.toISOString());
      await engine.tick();
      await engine.tick();
      const scans = (await call('GET', `/v1/cis/scans?configurationId=${created.id}`, admin)).json().items;
      assert.equal(scans.length, 1);
      assert.equal((await call('GET', `/v1/cis/scan-configurations/${created.id}`, admin)).json().status, 'DONE');
      await runTargets(scans[0].id);
      const targets = (await call('GET', `/v1/cis/scans/${scans[0].id}/targets`, admin)).json().items;
      assert.deepEqual(targets.map((x: { resourceName: string; status: string; reason: string }) => [x.resourceName, x.status, x.reason]).sort(),
        [['agent-2', 'SKIPPED', 'NO_AGENT_RESULT'], ['alpine-1', 'SKIPPED', 'UNSUPPORTED_OS']]);
      assert.equal((await call('GET', `/v1/cis/scans/${scans[0].id}`, admin)).json().status, 'COMPLETED');

      // three days later agent-1's assessment is stale
      clock = new Date(clock.getTime() + 3 * 86_400_000);
      const run = (await call('POST', '/v1/cis/scan-configurations', admin, { name: 'agents', securityLevel: 'LEVEL_1', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount], resourceTags: { team: ['platform'] } } })).json();
      await engine.tick();
      const s = (await call('GET', `/v1/cis/scans?configurationId=${run.id}`, admin)).json().items[0];
      await runTargets(s.id);
      const t2 = (await call('GET', `/v1/cis/scans/${s.id}/targets`, admin)).json().items;
      assert.deepEqual(t2.map((x: { resourceName: string; reason: string }) => [x.resourceName, x.reason]), [['agent-1', 'STALE_AGENT_RESULT']]);
    });

    test('an image in a registry: its files read from the registry (only what the checks read), the same results as `vigil cis image` over the same image', { skip: registryMissing }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-cis-registry-'));
      const reg = await startRegistry(registryBin!, dir);
      try {
        await skopeoCopy(`oci:${OCI}:bookworm`, `docker://${reg.host}/base/bookworm:12`);
        const target = await createTarget(ts.store, { accountId: adminAccount, kind: 'registry', config: { url: `http://${reg.host}`, pollSeconds: 0 } }, clock);
        await engine.pollNow(target.id);
        const image = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', target.id).executeTakeFirstOrThrow();
        await call('PUT', `/v1/resources/${image.id}/tags`, admin, { tags: { tier: 'images' } });
        const cfg = (await call('POST', '/v1/cis/scan-configurations', admin, { name: 'images', securityLevel: 'LEVEL_2', schedule: { oneTime: {} }, targets: { accountIds: [adminAccount], resourceTypes: ['image'], resourceTags: { tier: ['images'] } } })).json();
        await engine.tick();
        const scan = (await call('GET', `/v1/cis/scans?configurationId=${cfg.id}`, admin)).json().items[0];
        assert.deepEqual(scan.targets, { total: 1, done: 0 });
        await runTargets(scan.id);
        const [t] = (await call('GET', `/v1/cis/scans/${scan.id}/targets`, admin)).json().items;
        assert.equal(t.status, 'COMPLETED', JSON.stringify(t));
        assert.equal(t.benchmarkId, 'debian-12');
        const [bench] = (await loadBenchmarks()).filter((b) => b.id === 'debian-12');
        const fs = await openTarget(`${OCI}:bookworm`, 'image', { filter: cisContentFilter });
        const direct = await evaluateBenchmark(fs, bench, { level: 2, now: clock });
        await fs.close();
        const got = (await call('GET', `/v1/cis/scans/${scan.id}/results?limit=2000`, admin)).json().items;
        assert.deepEqual(got.map((x: { checkId: string; status: string }) => `${x.checkId} ${x.status}`), direct.checks.map((c) => `${c.id} ${c.status}`));
      } finally {
        await reg.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('an SSH host on a weekly schedule: read over SSH at its time (a real sshd chrooted into a copy of the bookworm root), the evaluator\'s results on every file check', { skip: sshdMissing }, async () => {
      // sshd wants a root-owned chroot with no group/other-writable component: under /run, not /tmp
      const copy = mkdtempSync('/run/vigil-cis-api-ssh-');
      chmodSync(copy, 0o755);
      execFileSync('cp', ['-a', `${PRISTINE}/.`, copy]);
      const sshd = await startSshd({ chroot: copy });
      try {
        const host = await createTarget(ts.store, { accountId: member.id, kind: 'host', name: 'db-1', config: { mode: 'ssh', address: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.clientKey, hostKeyFingerprint: sshd.hostKeyFingerprint } }, clock);
        const hostResource = await ensureTargetResource(engine.ctx, host, { attributes: { mode: 'ssh' } });
        await call('PUT', `/v1/resources/${hostResource}/tags`, admin, { tags: { role: 'database' } });
        // Wednesdays and Saturdays at 23:15 in New York (UTC-5 in December)
        const cfg = (await call('POST', '/v1/cis/scan-configurations', admin, { name: 'databases', securityLevel: 'LEVEL_1', schedule: { weekly: { days: ['WED', 'SAT'], startTime: { timeOfDay: '23:15', timezone: 'America/New_York' } } }, targets: { accountIds: [member.id], resourceTags: { role: ['database'] } } })).json();
        const due = new Date(cfg.nextRunAt);
        assert.equal(due.getUTCHours(), 4, 'the next day 04:15 UTC');
        assert.equal(due.getUTCMinutes(), 15);
        clock = new Date(due.getTime() - 60_000);
        await engine.tick();
        assert.equal((await call('GET', `/v1/cis/scans?configurationId=${cfg.id}`, admin)).json().items.length, 0, 'not before its time');
        clock = new Date(due.getTime() + 1000);
        await engine.tick();
        const scan = (await call('GET', `/v1/cis/scans?configurationId=${cfg.id}`, admin)).json().items[0];
        assert.equal(scan.scanDate, due.toISOString());
        await runTargets(scan.id);
        const [t] = (await call('GET', `/v1/cis/scans/${scan.id}/targets`, admin)).json().items;
        assert.equal(t.status, 'COMPLETED', JSON.stringify(t));
        assert.equal(t.benchmarkId, 'debian-12');
        const [bench] = (await loadBenchmarks()).filter((b) => b.id === 'debian-12');
        const fs = await openTarget(copy, 'rootfs');
        const direct = await evaluateBenchmark(fs, bench, { level: 1, now: clock });
        await fs.close();
        const got = new Map<string, string>((await call('GET', `/v1/cis/scans/${scan.id}/results?limit=2000`, admin)).json().items.map((x: { checkId: string; status: string }) => [x.checkId, x.status]));
        assert.equal(got.size, direct.checks.length);
        // a chroot has no /proc/sys and no systemd: its running values are unknown over SSH (ERROR), where
        // files alone leave them out. The checks that differ are exactly those whose test also asks for
        // the running kernel parameter (sysctl_live beside sysctl): ASLR 1.5.1 and the network 3.3.x ones
        const differ = direct.checks.filter((c) => got.get(c.id) !== c.status);
        const asksRunning = (id: string) => JSON.stringify(bench.checks.find((c) => c.id === id)?.test ?? {}).includes('sysctl_live');
        assert.deepEqual(differ.filter((c) => !c.live && !asksRunning(c.id)).map((c) => `${c.id}: ${c.status} here, ${got.get(c.id)} over SSH`), []);
        assert.ok(differ.every((c) => got.get(c.id) === 'ERROR'), 'an unknown running value is an ERROR, never a guess');
        // the member sees its host's results in the admin's scan? no: the configuration is the admin's
        assert.equal((await call('GET', `/v1/cis/scans/${scan.id}`, member.key)).statusCode, 404);
      } finally {
        await sshd.stop();
        rmSync(copy, { recursive: true, force: true });
      }
    });

    test('an agent\'s assessment is checked strictly: unknown benchmark or check, bad status → 400 naming the field', async () => {
      const report = (cis: unknown) => call('POST', '/v1/agent/report', admin, { hostname: 'agent-x', packages: [], cis });
      const good = (await collectAgentReport(root, 'agent-x', { cis: true })).cis as { checks: { id: string; status: string }[] };
      const r1 = await report({ ...good, benchmark: { id: 'windows-11', title: 'x', version: '1' } });
      assert.equal(r1.statusCode, 400);
      assert.match(r1.body, /cis\.benchmark\.id/);
      const r2 = await report({ ...good, checks: [{ ...good.checks[0], status: 'MAYBE' }] });
      assert.equal(r2.statusCode, 400);
      assert.match(r2.body, /status/);
      const r3 = await report({ ...good, checks: [{ ...good.checks[0], id: '99.99' }] });
      assert.equal(r3.statusCode, 400);
      assert.match(r3.body, /99\.99/);
    });
  });
}
