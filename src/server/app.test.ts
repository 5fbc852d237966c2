/** The server's plumbing: health, readiness, metrics, the OpenAPI document, and error responses. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialects, sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import { VigilError } from '../model/errors.ts';
import { buildServer, checkRouteAccess, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { CONSOLE_ROUTES } from './console.ts';
import { toErrorResponse } from './errors.ts';
import { generateKey, parseKey, secretMatches } from './keys.ts';

const fakeRequest = { id: 'req-1' } as never;

test('keys: generated keys parse back, hash to what is stored, and nothing else matches', () => {
  const k = generateKey();
  const p = parseKey(k.key);
  assert.ok(p);
  assert.equal(p.prefix, k.prefix);
  assert.ok(secretMatches(p.secret, k.hash));
  assert.ok(!secretMatches(p.secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')), k.hash));
  assert.ok(!secretMatches(p.secret, 'abcd'), 'a corrupt stored hash is a mismatch, not a throw');
  for (const bad of ['', 'vgl_', `${k.key}x`, k.key.replace('vgl_', 'vgk_'), `vgl_${k.prefix}`, k.key.toUpperCase(), ` ${k.key}`]) assert.equal(parseKey(bad), null, bad);
  assert.notEqual(generateKey().key, k.key);
});

test('a route must name its access level, and only GET may be read or public', () => {
  assert.equal(checkRouteAccess(['GET'], '/x', 'read'), 'read');
  assert.equal(checkRouteAccess(['POST'], '/x', 'operate'), 'operate');
  assert.throws(() => checkRouteAccess(['GET'], '/x', undefined), /has no config\.access/);
  assert.throws(() => checkRouteAccess(['GET'], '/x', 'everyone'), /has no config\.access/);
  assert.throws(() => checkRouteAccess(['POST'], '/x', 'read'), /mutates but has access "read"/);
  assert.throws(() => checkRouteAccess(['GET', 'DELETE'], '/x', 'public'), /mutates/);
  // "session" (any role, no key in the header) only for log in and out
  assert.equal(checkRouteAccess(['POST'], '/v1/session', 'session'), 'session');
  assert.throws(() => checkRouteAccess(['POST'], '/v1/suppression-rules', 'session'), /only \/v1\/session may have/);
});

test('unexpected errors leave as VIGIL_INTERNAL with a request id, never the message or stack', () => {
  const r = toErrorResponse(new Error('password=hunter2 at /srv/x.ts:1'), fakeRequest);
  assert.equal(r.status, 500);
  assert.equal(r.body.error.code, 'VIGIL_INTERNAL');
  assert.ok(!JSON.stringify(r.body).includes('hunter2'));
  assert.deepEqual(r.body.error.details, { requestId: 'req-1' });
  const s = toErrorResponse(new VigilError('VIGIL_STORE', 'cannot reach postgres://u:pw@db'), fakeRequest);
  assert.equal(s.body.error.code, 'VIGIL_STORE');
  assert.ok(!JSON.stringify(s.body).includes('pw@db'));
  const n = toErrorResponse(new VigilError('VIGIL_NOT_FOUND', 'no account "x"', { input: 'x', rule: 'tenancy' }), fakeRequest);
  assert.deepEqual([n.status, n.body], [404, { error: { code: 'VIGIL_NOT_FOUND', message: 'no account "x"', details: { input: 'x', rule: 'tenancy' } } }]);
  assert.equal(toErrorResponse(null, fakeRequest).status, 500);
  assert.equal(toErrorResponse('a string', fakeRequest).status, 500);
});

for (const [dialect, make] of dialects) {
  describe(`server (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let key: string;
    before(async () => {
      ts = await make();
      key = (await bootstrap(ts.store))!.key;
      app = await buildServer({ store: ts.store, log: silentLogger() });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });
    const auth = () => ({ authorization: `Bearer ${key}` });

    test('bootstrap runs once', async () => {
      assert.equal(await bootstrap(ts.store), null);
      assert.equal(await bootstrap(ts.store), null);
      const n = await ts.store.db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 1);
    });

    test('healthz and readyz', async () => {
      assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
      const r = await app.inject({ url: '/readyz' });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json().checks, { database: { ok: true, dialect }, migrations: { ok: true, pending: [] } });
    });

    test('readyz is 503 while a migration is pending', async () => {
      const row = await ts.store.db.selectFrom('kysely_migration' as never).selectAll().where('name' as never, '=', '0002_tenancy_01_tables' as never).executeTakeFirstOrThrow();
      await ts.store.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0002_tenancy_01_tables' as never).execute();
      try {
        const r = await app.inject({ url: '/readyz' });
        assert.equal(r.statusCode, 503);
        assert.equal(r.json().status, 'not-ready');
        assert.deepEqual(r.json().checks.migrations, { ok: false, pending: ['0002_tenancy_01_tables'] });
      } finally {
        await ts.store.db.insertInto('kysely_migration' as never).values(row as never).execute();
      }
      assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    });

    test('metrics: defaults, request histogram, counters by route pattern', async () => {
      await app.inject({ url: '/v1/whoami', headers: auth() });
      await app.inject({ url: '/v1/accounts/nope', headers: auth() });
      await app.inject({ url: '/v1/whoami' });
      const r = await app.inject({ url: '/metrics' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.match(r.body, /^vigil_process_cpu_user_seconds_total /m);
      assert.match(r.body, /^vigil_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/v1\/whoami",status_code="200"\} \d+/m);
      assert.match(r.body, /^vigil_http_requests_total\{method="GET",route="\/v1\/accounts\/:id",status_code="404"\} 1$/m);
      assert.match(r.body, /^vigil_auth_failures_total\{reason="missing"\} 1$/m);
      assert.match(r.body, /^vigil_http_errors_total\{code="VIGIL_NOT_FOUND"\} 1$/m);
      assert.ok(!r.body.includes('/v1/accounts/nope'), 'raw URLs never become labels');
    });

    test('the OpenAPI document lists every route with its schemas', async () => {
      const r = await app.inject({ url: '/openapi.json' });
      assert.equal(r.statusCode, 200);
      const doc = r.json();
      assert.match(doc.openapi, /^3\./);
      for (const route of app.routeTable()) {
        // the console's files are not API (console.ts): hidden from the document
        if (route.url === '/openapi.json' || (CONSOLE_ROUTES as readonly string[]).includes(route.url)) continue;
        const path = route.url.replace(/:(\w+)/g, '{$1}');
        const op = doc.paths[path]?.[route.method.toLowerCase()];
        assert.ok(op, `${route.method} ${path} missing from the document`);
        if (route.access === 'webhook') assert.ok(Array.isArray(op.security) && op.security.length > 0 && !op.security.some((x: Record<string, unknown>) => 'bearer' in x), `${route.method} ${path}: a webhook names its own scheme`);
        else if (route.access === 'session') assert.deepEqual(op.security, route.method === 'POST' ? [] : [{ session: [] }], `${route.method} ${path} security`);
        else if (route.access !== 'public') assert.deepEqual(op.security, [{ bearer: [] }], `${route.method} ${path} security`);
      }
      const patch = doc.paths['/v1/accounts/{id}'].patch;
      assert.ok(patch.requestBody.content['application/json'].schema);
      assert.ok(patch.responses['200'] && patch.responses['404']);
      assert.ok(Object.keys(doc.components.schemas).some((n) => n.startsWith('ScanSettings')));
    });

    test('validation errors are 400 and name the field and the rule', async () => {
      const cases: [string, string, unknown, string, string][] = [
        ['POST', '/v1/accounts', { name: '' }, 'name', 'too_small'],
        ['POST', '/v1/accounts', { name: 'x', owner: 'me' }, 'owner', 'unrecognized_keys'],
        ['POST', '/v1/accounts', {}, 'name', 'invalid_type'],
        ['POST', '/v1/accounts', [1, 2], '', 'invalid_type'],
        ['POST', `/v1/accounts/acc_x/api-keys`, { name: 'k', role: 'root' }, 'role', 'invalid_value'],
        ['PATCH', '/v1/accounts/acc_x', { scanSettings: { rescanDuration: '7d' } }, 'scanSettings.rescanDuration', 'invalid_value'],
        ['PATCH', '/v1/accounts/acc_x', {}, '', 'custom'],
      ];
      for (const [method, url, payload, field, rule] of cases) {
        const r = await app.inject({ method: method as 'POST', url, headers: auth(), payload: payload as object });
        assert.equal(r.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}: ${r.body}`);
        const e = r.json().error;
        assert.equal(e.code, 'VIGIL_INVALID_INPUT');
        assert.equal(e.details.issues[0].field, field, r.body);
        assert.equal(e.details.issues[0].rule, rule, r.body);
        if (field) assert.ok(e.message.includes(`"${field}"`), e.message);
      }
    });

    test('bad input never crashes and never leaks a stack', async () => {
      const { organization } = (await app.inject({ url: '/v1/whoami', headers: auth() })).json();
      const bodies: (string | Buffer)[] = [
        '{', 'null', '"str"', '1e999', '{"name": {"$gt": ""}}', '{"__proto__": {"admin": true}, "name": "p"}',
        '{"constructor": {"prototype": {"x": 1}}}', JSON.stringify({ name: 'x'.repeat(5000) }), Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
        JSON.stringify({ mode: 'basic', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: 'yes' }),
      ];
      const targets: [string, string][] = [['POST', '/v1/accounts'], ['PATCH', '/v1/accounts/x'], ['PUT', `/v1/organizations/${organization.id}/scan-settings`], ['POST', '/v1/organizations'], ['POST', '/v1/accounts/x/api-keys']];
      for (const [method, url] of targets) {
        for (const payload of bodies) {
          const r = await app.inject({ method: method as 'POST', url, payload, headers: { ...auth(), 'content-type': 'application/json' } });
          assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${method} ${url} ${String(payload).slice(0, 40)} → ${r.statusCode} ${r.body}`);
          assert.ok(!/\bat .+\.(ts|js):\d+/.test(r.body), `stack in ${r.body}`);
          assert.ok(typeof r.json().error.code === 'string');
        }
      }
      const wrongType = await app.inject({ method: 'POST', url: '/v1/accounts', payload: 'name=x', headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(wrongType.statusCode, 415);
      assert.equal(wrongType.json().error.code, 'VIGIL_INVALID_INPUT');
      const huge = await app.inject({ method: 'POST', url: '/v1/accounts', payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), headers: { ...auth(), 'content-type': 'application/json' } });
      assert.equal(huge.statusCode, 413);
      assert.equal(huge.json().error.code, 'VIGIL_LIMIT_EXCEEDED');
      const longId = await app.inject({ url: `/v1/accounts/${'a'.repeat(5000)}`, headers: auth() });
      assert.ok([400, 404, 414].includes(longId.statusCode), longId.body);
      const odd = await app.inject({ url: '/v1/accounts/%E0%A4%A', headers: auth() });
      assert.ok(odd.statusCode >= 400 && odd.statusCode < 500, odd.body);
      const unknown = await app.inject({ method: 'DELETE', url: '/v1/nothing' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'VIGIL_NOT_FOUND');
      // the server still answers
      assert.equal((await app.inject({ url: '/v1/whoami', headers: auth() })).statusCode, 200);
    });
  });
}

test('a database failure under a request is a 500 without details, and readyz says not ready', async () => {
  const ts = await sqliteTestStore();
  const key = (await bootstrap(ts.store))!.key;
  const app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
  try {
    await ts.store.close();
    const r = await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${key}` } });
    assert.equal(r.statusCode, 500);
    assert.equal(r.json().error.code, 'VIGIL_INTERNAL');
    assert.equal(r.json().error.message, 'internal error; the server log has the details');
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.database.ok, false);
  } finally {
    await app.close();
    await ts.cleanup().catch(() => {});
  }
});
