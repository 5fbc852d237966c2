/**
 * Uploaded blobs per account and their garbage collection, on SQLite and PostgreSQL; and the
 * migration that turned the digest-keyed table of older databases into the per-account one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { makeZip } from '../../test/helpers/zip.ts';
import { silentLogger } from '../log.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { createAccount } from '../server/tenancy/repo.ts';
import { openStore } from '../store/index.ts';
import { migrationsFor } from '../store/migrations.ts';
import { collectBlobs, createTarget, Engine, putBlob, setFunctionVersion, type Target } from './index.ts';
import { openQueue, type JobQueue } from './queue/index.ts';

const HOUR = 3_600_000;
const zip = (name: string) => makeZip([{ name: `${name}.txt`, data: name }]);

for (const [dialect, make] of dialects) {
  describe(`blobs per account (${dialect})`, () => {
    let ts: TestStore;
    let queue: JobQueue;
    let engine: Engine;
    let A: string;
    let B: string;
    let clock = new Date('2026-03-01T00:00:00.000Z');
    const later = (ms: number) => (clock = new Date(clock.getTime() + ms));
    const ctx = () => engine.ctx;
    const blobs = async () => (await ts.store.db.selectFrom('blobs').select(['account_id', 'digest']).execute())
      .map((b) => `${b.account_id === A ? 'A' : 'B'}:${b.digest}`).sort();
    const fn = (accountId: string, name: string) => createTarget(ts.store, { accountId, kind: 'function', name, config: {} }, clock);

    before(async () => {
      ts = await make();
      const b = await bootstrap(ts.store);
      A = b!.delegatedAdmin.id;
      B = (await createAccount(ts.store.db, b!.organization.id, 'B')).id;
      queue = await openQueue(ts.store, { log: silentLogger() });
      engine = new Engine({ store: ts.store, queue, log: silentLogger(), now: () => clock });
    });
    after(async () => {
      await queue?.stop();
      await ts?.cleanup();
    });

    test('identical bytes of two accounts are two rows; each account references only its own', async () => {
      const code = await putBlob(ts.store, A, zip('code-1'), 'application/zip', clock);
      const layer = await putBlob(ts.store, A, zip('layer-1'), 'application/zip', clock);
      assert.equal(await putBlob(ts.store, B, zip('code-1'), 'application/zip', clock), code);
      const f: Target = await fn(A, 'fa');
      await setFunctionVersion(ctx(), f, code, [layer]);
      await assert.rejects(setFunctionVersion(ctx(), await fn(B, 'fb'), code, [layer]), /layer .* was not uploaded to this account/);
      assert.deepEqual(await blobs(), [`A:${code}`, `A:${layer}`, `B:${code}`].sort());

      // two days later: A's version keeps its blobs; B's copy, referenced by nothing, goes
      later(48 * HOUR);
      const gone = await collectBlobs(ts.store, clock);
      assert.deepEqual(gone, [{ accountId: B, digest: code }]);
      assert.deepEqual(await blobs(), [`A:${code}`, `A:${layer}`].sort());
    });

    test('a new version releases the old one\'s blobs after the grace period; fresh uploads are kept until then', async () => {
      const f = (await ts.store.db.selectFrom('targets').select('id').where('name', '=', 'fa').executeTakeFirstOrThrow()).id;
      const target = (await import('./targets.ts')).getTarget(ts.store, f);
      const code2 = await putBlob(ts.store, A, zip('code-2'), 'application/zip', clock);
      await setFunctionVersion(ctx(), (await target)!, code2, []);
      const pending = await putBlob(ts.store, A, zip('layer-not-yet-used'), 'application/zip', clock);
      later(HOUR);
      const before = await blobs();
      const gone = await collectBlobs(ts.store, clock);
      assert.deepEqual(gone.map((g) => g.digest).sort(), before.filter((b) => !b.endsWith(code2) && !b.endsWith(pending)).map((b) => b.slice(2)).sort(), 'the first version\'s code and layer');
      assert.equal(gone.length, 2);
      assert.deepEqual(await blobs(), [`A:${code2}`, `A:${pending}`].sort(), 'the current version and the fresh upload stay');
      later(24 * HOUR);
      assert.deepEqual((await collectBlobs(ts.store, clock)).map((g) => g.digest), [pending]);
      // uploading the same bytes again restarts the grace period
      const again = await putBlob(ts.store, A, zip('again'), 'application/zip', clock);
      later(23 * HOUR);
      await putBlob(ts.store, A, zip('again'), 'application/zip', clock);
      later(2 * HOUR);
      assert.deepEqual(await collectBlobs(ts.store, clock), []);
      assert.ok((await blobs()).includes(`A:${again}`));
    });

    test('deleting a function releases its blobs at once, except those another function of the account uses', async () => {
      const shared = await putBlob(ts.store, A, zip('shared-layer'), 'application/zip', clock);
      const own = await putBlob(ts.store, A, zip('own-code'), 'application/zip', clock);
      const other = await putBlob(ts.store, A, zip('other-code'), 'application/zip', clock);
      const f1 = await fn(A, 'f1');
      const f2 = await fn(A, 'f2');
      await setFunctionVersion(ctx(), f1, own, [shared]);
      await setFunctionVersion(ctx(), f2, other, [shared]);
      await engine.removeTarget(f1);
      const left = await blobs();
      assert.ok(!left.includes(`A:${own}`), 'its own code goes within the grace period');
      assert.ok(left.includes(`A:${shared}`) && left.includes(`A:${other}`), 'what f2 uses stays');
    });

    test('the engine tick collects at most hourly', async () => {
      const stray = await putBlob(ts.store, B, zip('stray'), 'application/zip', clock);
      later(25 * HOUR);
      await engine.tick();
      assert.ok(!(await blobs()).includes(`B:${stray}`), 'collected by the tick');
      const stray2 = await putBlob(ts.store, B, zip('stray-2'), 'application/zip', new Date(clock.getTime() - 48 * HOUR));
      later(30 * 60_000);
      await engine.tick();
      assert.ok((await blobs()).includes(`B:${stray2}`), 'not again within the hour');
      later(31 * 60_000);
      await engine.tick();
      assert.ok(!(await blobs()).includes(`B:${stray2}`));
    });
  });
}

test('migration 0005_secrets_01: the digest-keyed blobs of an older database become per account, with a copy for each account whose function used another\'s row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-blobs-migration-'));
  try {
    const file = join(dir, 'old.db');
    const handle = new Sqlite(file);
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: handle }) });
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrationsFor('sqlite') } }).migrateTo('0004_vulndb_01_change_set_groups');
    assert.equal(error, undefined);
    const at = '2026-01-01T00:00:00.000Z';
    const data = zip('old-layer');
    await db.insertInto('blobs').values({ digest: 'sha256:old', account_id: 'acc_a', media_type: 'application/zip', size: data.length, data, created_at: at }).execute();
    const resource = (id: string, account: string) => ({
      id, account_id: account, type: 'function', name: id, ref: null, digest: 'sha256:v', tags: '[]', coverage_status: 'ACTIVE', coverage_reason: 'SUCCESSFUL',
      last_scanned_at: null, created_at: at, updated_at: at, attributes: JSON.stringify({ codeDigest: 'sha256:old', layerDigests: [] }),
    });
    const cols = (await db.introspection.getTables()).find((t) => t.name === 'resources')!.columns.map((c) => c.name);
    for (const r of [resource('fn-a', 'acc_a'), resource('fn-b', 'acc_b')]) {
      const row: Record<string, unknown> = Object.fromEntries(Object.entries(r).filter(([k]) => cols.includes(k)));
      for (const c of (await db.introspection.getTables()).find((t) => t.name === 'resources')!.columns) if (!c.isNullable && !c.hasDefaultValue && !(c.name in row)) row[c.name] = c.dataType.toLowerCase().includes('int') ? 0 : '';
      await db.insertInto('resources').values(row).execute();
    }
    await db.destroy();
    const store = await openStore(`sqlite:${file}`);
    try {
      const rows = await store.db.selectFrom('blobs').select(['account_id', 'digest', 'uploaded_at', 'data']).orderBy('account_id').execute();
      assert.deepEqual(rows.map((r) => [r.account_id, r.digest, r.uploaded_at]), [['acc_a', 'sha256:old', at], ['acc_b', 'sha256:old', at]]);
      assert.ok(Buffer.from(rows[1].data).equals(data));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
