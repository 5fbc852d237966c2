/**
 * Credentials at rest, on SQLite and PostgreSQL: targets registered through the API with every
 * kind of credential leave none of them readable in the database (the SQLite files' raw bytes,
 * every PostgreSQL row of every table) nor in any API answer; the engine still reads them; a
 * wrong key or a moved envelope is a clear error; plaintext rows of older databases are sealed at
 * start-up; a rotation re-seals every target under the new key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import { VigilError } from '../model/errors.ts';
import { buildServer, type VigilServer } from '../server/app.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { generateSecretKey, openStore, SecretKeyring, type Store } from '../store/index.ts';
import { createFindingsReport, createSbomExport, getTarget, openDestination, prepareSecrets, rotateSecrets, targetsNotSealedWith } from './index.ts';
import { openTargetConfig } from './secrets.ts';

/** unique to this run: PostgreSQL's write-ahead log is shared by every run and every test database */
const RUN = randomBytes(4).toString('hex');
const S = {
  registryPassword: `reg-Pa55word-${RUN}`,
  sshKey: `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-unique-key-material-${RUN}\n-----END OPENSSH PRIVATE KEY-----\n`,
  passphrase: `key-passphrase-${RUN}`,
  hostPassword: `host-pw-${RUN}`,
  webhookSecret: `repo-webhook-secret-${RUN}`,
  notificationToken: `notification-token-${RUN}`,
  legacy: `legacy-plaintext-pw-${RUN}`,
  repositoryToken: `repo-url-token-${RUN}`,
};
/** what must never be readable: each secret, and the distinctive middle of the key */
const NEEDLES = [...Object.values(S), `unique-key-material-${RUN}`];

function expectConfigError(rule: string) {
  return (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_CONFIG' && e.rule === rule;
}

/**
 * PostgreSQL's own files, when this process may read them (a local server, run as root or its
 * owner): the test database's relation files after a CHECKPOINT, and with `wal` the write-ahead log.
 * Null when they cannot be read (the row check still runs).
 */
async function pgFiles(store: Store, wal: boolean): Promise<Buffer | null> {
  const dd = (await sql<{ data_directory: string }>`show data_directory`.execute(store.db)).rows[0].data_directory;
  const oid = (await sql<{ oid: number }>`select oid from pg_database where datname = current_database()`.execute(store.db)).rows[0].oid;
  await sql`checkpoint`.execute(store.db);
  const dirs = [join(dd, 'base', String(oid)), ...(wal ? [join(dd, 'pg_wal')] : [])];
  try {
    const parts: Buffer[] = [];
    for (const d of dirs) for (const f of readdirSync(d)) if (statSync(join(d, f)).isFile()) parts.push(readFileSync(join(d, f)));
    return Buffer.concat(parts);
  } catch {
    return null;
  }
}

/** Every byte of the database as stored: the SQLite files, or every row of every PostgreSQL table as text. */
async function rawDatabase(store: Store): Promise<Buffer> {
  if (store.dialect === 'sqlite') {
    const file = store.url.replace(/^(sqlite|file):(\/\/)?/, '');
    return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  }
  const tables = await sql<{ s: string; t: string }>`select table_schema as s, table_name as t from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`.execute(store.db);
  const parts: string[] = [];
  for (const { s, t } of tables.rows) {
    const rows = await sql<{ j: string }>`select row_to_json(x)::text as j from ${sql.table(`${s}.${t}`)} x`.execute(store.db);
    for (const r of rows.rows) parts.push(r.j);
  }
  return Buffer.from(parts.join('\n'));
}

function assertNoSecret(where: string, haystack: Buffer | string, needles = NEEDLES) {
  const buf = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack);
  for (const n of needles) {
    assert.equal(buf.includes(Buffer.from(n)), false, `${where} holds ${JSON.stringify(n)}`);
    // JSON escapes the key's newlines; its first line is found above through the distinctive middle
    assert.equal(buf.includes(Buffer.from(JSON.stringify(n).slice(1, -1))), false, `${where} holds ${JSON.stringify(n)} (JSON-escaped)`);
  }
}

for (const [dialect, make] of dialects) {
  describe(`secrets at rest (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let key: string;
    const k1 = generateSecretKey();
    const ids: Record<string, string> = {};

    before(async () => {
      ts = await make();
      ts.store.secrets = SecretKeyring.fromText(k1, 'k1');
      await prepareSecrets(ts.store);
      key = (await bootstrap(ts.store))!.key;
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });
    const call = (method: string, url: string, payload?: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
      app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

    test('registered credentials: not in the database, not in any answer but the one-time generated secrets; the engine reads them', async (t) => {
      const reg = await call('POST', '/v1/registries', { config: { url: 'https://registry.example.invalid:5000', username: 'ci', password: S.registryPassword, notificationToken: S.notificationToken, pollSeconds: 0 } });
      assert.equal(reg.statusCode, 201, reg.body);
      assert.equal(reg.json().secrets.notificationToken, S.notificationToken, 'shown once at creation, as before');
      assertNoSecret('the registration answer', reg.body, NEEDLES.filter((n) => n !== S.notificationToken));
      const host = await call('POST', '/v1/hosts', { config: { mode: 'ssh', address: 'host.invalid', username: 'root', privateKey: S.sshKey, passphrase: S.passphrase, password: S.hostPassword } });
      assert.equal(host.statusCode, 201, host.body);
      assertNoSecret('the host registration answer', host.body);
      const repo = await call('POST', '/v1/repositories', { config: { url: `https://ci:${S.repositoryToken}@git.example.invalid/app.git`, branch: 'main', pollSeconds: 0, webhookSecret: S.webhookSecret } });
      assert.equal(repo.statusCode, 201, repo.body);
      assert.equal(repo.json().secrets.webhookSecret, S.webhookSecret);
      assert.equal(repo.json().name, 'https://git.example.invalid/app.git#main', 'the URL\'s credentials are not part of the name');
      assertNoSecret('the repository registration answer', repo.body, NEEDLES.filter((n) => n !== S.webhookSecret));
      ids.registry = reg.json().id; ids.host = host.json().id; ids.repository = repo.json().id;

      // every route that shows a target config
      for (const [plural, id] of [['registries', ids.registry], ['hosts', ids.host], ['repositories', ids.repository]]) {
        for (const url of [`/v1/${plural}`, `/v1/${plural}/${id}`]) {
          const res = await call('GET', url);
          assert.equal(res.statusCode, 200, res.body);
          assertNoSecret(`GET ${url}`, res.body);
        }
      }
      const shown = (await call('GET', `/v1/hosts/${ids.host}`)).json().config;
      assert.deepEqual([shown.privateKey, shown.passphrase, shown.password, shown.username], [true, true, true, 'root'], 'credentials show as set');

      const raw = await rawDatabase(ts.store);
      assertNoSecret(`the ${dialect} database`, raw);
      if (dialect === 'postgres') {
        const files = await pgFiles(ts.store, true);
        if (files) assertNoSecret('PostgreSQL\'s files (relations and write-ahead log)', files);
        else t.diagnostic('PostgreSQL\'s data directory is not readable here: only its rows were checked');
      }
      assert.ok(raw.includes(Buffer.from(`vgs1.${ts.store.secrets!.currentKeyId}.`)), 'the envelopes are there');
      const stored = await ts.store.db.selectFrom('targets').select('config').where('id', '=', ids.host).executeTakeFirstOrThrow();
      assert.deepEqual(Object.keys(JSON.parse(stored.config)).sort(), ['$sealed', 'address', 'mode', 'username']);

      const h = await getTarget(ts.store, ids.host);
      assert.deepEqual([h?.config], [{ mode: 'ssh', address: 'host.invalid', username: 'root', privateKey: S.sshKey, passphrase: S.passphrase, password: S.hostPassword }]);
      assert.deepEqual(((await getTarget(ts.store, ids.repository))?.config as { password: string }).password, S.repositoryToken);
      const r = await getTarget(ts.store, ids.registry);
      assert.equal((r?.config as { password: string }).password, S.registryPassword);
      // the notification token is checked against the opened config
      const note = await call('POST', `/v1/registries/${ids.registry}/notifications`, { events: [] }, { authorization: `Bearer ${S.notificationToken}`, 'content-type': 'application/json' });
      assert.equal(note.statusCode, 200, note.body);
    });

    test('another key: a clear error at start-up and on read, never garbage', async () => {
      const other = SecretKeyring.fromText(generateSecretKey(), 'VIGIL_SECRET_KEY');
      const wrong: Store = { ...ts.store, secrets: other };
      await assert.rejects(prepareSecrets(wrong), (e: VigilError) => expectConfigError('secret-key-mismatch')(e) && e.message.includes(ts.store.secrets!.currentKeyId) && e.message.includes(other.currentKeyId));
      await assert.rejects(getTarget(wrong, ids.host), expectConfigError('secret-key-mismatch'));
      await assert.rejects(getTarget({ ...ts.store, secrets: undefined }, ids.host), expectConfigError('secret-key-missing'));
      // a target without credentials needs no key
      const fn = await call('POST', '/v1/functions', { name: 'no-secrets', config: {} });
      assert.equal((await getTarget({ ...ts.store, secrets: undefined }, fn.json().id))?.name, 'no-secrets');
    });

    test('an envelope moved to another target does not open (bound to its row)', async () => {
      const row = (id: string) => ts.store.db.selectFrom('targets').select('config').where('id', '=', id).executeTakeFirstOrThrow();
      const hostConfig = (await row(ids.host)).config;
      const moved = { ...JSON.parse(hostConfig), $sealed: JSON.parse((await row(ids.registry)).config).$sealed };
      await ts.store.db.updateTable('targets').set({ config: JSON.stringify(moved) }).where('id', '=', ids.host).execute();
      try {
        await assert.rejects(getTarget(ts.store, ids.host), expectConfigError('secret-decrypt'));
      } finally {
        await ts.store.db.updateTable('targets').set({ config: hostConfig }).where('id', '=', ids.host).execute();
      }
    });

    test('plaintext credentials of an older database are sealed at start-up and gone from the files', async () => {
      const at = new Date().toISOString();
      const accountId = (await ts.store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id;
      await ts.store.db.insertInto('targets').values({
        id: 'reg-legacy', account_id: accountId, kind: 'registry', name: 'legacy.example:5000',
        config: JSON.stringify({ url: 'legacy.example:5000', username: 'old', password: S.legacy, notificationToken: 'legacy-token-legacy-token' }),
        state: '{}', status: 'ENABLED', next_poll_at: null, last_polled_at: null, last_error: null, created_at: at, updated_at: at,
      }).execute();
      assert.deepEqual(await targetsNotSealedWith(ts.store.db, ts.store.secrets!.currentKeyId), ['reg-legacy']);
      // PostgreSQL: a session whose snapshot predates the sealing (as an autovacuum worker's ANALYZE
      // may be) would keep the plaintext row version alive through VACUUM FULL; the scrub waits for it
      let older: Promise<void> | undefined;
      if (dialect === 'postgres') {
        const client = await ts.store.raw.pool!.connect();
        await client.query('begin isolation level repeatable read');
        await client.query('select 1'); // a snapshot, and no lock on targets (VACUUM FULL would wait for that)
        older = new Promise<void>((resolve) => setTimeout(resolve, 400)).then(async () => {
          await client.query('commit');
          client.release();
        });
      }
      const r = await prepareSecrets(ts.store);
      await older;
      assert.equal(r.sealed, 1);
      assert.deepEqual(await targetsNotSealedWith(ts.store.db, ts.store.secrets!.currentKeyId), []);
      assertNoSecret(`the ${dialect} database after sealing`, await rawDatabase(ts.store), [S.legacy]);
      if (dialect === 'postgres') {
        // the plaintext row was written by this test, so the write-ahead log has it: the relation files must not
        const files = await pgFiles(ts.store, false);
        if (files) assertNoSecret('PostgreSQL\'s relation files after VACUUM FULL', files, [S.legacy]);
      }
      assert.equal(((await getTarget(ts.store, 'reg-legacy'))?.config as { password: string }).password, S.legacy);
      assert.equal((await prepareSecrets(ts.store)).sealed, 0, 'a second start changes nothing');
    });

    // (PostgreSQL only: two SQLite connections of one process cannot wait for each other — better-sqlite3's
    // busy wait blocks the event loop the other one needs to commit; processes do wait, with busy_timeout)
    if (dialect === 'postgres') test('two processes starting together on a new database with different keys: one names the key, the other stops', async () => {
      const fresh = await make();
      const second = await openStore(fresh.url, { secrets: SecretKeyring.fromText(generateSecretKey(), 'second') });
      try {
        const results = await Promise.allSettled([prepareSecrets(fresh.store), prepareSecrets(second)]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(expectConfigError('secret-key-mismatch')(failed.reason), String(failed.reason));
      } finally {
        await second.close();
        await fresh.cleanup();
      }
    });

    test('rotation: every target (and event destination) re-sealed under the new key in one go; the old key alone no longer opens the database', async () => {
      // issue 19: an event destination's signing secret is sealed the same way
      const dest = await call('POST', '/v1/event-destinations', { name: 'siem', url: 'https://93.184.215.14/hook', secret: 'destination-secret-0123456789' });
      assert.equal(dest.statusCode, 201, dest.body);
      // and an S3 export destination's secret access key, of a findings report and of an SBOM export
      const account = (await ts.store.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id;
      const s3 = { kind: 's3' as const, bucket: 'reports', region: 'us-east-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: `s3-secret-${RUN}` };
      const report = await createFindingsReport(ts.store, { accountId: account, format: 'csv', filter: { accountIds: [account], statuses: ['ACTIVE'] } as never, request: {}, destination: s3 }, new Date());
      const sbom = await createSbomExport(ts.store, { accountId: account, format: 'spdx', request: {}, resourceIds: ['r-1'], destination: s3 }, new Date());
      assertNoSecret('the sealed export rows', JSON.stringify([report.destination, sbom.destination]), [s3.secretAccessKey]);
      const k2 = generateSecretKey();
      const oldId = ts.store.secrets!.currentKeyId;
      ts.store.secrets = SecretKeyring.fromText(`${k2},${k1}`, 'VIGIL_SECRET_KEY');
      const r = await rotateSecrets(ts.store);
      assert.equal(r.previousKeyId, oldId);
      assert.equal(r.resealed, 7, 'registry, host, repository, legacy registry, event destination, findings report, SBOM export');
      const k2only = { ...ts.store, secrets: SecretKeyring.fromText(k2, 'k2') };
      for (const [table, id] of [['findings_reports', report.id], ['sbom_exports', sbom.id]] as const) {
        const row = await ts.store.db.selectFrom(table as 'findings_reports').select('destination').where('id', '=', id).executeTakeFirstOrThrow();
        assert.ok(!row.destination!.includes(`vgs1.${oldId}.`), `${table} re-sealed`);
        assert.equal((openDestination(k2only, id, row.destination!) as { secretAccessKey: string }).secretAccessKey, s3.secretAccessKey, `${table}: the new key alone opens it`);
      }
      const destRow = await ts.store.db.selectFrom('event_destinations').select('config').where('id', '=', dest.json().id).executeTakeFirstOrThrow();
      assert.ok(!destRow.config.includes(`vgs1.${oldId}.`));
      assert.equal(openTargetConfig({ ...ts.store, secrets: SecretKeyring.fromText(k2, 'k2') }, dest.json().id, destRow.config).webhookSecret, 'destination-secret-0123456789');
      assert.deepEqual(await targetsNotSealedWith(ts.store.db, r.keyId), []);
      const rows = (await ts.store.db.selectFrom('targets').select('config').execute()).map((x) => x.config).join('\n');
      assert.ok(!rows.includes(`vgs1.${oldId}.`));
      ts.store.secrets = SecretKeyring.fromText(k2, 'k2');
      assert.equal(((await getTarget(ts.store, ids.host))?.config as { privateKey: string }).privateKey, S.sshKey);
      await assert.rejects(prepareSecrets({ ...ts.store, secrets: SecretKeyring.fromText(k1, 'k1') }), expectConfigError('secret-key-mismatch'));
      // new targets are sealed under the key the database names, the new one
      const reg = await call('POST', '/v1/registries', { config: { url: 'after-rotation.example.invalid', password: 'after-rotation-pw', pollSeconds: 0 } });
      assert.equal(reg.statusCode, 201, reg.body);
      assert.deepEqual(await targetsNotSealedWith(ts.store.db, r.keyId), []);
      assertNoSecret(`the ${dialect} database after rotation`, await rawDatabase(ts.store), [...NEEDLES, 'after-rotation-pw']);
    });
  });
}
