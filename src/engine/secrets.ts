/**
 * Credentials of targets at rest. A target's config is stored as JSON with its secret fields
 * (passwords, private keys and passphrases, webhook secrets, notification tokens) taken out and
 * sealed together in one envelope (store/secrets.ts) under `"$sealed"`, bound to the target's id:
 *
 *     {"url":"http://registry:5000","username":"ci","$sealed":"vgs1.<key id>.<iv>.<ciphertext‖tag>"}
 *
 * The database names the key that seals (`secret_meta.key_id`), so every process seals with the
 * same key even while a rotation is under way; `prepareSecrets` (start-up) refuses a keyring that
 * lacks it and seals the plaintext credentials older databases kept; `rotateSecrets` re-seals every
 * target under a new key in one transaction.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { VigilError } from '../model/errors.ts';
import { envelopeKeyId, missingKey, type Database, type SecretKeyring, type Store } from '../store/index.ts';

/** The config fields that are credentials: sealed at rest, shown by the API only as "set" (true/false). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['password', 'privateKey', 'passphrase', 'webhookSecret', 'notificationToken']);
/** The stored config's field holding the sealed credentials (never a user field: configs are strict objects) */
export const SEALED_FIELD = '$sealed';

/**
 * The tables whose `config` column holds sealed credentials under "$sealed", bound to the row's
 * id: targets, and (issue 19) event destinations (a webhook's signing secret, a Jira token) and
 * polled Kubernetes clusters (their API token). Start-up
 * checks, sealing of plaintext and key rotation go over each.
 */
export const SEALED_TABLES = ['targets', 'event_destinations', 'workload_clusters'] as const;

/**
 * The tables whose `destination` column holds an export destination (issue 19, engine/destinations.ts):
 * an S3 destination's secret access key sealed alone under "$sealed", bound to the export's id
 * (`exports/<id>`). Start-up checks and key rotation go over them too.
 */
export const SEALED_EXPORT_TABLES = ['findings_reports', 'sbom_exports'] as const;
/** The additional data an export destination's secret is bound to. */
export const exportAad = (exportId: string) => `exports/${exportId}`;

type Db = Kysely<Database> | Transaction<Database>;

const aadOf = (targetId: string) => `targets/${targetId}`;

function needKeyring(store: Store, targetId: string): SecretKeyring {
  if (!store.secrets) {
    throw new VigilError('VIGIL_CONFIG', `the credentials of target ${targetId} are sealed: this process opened the database without the secret key (VIGIL_SECRET_KEY or the key file)`, { input: targetId, rule: 'secret-key-missing' });
  }
  return store.secrets;
}

/** The key that seals in this database (`secret_meta.key_id`), or null before the first start. */
export async function sealingKeyId(db: Db): Promise<string | null> {
  const r = await db.selectFrom('secret_meta').select('value').where('key', '=', 'key_id').executeTakeFirst();
  return r?.value ?? null;
}

async function setSealingKeyId(db: Db, keyId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.insertInto('secret_meta').values({ key: 'key_id', value: keyId, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: keyId, updated_at: at })).execute();
}

function split(config: Record<string, unknown>): { open: Record<string, unknown>; secret: Record<string, unknown> } {
  const open: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === SEALED_FIELD) continue;
    if (SECRET_FIELDS.has(k)) { if (v !== undefined) secret[k] = v; } else open[k] = v;
  }
  return { open, secret };
}

function sealWith(ring: SecretKeyring, keyId: string, targetId: string, config: Record<string, unknown>): string {
  const { open, secret } = split(config);
  if (Object.keys(secret).length === 0) return JSON.stringify(open);
  return JSON.stringify({ ...open, [SEALED_FIELD]: ring.seal(JSON.stringify(secret), aadOf(targetId), keyId) });
}

/**
 * The JSON to store for a target's config: its credentials sealed under the database's sealing key.
 * @throws VigilError VIGIL_CONFIG when the config has credentials and the store has no keyring, or
 *   the keyring lacks the database's sealing key
 */
export async function sealTargetConfig(store: Store, db: Db, targetId: string, config: Record<string, unknown>): Promise<string> {
  const { secret } = split(config);
  if (Object.keys(secret).length === 0) return JSON.stringify(config);
  const ring = needKeyring(store, targetId);
  const keyId = (await sealingKeyId(db)) ?? ring.currentKeyId;
  if (!ring.has(keyId)) throw missingKey('this database', keyId, ring);
  return sealWith(ring, keyId, targetId, config);
}

/**
 * A stored config as the engine uses it, credentials opened. Configs written before secrets were
 * sealed (plaintext fields) are read as they are until `prepareSecrets` seals them.
 * @throws VigilError VIGIL_CONFIG (see SecretKeyring.open) when the credentials cannot be opened
 */
export function openTargetConfig(store: Store, targetId: string, stored: string): Record<string, unknown> {
  const config = JSON.parse(stored) as Record<string, unknown>;
  const sealed = config[SEALED_FIELD];
  if (sealed === undefined) return config;
  delete config[SEALED_FIELD];
  if (typeof sealed !== 'string') throw new VigilError('VIGIL_CONFIG', `the sealed credentials of target ${targetId} are not an envelope`, { input: targetId, rule: 'secret-envelope' });
  const secret = JSON.parse(needKeyring(store, targetId).open(sealed, aadOf(targetId))) as Record<string, unknown>;
  return { ...config, ...secret };
}

/**
 * Takes the write lock before the transaction reads: on SQLite a transaction that reads first and
 * then writes fails at once (SQLITE_BUSY, no waiting) when another connection wrote in between; on
 * PostgreSQL it locks the key row, so rotations and start-ups on one database run one at a time.
 */
async function lockForWrite(trx: Db): Promise<void> {
  await trx.updateTable('secret_meta').set({ updated_at: sql<string>`updated_at` }).where('key', '=', 'key_id').execute();
}

/** What a stored config holds: plaintext credentials (older databases), the key id of its envelope. */
function inspect(stored: string): { plaintext: boolean; keyId: string | null } {
  const c = JSON.parse(stored) as Record<string, unknown>;
  const plaintext = Object.keys(c).some((k) => SECRET_FIELDS.has(k));
  const sealed = c[SEALED_FIELD];
  return { plaintext, keyId: typeof sealed === 'string' ? envelopeKeyId(sealed) : null };
}

/** The key id of an export destination's sealed secret, or null (a directory, or no secret). */
function exportKeyId(stored: string | null): string | null {
  if (!stored) return null;
  const sealed = (JSON.parse(stored) as Record<string, unknown>)[SEALED_FIELD];
  return typeof sealed === 'string' ? envelopeKeyId(sealed) : null;
}

function resealExport(ring: SecretKeyring, keyId: string, exportId: string, stored: string): string {
  const o = JSON.parse(stored) as Record<string, unknown>;
  const secret = ring.open(String(o[SEALED_FIELD]), exportAad(exportId));
  return JSON.stringify({ ...o, [SEALED_FIELD]: ring.seal(secret, exportAad(exportId), keyId) });
}

/** Export rows with a sealed destination secret: id, stored destination, its key id. */
async function sealedExports(db: Db): Promise<{ table: (typeof SEALED_EXPORT_TABLES)[number]; id: string; destination: string; keyId: string }[]> {
  const out = [];
  for (const table of SEALED_EXPORT_TABLES) {
    for (const r of await db.selectFrom(table as 'findings_reports').select(['id', 'destination']).where('destination', 'is not', null).execute()) {
      const keyId = exportKeyId(r.destination);
      if (keyId) out.push({ table, id: r.id, destination: r.destination!, keyId });
    }
  }
  return out;
}

/**
 * The JSON stored for an export destination's secret: sealed under the database's sealing key (as
 * targets' credentials are: every process seals with the same key during a rotation).
 */
export async function sealExportSecret(store: Store, exportId: string, secret: string): Promise<string> {
  const ring = needKeyring(store, exportId);
  const keyId = (await sealingKeyId(store.db)) ?? ring.currentKeyId;
  if (!ring.has(keyId)) throw missingKey('this database', keyId, ring);
  return ring.seal(secret, exportAad(exportId), keyId);
}

/**
 * Start-up: checks that this process holds the key the database's credentials are sealed with
 * (a clear error now, not at each target's next poll), records the sealing key on a new database,
 * and seals the plaintext credentials of targets written by older versions. One transaction.
 * @returns how many targets' credentials were sealed now
 * @throws VigilError VIGIL_CONFIG "secret-key-mismatch" when a key the database uses is missing
 */
export async function prepareSecrets(store: Store, now = new Date()): Promise<{ sealed: number; keyId: string }> {
  const ring = needKeyring(store, '(start-up)');
  const r = await scrubbing(store, () => store.db.transaction().execute(async (trx) => {
    // the first process to start names the key; one starting at the same time with another key
    // inserts nothing here and fails the check below. A write first: see lockForWrite
    await trx.insertInto('secret_meta').values({ key: 'key_id', value: ring.currentKeyId, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('key').doNothing()).execute();
    const keyId = (await sealingKeyId(trx))!;
    if (!ring.has(keyId)) throw missingKey('this database', keyId, ring);
    let sealed = 0;
    for (const table of SEALED_TABLES) {
      for (const r of await trx.selectFrom(table as 'targets').select(['id', 'config']).execute()) {
        const s = inspect(r.config);
        if (s.keyId && !ring.has(s.keyId)) throw missingKey(`${table.replace(/s$/, '').replace(/_/g, ' ')} ${r.id}`, s.keyId, ring);
        if (!s.plaintext) continue;
        const config = openTargetConfig(store, r.id, r.config);
        await trx.updateTable(table as 'targets').set({ config: sealWith(ring, keyId, r.id, config) }).where('id', '=', r.id).execute();
        sealed++;
      }
    }
    for (const e of await sealedExports(trx)) if (!ring.has(e.keyId)) throw missingKey(`${e.table.replace(/s$/, '').replace(/_/g, ' ')} ${e.id}`, e.keyId, ring);
    return { sealed, keyId, changed: sealed };
  }));
  return { sealed: r.sealed, keyId: r.keyId };
}

/**
 * Runs a transaction that rewrites credentials so that what it replaced does not stay readable in
 * the database files: on SQLite with `secure_delete` (freed cells and pages are zeroed) and then a
 * TRUNCATE checkpoint (the old page images in the database file are overwritten, the log emptied);
 * on PostgreSQL `VACUUM FULL targets` (the old row versions are left in no heap page). Only when
 * something was rewritten (`changed` > 0).
 */
async function scrubbing<T extends { changed: number }>(store: Store, work: () => Promise<T>): Promise<T> {
  const handle = store.raw.sqlite;
  const before = handle ? handle.pragma('secure_delete', { simple: true }) : undefined;
  if (handle) handle.pragma('secure_delete = ON');
  let out: T;
  try {
    out = await work();
  } finally {
    if (handle) handle.pragma(`secure_delete = ${Number(before) ? 'ON' : 'OFF'}`);
  }
  if (out.changed > 0) {
    if (handle) handle.pragma('wal_checkpoint(TRUNCATE)');
    else if (store.dialect === 'postgres') {
      await olderTransactionsEnded(store.db);
      for (const t of [...SEALED_TABLES, ...SEALED_EXPORT_TABLES]) await sql`vacuum full ${sql.table(t)}`.execute(store.db);
    }
  }
  return out;
}

/** How long scrubbing waits for the transactions that may still see the replaced rows. */
const SCRUB_WAIT_MS = 10_000;

/**
 * Waits (at most SCRUB_WAIT_MS) until no other session of this database is in a transaction that
 * began before the rewrite committed. One that did (an autovacuum worker's ANALYZE of the catalogs of
 * a new database, a long report) may still see the replaced row versions, and VACUUM FULL then copies
 * them into the table's new files as "recently dead": the plaintext stays on disk. Seen as a flaky
 * test under load (secrets.test.ts). Best effort: a non-superuser does not see other roles' sessions
 * in pg_stat_activity, and a session past the wait is not waited for.
 */
async function olderTransactionsEnded(db: Kysely<Database>): Promise<void> {
  const since = (await sql<{ t: Date }>`select clock_timestamp() as t`.execute(db)).rows[0]!.t;
  const deadline = Date.now() + SCRUB_WAIT_MS;
  for (;;) {
    const { n } = (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and backend_xmin is not null and xact_start < ${since}`.execute(db)).rows[0]!;
    if (n === 0 || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Re-seals every target's credentials (and every sealed table's: SEALED_TABLES, SEALED_EXPORT_TABLES) under the keyring's current key and makes it the
 * database's sealing key, in one transaction (all or nothing). The keyring must also hold every
 * key the rows are sealed with now.
 * @returns how many targets were re-sealed, the new sealing key id and the previous one
 *   (`targetsNotSealedWith` finds targets a process wrote concurrently under the previous key)
 */
export async function rotateSecrets(store: Store, now = new Date()): Promise<{ resealed: number; keyId: string; previousKeyId: string | null }> {
  const ring = needKeyring(store, '(rotation)');
  const r = await scrubbing(store, () => store.db.transaction().execute(async (trx) => {
    await lockForWrite(trx);
    const previousKeyId = await sealingKeyId(trx);
    if (previousKeyId && !ring.has(previousKeyId)) throw missingKey('this database', previousKeyId, ring);
    const keyId = ring.currentKeyId;
    await setSealingKeyId(trx, keyId, now);
    let resealed = 0;
    for (const table of SEALED_TABLES) {
      for (const r of await trx.selectFrom(table as 'targets').select(['id', 'config']).execute()) {
        const s = inspect(r.config);
        if (!s.plaintext && s.keyId === null) continue; // no credentials
        if (!s.plaintext && s.keyId === keyId) continue;
        const config = openTargetConfig(store, r.id, r.config);
        await trx.updateTable(table as 'targets').set({ config: sealWith(ring, keyId, r.id, config) }).where('id', '=', r.id).execute();
        resealed++;
      }
    }
    for (const e of await sealedExports(trx)) {
      if (e.keyId === keyId) continue;
      await trx.updateTable(e.table as 'findings_reports').set({ destination: resealExport(ring, keyId, e.id, e.destination) }).where('id', '=', e.id).execute();
      resealed++;
    }
    return { resealed, keyId, previousKeyId, changed: resealed };
  }));
  return { resealed: r.resealed, keyId: r.keyId, previousKeyId: r.previousKeyId };
}

/** Targets, event destinations, clusters and exports whose credentials are not sealed under `keyId` (plaintext or another key). */
export async function targetsNotSealedWith(db: Db, keyId: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of SEALED_TABLES) {
    for (const r of await db.selectFrom(table as 'targets').select(['id', 'config']).execute()) {
      const s = inspect(r.config);
      if (s.plaintext || (s.keyId !== null && s.keyId !== keyId)) out.push(r.id);
    }
  }
  for (const e of await sealedExports(db)) if (e.keyId !== keyId) out.push(e.id);
  return out;
}
