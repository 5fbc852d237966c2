import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { dialects, type TestStore } from '../../../test/helpers/stores.ts';
import { silentLogger } from '../../log.ts';
import { openQueue, type JobInfo, type JobQueue } from './index.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./testdata/worker.ts', import.meta.url));
const LEASE = 1;

/** Polls until `fn` returns a value; the deadline only guards against a hang, it is not a measurement. */
async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitState(queue: JobQueue, name: string, id: string, state: JobInfo['state']): Promise<JobInfo> {
  return waitFor(`job ${id} ${state}`, async () => {
    const j = await queue.getJob(name, id);
    return j?.state === state ? j : null;
  });
}

interface Child { proc: ChildProcess; lines: string[]; exited: Promise<number | null> }

function spawnWorker(children: Set<Child>, url: string, mode: 'hang' | 'complete', name: string, sleepMs = 0): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER, url, mode, name, String(LEASE), String(sleepMs)], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = { proc, lines: [], exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    child.lines.push(...parts);
  });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  void child.exited.then((code) => { if (code !== 0 && code !== null && err) process.stderr.write(`worker ${proc.pid} exited ${code}: ${err}\n`); });
  children.add(child);
  return child;
}

function line(child: Child, prefix: string): Promise<string> {
  return waitFor(`"${prefix}" from worker ${child.proc.pid}`, async () => child.lines.find((l) => l.startsWith(prefix)));
}

async function stopChild(child: Child, signal: NodeJS.Signals): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill(signal);
  await child.exited;
}

for (const [dialect, makeStore] of dialects) {
  describe(`job queue on ${dialect}`, () => {
    let ts: TestStore;
    let queue: JobQueue;
    let db: Kysely<any>;
    const children = new Set<Child>();

    before(async () => {
      ts = await makeStore();
      db = ts.store.db as unknown as Kysely<any>;
      for (const t of ['queue_test_runs', 'queue_test_starts']) {
        await db.schema.createTable(t).addColumn('job_id', 'text').addColumn('attempt', 'integer').addColumn('pid', 'integer').execute();
      }
      queue = await openQueue(ts.store, { log: silentLogger(), pollSeconds: 0.1, sweepSeconds: 1, leaseSeconds: 2, stopTimeoutSeconds: 5 });
    });

    after(async () => {
      for (const c of children) await stopChild(c, 'SIGKILL');
      await queue?.stop();
      await ts?.cleanup();
    });

    test(`openQueue picks the ${dialect} implementation`, () => {
      assert.equal(queue.kind, dialect === 'postgres' ? 'pg-boss' : 'sqlite');
    });

    test('send, work, complete', async () => {
      const ids = [];
      for (const n of [1, 2, 3]) ids.push((await queue.send('basic', { n }))!);
      assert.ok(ids.every((id) => typeof id === 'string'));
      assert.equal((await queue.getJob('basic', ids[0]))?.state, 'created');
      const seen: { n: number; attempt: number }[] = [];
      await queue.work<{ n: number }>('basic', { concurrency: 2 }, async (job) => {
        seen.push({ n: job.data.n, attempt: job.attempt });
      });
      for (const id of ids) await waitState(queue, 'basic', id, 'completed');
      assert.deepEqual(seen.map((s) => s.n).sort(), [1, 2, 3]);
      assert.ok(seen.every((s) => s.attempt === 1));
      const info = await queue.getJob('basic', ids[1]);
      assert.equal(info?.attempts, 1);
      assert.deepEqual(info?.data, { n: 2 });
    });

    test('a failing job is retried retryLimit times, then failed', async () => {
      const attempts: number[] = [];
      await queue.work('flaky', {}, async (job) => {
        attempts.push(job.attempt);
        throw new Error(`boom on attempt ${job.attempt}`);
      });
      const id = (await queue.send('flaky', {}, { retryLimit: 2, retryDelaySeconds: 0 }))!;
      const info = await waitState(queue, 'flaky', id, 'failed');
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(info.attempts, 3);
      assert.equal(info.lastError, 'boom on attempt 3');
    });

    test('a job that fails once and then succeeds completes on attempt 2', async () => {
      const attempts: number[] = [];
      await queue.work('second_try', {}, async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) throw new Error('first try fails');
      });
      // a singleton key, so the retry also passes the singleton index (pg-boss moves the row)
      const id = (await queue.send('second_try', {}, { retryLimit: 1, retryDelaySeconds: 0, singletonKey: 'only' }))!;
      const info = await waitState(queue, 'second_try', id, 'completed');
      assert.deepEqual(attempts, [1, 2]);
      assert.equal(info.attempts, 2);
    });

    test('singleton keys: one pending or running job per key', async () => {
      const first = await queue.send('single', { v: 1 }, { singletonKey: 'img:sha256:aa' });
      assert.ok(first);
      assert.equal(await queue.send('single', { v: 2 }, { singletonKey: 'img:sha256:aa' }), null, 'duplicate while created');
      const other = await queue.send('single', { v: 3 }, { singletonKey: 'img:sha256:bb' });
      assert.ok(other, 'another key is independent');

      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      const ran: number[] = [];
      await queue.work<{ v: number }>('single', { concurrency: 2 }, async (job) => {
        ran.push(job.data.v);
        if (job.data.v === 1) await gate;
      });
      await waitState(queue, 'single', first, 'active');
      assert.equal(await queue.send('single', { v: 4 }, { singletonKey: 'img:sha256:aa' }), null, 'duplicate while active');
      release();
      await waitState(queue, 'single', first, 'completed');
      await waitState(queue, 'single', other, 'completed');
      const again = await queue.send('single', { v: 5 }, { singletonKey: 'img:sha256:aa' });
      assert.ok(again, 'the key is free once the job completed');
      await waitState(queue, 'single', again, 'completed');
      assert.deepEqual(ran.sort(), [1, 3, 5]);
    });

    test('startAfter: not claimed before its time', async () => {
      const startAfter = new Date(Date.now() + 1000);
      let ranAt = 0;
      await queue.work('later', {}, async () => { ranAt = Date.now(); });
      const id = (await queue.send('later', {}, { startAfter }))!;
      assert.equal((await queue.getJob('later', id))?.state, 'created');
      await waitState(queue, 'later', id, 'completed');
      // PostgreSQL compares with its own clock (same host); allow it a few ms of rounding
      assert.ok(ranAt >= startAfter.getTime() - 20, `ran ${startAfter.getTime() - ranAt} ms early`);
    });

    test('schedule: sends every N seconds, once per period, until unscheduled', async () => {
      const runs: unknown[] = [];
      await queue.work('tick', {}, async (job) => { runs.push(job.data); });
      await queue.schedule('tick', 1, { what: 'rescan' });
      await waitFor('two scheduled runs', async () => runs.length >= 2);
      await queue.unschedule('tick');
      assert.deepEqual(runs[0], { what: 'rescan' });
      const rows = await db.selectFrom('job_schedules').selectAll().execute();
      assert.equal(rows.length, 0);
    });

    test('heartbeats keep a job that outlives its lease from running twice', async () => {
      const attempts: number[] = [];
      await queue.work('long', { leaseSeconds: LEASE }, async (job) => {
        attempts.push(job.attempt);
        await new Promise((r) => setTimeout(r, LEASE * 2500));
        assert.equal(job.signal.aborted, false);
      });
      const id = (await queue.send('long', {}))!;
      const info = await waitState(queue, 'long', id, 'completed');
      assert.deepEqual(attempts, [1]);
      assert.equal(info.attempts, 1);
    });

    test('bad input is rejected with VIGIL_INVALID_INPUT', async () => {
      await assert.rejects(queue.send('no spaces', {}), { code: 'VIGIL_INVALID_INPUT' });
      await assert.rejects(queue.send('ok', {}, { retryLimit: -1 }), { code: 'VIGIL_INVALID_INPUT' });
      await assert.rejects(queue.work('ok', { concurrency: 0 }, async () => undefined), { code: 'VIGIL_INVALID_INPUT' });
    });

    test('crash recovery: a worker process killed mid-job; another process completes the job exactly once', async () => {
      const id = (await queue.send('crashy', { resource: 'r1' }, { retryLimit: 2, retryDelaySeconds: 0 }))!;
      const a = spawnWorker(children, ts.url, 'hang', 'crashy');
      assert.equal(await line(a, 'claimed'), `claimed ${id} 1`);
      assert.equal((await queue.getJob('crashy', id))?.state, 'active');
      await stopChild(a, 'SIGKILL');

      // the second process is this one (a second child would only add start-up time)
      await queue.work('crashy', { leaseSeconds: LEASE }, async (job) => {
        await db.insertInto('queue_test_runs').values({ job_id: job.id, attempt: job.attempt, pid: process.pid }).execute();
      });
      const info = await waitState(queue, 'crashy', id, 'completed');
      assert.equal(info.attempts, 2);
      const starts = await db.selectFrom('queue_test_starts').selectAll().where('job_id', '=', id).execute();
      assert.deepEqual(starts.map((s) => [s.attempt, s.pid]), [[1, a.proc.pid]]);
      const runs = await db.selectFrom('queue_test_runs').selectAll().where('job_id', '=', id).execute();
      assert.deepEqual(runs.map((r) => [r.attempt, r.pid]), [[2, process.pid]]);
    });

    test('processes starting together create the same queues at once without failing', async () => {
      // a server and its workers start together and create the same queues: on PostgreSQL pg-boss's
      // create_queue then deadlocks against itself (seen as a worker exiting with "deadlock detected")
      const others = await Promise.all([1, 2, 3].map(() => openQueue(ts.store, { log: silentLogger(), pollSeconds: 0.1 })));
      try {
        const names = Array.from({ length: 12 }, (_, i) => `together-${i}`);
        const sent = await Promise.allSettled(others.flatMap((q, k) => names.map((n) => q.send(n, { k }))));
        const failed = sent.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        assert.deepEqual(failed, []);
      } finally {
        await Promise.all(others.map((q) => q.stop()));
      }
    });

    test('two worker processes share 20 jobs, none run twice', async () => {
      // 200 ms a job, 2 at a time: one process alone would need 2 s, the other polls every 0.1 s
      const w1 = spawnWorker(children, ts.url, 'complete', 'shared', 200);
      const w2 = spawnWorker(children, ts.url, 'complete', 'shared', 200);
      await line(w1, 'ready');
      await line(w2, 'ready');
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await queue.send('shared', { i }))!);
      for (const id of ids) await waitState(queue, 'shared', id, 'completed');
      await Promise.all([stopChild(w1, 'SIGTERM'), stopChild(w2, 'SIGTERM')]);
      assert.deepEqual([w1.proc.exitCode, w2.proc.exitCode], [0, 0], 'SIGTERM stops a worker cleanly');

      const runs = await db.selectFrom('queue_test_runs').selectAll().where('job_id', 'in', ids).execute();
      assert.equal(runs.length, 20, 'one run per job');
      assert.equal(new Set(runs.map((r) => r.job_id)).size, 20);
      assert.ok(runs.every((r) => r.attempt === 1));
      const pids = new Set(runs.map((r) => r.pid));
      assert.deepEqual([...pids].sort(), [w1.proc.pid, w2.proc.pid].sort(), 'both processes took jobs');
    });
  });
}
