/**
 * Authentication (Bearer API keys) and role checks. Every route declares `config.access`:
 * public (no key), read (any role), operate (analyst or admin: suppression rules, scan triggers),
 * admin (accounts, keys, settings). A route without one cannot be registered (see app.ts), so a
 * new endpoint is closed until its author decides who may call it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../model/errors.ts';
import type { Store } from '../store/index.ts';
import { parseKey, secretMatches } from './keys.ts';
import type { Metrics } from './metrics.ts';
import type { Account, Organization, Role } from './schemas.ts';
import { findKeyByPrefix, touchApiKey } from './tenancy/repo.ts';

/**
 * `webhook`: no API key; the handler authenticates the caller by the target's own secret (a
 * registry's notification token, a repository's webhook signature).
 */
export type Access = 'public' | 'read' | 'operate' | 'admin' | 'webhook';
export const ACCESS_LEVELS: readonly Access[] = ['public', 'read', 'operate', 'admin', 'webhook'];

/** Who is calling: the key, its account and organization. */
export interface Principal {
  keyId: string;
  keyPrefix: string;
  keyName: string;
  role: Role;
  keyCreatedAt: string;
  account: Account;
  organization: Organization;
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
const NEEDED_RANK: Record<Exclude<Access, 'public' | 'webhook'>, number> = { read: 0, operate: 1, admin: 2 };
const NEEDED_ROLE: Record<Exclude<Access, 'public' | 'webhook'>, string> = { read: 'any role', operate: 'the analyst or admin role', admin: 'the admin role' };

/** a well-formed hash that no secret produces in practice: unknown prefixes cost one compare too */
const DUMMY_HASH = '0'.repeat(64);
/** last_used_at is written at most this often per key, not on every request */
const TOUCH_INTERVAL_MS = 60_000;

export function unauthorized(message: string): VigilError {
  return new VigilError('VIGIL_UNAUTHORIZED', message, { rule: 'api-key' });
}

/** The onRequest hook: resolves the key into `request.principal`, then checks the route's role. */
export function authHook(store: Store, metrics: Metrics) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config?.access;
    // unmatched URLs (the 404 handler) have no access level and need no key
    if (access === undefined || access === 'public' || access === 'webhook') return;
    const fail = (reason: string, message: string) => {
      metrics.authFailures.inc({ reason });
      request.log.debug({ reason }, 'authentication failed');
      void reply.header('www-authenticate', 'Bearer realm="vigil"');
      return unauthorized(message);
    };
    const header = request.headers.authorization;
    if (!header) throw fail('missing', 'missing API key: send "Authorization: Bearer vgl_<prefix>_<secret>"');
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const parsed = m ? parseKey(m[1]) : null;
    if (!parsed) throw fail('malformed', 'malformed API key: expected "Authorization: Bearer vgl_<prefix>_<secret>"');
    const found = await findKeyByPrefix(store.db, parsed.prefix);
    const ok = secretMatches(parsed.secret, found?.key.hash ?? DUMMY_HASH);
    // one message for unknown, wrong and revoked keys: a caller learns nothing about which prefixes exist
    if (!found || !ok || found.key.revoked_at !== null) throw fail(!found ? 'unknown' : !ok ? 'wrong-secret' : 'revoked', 'unknown or revoked API key');
    const k = found.key;
    request.principal = {
      keyId: k.id, keyPrefix: k.prefix, keyName: k.name, role: k.role as Role, keyCreatedAt: k.created_at,
      account: found.account, organization: found.organization,
    };
    const nowMs = Date.now();
    if (!k.last_used_at || nowMs - Date.parse(k.last_used_at) > TOUCH_INTERVAL_MS) await touchApiKey(store.db, k.id, new Date(nowMs).toISOString());
    if (ROLE_RANK[k.role as Role] === undefined || ROLE_RANK[k.role as Role] < NEEDED_RANK[access]) {
      metrics.authFailures.inc({ reason: 'role' });
      throw new VigilError('VIGIL_FORBIDDEN', `${request.method} ${request.routeOptions.url} needs ${NEEDED_ROLE[access]}; this key has the ${k.role} role`, { input: k.role, rule: 'role' });
    }
  };
}

/** The principal of an authenticated route (the hook guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new VigilError('VIGIL_CONFIG', `route ${request.routeOptions.url} reads a principal but is public`, { rule: 'route-access' });
  return request.principal;
}
