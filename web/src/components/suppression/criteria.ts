/**
 * Suppression criteria → findings filters and → words. The other direction (findings filters →
 * criteria, for "create a rule from this filter") is `criteriaFromFilters` in src/criteria.ts.
 */
import type { SuppressionCriteria } from '../../types.ts';

const isGlob = (s: string) => s.includes('*');

/** Labels of findings filters a rule cannot express (keys as `filtersNotInCriteria` returns them). */
export const FILTER_LABELS: Record<string, string> = {
  type: 'finding type', title: 'title text', fixAvailable: 'fix available',
  firstObservedFrom: 'first observed from', firstObservedTo: 'first observed to',
  lastObservedFrom: 'last observed from', lastObservedTo: 'last observed to',
  updatedFrom: 'updated from', updatedTo: 'updated to',
};

/**
 * The findings filters (GET /v1/findings query) that select what the criteria select, for "see
 * these findings in the explorer". What the findings API cannot express — globs (it matches
 * exactly), score.max, package versions, several packages, paths, account patterns — is named
 * in `unmapped`: the link then shows a superset of the rule's findings.
 */
export function filtersFromCriteria(c: SuppressionCriteria): { query: Record<string, string | string[]>; unmapped: string[] } {
  const q: Record<string, string | string[]> = {};
  const unmapped: string[] = [];
  const exact = (key: string, label: string, values: string[] | undefined) => {
    if (!values?.length) return;
    if (values.some(isGlob)) unmapped.push(`${label} patterns`);
    else q[key] = values;
  };
  if (c.severities?.length) q.severity = c.severities;
  exact('vulnerabilityId', 'vulnerability', c.vulnerabilityIds);
  exact('resourceId', 'resource id', c.resourceIds);
  exact('repository', 'resource name', c.resourceNames);
  exact('imageTag', 'tag', c.resourceTags);
  exact('layerDigest', 'layer', c.layers);
  if (c.resourceTypes?.length) q.resourceType = c.resourceTypes;
  if (c.packages?.length) {
    const p = c.packages[0];
    if (c.packages.length > 1) unmapped.push('several packages');
    else if ([p.name, p.ecosystem].some((x) => x && isGlob(x))) unmapped.push('package patterns');
    else {
      if (p.name) q.packageName = p.name;
      if (p.ecosystem) q.packageEcosystem = p.ecosystem;
      if (p.version) unmapped.push('package version');
    }
  }
  if (c.accountIds?.length) {
    if (c.accountIds.length === 1 && !isGlob(c.accountIds[0])) q.accountId = c.accountIds[0];
    else unmapped.push('several accounts');
  }
  if (c.score?.min !== undefined) q.minScore = String(c.score.min);
  if (c.score?.max !== undefined) unmapped.push('maximum score');
  if (c.fixAvailable !== undefined) q.fixAvailable = c.fixAvailable ? 'YES' : 'NO';
  if (c.exploitAvailable !== undefined) q.exploitAvailable = String(c.exploitAvailable);
  if (c.paths?.length) unmapped.push('file paths');
  return { query: q, unmapped };
}

/** Criteria as short phrases ("severity HIGH or CRITICAL", "package npm/lodash 4.*"), one per criterion. */
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
