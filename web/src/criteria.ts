/**
 * Findings filters (the query of GET /v1/findings, as the findings explorer keeps it in its URL)
 * ↔ suppression-rule criteria (src/findings/types.ts suppressionCriteriaSchema).
 *
 * The two languages overlap but are not the same: a rule cannot say "first observed last week" or
 * "title contains", and the findings API cannot say "version matches 1.*". Each direction
 * therefore also reports what it could not carry over, so the page can say so instead of silently
 * widening (a rule) or narrowing (a findings link).
 */
import { RESOURCE_TYPES, SEVERITIES, type ResourceType, type Severity, type SuppressionCriteria } from './types.ts';

/** A findings query as `useFilters` returns it: one value or a list per parameter. */
export type FindingsQuery = Record<string, string | string[] | undefined>;

const list = (v: string | string[] | undefined): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
const one = (v: string | string[] | undefined): string | undefined => list(v)[0];

/** Findings filters a rule has no criterion for (left out of criteriaFromFilters). */
const NOT_RULE_FILTERS: Record<string, string> = {
  status: 'status',
  type: 'finding type',
  title: 'title text',
  firstObservedFrom: 'first observed from', firstObservedTo: 'first observed to',
  lastObservedFrom: 'last observed from', lastObservedTo: 'last observed to',
  updatedFrom: 'updated from', updatedTo: 'updated to',
};
/** Parameters of the explorer's URL that are view state, not filters. */
const VIEW_STATE = new Set(['cursor', 'pages', 'sort', 'group', 'view', 'limit', 'new', 'by']);

/**
 * The suppression criteria that select what a findings filter selects (as far as criteria can):
 * severity → severities, vulnerabilityId → vulnerabilityIds, packageName/packageEcosystem →
 * packages, resourceId → resourceIds, resourceType → resourceTypes, repository → resourceNames,
 * imageTag → resourceTags, layerDigest → layers, accountId → accountIds, minScore → score.min,
 * fixAvailable YES/true → true and NO/false → false, exploitAvailable.
 * Filters without a criterion (status, dates, title, type, fixAvailable=PARTIAL) are left out;
 * `unmappedFilters` names them.
 */
export function criteriaFromFilters(query: FindingsQuery): SuppressionCriteria {
  const c: SuppressionCriteria = {};
  const severities = list(query.severity).filter((s): s is Severity => (SEVERITIES as readonly string[]).includes(s));
  if (severities.length) c.severities = severities;
  const vulns = list(query.vulnerabilityId);
  if (vulns.length) c.vulnerabilityIds = vulns;
  const name = one(query.packageName);
  const ecosystem = one(query.packageEcosystem);
  if (name || ecosystem) c.packages = [{ ...(ecosystem ? { ecosystem } : {}), ...(name ? { name } : {}) }];
  const types = list(query.resourceType).filter((t): t is ResourceType => (RESOURCE_TYPES as readonly string[]).includes(t));
  if (types.length) c.resourceTypes = types;
  const ids = list(query.resourceId);
  if (ids.length) c.resourceIds = ids;
  const names = list(query.repository);
  if (names.length) c.resourceNames = names;
  const tags = list(query.imageTag);
  if (tags.length) c.resourceTags = tags;
  const layers = list(query.layerDigest);
  if (layers.length) c.layers = layers;
  const account = one(query.accountId);
  if (account) c.accountIds = [account];
  const minScore = Number(one(query.minScore));
  if (one(query.minScore) !== undefined && Number.isFinite(minScore)) c.score = { min: minScore };
  const fix = one(query.fixAvailable)?.toUpperCase();
  if (fix === 'YES' || fix === 'TRUE') c.fixAvailable = true;
  else if (fix === 'NO' || fix === 'FALSE') c.fixAvailable = false;
  const exploit = one(query.exploitAvailable)?.toLowerCase();
  if (exploit === 'true' || exploit === 'false') c.exploitAvailable = exploit === 'true';
  return c;
}

/** The findings filters in `query` that criteriaFromFilters could not turn into criteria, by label. */
export function unmappedFilters(query: FindingsQuery): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (VIEW_STATE.has(k) || !list(v).length) continue;
    if (k in NOT_RULE_FILTERS) out.push(`${NOT_RULE_FILTERS[k]} = ${list(v).join(', ')}`);
    else if (k === 'fixAvailable' && one(v)?.toUpperCase() === 'PARTIAL') out.push('fix available = PARTIAL');
    else if (k === 'packageName' || k === 'packageEcosystem' || k === 'minScore') {
      if (list(v).length > 1) out.push(`${k}: only the first value`);
    }
  }
  return out;
}

const isGlob = (s: string) => s.includes('*');

/**
 * The reverse: the findings filters (GET /v1/findings query) that select what the criteria select,
 * for "see these findings in the explorer". Criteria the findings API cannot express — globs
 * (the API matches exactly), score.max, several packages, paths, several accounts — go to
 * `unmapped` (labels), and the link then shows a superset of the rule's findings.
 */
export function filtersFromCriteria(c: SuppressionCriteria): { query: Record<string, string | string[]>; unmapped: string[] } {
  const q: Record<string, string | string[]> = {};
  const unmapped: string[] = [];
  const exact = (key: string, label: string, values: string[] | undefined) => {
    if (!values?.length) return;
    if (values.some(isGlob)) unmapped.push(`${label} (patterns)`);
    else q[key] = values;
  };
  if (c.severities?.length) q.severity = c.severities;
  exact('vulnerabilityId', 'vulnerability ids', c.vulnerabilityIds);
  exact('resourceId', 'resource ids', c.resourceIds);
  exact('repository', 'resource names', c.resourceNames);
  exact('imageTag', 'resource tags', c.resourceTags);
  exact('layerDigest', 'layers', c.layers);
  if (c.resourceTypes?.length) q.resourceType = c.resourceTypes;
  if (c.packages?.length) {
    const p = c.packages[0];
    if (c.packages.length > 1) unmapped.push('several packages');
    else if ([p.name, p.ecosystem].some((x) => x && isGlob(x)) || p.version) unmapped.push('package patterns or versions');
    else {
      if (p.name) q.packageName = p.name;
      if (p.ecosystem) q.packageEcosystem = p.ecosystem;
    }
  }
  if (c.accountIds?.length) {
    if (c.accountIds.length === 1 && !isGlob(c.accountIds[0])) q.accountId = c.accountIds[0];
    else unmapped.push('accounts');
  }
  if (c.score?.min !== undefined) q.minScore = String(c.score.min);
  if (c.score?.max !== undefined) unmapped.push('maximum score');
  if (c.fixAvailable !== undefined) q.fixAvailable = c.fixAvailable ? 'YES' : 'NO';
  if (c.exploitAvailable !== undefined) q.exploitAvailable = String(c.exploitAvailable);
  if (c.paths?.length) unmapped.push('file paths');
  return { query: q, unmapped };
}

/** Criteria as short readable phrases ("severity HIGH or CRITICAL", "package npm/lodash 4.*"), one per criterion. */
export function describeCriteria(c: SuppressionCriteria): string[] {
  const or = (xs: readonly string[]) => xs.join(' or ');
  const out: string[] = [];
  if (c.severities?.length) out.push(`severity ${or(c.severities)}`);
  if (c.score) {
    const { min, max } = c.score;
    out.push(min !== undefined && max !== undefined ? `score ${min}–${max}` : min !== undefined ? `score ≥ ${min}` : max !== undefined ? `score ≤ ${max}` : 'score any');
  }
  if (c.vulnerabilityIds?.length) out.push(`vulnerability ${or(c.vulnerabilityIds)}`);
  if (c.packages?.length) {
    out.push(`package ${or(c.packages.map((p) => [p.ecosystem ? `${p.ecosystem}/` : '', p.name ?? '*', p.version ? ` ${p.version}` : ''].join('')))}`);
  }
  if (c.resourceTypes?.length) out.push(`resource type ${or(c.resourceTypes)}`);
  if (c.resourceIds?.length) out.push(`resource id ${or(c.resourceIds)}`);
  if (c.resourceNames?.length) out.push(`resource name ${or(c.resourceNames)}`);
  if (c.resourceTags?.length) out.push(`tag ${or(c.resourceTags)}`);
  if (c.accountIds?.length) out.push(`account ${or(c.accountIds)}`);
  if (c.fixAvailable !== undefined) out.push(c.fixAvailable ? 'a fix is available' : 'no fix available');
  if (c.exploitAvailable !== undefined) out.push(c.exploitAvailable ? 'known exploited' : 'not known exploited');
  if (c.layers?.length) out.push(`layer ${or(c.layers)}`);
  if (c.paths?.length) out.push(`path ${or(c.paths)}`);
  return out;
}
