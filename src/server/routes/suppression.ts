/**
 * /v1/suppression-rules: list, create, read, replace, delete. Writes need the operate level
 * (analyst or admin). After every write the open findings of the accounts the rule concerns are
 * re-evaluated at once (applySuppressionRules), so the response already reflects the new state.
 *
 * Tenancy: a rule belongs to an account in the caller's sight (body accountId; default the caller's
 * own). `criteria.accountIds` makes a rule apply to other accounts, so the core reads every rule
 * that names an account: here each entry must be the exact id of an account in the caller's sight
 * (a member can name only itself; the delegated admin its organization's accounts) — no globs,
 * which would reach accounts of other organizations.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applySuppressionRules, createSuppressionRule, deleteSuppressionRule, previewSuppression, type SuppressionCriteria, type SuppressionRule } from '../../findings/index.ts';
import { SEVERITY_ORDER, type Severity } from '../../model/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, type Principal } from '../auth.ts';
import { getRule, replaceRule, ruleConcerns, rulesInSight } from '../findings/rules.ts';
import { accountScope } from '../findings/scope.ts';
import {
  CreateSuppressionRuleBody, ErrorBody, IdParams, List, ReplaceSuppressionRuleBody, SuppressionRule as SuppressionRuleSchema,
  SuppressionPreview, SuppressionPreviewBody, SuppressionRuleChange, SuppressionRulesQuery,
} from '../schemas.ts';
import { getFinding, resourceSummaries } from '../../findings/query.ts';
import { toFindingSummary } from './findings.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const suppressionRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;

  /** criteria.accountIds: exact ids of accounts the caller sees. @throws VigilError 400 for a pattern, 404 for an account out of sight */
  const checkNamedAccounts = async (p: Principal, criteria: SuppressionCriteria): Promise<string[]> => {
    const ids = criteria.accountIds ?? [];
    for (const [i, id] of ids.entries()) {
      if (id.includes('*')) {
        throw new VigilError('VIGIL_INVALID_INPUT', `invalid body: field "criteria.accountIds.${i}": ${JSON.stringify(id)} is a pattern; name accounts by their exact id`, { input: `criteria.accountIds.${i}`, rule: 'exact-account-id' });
      }
      await visibleAccount(db, p, id);
    }
    return ids;
  };

  /** re-evaluates the open findings of every account the rule (before and after a change) concerns */
  const apply = async (accounts: readonly string[]) => {
    const out = { suppressed: 0, unsuppressed: 0, evaluated: 0 };
    const now = new Date();
    for (const a of new Set(accounts)) {
      const r = await applySuppressionRules(store, a, now);
      out.suppressed += r.suppressed;
      out.unsuppressed += r.unsuppressed;
      out.evaluated += r.evaluated;
    }
    return out;
  };

  /** a rule the caller may read: owned by, or naming, an account in sight */
  const readable = async (p: Principal, id: string): Promise<SuppressionRule> => {
    const rule = await getRule(store, id);
    if (!rule || !ruleConcerns(rule, await accountScope(db, p))) throw notFound('suppression rule', id);
    return rule;
  };
  /** a rule the caller may change: owned by an account in sight */
  const writable = async (p: Principal, id: string): Promise<SuppressionRule> => {
    const rule = await readable(p, id);
    if (!(await accountScope(db, p)).includes(rule.accountId)) {
      throw new VigilError('VIGIL_FORBIDDEN', `suppression rule ${id} belongs to account ${rule.accountId}; only that account or its delegated admin may change it`, { input: id, rule: 'rule-owner' });
    }
    return rule;
  };

  app.get('/v1/suppression-rules', {
    config: { access: 'read' },
    schema: {
      tags: ['suppression'], security, querystring: SuppressionRulesQuery,
      summary: 'suppression rules in your sight (owned by, or naming, an account you see), in the order they apply',
      response: { 200: List(SuppressionRuleSchema), ...errors },
    },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request), request.query.accountId);
    return { items: await rulesInSight(store, accountIds) };
  });

  app.post('/v1/suppression-rules', {
    config: { access: 'operate' },
    schema: {
      tags: ['suppression'], security, body: CreateSuppressionRuleBody,
      summary: 'a new suppression rule; matching open findings become SUPPRESSED at once',
      description: 'Criteria: AND across criteria, OR within a list; strings exact or * globs. A delegated admin may create a rule for a member account (accountId) or name several accounts in criteria.accountIds.',
      response: { 201: SuppressionRuleChange, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const b = request.body;
    const owner = b.accountId === undefined ? p.account : await visibleAccount(db, p, b.accountId);
    const named = await checkNamedAccounts(p, b.criteria);
    const rule = await createSuppressionRule(store, { accountId: owner.id, name: b.name, reason: b.reason, criteria: b.criteria, expiresAt: b.expiresAt ?? null }, new Date());
    const applied = await apply([owner.id, ...named]);
    request.log.info({ rule: rule.id, account: owner.id, by: p.keyId, ...applied }, 'suppression rule created');
    return reply.code(201).send({ rule, applied });
  });

  app.post('/v1/suppression-rules/preview', {
    config: { access: 'operate' },
    schema: {
      tags: ['suppression'], security, body: SuppressionPreviewBody,
      summary: 'what a rule with these criteria would suppress now (nothing is written): the count and a sample of the ACTIVE findings it matches, worst first',
      description: 'The same tenancy checks as creating the rule (accountId and criteria.accountIds in sight). matched equals applied.suppressed of POST /v1/suppression-rules with the same criteria, if nothing changes in between.',
      response: { 200: SuppressionPreview, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    const b = request.body;
    const owner = b.accountId === undefined ? p.account : await visibleAccount(db, p, b.accountId);
    const named = await checkNamedAccounts(p, b.criteria);
    const { matched, findings } = await previewSuppression(db, owner.id, b.criteria, [owner.id, ...named]);
    const rank = (s: string) => SEVERITY_ORDER.indexOf(s as Severity);
    const picked = findings.sort((x, y) => rank(x.severity) - rank(y.severity) || (x.id < y.id ? -1 : 1)).slice(0, b.sample);
    const scope = [owner.id, ...named];
    const rows = (await Promise.all(picked.map((f) => getFinding(store, f.id, scope)))).filter((r) => r !== undefined);
    const resources = await resourceSummaries(store, rows.map((r) => r.resource_id));
    return { matched, sample: rows.map((r) => toFindingSummary(r, resources.get(r.resource_id))) };
  });

  app.get('/v1/suppression-rules/:id', {
    config: { access: 'read' },
    schema: { tags: ['suppression'], security, params: IdParams, summary: 'one suppression rule', response: { 200: SuppressionRuleSchema, ...errors } },
  }, async (request) => readable(principalOf(request), request.params.id));

  app.put('/v1/suppression-rules/:id', {
    config: { access: 'operate' },
    schema: {
      tags: ['suppression'], security, params: IdParams, body: ReplaceSuppressionRuleBody,
      summary: "replace a rule's name, reason, criteria and expiry (it keeps its id, account and precedence); findings are re-evaluated at once",
      response: { 200: SuppressionRuleChange, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    const before = await writable(p, request.params.id);
    const named = await checkNamedAccounts(p, request.body.criteria);
    const b = request.body;
    const rule = await replaceRule(store, before.id, { name: b.name, reason: b.reason, criteria: b.criteria, expiresAt: b.expiresAt ?? null });
    if (!rule) throw notFound('suppression rule', before.id);
    const applied = await apply([rule.accountId, ...(before.criteria.accountIds ?? []), ...named]);
    request.log.info({ rule: rule.id, by: p.keyId, ...applied }, 'suppression rule replaced');
    return { rule, applied };
  });

  app.delete('/v1/suppression-rules/:id', {
    config: { access: 'operate' },
    schema: {
      tags: ['suppression'], security, params: IdParams,
      summary: 'delete a rule; the findings it suppressed return to ACTIVE at once (unless another rule matches them)',
      response: { 200: SuppressionRuleChange, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    const rule = await writable(p, request.params.id);
    if (!(await deleteSuppressionRule(store, rule.accountId, rule.id))) throw notFound('suppression rule', rule.id);
    const applied = await apply([rule.accountId, ...(rule.criteria.accountIds ?? [])]);
    request.log.info({ rule: rule.id, by: p.keyId, ...applied }, 'suppression rule deleted');
    return { rule, applied };
  });
};
