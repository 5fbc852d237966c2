/**
 * Authentication (Bearer API keys, or the console's session cookie) and role checks. Every route
 * declares `config.access`: public (no key), read (any role), operate (analyst or admin:
 * suppression rules, scan triggers), admin (accounts, keys, settings), webhook (the target's own
 * secret), session (POST/GET/DELETE /v1/session only: log in and out with any role). A route
 * without one cannot be registered (see app.ts), so a new endpoint is closed until its author
 * decides who may call it.
 *
 * Both ways in end in the same place: a key row becomes a principal in {@link admitKey} (revoked
 * keys refused, last use recorded) and the role is checked by {@link checkRole}. A session only
 * names its key; the key decides, on every request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../model/errors.ts';
import type { Store } from '../store/index.ts';
import { parseKey, secretMatches } from './keys.ts';
import type { Metrics } from './metrics.ts';
import type { Account, Organization, Role, WhoAmI } from './schemas.ts';
import { checkCookieWrite, clearSessionCookie, lookupSession, SESSION_COOKIE, type SessionLimits } from './session.ts';
import { findKeyByPrefix, touchApiKey, type KeyWithOwner } from './tenancy/repo.ts';

/**
 * `webhook`: no API key; the handler authenticates the caller by the target's own secret (a
 * registry's notification token, a repository's webhook signature).
 * `session`: no API key in the header; the handler reads the key from the body (login) or the
 * session cookie. Only the routes of /v1/session may have it (app.ts checkRouteAccess).
 */
export type Access = 'public' | 'read' | 'operate' | 'admin' | 'webhook' | 'session';
export const ACCESS_LEVELS: readonly Access[] = ['public', 'read', 'operate', 'admin', 'webhook', 'session'];
/** the levels that a key's role must reach */
export type RoleAccess = Exclude<Access, 'public' | 'webhook' | 'session'>;

/** Who is calling: the key, its account and organization. */
export interface Principal {
  keyId: string;
  keyPrefix: string;
  keyName: string;
  role: Role;
  keyCreatedAt: string;
  account: Account;
  organization: Organization;
  /** how the key was presented */
  via: 'bearer' | 'session';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** who may call this route; required on every route */
    access?: Access;
  }
  interface FastifyRequest {
    /** set by the auth hook on every non-public route */
    principal: Principal | null;
  }
}

const ROLE_RANK: Record<Role, number> = { 'read-only': 0, analyst: 1, admin: 2 };
const NEEDED_RANK: Record<RoleAccess, number> = { read: 0, operate: 1, admin: 2 };
const NEEDED_ROLE: Record<RoleAccess, string> = { read: 'any role', operate: 'the analyst or admin role', admin: 'the admin role' };

/** a well-formed hash that no secret produces in practice: unknown prefixes cost one compare too */
const DUMMY_HASH = '0'.repeat(64);
/** last_used_at is written at most this often per key, not on every request */
const TOUCH_INTERVAL_MS = 60_000;
/** one message for unknown, wrong and revoked keys: a caller learns nothing about which prefixes exist */
export const UNKNOWN_KEY = 'unknown or revoked API key';

export function unauthorized(message: string): VigilError {
  return new VigilError('VIGIL_UNAUTHORIZED', message, { rule: 'api-key' });
}

/** Why a presented key was refused (the label of vigil_auth_failures_total). */
export type KeyFailure = 'malformed' | 'unknown' | 'wrong-secret' | 'revoked';

/**
 * Checks a presented key (`vgl_<prefix>_<secret>`): its row, account and organization when it is
 * known, its secret matches and it is not revoked; else why not. The bearer path and the login use it.
 */
export async function verifyKey(store: Store, presented: string): Promise<{ found: KeyWithOwner } | { failure: KeyFailure }> {
  const parsed = parseKey(presented);
  if (!parsed) return { failure: 'malformed' };
  const found = await findKeyByPrefix(store.db, parsed.prefix);
  const ok = secretMatches(parsed.secret, found?.key.hash ?? DUMMY_HASH);
  if (!found) return { failure: 'unknown' };
  if (!ok) return { failure: 'wrong-secret' };
  if (found.key.revoked_at !== null) return { failure: 'revoked' };
  return { found };
}

/**
 * The one path from a key row to a principal: a revoked key gets none (null), a live one records
 * its use (at most once a minute).
 */
export async function admitKey(store: Store, found: KeyWithOwner, via: Principal['via'], nowMs: number): Promise<Principal | null> {
  const k = found.key;
  if (k.revoked_at !== null) return null;
  if (!k.last_used_at || nowMs - Date.parse(k.last_used_at) > TOUCH_INTERVAL_MS) await touchApiKey(store.db, k.id, new Date(nowMs).toISOString());
  return {
    keyId: k.id, keyPrefix: k.prefix, keyName: k.name, role: k.role as Role, keyCreatedAt: k.created_at,
    account: found.account, organization: found.organization, via,
  };
}

/**
 * Does the principal's role reach the route's level?
 * @throws VigilError VIGIL_FORBIDDEN, rule `role`
 */
export function checkRole(request: FastifyRequest, p: Principal, access: RoleAccess, metrics: Metrics): void {
  if (ROLE_RANK[p.role] === undefined || ROLE_RANK[p.role] < NEEDED_RANK[access]) {
    metrics.authFailures.inc({ reason: 'role' });
    throw new VigilError('VIGIL_FORBIDDEN', `${request.method} ${request.routeOptions.url} needs ${NEEDED_ROLE[access]}; this key has the ${p.role} role`, { input: p.role, rule: 'role' });
  }
}

/** What GET /v1/whoami (and the session routes) answer for a principal. */
export function whoAmI(p: Principal): WhoAmI {
  return {
    key: { id: p.keyId, accountId: p.account.id, prefix: p.keyPrefix, role: p.role, name: p.keyName, createdAt: p.keyCreatedAt },
    account: p.account,
    organization: p.organization,
  };
}

export interface AuthContext {
  store: Store;
  metrics: Metrics;
  limits: SessionLimits;
  /** the clock (tests move it) */
  now: () => number;
}

/** A 401 that also counts the failure and names the scheme. */
function refuse(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply, reason: string, message: string): VigilError {
  ctx.metrics.authFailures.inc({ reason });
  request.log.debug({ reason }, 'authentication failed');
  void reply.header('www-authenticate', 'Bearer realm="vigil"');
  return unauthorized(message);
}

/**
 * The principal of a session cookie, with its CSRF token: the same key checks as a bearer key (a
 * revoked key ends the session). An ended or unknown session clears the cookie.
 * @throws VigilError VIGIL_UNAUTHORIZED when the session or its key is not (or no longer) valid
 */
export async function sessionPrincipal(ctx: AuthContext, request: FastifyRequest, reply: FastifyReply, token: string): Promise<{ principal: Principal; csrfToken: string }> {
  const nowMs = ctx.now();
  const s = await lookupSession(ctx.store, token, nowMs, ctx.limits);
  if (!s.ok) {
    clearSessionCookie(request, reply);
    throw refuse(ctx, request, reply, s.reason, s.reason === 'session-expired' ? 'the session has expired: log in again (POST /v1/session)' : 'unknown session: log in again (POST /v1/session)');
  }
  const principal = await admitKey(ctx.store, s.found, 'session', nowMs);
  if (!principal) {
    await ctx.store.db.deleteFrom('sessions').where('key_id', '=', s.found.key.id).execute();
    clearSessionCookie(request, reply);
    throw refuse(ctx, request, reply, 'revoked', UNKNOWN_KEY);
  }
  return { principal, csrfToken: s.csrfToken };
}

/**
 * The onRequest hook: resolves the bearer key (or, without an Authorization header, the session
 * cookie) into `request.principal`, checks CSRF and origin on cookie-authenticated writes, then
 * checks the route's role.
 */
export function authHook(ctx: AuthContext) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config?.access;
    // unmatched URLs (the 404 handler) have no access level and need no key; session routes authenticate in their handlers
    if (access === undefined || access === 'public' || access === 'webhook' || access === 'session') return;
    const header = request.headers.authorization;
    const cookie = request.cookies?.[SESSION_COOKIE];
    let principal: Principal | null;
    if (header) {
      // a bearer key wins over a cookie: browsers never add Authorization by themselves, so no CSRF check
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      const v = m ? await verifyKey(ctx.store, m[1]) : { failure: 'malformed' as const };
      if ('failure' in v) {
        throw refuse(ctx, request, reply, v.failure, v.failure === 'malformed' ? 'malformed API key: expected "Authorization: Bearer vgl_<prefix>_<secret>"' : UNKNOWN_KEY);
      }
      principal = await admitKey(ctx.store, v.found, 'bearer', ctx.now());
      if (!principal) throw refuse(ctx, request, reply, 'revoked', UNKNOWN_KEY);
    } else if (cookie) {
      const s = await sessionPrincipal(ctx, request, reply, cookie);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        try {
          checkCookieWrite(request, s.csrfToken);
        } catch (err) {
          ctx.metrics.authFailures.inc({ reason: (err as VigilError).rule ?? 'csrf' });
          throw err;
        }
      }
      principal = s.principal;
    } else {
      throw refuse(ctx, request, reply, 'missing', 'missing API key: send "Authorization: Bearer vgl_<prefix>_<secret>" (or log in: POST /v1/session)');
    }
    request.principal = principal;
    checkRole(request, principal, access, ctx.metrics);
  };
}

/** The principal of an authenticated route (the hook guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new VigilError('VIGIL_CONFIG', `route ${request.routeOptions.url} reads a principal but is public`, { rule: 'route-access' });
  return request.principal;
}
