/**
 * Tenancy rules, in one place. A member account sees only itself; the organization's
 * delegated-admin account sees and manages every account of its organization. Objects a caller
 * may not see are reported as missing (404), never as forbidden, so ids cannot be probed.
 */
import type { Kysely } from 'kysely';
import { VigilError } from '../../model/errors.ts';
import type { Database } from '../../store/index.ts';
import type { Principal } from '../auth.ts';
import type { Account, Organization } from '../schemas.ts';
import { getAccount } from './repo.ts';

export function notFound(kind: string, id: string): VigilError {
  return new VigilError('VIGIL_NOT_FOUND', `no ${kind} ${JSON.stringify(id)}`, { input: id, rule: 'tenancy' });
}

export function canSeeAccount(p: Principal, a: Pick<Account, 'id' | 'organizationId'>): boolean {
  return a.id === p.account.id || (p.account.isDelegatedAdmin && a.organizationId === p.organization.id);
}

/** The account with this id, if the caller may see it; else VIGIL_NOT_FOUND. */
export async function visibleAccount(db: Kysely<Database>, p: Principal, id: string): Promise<Account> {
  const a = await getAccount(db, id);
  if (!a || !canSeeAccount(p, a)) throw notFound('account', id);
  return a;
}

/** The caller's own organization, when `id` names it; else VIGIL_NOT_FOUND. */
export function visibleOrganization(p: Principal, id: string): Organization {
  if (id !== p.organization.id) throw notFound('organization', id);
  return p.organization;
}

/** Actions reserved to the delegated-admin account (creating accounts, organization settings, …). */
export function requireDelegatedAdmin(p: Principal, action: string): void {
  if (!p.account.isDelegatedAdmin) {
    throw new VigilError('VIGIL_FORBIDDEN', `${action} is reserved to the organization's delegated-admin account; ${p.account.id} is a member account`, { input: p.account.id, rule: 'delegated-admin' });
  }
}
