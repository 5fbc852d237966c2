/**
 * Suppression rules: filters that make matching findings SUPPRESSED instead of ACTIVE. A rule is
 * evaluated whenever a finding is observed (recordScan, rematch) and, for every open finding of an
 * account, by {@link applySuppressionRules} when rules change or expire. An expired rule no longer
 * applies; the findings it suppressed return to ACTIVE on their next evaluation.
 */
import { randomUUID } from 'node:crypto';
import { normalizePackageName, VigilError } from '../model/index.ts';
import type { Store } from '../store/index.ts';
import { lockFindings, emitEvents, type EventRow } from './lifecycle.ts';
import { suppressionCriteriaSchema, type Db, type SuppressionCriteria, type SuppressionRule } from './types.ts';

/** The fields of a finding and its resource that rules look at. */
export interface RuleSubject {
  accountId: string;
  resource: { id: string; type: string; name: string; tags: string[] };
  severity: string;
  score: number | null;
  vulnerabilityId: string;
  advisoryId: string;
  aliases: readonly string[];
  packageEcosystem: string;
  packageName: string;
  packageVersion: string;
  location: string;
  /** (issue 20) every location of a package finding, when it has several (location is the first) */
  locations?: readonly string[];
  layer: string | null;
  fixAvailable: boolean;
  exploitAvailable: boolean;
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string, insensitive = false): RegExp {
  const k = `${insensitive ? 'i' : 's'}${pattern}`;
  let re = globCache.get(k);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, insensitive ? 'i' : '');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(k, re);
  }
  return re;
}
const anyMatch = (patterns: readonly string[], values: readonly (string | null | undefined)[], insensitive = false) =>
  patterns.some((p) => values.some((v) => v != null && (p === v || (p.includes('*') || insensitive ? glob(p, insensitive).test(v) : false))));

/** Does the rule's filter hold for the finding? */
export function criteriaMatch(c: SuppressionCriteria, f: RuleSubject): boolean {
  if (c.severities && !c.severities.includes(f.severity as never)) return false;
  if (c.score) {
    if (f.score === null) return false;
    if (c.score.min !== undefined && f.score < c.score.min) return false;
    if (c.score.max !== undefined && f.score > c.score.max) return false;
  }
  if (c.vulnerabilityIds && !anyMatch(c.vulnerabilityIds, [f.vulnerabilityId, f.advisoryId, ...f.aliases], true)) return false;
  if (c.packages && !c.packages.some((p) =>
    (!p.ecosystem || anyMatch([p.ecosystem], [f.packageEcosystem])) &&
    (!p.name || anyMatch([normalizePackageName(f.packageEcosystem, p.name)], [f.packageName], true)) &&
    (!p.version || anyMatch([p.version], [f.packageVersion])))) return false;
  if (c.resourceTypes && !c.resourceTypes.includes(f.resource.type as never)) return false;
  if (c.resourceIds && !anyMatch(c.resourceIds, [f.resource.id])) return false;
  if (c.resourceNames && !anyMatch(c.resourceNames, [f.resource.name])) return false;
  if (c.resourceTags && !anyMatch(c.resourceTags, f.resource.tags)) return false;
  if (c.accountIds && !anyMatch(c.accountIds, [f.accountId])) return false;
  if (c.fixAvailable !== undefined && c.fixAvailable !== f.fixAvailable) return false;
  if (c.exploitAvailable !== undefined && c.exploitAvailable !== f.exploitAvailable) return false;
  if (c.layers && !anyMatch(c.layers, [f.layer])) return false;
  if (c.paths && !anyMatch(c.paths, f.locations?.length ? f.locations : [f.location])) return false;
  return true;
}

/** The first rule (by creation time, then id) that suppresses the finding, or undefined. */
export function firstMatchingRule(rules: readonly SuppressionRule[], f: RuleSubject): SuppressionRule | undefined {
  return rules.find((r) => (r.accountId === f.accountId || r.criteria.accountIds) && criteriaMatch(r.criteria, f));
}

function toRule(r: { id: string; account_id: string; name: string; reason: string; criteria: string; expires_at: string | null; created_at: string }): SuppressionRule {
  return { id: r.id, accountId: r.account_id, name: r.name, reason: r.reason, criteria: JSON.parse(r.criteria), expiresAt: r.expires_at, createdAt: r.created_at };
}

/**
 * The rules in force for an account at `now`: its own, and other accounts' rules whose criteria
 * name it in `accountIds` (an organization's delegated admin; the API decides who may write those).
 */
export async function activeRules(db: Db, accountId: string, now: Date): Promise<SuppressionRule[]> {
  const at = now.toISOString();
  const rows = await db.selectFrom('suppression_rules').selectAll()
    .where((eb) => eb.or([eb('account_id', '=', accountId), eb('criteria', 'like', '%"accountIds"%')]))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
    .orderBy('created_at').orderBy('id').execute();
  return rows.map(toRule).filter((r) => r.accountId === accountId || (r.criteria.accountIds && anyMatch(r.criteria.accountIds, [accountId])));
}

/** Validates and stores a rule. Does not re-evaluate findings: call {@link applySuppressionRules}. @throws VigilError VIGIL_INVALID_INPUT */
export async function createSuppressionRule(store: Store, input: { id?: string; accountId: string; name: string; reason: string; criteria: unknown; expiresAt?: string | null }, now: Date): Promise<SuppressionRule> {
  const parsed = suppressionCriteriaSchema.safeParse(input.criteria);
  if (!parsed.success) {
    throw new VigilError('VIGIL_INVALID_INPUT', `suppression rule "${input.name}": invalid criteria: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { input: input.name, rule: 'suppression-criteria' });
  }
  if (Object.keys(parsed.data).length === 0) {
    throw new VigilError('VIGIL_INVALID_INPUT', `suppression rule "${input.name}": criteria must name at least one filter (a rule that suppresses everything is not allowed)`, { input: input.name, rule: 'suppression-criteria' });
  }
  if (!input.reason.trim()) throw new VigilError('VIGIL_INVALID_INPUT', `suppression rule "${input.name}": a reason is required`, { input: input.name, rule: 'suppression-reason' });
  if (input.expiresAt && Number.isNaN(Date.parse(input.expiresAt))) {
    throw new VigilError('VIGIL_INVALID_INPUT', `suppression rule "${input.name}": expiresAt ${JSON.stringify(input.expiresAt)} is not an ISO time`, { input: input.name, rule: 'suppression-expiry' });
  }
  const row = {
    id: input.id ?? `rule-${randomUUID()}`, account_id: input.accountId, name: input.name, reason: input.reason,
    criteria: JSON.stringify(parsed.data), expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null, created_at: now.toISOString(),
  };
  await store.db.insertInto('suppression_rules').values(row).execute();
  return toRule(row);
}

/** Deletes a rule of the account. Returns false when there was none. */
export async function deleteSuppressionRule(store: Store, accountId: string, ruleId: string): Promise<boolean> {
  const r = await store.db.deleteFrom('suppression_rules').where('id', '=', ruleId).where('account_id', '=', accountId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listSuppressionRules(store: Store, accountId: string): Promise<SuppressionRule[]> {
  return (await store.db.selectFrom('suppression_rules').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute()).map(toRule);
}

/** The columns {@link openFindingPages} reads: what a rule looks at, and the state it may change. */
const SUBJECT_COLUMNS = ['id', 'resource_id', 'severity', 'score', 'vulnerability_id', 'advisory_id', 'details', 'package_ecosystem', 'package_name', 'package_version', 'package_location', 'package_locations', 'package_layer', 'fix_available', 'exploit_available', 'status', 'suppressed_by'] as const;

/** An open finding as rules see it, with its stored status and rule. */
export interface OpenFinding { id: string; resourceId: string; status: string; suppressedBy: string | null; subject: RuleSubject }

/**
 * The open findings of an account (`statuses`: default ACTIVE and SUPPRESSED), 2,000 at a time in
 * id order, each with the {@link RuleSubject} rules are matched against: what applySuppressionRules
 * evaluates, and what a rule's preview (the API's POST /v1/suppression-rules/preview) counts.
 */
export async function* openFindingPages(db: Db, accountId: string, statuses: readonly string[] = ['ACTIVE', 'SUPPRESSED']): AsyncGenerator<OpenFinding[]> {
  const resources = new Map<string, RuleSubject['resource']>();
  for (const r of await db.selectFrom('resources').select(['id', 'type', 'name', 'tags']).where('account_id', '=', accountId).execute()) {
    resources.set(r.id, { id: r.id, type: r.type, name: r.name, tags: JSON.parse(r.tags) });
  }
  let after = '';
  for (;;) {
    const page = await db.selectFrom('findings').select([...SUBJECT_COLUMNS])
      .where('account_id', '=', accountId).where('status', 'in', [...statuses]).where('id', '>', after)
      .orderBy('id').limit(2000).execute();
    if (page.length === 0) return;
    after = page[page.length - 1].id;
    yield page.map((f) => ({
      id: f.id, resourceId: f.resource_id, status: f.status, suppressedBy: f.suppressed_by,
      subject: {
        accountId, resource: resources.get(f.resource_id) ?? { id: f.resource_id, type: '', name: '', tags: [] }, severity: f.severity,
        score: f.score === null ? null : Number(f.score), vulnerabilityId: f.vulnerability_id, advisoryId: f.advisory_id,
        aliases: (JSON.parse(f.details) as { aliases?: string[] }).aliases ?? [], packageEcosystem: f.package_ecosystem, packageName: f.package_name,
        packageVersion: f.package_version, location: f.package_location, ...(f.package_locations ? { locations: JSON.parse(f.package_locations) as string[] } : {}), layer: f.package_layer, fixAvailable: !!Number(f.fix_available), exploitAvailable: !!Number(f.exploit_available),
      },
    }));
  }
}

/**
 * What creating a rule with these criteria for `ownerId` would suppress now, nothing written: the
 * ACTIVE findings of the accounts the rule would apply to (its owner, and those its
 * criteria.accountIds name among `accountIds`) that it matches — {@link criteriaMatch}, the test
 * every evaluation uses. (A new rule comes last in precedence, so it takes exactly the ACTIVE
 * findings it matches: a SUPPRESSED one keeps its earlier rule.) Returns the count and the findings (id, severity).
 */
export async function previewSuppression(db: Db, ownerId: string, criteria: SuppressionCriteria, accountIds: readonly string[]): Promise<{ matched: number; findings: { id: string; severity: string }[] }> {
  const rule: SuppressionRule = { id: '(preview)', accountId: ownerId, name: '', reason: '', criteria, expiresAt: null, createdAt: '' };
  const concerned = accountIds.filter((a) => a === ownerId || (criteria.accountIds && anyMatch(criteria.accountIds, [a])));
  const findings: { id: string; severity: string }[] = [];
  for (const accountId of concerned) {
    for await (const page of openFindingPages(db, accountId, ['ACTIVE'])) {
      for (const f of page) if (firstMatchingRule([rule], f.subject)) findings.push({ id: f.id, severity: f.subject.severity });
    }
  }
  return { matched: findings.length, findings };
}

/**
 * Re-evaluates every open (ACTIVE or SUPPRESSED) finding of an account against the rules in force
 * at `now`, in one transaction: newly matching findings become SUPPRESSED, findings whose rule
 * was deleted or expired become ACTIVE, each change with a finding.updated event.
 */
export async function applySuppressionRules(store: Store, accountId: string, now: Date): Promise<{ suppressed: number; unsuppressed: number; evaluated: number }> {
  const at = now.toISOString();
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const rules = await activeRules(trx, accountId, now);
    const out = { suppressed: 0, unsuppressed: 0, evaluated: 0 };
    for await (const page of openFindingPages(trx, accountId)) {
      const events: EventRow[] = [];
      for (const f of page) {
        out.evaluated++;
        const rule = rules.length ? firstMatchingRule(rules, f.subject) : undefined;
        const status = rule ? 'SUPPRESSED' : 'ACTIVE';
        const by = rule?.id ?? null;
        if (status === f.status && by === f.suppressedBy) continue;
        await trx.updateTable('findings').set({ status, suppressed_by: by, updated_at: at }).where('id', '=', f.id).execute();
        if (status === 'SUPPRESSED' && f.status !== 'SUPPRESSED') out.suppressed++;
        if (status === 'ACTIVE') out.unsuppressed++;
        events.push({
          type: 'finding.updated', account_id: accountId, resource_id: f.resourceId, created_at: at,
          payload: JSON.stringify({ findingId: f.id, changes: { status: { from: f.status, to: status }, suppressedBy: { from: f.suppressedBy, to: by } } }),
        });
      }
      await emitEvents(trx, events);
    }
    return out;
  });
}
