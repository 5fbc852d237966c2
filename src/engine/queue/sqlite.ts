/**
 * The embedded queue: a `jobs` table in Vigil's own SQLite file. A claim is one UPDATE … RETURNING
 * (SQLite ≥ 3.35), which takes the write lock before it reads, so two processes on the same file never
 * claim the same job. Workers heartbeat to extend their lease; a job whose lease ran out (its worker
 * crashed) is claimed again, and every write after the claim is fenced by (id, attempts).
 */
import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../../log.ts';
import type { Store } from '../../store/index.ts';
import { resolveSend, resolveWork, retryDelay, Scheduler } from './common.ts';
import type { ClaimedJob, JobHandler, JobInfo, JobQueue, JobState, QueueBackend, QueueOptions, SendOptions, WorkOptions } from './types.ts';
import { Runner } from './worker.ts';

const LEASE_EXPIRED = 'lease expired: the worker stopped or crashed';

export class SqliteQueue implements JobQueue, QueueBackend {
  readonly kind = 'sqlite' as const;
  private readonly log: Logger;
  private readonly runners: Runner[] = [];
  private readonly scheduler: Scheduler;
  private readonly opts: Required<Omit<QueueOptions, 'log'>>;
  private lastCleanup = 0;
  private stopped = false;

  constructor(private readonly store: Store, opts: QueueOptions = {}) {
    this.log = opts.log ?? createLogger();
    this.opts = {
      pollSeconds: opts.pollSeconds ?? 1,
      leaseSeconds: opts.leaseSeconds ?? 60,
      stopTimeoutSeconds: opts.stopTimeoutSeconds ?? 30,
      sweepSeconds: opts.sweepSeconds ?? 15,
      retentionSeconds: opts.retentionSeconds ?? 7 * 24 * 3600,
    };
    this.scheduler = new Scheduler(store.db, (n, d, o) => this.send(n, d, o), this.log, this.opts.pollSeconds * 1000, () => this.cleanup());
  }

  async send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null> {
    const o = resolveSend(name, data, opts);
    const now = new Date().toISOString();
    const row = await this.store.db.insertInto('jobs').values({
      id: randomUUID(), name, data: JSON.stringify(data), state: 'created', singleton_key: o.singletonKey, attempts: 0,
      retry_limit: o.retryLimit, retry_delay_seconds: o.retryDelaySeconds, retry_backoff: o.retryBackoff ? 1 : 0,
      start_after: o.startAfter.toISOString(), lease_until: null, last_error: null, created_at: now, started_at: null, completed_at: null,
    })
      // the partial unique index on (name, singleton_key) for created/active jobs is the dedup
      .onConflict((oc) => oc.doNothing())
      .returning('id').executeTakeFirst();
    if (row) for (const r of this.runners) if (r.name === name) r.wake();
    return row?.id ?? null;
  }

  async work<T = unknown>(name: string, opts: WorkOptions, handler: JobHandler<T>): Promise<void> {
    const o = resolveWork(name, opts, this.opts);
    const runner = new Runner(this, name, o, handler as JobHandler<any>, this.log);
    this.runners.push(runner);
    runner.start();
    this.scheduler.start();
  }

  async schedule(name: string, everySeconds: number, data: object = {}): Promise<void> {
    await this.scheduler.upsert(name, everySeconds, data);
  }

  async unschedule(name: string): Promise<void> {
    await this.scheduler.remove(name);
  }

  async getJob(name: string, id: string): Promise<JobInfo | null> {
    const r = await this.store.db.selectFrom('jobs').selectAll().where('id', '=', id).where('name', '=', name).executeTakeFirst();
    if (!r) return null;
    return { id: r.id, name: r.name, state: r.state as JobState, data: JSON.parse(r.data), attempts: r.attempts, lastError: r.last_error, singletonKey: r.singleton_key };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.scheduler.stop();
    await Promise.all(this.runners.map((r) => r.stop(this.opts.stopTimeoutSeconds * 1000)));
  }

  // ---- QueueBackend ----

  async claim(name: string, max: number, leaseSeconds: number): Promise<ClaimedJob[]> {
    const db = this.store.db;
    const now = new Date();
    const nowIso = now.toISOString();
    // look before writing: an idle poll takes no write lock, so it never waits (synchronously, on
    // the event loop: better-sqlite3's busy wait) behind another process's long write transaction,
    // such as an isolated scan recording a large inventory
    const due = await db.selectFrom('jobs').select('id').where('name', '=', name)
      .where((w) => w.or([w.and([w('state', '=', 'created'), w('start_after', '<=', nowIso)]), w.and([w('state', '=', 'active'), w('lease_until', '<', nowIso)])]))
      .limit(1).executeTakeFirst();
    if (!due) return [];
    // a job that used up its attempts and then lost its lease fails here instead of running again
    await db.updateTable('jobs')
      .set({ state: 'failed', completed_at: nowIso, lease_until: null, last_error: LEASE_EXPIRED })
      .where('name', '=', name).where('state', '=', 'active').where('lease_until', '<', nowIso)
      .where((eb) => eb('attempts', '>', eb.ref('retry_limit')))
      .execute();
    const out: ClaimedJob[] = [];
    for (let i = 0; i < max; i++) {
      const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
      const row = await db.updateTable('jobs')
        .set((eb) => ({ state: 'active', attempts: eb('attempts', '+', 1), lease_until: leaseUntil, started_at: nowIso }))
        .where('id', '=', (eb) => eb.selectFrom('jobs').select('id')
          .where('name', '=', name)
          .where((w) => w.or([
            w.and([w('state', '=', 'created'), w('start_after', '<=', nowIso)]),
            w.and([w('state', '=', 'active'), w('lease_until', '<', nowIso), w('attempts', '<=', w.ref('retry_limit'))]),
          ]))
          .orderBy('start_after').orderBy('created_at').limit(1))
        .returning(['id', 'name', 'data', 'attempts'])
        .executeTakeFirst();
      if (!row) break;
      out.push({ id: row.id, name: row.name, data: JSON.parse(row.data), attempt: row.attempts });
    }
    return out;
  }

  async heartbeat(job: ClaimedJob, leaseSeconds: number): Promise<boolean> {
    // never shortens the lease: this time is taken before the statement may wait for the write lock
    // (another process recording this very job renews the lease inside its transaction; queue/fence.ts)
    const until = new Date(Date.now() + leaseSeconds * 1000).toISOString();
    const r = await this.fenced(job).set((eb) => ({ lease_until: eb.fn('max', [eb.fn.coalesce('lease_until', eb.val(until)), eb.val(until)]) })).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async complete(job: ClaimedJob): Promise<boolean> {
    const r = await this.fenced(job).set({ state: 'completed', completed_at: new Date().toISOString(), lease_until: null }).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async fail(job: ClaimedJob, error: string): Promise<boolean> {
    const row = await this.store.db.selectFrom('jobs').select(['retry_limit', 'retry_delay_seconds', 'retry_backoff'])
      .where('id', '=', job.id).executeTakeFirst();
    if (!row) return false;
    const now = Date.now();
    const retry = job.attempt <= row.retry_limit;
    const r = await this.fenced(job).set(retry
      ? { state: 'created', lease_until: null, last_error: error, start_after: new Date(now + retryDelay(job.attempt, row.retry_delay_seconds, row.retry_backoff === 1) * 1000).toISOString() }
      : { state: 'failed', lease_until: null, last_error: error, completed_at: new Date(now).toISOString() }).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** An update that only applies while this claim holds the job. */
  private fenced(job: ClaimedJob) {
    return this.store.db.updateTable('jobs').where('id', '=', job.id).where('state', '=', 'active').where('attempts', '=', job.attempt);
  }

  /** Deletes finished jobs past their retention; at most once a minute. */
  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const cutoff = new Date(now - this.opts.retentionSeconds * 1000).toISOString();
    // look first (no write lock when there is nothing to delete, as in claim)
    const old = await this.store.db.selectFrom('jobs').select('id').where('state', 'in', ['completed', 'failed']).where('completed_at', '<', cutoff).limit(1).executeTakeFirst();
    if (!old) return;
    await this.store.db.deleteFrom('jobs').where('state', 'in', ['completed', 'failed'])
      .where('completed_at', '<', new Date(now - this.opts.retentionSeconds * 1000).toISOString()).execute();
  }
}
