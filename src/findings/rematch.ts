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
import { findingKeyOf } from './keys.ts';
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

const signatureOf = (row: Signature) => `${row.ecosystem}\u0000${row.name}\u0000${row.version}\u0000${row.location}\u0000${row.purl ?? ''}\u0000${row.layer ?? ''}\u0000${row.source_name ?? ''}\u0000${row.source_version ?? ''}\u0000${row.owned_by ?? ''}`;

/** The desired findings of one stored package row given its report (the advisories' context loaded), built once per signature. */
function templatesFrom(shared: Shared, row: PackageRow, pkg: Package, pr: PackageReport | null | undefined, at: string): FindingTemplate[] {
  if (!pr) return [];
  const sig = signatureOf(row);
  let t = shared.templates.get(sig);
  if (!t) {
    const report: MatchReport = { packages: [{ ...pr, package: pkg }], skipped: [], stats: { packages: 1, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
    const result = buildScanResult({ target: { kind: 'rematch', ref: '' }, packages: [pkg], errors: [], report, ctx: shared.contexts.ctx, createdAt: at, version: '' });
    t = findingTemplates([pkg], result.findings);
    shared.templates.set(sig, t);
  }
  return t;
}

/** {@link templatesFrom} for a row not matched yet (matched through the memo; the context of its matches must be loaded). */
async function templatesOfRow(shared: Shared, row: PackageRow, at: string): Promise<FindingTemplate[]> {
  const cached = shared.templates.get(signatureOf(row));
  if (cached) return cached;
  const pkg = packageFromRow(row);
  return templatesFrom(shared, row, pkg, await shared.matcher.report(pkg), at);
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
  const templatesOf = (row: PackageRow) => templatesFrom(shared, row, pkgOf.get(row)!, reports.get(row), at);
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

/** The columns of a stored package row that decide its desired findings (all but the resource). */
const SIGNATURE_COLUMNS = ['ecosystem', 'name', 'search_name', 'version', 'purl', 'location', 'layer', 'source_name', 'source_version', 'owned_by'] as const;
type Signature = Omit<PackageRow, 'resource_id'>;
const OPEN = ['ACTIVE', 'SUPPRESSED'];

/**
 * The delta path: rematches the packages an import's change set names, on every ACTIVE resource
 * that has them, in ONE transaction. Idempotent: running it again (after a crash, or twice) finds
 * the findings already in line and writes nothing.
 *
 * The comparison happens per group, not per finding: the desired findings of a stored package row
 * are the same on every resource that has it (a template, with its state_hash), and the stored
 * findings of a package are read from the (ecosystem, name, status, state_hash, suppressed_by)
 * index as groups with counts. A template whose count of resources equals its count of stored open
 * findings with its hash (under a rule still in force, if suppressed) is in line everywhere and
 * costs nothing more; only a group that differs — findings of a hash no template has any more, or
 * a template with fewer (or more) findings than resources — is read finding by finding, and only
 * its (resource, package location) pairs are matched and applied the usual way (applyFindings).
 * So an update that changes a few hundred findings reads a few hundred, however many resources
 * have the changed packages.
 * @throws VigilError VIGIL_NOT_FOUND for an unknown change set
 */
export async function rematchChangeSet(store: Store, changeSetId: number, now: Date, hooks: RematchHooks = {}): Promise<RematchSummary> {
  const started = performance.now();
  const cs = await store.db.selectFrom('change_sets').select('id').where('id', '=', changeSetId).executeTakeFirst();
  if (!cs) throw new VigilError('VIGIL_NOT_FOUND', `no change set ${changeSetId}`, { input: String(changeSetId), rule: 'change-set' });
  const pairs = await store.db.selectFrom('change_set_packages').select(['ecosystem', 'name']).where('change_set_id', '=', changeSetId).execute();
  const byEco = groupBy(pairs, (p) => p.ecosystem);
  const shared = newShared(store);
  const at = now.toISOString();
  let resources = 0;
  let packages = 0;
  await store.db.transaction().execute(async (trx) => {
    const txStore: Store = { ...store, db: trx };
    await lockFindings(trx, store.dialect);
    // 1. the distinct searched versions of the changed packages (from the search index alone), each
    //    matched once; the names the packages' findings carry
    const hit: { ecosystem: string; search_name: string | null; version: string; source_version: string | null }[] = [];
    const findingNames = new Map<string, string[]>();
    for (const [ecosystem, list] of byEco) {
      const names = list.map((p) => p.name);
      const own = new Set<string>();
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
        // the package's own (normalized) name differs from the search name only where packages are searched by their source package
        if (searchesBySource(ecosystem)) {
          for (const r of await trx.selectFrom('resource_packages').select('name').distinct().where('ecosystem', '=', ecosystem).where('search_name', 'in', chunk).execute()) own.add(r.name);
        } else {
          for (const n of chunk) own.add(n);
        }
      }
      findingNames.set(ecosystem, [...own]);
    }
    const hitRows = (d: (typeof hit)[number]) => {
      let q = trx.selectFrom('resource_packages as p').innerJoin('resources as r', 'r.id', 'p.resource_id')
        .where('r.coverage_status', '=', 'ACTIVE').where('p.ecosystem', '=', d.ecosystem).where('p.search_name', '=', d.search_name).where('p.version', '=', d.version);
      return d.source_version === null ? q.where('p.source_version', 'is', null) : q.where('p.source_version', '=', d.source_version);
    };

    // 2. what matching wants: per distinct package row of a matching version on ACTIVE resources
    //    (its signature), the templates and how many resources have it
    const sigs: { sig: Signature; n: number; hit: (typeof hit)[number]; templates: FindingTemplate[] }[] = [];
    for (const d of hit) {
      const cols = SIGNATURE_COLUMNS.map((c) => `p.${c}` as const);
      for (const g of await hitRows(d).select([...cols, (eb) => eb.fn.countAll<number>().as('n')]).groupBy(cols).execute()) {
        const { n, ...sig } = g;
        sigs.push({ sig, n: Number(n), hit: d, templates: [] });
      }
    }
    const ids = new Set<string>();
    for (const x of sigs) for (const m of (await shared.matcher.report(packageFromRow({ resource_id: '', ...x.sig })))?.matches ?? []) ids.add(m.id);
    await shared.contexts.ensure(txStore, ids);
    const desired = new Map<string, number>();
    for (const x of sigs) {
      x.templates = await templatesOfRow(shared, { resource_id: '', ...x.sig }, at);
      for (const t of x.templates) desired.set(t.state_hash, (desired.get(t.state_hash) ?? 0) + x.n);
    }

    // 3. what is stored: the open findings of the changed packages by (name, state_hash,
    //    suppressed_by), counted from the index alone. A group whose hash no template has, or
    //    suppressed by a rule no longer in force, is stale: its findings are read.
    const inForce = new Set((await trx.selectFrom('suppression_rules').select('id')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)])).execute()).map((r) => r.id));
    const stored = new Map<string, number>();
    /** identity (ecosystem, name, location) → resource → the (type, vulnerability) of its stale findings there */
    const staleAt = new Map<string, Map<string, Set<string>>>();
    const addStale = (f: { resource_id: string; type: string; vulnerability_id: string; package_ecosystem: string; package_name: string; package_location: string }) => {
      const id = identity(f.package_ecosystem, f.package_name, f.package_location);
      let m = staleAt.get(id);
      if (!m) staleAt.set(id, (m = new Map()));
      let v = m.get(f.resource_id);
      if (!v) m.set(f.resource_id, (v = new Set()));
      v.add(`${f.type}\u0000${f.vulnerability_id}`);
    };
    const STALE_COLUMNS = ['resource_id', 'type', 'vulnerability_id', 'package_ecosystem', 'package_name', 'package_location'] as const;
    for (const [ecosystem, names] of findingNames) {
      for (let i = 0; i < names.length; i += 500) {
        const groups = await trx.selectFrom('findings').select(['package_name', 'state_hash', 'suppressed_by', (eb) => eb.fn.countAll<number>().as('n')])
          .where('package_ecosystem', '=', ecosystem).where('package_name', 'in', names.slice(i, i + 500)).where('status', 'in', OPEN)
          .groupBy(['package_name', 'state_hash', 'suppressed_by']).execute();
        for (const g of groups) {
          if (desired.has(g.state_hash) && (g.suppressed_by === null || inForce.has(g.suppressed_by))) {
            stored.set(g.state_hash, (stored.get(g.state_hash) ?? 0) + Number(g.n));
            continue;
          }
          let q = trx.selectFrom('findings').select([...STALE_COLUMNS]).where('package_ecosystem', '=', ecosystem).where('package_name', '=', g.package_name)
            .where('status', 'in', OPEN).where('state_hash', '=', g.state_hash);
          q = g.suppressed_by === null ? q.where('suppressed_by', 'is', null) : q.where('suppressed_by', '=', g.suppressed_by);
          for (const f of await q.execute()) addStale(f);
        }
      }
    }
    // a template whose stored count differs from its resource count: which resources hold it
    const incomplete = new Set([...desired].filter(([h, n]) => (stored.get(h) ?? 0) !== n).map(([h]) => h));
    const holders = new Map<string, Set<string>>();
    for (const x of sigs) {
      for (const t of x.templates) {
        if (!incomplete.has(t.state_hash) || !stored.get(t.state_hash) || holders.has(t.state_hash)) continue;
        const rows = await trx.selectFrom('findings').select(['resource_id', 'suppressed_by'])
          .where('package_ecosystem', '=', t.package_ecosystem).where('package_name', '=', t.package_name).where('status', 'in', OPEN).where('state_hash', '=', t.state_hash).execute();
        holders.set(t.state_hash, new Set(rows.filter((r) => r.suppressed_by === null || inForce.has(r.suppressed_by)).map((r) => r.resource_id)));
      }
    }

    // 4. the (resource, package location) pairs to apply: those with a stale finding, those where a
    //    template of their rows is missing, and those holding a template they have no row for
    const work = new Map<string, Set<string>>();
    const addWork = (resourceId: string, id: string) => {
      let s = work.get(resourceId);
      if (!s) work.set(resourceId, (s = new Set()));
      s.add(id);
    };
    for (const [id, m] of staleAt) for (const r of m.keys()) addWork(r, id);
    const sigIdentity = (sig: Signature) => identity(sig.ecosystem, sig.name, sig.location);
    const workIdentities = new Set(staleAt.keys());
    for (const x of sigs) if (x.templates.some((t) => incomplete.has(t.state_hash))) workIdentities.add(sigIdentity(x.sig));
    // every matching row at those locations (a pair's rows must be complete: its desired findings come from them)
    const rows: PackageRow[] = [];
    const readHits = new Set<(typeof hit)[number]>();
    for (const x of sigs) {
      if (!workIdentities.has(sigIdentity(x.sig)) || readHits.has(x.hit)) continue;
      readHits.add(x.hit);
      for (const r of await hitRows(x.hit).selectAll('p').execute()) if (workIdentities.has(identity(r.ecosystem, r.name, r.location))) rows.push(r);
    }
    const holding = new Map<string, Set<string>>(); // state_hash → resources with a row wanting it
    for (const r of rows) {
      const id = identity(r.ecosystem, r.name, r.location);
      for (const t of await templatesOfRow(shared, r, at)) {
        if (!incomplete.has(t.state_hash)) continue;
        if (!holders.get(t.state_hash)?.has(r.resource_id)) addWork(r.resource_id, id);
        let h = holding.get(t.state_hash);
        if (!h) holding.set(t.state_hash, (h = new Set()));
        h.add(r.resource_id);
      }
    }
    for (const [h, set] of holders) {
      const t = sigs.flatMap((x) => x.templates).find((x) => x.state_hash === h)!;
      for (const r of set) if (!holding.get(h)?.has(r)) addWork(r, identity(t.package_ecosystem, t.package_name, t.package_location));
    }
    for (const [h, n] of desired) if (!incomplete.has(h)) shared.counts.unchanged += n;

    // 5. apply: per resource, its rows and its stored findings at its pairs (found by key: the
    //    (type, vulnerability) pairs its templates and stale findings name there)
    const workIds = [...work.keys()].sort();
    const res: ResourceRow[] = [];
    for (let i = 0; i < workIds.length; i += 500) {
      for (const r of await trx.selectFrom('resources').selectAll().where('id', 'in', workIds.slice(i, i + 500)).where('coverage_status', '=', 'ACTIVE').orderBy('id').execute()) res.push(r);
    }
    resources = res.length;
    const vulnsAt = new Map<string, Set<string>>();
    for (const x of sigs) {
      const id = sigIdentity(x.sig);
      let v = vulnsAt.get(id);
      if (!v) vulnsAt.set(id, (v = new Set()));
      for (const t of x.templates) v.add(`${t.type}\u0000${t.vulnerability_id}`);
    }
    const rowsOf = groupBy(rows.filter((r) => work.get(r.resource_id)?.has(identity(r.ecosystem, r.name, r.location))), (r) => r.resource_id);
    const keys: string[] = [];
    for (const r of res) {
      for (const id of work.get(r.id)!) {
        const [ecosystem, name, location] = id.split('\u0000');
        const tv = new Set([...(vulnsAt.get(id) ?? []), ...(staleAt.get(id)?.get(r.id) ?? [])]);
        for (const x of tv) {
          const [type, vuln] = x.split('\u0000');
          keys.push(findingKeyOf(r.account_id, r.id, type, vuln, ecosystem, name, location));
        }
      }
    }
    const existing: ComparedFinding[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      for (const f of await trx.selectFrom('findings').select([...COMPARED_COLUMNS]).where('finding_key', 'in', keys.slice(i, i + 500)).execute()) existing.push(f);
    }
    await rematchResources(store, trx, res, rowsOf, groupBy(existing, (f) => f.resource_id), shared, now);
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
