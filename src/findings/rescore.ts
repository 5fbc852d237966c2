/**
 * Issue 16 (Vigil score): keeping scores current when a resource's context changes. Advisory and
 * enrichment imports re-score through the rematch (engine.rematchPending → rematchAll when a change
 * set enriched CVEs); these are the resource-side triggers, all through {@link rescoreResourcesIn},
 * i.e. the same applyFindings path and finding.updated events:
 * - {@link setResourceReachability}: the network analysis records `attributes.reachability`;
 * - {@link notePulls}: registry pull events (engine/registry.ts) — an image whose "in use" flips;
 * - {@link rescoreAgedImages}: the engine's tick — images whose last pull just became older than
 *   the in-use window (time alone changes that).
 */
import { VigilError, type ResourceReachability } from '../model/index.ts';
import type { Store } from '../store/index.ts';
import { lockFindings } from './lifecycle.ts';
import { rescoreResourcesIn } from './rematch.ts';
import { SCORE_WEIGHTS } from './score.ts';
import type { LifecycleCounts } from './types.ts';

const DAY_MS = 86_400_000;
const windowMs = () => SCORE_WEIGHTS.IN_USE_WINDOW_DAYS * DAY_MS;

/**
 * Records a resource's reachability from the internet (`null` removes it) in its attributes and,
 * when what the score reads of it changed (internet, source), re-scores its findings — one
 * transaction. The network analysis calls this for every resource it maps.
 * @throws VigilError VIGIL_NOT_FOUND when the account has no such resource
 * @throws VigilError VIGIL_INVALID_INPUT when `internet` is not a boolean or `source` is empty
 */
export async function setResourceReachability(store: Store, args: { accountId: string; resourceId: string; reachability: ResourceReachability | null; now: Date }): Promise<{ changed: boolean; counts: LifecycleCounts }> {
  const re = args.reachability;
  if (re && (typeof re.internet !== 'boolean' || typeof re.source !== 'string' || re.source === '')) {
    throw new VigilError('VIGIL_INVALID_INPUT', `reachability of ${args.resourceId}: internet must be a boolean and source a non-empty string`, { input: JSON.stringify(re), rule: 'reachability' });
  }
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const r = await trx.selectFrom('resources').select(['id', 'attributes']).where('id', '=', args.resourceId).where('account_id', '=', args.accountId).executeTakeFirst();
    if (!r) throw new VigilError('VIGIL_NOT_FOUND', `no resource ${args.resourceId} in account ${args.accountId}`, { input: args.resourceId, rule: 'tenancy' });
    const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
    const prev = attrs.reachability as ResourceReachability | undefined;
    if (re) attrs.reachability = re;
    else delete attrs.reachability;
    await trx.updateTable('resources').set({ attributes: JSON.stringify(attrs) }).where('id', '=', r.id).execute();
    const changed = (prev?.internet ?? null) !== (re?.internet ?? null) || (prev?.source ?? null) !== (re?.source ?? null);
    const counts = changed ? await rescoreResourcesIn(store, trx, [r.id], args.now) : { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
    return { changed, counts };
  });
}

/**
 * Whether a pull at `now` flips an image to "in use": it had no pull, or only one older than the
 * window (engine/registry.ts asks before it records the pull, then re-scores those images).
 */
export function pullChangesInUse(previousPull: string | null, now: Date): boolean {
  return previousPull === null || now.getTime() - Date.parse(previousPull) > windowMs();
}

/**
 * Re-scores images that were pulled: call with the ids {@link pullChangesInUse} chose, after their
 * last_pulled_at was written.
 * @throws whatever the database throws
 */
export async function notePulls(store: Store, imageIds: readonly string[], now: Date): Promise<LifecycleCounts> {
  const zero = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
  if (imageIds.length === 0) return zero;
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    return rescoreResourcesIn(store, trx, imageIds, now);
  });
}

/**
 * Re-scores the ACTIVE images not running now whose last pull (or last running container) became older than the in-use window after `since`
 * and up to `now` (the previous call's `now`; null: every image whose last pull is older). Returns
 * the images re-scored.
 * @throws whatever the database throws
 */
export async function rescoreAgedImages(store: Store, since: Date | null, now: Date): Promise<string[]> {
  const upper = new Date(now.getTime() - windowMs()).toISOString();
  const lower = since ? new Date(since.getTime() - windowMs()).toISOString() : null;
  const ids = new Set<string>();
  // issue 19: the last time a container ran ages out the same way (an image running now stays in use)
  for (const col of ['last_pulled_at', 'last_in_use_at'] as const) {
    let q = store.db.selectFrom('resources').select('id').where('type', '=', 'image').where('coverage_status', '=', 'ACTIVE')
      .where('running_containers', '=', 0).where(col, 'is not', null).where(col, '<', upper);
    if (lower) q = q.where(col, '>=', lower);
    for (const r of await q.execute()) ids.add(r.id);
  }
  if (ids.size === 0) return [];
  await store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    await rescoreResourcesIn(store, trx, [...ids], now);
  });
  return [...ids];
}
