/**
 * Network reachability (issue 16, engine/network.ts): an account's uploaded topologies (the AWS CLI
 * outputs, analysed in the isolated scan process), the instances each holds, and each instance's
 * paths from the internet as the analysis found them. Findings themselves live in `findings`
 * (type network_reachability); these tables are what a host resource's findings are built from
 * whenever either side changes (a topology uploaded, a host reporting its instance id).
 */
import type { Kysely, Migration } from 'kysely';

export function networkMigrations(): Record<string, Migration> {
  return {
    '0010_network_01_tables': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('network_topologies')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('files', 'text', (c) => c.notNull())
          .addColumn('input_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('notes', 'text', (c) => c.notNull())
          .addColumn('counts', 'text', (c) => c.notNull())
          .addColumn('analyzed_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('network_topologies_pk', ['account_id', 'name'])
          .execute();
        await db.schema.createTable('network_instances')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('topology', 'text', (c) => c.notNull())
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('addresses', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('network_instances_pk', ['account_id', 'topology', 'instance_id'])
          .execute();
        await db.schema.createIndex('network_instances_instance').on('network_instances').columns(['account_id', 'instance_id']).execute();
        await db.schema.createTable('network_exposures')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('topology', 'text', (c) => c.notNull())
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('finding_key', 'text', (c) => c.notNull())
          .addColumn('finding', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('network_exposures_instance').on('network_exposures').columns(['account_id', 'instance_id']).execute();
        await db.schema.createIndex('network_exposures_topology').on('network_exposures').columns(['account_id', 'topology']).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('network_exposures').execute();
        await db.schema.dropTable('network_instances').execute();
        await db.schema.dropTable('network_topologies').execute();
      },
    },
  };
}
