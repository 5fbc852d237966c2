/**
 * SBOM export jobs (issue 15, engine/sbom.ts): one row per export, its status and its archive's
 * blob digest. Listed per account, newest first; expired rows are found by `expires_at`.
 */
import type { Kysely, Migration } from 'kysely';

export function sbomMigrations(): Record<string, Migration> {
  return {
    '0007_sbom_01_exports': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('sbom_exports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('request', 'text', (c) => c.notNull())
          .addColumn('resource_ids', 'text', (c) => c.notNull())
          .addColumn('resource_count', 'integer', (c) => c.notNull())
          .addColumn('documents', 'integer')
          .addColumn('error', 'text')
          .addColumn('blob_digest', 'text')
          .addColumn('size', 'bigint')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('completed_at', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sbom_exports_account').on('sbom_exports').columns(['account_id', 'created_at']).execute();
        await db.schema.createIndex('sbom_exports_expiry').on('sbom_exports').column('expires_at').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('sbom_exports').execute();
      },
    },
  };
}
