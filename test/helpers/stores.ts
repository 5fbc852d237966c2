/**
 * Test stores on both dialects: a SQLite file in a temp dir, and a PostgreSQL database created for the
 * run (VIGIL_TEST_PG, default postgres://postgres@127.0.0.1:5432/postgres) and dropped after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateSecretKey, openStore, SecretKeyring, type Store } from '../../src/store/index.ts';

export const PG_ADMIN_URL = process.env.VIGIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A keyring with a fresh random key: the credentials a test stores are sealed as in production. */
export function testKeyring(): SecretKeyring {
  return SecretKeyring.fromText(generateSecretKey(), 'test key');
}

export interface TestStore {
  store: Store;
  url: string;
  cleanup(): Promise<void>;
}

export async function sqliteTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const url = `sqlite:${join(dir, 'vigil.db')}`;
  const store = await openStore(url, { secrets: testKeyring() });
  return { store, url, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export async function pgTestStore(): Promise<TestStore> {
  const name = `vigil_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const store = await openStore(url, { secrets: testKeyring() });
  return {
    store, url,
    cleanup: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export const dialects: [string, () => Promise<TestStore>][] = [
  ['sqlite', sqliteTestStore],
  ['postgres', pgTestStore],
];
