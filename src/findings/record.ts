/**
 * Recording a scan: the resource's inventory replaces its stored packages, its findings are brought
 * in line with the scan's, and the resource's coverage says ACTIVE — all in one transaction, so a
 * crash leaves the previous state and the job can simply run again.
 */
import { PACKAGE_FINDING_TYPES } from './network.ts';
import { CODE_FINDING_TYPE, codeDesired, SECRET_FINDING_TYPE } from './code.ts';
import { normalizePackageName, VigilError, type Package, type ScanResult } from '../model/index.ts';
import type { Database, Store } from '../store/index.ts';
import { targetOf } from '../matching/index.ts';
import { resourceIdOf } from './keys.ts';
import { applyFindings, contextualizeAll, desiredFindings, emitEvents, locationOf, lockFindings, type ResourceView } from './lifecycle.ts';
import { loadScoreContexts } from './score-context.ts';
import { activeRules } from './suppression.ts';
import { RESOURCE_TYPES, type CoverageStatus, type Db, type LifecycleCounts, type RecordScanSummary, type ResourceInput } from './types.ts';

type PackageRow = Database['resource_packages'];

/** A package as resource_packages stores it. */
export function packageRow(resourceId: string, p: Package): PackageRow {
  const t = targetOf(p);
  return {
    resource_id: resourceId, ecosystem: p.ecosystem, name: normalizePackageName(p.ecosystem, p.name),
    search_name: 'key' in t ? normalizePackageName(t.ecosystem, t.name) : null,
    version: p.version, purl: p.purl ?? null, location: locationOf(p), locations: (p.locations?.length ?? 0) > 1 ? JSON.stringify(p.locations) : null, layer: p.layer ? JSON.stringify(p.layer) : null,
    source_name: p.sourceName ?? null, source_version: p.sourceVersion ?? null, owned_by: p.ownedBy ?? null,
  };
}

/** The package a stored row stands for, as matching needs it. */
export function packageFromRow(r: PackageRow): Package {
  const p: Package = { ecosystem: r.ecosystem, name: r.name, version: r.version };
  if (r.purl) p.purl = r.purl;
  if (r.source_name) p.sourceName = r.source_name;
  if (r.source_version) p.sourceVersion = r.source_version;
  if (r.owned_by) p.ownedBy = r.owned_by;
  if (r.locations) p.locations = JSON.parse(r.locations) as string[];
  else if (r.location) p.locations = [r.location];
  if (r.layer) p.layer = JSON.parse(r.layer);
  return p;
}

const rowKey = (r: PackageRow) => JSON.stringify([r.ecosystem, r.name, r.version, r.location, r.locations ?? null, r.source_name, r.source_version, r.owned_by, r.purl, r.layer, r.search_name]);

/**
 * Creates or updates a resource (id, name, ref, digest, tags), checking it belongs to the account.
 * A new resource starts INACTIVE / PENDING_INITIAL_SCAN.
 * @throws VigilError VIGIL_INVALID_INPUT for an unknown type; VIGIL_FORBIDDEN when the id belongs to another account
 */
export async function upsertResource(db: Db, accountId: string, input: ResourceInput, now: Date): Promise<ResourceView & { coverage_status: string; coverage_reason: string | null; created: boolean }> {
  if (!RESOURCE_TYPES.includes(input.type)) {
    throw new VigilError('VIGIL_INVALID_INPUT', `resource "${input.name}": unknown type ${JSON.stringify(input.type)} (expected one of ${RESOURCE_TYPES.join(', ')})`, { input: input.name, rule: 'resource-type' });
  }
  const id = input.id ?? resourceIdOf(accountId, input);
  const at = now.toISOString();
  const tags = JSON.stringify([...new Set(input.tags ?? [])].sort());
  const prev = await db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirst();
  if (prev && prev.account_id !== accountId) {
    throw new VigilError('VIGIL_FORBIDDEN', `resource ${id} belongs to another account`, { input: id, rule: 'tenancy' });
  }
  const fields = { type: input.type, name: input.name, ref: input.ref ?? null, digest: input.digest ?? null, tags };
  if (!prev) {
    await db.insertInto('resources').values({ id, account_id: accountId, ...fields, coverage_status: 'INACTIVE', coverage_reason: 'PENDING_INITIAL_SCAN', last_scanned_at: null, created_at: at, updated_at: at }).execute();
    return { id, account_id: accountId, type: input.type, name: input.name, tags: JSON.parse(tags), coverage_status: 'INACTIVE', coverage_reason: 'PENDING_INITIAL_SCAN', created: true };
  }
  if (prev.type !== fields.type || prev.name !== fields.name || prev.ref !== fields.ref || prev.digest !== fields.digest || prev.tags !== fields.tags) {
    await db.updateTable('resources').set({ ...fields, updated_at: at }).where('id', '=', id).execute();
  }
  return { id, account_id: accountId, type: input.type, name: input.name, tags: JSON.parse(tags), coverage_status: prev.coverage_status, coverage_reason: prev.coverage_reason, created: false };
}

/** Registers a resource before its first scan (coverage INACTIVE / PENDING_INITIAL_SCAN). */
export async function registerResource(store: Store, accountId: string, input: ResourceInput, now: Date): Promise<string> {
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const r = await upsertResource(trx, accountId, input, now);
    if (r.created) await emitEvents(trx, [{ type: 'coverage.changed', account_id: accountId, resource_id: r.id, created_at: now.toISOString(), payload: JSON.stringify({ resourceId: r.id, from: null, to: { status: 'INACTIVE', reason: 'PENDING_INITIAL_SCAN' } }) }]);
    return r.id;
  });
}

/**
 * Records one scan of a resource in ONE transaction: replaces its packages, upserts its findings by
 * key (see lifecycle.ts), closes the ones the scan no longer has, emits the events, and sets
 * coverage ACTIVE / SUCCESSFUL with last_scanned_at. Recording the same result twice changes
 * nothing but last_observed_at (and last_scanned_at), plus one more scan.completed event.
 * `beforeCommit` runs last inside the transaction (the engine checks there that its job is still its
 * own, and writes the resource's attributes); throwing from it rolls everything back.
 * @throws VigilError VIGIL_FORBIDDEN when the resource id belongs to another account
 */
export async function recordScan(store: Store, args: { accountId: string; resource: ResourceInput; result: ScanResult; now: Date; beforeCommit?: (trx: Db) => Promise<void> }): Promise<RecordScanSummary> {
  const { accountId, result, now } = args;
  const at = now.toISOString();
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const resource = await upsertResource(trx, accountId, args.resource, now);

    // packages: rewritten only when the inventory changed
    const rows = result.packages.map((p) => packageRow(resource.id, p));
    const stored = await trx.selectFrom('resource_packages').selectAll().where('resource_id', '=', resource.id).execute();
    const a = rows.map(rowKey).sort();
    const b = stored.map(rowKey).sort();
    if (a.length !== b.length || a.some((k, i) => k !== b[i])) {
      await trx.deleteFrom('resource_packages').where('resource_id', '=', resource.id).execute();
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('resource_packages').values(rows.slice(i, i + 500)).execute();
    }

    // (issue 16) the findings scored in the resource's context (pull signal, reachability)
    const scoreContext = (await loadScoreContexts(trx, store.dialect, [resource.id], now)).get(resource.id) ?? {};
    const desired = contextualizeAll(desiredFindings(accountId, resource.id, result.packages, result.findings), scoreContext);
    // a scan owns its resource's package findings, and its secret and code findings when it says
    // something of them (an empty list closes them; absent leaves them: an agent that does not scan
    // for secrets); network findings have their own writer (network.ts)
    const owned: string[] = [...PACKAGE_FINDING_TYPES];
    if (result.secrets !== undefined) owned.push(SECRET_FINDING_TYPE);
    if (result.code !== undefined) owned.push(CODE_FINDING_TYPE);
    if (result.secrets !== undefined || result.code !== undefined) desired.push(...codeDesired(accountId, resource.id, result.secrets ?? [], result.code ?? []));
    const existing = await trx.selectFrom('findings').selectAll().where('resource_id', '=', resource.id).where('type', 'in', owned).execute();
    const rules = await activeRules(trx, accountId, now);
    const counts: LifecycleCounts = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
    await applyFindings(trx, { resource, desired, existing, rules, now, observe: true, counts });

    const coverageChanged = resource.coverage_status !== 'ACTIVE' || resource.coverage_reason !== 'SUCCESSFUL';
    await trx.updateTable('resources').set({
      coverage_status: 'ACTIVE', coverage_reason: 'SUCCESSFUL', last_scanned_at: at, ...(coverageChanged ? { updated_at: at } : {}),
    }).where('id', '=', resource.id).execute();
    const events = [];
    if (coverageChanged) {
      events.push({ type: 'coverage.changed', account_id: accountId, resource_id: resource.id, created_at: at, payload: JSON.stringify({ resourceId: resource.id, from: { status: resource.coverage_status, reason: resource.coverage_reason }, to: { status: 'ACTIVE', reason: 'SUCCESSFUL' } }) });
    }
    const summary: RecordScanSummary = { resourceId: resource.id, packages: rows.length, findings: desired.length, ...counts };
    events.push({ type: 'scan.completed', account_id: accountId, resource_id: resource.id, created_at: at, payload: JSON.stringify({ ...summary, digest: args.resource.digest ?? null, scannedAt: result.createdAt }) });
    await emitEvents(trx, events);
    await args.beforeCommit?.(trx);
    return summary;
  });
}

/**
 * Sets a resource's coverage (INACTIVE with UNREACHABLE, UNSUPPORTED_OS, STALE_INVENTORY,
 * SCAN_ELIGIBILITY_EXPIRED, …), with a coverage.changed event when it changes. `closeFindings`
 * closes the resource's open findings (an image whose rescan eligibility ran out, a removed host).
 * Rematches skip INACTIVE resources, so their findings stay as they are until the next scan.
 * @throws VigilError VIGIL_NOT_FOUND when the account has no such resource
 */
export async function setCoverage(store: Store, args: { accountId: string; resourceId: string; status: CoverageStatus; reason: string; closeFindings?: boolean; now: Date }): Promise<{ changed: boolean; closed: number }> {
  const at = args.now.toISOString();
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const r = await trx.selectFrom('resources').selectAll().where('id', '=', args.resourceId).where('account_id', '=', args.accountId).executeTakeFirst();
    if (!r) throw new VigilError('VIGIL_NOT_FOUND', `no resource ${args.resourceId} in account ${args.accountId}`, { input: args.resourceId, rule: 'tenancy' });
    const changed = r.coverage_status !== args.status || r.coverage_reason !== args.reason;
    if (changed) {
      await trx.updateTable('resources').set({ coverage_status: args.status, coverage_reason: args.reason, updated_at: at }).where('id', '=', r.id).execute();
      await emitEvents(trx, [{ type: 'coverage.changed', account_id: args.accountId, resource_id: r.id, created_at: at, payload: JSON.stringify({ resourceId: r.id, from: { status: r.coverage_status, reason: r.coverage_reason }, to: { status: args.status, reason: args.reason } }) }]);
    }
    let closed = 0;
    if (args.closeFindings) {
      const counts: LifecycleCounts = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
      const existing = await trx.selectFrom('findings').selectAll().where('resource_id', '=', r.id).where('status', '!=', 'CLOSED').execute();
      await applyFindings(trx, { resource: { id: r.id, account_id: r.account_id, type: r.type, name: r.name, tags: JSON.parse(r.tags) }, desired: [], existing, rules: [], now: args.now, observe: false, counts });
      closed = counts.closed;
    }
    return { changed, closed };
  });
}
