/**
 * Table types of the job queue area (src/engine/queue); `Database` in schema.ts extends
 * `QueueTables`. Timestamps are ISO-8601 text (UTC, `toISOString()`), so they compare as strings.
 */

export interface JobTable {
  id: string;
  name: string;
  /** JSON */
  data: string;
  /** created | active | completed | failed */
  state: string;
  /** at most one created-or-active job per (name, singleton_key): a partial unique index */
  singleton_key: string | null;
  /** how many times the job was claimed (a lease that ran out counts as one) */
  attempts: number;
  /** retries after the first attempt */
  retry_limit: number;
  retry_delay_seconds: number;
  /** 1: the delay doubles with each attempt */
  retry_backoff: number;
  start_after: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** Every-N-seconds schedules; used by both queue implementations (pg-boss's cron has minute steps). */
export interface JobScheduleTable {
  name: string;
  every_seconds: number;
  /** JSON */
  data: string;
  next_run_at: string;
  updated_at: string;
}

export interface QueueTables {
  jobs: JobTable;
  job_schedules: JobScheduleTable;
}
