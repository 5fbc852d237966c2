import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { WalCheckpointer, type CheckpointResult } from './checkpoint.ts';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function walDatabase(name: string): { handle: Sqlite.Database; file: string } {
  const file = join(dir, name);
  const handle = new Sqlite(file);
  handle.pragma('journal_mode = WAL');
  handle.exec('create table t (id integer primary key, v blob)');
  return { handle, file };
}
const write = (h: Sqlite.Database, rows: number) => {
  const ins = h.prepare('insert into t (v) values (?)');
  h.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(Buffer.alloc(1024, i % 251));
  })();
};
async function until<T>(f: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('commits leave the log to the worker, which copies every frame into the database', async () => {
  const { handle, file } = walDatabase('a.db');
  const results: CheckpointResult[] = [];
  const c = new WalCheckpointer(handle, file, { intervalMs: 20, minBytes: 0, onResult: (r) => results.push(r) });
  assert.equal(handle.pragma('wal_autocheckpoint', { simple: true }), 0, 'the main connection does not checkpoint in its commits');
  write(handle, 3000); // ~3 MB: past SQLite's own 1,000-page threshold
  const done = await until(() => results.find((r) => (r.log ?? 0) > 1000 && r.log === r.checkpointed), 'a complete checkpoint');
  assert.equal(done.busy, 0);
  // a second write is checkpointed again; an unchanged log is not looked at twice
  const before = results.length;
  write(handle, 100);
  await until(() => (results.length > before ? true : undefined), 'the next checkpoint');
  const settled = results.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(results.length, settled, 'no checkpoint while the log does not change');
  assert.equal(handle.prepare('select count(*) from t').pluck().get(), 3100);
  await c.close();
  handle.close();
  assert.equal(existsSync(`${file}-wal`), false, 'the last connection removed the log');
});

test('no checkpoint while the main connection is in a transaction, unless the log passed the hard limit', async () => {
  const { handle, file } = walDatabase('c.db');
  const results: CheckpointResult[] = [];
  write(handle, 2000);
  handle.exec('begin');
  handle.prepare('select count(*) from t').get();
  const c = new WalCheckpointer(handle, file, { intervalMs: 20, minBytes: 0, onResult: (r) => results.push(r) });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(results.length, 0, 'held back during the transaction');
  handle.exec('commit');
  await until(() => results.find((r) => r.log === r.checkpointed && (r.log ?? 0) > 0), 'the checkpoint after it');
  await c.close();
  // past the hard limit it goes ahead
  write(handle, 2000);
  handle.exec('begin');
  const forced: CheckpointResult[] = [];
  const d = new WalCheckpointer(handle, file, { intervalMs: 20, minBytes: 0, maxBytes: 1024, onResult: (r) => forced.push(r) });
  await until(() => forced[0], 'a checkpoint past the hard limit');
  handle.exec('commit');
  await d.close();
  handle.close();
});

test('a worker that cannot start hands checkpoints back to the main connection', async () => {
  const { handle, file } = walDatabase('b.db');
  const results: CheckpointResult[] = [];
  const c = new WalCheckpointer(handle, file, { intervalMs: 20, minBytes: 0, driver: join(dir, 'no-such-driver.js'), onResult: (r) => results.push(r) });
  write(handle, 10);
  const failed = await until(() => results.find((r) => r.error), 'the fallback');
  assert.match(failed.error!, /the main connection checkpoints again/);
  assert.equal(handle.pragma('wal_autocheckpoint', { simple: true }), 1000);
  await c.close();
  handle.close();
});

test('a store closes its checkpoint worker with it', async () => {
  const file = join(dir, 'store.db');
  const store = await openStore(`sqlite:${file}`);
  assert.equal(store.raw.sqlite!.pragma('wal_autocheckpoint', { simple: true }), 0);
  await store.close();
  assert.equal(existsSync(`${file}-wal`), false, 'closed as the last connection: log checkpointed and removed');
});
