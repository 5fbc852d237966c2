/**
 * Migrations, in order. Written once for both dialects: only portable column types (text, integer,
 * double precision) and Kysely's schema builder, so SQLite and PostgreSQL get the same tables.
 */
import { type Kysely, type Migration } from 'kysely';
import { findingsMigrations } from './migrations/findings.ts';
import { tenancyMigrations } from './migrations/tenancy.ts';
import { queueMigrations } from './migrations/queue.ts';
import { engineMigrations } from './migrations/engine.ts';
import { secretsMigrations } from './migrations/secrets.ts';
import { sessionsMigrations } from './migrations/sessions.ts';
import { sbomMigrations } from './migrations/sbom.ts';
import { networkMigrations } from './migrations/network.ts';
import { cisMigrations } from './migrations/cis.ts';
import { gateMigrations } from './migrations/gate.ts';
import { digestMigrations } from './migrations/digest.ts';
import { exportsMigrations } from './migrations/exports.ts';
import { workloadsMigrations } from './migrations/workloads.ts';

/**
 * Every migration, by name (Kysely runs them in name order). Each area keeps its own in
 * migrations/<area>.ts; this list joins them.
 */
export function migrationsFor(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    ...vulndbMigrations(dialect),
    ...findingsMigrations(dialect),
    ...tenancyMigrations(dialect),
    ...queueMigrations(dialect),
    ...engineMigrations(dialect),
    ...secretsMigrations(dialect),
    ...sessionsMigrations(dialect),
    ...sbomMigrations(),
    ...networkMigrations(),
    ...cisMigrations(),
    ...gateMigrations(),
    ...digestMigrations(),
    ...exportsMigrations(),
    ...workloadsMigrations(),
  };
}

function vulndbMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
  '0001_vulndb': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('vuln_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('modified', 'text', (c) => c.notNull())
        .addColumn('published', 'text')
        .addColumn('withdrawn', 'text')
        .addColumn('summary', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('json', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vuln_records_source').on('vuln_records').column('source').execute();

      await db.schema.createTable('vuln_affected')
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('ecosystem_base', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        // the record cut down to this package's affected entries: what matching reads, so a lookup
        // reads one small row, not a 500-package erratum
        .addColumn('slim', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vuln_affected_pkg').on('vuln_affected').columns(['ecosystem', 'name']).execute();
      await db.schema.createIndex('vuln_affected_base').on('vuln_affected').columns(['ecosystem_base', 'name']).execute();
      await db.schema.createIndex('vuln_affected_record').on('vuln_affected').column('record_id').execute();

      await db.schema.createTable('vuln_aliases')
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vuln_aliases_alias').on('vuln_aliases').column('alias').execute();
      await db.schema.createIndex('vuln_aliases_record').on('vuln_aliases').column('record_id').execute();

      await db.schema.createTable('vuln_groups')
        .addColumn('member', 'text', (c) => c.primaryKey())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vuln_groups_group').on('vuln_groups').column('group_id').execute();

      await db.schema.createTable('cve_enrichment')
        .addColumn('cve', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('kev', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cvss_score', 'double precision')
        .addColumn('epss', 'double precision')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('sources')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('last_imported_at', 'text', (c) => c.notNull())
        .addColumn('data_date', 'text')
        .addColumn('record_count', 'integer', (c) => c.notNull())
        .addColumn('invalid_count', 'integer', (c) => c.notNull())
        .addColumn('etag', 'text')
        .addColumn('last_modified', 'text')
        .addColumn('meta', 'text')
        .execute();

      // SQLite has no identity columns; its INTEGER PRIMARY KEY AUTOINCREMENT does the same
      await db.schema.createTable('import_runs')
        .addColumn('id', 'integer', (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('stats', 'text')
        .execute();

      await db.schema.createTable('import_errors')
        .addColumn('run_id', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('import_errors_run').on('import_errors').column('run_id').execute();

      await db.schema.createTable('change_sets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('added', 'integer', (c) => c.notNull())
        .addColumn('modified', 'integer', (c) => c.notNull())
        .addColumn('withdrawn', 'integer', (c) => c.notNull())
        .addColumn('enriched', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createTable('change_set_records')
        .addColumn('change_set_id', 'integer', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_set_records_cs').on('change_set_records').column('change_set_id').execute();
      await db.schema.createTable('change_set_packages')
        .addColumn('change_set_id', 'integer', (c) => c.notNull())
        .addColumn('ecosystem', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_set_packages_cs').on('change_set_packages').column('change_set_id').execute();
    },
  },
  // the alias groups a change set touches (a delta rematch rebuilds the findings of exactly those);
  // change sets written before have none and are rematched in full
  '0004_vulndb_01_change_set_groups': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('change_set_groups')
        .addColumn('change_set_id', 'integer', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_set_groups_cs').on('change_set_groups').column('change_set_id').execute();
    },
  },
};
}
