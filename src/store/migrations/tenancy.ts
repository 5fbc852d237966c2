/** Tenancy tables: organizations, their accounts, and the accounts' API keys (hashed). */
import type { Kysely, Migration } from 'kysely';

export function tenancyMigrations(_dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0002_tenancy_01_tables': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('organizations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('scan_settings', 'text', (c) => c.notNull())
          .execute();

        await db.schema.createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('is_delegated_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('scan_settings', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('accounts_org').on('accounts').column('organization_id').execute();

        await db.schema.createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('prefix', 'text', (c) => c.notNull().unique())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

        await db.schema.createTable('tenancy_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
