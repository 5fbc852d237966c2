/**
 * Crash recovery of the continuous engine, on real parts, on SQLite and on PostgreSQL: `vigil
 * server` as a child process with a short job lease (`--job-lease`), a real docker-registry whose
 * push notifications reach it, skopeo pushing the bullseye-app image, real advisories (PyPI +
 * nodejs-security-wg). The server is made to stop at a chosen point (src/engine/testpoint.ts:
 * VIGIL_TEST_PAUSE_AT, test only; compiled out of the bundle, so the paused server runs from the
 * TypeScript sources), says so on stderr, is killed with SIGKILL there, and restarted on the same
 * database without the pause; the job runs again once its lease ran out, and nothing is lost or
 * duplicated.
 *
 * 1. in the middle of a scan (inventory matched, not yet recorded) → the rerun records exactly
 *    what a clean scan gives (compared with `vigil scan image` of the same image), once
 * 2. after a rematch committed, before the `rematched_change_set` marker moved → the rerun
 *    changes nothing, the marker reaches the change set
 * 3. inside the rematch transaction, its changes written but not committed → rolled back, the
 *    rerun writes them once
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { secretTemplate } from '../src/findings/code.ts';
import { normalizePackageName } from '../src/model/names.ts';
import type { ScanResult } from '../src/model/scan.ts';
import { freePort, skopeoCopy, type RegistryProcess } from '../src/sources/registry/testutil.ts';
import type { Store } from '../src/store/index.ts';
import { pausedLine, type PausePoint } from '../src/engine/testpoint.ts';
import { dialects, type TestStore } from './helpers/stores.ts';
import { registryE2eUnavailable, startRegistryWithNotifications, startServer, TARGETS, vigilCli, VULNDATA, waitFor, type ServerProcess } from './helpers/server.ts';

/** the job lease of every server here: a killed server's job is claimed again this soon */
const LEASE_SECONDS = 3;


function advisory(id: string, pkg: string, fixed: string) {
  return {
    schema_version: '1.6.0', id, modified: '2026-11-20T00:00:00Z', published: '2026-11-20T00:00:00Z',
    summary: `a newer advisory for ${pkg}, imported while the server runs`,
    affected: [{ package: { ecosystem: 'npm', name: pkg }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }],
    database_specific: { severity: 'HIGH' },
  };
}
const ADVISORY_A = advisory('VIGIL-CRASH-2026-0001', 'minimist', '1.2.6');
const ADVISORY_B = advisory('VIGIL-CRASH-2026-0002', 'jquery', '3.5.0');

/** What identifies a finding of a resource (its key without account and resource). */
const identity = (f: { type: string; vulnerability_id: string; package_ecosystem: string; package_name: string; package_location: string }) =>
  [f.type, f.vulnerability_id, f.package_ecosystem, f.package_name, f.package_location].join('|');

/** The identities a clean scan of the image gives: `vigil scan image` of the OCI layout, on the same database. */
async function cleanScanIdentities(home: string, db: string): Promise<string[]> {
  const out = join(home, 'clean-scan.json');
  // the server's enhanced-mode image scans look for secrets too (issue 17)
  await vigilCli(home, db, ['scan', 'image', `${join(TARGETS, 'oci')}:bullseye-app`, '--offline', '--scanners', 'vuln,malware,secret', '--format', 'json', '--output', out]);
  const r = JSON.parse(await readFile(out, 'utf8')) as ScanResult;
  const ids = r.findings.map((f) => {
    const p = r.packages[f.packageIndex];
    return identity({ type: f.type, vulnerability_id: f.vulnerability, package_ecosystem: p.ecosystem, package_name: normalizePackageName(p.ecosystem, p.name), package_location: p.locations?.[0] ?? '' });
  });
  for (const s of r.secrets ?? []) ids.push(identity(secretTemplate(s)));
  return [...new Set(ids)].sort();
}

async function findingsOf(store: Store, resourceId: string) {
  return store.db.selectFrom('findings').selectAll().where('resource_id', '=', resourceId).execute();
}

async function eventsOf(store: Store, resourceId: string, type: string) {
  return store.db.selectFrom('events').select(['id', 'payload', 'created_at']).where('type', '=', type).where('resource_id', '=', resourceId).orderBy('id').execute();
}

async function findingEventCount(store: Store, resourceId: string): Promise<number> {
  const r = await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('type', 'like', 'finding.%').where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function marker(store: Store): Promise<number> {
  const r = await store.db.selectFrom('engine_state').select('value').where('key', '=', 'rematched_change_set').executeTakeFirst();
  return r ? Number(r.value) : 0;
}

async function lastChangeSet(store: Store): Promise<number> {
  const r = await store.db.selectFrom('change_sets').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
  return Number(r.id);
}

interface JobRow { id: string; state: string; attempts: number; singletonKey: string | null }

/** The queue's jobs of one name, read from its tables (the SQLite `jobs` table, pg-boss's `vigil_boss.job`) as JobQueue.getJob reports them. */
async function jobsOf(ts: TestStore, name: string): Promise<JobRow[]> {
  if (ts.store.dialect === 'sqlite') {
    const rows = await ts.store.db.selectFrom('jobs').select(['id', 'state', 'attempts', 'singleton_key']).where('name', '=', name).execute();
    return rows.map((r) => ({ id: r.id, state: r.state, attempts: r.attempts, singletonKey: r.singleton_key }));
  }
  const { rows } = await sql<{ id: string; state: string; retry_count: number; started_on: Date | null; singleton_key: string | null }>`
    select id::text as id, state::text as state, retry_count, started_on, singleton_key from vigil_boss.job where name = ${name}
    union all
    select id::text, state::text, retry_count, started_on, singleton_key from vigil_boss.archive where name = ${name}`.execute(ts.store.db);
  return rows.map((r) => ({
    id: r.id, state: r.state === 'retry' ? 'created' : r.state,
    // retry_count counts re-claims (JobQueue.getJob's rule)
    attempts: r.started_on ? Number(r.retry_count) + 1 : 0, singletonKey: r.singleton_key,
  }));
}

async function activeJob(ts: TestStore, name: string): Promise<JobRow> {
  const active = (await jobsOf(ts, name)).filter((j) => j.state === 'active');
  assert.equal(active.length, 1, `one active ${name} job: ${JSON.stringify(active)}`);
  return active[0];
}

async function jobById(ts: TestStore, name: string, id: string): Promise<JobRow | undefined> {
  return (await jobsOf(ts, name)).find((j) => j.id === id);
}

async function assertSqliteIntact(ts: TestStore): Promise<void> {
  if (ts.store.dialect !== 'sqlite') return;
  const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(ts.store.db);
  assert.deepEqual(rows.map((r) => r.integrity_check), ['ok']);
}

const missing = await registryE2eUnavailable();

for (const [dialect, open] of dialects) {
  describe(`engine crash recovery (${dialect})`, { skip: missing, concurrency: false }, () => {
    let ts: TestStore;
    let home: string;
    let regDir: string;
    let port: number;
    let adminKey = '';
    let server: ServerProcess | undefined;
    let registry: RegistryProcess | undefined;
    let registryId: string;
    let appResource: string;
    let clean: string[];
    let pausedAt: PausePoint | undefined;

    /** `vigil server` on the fixed port (the registry's notifications go there), paused at `pause` if given. */
    async function start(pause?: PausePoint): Promise<ServerProcess> {
      pausedAt = pause;
      server = await startServer({
        home, db: ts.url, args: ['--listen', `127.0.0.1:${port}`, '--tick', '1', '--job-lease', String(LEASE_SECONDS), '--allow-network', '127.0.0.0/8'],
        // the pause points exist only in the sources (testpoint.ts), not in the bundle
        env: pause ? { VIGIL_TEST_PAUSE_AT: pause, VIGIL_FROM_SOURCE: '1' } : { VIGIL_TEST_PAUSE_AT: '' },
        ...(adminKey ? { key: adminKey } : {}),
      });
      return server;
    }

    /** Waits for the server to say on stderr that it reached its pause point. */
    async function killAtPause(): Promise<void> {
      const s = server!;
      const line = pausedLine(pausedAt!);
      await waitFor('the server to reach its pause point', async () => s.output().includes(line) || s.child.exitCode !== null, 180_000, 100);
      assert.equal(s.child.exitCode, null, `the server is still running at its pause point:\n${s.output()}`);
    }

    async function kill9(): Promise<void> {
      await server!.kill9();
      assert.equal(server!.child.signalCode, 'SIGKILL');
      server = undefined;
    }

    /** Imports one advisory with `vigil db import`; returns the change set it made. */
    async function importAdvisory(a: { id: string }): Promise<number> {
      const dir = join(home, a.id);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${a.id}.json`), JSON.stringify(a));
      const before = await lastChangeSet(ts.store);
      await vigilCli(home, ts.url, ['db', 'import', dir]);
      const cs = await lastChangeSet(ts.store);
      assert.ok(cs > before, 'the import made a change set');
      return cs;
    }

    before(async () => {
      ts = await open();
      home = await mkdtemp(join(tmpdir(), 'vigil-crash-'));
      regDir = await mkdtemp(join(tmpdir(), 'vigil-crash-reg-'));
      await vigilCli(home, ts.url, ['db', 'import', join(VULNDATA, 'PyPI', 'all.zip'), join(VULNDATA, 'native', 'nodejs-security-wg', 'all.zip')]);
      clean = await cleanScanIdentities(home, ts.url);
      assert.ok(clean.length > 10, 'the clean scan has findings');
      port = await freePort();
    });

    after(async () => {
      await registry?.stop();
      if (server) {
        const code = await server.stop();
        if (code !== 0) console.log(server.output());
      }
      await ts?.cleanup();
      await rm(home, { recursive: true, force: true });
      await rm(regDir, { recursive: true, force: true });
    });

    test('kill -9 in the middle of a scan: the restarted server scans again and records the clean result once', async () => {
      await start('scan-before-record');
      adminKey = server!.key!;
      assert.ok(adminKey, server!.output());
      const reg = await startRegistryWithNotifications(regDir, server!);
      registry = reg;
      registryId = reg.targetId;
      await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye-app`, `docker://${reg.host}/app:latest`);
      await killAtPause();

      // paused: the resource is known, its scan ran up to recordScan and recorded nothing
      const pending = await ts.store.db.selectFrom('resources').selectAll().where('target_id', '=', registryId).where('type', '=', 'image').executeTakeFirstOrThrow();
      appResource = pending.id;
      assert.equal(pending.coverage_reason, 'PENDING_INITIAL_SCAN');
      const job = await activeJob(ts, 'engine-scan');
      assert.equal(job.attempts, 1);
      assert.equal(job.singletonKey, `${appResource}@`);
      await kill9();
      await assertSqliteIntact(ts);
      assert.equal((await findingsOf(ts.store, appResource)).length, 0);
      assert.equal((await eventsOf(ts.store, appResource, 'scan.completed')).length, 0);

      await start();
      await waitFor('the scan job to run again and complete', async () => (await jobById(ts, 'engine-scan', job.id))?.state === 'completed');
      const r = await ts.store.db.selectFrom('resources').selectAll().where('id', '=', appResource).executeTakeFirstOrThrow();
      assert.equal(r.coverage_status, 'ACTIVE');
      assert.equal(r.coverage_reason, 'SUCCESSFUL');

      // the job ran twice, as one job
      const scans = await jobsOf(ts, 'engine-scan');
      assert.deepEqual(scans.map((j) => [j.id, j.state, j.attempts]), [[job.id, 'completed', 2]]);

      // exactly the clean scan's findings, each once, created once, first observed once
      const fs = await findingsOf(ts.store, appResource);
      assert.deepEqual(fs.map(identity).sort(), clean);
      assert.equal(new Set(fs.map((f) => f.finding_key)).size, fs.length, 'no duplicate finding keys');
      const perVulnPackage = new Map<string, number>();
      for (const f of fs) perVulnPackage.set(identity(f), (perVulnPackage.get(identity(f)) ?? 0) + 1);
      assert.ok([...perVulnPackage.values()].every((n) => n === 1), 'one finding per (vulnerability, package)');
      assert.ok(fs.every((f) => f.status === 'ACTIVE'), 'nothing CLOSED');
      const completed = await eventsOf(ts.store, appResource, 'scan.completed');
      assert.equal(completed.length, 1, 'one scan.completed event');
      assert.deepEqual([...new Set(fs.map((f) => f.first_observed_at))], [completed[0].created_at], 'first observed by the one recorded scan');
      const created = await eventsOf(ts.store, appResource, 'finding.created');
      assert.deepEqual(created.map((e) => (JSON.parse(e.payload) as { findingId: string }).findingId).sort(), fs.map((f) => f.id).sort(), 'one finding.created per finding');
      assert.equal((await eventsOf(ts.store, appResource, 'finding.closed')).length, 0);
      await server!.stop();
      server = undefined;
    });

    test('kill -9 after a rematch committed, before its marker moved: the rerun changes nothing and moves the marker', async () => {
      assert.ok(appResource);
      await start('rematch-before-marker');
      const scansBefore = (await eventsOf(ts.store, appResource, 'scan.completed')).length;
      const cs = await importAdvisory(ADVISORY_A);
      await killAtPause();
      // paused: the rematch's findings are in, the marker is not
      const job = await activeJob(ts, 'engine-rematch');
      assert.equal(job.attempts, 1);
      assert.ok((await marker(ts.store)) < cs);
      const hits = (await findingsOf(ts.store, appResource)).filter((f) => f.advisory_id === ADVISORY_A.id);
      assert.ok(hits.length > 0, 'the rematch committed its findings');
      const findingEvents = await findingEventCount(ts.store, appResource);
      await kill9();
      await assertSqliteIntact(ts);

      await start();
      await waitFor('the marker to reach the change set', async () => (await marker(ts.store)) === cs);
      await waitFor('the rematch job to complete', async () => (await jobById(ts, 'engine-rematch', job.id))?.state === 'completed');
      assert.equal((await jobById(ts, 'engine-rematch', job.id))!.attempts, 2);
      assert.equal(await marker(ts.store), await lastChangeSet(ts.store));

      const fs = await findingsOf(ts.store, appResource);
      const now = fs.filter((f) => f.advisory_id === ADVISORY_A.id);
      assert.deepEqual(now.map((f) => [f.id, f.status, f.first_observed_at, f.updated_at]).sort(), hits.map((f) => [f.id, f.status, f.first_observed_at, f.updated_at]).sort(), 'the rerun left the findings as they were');
      await assertOnceEach(ts.store, appResource, ADVISORY_A.id, 'minimist');
      assert.equal(await findingEventCount(ts.store, appResource), findingEvents, 'the rerun wrote no finding events');
      assert.deepEqual(fs.map(identity).sort(), [...clean, ...now.map(identity)].sort());
      assert.ok(fs.every((f) => f.status === 'ACTIVE'), 'nothing CLOSED');
      assert.equal((await eventsOf(ts.store, appResource, 'scan.completed')).length, scansBefore, 'no rescan');
      await server!.stop();
      server = undefined;
    });

    test('kill -9 inside the rematch transaction: nothing of it is kept, the rerun writes it once', async () => {
      assert.ok(appResource);
      await start('rematch-in-transaction');
      const scansBefore = (await eventsOf(ts.store, appResource, 'scan.completed')).length;
      const before = await findingsOf(ts.store, appResource);
      const cs = await importAdvisory(ADVISORY_B);
      await killAtPause();
      const job = await activeJob(ts, 'engine-rematch');
      assert.equal(job.attempts, 1);
      // the transaction is open: its writes are not visible
      assert.equal((await findingsOf(ts.store, appResource)).filter((f) => f.advisory_id === ADVISORY_B.id).length, 0);
      await kill9();
      await assertSqliteIntact(ts);
      assert.equal((await findingsOf(ts.store, appResource)).length, before.length, 'rolled back');
      assert.ok((await marker(ts.store)) < cs);

      await start();
      await waitFor('the marker to reach the change set', async () => (await marker(ts.store)) === cs);
      await waitFor('the rematch job to complete', async () => (await jobById(ts, 'engine-rematch', job.id))?.state === 'completed');
      assert.equal((await jobById(ts, 'engine-rematch', job.id))!.attempts, 2);
      assert.equal(await marker(ts.store), await lastChangeSet(ts.store));

      const fs = await findingsOf(ts.store, appResource);
      const hits = fs.filter((f) => f.advisory_id === ADVISORY_B.id);
      assert.ok(hits.length > 0);
      await assertOnceEach(ts.store, appResource, ADVISORY_B.id, 'jquery');
      assert.deepEqual(fs.map(identity).sort(), [...before.map(identity), ...hits.map(identity)].sort(), 'the old findings and the new ones');
      assert.ok(fs.every((f) => f.status === 'ACTIVE'), 'nothing CLOSED');
      assert.equal((await eventsOf(ts.store, appResource, 'scan.completed')).length, scansBefore, 'no rescan');
      await assertSqliteIntact(ts);
    });
  });
}

/**
 * The advisory's findings on the resource: one per location of the package (a finding per
 * (vulnerability, package location)), each with exactly one finding.created event.
 */
async function assertOnceEach(store: Store, resourceId: string, advisoryId: string, pkg: string): Promise<void> {
  const locations = await store.db.selectFrom('resource_packages').select('location').distinct()
    .where('resource_id', '=', resourceId).where('ecosystem', '=', 'npm').where('name', '=', pkg).execute();
  const hits = (await findingsOf(store, resourceId)).filter((f) => f.advisory_id === advisoryId);
  assert.deepEqual(hits.map((f) => f.package_location).sort(), locations.map((l) => l.location).sort(), 'one finding per location of the package');
  assert.ok(hits.every((f) => f.status === 'ACTIVE'));
  const created = (await eventsOf(store, resourceId, 'finding.created')).map((e) => JSON.parse(e.payload) as { findingId: string; advisoryId: string }).filter((p) => p.advisoryId === advisoryId);
  assert.deepEqual(created.map((p) => p.findingId).sort(), hits.map((f) => f.id).sort(), 'one finding.created per finding');
}
