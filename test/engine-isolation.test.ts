/**
 * Scans isolated from the API (issue 13), end to end with `vigil server` as a child process on
 * SQLite (where one event loop used to do everything) and a function uploaded through the API:
 *
 * 1. a 2.5 MB zip holding a 1M-package lockfile: the scan process is killed at its memory cap,
 *    /healthz answers all along, each attempt is a recorded failure (lastError on the function and
 *    its resource, no server temp path in it), the job is retried per its policy and then the
 *    resource is INACTIVE/SCAN_FAILED; nothing is ever recorded;
 * 2. a large legitimate inventory (40k packages) with a 2 s job lease: recorded exactly once
 *    (it used to stall the event loop past the lease, get claimed again and be recorded twice);
 * 3. a garbage zip: SCAN_FAILED at once (no retry fixes it), visible in the API; the next good
 *    version clears lastError on both;
 * 4. scratch directories a killed process left (tenant code) are removed at start-up, a live
 *    process's are not.
 * The server runs with TMPDIR set to the test's own directory, so its scratch space is the test's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore, type Store } from '../src/store/index.ts';
import { startServer, waitFor, type ServerProcess } from './helpers/server.ts';
import { makeZip } from './helpers/zip.ts';

/** A package-lock.json (v3) with `n` packages. */
function lockfile(n: number): string {
  const parts: string[] = ['{"name":"big","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"big","version":"1.0.0"}'];
  for (let i = 0; i < n; i++) parts.push(`,"node_modules/p${i}":{"version":"1.0.${i % 10}"}`);
  parts.push('}}');
  return parts.join('');
}

/** Polls /healthz until stopped; counts answers and failures (no answer within the client timeout). */
function healthProbe(url: string, timeoutMs = 10_000) {
  let stop = false;
  const latencies: number[] = [];
  const failures: string[] = [];
  const done = (async () => {
    while (!stop) {
      const t = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status !== 200) failures.push(`status ${res.status}`);
        await res.text();
        latencies.push(performance.now() - t);
      } catch (err) {
        failures.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return { answered: latencies.length, failures, maxMs: Math.round(Math.max(0, ...latencies)) };
    },
  };
}

async function upload(server: ServerProcess, path: string, body: Buffer): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/zip' }, body: new Uint8Array(body) });
  return { status: res.status, body: await res.json() };
}

describe('isolated scans (sqlite)', { concurrency: false }, () => {
  let home: string;
  let scratch: string;
  let server: ServerProcess;
  let store: Store;
  const deadPid = { pid: 0 };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'vigil-isolation-'));
    scratch = join(home, 'tmp');
    await mkdir(scratch);
    // 4. what a killed server left: a scan directory of a process that is gone, with tenant code;
    //    an unmarked one of an older Vigil from two days ago; a live process's; someone else's
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    deadPid.pid = gone.pid!;
    for (const [name, marker] of [['vigil-fn-dead01', `${deadPid.pid} 0\n`], ['vigil-scan-dead02', `${deadPid.pid} 0\n`], ['vigil-fn-live01', `${process.pid} 0\n`], ['vigil-fn-old001', null], ['vigil-fn-new001', null], ['other-fn-dead01', `${deadPid.pid} 0\n`]] as const) {
      await mkdir(join(scratch, name));
      await writeFile(join(scratch, name, 'handler.py'), 'SECRET = "tenant code"\n');
      if (marker) await writeFile(join(scratch, name, '.vigil-owner'), marker);
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await utimes(join(scratch, 'vigil-fn-old001'), twoDaysAgo, twoDaysAgo);
    const db = `sqlite:${join(home, 'vigil.db')}`;
    server = await startServer({ home, db, args: ['--tick', '1', '--job-lease', '2', '--scan-memory', '384'], env: { TMPDIR: scratch } });
    store = await openStore(db);
  });
  after(async () => {
    await store?.close();
    const code = await server?.stop();
    if (code !== 0) console.log(server?.output());
    await rm(home, { recursive: true, force: true });
  });

  const resource = (id: string) => store.db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirst();
  const attrs = async (id: string) => JSON.parse((await resource(id))!.attributes) as { lastError?: string };
  const completed = async (id: string) => (await store.db.selectFrom('events').select('id').where('type', '=', 'scan.completed').where('resource_id', '=', id).execute()).length;
  const scanJobs = async (id: string) => (await store.db.selectFrom('jobs').selectAll().where('name', '=', 'engine-scan').execute()).filter((j) => (JSON.parse(j.data) as { resourceId: string }).resourceId === id);

  test('start-up removes the scratch directories of processes that are gone, and only those', () => {
    assert.equal(existsSync(join(scratch, 'vigil-fn-dead01')), false, 'a dead process\'s function directory');
    assert.equal(existsSync(join(scratch, 'vigil-scan-dead02')), false, 'a dead process\'s scan directory');
    assert.equal(existsSync(join(scratch, 'vigil-fn-old001')), false, 'an unmarked directory from two days ago');
    assert.equal(existsSync(join(scratch, 'vigil-fn-live01')), true, 'a live process\'s directory stays');
    assert.equal(existsSync(join(scratch, 'vigil-fn-new001')), true, 'an unmarked fresh directory may be being made: it stays');
    assert.equal(existsSync(join(scratch, 'other-fn-dead01')), true, 'not a Vigil name: left alone');
  });

  test('a 1M-package lockfile zip is killed at the memory cap, retried, then SCAN_FAILED; /healthz answers throughout; nothing recorded', async () => {
    const zip = makeZip([{ name: 'package-lock.json', data: lockfile(1_000_000) }]);
    assert.ok(zip.length < 4 * 1024 * 1024, `a small zip (${zip.length} bytes)`);
    const fn = await server.api('POST', '/v1/functions', { name: 'bomb', config: {} });
    assert.equal(fn.status, 201, JSON.stringify(fn.body));
    const probe = healthProbe(server.url);
    let health;
    try {
      const v = await upload(server, `/v1/functions/${fn.body.id}/versions`, zip);
      assert.equal(v.status, 202, JSON.stringify(v.body));
      const id = v.body.resourceId as string;
      // the first attempt: a recorded failure, coverage not yet final
      const first = await waitFor('the first attempt to fail', async () => (await attrs(id)).lastError, 240_000, 200);
      assert.match(first, /more than 384 MiB|JavaScript heap/, first);
      await waitFor('SCAN_FAILED after the last retry', async () => (await resource(id))!.coverage_reason === 'SCAN_FAILED', 300_000, 300);
      health = await probe.stop();
      const jobs = await scanJobs(id);
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0].state, 'failed');
      assert.equal(jobs[0].attempts, 3, 'the first attempt and two retries');
      assert.match(jobs[0].last_error ?? '', /memory|heap/);
      assert.equal(await completed(id), 0, 'nothing recorded');
      const r = await resource(id);
      assert.equal(r!.coverage_status, 'INACTIVE');
      // visible through the API, on the resource and on the function
      const api = await server.api('GET', `/v1/resources/${id}`);
      assert.equal(api.body.coverage.reason, 'SCAN_FAILED');
      assert.match(api.body.coverage.lastError, /memory|heap/);
      const target = await server.api('GET', `/v1/functions/${fn.body.id}`);
      assert.match(target.body.lastError, /memory|heap/);
      assert.match(target.body.resources[0].lastError, /memory|heap/);
      for (const text of [api.body.coverage.lastError, target.body.lastError, jobs[0].last_error]) assert.ok(!text.includes(scratch), `no server temp path in ${text}`);
    } finally {
      health ??= await probe.stop();
    }
    console.log(`# /healthz during the memory-bomb scans: ${health.answered} answers, slowest ${health.maxMs} ms`);
    assert.deepEqual(health.failures, [], '/healthz answered every time');
    assert.ok(health.answered > 10);
    // the killed scan processes left no scratch directory behind
    const left = async () => (await readdir(scratch)).filter((x) => x.startsWith('vigil-') && !['vigil-fn-live01', 'vigil-fn-new001'].includes(x));
    await waitFor('scratch cleaned', async () => (await left()).length === 0, 10_000, 200).catch(async () => assert.deepEqual(await left(), []));
  });

  test('a 40k-package inventory with a 2 s job lease is recorded once; /healthz answers throughout', async () => {
    const fn = await server.api('POST', '/v1/functions', { name: 'big', config: {} });
    const probe = healthProbe(server.url);
    let health;
    try {
      const v = await upload(server, `/v1/functions/${fn.body.id}/versions`, makeZip([{ name: 'package-lock.json', data: lockfile(40_000) }]));
      assert.equal(v.status, 202);
      const id = v.body.resourceId as string;
      await waitFor('the big scan recorded', async () => (await resource(id))!.coverage_reason === 'SUCCESSFUL', 300_000, 300);
      // a second claim would come after the lease (2 s): give it the time to show
      await new Promise((r) => setTimeout(r, 4_000));
      health = await probe.stop();
      assert.equal(await completed(id), 1, 'recorded exactly once');
      const jobs = await scanJobs(id);
      assert.deepEqual(jobs.map((j) => [j.state, j.attempts]), [['completed', 1]]);
      const n = await store.db.selectFrom('resource_packages').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', id).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 40_000);
    } finally {
      health ??= await probe.stop();
    }
    console.log(`# /healthz during the 40k-package scan: ${health.answered} answers, slowest ${health.maxMs} ms`);
    assert.deepEqual(health.failures, []);
  });

  test('a garbage zip fails at once as SCAN_FAILED with lastError on the function; the next good version clears it', async () => {
    const fn = await server.api('POST', '/v1/functions', { name: 'garbage', config: {} });
    const junk = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 0x41)]);
    const v = await upload(server, `/v1/functions/${fn.body.id}/versions`, junk);
    assert.equal(v.status, 202, JSON.stringify(v.body));
    const id = v.body.resourceId as string;
    await waitFor('SCAN_FAILED', async () => (await resource(id))!.coverage_reason === 'SCAN_FAILED', 120_000, 200);
    const jobs = await scanJobs(id);
    assert.equal(jobs[0].attempts, 1, 'no retry for an input no retry can fix');
    const t = await server.api('GET', `/v1/functions/${fn.body.id}`);
    assert.ok(t.body.lastError, 'the function shows the error');
    assert.ok(!t.body.lastError.includes(scratch) && !/vigil-fn-/.test(t.body.lastError), `no server temp path: ${t.body.lastError}`);
    assert.equal(t.body.resources[0].coverageReason, 'SCAN_FAILED');
    const good = await upload(server, `/v1/functions/${fn.body.id}/versions`, makeZip([{ name: 'Django-2.2.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: Django\nVersion: 2.2.0\n' }]));
    assert.equal(good.status, 202);
    await waitFor('the good version scanned', async () => (await resource(id))!.coverage_reason === 'SUCCESSFUL', 120_000, 200);
    const after = await server.api('GET', `/v1/functions/${fn.body.id}`);
    assert.equal(after.body.lastError, null);
    assert.equal(after.body.resources[0].lastError, null);
    assert.equal((await server.api('GET', `/v1/resources/${id}`)).body.coverage.lastError, null);
  });
});
