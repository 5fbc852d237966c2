import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { PG_ADMIN_URL, pgTestStore } from '../../test/helpers/stores.ts';
import { openStore } from './index.ts';

test('postgres: an idle connection the server ends does not stop the process; the next query opens a new one', async () => {
  const ts = await pgTestStore();
  try {
    const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(ts.store.db);
    const pid = before.rows[0].pid;
    // the store's warning (not any other the process may print meanwhile)
    const warned = new Promise<[Error & { code?: string }]>((resolve) => {
      const on = (w: Error & { code?: string }) => {
        if (w.code !== 'VIGIL_STORE') return;
        process.off('warning', on);
        resolve([w]);
      };
      process.on('warning', on);
    });
    // what an administrator (or a restart) does to the idle connection
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    const [warning] = await warned;
    assert.equal(warning.code, 'VIGIL_STORE');
    assert.match(warning.message, /ended an idle connection.*terminating connection due to administrator command/);
    assert.ok(warning.message.includes(new URL(ts.url).pathname), 'names the database');
    const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(ts.store.db);
    assert.notEqual(after.rows[0].pid, pid);
  } finally {
    await ts.cleanup();
  }
});

test('postgres: a store opened with onIdleError is told instead (the server logs it)', async () => {
  const ts = await pgTestStore();
  const told: { message: string; database: string }[] = [];
  const store = await openStore(ts.url, { onIdleError: (err, database) => told.push({ message: err.message, database }) });
  try {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
    } finally {
      await admin.end();
    }
    for (let i = 0; i < 100 && told.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(told.length, 1);
    assert.match(told[0].message, /terminating connection due to administrator command/);
    assert.equal(told[0].database, ts.url);
    assert.equal((await sql<{ one: number }>`select 1 as one`.execute(store.db)).rows[0].one, 1);
  } finally {
    await store.close();
    await ts.cleanup();
  }
});
