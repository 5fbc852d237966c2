/**
 * The findings filter of a request: the query parameters /v1/findings, its export, the
 * aggregations and the dashboard share, turned into a {@link FindingFilter} over the accounts in the
 * caller's sight. Aliases resolve to their alias group, days and times to instants, image tags and
 * repositories to the resources in sight that have them.
 */
import { VigilError } from '../../model/index.ts';
import { imagesInUse } from '../../engine/index.ts';
import type { Store } from '../../store/index.ts';
import type { Principal } from '../auth.ts';
import type { FindingFilterQuery } from '../schemas.ts';
import { resolveVulnerabilityIds, type FindingFilter, type TimeRange } from '../../findings/query.ts';
import { accountScope } from './scope.ts';

/** `from` as the instant it starts at; `to` (inclusive) as the instant after it: a day's end or the next millisecond. */
export function timeRange(from: string | undefined, to: string | undefined): TimeRange | undefined {
  if (from === undefined && to === undefined) return undefined;
  const instant = (v: string) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : v);
  const out: TimeRange = {};
  if (from !== undefined) out.from = instant(from).toISOString();
  if (to !== undefined) {
    const t = instant(to);
    // stored times have millisecond precision: "< to + 1 ms" is "<= to"; a day runs to the next midnight
    out.before = new Date(t.getTime() + (/^\d{4}-\d{2}-\d{2}$/.test(to) ? 86_400_000 : 1)).toISOString();
  }
  return out;
}

/**
 * The resources in these accounts with one of the image tags (images) and one of the repository
 * names (images: the repository; code repositories: their name/URL). Resources are thousands where
 * findings are millions, so they are read and matched here, exactly.
 */
export async function resourcesOf(store: Store, accountIds: readonly string[], f: { imageTags?: readonly string[]; repositories?: readonly string[] }): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const types = f.imageTags?.length ? ['image'] : ['image', 'repository'];
  let q = store.db.selectFrom('resources').select(['id', 'type', 'name', 'tags']).where('account_id', 'in', [...accountIds]).where('type', 'in', types);
  if (f.repositories?.length) q = q.where('name', 'in', [...f.repositories]);
  const tags = f.imageTags?.length ? new Set(f.imageTags) : null;
  return (await q.execute()).filter((r) => !tags || (JSON.parse(r.tags) as string[]).some((t) => tags.has(t))).map((r) => r.id);
}

/** The resources the image tag, repository and in-use filters leave (intersected); undefined without them. */
async function resourceSetOf(store: Store, accountIds: readonly string[], qs: FindingFilterQuery): Promise<string[] | undefined> {
  let set: string[] | undefined = qs.imageTag || qs.repository ? await resourcesOf(store, accountIds, { imageTags: qs.imageTag, repositories: qs.repository }) : undefined;
  if (qs.inUse !== undefined) {
    // issue 19: images a running container uses now (engine/workloads.ts keeps resources.running_containers)
    const inUse = await imagesInUse(store, accountIds, qs.inUse === 'true');
    if (set) {
      const keep = new Set(inUse);
      set = set.filter((id) => keep.has(id));
    } else set = inUse;
  }
  return set;
}

/**
 * The {@link FindingFilter} of a request's findings filter.
 * @throws VigilError VIGIL_NOT_FOUND for an accountId out of sight
 * @throws VigilError VIGIL_INVALID_INPUT when kev and exploitAvailable are both given and differ
 */
export async function findingFilterOf(store: Store, p: Principal, qs: FindingFilterQuery): Promise<FindingFilter> {
  if (qs.kev !== undefined && qs.exploitAvailable !== undefined && qs.kev !== qs.exploitAvailable) {
    throw new VigilError('VIGIL_INVALID_INPUT', `invalid querystring: kev=${qs.kev} and exploitAvailable=${qs.exploitAvailable} contradict each other (both mean "in CISA KEV")`, { input: 'kev', rule: 'kev-exploit-available' });
  }
  const accountIds = await accountScope(store.db, p, qs.accountId);
  const fix = qs.fixAvailable;
  return {
    accountIds, statuses: qs.status ?? ['ACTIVE'], severities: qs.severity, types: qs.type,
    vulnerabilityIds: qs.vulnerabilityId && await resolveVulnerabilityIds(store, qs.vulnerabilityId),
    packageName: qs.packageName, packageEcosystem: qs.packageEcosystem, resourceIds: qs.resourceId, resourceTypes: qs.resourceType,
    fixAvailable: fix === 'true' ? true : fix === 'false' ? false : undefined,
    fixAvailability: fix === 'YES' || fix === 'NO' || fix === 'PARTIAL' ? [fix] : undefined,
    // issue 16: kev is exploitAvailable (known exploited = in CISA KEV)
    exploitAvailable: qs.kev ?? qs.exploitAvailable, minScore: qs.minScore, minEpss: qs.minEpss,
    firstObserved: timeRange(qs.firstObservedFrom, qs.firstObservedTo),
    lastObserved: timeRange(qs.lastObservedFrom, qs.lastObservedTo),
    updated: timeRange(qs.updatedFrom, qs.updatedTo),
    layerDigests: qs.layerDigest, title: qs.title, detectors: qs.detector, filePath: qs.filePath,
    resourceSet: await resourceSetOf(store, accountIds, qs),
  };
}
