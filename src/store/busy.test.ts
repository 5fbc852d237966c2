/**
 * A write that finds SQLite's write lock held by another process's connection waits without holding
 * the event loop (the API's /healthz answers meanwhile), and goes through once the lock is free.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { openStore } from './index.ts';

test('SQLite: waiting for another connection\'s write lock leaves the event loop free', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-busy-'));
  const store = await openStore(`sqlite:${join(dir, 'vigil.db')}`);
  const other = new Sqlite(join(dir, 'vigil.db'));
  try {
    other.exec('begin immediate'); // another process holds the write lock
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const write = store.db.insertInto('engine_state').values({ key: 'busy-test', value: '1', updated_at: new Date().toISOString() }).execute();
    // the write is waiting; timers still run
    await new Promise((r) => setTimeout(r, 300));
    const during = ticks;
    other.exec('commit');
    await write;
    clearInterval(timer);
    assert.ok(during >= 5, `the event loop turned while the write waited (${during} ticks)`);
    const row = await store.db.selectFrom('engine_state').select('value').where('key', '=', 'busy-test').executeTakeFirst();
    assert.equal(row?.value, '1');
  } finally {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
