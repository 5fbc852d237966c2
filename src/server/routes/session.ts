/**
 * /v1/session: the console's login and logout (session.ts has the rules). Access level `session`:
 * any role may log in and out, and the handlers authenticate by themselves — the key in the body
 * (login) or the cookie (GET, DELETE) — through the same checks as every other route (auth.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VigilError } from '../../model/errors.ts';
import { admitKey, sessionPrincipal, UNKNOWN_KEY, unauthorized, verifyKey, whoAmI, type AuthContext } from '../auth.ts';
import { ErrorBody, Session, SessionLogin } from '../schemas.ts';
import {
  checkCookieWrite, checkOrigin, clearSessionCookie, cookieOptions, createSession, deleteSession, LoginLimiter, lookupSession, SESSION_COOKIE, SESSION_PATH,
} from '../session.ts';

const cookieSecurity = [{ session: [] }];

export const sessionRoutes: FastifyPluginAsyncZod<{ auth: AuthContext }> = async (app, { auth }) => {
  const { store, metrics, limits, now } = auth;
  const limiter = new LoginLimiter(limits);

  app.post(SESSION_PATH, {
    config: { access: 'session' },
    schema: {
      tags: ['session'],
      summary: 'log in: exchange an API key (any role) for a session cookie',
      description: `Sets \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Strict, Path=/, Secure over https). The session ends ${limits.idleMs / 3600_000} h after its last request or ${limits.lifetimeMs / 86400_000} days after login, and at once when its key is revoked. More than ${limits.loginFailures} failed logins from one address within ${limits.loginWindowMs / 1000} s: 429 until the window ends.`,
      security: [],
      body: SessionLogin,
      response: { 200: Session, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
    },
  }, async (request, reply) => {
    // a login form posted from another site would log the victim into the attacker's key
    checkOrigin(request);
    const nowMs = now();
    const wait = limiter.retryAfter(request.ip, nowMs);
    if (wait > 0) {
      void reply.header('retry-after', String(wait));
      throw new VigilError('VIGIL_LIMIT_EXCEEDED', `too many failed logins from ${request.ip}: try again in ${wait} s`, { input: request.ip, rule: 'login-rate', status: 429 });
    }
    const v = await verifyKey(store, request.body.apiKey);
    const principal = 'found' in v ? await admitKey(store, v.found, 'session', nowMs) : null;
    if (!principal) {
      const failure = 'failure' in v ? v.failure : 'revoked';
      metrics.authFailures.inc({ reason: failure });
      limiter.fail(request.ip, nowMs);
      request.log.debug({ reason: failure }, 'login failed');
      throw unauthorized(failure === 'malformed' ? 'malformed API key: expected vgl_<prefix>_<secret>' : UNKNOWN_KEY);
    }
    // a new login replaces the session this browser had (no session fixation, no orphan)
    const old = request.cookies[SESSION_COOKIE];
    if (old) await deleteSession(store, old);
    const created = await createSession(store, principal.keyId, nowMs, limits);
    void reply.setCookie(SESSION_COOKIE, created.token, cookieOptions(request));
    return { csrfToken: created.csrfToken, whoami: whoAmI(principal) };
  });

  app.get(SESSION_PATH, {
    config: { access: 'session' },
    schema: {
      tags: ['session'],
      summary: "the session of the cookie: its CSRF token and whoami (401 when there is none)",
      security: cookieSecurity,
      response: { 200: Session, 401: ErrorBody },
    },
  }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) {
      metrics.authFailures.inc({ reason: 'missing' });
      throw unauthorized('no session: log in with POST /v1/session');
    }
    const s = await sessionPrincipal(auth, request, reply, token);
    return { csrfToken: s.csrfToken, whoami: whoAmI(s.principal) };
  });

  app.delete(SESSION_PATH, {
    config: { access: 'session' },
    schema: {
      tags: ['session'],
      summary: 'log out: deletes the session and clears the cookie (204 also when there was none)',
      description: 'A live session must send X-CSRF-Token (and, when the browser sends Origin, come from this server), like every cookie-authenticated write.',
      security: cookieSecurity,
      response: { 204: z.null().describe('logged out'), 403: ErrorBody },
    },
  }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const s = await lookupSession(store, token, now(), limits);
      // a live session is ended only by its own page: another site must not log the user out
      if (s.ok) checkCookieWrite(request, s.csrfToken);
      await deleteSession(store, token);
    }
    clearSessionCookie(request, reply);
    return reply.code(204).send(null);
  });
};
