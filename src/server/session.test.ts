/**
 * Console sessions and console serving: login (right, wrong, revoked key; the limiter), the
 * cookie's attributes, cookie-authenticated reads and writes (CSRF token, Origin), bearer requests
 * untouched, logout, revocation and expiry ending a session, role checks through the cookie; then
 * the static console (SPA fallback, caching and security headers, a console that is not built).
 * SQLite and PostgreSQL, through fastify.inject.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeConsoleDir, FAKE_INDEX, FAKE_SCRIPT } from '../../test/helpers/console.ts';
import { dialects, sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { CONSOLE_HEADERS, defaultConsoleDir } from './console.ts';
import { DEFAULT_SESSION_LIMITS, sessionId } from './session.ts';
import * as repo from './tenancy/repo.ts';

const RULE = { name: 'low noise', reason: 'accepted risk', criteria: { severities: ['LOW'] } };

/** `name=value` of a Set-Cookie header, and its attributes (lower-cased names). */
function parseSetCookie(header: string | string[] | undefined): { name: string; value: string; attrs: Record<string, string | true> } {
  const line = Array.isArray(header) ? header[0] : header;
  assert.ok(line, 'a Set-Cookie header');
  const [pair, ...rest] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attrs: Record<string, string | true> = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    if (i < 0) attrs[a.toLowerCase()] = true;
    else attrs[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

for (const [dialect, make] of dialects) {
  describe(`console sessions (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let admin: string;
    let clock = Date.now();
    let web: ReturnType<typeof fakeConsoleDir>;
    before(async () => {
      ts = await make();
      web = fakeConsoleDir();
      admin = (await bootstrap(ts.store))!.key;
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, consoleDir: web.dir, now: () => clock } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
      web?.cleanup();
    });

    const accountId = async () => (await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${admin}` } })).json().account.id as string;
    const newKey = async (role: 'admin' | 'analyst' | 'read-only') => repo.createApiKey(ts.store.db, await accountId(), `${role} ${Math.random()}`, role);
    /** a distinct client address per login, so the limiter test's failures stay its own */
    let ipSeq = 0;
    const login = async (apiKey: string, extra: { headers?: Record<string, string>; remoteAddress?: string } = {}) =>
      app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey }, headers: extra.headers, remoteAddress: extra.remoteAddress ?? `10.1.0.${++ipSeq % 250}` });
    const session = async (apiKey: string) => {
      const res = await login(apiKey);
      assert.equal(res.statusCode, 200, res.body);
      return { cookie: `vigil_session=${parseSetCookie(res.headers['set-cookie']).value}`, csrf: res.json().csrfToken as string };
    };
    const failures = async () => (await app.metrics.registry.getSingleMetricAsString('vigil_auth_failures_total'));

    test('login: 200 with csrfToken and whoami; the cookie is HttpOnly, SameSite=Strict, Path=/, not Secure over http', async () => {
      const res = await login(admin);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(body.whoami.key.role, 'admin');
      assert.equal(body.whoami.account.isDelegatedAdmin, true);
      const c = parseSetCookie(res.headers['set-cookie']);
      assert.equal(c.name, 'vigil_session');
      assert.match(c.value, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(c.attrs.httponly, true);
      assert.equal(c.attrs.samesite, 'Strict');
      assert.equal(c.attrs.path, '/');
      assert.equal(c.attrs.secure, undefined);
      // only the token's hash is stored
      const row = await ts.store.db.selectFrom('sessions').selectAll().where('id', '=', sessionId(c.value)).executeTakeFirstOrThrow();
      assert.equal(row.csrf_token, body.csrfToken);
      assert.equal(row.key_id, body.whoami.key.id);
      assert.equal(Date.parse(row.expires_at) - Date.parse(row.created_at), DEFAULT_SESSION_LIMITS.lifetimeMs);
      const dump = JSON.stringify(await ts.store.db.selectFrom('sessions').selectAll().execute());
      assert.ok(!dump.includes(c.value), 'the cookie token reached the database');
    });

    test('login over https (behind a trusted proxy): the cookie is Secure', async () => {
      const proxied = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, trustProxy: true, consoleDir: web.dir } });
      try {
        const res = await proxied.inject({ method: 'POST', url: '/v1/session', payload: { apiKey: admin }, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'vigil.example' } });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(parseSetCookie(res.headers['set-cookie']).attrs.secure, true);
        // the origin a page of https://vigil.example sends is its own
        const { value } = parseSetCookie(res.headers['set-cookie']);
        const ok = await proxied.inject({ method: 'POST', url: '/v1/suppression-rules', payload: RULE, headers: { cookie: `vigil_session=${value}`, 'x-csrf-token': res.json().csrfToken, origin: 'https://vigil.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'vigil.example' } });
        assert.equal(ok.statusCode, 201, ok.body);
      } finally {
        await proxied.close();
      }
    });

    test('login with a wrong, malformed, unknown or revoked key: 401 with the bearer path\'s message, counted, no cookie', async () => {
      const revoked = await newKey('admin');
      await repo.revokeApiKey(ts.store.db, revoked.apiKey.id);
      const bearer = (await app.inject({ url: '/v1/whoami', headers: { authorization: `Bearer ${revoked.key}` } })).json().error.message;
      const before = await failures();
      for (const [key, message] of [
        [admin.replace(/_[A-Za-z0-9]+$/, '_' + 'x'.repeat(43)), bearer],
        [revoked.key, bearer],
        ['vgl_zzzzzzzzzzzz_' + 'y'.repeat(43), bearer],
        ['not a key', /malformed API key/],
      ] as const) {
        const res = await login(key);
        assert.equal(res.statusCode, 401, `${key}: ${res.body}`);
        assert.equal(res.json().error.code, 'VIGIL_UNAUTHORIZED');
        if (typeof message === 'string') assert.equal(res.json().error.message, message);
        else assert.match(res.json().error.message, message);
        assert.equal(res.headers['set-cookie'], undefined);
      }
      assert.notEqual(await failures(), before);
      const m = /vigil_auth_failures_total\{reason="wrong-secret"\} (\d+)/.exec(await failures());
      assert.ok(m && Number(m[1]) >= 1);
      // a body without the key is a field error, not a 500
      const empty = await app.inject({ method: 'POST', url: '/v1/session', payload: {} });
      assert.equal(empty.statusCode, 400);
      assert.match(empty.json().error.message, /apiKey/);
    });

    test('GET /v1/session and every read route with the cookie; 401 without it', async () => {
      const s = await session(admin);
      const me = await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().csrfToken, s.csrf);
      assert.equal(me.json().whoami.key.role, 'admin');
      const who = await app.inject({ url: '/v1/whoami', headers: { cookie: s.cookie } });
      assert.equal(who.statusCode, 200, who.body);
      assert.deepEqual(who.json(), me.json().whoami);
      assert.equal((await app.inject({ url: '/v1/findings', headers: { cookie: s.cookie } })).statusCode, 200);
      const none = await app.inject({ url: '/v1/session' });
      assert.equal(none.statusCode, 401);
      const garbage = await app.inject({ url: '/v1/session', headers: { cookie: 'vigil_session=forged' } });
      assert.equal(garbage.statusCode, 401);
      assert.match(parseSetCookie(garbage.headers['set-cookie']).attrs.expires as string, /1970/, 'an unknown session clears the cookie');
      assert.equal((await app.inject({ url: '/v1/whoami', headers: { cookie: 'vigil_session=forged' } })).statusCode, 401);
    });

    test('cookie writes need X-CSRF-Token (403 csrf), and a same-site Origin (403 origin); bearer writes need neither', async () => {
      const s = await session(admin);
      const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/suppression-rules', payload: RULE, headers });
      const count = async () => (await ts.store.db.selectFrom('suppression_rules').select('id').execute()).length;
      const n = await count();
      const refused: Record<string, string>[] = [{ cookie: s.cookie }, { cookie: s.cookie, 'x-csrf-token': 'wrong' }, { cookie: s.cookie, 'x-csrf-token': s.csrf.slice(1) }];
      for (const headers of refused) {
        const res = await post(headers);
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error.code, 'VIGIL_FORBIDDEN');
        assert.equal(res.json().error.details.rule, 'csrf');
      }
      // another session's token is not this one's
      const other = await session(admin);
      assert.equal((await post({ cookie: s.cookie, 'x-csrf-token': other.csrf })).json().error.details?.rule, 'csrf');
      assert.equal(await count(), n, 'a refused write wrote');
      for (const origin of ['https://evil.example', 'http://localhost:8080', 'https://localhost', 'null']) {
        const res = await post({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin });
        assert.equal(res.statusCode, 403, `${origin}: ${res.body}`);
        assert.equal(res.json().error.details.rule, 'origin');
      }
      assert.equal(await count(), n);
      // inject's Host is localhost:80: a browser names that origin http://localhost
      for (const origin of ['http://localhost', 'http://localhost:80', 'HTTP://LOCALHOST']) {
        const ok = await post({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin });
        assert.equal(ok.statusCode, 201, `${origin}: ${ok.body}`);
      }
      const ok = await post({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://localhost' });
      assert.equal(ok.statusCode, 201, ok.body);
      const noOrigin = await post({ cookie: s.cookie, 'x-csrf-token': s.csrf });
      assert.equal(noOrigin.statusCode, 201, noOrigin.body);
      // bearer: no CSRF token, any Origin, and a bearer key wins over a cookie
      const bearer = await post({ authorization: `Bearer ${admin}`, origin: 'https://evil.example' });
      assert.equal(bearer.statusCode, 201, bearer.body);
      const both = await post({ authorization: `Bearer ${admin}`, cookie: s.cookie });
      assert.equal(both.statusCode, 201, both.body);
      // a cross-site login form is refused too
      const cross = await login(admin, { headers: { origin: 'https://evil.example' } });
      assert.equal(cross.statusCode, 403);
      assert.equal(cross.json().error.details.rule, 'origin');
    });

    test('roles through the cookie are the key\'s: read-only reads but cannot write, analyst operates but cannot administer', async () => {
      const ro = await session((await newKey('read-only')).key);
      assert.equal((await app.inject({ url: '/v1/suppression-rules', headers: { cookie: ro.cookie } })).statusCode, 200);
      const w = await app.inject({ method: 'POST', url: '/v1/suppression-rules', payload: RULE, headers: { cookie: ro.cookie, 'x-csrf-token': ro.csrf } });
      assert.equal(w.statusCode, 403, w.body);
      assert.equal(w.json().error.details.rule, 'role');
      const an = await session((await newKey('analyst')).key);
      assert.equal((await app.inject({ method: 'POST', url: '/v1/suppression-rules', payload: RULE, headers: { cookie: an.cookie, 'x-csrf-token': an.csrf } })).statusCode, 201);
      const acc = await app.inject({ method: 'POST', url: '/v1/accounts', payload: { name: 'x' }, headers: { cookie: an.cookie, 'x-csrf-token': an.csrf } });
      assert.equal(acc.statusCode, 403);
      assert.equal(acc.json().error.details.rule, 'role');
      // and a read-only key logs out like anyone
      assert.equal((await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: ro.cookie, 'x-csrf-token': ro.csrf } })).statusCode, 204);
    });

    test('logout deletes the session and clears the cookie; it needs the CSRF token; a second logout is 204 too', async () => {
      const s = await session(admin);
      const noToken = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie } });
      assert.equal(noToken.statusCode, 403);
      assert.equal(noToken.json().error.details.rule, 'csrf');
      assert.equal((await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 200, 'a refused logout keeps the session');
      const out = await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
      assert.equal(out.statusCode, 204, out.body);
      const cleared = parseSetCookie(out.headers['set-cookie']);
      assert.equal(cleared.name, 'vigil_session');
      assert.equal(cleared.value, '');
      assert.match(String(cleared.attrs.expires), /1970/);
      assert.equal((await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 401);
      assert.equal((await app.inject({ url: '/v1/whoami', headers: { cookie: s.cookie } })).statusCode, 401);
      assert.equal((await app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 204);
      assert.equal((await app.inject({ method: 'DELETE', url: '/v1/session' })).statusCode, 204);
    });

    test('revoking the key ends its sessions at once, through the API or behind its back', async () => {
      const k = await newKey('admin');
      const s = await session(k.key);
      const rev = await app.inject({ method: 'DELETE', url: `/v1/accounts/${await accountId()}/api-keys/${k.apiKey.id}`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(rev.statusCode, 200, rev.body);
      assert.equal((await app.inject({ url: '/v1/whoami', headers: { cookie: s.cookie } })).statusCode, 401);
      assert.equal((await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 401);
      // a revocation written by another process (an older `vigil admin revoke-key`): the session row is still there
      const k2 = await newKey('analyst');
      const s2 = await session(k2.key);
      await ts.store.db.updateTable('api_keys').set({ revoked_at: new Date().toISOString() }).where('id', '=', k2.apiKey.id).execute();
      const res = await app.inject({ url: '/v1/findings', headers: { cookie: s2.cookie } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.message, 'unknown or revoked API key');
      assert.equal((await ts.store.db.selectFrom('sessions').select('id').where('key_id', '=', k2.apiKey.id).execute()).length, 0, 'the dead session is deleted');
    });

    test('a session ends after the idle timeout and after its lifetime; use keeps it alive until then', async () => {
      const start = clock;
      try {
        const s = await session(admin);
        const get = () => app.inject({ url: '/v1/session', headers: { cookie: s.cookie } });
        // used every 11 hours: alive for days
        for (let i = 1; i <= 5; i++) {
          clock = start + i * 11 * 3600_000;
          assert.equal((await get()).statusCode, 200, `after ${i * 11} h`);
        }
        clock = start + 5 * 11 * 3600_000 + DEFAULT_SESSION_LIMITS.idleMs;
        const idle = await get();
        assert.equal(idle.statusCode, 401);
        assert.match(idle.json().error.message, /expired/);
        // the absolute lifetime holds however often it is used
        clock = start;
        const t = await session(admin);
        for (let h = 10; h < 7 * 24; h += 10) {
          clock = start + h * 3600_000;
          assert.equal((await app.inject({ url: '/v1/whoami', headers: { cookie: t.cookie } })).statusCode, 200, `after ${h} h`);
        }
        clock = start + DEFAULT_SESSION_LIMITS.lifetimeMs;
        assert.equal((await app.inject({ url: '/v1/whoami', headers: { cookie: t.cookie } })).statusCode, 401);
        assert.equal((await ts.store.db.selectFrom('sessions').select('id').where('id', '=', sessionId(t.cookie.split('=')[1])).execute()).length, 0);
      } finally {
        clock = start;
      }
    });

    test('failed logins: the 11th attempt within a minute from one address is 429 with Retry-After, even with the right key; other addresses and a new window are not affected', async () => {
      const start = clock;
      try {
        const ip = '192.0.2.77';
        for (let i = 0; i < DEFAULT_SESSION_LIMITS.loginFailures; i++) assert.equal((await login('vgl_zzzzzzzzzzzz_' + 'q'.repeat(43), { remoteAddress: ip })).statusCode, 401);
        clock = start + 20_000;
        const limited = await login(admin, { remoteAddress: ip });
        assert.equal(limited.statusCode, 429, limited.body);
        assert.equal(limited.json().error.code, 'VIGIL_LIMIT_EXCEEDED');
        assert.equal(limited.json().error.details.rule, 'login-rate');
        assert.equal(limited.headers['retry-after'], '40');
        assert.equal((await login(admin, { remoteAddress: '192.0.2.78' })).statusCode, 200);
        clock = start + DEFAULT_SESSION_LIMITS.loginWindowMs;
        assert.equal((await login(admin, { remoteAddress: ip })).statusCode, 200);
      } finally {
        clock = start;
      }
    });

    test('a new login from a browser replaces its previous session', async () => {
      const s = await session(admin);
      const again = await app.inject({ method: 'POST', url: '/v1/session', payload: { apiKey: admin }, headers: { cookie: s.cookie }, remoteAddress: '10.9.9.9' });
      assert.equal(again.statusCode, 200);
      assert.equal((await app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).statusCode, 401);
    });
  });
}

describe('console serving', () => {
  let ts: TestStore;
  let app: VigilServer;
  let web: ReturnType<typeof fakeConsoleDir>;
  before(async () => {
    ts = await sqliteTestStore();
    web = fakeConsoleDir();
    app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, consoleDir: web.dir } });
  });
  after(async () => {
    await app?.close();
    await ts?.cleanup();
    web?.cleanup();
  });
  const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
  const securityHeaders = (res: { headers: Record<string, unknown> }, what: string) => {
    for (const [k, v] of Object.entries(CONSOLE_HEADERS)) assert.equal(res.headers[k], v, `${what}: ${k}`);
  };

  test('GET / is index.html, not cached, with the security headers', async () => {
    const res = await app.inject({ url: '/', headers: html });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, FAKE_INDEX);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    securityHeaders(res, 'GET /');
    assert.ok(res.headers.etag, 'revalidation by ETag');
    const again = await app.inject({ url: '/', headers: { ...html, 'if-none-match': String(res.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal((await app.inject({ url: '/' })).statusCode, 200, 'without an Accept header too');
  });

  test('/assets/*: immutable for a year; a missing asset is a 404, never index.html', async () => {
    const res = await app.inject({ url: '/assets/app-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, FAKE_SCRIPT);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    securityHeaders(res, 'asset');
    for (const url of ['/assets/app-old.js', '/assets/..%2findex.html', '/assets/.hidden']) {
      const miss = await app.inject({ url, headers: html });
      assert.equal(miss.statusCode, 404, `${url}: ${miss.body.slice(0, 100)}`);
      assert.notEqual(miss.body, FAKE_INDEX);
      assert.equal(miss.headers['cache-control'], undefined, `${url}: a 404 is not cached`);
    }
    // dot segments are resolved before routing: this is /index.html, and not cached as an asset
    const dots = await app.inject({ url: '/assets/%2e%2e/index.html', headers: html });
    assert.equal(dots.headers['cache-control'], 'no-cache');
  });

  test('SPA fallback: a browser asking for a console path gets index.html; scripts and API clients get 404', async () => {
    for (const url of ['/findings', '/findings/fnd_123?severity=HIGH', '/settings/keys', '/index.html']) {
      const res = await app.inject({ url, headers: html });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, FAKE_INDEX, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      securityHeaders(res, url);
    }
    const favicon = await app.inject({ url: '/favicon.ico' });
    assert.equal(favicon.statusCode, 200);
    assert.equal(favicon.rawPayload.length, 4);
    const script = await app.inject({ url: '/findings', headers: { accept: 'application/json' } });
    assert.equal(script.statusCode, 404);
    assert.equal(script.json().error.code, 'VIGIL_NOT_FOUND');
    // files outside web/dist stay out, whatever the encoding
    for (const url of ['/%2e%2e/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2fsecret']) {
      const res = await app.inject({ url, headers: html });
      assert.ok(res.statusCode === 200 ? res.body === FAKE_INDEX : res.statusCode === 404, `${url}: ${res.statusCode} ${res.body.slice(0, 100)}`);
    }
  });

  test('API paths keep the JSON 404, HTML accepted or not; API routes are unchanged', async () => {
    for (const url of ['/v1/nope', '/v1', '/v1/', '/v1/findings/x/y/z', '/healthz/x', '/metrics/x', '/openapi.json/x']) {
      const res = await app.inject({ url, headers: html });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'VIGIL_NOT_FOUND', url);
      assert.equal(res.json().error.details.rule, 'route', url);
    }
    assert.equal((await app.inject({ url: '/healthz', headers: html })).json().status, 'ok');
    assert.equal((await app.inject({ url: '/v1/whoami', headers: html })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/findings', headers: html })).statusCode, 404);
  });

  test('the console routes are public and not in /openapi.json; the session routes are', async () => {
    const table = app.routeTable().filter((r) => !r.url.startsWith('/v1/') && !['/healthz', '/readyz', '/metrics', '/openapi.json'].includes(r.url));
    assert.deepEqual(table.map((r) => `${r.method} ${r.url} ${r.access}`).sort(), ['GET / public', 'GET /* public', 'GET /assets/* public']);
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    for (const p of ['/', '/*', '/assets/*', '/{*}']) assert.equal(doc.paths[p], undefined, p);
    assert.ok(doc.paths['/v1/session'].post && doc.paths['/v1/session'].get && doc.paths['/v1/session'].delete);
    assert.ok(doc.components.schemas.Session);
    assert.equal(doc.components.securitySchemes.session.in, 'cookie');
  });

  test('a console that is not built: GET / is a 404 that says how to build it; the API still works', async () => {
    const missing = join(web.dir, 'no-such-dist');
    const bare = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false, consoleDir: missing } });
    try {
      for (const url of ['/', '/findings']) {
        const res = await bare.inject({ url, headers: html });
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.json().error.code, 'VIGIL_NOT_FOUND');
        assert.match(res.json().error.message, /the console is not built: run npm run build/);
      }
      assert.equal((await bare.inject({ url: '/assets/app-abc123.js' })).statusCode, 404);
      assert.equal((await bare.inject({ url: '/healthz' })).statusCode, 200);
    } finally {
      await bare.close();
    }
  });

  test('the default console directory is the package root\'s web/dist, from the sources and from the bundle', () => {
    const root = join(import.meta.dirname, '..', '..');
    assert.equal(defaultConsoleDir(import.meta.dirname), join(root, 'web', 'dist'));
    assert.equal(defaultConsoleDir(join(root, 'dist')), join(root, 'web', 'dist'));
    assert.equal(defaultConsoleDir(), join(root, 'web', 'dist'));
    assert.equal(defaultConsoleDir('/'), null);
  });
});
