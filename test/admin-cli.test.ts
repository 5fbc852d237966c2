/**
 * `vigil admin` against a real SQLite file beside a running `vigil server`: keys created, listed
 * (never their secrets) and revoked (the server answers 401 from the next request); the secret key
 * rotated under the running server, which follows it; private files; no credential in the
 * database file; a server started with another key stops with a clear error.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSecretKey } from '../src/store/index.ts';
import { startServer, vigilCli, type ServerProcess } from './helpers/server.ts';

const mode = (p: string) => statSync(p).mode & 0o777;
const PASSWORD = 'cli-registry-password-2718';

/** Runs `vigil admin …`; resolves with stdout or the failure's exit code and stderr. */
async function admin(home: string, db: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await vigilCli(home, db, ['admin', ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('vigil admin (SQLite, running server)', () => {
  const home = mkdtempSync(join(tmpdir(), 'vigil-admin-'));
  const db = `sqlite:${join(home, 'vigil.db')}`;
  const file = join(home, 'vigil.db');
  let srv: ServerProcess;
  let registryId: string;
  let token: string;

  before(async () => {
    srv = await startServer({ home, db, args: ['--no-engine'] });
    assert.ok(srv.key, 'bootstrap key printed');
    const reg = await srv.api('POST', '/v1/registries', { config: { url: 'https://registry.example.invalid', username: 'ci', password: PASSWORD, pollSeconds: 0 } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    registryId = reg.body.id;
    token = reg.body.secrets.notificationToken;
  });
  after(async () => {
    await srv?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('private files: home 0700, database and its log 0600, key file 0600; no credential in the file bytes', () => {
    assert.equal(mode(home), 0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`, join(home, 'secret.key')]) if (existsSync(f)) assert.equal(mode(f), 0o600, f);
    const raw = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    assert.equal(raw.includes(PASSWORD), false, 'the registry password is readable in the database');
    assert.equal(raw.includes(token), false, 'the notification token is readable in the database');
  });

  test('list-keys shows ids and prefixes, never the secret', async () => {
    const r = await admin(home, db, ['--json', 'list-keys']);
    assert.equal(r.code, 0, r.stderr);
    const keys = JSON.parse(r.stdout) as Record<string, unknown>[];
    const [, prefix, secret] = srv.key!.split('_');
    assert.ok(keys.some((k) => k.prefix === prefix && k.role === 'admin' && k.revokedAt === null));
    assert.ok(!r.stdout.includes(secret), 'the secret part is printed');
    for (const k of keys) assert.deepEqual(Object.keys(k).sort(), ['accountId', 'createdAt', 'id', 'lastUsedAt', 'name', 'organizationId', 'prefix', 'revokedAt', 'role']);
    const table = await admin(home, db, ['list-keys']);
    assert.match(table.stdout, /^id\s+prefix\s+name\s+role/);
    assert.ok(!table.stdout.includes(secret));
  });

  test('create-key for the organization, then revoke-key: the running server refuses it at once (401)', async () => {
    const orgs = JSON.parse((await admin(home, db, ['--json', 'list-organizations'])).stdout) as { id: string; delegatedAdminAccountId: string }[];
    assert.equal(orgs.length, 1);
    const created = await admin(home, db, ['--json', 'create-key', '--organization', orgs[0].id, '--name', 'recovered']);
    assert.equal(created.code, 0, created.stderr);
    const k = JSON.parse(created.stdout) as { id: string; key: string; role: string; accountId: string };
    assert.equal(k.role, 'admin');
    assert.equal(k.accountId, orgs[0].delegatedAdminAccountId);
    const me = await srv.api('GET', '/v1/whoami', undefined, { key: k.key });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal((await srv.api('GET', '/v1/registries', undefined, { key: k.key })).status, 200, 'an admin of the organization');

    const revoked = await admin(home, db, ['revoke-key', k.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /^Revoked key key_/);
    const after = await srv.api('GET', '/v1/whoami', undefined, { key: k.key });
    assert.equal(after.status, 401);
    const listed = JSON.parse((await admin(home, db, ['--json', 'list-keys', '--active'])).stdout) as { id: string }[];
    assert.ok(!listed.some((x) => x.id === k.id));
  });

  test('bad usage and unknown names: exit codes 2 and 4 with a message', async () => {
    const unknownOrg = await admin(home, db, ['create-key', '--organization', 'no-such-org']);
    assert.equal(unknownOrg.code, 4);
    assert.match(unknownOrg.stderr, /no organization "no-such-org"/);
    const badRole = await admin(home, db, ['create-key', '--role', 'root']);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /invalid --role "root"/);
    const unknownKey = await admin(home, db, ['revoke-key', 'key_nope']);
    assert.equal(unknownKey.code, 4);
  });

  test('rotate-secret-key under the running server: every credential re-sealed, the key file holds only the new key, the server follows', async () => {
    const keyFile = join(home, 'secret.key');
    const before = readFileSync(keyFile, 'utf8');
    const r = await admin(home, db, ['--json', 'rotate-secret-key']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { keyId: string; previousKeyId: string; resealed: number };
    assert.equal(out.resealed, 1);
    assert.notEqual(out.keyId, out.previousKeyId);
    const after = readFileSync(keyFile, 'utf8');
    assert.notEqual(after, before);
    assert.equal(after.split('\n').filter((l) => l && !l.startsWith('#')).length, 1);
    assert.equal(mode(keyFile), 0o600);
    // the running server opens the re-sealed credentials (it reads the key file again) and seals new ones under the new key
    const note = await srv.api('POST', `/v1/registries/${registryId}/notifications`, { events: [] }, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(note.status, 200, JSON.stringify(note.body));
    const again = await srv.api('POST', '/v1/registries', { config: { url: 'https://second.example.invalid', password: 'second-password-1618', pollSeconds: 0 } });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal((await srv.api('GET', `/v1/registries/${registryId}`)).body.config.password, true);
  });

  test('a server started with another key stops at once with a clear error', async () => {
    await srv.stop();
    await assert.rejects(startServer({ home, db, args: ['--no-engine'], env: { VIGIL_SECRET_KEY: generateSecretKey() } }),
      (e: Error) => /sealed with key [0-9a-f]{16}, which VIGIL_SECRET_KEY does not hold/.test(e.message) && /VIGIL_CONFIG/.test(e.message) && !/\n\s+at /.test(e.message));
    srv = await startServer({ home, db, args: ['--no-engine'], key: srv.key! });
    assert.equal((await srv.api('GET', `/v1/registries/${registryId}`)).status, 200, 'the right key still works');
  });
});
