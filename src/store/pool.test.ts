import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import { PG_ADMIN_URL, pgTestStore } from '../../test/helpers/stores.ts';

test('postgres: an idle connection the server ends does not stop the process; the next query opens a new one', async () => {
  const ts = await pgTestStore();
  try {
    const pool = ts.store.raw.pool!;
    const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(ts.store.db);
    const pid = before.rows[0].pid;
    assert.equal(pool.idleCount, 1);
    const warned = once(process, 'warning');
    // what an administrator (or a restart) does to the idle connection
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    const [warning] = (await warned) as [Error & { code?: string }];
    assert.equal(warning.code, 'VIGIL_STORE');
    assert.match(warning.message, /ended an idle connection.*terminating connection due to administrator command/);
    assert.ok(warning.message.includes(new URL(ts.url).pathname), 'names the database');
    const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(ts.store.db);
    assert.notEqual(after.rows[0].pid, pid);
  } finally {
    await ts.cleanup();
  }
});
