/**
 * The store: Kysely over better-sqlite3 (the embedded default, one file in WAL mode) or `pg`
 * (a postgres:// URL). Callers get the same typed query builder either way.
 */
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type MigrationProvider, type QueryResult, type SqliteDatabase } from 'kysely';
import type { Pool as PgPool } from 'pg';
import { VigilError } from '../model/errors.ts';
import { WalCheckpointer } from './checkpoint.ts';
import { migrationsFor } from './migrations.ts';
import type { Database } from './schema.ts';
import { createPrivateFile, ensurePrivateFile, type SecretKeyring } from './secrets.ts';

export type { Database } from './schema.ts';
export type { SecretKeySpec } from './secrets.ts';
export { SecretKeyring, loadSecretKeyring, ensurePrivateDir, ensurePrivateFile, generateSecretKey, isEnvelope, envelopeKeyId, missingKey, SECRET_KEY_ENV, SECRET_KEY_FILE } from './secrets.ts';
export type Dialect = 'sqlite' | 'postgres';
export { eventFindingId } from './migrations/findings.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  url: string;
  /**
   * the driver handles, for the few hot paths that use prepared statements directly; `statements`:
   * the SQLite connection's prepared statements by text (the ones Kysely's queries use too)
   */
  raw: { sqlite?: Sqlite.Database; statements?: StatementCache; pool?: PgPool };
  /**
   * the keys that seal and open stored credentials (engine/secrets.ts); absent in processes that
   * never touch them (`vigil db`, `vigil scan`), where reading or writing a credential is an error
   */
  secrets?: SecretKeyring;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * Told when PostgreSQL ends an idle pooled connection (a restart, an administrator, a network
   * cut); the pool drops it and the next query opens a new one. Default: a process warning.
   */
  onIdleError?: (err: Error, database: string) => void;
  /** the keyring for stored credentials (see {@link Store.secrets}) */
  secrets?: SecretKeyring;
  /**
   * Told when a SQLite database file (or its -wal/-shm) was readable by others and has been made
   * 0600. Default: a process warning.
   */
  onWarning?: (message: string) => void;
}

/** Turns "sqlite:/path", "file:/path", a bare path, or "postgres://…" into a store. Runs migrations. */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  const raw: Store['raw'] = {};
  let checkpointer: WalCheckpointer | undefined;
  if (/^postgres(ql)?:\/\//.test(url)) {
    dialect = 'postgres';
    // imported here: the pg driver (and what it loads) costs ~0.1–0.2 s of start-up that a SQLite
    // process (`vigil scan`, its isolated scan process) would pay for nothing
    const { default: pg } = await import('pg');
    // bigint/numeric come back as strings by default; counts here fit in a double
    pg.types.setTypeParser(20, (v) => Number(v));
    pg.types.setTypeParser(1700, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    // an idle connection the server ends (a restart, an administrator, a network cut) is an 'error'
    // on the pool, which would be an uncaught exception and stop the process: the pool drops that
    // connection and opens a new one for the next query (queries in flight fail with their own error)
    pool.on('error', (err) => {
      if (opts.onIdleError) opts.onIdleError(err, redactUrl(url));
      else process.emitWarning(`PostgreSQL ended an idle connection of ${redactUrl(url)}: ${err.message} (the next query opens a new one)`, { code: 'VIGIL_STORE' });
    });
    raw.pool = pool;
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
    if (file !== ':memory:') {
      // the database holds credentials (sealed) and every tenant's inventory: private to the
      // owner. SQLite gives the -wal and -shm files the mode of the database file, so creating the
      // database 0600 (in a 0700 directory when it makes one) keeps all three private; files from
      // older versions (0644) are tightened with a warning.
      try {
        createPrivateFile(file);
      } catch (err) {
        throw new VigilError('VIGIL_STORE', `cannot create SQLite database ${file}: ${(err as Error).message}`, { input: file, rule: 'sqlite-open', cause: err });
      }
      for (const f of [file, `${file}-wal`, `${file}-shm`]) ensurePrivateFile(f, opts.onWarning);
    }
    let handle: Sqlite.Database;
    try {
      handle = new Sqlite(file);
    } catch (err) {
      throw new VigilError('VIGIL_STORE', `cannot open SQLite database ${file}: ${(err as Error).message}`, { input: file, rule: 'sqlite-open', cause: err });
    }
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    // no synchronous busy wait: a statement that finds the write lock taken (another process — an
    // isolated scan recording, a worker, `vigil db import`) fails at once with SQLITE_BUSY and the
    // dialect below retries it after an asynchronous pause, for up to BUSY_WAIT_MS; a busy wait
    // inside better-sqlite3 would hold this process's event loop (the API's /healthz) meanwhile
    handle.pragma('busy_timeout = 0');
    handle.pragma('foreign_keys = ON');
    // 64 MiB of page cache (the default 2 MiB makes every write of a large findings table's indexes a read too)
    handle.pragma('cache_size = -65536');
    // (no memory map: with `mmap_size` = 2 GB the findings API's pages were ~30% slower at p99 and
    // the delta rematch no faster; see README.md)
    // the write-ahead log is checkpointed on a worker thread, not inside commits (see checkpoint.ts)
    if (file !== ':memory:') checkpointer = new WalCheckpointer(handle, file);
    raw.sqlite = handle;
    const statements = (raw.statements = new StatementCache(handle));
    db = new Kysely<Database>({ dialect: new AsyncBusySqliteDialect({ database: { close: () => handle.close(), prepare: (text: string) => statements.get(text) } satisfies SqliteDatabase }) });
  }
  const migrations = migrationsFor(dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error } = (await migrated(db, migrations)) ? { error: undefined } : await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await checkpointer?.close();
    await db.destroy();
    throw new VigilError('VIGIL_STORE', `database migration failed on ${redactUrl(url)}: ${(error as Error).message}`, { input: redactUrl(url), rule: 'migration', cause: error });
  }
  return {
    db, dialect, url, raw,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    close: async () => {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

/**
 * Whether every migration has run (and no other): then opening the store needs no Migrator, whose
 * run takes the migration lock in a write transaction and reads the schema of every table (~10 ms
 * warm, ~30 ms in a fresh process such as each isolated scan's). A database without the migration
 * table, or with any migration missing or unknown, goes through the Migrator as before.
 */
async function migrated(db: Kysely<Database>, migrations: Record<string, unknown>): Promise<boolean> {
  let done: Set<string>;
  try {
    done = new Set((await (db as unknown as Kysely<{ kysely_migration: { name: string } }>).selectFrom('kysely_migration').select('name').execute()).map((r) => r.name));
  } catch {
    // no migration table: a new database
    return false;
  }
  const names = Object.keys(migrations);
  return done.size === names.length && names.every((n) => done.has(n));
}

/** how long a statement waits for another connection's write lock in all (as busy_timeout did) */
export const BUSY_WAIT_MS = 30_000;

/**
 * Kysely's SQLite dialect, with SQLITE_BUSY retried asynchronously (5 ms, doubling to 100 ms, for up
 * to {@link BUSY_WAIT_MS}). Only plain SQLITE_BUSY is retried: the statement did nothing, and the
 * connection's mutex stays held across the pause, so a transaction's statements stay in order.
 * SQLITE_BUSY_SNAPSHOT (a transaction that read before another connection committed) is not
 * retryable and is thrown, as before.
 */
class AsyncBusySqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const inner = super.createDriver();
    const retrying = (c: DatabaseConnection): DatabaseConnection => ({
      executeQuery: <R>(q: CompiledQuery) => withBusyRetry(() => c.executeQuery<R>(q)),
      streamQuery: <R>(q: CompiledQuery, chunkSize?: number) => c.streamQuery<R>(q, chunkSize),
    });
    return {
      init: () => inner.init(),
      acquireConnection: async () => retrying(await inner.acquireConnection()),
      beginTransaction: (c, s) => inner.beginTransaction(c, s),
      commitTransaction: (c) => inner.commitTransaction(c),
      rollbackTransaction: (c) => inner.rollbackTransaction(c),
      savepoint: inner.savepoint ? (c, n, f) => inner.savepoint!(c, n, f) : undefined,
      rollbackToSavepoint: inner.rollbackToSavepoint ? (c, n, f) => inner.rollbackToSavepoint!(c, n, f) : undefined,
      releaseSavepoint: inner.releaseSavepoint ? (c, n, f) => inner.releaseSavepoint!(c, n, f) : undefined,
      releaseConnection: (c) => inner.releaseConnection(c),
      destroy: () => inner.destroy(),
    };
  }
}

async function withBusyRetry<R>(f: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let pause = 5; ; pause = Math.min(100, pause * 2)) {
    try {
      return await f();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() + pause > deadline) throw err;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/**
 * Prepared statements by SQL text, the least recently used dropped beyond `max`. Kysely prepares a
 * statement for every query and better-sqlite3 parses and plans each one anew; the store's Kysely
 * goes through one of these, and src/findings/query.ts keeps one in raw (array) mode for its
 * pages. A statement still being iterated is not handed out twice.
 */
export class StatementCache {
  private readonly map = new Map<string, Sqlite.Statement>();
  constructor(private readonly handle: Sqlite.Database, private readonly opts: { max?: number; raw?: boolean } = {}) {}
  get(text: string): Sqlite.Statement {
    const hit = this.map.get(text);
    if (hit && !hit.busy) {
      this.map.delete(text);
      this.map.set(text, hit);
      return hit;
    }
    const st = this.handle.prepare(text);
    if (this.opts.raw) st.raw(true);
    if (!hit) {
      this.map.set(text, st);
      if (this.map.size > (this.opts.max ?? 256)) this.map.delete(this.map.keys().next().value!);
    }
    return st;
  }
}

/** Hides a password in a database URL before it reaches a log or an error. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
