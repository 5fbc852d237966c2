/**
 * The tenancy harness: every route the server registers (read from its route table, so a new
 * route without a case here fails the test) is called as nobody, as other accounts, as the
 * delegated admin, and with too weak a role; on SQLite and PostgreSQL, through fastify.inject,
 * plus one round over real HTTP on 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import type { Store } from '../store/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Account, ApiKey, Organization, Role } from './schemas.ts';
import * as repo from './tenancy/repo.ts';

interface Who { account: Account; keys: Record<Role, string>; keyRows: ApiKey[] }
interface Fixture {
  org1: Organization; org2: Organization;
  /** org1's delegated admin, its members A and B; org2's delegated admin D2 and member C */
  D1: Who; A: Who; B: Who; D2: Who; C: Who;
  revokedKeyOfA: string;
}

async function who(store: Store, account: Account, adminKey?: string): Promise<Who> {
  const keys = {} as Record<Role, string>;
  const keyRows: ApiKey[] = [];
  for (const role of ['admin', 'analyst', 'read-only'] as const) {
    if (role === 'admin' && adminKey) { keys.admin = adminKey; continue; }
    const k = await repo.createApiKey(store.db, account.id, `${role} key`, role);
    keys[role] = k.key;
    keyRows.push(k.apiKey);
  }
  keyRows.push(...(await repo.listApiKeys(store.db, account.id)).filter((k) => !keyRows.some((r) => r.id === k.id)));
  return { account, keys, keyRows };
}

async function makeFixture(store: Store): Promise<Fixture> {
  const b = await bootstrap(store, { organizationName: 'org one' });
  assert.ok(b);
  const o2 = await repo.createOrganization(store.db, { name: 'org two', scanSettings: { mode: 'basic', rescanDuration: '30d', rescanFrom: 'pull', autoEnable: false } });
  const A = await who(store, await repo.createAccount(store.db, b.organization.id, 'member A'));
  const revoked = await repo.createApiKey(store.db, A.account.id, 'revoked', 'admin');
  await repo.revokeApiKey(store.db, revoked.apiKey.id);
  A.keyRows.push(revoked.apiKey);
  return {
    org1: b.organization, org2: o2.organization,
    D1: await who(store, b.delegatedAdmin, b.key),
    A,
    B: await who(store, await repo.createAccount(store.db, b.organization.id, 'member B')),
    D2: await who(store, o2.delegatedAdmin, o2.adminKey.key),
    C: await who(store, await repo.createAccount(store.db, o2.organization.id, 'member C')),
    revokedKeyOfA: revoked.key,
  };
}

interface Case {
  /** whose object the request targets: A's account (and keys), org1, or nothing in particular */
  owner: 'A' | 'org1' | 'none';
  /** only the delegated admin may do this: a member's admin key gets 403 */
  delegatedOnly?: boolean;
  /** the status for the delegated admin of org1 (and for A's own admin key unless delegatedOnly) */
  ok: number;
  /** builds a fresh request (may create the object it acts on) */
  make(fx: Fixture, store: Store): Promise<{ url: string; payload?: unknown }>;
}

const SETTINGS = { mode: 'basic', rescanDuration: '90d', rescanFrom: 'push', autoEnable: true };

/** One entry per non-public route; the coverage test fails when the server has a route not listed here. */
const CASES: Record<string, Case> = {
  'GET /v1/whoami': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/whoami' }) },
  'GET /v1/organizations': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/organizations' }) },
  'POST /v1/organizations': { owner: 'none', ok: 201, delegatedOnly: true, make: async () => ({ url: '/v1/organizations', payload: { name: 'another org' } }) },
  'GET /v1/organizations/:id': { owner: 'org1', ok: 200, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}` }) },
  'GET /v1/organizations/:id/scan-settings': { owner: 'org1', ok: 200, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}/scan-settings` }) },
  'PUT /v1/organizations/:id/scan-settings': { owner: 'org1', ok: 200, delegatedOnly: true, make: async (fx) => ({ url: `/v1/organizations/${fx.org1.id}/scan-settings`, payload: SETTINGS }) },
  'GET /v1/accounts': { owner: 'none', ok: 200, make: async () => ({ url: '/v1/accounts' }) },
  'POST /v1/accounts': { owner: 'none', ok: 201, delegatedOnly: true, make: async () => ({ url: '/v1/accounts', payload: { name: 'new member' } }) },
  'GET /v1/accounts/:id': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}` }) },
  'PATCH /v1/accounts/:id': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}`, payload: { name: 'renamed A', scanSettings: { mode: 'basic' } } }) },
  'GET /v1/accounts/:id/api-keys': { owner: 'A', ok: 200, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}/api-keys` }) },
  'POST /v1/accounts/:id/api-keys': { owner: 'A', ok: 201, make: async (fx) => ({ url: `/v1/accounts/${fx.A.account.id}/api-keys`, payload: { name: 'ci', role: 'read-only' } }) },
  'DELETE /v1/accounts/:id/api-keys/:keyId': {
    owner: 'A', ok: 200,
    make: async (fx, store) => {
      const k = await repo.createApiKey(store.db, fx.A.account.id, 'to revoke', 'analyst');
      return { url: `/v1/accounts/${fx.A.account.id}/api-keys/${k.apiKey.id}` };
    },
  },
};
const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Everything the tenancy tables hold except last-use times: a denied request must not change it. */
async function fingerprint(store: Store): Promise<string> {
  const [o, a, k, m] = await Promise.all([
    store.db.selectFrom('organizations').selectAll().orderBy('id').execute(),
    store.db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    store.db.selectFrom('api_keys').select(['id', 'account_id', 'prefix', 'hash', 'role', 'name', 'created_at', 'revoked_at']).orderBy('id').execute(),
    store.db.selectFrom('tenancy_meta').selectAll().orderBy('key').execute(),
  ]);
  return JSON.stringify({ o, a, k, m });
}

/** The identifiers of A's objects: none may appear in an answer to someone who cannot see A. */
function secretsOfA(fx: Fixture): string[] {
  return [fx.A.account.id, ...fx.A.keyRows.flatMap((k) => [k.id, k.prefix])];
}

for (const [dialect, make] of dialects) {
  describe(`tenancy harness (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let fx: Fixture;
    before(async () => {
      ts = await make();
      fx = await makeFixture(ts.store);
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });

    const call = (method: string, url: string, key?: string, payload?: unknown) =>
      app.inject({ method: method as 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });

    test('every registered route has a case here (or is public)', () => {
      const registered = app.routeTable().map((r) => `${r.method} ${r.url}`);
      const missing = registered.filter((r) => !PUBLIC.has(r) && !CASES[r]);
      assert.deepEqual(missing, [], `routes without a tenancy case: ${missing.join(', ')}`);
      const stale = Object.keys(CASES).filter((c) => !registered.includes(c));
      assert.deepEqual(stale, [], `cases for routes that no longer exist: ${stale.join(', ')}`);
      for (const r of app.routeTable()) assert.equal(r.access === 'public', PUBLIC.has(`${r.method} ${r.url}`), `${r.method} ${r.url} access ${r.access}`);
    });

    test('public routes answer without a key', async () => {
      for (const r of PUBLIC) {
        const [method, url] = r.split(' ');
        const res = await call(method, url);
        assert.equal(res.statusCode, 200, `${r}: ${res.body.slice(0, 200)}`);
      }
    });

    for (const [route, c] of Object.entries(CASES)) {
      const [method] = route.split(' ');
      describe(route, () => {
        test('(a) no key, a malformed key, a wrong secret or a revoked key → 401', async () => {
          const req = await c.make(fx, ts.store);
          const wrongSecret = fx.A.keys.admin.replace(/_[A-Za-z0-9]+$/, '_' + 'x'.repeat(43));
          for (const key of [undefined, 'nonsense', 'vgl_short_x', wrongSecret, fx.revokedKeyOfA]) {
            const before = await fingerprint(ts.store);
            const res = await call(method, req.url, key, req.payload);
            assert.equal(res.statusCode, 401, `${route} with ${key ?? 'no key'}: ${res.body}`);
            assert.equal(res.json().error.code, 'VIGIL_UNAUTHORIZED');
            assert.equal(res.headers['www-authenticate'], 'Bearer realm="vigil"');
            assert.equal(await fingerprint(ts.store), before, `${route}: a 401 changed the database`);
          }
        });

        test("(b) other accounts' keys cannot see or change A's objects", async () => {
          const foreign: [string, Who][] = c.owner === 'org1' ? [['C', fx.C], ['D2', fx.D2]] : [['B', fx.B], ['C', fx.C], ['D2', fx.D2]];
          for (const [name, w] of foreign) {
            for (const role of ['admin', 'analyst', 'read-only'] as const) {
              const req = await c.make(fx, ts.store);
              const before = await fingerprint(ts.store);
              const res = await call(method, req.url, w.keys[role], req.payload);
              const label = `${route} as ${name}/${role} → ${res.statusCode} ${res.body.slice(0, 300)}`;
              if (c.owner === 'none') {
                // collections: allowed or forbidden, but never showing A's objects
                assert.ok(res.statusCode < 300 || res.statusCode === 403, label);
                for (const s of secretsOfA(fx)) assert.ok(!res.body.includes(s), `${label}: leaks ${s}`);
              } else {
                assert.ok(res.statusCode === 404 || res.statusCode === 403, label);
                assert.equal(await fingerprint(ts.store), before, `${label}: changed the database`);
              }
            }
          }
        });

        test('(c) the delegated admin of the organization is allowed', async () => {
          const req = await c.make(fx, ts.store);
          const res = await call(method, req.url, fx.D1.keys.admin, req.payload);
          assert.equal(res.statusCode, c.ok, res.body);
        });

        test("A's own admin key: allowed on its objects, 403 where only the delegated admin may act", async () => {
          const req = await c.make(fx, ts.store);
          const res = await call(method, req.url, fx.A.keys.admin, req.payload);
          assert.equal(res.statusCode, c.delegatedOnly ? 403 : c.ok, res.body);
        });

        if (MUTATING.has(method)) {
          test('(d) read-only and analyst keys on an admin route → 403, nothing changes', async () => {
            for (const w of [fx.A, fx.D1]) {
              for (const role of ['read-only', 'analyst'] as const) {
                const req = await c.make(fx, ts.store);
                const before = await fingerprint(ts.store);
                const res = await call(method, req.url, w.keys[role], req.payload);
                assert.equal(res.statusCode, 403, `${route} as ${role}: ${res.body}`);
                assert.equal(res.json().error.code, 'VIGIL_FORBIDDEN');
                assert.equal(await fingerprint(ts.store), before);
              }
            }
          });
        } else {
          test('(d) a read-only key may GET', async () => {
            const req = await c.make(fx, ts.store);
            const res = await call(method, req.url, fx.D1.keys['read-only'], req.payload);
            assert.equal(res.statusCode, 200, res.body);
          });
        }
      });
    }

    test('the delegated admin sees every member; members see only themselves', async () => {
      const all = (await call('GET', '/v1/accounts', fx.D1.keys['read-only'])).json().items.map((a: Account) => a.id);
      for (const w of [fx.D1, fx.A, fx.B]) assert.ok(all.includes(w.account.id));
      assert.ok(!all.includes(fx.C.account.id) && !all.includes(fx.D2.account.id), 'another organization leaks in');
      const mine = (await call('GET', '/v1/accounts', fx.B.keys.admin)).json().items.map((a: Account) => a.id);
      assert.deepEqual(mine, [fx.B.account.id]);
      assert.equal((await call('GET', `/v1/accounts/${fx.A.account.id}/api-keys`, fx.D1.keys.analyst)).statusCode, 200);
    });

    test('new accounts get the organization scan settings; PUT changes them for accounts created later', async () => {
      const settings = { mode: 'enhanced', rescanDuration: '180d', rescanFrom: 'pull', autoEnable: true };
      assert.equal((await call('PUT', `/v1/organizations/${fx.org1.id}/scan-settings`, fx.D1.keys.admin, settings)).statusCode, 200);
      const res = await call('POST', '/v1/accounts', fx.D1.keys.admin, { name: 'late member' });
      assert.equal(res.statusCode, 201);
      assert.deepEqual(res.json().scanSettings, settings);
      assert.equal(res.json().status, 'ENABLED');
      const o2 = await call('POST', '/v1/accounts', fx.D2.keys.admin, { name: 'org2 member' });
      assert.deepEqual(o2.json().scanSettings, fx.org2.scanSettings);
    });

    test('enable/disable is for the delegated admin; it cannot disable itself', async () => {
      const acc = (await call('POST', '/v1/accounts', fx.D1.keys.admin, { name: 'to disable' })).json() as Account;
      const k = await repo.createApiKey(ts.store.db, acc.id, 'own admin', 'admin');
      const own = await call('PATCH', `/v1/accounts/${acc.id}`, k.key, { status: 'DISABLED' });
      assert.equal(own.statusCode, 403, own.body);
      const byAdmin = await call('PATCH', `/v1/accounts/${acc.id}`, fx.D1.keys.admin, { status: 'DISABLED', scanSettings: { rescanDuration: '14d' } });
      assert.equal(byAdmin.statusCode, 200);
      assert.equal(byAdmin.json().status, 'DISABLED');
      assert.equal(byAdmin.json().scanSettings.rescanDuration, '14d');
      assert.equal(byAdmin.json().scanSettings.mode, acc.scanSettings.mode, 'a partial scanSettings keeps the other fields');
      const self = await call('PATCH', `/v1/accounts/${fx.D1.account.id}`, fx.D1.keys.admin, { status: 'DISABLED' });
      assert.equal(self.statusCode, 409);
      assert.equal(self.json().error.code, 'VIGIL_CONFLICT');
    });

    test('keys: shown once, stored hashed, revocable; the last admin key of the delegated admin stays', async () => {
      const created = await call('POST', `/v1/accounts/${fx.B.account.id}/api-keys`, fx.B.keys.admin, { name: 'ci', role: 'analyst' });
      assert.equal(created.statusCode, 201);
      const { key, id, prefix } = created.json();
      assert.match(key, /^vgl_[a-z0-9]{12}_[A-Za-z0-9]{43}$/);
      const secret = key.split('_')[2];
      const dump = await fingerprint(ts.store);
      assert.ok(dump.includes(prefix) && !dump.includes(secret), 'the secret reached the database');
      const listed = (await call('GET', `/v1/accounts/${fx.B.account.id}/api-keys`, key)).json().items;
      assert.ok(listed.every((k: Record<string, unknown>) => !('key' in k) && !('hash' in k)));
      assert.equal((await call('GET', '/v1/whoami', key)).json().key.role, 'analyst');
      const row = await ts.store.db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(row.last_used_at, 'last_used_at is recorded');
      assert.equal((await call('DELETE', `/v1/accounts/${fx.B.account.id}/api-keys/${id}`, fx.B.keys.admin)).json().revokedAt !== null, true);
      assert.equal((await call('GET', '/v1/whoami', key)).statusCode, 401);
      // another account's key id under my account's path is just missing
      assert.equal((await call('DELETE', `/v1/accounts/${fx.B.account.id}/api-keys/${fx.A.keyRows[0].id}`, fx.B.keys.admin)).statusCode, 404);

      const o = (await call('POST', '/v1/organizations', fx.D1.keys.admin, { name: 'lonely' })).json();
      const last = await call('DELETE', `/v1/accounts/${o.delegatedAdmin.id}/api-keys/${o.adminKey.id}`, o.adminKey.key);
      assert.equal(last.statusCode, 409, last.body);
      // the creator of an organization does not see into it
      assert.equal((await call('GET', `/v1/accounts/${o.delegatedAdmin.id}`, fx.D1.keys.admin)).statusCode, 404);
      assert.equal((await call('GET', `/v1/organizations/${o.organization.id}`, o.adminKey.key)).statusCode, 200);
    });

    test('over real HTTP on 127.0.0.1:0', async () => {
      const srv = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
      try {
        const address = await srv.listen({ host: '127.0.0.1', port: 0 });
        assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
        const me = await fetch(`${address}/v1/whoami`, { headers: { authorization: `Bearer ${fx.A.keys['read-only']}` } });
        assert.equal(me.status, 200);
        assert.equal((await me.json()).account.id, fx.A.account.id);
        const other = await fetch(`${address}/v1/accounts/${fx.A.account.id}`, { headers: { authorization: `Bearer ${fx.C.keys.admin}` } });
        assert.equal(other.status, 404);
        const none = await fetch(`${address}/v1/accounts`);
        assert.equal(none.status, 401);
        assert.equal((await none.json()).error.code, 'VIGIL_UNAUTHORIZED');
        const ready = await fetch(`${address}/readyz`);
        assert.equal(ready.status, 200);
      } finally {
        await srv.close();
      }
    });
  });
}
