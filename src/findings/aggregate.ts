/**
 * Reading findings in aggregate: counts for the dashboard, daily snapshots and their time series,
 * the resources a vulnerability affects, and the purge of old closed findings.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { SEVERITY_ORDER, type Severity } from '../model/index.ts';
import type { Database, Store } from '../store/index.ts';
import { CLOSED_RETENTION_MS, type FindingStatus } from './types.ts';

export type CountBy = 'severity' | 'account' | 'resource' | 'vulnerability' | 'package' | 'layer' | 'repository' | 'function' | 'type' | 'title' | 'imageTag' | 'fixAvailable' | 'detector' | 'file';

export interface CountRow {
  /**
   * the severity, account id, resource id, vulnerability id, "ecosystem/name", layer digest,
   * repository or function name, finding type, title, image tag, YES | NO | PARTIAL, or (secret and
   * code findings) the detector rule or the file
   */
  key: string;
  count: number;
  bySeverity: Partial<Record<Severity, number>>;
  /** a display name: the resource's name (resource), the layer's created_by (layer), the title (vulnerability) */
  label?: string;
}

/** the column each grouping reads; repository, function and imageTag group by resource, then by its name or tags */
const COLUMN = {
  severity: 'severity', account: 'account_id', resource: 'resource_id', vulnerability: 'vulnerability_id', package: 'package_name',
  layer: 'package_layer', type: 'type', title: 'title', fixAvailable: 'fix_availability', repository: 'resource_id', function: 'resource_id', imageTag: 'resource_id',
  // issue 17: secret and code findings only
  detector: 'advisory_id', file: 'package_name',
} as const;

/** A condition on the findings table (the API's findings filter, see findings/query.ts findingWhere). */
export type FindingsWhere = (eb: ExpressionBuilder<Database, 'findings'>) => Expression<SqlBool>;

/**
 * Finding counts grouped by one dimension, with the severity breakdown of each group; largest
 * groups first (severity: in severity order). `where` selects the findings (the API passes its
 * findings filter, accounts and statuses included); without it, `accountIds` limits to those
 * accounts (tenancy: pass the caller's visible accounts) and `statuses` defaults to ACTIVE.
 * Findings without a layer (by=layer) or not on an image or code repository (repository), a
 * function (function) or a tagged image (imageTag) are in no group; a finding counts under each of
 * its image's tags.
 */
export async function countFindings(store: Store, opts: { by: CountBy; accountIds?: readonly string[]; statuses?: readonly FindingStatus[]; limit?: number; where?: FindingsWhere }): Promise<CountRow[]> {
  if (opts.accountIds && opts.accountIds.length === 0) return [];
  const col = COLUMN[opts.by];
  const extra = opts.by === 'package' ? 'package_ecosystem' as const : undefined;
  let q = store.db.selectFrom('findings')
    .select((eb) => [
      eb.ref(col).as('k'), 'severity', eb.fn.countAll<number>().as('n'),
      ...(extra ? [eb.ref(extra).as('eco')] : []),
      // a label's source: a title of the vulnerability, a resource holding the layer
      ...(opts.by === 'vulnerability' ? [eb.fn.max('title').as('label')] : opts.by === 'layer' ? [eb.fn.min('resource_id').as('label'), eb.fn.max('resource_id').as('label2')] : []),
    ]);
  if (opts.where) q = q.where(opts.where);
  else {
    q = q.where('status', 'in', [...(opts.statuses ?? ['ACTIVE'])]);
    if (opts.accountIds) q = q.where('account_id', 'in', [...opts.accountIds]);
  }
  if (opts.by === 'layer') q = q.where('package_layer', 'is not', null);
  if (opts.by === 'detector' || opts.by === 'file') q = q.where('type', 'in', ['secret', 'code_vulnerability']);
  q = q.groupBy([col, 'severity', ...(extra ? [extra] : [])]);
  const rows = (await q.execute()) as unknown as { k: string; severity: Severity; eco?: string; n: number; label?: string; label2?: string }[];

  // groupings by a resource's name or tags: each resource's key(s)
  let keysOf: ((k: string) => string[]) | undefined;
  if (opts.by === 'repository' || opts.by === 'function' || opts.by === 'imageTag') {
    const resources = new Map<string, string[]>();
    const ids = [...new Set(rows.map((r) => r.k))];
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of await store.db.selectFrom('resources').select(['id', 'type', 'name', 'tags']).where('id', 'in', ids.slice(i, i + 500)).execute()) {
        const keys = opts.by === 'repository' ? (r.type === 'image' || r.type === 'repository' ? [r.name] : [])
          : opts.by === 'function' ? (r.type === 'function' ? [r.name] : [])
            : r.type === 'image' ? (JSON.parse(r.tags) as string[]) : [];
        resources.set(r.id, keys);
      }
    }
    keysOf = (k) => resources.get(k) ?? [];
  }
  const out = new Map<string, CountRow>();
  /** by=layer: resources whose inventory may name the layer's created_by (a few per layer) */
  const holders = new Map<string, Set<string>>();
  for (const r of rows) {
    if (opts.by === 'layer') {
      let h = holders.get(String(r.k));
      if (!h) holders.set(String(r.k), (h = new Set()));
      for (const x of [r.label, r.label2]) if (x) h.add(x);
      delete r.label;
    }
    for (const key of keysOf ? keysOf(r.k) : [opts.by === 'package' ? `${r.eco}/${r.k}` : String(r.k)]) {
      let c = out.get(key);
      if (!c) out.set(key, (c = { key, count: 0, bySeverity: {} }));
      c.count += Number(r.n);
      c.bySeverity[r.severity] = (c.bySeverity[r.severity] ?? 0) + Number(r.n);
      if (r.label != null && (c.label === undefined || r.label > c.label)) c.label = r.label;
    }
  }
  let list = [...out.values()];
  if (opts.by === 'severity') list.sort((a, b) => SEVERITY_ORDER.indexOf(a.key as Severity) - SEVERITY_ORDER.indexOf(b.key as Severity));
  else list.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  if (opts.limit) list = list.slice(0, opts.limit);
  await labelRows(store, opts.by, list, holders);
  return list;
}

/** The display names of the groups kept: resource names, layers' created_by (read from the inventories of resources holding the layer). */
async function labelRows(store: Store, by: CountBy, list: CountRow[], layerHolders: Map<string, Set<string>>): Promise<void> {
  if (by === 'resource') {
    const ids = list.map((c) => c.key);
    for (let i = 0; i < ids.length; i += 500) {
      const names = new Map((await store.db.selectFrom('resources').select(['id', 'name']).where('id', 'in', ids.slice(i, i + 500)).execute()).map((r) => [r.id, r.name]));
      for (const c of list.slice(i, i + 500)) if (names.has(c.key)) c.label = names.get(c.key);
    }
  }
  if (by === 'layer') {
    // the layer's created_by is in the inventory of a resource that has it (resource_packages.layer)
    const holders = [...new Set(list.flatMap((c) => [...(layerHolders.get(c.key) ?? [])]))];
    const createdBy = new Map<string, string>();
    for (let i = 0; i < holders.length; i += 500) {
      const layers = await store.db.selectFrom('resource_packages').select('layer').distinct()
        .where('resource_id', 'in', holders.slice(i, i + 500)).where('layer', 'is not', null).execute();
      for (const { layer } of layers) {
        const l = JSON.parse(layer!) as { digest?: string; createdBy?: string };
        if (l.digest && l.createdBy) createdBy.set(l.digest, l.createdBy);
      }
    }
    for (const c of list) {
      const label = createdBy.get(c.key);
      if (label) c.label = label;
      else delete c.label;
    }
  }
}

/**
 * Records the day's counts per (account, severity, status), replacing an earlier snapshot of the
 * same day, so it can run more than once a day.
 * @returns the number of snapshot rows written
 */
export async function takeDailySnapshot(store: Store, day: string): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('findings')
      .select((eb) => ['account_id', 'severity', 'status', eb.fn.countAll<number>().as('n')])
      .groupBy(['account_id', 'severity', 'status']).execute();
    await trx.deleteFrom('finding_snapshots').where('day', '=', day).execute();
    const values = rows.map((r) => ({ day, account_id: r.account_id, severity: r.severity, status: r.status, count: Number(r.n) }));
    for (let i = 0; i < values.length; i += 500) await trx.insertInto('finding_snapshots').values(values.slice(i, i + 500)).execute();
    return values.length;
  });
}

export interface SeriesPoint {
  day: string;
  severity: string;
  count: number;
}

/** Daily counts by severity between two days (inclusive), summed over the accounts given (default: all), for the statuses given (default ACTIVE). */
export async function findingTimeSeries(store: Store, opts: { from: string; to: string; accountIds?: readonly string[]; statuses?: readonly FindingStatus[] }): Promise<SeriesPoint[]> {
  if (opts.accountIds && opts.accountIds.length === 0) return [];
  let q = store.db.selectFrom('finding_snapshots')
    .select((eb) => ['day', 'severity', eb.fn.sum<number>('count').as('n')])
    .where('day', '>=', opts.from).where('day', '<=', opts.to)
    .where('status', 'in', [...(opts.statuses ?? ['ACTIVE'])]);
  if (opts.accountIds) q = q.where('account_id', 'in', [...opts.accountIds]);
  const rows = await q.groupBy(['day', 'severity']).execute();
  return rows.map((r) => ({ day: r.day, severity: r.severity, count: Number(r.n) }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : SEVERITY_ORDER.indexOf(a.severity as Severity) - SEVERITY_ORDER.indexOf(b.severity as Severity)));
}

export interface AffectedResource {
  resource: { id: string; accountId: string; type: string; name: string; ref: string | null; digest: string | null; coverageStatus: string; lastScannedAt: string | null };
  /** open (ACTIVE or SUPPRESSED) findings of the vulnerability on the resource */
  findings: number;
  active: number;
  severity: string;
  packages: { ecosystem: string; name: string; version: string; location: string }[];
}

/**
 * Every resource whose open findings name a vulnerability, given by its group id or any alias
 * (resolved through vuln_groups, also matching findings recorded under a member advisory before
 * groups changed). `accountIds`: the accounts the caller may see (null: all).
 */
export async function affectedResources(store: Store, idOrAlias: string, accountIds: readonly string[] | null): Promise<{ vulnerabilityId: string; resources: AffectedResource[] }> {
  const { db } = store;
  const q = idOrAlias.trim();
  const variants = [...new Set([q, q.toUpperCase(), q.replace(/^ghsa-/i, 'GHSA-')])];
  const g = await db.selectFrom('vuln_groups').select('group_id').where('member', 'in', variants).limit(1).executeTakeFirst();
  const gid = g?.group_id ?? q;
  const members = g ? (await db.selectFrom('vuln_groups').select('member').where('group_id', '=', gid).execute()).map((m) => m.member) : variants;
  if (accountIds && accountIds.length === 0) return { vulnerabilityId: gid, resources: [] };
  // two indexed lookups (by group id, by member advisory) rather than one OR, which planners answer with a scan
  const rows = new Map<string, { account_id: string; resource_id: string; status: string; severity: string; package_ecosystem: string; package_name: string; package_version: string; package_location: string }>();
  for (const [col, ids] of [['vulnerability_id', [...new Set([gid, ...members])]], ['advisory_id', members]] as const) {
    const fq = db.selectFrom('findings')
      .select(['id', 'account_id', 'resource_id', 'status', 'severity', 'package_ecosystem', 'package_name', 'package_version', 'package_location'])
      .where(col, 'in', [...ids]).where('status', 'in', ['ACTIVE', 'SUPPRESSED']);
    // accounts are filtered here, not in SQL: given both, SQLite's planner picks the account index
    // and reads every finding of the account (250 ms at 86k findings) instead of the vulnerability's
    const visible = accountIds && new Set(accountIds);
    for (const r of await fq.execute()) if (!visible || visible.has(r.account_id)) rows.set(r.id, r);
  }
  const byRes = new Map<string, { findings: number; active: number; severity: string; packages: Map<string, AffectedResource['packages'][number]> }>();
  for (const f of rows.values()) {
    let e = byRes.get(f.resource_id);
    if (!e) byRes.set(f.resource_id, (e = { findings: 0, active: 0, severity: f.severity, packages: new Map() }));
    e.findings++;
    if (f.status === 'ACTIVE') e.active++;
    if (SEVERITY_ORDER.indexOf(f.severity as Severity) < SEVERITY_ORDER.indexOf(e.severity as Severity)) e.severity = f.severity;
    e.packages.set(`${f.package_ecosystem}\0${f.package_name}\0${f.package_version}\0${f.package_location}`, { ecosystem: f.package_ecosystem, name: f.package_name, version: f.package_version, location: f.package_location });
  }
  const ids = [...byRes.keys()];
  const resources: AffectedResource[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await db.selectFrom('resources').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute()) {
      const e = byRes.get(r.id)!;
      resources.push({
        resource: { id: r.id, accountId: r.account_id, type: r.type, name: r.name, ref: r.ref, digest: r.digest, coverageStatus: r.coverage_status, lastScannedAt: r.last_scanned_at },
        findings: e.findings, active: e.active, severity: e.severity, packages: [...e.packages.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1)),
      });
    }
  }
  resources.sort((a, b) => (a.resource.id < b.resource.id ? -1 : 1));
  return { vulnerabilityId: gid, resources };
}

/** Deletes CLOSED findings closed more than 30 days before `now`. @returns how many */
export async function purgeClosed(store: Store, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - CLOSED_RETENTION_MS).toISOString();
  const r = await store.db.deleteFrom('findings').where('status', '=', 'CLOSED').where('closed_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}
