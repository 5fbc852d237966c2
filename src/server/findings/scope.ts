/**
 * Which accounts a findings request reads: the caller's sight (tenancy/access.ts — a member sees
 * itself, the delegated admin every account of its organization), narrowed by an optional
 * `accountId` that must be in sight (else 404, as for any object out of sight).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { Principal } from '../auth.ts';
import { visibleAccount } from '../tenancy/access.ts';
import { listAccounts } from '../tenancy/repo.ts';

/** The ids of the accounts in scope; never empty. @throws VigilError VIGIL_NOT_FOUND for an accountId out of sight */
export async function accountScope(db: Kysely<Database>, p: Principal, accountId?: string): Promise<string[]> {
  if (accountId !== undefined) return [(await visibleAccount(db, p, accountId)).id];
  if (!p.account.isDelegatedAdmin) return [p.account.id];
  return (await listAccounts(db, { organizationId: p.organization.id })).map((a) => a.id);
}
