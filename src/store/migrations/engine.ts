/**
 * Tables of the continuous engine (src/engine): targets, blobs, engine markers; and the columns
 * the engine keeps on `resources` (its target, the image push/pull dates, attributes such as the
 * host's OS and listening sockets).
 */
import type { Kysely, Migration } from 'kysely';

export function engineMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0003_engine': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('targets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('next_poll_at', 'text')
          .addColumn('last_polled_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('targets_name').on('targets').columns(['account_id', 'kind', 'name']).unique().execute();
        await db.schema.createIndex('targets_due').on('targets').columns(['status', 'next_poll_at']).execute();

        await db.schema.createTable('blobs')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('media_type', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema.createTable('engine_state')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema.alterTable('resources').addColumn('target_id', 'text').execute();
        await db.schema.alterTable('resources').addColumn('pushed_at', 'text').execute();
        await db.schema.alterTable('resources').addColumn('last_pulled_at', 'text').execute();
        await db.schema.alterTable('resources').addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}')).execute();
        await db.schema.createIndex('resources_target').on('resources').columns(['target_id', 'name']).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropIndex('resources_target').execute();
        for (const c of ['attributes', 'last_pulled_at', 'pushed_at', 'target_id']) await db.schema.alterTable('resources').dropColumn(c).execute();
        await db.schema.dropTable('engine_state').execute();
        await db.schema.dropTable('blobs').execute();
        await db.schema.dropTable('targets').execute();
      },
    },
  };
}
