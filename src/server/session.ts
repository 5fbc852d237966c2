/**
 * Console sessions: an API key typed into the console's login form is exchanged (POST /v1/session)
 * for a `vigil_session` cookie (HttpOnly, SameSite=Strict, Path=/, Secure over https). The row is
 * keyed by the sha256 of the cookie's token; each request resolves the session's API key again and
 * goes through the same checks as a bearer key (auth.ts), so revoking the key ends the session at
 * once. Writes authenticated by the cookie must echo the session's CSRF token in `X-CSRF-Token` and,
 * when the browser sends `Origin`, come from the server's own origin.
 *
 * Lifetimes: a session ends after {@link DEFAULT_SESSION_LIMITS} `idleMs` (12 h) without a request,
 * and `lifetimeMs` (7 days) after login whatever its use. `last_seen_at` is written at most once a
 * minute, so the idle end can come up to a minute late.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../model/errors.ts';
import type { Store } from '../store/index.ts';
import { findKeyById, type KeyWithOwner } from './tenancy/repo.ts';

export const SESSION_COOKIE = 'vigil_session';
/** the header that cookie-authenticated writes must carry */
export const CSRF_HEADER = 'x-csrf-token';
/** the only path whose routes may use the `session` access level */
export const SESSION_PATH = '/v1/session';

export interface SessionLimits {
  /** a session unused this long is over (default 12 h) */
  idleMs: number;
  /** a session is over this long after login, used or not (default 7 days) */
  lifetimeMs: number;
  /** failed logins from one address within `loginWindowMs` before further attempts get 429 (default 10) */
  loginFailures: number;
  /** default 1 minute */
  loginWindowMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleMs: 12 * 3600_000,
  lifetimeMs: 7 * 24 * 3600_000,
  loginFailures: 10,
  loginWindowMs: 60_000,
};

/** last_seen_at is written at most this often per session, not on every request */
const TOUCH_INTERVAL_MS = 60_000;

/** hex sha256: what the sessions table keys a token by */
export function sessionId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** 256 random bits, base64url (43 characters): cookie tokens and CSRF tokens */
function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time string equality (compares digests, so lengths leak nothing either). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

export interface CreatedSession {
  /** the cookie's value (never stored) */
  token: string;
  csrfToken: string;
}

/**
 * A new session for `keyId`; sessions already over (anyone's) are deleted on the way, so the table
 * holds only live sessions plus those that ended since the last login.
 */
export async function createSession(store: Store, keyId: string, nowMs: number, limits: SessionLimits): Promise<CreatedSession> {
  const token = newToken();
  const csrfToken = newToken();
  const now = new Date(nowMs).toISOString();
  await store.db.deleteFrom('sessions').where((eb) => eb.or([
    eb('expires_at', '<=', now),
    eb('last_seen_at', '<', new Date(nowMs - limits.idleMs).toISOString()),
  ])).execute();
  await store.db.insertInto('sessions').values({
    id: sessionId(token), key_id: keyId, csrf_token: csrfToken, created_at: now,
    expires_at: new Date(nowMs + limits.lifetimeMs).toISOString(), last_seen_at: now,
  }).execute();
  return { token, csrfToken };
}

export async function deleteSession(store: Store, token: string): Promise<void> {
  await store.db.deleteFrom('sessions').where('id', '=', sessionId(token)).execute();
}

export type SessionLookup =
  | { ok: true; csrfToken: string; found: KeyWithOwner }
  | { ok: false; reason: 'session-unknown' | 'session-expired' };

/**
 * The session of a cookie token and its API key (revoked or not: the caller applies the key checks).
 * An ended session is deleted here. Records the use (at most once a minute).
 */
export async function lookupSession(store: Store, token: string, nowMs: number, limits: SessionLimits): Promise<SessionLookup> {
  const id = sessionId(token);
  const row = await store.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return { ok: false, reason: 'session-unknown' };
  const lastSeen = Date.parse(row.last_seen_at);
  if (nowMs >= Date.parse(row.expires_at) || nowMs - lastSeen >= limits.idleMs) {
    await store.db.deleteFrom('sessions').where('id', '=', id).execute();
    return { ok: false, reason: 'session-expired' };
  }
  const found = await findKeyById(store.db, row.key_id);
  // the foreign key keeps this from happening; a hand-edited database gets a dead session, not a 500
  if (!found) {
    await store.db.deleteFrom('sessions').where('id', '=', id).execute();
    return { ok: false, reason: 'session-unknown' };
  }
  if (nowMs - lastSeen > TOUCH_INTERVAL_MS) await store.db.updateTable('sessions').set({ last_seen_at: new Date(nowMs).toISOString() }).where('id', '=', id).execute();
  return { ok: true, csrfToken: row.csrf_token, found };
}

/** The cookie's attributes: `Secure` when the request came over https (request.protocol honours trustProxy). */
export function cookieOptions(request: FastifyRequest) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https' };
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
}

/** An origin without its scheme's default port ("http://h:80" is "http://h"), lower case. */
function normalOrigin(origin: string): string {
  return origin.toLowerCase().replace(/^(http:\/\/[^/]*?):80$|^(https:\/\/[^/]*?):443$/, (_m, h: string | undefined, hs: string | undefined) => h ?? hs ?? '');
}

/** The origin a browser names in `Origin` when the request comes from a page of this server. */
export function ownOrigin(request: FastifyRequest): string {
  return normalOrigin(`${request.protocol}://${request.host}`);
}

/**
 * A write that a browser could have sent from another site: `Origin` is present and is not this
 * server's origin. (SameSite=Strict already keeps the cookie off cross-site requests; this holds
 * where a browser ignores SameSite, and for sibling sites on the same registrable domain.)
 * @throws VigilError VIGIL_FORBIDDEN, rule `origin`
 */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (normalOrigin(origin) !== ownOrigin(request)) {
    throw new VigilError('VIGIL_FORBIDDEN', `cross-origin request refused: Origin ${JSON.stringify(origin.slice(0, 200))} is not ${ownOrigin(request)}`, { input: origin.slice(0, 200), rule: 'origin' });
  }
}

/**
 * A cookie-authenticated write: same origin (when `Origin` is sent) and `X-CSRF-Token` equal to
 * the session's token.
 * @throws VigilError VIGIL_FORBIDDEN, rule `origin` or `csrf`
 */
export function checkCookieWrite(request: FastifyRequest, csrfToken: string): void {
  checkOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, csrfToken)) {
    throw new VigilError('VIGIL_FORBIDDEN', `${request.method} with a session cookie needs the header X-CSRF-Token (the csrfToken of POST or GET /v1/session)`, { rule: 'csrf' });
  }
}

/**
 * Failed logins per client address in a fixed window: past `loginFailures` within `loginWindowMs`
 * every login from that address gets 429 until the window ends, right key or not (else the limit
 * would still confirm a guess). Per server process: several servers behind one proxy each count
 * their own. Addresses are `request.ip` (the proxy's, unless trustProxy).
 */
export class LoginLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();
  constructor(private readonly limits: Pick<SessionLimits, 'loginFailures' | 'loginWindowMs'>) {}

  /** Seconds until `ip` may try again, or 0 when it may now. */
  retryAfter(ip: string, nowMs: number): number {
    const w = this.#windows.get(ip);
    if (!w || nowMs - w.start >= this.limits.loginWindowMs) return 0;
    return w.failures >= this.limits.loginFailures ? Math.max(1, Math.ceil((w.start + this.limits.loginWindowMs - nowMs) / 1000)) : 0;
  }

  fail(ip: string, nowMs: number): void {
    // an address flood must not grow the map without bound: drop the windows that are over
    if (this.#windows.size >= 10_000) {
      for (const [k, w] of this.#windows) if (nowMs - w.start >= this.limits.loginWindowMs) this.#windows.delete(k);
      // still full of live windows: forget the oldest (insertion order), which end first anyway
      for (const k of this.#windows.keys()) { if (this.#windows.size < 10_000) break; this.#windows.delete(k); }
    }
    const w = this.#windows.get(ip);
    if (!w || nowMs - w.start >= this.limits.loginWindowMs) this.#windows.set(ip, { start: nowMs, failures: 1 });
    else w.failures++;
  }
}
