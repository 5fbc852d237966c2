/**
 * Tables of the job queue (src/engine/queue). `jobs` is the embedded (SQLite) queue; on PostgreSQL
 * the jobs live in pg-boss's own schema, but the table is created on both so the schema is one.
 * `job_schedules` is used by both.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function queueMigrations(_dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0002_queue': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('singleton_key', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('retry_limit', 'integer', (c) => c.notNull())
          .addColumn('retry_delay_seconds', 'integer', (c) => c.notNull())
          .addColumn('retry_backoff', 'integer', (c) => c.notNull())
          .addColumn('start_after', 'text', (c) => c.notNull())
          .addColumn('lease_until', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('completed_at', 'text')
          .execute();
        // the claim query: jobs of one name that are due, or active with a lease that ran out
        await db.schema.createIndex('jobs_claim').on('jobs').columns(['name', 'state', 'start_after']).execute();
        // dedup: one not-yet-finished job per key; finished ones do not block a new send
        await db.schema.createIndex('jobs_singleton').on('jobs').columns(['name', 'singleton_key']).unique()
          .where(sql.ref('singleton_key'), 'is not', null)
          .where(sql.ref('state'), 'in', ['created', 'active'])
          .execute();
        await db.schema.createIndex('jobs_finished').on('jobs').columns(['state', 'completed_at']).execute();

        await db.schema.createTable('job_schedules')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('every_seconds', 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('next_run_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
