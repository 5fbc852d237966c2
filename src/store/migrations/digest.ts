/**
 * Scheduled reports (issue 19, engine/digest.ts): an account's digest schedules (daily or weekly at
 * a local time, to e-mail recipients and/or a webhook event destination) and the history of their
 * runs (each run's period, status, attempts and error).
 */
import type { Kysely, Migration } from 'kysely';

export function digestMigrations(): Record<string, Migration> {
  return {
    '0013_digest_01_report_schedules': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('report_schedules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          // JSON: { daily: { startTime } } | { weekly: { days, startTime } } (engine/cis-schedule.ts)
          .addColumn('schedule', 'text', (c) => c.notNull())
          // JSON array of e-mail addresses (may be empty when a destination is set)
          .addColumn('recipients', 'text', (c) => c.notNull())
          // an event destination (webhook) the digest is POSTed to, signed like events
          .addColumn('destination_id', 'text')
          // ENABLED | DISABLED
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('next_run_at', 'text')
          // the end of the period of the last run: the next digest starts there
          .addColumn('last_run_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('report_schedules_account').on('report_schedules').columns(['account_id', 'name']).execute();
        await db.schema.createIndex('report_schedules_due').on('report_schedules').columns(['status', 'next_run_at']).execute();
        await db.schema.createTable('report_runs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('schedule_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          // schedule | api
          .addColumn('trigger', 'text', (c) => c.notNull())
          // QUEUED | SENT | FAILED
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('period_from', 'text', (c) => c.notNull())
          .addColumn('period_to', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          // JSON: the digest's totals and where it went (recipients accepted, webhook status)
          .addColumn('summary', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('report_runs_schedule').on('report_runs').columns(['schedule_id', 'created_at']).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('report_runs').execute();
        await db.schema.dropTable('report_schedules').execute();
      },
    },
  };
}
