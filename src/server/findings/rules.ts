/**
 * Suppression-rule reads and the replace the findings core does not have (create, delete and the
 * re-evaluation are src/findings/suppression.ts). A rule belongs to one account; a delegated admin's
 * rule may also name member accounts in `criteria.accountIds`, and those accounts see it too.
 */
import type { Selectable } from 'kysely';
import type { SuppressionCriteria, SuppressionRule } from '../../findings/index.ts';
import type { Database, Store } from '../../store/index.ts';

function toRule(r: Selectable<Database['suppression_rules']>): SuppressionRule {
  return { id: r.id, accountId: r.account_id, name: r.name, reason: r.reason, criteria: JSON.parse(r.criteria) as SuppressionCriteria, expiresAt: r.expires_at, createdAt: r.created_at };
}

/** Does the rule concern one of these accounts: its owner, or named in criteria.accountIds? */
export function ruleConcerns(rule: SuppressionRule, accountIds: readonly string[]): boolean {
  return accountIds.includes(rule.accountId) || (rule.criteria.accountIds ?? []).some((a) => accountIds.includes(a));
}

/** Rules owned by, or naming, one of the accounts; by creation time then id (the order rules apply in). */
export async function rulesInSight(store: Store, accountIds: readonly string[]): Promise<SuppressionRule[]> {
  if (accountIds.length === 0) return [];
  const rows = await store.db.selectFrom('suppression_rules').selectAll()
    .where((eb) => eb.or([eb('account_id', 'in', [...accountIds]), eb('criteria', 'like', '%"accountIds"%')]))
    .orderBy('created_at').orderBy('id').execute();
  return rows.map(toRule).filter((r) => ruleConcerns(r, accountIds));
}

export async function getRule(store: Store, id: string): Promise<SuppressionRule | undefined> {
  const r = await store.db.selectFrom('suppression_rules').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRule(r);
}

/** Replaces a rule's name, reason, criteria and expiry (validated by the caller); keeps its id, owner and creation time (its precedence). */
export async function replaceRule(store: Store, id: string, input: { name: string; reason: string; criteria: SuppressionCriteria; expiresAt: string | null }): Promise<SuppressionRule | undefined> {
  await store.db.updateTable('suppression_rules').set({
    name: input.name, reason: input.reason, criteria: JSON.stringify(input.criteria),
    expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
  }).where('id', '=', id).execute();
  return getRule(store, id);
}
