/**
 * Findings reports (issue 19, engine/findings-report.ts) and export destinations: one row per
 * report (its stored filter, status, and where it went), and the destination of an SBOM export
 * (a directory or an S3 bucket; its secret sealed, engine/destinations.ts).
 */
import type { Kysely, Migration } from 'kysely';

export function exportsMigrations(): Record<string, Migration> {
  return {
    '0013_s3_01_findings_reports': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('findings_reports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('filter', 'text', (c) => c.notNull())
          .addColumn('destination', 'text')
          .addColumn('findings', 'integer')
          .addColumn('location', 'text')
          .addColumn('error', 'text')
          .addColumn('blob_digest', 'text')
          .addColumn('size', 'bigint')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('completed_at', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('findings_reports_account').on('findings_reports').columns(['account_id', 'created_at']).execute();
        await db.schema.createIndex('findings_reports_expiry').on('findings_reports').column('expires_at').execute();
        await db.schema.alterTable('sbom_exports').addColumn('destination', 'text').execute();
        await db.schema.alterTable('sbom_exports').addColumn('location', 'text').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('findings_reports').execute();
        await db.schema.alterTable('sbom_exports').dropColumn('location').execute();
        await db.schema.alterTable('sbom_exports').dropColumn('destination').execute();
      },
    },
  };
}
