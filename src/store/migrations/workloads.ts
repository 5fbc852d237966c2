/**
 * Running workloads (issue 19): per cluster, the containers last seen (a snapshot replaced on each
 * upload or poll), the Kubernetes API servers the engine polls, and on image resources the count of
 * running containers and when they last ran.
 */
import type { Kysely, Migration } from 'kysely';

export function workloadsMigrations(): Record<string, Migration> {
  return {
    '0013_workloads_01_containers': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('workload_containers')
          .addColumn('account_id', 'text', (c) => c.notNull())
          // kubernetes | ecs
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('cluster', 'text', (c) => c.notNull())
          // Kubernetes: the pod's namespace; ECS: the task's group ("service:web")
          .addColumn('namespace', 'text', (c) => c.notNull())
          // Kubernetes: the pod name; ECS: the task ARN
          .addColumn('workload', 'text', (c) => c.notNull())
          .addColumn('container', 'text', (c) => c.notNull())
          // 1 for an init container
          .addColumn('init', 'integer', (c) => c.notNull())
          // the image reference as the workload names it, and its resolved digest when reported
          .addColumn('image', 'text', (c) => c.notNull())
          .addColumn('image_digest', 'text')
          // the repository normalised (docker.io/library/nginx)
          .addColumn('repository', 'text', (c) => c.notNull())
          // running | waiting | terminated | unknown
          .addColumn('state', 'text', (c) => c.notNull())
          // the image resource it resolved to, if any
          .addColumn('resource_id', 'text')
          .addColumn('seen_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('workload_containers_cluster').on('workload_containers').columns(['account_id', 'kind', 'cluster']).execute();
        await db.schema.createIndex('workload_containers_resource').on('workload_containers').column('resource_id').execute();

        await db.schema.createTable('workload_clusters')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          // JSON {server, caData?, $sealed: the token} (engine/secrets.ts, bound to the id)
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('interval_minutes', 'integer', (c) => c.notNull())
          .addColumn('next_poll_at', 'text', (c) => c.notNull())
          .addColumn('last_polled_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('workload_clusters_name').on('workload_clusters').columns(['account_id', 'name']).unique().execute();

        await db.schema.alterTable('resources').addColumn('running_containers', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('resources').addColumn('last_in_use_at', 'text').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.alterTable('resources').dropColumn('last_in_use_at').execute();
        await db.schema.alterTable('resources').dropColumn('running_containers').execute();
        await db.schema.dropTable('workload_clusters').execute();
        await db.schema.dropTable('workload_containers').execute();
      },
    },
  };
}
