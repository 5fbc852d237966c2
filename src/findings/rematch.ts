/**
 * Rematching without rescanning. After an advisory import, {@link rematchChangeSet} reads the
 * import's change set (the (ecosystem, package) pairs its added, modified and withdrawn records
 * name), finds the stored packages matching searches by through the (ecosystem, search_name)
 * index of resource_packages, matches just those packages of just those resources again, and
 * applies the difference to their findings. {@link rematchAll} does the same for every package of
 * every ACTIVE resource. Matching is src/matching's `matchInventory` over advisories read with
 * `packageLookup(store)`, severity is scan-result.ts's — the same code a scan runs, so a rematch
 * over unchanged data changes nothing.
 *
 * Both match each distinct (ecosystem, searched name, version) once, however many resources have
 * it: 10,000 images share most of their packages.
 */
import { VigilError, type Package } from '../model/index.ts';
import { AdvisoryIndex, matchInventory, searchesBySource, targetOf, type MatchReport, type PackageReport } from '../matching/index.ts';
import type { Selectable } from 'kysely';
import type { Database, Store } from '../store/index.ts';
import { packageLookup } from '../vulndb/query.ts';
import { applyFindings, COMPARED_COLUMNS, desiredFindings, findingTemplates, keyedFindings, lockFindings, type ComparedFinding, type DesiredFinding, type FindingTemplate, type ResourceView } from './lifecycle.ts';
import { packageFromRow } from './record.ts';
import { buildScanResult, loadAdvisoryContext, type AdvisoryContext } from './scan-result.ts';
import { activeRules } from './suppression.ts';
import type { Db, LifecycleCounts, RematchSummary, SuppressionRule } from './types.ts';

type PackageRow = Database['resource_packages'];

/** Optional hooks of a rematch (the engine's crash-recovery test pauses here: src/engine/testpoint.ts). */
export interface RematchHooks {
  /** runs inside the rematch's transaction after every change was written, before it commits */
  beforeCommit?: () => Promise<void>;
}
type ResourceRow = Selectable<Database['resources']>;

/** Advisories of the packages met so far, fetched once per (ecosystem, name) through packageLookup, and match verdicts memoized per searched version. */
class Matcher {
  private readonly index = new AdvisoryIndex();
  private readonly loaded = new Set<string>();
  private readonly lookup: ReturnType<typeof packageLookup>;
  /** target key + version → the verdicts (matches and unknowns; no fix guidance) */
  private readonly memo = new Map<string, Pick<PackageReport, 'searched' | 'matches' | 'unknown'> | null>();
  constructor(store: Store) {
    this.lookup = packageLookup(store);
  }
  /** The package's report (null: no match, no unknown verdict), matching it if its searched version is new. */
  async report(pkg: Package): Promise<PackageReport | null> {
    const t = targetOf(pkg);
    if (!('key' in t)) return null; // owned / versionless packages: never stored with a search name
    const mk = `${t.key}\u0000${t.version}`;
    let m = this.memo.get(mk);
    if (m === undefined) {
      if (!this.loaded.has(t.key)) {
        this.loaded.add(t.key);
        for (const row of await this.lookup(t.ecosystem, t.name)) this.index.add(JSON.parse(row.json));
      }
      // fix guidance is per package (ScanResult.fixes), not per finding: not needed here
      const r = (await matchInventory([pkg], this.index, { fixGuidance: false })).packages[0];
      m = r ? { searched: r.searched, matches: r.matches, unknown: r.unknown } : null;
      this.memo.set(mk, m);
    }
    return m && { package: pkg, ...m };
  }
}

/** Full records, alias groups and enrichment of the matched advisories, loaded once per id. */
class Contexts {
  readonly ctx: AdvisoryContext = { records: new Map(), groups: new Map(), enrichment: new Map() };
  private readonly loaded = new Set<string>();
  async ensure(store: Store, ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.loaded.has(id));
    if (missing.length === 0) return;
    for (const id of missing) this.loaded.add(id);
    const c = await loadAdvisoryContext(store, missing);
    for (const [k, v] of c.records) this.ctx.records.set(k, v);
    for (const [k, v] of c.groups) this.ctx.groups.set(k, v);
    for (const [k, v] of c.enrichment) this.ctx.enrichment.set(k, v);
  }
}

interface Shared {
  /** desired findings per distinct stored package row (see rematchResources) */
  templates: Map<string, FindingTemplate[]>;
  matcher: Matcher;
  contexts: Contexts;
  rules: Map<string, SuppressionRule[]>;
  counts: LifecycleCounts;
}

const newShared = (store: Store): Shared => ({
  templates: new Map(), matcher: new Matcher(store), contexts: new Contexts(), rules: new Map(),
  counts: { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 },
});

const identity = (ecosystem: string, name: string, location: string) => `${ecosystem}\u0000${name}\u0000${location}`;

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  }
  return m;
}

async function loadFindings(trx: Db, resourceIds: readonly string[]): Promise<Map<string, ComparedFinding[]>> {
  const out: ComparedFinding[] = [];
  for (let i = 0; i < resourceIds.length; i += 500) {
    for (const f of await trx.selectFrom('findings').select([...COMPARED_COLUMNS]).where('resource_id', 'in', resourceIds.slice(i, i + 500)).execute()) out.push(f);
  }
  return groupBy(out, (f) => f.resource_id);
}

/**
 * Matches the given package rows again and applies the difference for each resource: `existingOf`
 * holds the findings in question (every finding of the resource for the full rematch; those of the
 * changed packages for the delta), `rowsOf` the package rows that may have findings.
 */
async function rematchResources(store: Store, trx: Db, resources: readonly ResourceRow[], rowsOf: Map<string, PackageRow[]>, existingOf: Map<string, ComparedFinding[]>, shared: Shared, now: Date): Promise<number> {
  const txStore: Store = { ...store, db: trx };
  let packages = 0;
  // 1. match every stored package (memoized per searched version) and load the advisories' context once
  const ids = new Set<string>();
  const reports = new Map<PackageRow, PackageReport>();
  const pkgOf = new Map<PackageRow, Package>();
  for (const r of resources) {
    for (const row of rowsOf.get(r.id) ?? []) {
      const pkg = packageFromRow(row);
      pkgOf.set(row, pkg);
      const pr = await shared.matcher.report(pkg);
      if (!pr) continue;
      reports.set(row, pr);
      for (const m of pr.matches) ids.add(m.id);
    }
  }
  await shared.contexts.ensure(txStore, ids);
  // 2. the desired findings of a stored package are the same on every resource that has it (only the
  //    key differs): built once per distinct package row, then keyed per resource
  const at = now.toISOString();
  const templatesOf = (row: PackageRow): FindingTemplate[] => {
    const pr = reports.get(row);
    if (!pr) return [];
    const sig = `${row.ecosystem}\u0000${row.name}\u0000${row.version}\u0000${row.location}\u0000${row.purl ?? ''}\u0000${row.layer ?? ''}\u0000${row.source_name ?? ''}\u0000${row.source_version ?? ''}\u0000${row.owned_by ?? ''}`;
    let t = shared.templates.get(sig);
    if (!t) {
      const pkg = pkgOf.get(row)!;
      const report: MatchReport = { packages: [{ ...pr, package: pkg }], skipped: [], stats: { packages: 1, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
      const result = buildScanResult({ target: { kind: 'rematch', ref: '' }, packages: [pkg], errors: [], report, ctx: shared.contexts.ctx, createdAt: at, version: '' });
      t = findingTemplates([pkg], result.findings);
      shared.templates.set(sig, t);
    }
    return t;
  };
  for (const r of resources) {
    const rows = rowsOf.get(r.id) ?? [];
    packages += rows.length;
    const templates: FindingTemplate[] = [];
    const identities = new Set<string>();
    let twice = false;
    for (const row of rows) {
      const t = templatesOf(row);
      if (t.length === 0) continue;
      const id = identity(row.ecosystem, row.name, row.location);
      if (identities.has(id)) twice = true;
      identities.add(id);
      for (const x of t) templates.push(x);
    }
    let desired: DesiredFinding[];
    if (twice) {
      // two versions of one package at one location fold into one finding: the whole resource's way
      const pkgs = rows.map((row) => pkgOf.get(row)!);
      const report: MatchReport = { packages: rows.flatMap((row, i) => { const pr = reports.get(row); return pr ? [{ ...pr, package: pkgs[i] }] : []; }), skipped: [], stats: { packages: rows.length, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
      const result = buildScanResult({ target: { kind: 'rematch', ref: r.id }, packages: pkgs, errors: [], report, ctx: shared.contexts.ctx, createdAt: at, version: '' });
      desired = desiredFindings(r.account_id, r.id, pkgs, result.findings);
    } else {
      desired = keyedFindings(r.account_id, r.id, templates);
    }
    const existing = existingOf.get(r.id) ?? [];
    if (desired.length === 0 && existing.length === 0) continue;
    let rules = shared.rules.get(r.account_id);
    if (!rules) shared.rules.set(r.account_id, (rules = await activeRules(trx, r.account_id, now)));
    const view: ResourceView = { id: r.id, account_id: r.account_id, type: r.type, name: r.name, tags: JSON.parse(r.tags) };
    await applyFindings(trx, { resource: view, desired, existing, rules, now, observe: false, counts: shared.counts });
  }
  return packages;
}

/**
 * The delta path: rematches the packages an import's change set names, on every ACTIVE resource
 * that has them, in ONE transaction. Idempotent: running it again (after a crash, or twice) finds
 * the findings already in line and writes nothing.
 * @throws VigilError VIGIL_NOT_FOUND for an unknown change set
 */
export async function rematchChangeSet(store: Store, changeSetId: number, now: Date, hooks: RematchHooks = {}): Promise<RematchSummary> {
  const started = performance.now();
  const cs = await store.db.selectFrom('change_sets').select('id').where('id', '=', changeSetId).executeTakeFirst();
  if (!cs) throw new VigilError('VIGIL_NOT_FOUND', `no change set ${changeSetId}`, { input: String(changeSetId), rule: 'change-set' });
  const pairs = await store.db.selectFrom('change_set_packages').select(['ecosystem', 'name']).where('change_set_id', '=', changeSetId).execute();
  const byEco = groupBy(pairs, (p) => p.ecosystem);
  const shared = newShared(store);
  let resources = 0;
  let packages = 0;
  await store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    // the distinct searched versions of the changed packages (from the search index alone), each
    // matched once; only the rows of versions that match are read (the others have no findings)
    const hit: { ecosystem: string; search_name: string | null; version: string; source_version: string | null }[] = [];
    const findingNames = new Map<string, Set<string>>();
    for (const [ecosystem, list] of byEco) {
      const names = list.map((p) => p.name);
      const own = new Set<string>();
      findingNames.set(ecosystem, own);
      for (let i = 0; i < names.length; i += 500) {
        const chunk = names.slice(i, i + 500);
        const distinct = await trx.selectFrom('resource_packages')
          .select(['ecosystem', 'search_name', 'version', 'source_version', (eb) => eb.fn.countAll<number>().as('n')])
          .where('ecosystem', '=', ecosystem).where('search_name', 'in', chunk)
          .groupBy(['ecosystem', 'search_name', 'version', 'source_version']).execute();
        for (const d of distinct) {
          packages += Number(d.n);
          const pkg: Package = { ecosystem: d.ecosystem, name: d.search_name!, sourceName: d.search_name!, version: d.version };
          if (d.source_version) pkg.sourceVersion = d.source_version;
          if ((await shared.matcher.report(pkg))?.matches.length) hit.push(d);
        }
        // the names findings carry: the package's own (normalized) name, which differs from the
        // search name only where packages are searched by their source package
        if (searchesBySource(ecosystem)) {
          for (const r of await trx.selectFrom('resource_packages').select('name').distinct().where('ecosystem', '=', ecosystem).where('search_name', 'in', chunk).execute()) own.add(r.name);
        } else {
          for (const n of chunk) own.add(n);
        }
      }
    }
    const rows: PackageRow[] = [];
    for (const d of hit) {
      let q = trx.selectFrom('resource_packages').selectAll().where('ecosystem', '=', d.ecosystem).where('search_name', '=', d.search_name).where('version', '=', d.version);
      q = d.source_version === null ? q.where('source_version', 'is', null) : q.where('source_version', '=', d.source_version);
      for (const r of await q.execute()) rows.push(r);
    }
    // the findings in scope: every finding of the changed packages (by the package-name index)
    const scoped: ComparedFinding[] = [];
    for (const [ecosystem, set] of findingNames) {
      const names = [...set];
      for (let i = 0; i < names.length; i += 500) {
        for (const f of await trx.selectFrom('findings').select([...COMPARED_COLUMNS]).where('package_ecosystem', '=', ecosystem).where('package_name', 'in', names.slice(i, i + 500)).execute()) scoped.push(f);
      }
    }
    // the resources: those with a matching row or a finding in scope, if ACTIVE
    const ids = [...new Set([...rows.map((r) => r.resource_id), ...scoped.map((f) => f.resource_id)])].sort();
    const res: ResourceRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of await trx.selectFrom('resources').selectAll().where('id', 'in', ids.slice(i, i + 500)).where('coverage_status', '=', 'ACTIVE').orderBy('id').execute()) res.push(r);
    }
    resources = res.length;
    const active = new Set(res.map((r) => r.id));
    const rowsOf = groupBy(rows.filter((r) => active.has(r.resource_id)), (r) => r.resource_id);
    await rematchResources(store, trx, res, rowsOf, groupBy(scoped.filter((f) => active.has(f.resource_id)), (f) => f.resource_id), shared, now);
    await hooks.beforeCommit?.();
  });
  return { ...shared.counts, changedPackages: pairs.length, resources, packages, durationMs: performance.now() - started };
}

/**
 * The full rematch: every package of every ACTIVE resource (of one account, if given), in ONE
 * transaction. Each distinct (ecosystem, name, version, source) stored is matched once; only the
 * package rows of the distinct versions that match are read back, through the
 * (ecosystem, search_name, version) index; every other finding of the resources closes.
 * Idempotent like the delta path.
 */
export async function rematchAll(store: Store, now: Date, opts: { accountId?: string } & RematchHooks = {}): Promise<RematchSummary> {
  const started = performance.now();
  const shared = newShared(store);
  let resources = 0;
  let packages = 0;
  await store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    let rq = trx.selectFrom('resources').selectAll().where('coverage_status', '=', 'ACTIVE');
    if (opts.accountId) rq = rq.where('account_id', '=', opts.accountId);
    const res = await rq.orderBy('id').execute();
    const active = new Set(res.map((r) => r.id));
    resources = res.length;
    // every distinct searched package, matched once
    const distinct = await trx.selectFrom('resource_packages')
      .select(['ecosystem', 'search_name', 'version', 'source_version', (eb) => eb.fn.countAll<number>().as('n')])
      .where('search_name', 'is not', null)
      .groupBy(['ecosystem', 'search_name', 'version', 'source_version']).execute();
    const hit: typeof distinct = [];
    for (const d of distinct) {
      packages += Number(d.n);
      // searched as stored: the search name as both name and source (targetOf takes the one its distribution searches by)
      const pkg: Package = { ecosystem: d.ecosystem, name: d.search_name!, sourceName: d.search_name!, version: d.version };
      if (d.source_version) pkg.sourceVersion = d.source_version;
      if ((await shared.matcher.report(pkg))?.matches.length) hit.push(d);
    }
    // the rows of the matching versions (the only ones that can have findings)
    const rows: PackageRow[] = [];
    for (const d of hit) {
      let q = trx.selectFrom('resource_packages').selectAll().where('ecosystem', '=', d.ecosystem).where('search_name', '=', d.search_name).where('version', '=', d.version);
      q = d.source_version === null ? q.where('source_version', 'is', null) : q.where('source_version', '=', d.source_version);
      for (const r of await q.execute()) if (active.has(r.resource_id)) rows.push(r);
    }
    const rowsOf = groupBy(rows, (r) => r.resource_id);
    // every stored finding of the resources is in question (scope 'all'); read in resource batches
    for (let i = 0; i < res.length; i += 1000) {
      const batch = res.slice(i, i + 1000);
      const existingOf = await loadFindings(trx, batch.map((r) => r.id));
      await rematchResources(store, trx, batch, rowsOf, existingOf, shared, now);
    }
    await opts.beforeCommit?.();
  });
  return { ...shared.counts, changedPackages: 0, resources, packages, durationMs: performance.now() - started };
}
