/**
 * The job queue's interface, shared by the embedded SQLite queue and the pg-boss queue. Delivery is
 * at least once with leases: a job whose worker dies runs again once its lease runs out, so handlers
 * must be idempotent (singleton keys keep the same work from being queued twice).
 */
import type { Logger } from '../../log.ts';

export type JobState = 'created' | 'active' | 'completed' | 'failed';

export interface SendOptions {
  /**
   * At most one not-yet-finished (created or active) job per (name, key): a second send while one
   * is pending or running returns null. Once it completes or fails, the key is free again.
   */
  singletonKey?: string;
  /** not claimed before this time */
  startAfter?: Date;
  /** retries after the first attempt (default 2); a lease that ran out counts as an attempt */
  retryLimit?: number;
  /** delay before a retry (default 5 s) */
  retryDelaySeconds?: number;
  /** the delay doubles with each attempt (default true; ignored when the delay is 0) */
  retryBackoff?: boolean;
}

export interface WorkOptions {
  /** jobs of this name run at most this many at a time in this process (default 1) */
  concurrency?: number;
  /**
   * How long a claim holds without a heartbeat (default 60 s). Heartbeats every third of it extend
   * it, so it bounds crash-recovery time, not job length.
   */
  leaseSeconds?: number;
  /** how often an idle worker looks for jobs (default: the queue's pollSeconds) */
  pollSeconds?: number;
}

export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /**
   * Aborted when this worker lost the job (its lease ran out and it may be running elsewhere) or
   * when stop() gave up waiting. Long handlers should pass it to what they await.
   */
  signal: AbortSignal;
  /**
   * Skips (true) or resumes (false) this job's heartbeats. For a handler whose work runs in another
   * process that renews the lease inside its own write transaction (queue/fence.ts): on SQLite a
   * heartbeat during that transaction would wait for it on the event loop.
   */
  pauseHeartbeat(paused: boolean): void;
}

export type JobHandler<T = unknown> = (job: Job<T>) => Promise<void>;

export interface JobInfo {
  id: string;
  name: string;
  state: JobState;
  data: unknown;
  /** how many times the job has been claimed */
  attempts: number;
  lastError: string | null;
  singletonKey: string | null;
}

export interface JobQueue {
  readonly kind: 'sqlite' | 'pg-boss';
  /**
   * Queues a job. Returns its id, or null when a job with the same singleton key is still pending.
   * @throws VigilError VIGIL_INVALID_INPUT for a bad name or option
   */
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null>;
  /** Starts `concurrency` workers for `name` in this process; they run until stop(). */
  work<T = unknown>(name: string, opts: WorkOptions, handler: JobHandler<T>): Promise<void>;
  /**
   * Sends `name` every `everySeconds` (first run now), across all processes once per period. Calling
   * it again updates the period and data and keeps the next run time. Stored in the database.
   */
  schedule(name: string, everySeconds: number, data?: object): Promise<void>;
  unschedule(name: string): Promise<void>;
  /** The job's state, for status pages and tests; null when unknown (or purged). */
  getJob(name: string, id: string): Promise<JobInfo | null>;
  /** Stops claiming, waits for running handlers (up to stopTimeoutSeconds), releases connections it opened. */
  stop(): Promise<void>;
}

export interface QueueOptions {
  log?: Logger;
  /** idle poll interval (default 1 s); a send in the same process wakes its workers at once */
  pollSeconds?: number;
  /** default lease for work() (default 60 s) */
  leaseSeconds?: number;
  /** how long stop() waits for running handlers before aborting them (default 30 s) */
  stopTimeoutSeconds?: number;
  /**
   * How often leases that ran out are looked for (pg-boss maintenance interval, default 15 s; the
   * SQLite queue checks on every claim and ignores it).
   */
  sweepSeconds?: number;
  /** finished jobs are deleted after this long (default 7 days) */
  retentionSeconds?: number;
}

/** A job as a backend hands it to the worker pool: the public fields plus what fences its claim. */
export interface ClaimedJob {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
}

/** What the worker pool needs from a queue implementation. */
export interface QueueBackend {
  /** Atomically claims up to `max` due jobs of `name` for `leaseSeconds`. */
  claim(name: string, max: number, leaseSeconds: number): Promise<ClaimedJob[]>;
  /** Extends the lease; false when the claim is no longer this worker's. */
  heartbeat(job: ClaimedJob, leaseSeconds: number): Promise<boolean>;
  /** Marks the job completed; false when the claim was lost. */
  complete(job: ClaimedJob): Promise<boolean>;
  /** Retries the job or marks it failed; false when the claim was lost. */
  fail(job: ClaimedJob, error: string): Promise<boolean>;
}
