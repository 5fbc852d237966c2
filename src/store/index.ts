/**
 * The store: Kysely over better-sqlite3 (the embedded default, one file in WAL mode) or `pg`
 * (a postgres:// URL). Callers get the same typed query builder either way.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { VigilError } from '../model/index.ts';
import { migrationsFor } from './migrations.ts';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';
export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  url: string;
  /** the driver handles, for the few hot paths that use prepared statements directly */
  raw: { sqlite?: Sqlite.Database; pool?: pg.Pool };
  close(): Promise<void>;
}

/** Turns "sqlite:/path", "file:/path", a bare path, or "postgres://…" into a store. Runs migrations. */
export async function openStore(url: string): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  const raw: Store['raw'] = {};
  if (/^postgres(ql)?:\/\//.test(url)) {
    dialect = 'postgres';
    // bigint/numeric come back as strings by default; counts here fit in a double
    pg.types.setTypeParser(20, (v) => Number(v));
    pg.types.setTypeParser(1700, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    raw.pool = pool;
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    let handle: Sqlite.Database;
    try {
      handle = new Sqlite(file);
    } catch (err) {
      throw new VigilError('VIGIL_STORE', `cannot open SQLite database ${file}: ${(err as Error).message}`, { input: file, rule: 'sqlite-open', cause: err });
    }
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('busy_timeout = 30000');
    handle.pragma('foreign_keys = ON');
    raw.sqlite = handle;
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
  }
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(dialect) };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new VigilError('VIGIL_STORE', `database migration failed on ${redactUrl(url)}: ${(error as Error).message}`, { input: redactUrl(url), rule: 'migration', cause: error });
  }
  return { db, dialect, url, raw, close: () => db.destroy() };
}

/** Hides a password in a database URL before it reaches a log or an error. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
