/**
 * Gating policies (issue 19, findings/gate-policies.ts): an account's named policies, as written
 * (YAML or JSON) and as validated, and the sha256 of each policy's admission token (the token
 * itself is shown once, when the policy is created). The number is far above the others so that
 * migrations added meanwhile on other branches keep their order.
 */
import type { Kysely, Migration } from 'kysely';

export function gateMigrations(): Record<string, Migration> {
  return {
    '0900_gate_01_policies': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('gate_policies')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          // the body as sent (YAML or JSON), shown back by GET
          .addColumn('source', 'text', (c) => c.notNull())
          // yaml | json
          .addColumn('format', 'text', (c) => c.notNull())
          // JSON of the validated policy (defaults filled)
          .addColumn('policy', 'text', (c) => c.notNull())
          // hex sha256 of the admission token
          .addColumn('token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('gate_policies_pk', ['account_id', 'name'])
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('gate_policies').execute();
      },
    },
  };
}
