/**
 * Findings filters → suppression rule criteria. The findings explorer's "Create suppression rule
 * from this filter" opens `/suppression-rules?new=1&<the findings filters>` (the same parameter
 * names as `GET /v1/findings`, so the link is the explorer's own query); the suppression rules page
 * turns them into criteria with `criteriaFromFilters`. The criteria follow
 * `suppressionCriteriaSchema` (src/findings/types.ts): every criterion must hold (AND), a list holds
 * when any entry matches (OR) — the same logic as the findings filters, so the rule selects what the
 * filter selected, except for the filters named by `filtersNotInCriteria` (a rule has no such field).
 */
import type { Severity, SuppressionCriteria } from './types.ts';

export type { SuppressionCriteria };

/** A findings query: the URL's parameters, or the explorer's filter object. */
export type FilterInput = URLSearchParams | Record<string, string | readonly string[] | undefined>;

/** Parameters that are not criteria and are never reported as lost: paging, sorting, view state, and `status` (a rule applies to open findings whatever status the filter showed). */
const NOT_FILTERS = new Set(['new', 'status', 'cursor', 'pages', 'sort', 'group', 'view', 'limit', 'format']);

/**
 * Findings filters a rule can express. `fixAvailable` only for YES/NO (true/false): a rule cannot say
 * "partly fixed". `status` is left out on purpose: a rule applies to open findings whatever the
 * filter's status was.
 */
const MAPPED = new Set([
  'severity', 'vulnerabilityId', 'packageName', 'packageEcosystem', 'resourceId', 'resourceType', 'repository',
  'imageTag', 'layerDigest', 'accountId', 'exploitAvailable', 'minScore', 'fixAvailable',
]);

function values(q: FilterInput, key: string): string[] {
  const raw = q instanceof URLSearchParams ? q.getAll(key) : ((v) => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]))(q[key]);
  // the API also takes comma lists (`severity=HIGH,CRITICAL`)
  return [...new Set(raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
}

function keys(q: FilterInput): string[] {
  return q instanceof URLSearchParams ? [...new Set(q.keys())] : Object.keys(q).filter((k) => values(q, k).length > 0);
}

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const x = v.toLowerCase();
  if (x === 'true' || x === 'yes') return true;
  if (x === 'false' || x === 'no') return false;
  return undefined; // PARTIAL, or nonsense: no criterion
}

/**
 * The suppression criteria that select what a findings filter selects (as far as a rule can say;
 * see `filtersNotInCriteria`). Package name × ecosystem become one `packages` entry per pair, which
 * is the filter's "name in … and ecosystem in …".
 */
export function criteriaFromFilters(q: FilterInput): SuppressionCriteria {
  const c: SuppressionCriteria = {};
  const list = (key: string) => {
    const v = values(q, key);
    return v.length ? v : undefined;
  };
  const sev = list('severity');
  if (sev) c.severities = sev.map((s) => s.toUpperCase() as Severity);
  const score = Number(values(q, 'minScore')[0]);
  if (values(q, 'minScore').length && Number.isFinite(score)) c.score = { min: score };
  const vulns = list('vulnerabilityId');
  if (vulns) c.vulnerabilityIds = vulns;
  const names = values(q, 'packageName');
  const ecos = values(q, 'packageEcosystem');
  if (names.length || ecos.length) {
    c.packages = [];
    for (const name of names.length ? names : [undefined]) {
      for (const ecosystem of ecos.length ? ecos : [undefined]) c.packages.push({ ...(ecosystem ? { ecosystem } : {}), ...(name ? { name } : {}) });
    }
  }
  const types = list('resourceType');
  if (types) c.resourceTypes = types;
  const ids = list('resourceId');
  if (ids) c.resourceIds = ids;
  // repository = the resource's name for images and code repositories (the criteria's resourceNames)
  const repos = list('repository');
  if (repos) c.resourceNames = repos;
  const tags = list('imageTag');
  if (tags) c.resourceTags = tags;
  const accounts = list('accountId');
  if (accounts) c.accountIds = accounts;
  const layers = list('layerDigest');
  if (layers) c.layers = layers;
  const fix = bool(values(q, 'fixAvailable')[0]);
  if (fix !== undefined) c.fixAvailable = fix;
  const exploit = bool(values(q, 'exploitAvailable')[0]);
  if (exploit !== undefined) c.exploitAvailable = exploit;
  return c;
}

/**
 * The filters in the query that the criteria cannot carry (dates, title text, finding type, status,
 * fix available PARTIAL): the rule page should say they were left out, so nobody believes the rule
 * is as narrow as the filter was.
 */
export function filtersNotInCriteria(q: FilterInput): string[] {
  return keys(q).filter((k) => {
    if (NOT_FILTERS.has(k)) return false;
    if (k === 'fixAvailable') return bool(values(q, k)[0]) === undefined;
    return !MAPPED.has(k);
  });
}

/** `/suppression-rules?new=1&<filters>`: the suppression rules page, its "new rule" form opened with these filters. */
export function newRuleHref(q: FilterInput): string {
  const p = new URLSearchParams();
  p.set('new', '1');
  for (const k of keys(q)) {
    if (NOT_FILTERS.has(k)) continue;
    for (const v of values(q, k)) p.append(k, v);
  }
  return `/suppression-rules?${p.toString()}`;
}
