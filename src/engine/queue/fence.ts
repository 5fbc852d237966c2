/**
 * Fencing a job's writes from elsewhere: a handler that hands its work to another process (the
 * isolated scan runner, engine/isolate.ts) passes a {@link JobFence}; that process calls
 * {@link holdClaim} inside its own write transaction, just before it commits. The check renews the
 * lease by the same rule as the worker's heartbeat (job id and attempt, state active), inside the
 * transaction: on SQLite the transaction holds the write lock so no claim can slip in before the
 * commit; on PostgreSQL the updated row stays locked until the commit, so pg-boss's expiry waits.
 * When the claim is gone (the lease ran out and the job was claimed again, or it failed), the
 * transaction must roll back: the other run records the job, and this one records nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, Dialect } from '../../store/index.ts';
import { BOSS_SCHEMA } from './pgboss.ts';

export interface JobFence {
  name: string;
  id: string;
  /** the claim's attempt (Job.attempt) */
  attempt: number;
  /** the lease to renew, seconds */
  leaseSeconds: number;
}

/** Renews the job's lease inside `trx` when the claim is still this attempt's; false when it is not. */
export async function holdClaim(trx: Kysely<Database>, dialect: Dialect, fence: JobFence): Promise<boolean> {
  if (dialect === 'sqlite') {
    const until = new Date(Date.now() + fence.leaseSeconds * 1000).toISOString();
    const r = await trx.updateTable('jobs').set((eb) => ({ lease_until: eb.fn('max', [eb.fn.coalesce('lease_until', eb.val(until)), eb.val(until)]) }))
      .where('id', '=', fence.id).where('state', '=', 'active').where('attempts', '=', fence.attempt).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
  // pg-boss counts re-claims in retry_count: attempt n is retry_count n - 1 (pgboss.ts claim)
  const { rows } = await sql<{ id: string }>`
    UPDATE ${sql.raw(BOSS_SCHEMA)}.job SET expire_in = GREATEST(expire_in, (clock_timestamp() - started_on) + ${fence.leaseSeconds} * interval '1 second')
     WHERE name = ${fence.name} AND id = ${fence.id} AND state = 'active' AND retry_count = ${fence.attempt - 1} RETURNING id`.execute(trx);
  return rows.length === 1;
}
