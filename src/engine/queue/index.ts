/**
 * The job queue: `openQueue(store)` picks the embedded SQLite queue or pg-boss by the store's
 * dialect; both implement {@link JobQueue}.
 */
import type { Store } from '../../store/index.ts';
import { PgBossQueue } from './pgboss.ts';
import { SqliteQueue } from './sqlite.ts';
import type { JobQueue, QueueOptions } from './types.ts';

export type { Job, JobHandler, JobInfo, JobQueue, JobState, QueueOptions, SendOptions, WorkOptions } from './types.ts';
export { BOSS_SCHEMA, PgBossQueue } from './pgboss.ts';
export { SqliteQueue } from './sqlite.ts';
export { holdClaim, type JobFence } from './fence.ts';

/**
 * Opens the queue for a store: in-process over the `jobs` table for SQLite; pg-boss in schema
 * `vigil_boss` of the same database for PostgreSQL. Call stop() before closing the store.
 * @throws VigilError VIGIL_STORE when pg-boss cannot start
 */
export async function openQueue(store: Store, opts: QueueOptions = {}): Promise<JobQueue> {
  return store.dialect === 'postgres' ? PgBossQueue.open(store, opts) : new SqliteQueue(store, opts);
}
