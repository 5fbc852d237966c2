/**
 * Console sessions (issue 15): `vigil_session` cookies exchanged for an API key at POST /v1/session
 * (src/server/session.ts). The row is keyed by the sha256 of the cookie's token, so a copy of the
 * database lets nobody take over a session; the key is resolved again on every request, so a
 * revoked key ends its sessions at once.
 */
import type { Kysely, Migration } from 'kysely';

export function sessionsMigrations(_dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0006_sessions_01_table': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('sessions')
          // hex sha256 of the cookie's token; the token itself is never stored
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          // the absolute end (created_at + lifetime); the idle end is last_seen_at + the idle timeout
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_key').on('sessions').column('key_id').execute();
        await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
      },
    },
  };
}
