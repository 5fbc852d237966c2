/**
 * The scale-out queue: pg-boss 10 in its own schema (`vigil_boss`) of Vigil's PostgreSQL database,
 * so `vigil server` and `vigil worker` processes on several machines share one queue.
 *
 * Sending, claiming (boss.fetch: FOR UPDATE SKIP LOCKED), completing, failing with retries and
 * expiring timed-out jobs are pg-boss's. Two things are added on top:
 * - heartbeats: pg-boss's expiry is fixed at send time (`expire_in`), and its own work() abandons a
 *   handler at that limit while the job may start again elsewhere. Here a heartbeat stretches the
 *   job's `expire_in` so the lease bounds crash-recovery time rather than job length, and the
 *   retry_count read at claim time fences every later write;
 * - strict singleton keys: a partial unique index on (name, singleton_key) over created, retry and
 *   active jobs, the same rule as the SQLite queue (pg-boss's policies each cover only some states).
 */
import PgBoss from 'pg-boss';
import { VigilError } from '../../model/index.ts';
import { createLogger, type Logger } from '../../log.ts';
import type { Store } from '../../store/index.ts';
import { resolveSend, resolveWork, Scheduler } from './common.ts';
import type { ClaimedJob, JobHandler, JobInfo, JobQueue, JobState, QueueBackend, QueueOptions, SendOptions, WorkOptions } from './types.ts';
import { Runner } from './worker.ts';

export const BOSS_SCHEMA = 'vigil_boss';

interface PgClaimed extends ClaimedJob {
  /** pg-boss's retry_count when this worker claimed the job: the fence */
  retryCount: number;
}

export class PgBossQueue implements JobQueue, QueueBackend {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly log: Logger;
  private readonly runners: Runner[] = [];
  private readonly scheduler: Scheduler;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly opts: Required<Omit<QueueOptions, 'log'>>;
  private stopped = false;

  private constructor(store: Store, opts: QueueOptions) {
    this.log = opts.log ?? createLogger();
    this.opts = {
      pollSeconds: opts.pollSeconds ?? 1,
      leaseSeconds: opts.leaseSeconds ?? 60,
      stopTimeoutSeconds: opts.stopTimeoutSeconds ?? 30,
      sweepSeconds: opts.sweepSeconds ?? 15,
      retentionSeconds: opts.retentionSeconds ?? 7 * 24 * 3600,
    };
    this.boss = new PgBoss({
      connectionString: store.url,
      schema: BOSS_SCHEMA,
      max: 6,
      // cron is not used: schedules are every N seconds, kept in job_schedules (see common.ts)
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: this.opts.sweepSeconds,
      archiveCompletedAfterSeconds: Math.max(1, Math.min(this.opts.retentionSeconds, 12 * 3600)),
      deleteAfterSeconds: this.opts.retentionSeconds,
    });
    this.boss.on('error', (err) => this.log.error({ err: err.message }, 'pg-boss error'));
    this.scheduler = new Scheduler(store.db, (n, d, o) => this.send(n, d, o), this.log, this.opts.pollSeconds * 1000);
  }

  /** Starts pg-boss (creating or migrating its schema) and the singleton index. */
  static async open(store: Store, opts: QueueOptions = {}): Promise<PgBossQueue> {
    const q = new PgBossQueue(store, opts);
    try {
      await q.boss.start();
      await q.ensureSingletonIndex();
    } catch (err) {
      await q.boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw new VigilError('VIGIL_STORE', `cannot start the pg-boss queue in schema ${BOSS_SCHEMA}: ${(err as Error).message}`, { input: BOSS_SCHEMA, rule: 'queue-start', cause: err });
    }
    return q;
  }

  async send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null> {
    const o = resolveSend(name, data, opts);
    await this.ensureQueue(name);
    const id = await this.boss.send(name, data, {
      singletonKey: o.singletonKey ?? undefined,
      startAfter: o.startAfter,
      retryLimit: o.retryLimit,
      retryDelay: o.retryDelaySeconds,
      retryBackoff: o.retryBackoff,
      // the lease until the claiming worker's first heartbeat replaces it
      expireInSeconds: this.opts.leaseSeconds,
    });
    if (id) for (const r of this.runners) if (r.name === name) r.wake();
    return id;
  }

  async work<T = unknown>(name: string, opts: WorkOptions, handler: JobHandler<T>): Promise<void> {
    const o = resolveWork(name, opts, this.opts);
    await this.ensureQueue(name);
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
    const j = await this.boss.getJobById<unknown>(name, id, { includeArchive: true });
    if (!j) return null;
    const output = j.output as { message?: unknown } | null;
    const state: JobState = j.state === 'retry' ? 'created' : j.state === 'cancelled' ? 'failed' : j.state;
    // retry_count counts re-claims; a job that was never claimed has no attempts yet
    const attempts = j.startedOn ? j.retryCount + 1 : 0;
    return {
      id: j.id, name: j.name, state, data: j.data, attempts,
      lastError: output && typeof output.message === 'string' ? output.message : null,
      singletonKey: j.singletonKey,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.scheduler.stop();
    await Promise.all(this.runners.map((r) => r.stop(this.opts.stopTimeoutSeconds * 1000)));
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: 1000 });
  }

  // ---- QueueBackend ----

  async claim(name: string, max: number, leaseSeconds: number): Promise<ClaimedJob[]> {
    const jobs = await this.boss.fetch<unknown>(name, { batchSize: max, includeMetadata: true });
    const out: PgClaimed[] = [];
    for (const j of jobs) {
      const c: PgClaimed = { id: j.id, name, data: j.data, attempt: j.retryCount + 1, retryCount: j.retryCount };
      // replace the send-time expiry with this worker's lease at once
      if (await this.heartbeat(c, leaseSeconds)) out.push(c);
    }
    return out;
  }

  async heartbeat(job: ClaimedJob, leaseSeconds: number): Promise<boolean> {
    const { rows } = await this.boss.getDb().executeSql(
      // GREATEST: never shortens a lease another process renewed meanwhile (queue/fence.ts)
      `UPDATE ${BOSS_SCHEMA}.job SET expire_in = GREATEST(expire_in, (now() - started_on) + $3 * interval '1 second')
        WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $4 RETURNING id`,
      [job.name, job.id, leaseSeconds, (job as PgClaimed).retryCount]);
    return rows.length === 1;
  }

  async complete(job: ClaimedJob): Promise<boolean> {
    // the fenced heartbeat gives this worker a fresh lease, so the job cannot be expired and
    // claimed elsewhere between it and the completion a moment later
    if (!(await this.heartbeat(job, this.opts.leaseSeconds))) return false;
    await this.boss.complete(job.name, job.id);
    return true;
  }

  async fail(job: ClaimedJob, error: string): Promise<boolean> {
    if (!(await this.heartbeat(job, this.opts.leaseSeconds))) return false;
    await this.boss.fail(job.name, job.id, { message: error });
    return true;
  }

  private ensureQueue(name: string): Promise<void> {
    let p = this.queues.get(name);
    if (!p) {
      p = this.createQueue(name);
      p.catch(() => this.queues.delete(name));
      this.queues.set(name, p);
    }
    return p;
  }

  /**
   * pg-boss's create_queue, one creation at a time across processes. Processes that start together
   * (a server and its workers) create the same queues at once, and pg-boss 10's create_queue (a row
   * in its queue table, then the queue's partition table with foreign keys to that table, attached
   * to the job table) deadlocks against a concurrent one: a worker exited with "deadlock detected".
   * The advisory lock is taken in the same statement (and so the same transaction) before the
   * function runs. Validation is pg-boss's own: our queue names and the standard policy.
   */
  private async createQueue(name: string): Promise<void> {
    if (!/^[\w.\-/]+$/.test(name)) throw new VigilError('VIGIL_INVALID_INPUT', `invalid queue name ${JSON.stringify(name)}`, { input: name, rule: 'queue-name' });
    await this.boss.getDb().executeSql(
      `WITH l AS (SELECT pg_advisory_xact_lock(hashtext('${BOSS_SCHEMA}.create_queue')) AS locked)
       SELECT ${BOSS_SCHEMA}.create_queue($1, $2::json) FROM l`,
      [name, JSON.stringify({ policy: 'standard' })],
    );
  }

  /**
   * One created/retry/active job per (name, singleton_key). On the partitioned job table the index
   * reaches every queue's partition, present and future. pg-boss inserts with ON CONFLICT DO NOTHING,
   * so a duplicate send returns null. Taken under an advisory lock: processes start together.
   */
  private async ensureSingletonIndex(): Promise<void> {
    const db = this.boss.getDb();
    await db.executeSql(`
      DO $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('${BOSS_SCHEMA}.vigil_singleton'));
        CREATE UNIQUE INDEX IF NOT EXISTS vigil_singleton ON ${BOSS_SCHEMA}.job (name, singleton_key)
          WHERE state < 'completed' AND singleton_key IS NOT NULL;
      END $$`, []);
  }
}
