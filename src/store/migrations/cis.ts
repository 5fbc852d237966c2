/**
 * CIS benchmark scans (issue 18, engine/cis.ts): scan configurations, their scans, each scan's
 * targets and check results, agents' latest assessments; and key/value resource tags, which
 * configurations target.
 */
import type { Kysely, Migration } from 'kysely';

export function cisMigrations(): Record<string, Migration> {
  return {
    '0011_cis_01_tables': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('resource_tags')
          .addColumn('resource_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('resource_tags_pk', ['resource_id', 'key'])
          .execute();
        // targets by tag: the account's resources with a key (and value)
        await db.schema.createIndex('resource_tags_account_key').on('resource_tags').columns(['account_id', 'key', 'value']).execute();

        await db.schema.createTable('cis_scan_configs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('schedule', 'text', (c) => c.notNull())
          .addColumn('targets', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('next_run_at', 'text')
          .addColumn('last_run_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('cis_scan_configs_account').on('cis_scan_configs').columns(['account_id', 'name']).execute();
        await db.schema.createIndex('cis_scan_configs_due').on('cis_scan_configs').column('next_run_at').execute();

        await db.schema.createTable('cis_scans')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('config_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('scheduled_by', 'text', (c) => c.notNull())
          .addColumn('scan_date', 'text', (c) => c.notNull())
          .addColumn('completed_at', 'text')
          .addColumn('targets_total', 'integer', (c) => c.notNull())
          .addColumn('targets_done', 'integer', (c) => c.notNull())
          .addColumn('passed', 'integer', (c) => c.notNull())
          .addColumn('failed', 'integer', (c) => c.notNull())
          .addColumn('skipped', 'integer', (c) => c.notNull())
          .addColumn('errors', 'integer', (c) => c.notNull())
          .addColumn('manual', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('cis_scans_account_date').on('cis_scans').columns(['account_id', 'scan_date']).execute();
        await db.schema.createIndex('cis_scans_config_date').on('cis_scans').columns(['config_id', 'scan_date']).execute();

        await db.schema.createTable('cis_scan_targets')
          .addColumn('scan_id', 'text', (c) => c.notNull())
          .addColumn('resource_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('resource_type', 'text', (c) => c.notNull())
          .addColumn('resource_name', 'text', (c) => c.notNull())
          .addColumn('benchmark_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('message', 'text')
          .addColumn('collected_at', 'text')
          .addColumn('passed', 'integer', (c) => c.notNull())
          .addColumn('failed', 'integer', (c) => c.notNull())
          .addColumn('skipped', 'integer', (c) => c.notNull())
          .addColumn('errors', 'integer', (c) => c.notNull())
          .addColumn('manual', 'integer', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('completed_at', 'text')
          .addPrimaryKeyConstraint('cis_scan_targets_pk', ['scan_id', 'resource_id'])
          .execute();
        // a resource's history across scans
        await db.schema.createIndex('cis_scan_targets_resource').on('cis_scan_targets').columns(['resource_id', 'scan_id']).execute();

        await db.schema.createTable('cis_check_results')
          .addColumn('scan_id', 'text', (c) => c.notNull())
          .addColumn('resource_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('check_id', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('evidence', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('cis_check_results_pk', ['scan_id', 'resource_id', 'check_id'])
          .execute();
        // results by check: a scan's rows of one check
        await db.schema.createIndex('cis_check_results_check').on('cis_check_results').columns(['scan_id', 'check_id']).execute();

        await db.schema.createTable('cis_agent_results')
          .addColumn('resource_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('benchmark_id', 'text', (c) => c.notNull())
          .addColumn('collected_at', 'text', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<any>) {
        for (const t of ['cis_agent_results', 'cis_check_results', 'cis_scan_targets', 'cis_scans', 'cis_scan_configs', 'resource_tags']) await db.schema.dropTable(t).execute();
      },
    },
    '0012_events_01_destinations': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('event_destinations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('filters', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('cursor', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('event_destinations_account').on('event_destinations').columns(['account_id', 'name']).execute();
        await db.schema.createTable('event_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('destination_id', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('event_id', 'bigint', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('last_attempt_at', 'text')
          .addColumn('response_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .addUniqueConstraint('event_deliveries_once', ['destination_id', 'event_id'])
          .execute();
        await db.schema.createIndex('event_deliveries_due').on('event_deliveries').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('event_deliveries_destination').on('event_deliveries').columns(['destination_id', 'event_id']).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('event_deliveries').execute();
        await db.schema.dropTable('event_destinations').execute();
      },
    },
  };
}
