/**
 * Secrets at rest and blobs per account (issue 13):
 * - `blobs` keyed by (account, digest) instead of digest alone: the second account uploading the
 *   same bytes gets its own copy (it used to get 201 and then 404 on use, which also told it that
 *   someone else had uploaded them); `uploaded_at` is the last upload, for the garbage collector's
 *   grace period.
 * - `secret_meta`: which key seals the stored credentials (engine/secrets.ts), so a process
 *   started with another key stops with a clear error instead of failing later, one target at a time.
 * Encrypting the plaintext credentials of older databases needs the key, which migrations do not
 * have: engine/secrets.ts `prepareSecrets` does it at start-up (`vigil server`, `vigil worker`, `vigil admin`).
 */
import type { Kysely, Migration } from 'kysely';

export function secretsMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  // PostgreSQL's migrator runs each migration in a transaction; SQLite's does not (Kysely treats
  // its DDL as non-transactional), so the table swap gets one of its own: a crash leaves the old table
  const atomically = async (db: Kysely<any>, work: (db: Kysely<any>) => Promise<void>) =>
    dialect === 'sqlite' ? db.transaction().execute(work) : work(db);
  return {
    '0005_secrets_01_blobs_per_account': {
      async up(db: Kysely<any>) {
        await atomically(db, async (trx) => {
          await trx.schema.createTable('blobs_per_account')
            .addColumn('account_id', 'text', (c) => c.notNull())
            .addColumn('digest', 'text', (c) => c.notNull())
            .addColumn('media_type', 'text', (c) => c.notNull())
            .addColumn('size', 'bigint', (c) => c.notNull())
            .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
            .addColumn('uploaded_at', 'text', (c) => c.notNull())
            .addPrimaryKeyConstraint('blobs_per_account_pk', ['account_id', 'digest'])
            .execute();
          await trx.insertInto('blobs_per_account').columns(['account_id', 'digest', 'media_type', 'size', 'data', 'uploaded_at'])
            .expression(trx.selectFrom('blobs').select(['account_id', 'digest', 'media_type', 'size', 'data', 'created_at'])).execute();
          // a function of another account whose version names a digest first uploaded elsewhere
          // read that account's row; give it its own copy so it keeps scanning
          const fns = await trx.selectFrom('resources').select(['account_id', 'attributes']).where('type', '=', 'function').execute();
          for (const f of fns) {
            let a: { codeDigest?: unknown; layerDigests?: unknown };
            try { a = JSON.parse(f.attributes as string) as typeof a; } catch { continue; }
            const digests = [a.codeDigest, ...(Array.isArray(a.layerDigests) ? a.layerDigests : [])].filter((d): d is string => typeof d === 'string');
            for (const d of digests) {
              const own = await trx.selectFrom('blobs_per_account').select('digest').where('account_id', '=', f.account_id).where('digest', '=', d).executeTakeFirst();
              if (own) continue;
              const src = await trx.selectFrom('blobs_per_account').selectAll().where('digest', '=', d).limit(1).executeTakeFirst();
              if (src) await trx.insertInto('blobs_per_account').values({ ...src, account_id: f.account_id }).execute();
            }
          }
          await trx.schema.dropTable('blobs').execute();
          await trx.schema.alterTable('blobs_per_account').renameTo('blobs').execute();
        });
      },
    },
    '0005_secrets_02_meta': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('secret_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
  };
}
