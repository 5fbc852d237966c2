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
import { PACKAGE_FINDING_TYPES } from './network.ts';
import { VigilError, type Package, type ScanFinding } from '../model/index.ts';
import { AdvisoryIndex, matchInventorySync, packageKey, searchesBySource, targetOf, type MatchReport, type PackageReport, type Target } from '../matching/index.ts';
import { sql, type Selectable } from 'kysely';
import type { Database, Store } from '../store/index.ts';
import { packageLookup } from '../vulndb/query.ts';
import { applyFindings, COMPARED_COLUMNS, contextualizeAll, DeferredWrites, desiredFindings, fieldsOf, findingTemplates, keyedFindings, lockFindings, updateOf, type ComparedFinding, type DesiredFinding, type FindingTemplate, type ResourceView } from './lifecycle.ts';
import { loadScoreContexts } from './score-context.ts';
import { contextKey, type ResourceScoreContext } from './score.ts';
import { packageFindingKeyOf } from './keys.ts';
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
/** what a rematch reads of a resource (not its attributes: an SSH host's can be large) */
const RESOURCE_COLUMNS = ['id', 'account_id', 'type', 'name', 'tags'] as const;
type ResourceRow = Pick<Selectable<Database['resources']>, (typeof RESOURCE_COLUMNS)[number]>;

/** Advisories of the packages met so far, fetched once per (ecosystem, name) through packageLookup, and match verdicts memoized per searched version. */
class Matcher {
  private readonly index = new AdvisoryIndex();
  private readonly loaded = new Set<string>();
  private readonly lookup: ReturnType<typeof packageLookup>;
  /** target key + version → the verdicts (matches and unknowns; no fix guidance) */
  private readonly memo = new Map<string, Pick<PackageReport, 'searched' | 'matches' | 'unknown'> | null>();
  /** with `only`: the packages those records name → their rows (read at once by {@link preload}) */
  private preloaded: Map<string, { id: string; json: string }[]> | undefined;
  /** `only`: match against these records alone (a delta rematch: the touched groups' records) */
  constructor(store: Store, private readonly only?: ReadonlySet<string>) {
    this.lookup = packageLookup(store);
  }
  /** Reads the rows of the `only` records in a few statements, instead of every row of each package met (most of them other records'). */
  async preload(db: Db): Promise<void> {
    if (!this.only) return;
    const m = new Map<string, { id: string; json: string }[]>();
    for (const r of await inChunks([...this.only], (chunk) => db.selectFrom('vuln_affected').select(['record_id as id', 'ecosystem', 'name', 'slim as json']).where('record_id', 'in', chunk).execute())) {
      const k = packageKey(r.ecosystem, r.name);
      const l = m.get(k);
      if (l) l.push(r);
      else m.set(k, [r]);
    }
    this.preloaded = m;
  }
  /**
   * The package's report (null: no match, no unknown verdict), matching it if its searched version
   * is new. A promise only when its advisories must be read first: a delta matches thousands of
   * versions, all of them memoized or preloaded.
   */
  report(pkg: Package): PackageReport | null | Promise<PackageReport | null> {
    const now = this.reportNow(pkg);
    return now !== undefined ? now : this.read(pkg);
  }
  private async read(pkg: Package): Promise<PackageReport | null> {
    const t = targetOf(pkg) as Extract<Target, { key: string }>;
    const rows = await this.lookup(t.ecosystem, t.name);
    if (!this.loaded.has(t.key)) this.add(t.key, rows);
    return this.reportNow(pkg)!;
  }
  /** {@link report} when that needs no read (the version memoized, the package's advisories read before or preloaded); undefined when it does. */
  private reportNow(pkg: Package): PackageReport | null | undefined {
    const t = targetOf(pkg);
    if (!('key' in t)) return null; // owned / versionless packages: never stored with a search name
    const mk = `${t.key}\u0000${t.version}`;
    let m = this.memo.get(mk);
    if (m === undefined) {
      if (!this.loaded.has(t.key)) {
        if (!this.preloaded) return undefined;
        this.add(t.key, this.preloaded.get(t.key) ?? []);
      }
      // fix guidance is per package (ScanResult.fixes), not per finding: not needed here
      const r = matchInventorySync([pkg], this.index, { fixGuidance: false }).packages[0];
      m = r ? { searched: r.searched, matches: r.matches, unknown: r.unknown } : null;
      this.memo.set(mk, m);
    }
    return m && { package: pkg, ...m };
  }
  private add(key: string, rows: readonly { id: string; json: string }[]): void {
    this.loaded.add(key);
    for (const row of rows) if (!this.only || this.only.has(row.id)) this.index.add(JSON.parse(row.json));
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
  /**
   * (distro CVE split) a delta's touched groups: only findings of these vulnerabilities are built (a
   * touched DSA also fixes CVEs whose findings the delta leaves alone); undefined: all
   */
  vulns?: ReadonlySet<string>;
  /** desired findings per distinct stored package row (see rematchResources) */
  templates: Map<string, FindingTemplate[]>;
  matcher: Matcher;
  contexts: Contexts;
  rules: Map<string, SuppressionRule[]>;
  counts: LifecycleCounts;
}

const newShared = (store: Store, only?: ReadonlySet<string>, vulns?: ReadonlySet<string>): Shared => ({
  vulns, templates: new Map(), matcher: new Matcher(store, only), contexts: new Contexts(), rules: new Map(),
  counts: { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 },
});

/**
 * What a package finding is about apart from its vulnerability: (ecosystem, name) — its key's
 * package part (keys.ts, packageFindingKeyOf). The location is not: every location of a package
 * folds into one finding (issue 20). Callers pass it still, and it is ignored.
 */
const identity = (ecosystem: string, name: string, _location?: string) => `${ecosystem}\u0000${name}`;

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

/** `f` over 500-long slices of `list` (bounded IN lists), the results concatenated. */
async function inChunks<T>(list: readonly string[], f: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < list.length; i += 500) for (const x of await f(list.slice(i, i + 500))) out.push(x);
  return out;
}

async function loadFindings(trx: Db, resourceIds: readonly string[]): Promise<Map<string, ComparedFinding[]>> {
  const out = await inChunks(resourceIds, (chunk) => trx.selectFrom('findings').select([...COMPARED_COLUMNS]).where('resource_id', 'in', chunk).where('type', 'in', [...PACKAGE_FINDING_TYPES]).execute());
  return groupBy(out, (f) => f.resource_id);
}

/** A distinct stored searched version (from the search index). */
type Hit = { ecosystem: string; search_name: string | null; version: string; source_version: string | null };

/** What a distinct searched version is matched as: the search name as both name and source (targetOf takes the one its distribution searches by). */
function searchedPackage(d: Hit): Package {
  const pkg: Package = { ecosystem: d.ecosystem, name: d.search_name!, sourceName: d.search_name!, version: d.version };
  if (d.source_version) pkg.sourceVersion = d.source_version;
  return pkg;
}

const hitKey = (r: { search_name: string | null; version: string; source_version: string | null }) => `${r.search_name}\u0000${r.version}\u0000${r.source_version ?? ''}`;

/**
 * The rows of matching versions on ACTIVE resources, with the hit each belongs to: read through the
 * search index, 400 (search name, version) pairs of one ecosystem per statement (a row-value IN over
 * a VALUES list, which SQLite and PostgreSQL both seek in the (ecosystem, search_name, version)
 * index pair by pair).
 */
async function readHitRows(trx: Db, hits: readonly Hit[]): Promise<{ row: PackageRow; hit: Hit }[]> {
  const out: { row: PackageRow; hit: Hit }[] = [];
  for (const [ecosystem, list] of groupBy(hits, (h) => h.ecosystem)) {
    const byKey = new Map(list.map((h) => [hitKey(h), h]));
    const pairs = [...new Map(list.map((h) => [`${h.search_name}\u0000${h.version}`, [h.search_name!, h.version] as const])).values()];
    for (let i = 0; i < pairs.length; i += 400) {
      const values = sql.join(pairs.slice(i, i + 400).map(([n, v]) => sql`(${n}, ${v})`));
      const rows = await trx.selectFrom('resource_packages as p').innerJoin('resources as r', 'r.id', 'p.resource_id').selectAll('p')
        .where('r.coverage_status', '=', 'ACTIVE').where('p.ecosystem', '=', ecosystem)
        .where(sql<boolean>`(p.search_name, p.version) in (values ${values})`).execute();
      for (const row of rows) {
        const hit = byKey.get(hitKey(row));
        if (hit) out.push({ row, hit }); // (a row of another source version of the same binary version is not a hit)
      }
    }
  }
  return out;
}

const signatureOf = (row: Signature) => `${row.ecosystem}\u0000${row.name}\u0000${row.version}\u0000${row.location}\u0000${row.locations ?? ''}\u0000${row.purl ?? ''}\u0000${row.layer ?? ''}\u0000${row.source_name ?? ''}\u0000${row.source_version ?? ''}\u0000${row.owned_by ?? ''}`;

/** (distro CVE split) The findings of the vulnerabilities in the rematch's scope (all, outside a delta). */
const inScope = (shared: Shared, findings: ScanFinding[]) => (shared.vulns ? findings.filter((f) => shared.vulns!.has(f.vulnerability)) : findings);

/** The desired findings of one stored package row given its report (the advisories' context loaded), built once per signature. */
function templatesFrom(shared: Shared, row: PackageRow, pkg: Package, pr: PackageReport | null | undefined, at: string): FindingTemplate[] {
  if (!pr) return [];
  const sig = signatureOf(row);
  let t = shared.templates.get(sig);
  if (!t) {
    const report: MatchReport = { packages: [{ ...pr, package: pkg }], skipped: [], stats: { packages: 1, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
    const result = buildScanResult({ target: { kind: 'rematch', ref: '' }, packages: [pkg], errors: [], report, ctx: shared.contexts.ctx, createdAt: at, version: '' });
    t = findingTemplates([pkg], inScope(shared, result.findings));
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
  const deferred = new DeferredWrites();
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
  // (issue 16) each resource's score context: its findings are the templates re-scored in it
  const scoreContexts = await loadScoreContexts(trx, store.dialect, resources.map((r) => r.id), now);
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
      // two rows of one package (two versions, two installs: issue 20) fold into one finding: the whole resource's way
      const pkgs = rows.map((row) => pkgOf.get(row)!);
      const report: MatchReport = { packages: rows.flatMap((row, i) => { const pr = reports.get(row); return pr ? [{ ...pr, package: pkgs[i] }] : []; }), skipped: [], stats: { packages: rows.length, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
      const result = buildScanResult({ target: { kind: 'rematch', ref: r.id }, packages: pkgs, errors: [], report, ctx: shared.contexts.ctx, createdAt: at, version: '' });
      desired = desiredFindings(r.account_id, r.id, pkgs, inScope(shared, result.findings));
    } else {
      desired = keyedFindings(r.account_id, r.id, templates);
    }
    desired = contextualizeAll(desired, scoreContexts.get(r.id) ?? {});
    const existing = existingOf.get(r.id) ?? [];
    if (desired.length === 0 && existing.length === 0) continue;
    let rules = shared.rules.get(r.account_id);
    if (!rules) shared.rules.set(r.account_id, (rules = await activeRules(trx, r.account_id, now)));
    const view: ResourceView = { id: r.id, account_id: r.account_id, type: r.type, name: r.name, tags: JSON.parse(r.tags) };
    await applyFindings(trx, { resource: view, desired, existing, rules, now, observe: false, counts: shared.counts, deferred });
  }
  // (a transaction on the store's one SQLite connection: its statements run inside it)
  await deferred.flush(trx, store.raw.statements);
  return packages;
}

/** What identifies a finding's template apart from its state: what its package row and advisory give it. */
const templateKey = (t: Pick<FindingTemplate, 'type' | 'vulnerability_id' | 'package_ecosystem' | 'package_name' | 'package_version' | 'package_purl' | 'package_location' | 'package_layer'>) =>
  `${t.type}\u0000${t.vulnerability_id}\u0000${t.package_ecosystem}\u0000${t.package_name}\u0000${t.package_version}\u0000${t.package_purl ?? ''}\u0000${t.package_location}\u0000${t.package_layer ?? ''}`;

/**
 * Step 3c of {@link rematchChangeSet}: the stale groups (one old state_hash of one package) that
 * are exactly one new template's findings — an advisory re-scored, re-summarized, its fix changed —
 * updated as a group, without going through their resources. A group qualifies when its findings
 * are all ACTIVE and unsuppressed, in accounts no rule in force applies to (a rule could match the
 * new state: that is decided per resource), one template alone has its package row and advisory
 * (`templateKey`), that template has no stored findings yet, and the group's resources are exactly
 * the resources with that template's rows, one row each of its package (two rows of one package
 * fold into one finding: the per-resource path does that). The update and its events are the ones
 * `applyFindings` would write for each finding. Returns the findings updated and, per template
 * hash, how many findings now have it.
 */
async function updateInPlace(trx: Db, a: {
  staleRows: Map<string, ComparedFinding[]>;
  templateOf: Map<string, FindingTemplate>;
  hitRows: readonly { row: PackageRow }[];
  sigOfRow: Map<PackageRow, { templates: FindingTemplate[] }>;
  desired: Map<string, number>;
  storedGroups: readonly { state_hash: string }[];
  shared: Shared;
  now: Date;
  at: string;
}): Promise<{ findings: ComparedFinding[]; templates: Map<string, number>; deferred: DeferredWrites }> {
  const deferred = new DeferredWrites();
  const findings: ComparedFinding[] = [];
  const templates = new Map<string, number>();
  if (a.staleRows.size === 0) return { findings, templates, deferred };
  // the new templates by what identifies them; a key two templates share is left to the per-resource path
  const byKey = new Map<string, FindingTemplate | null>();
  for (const t of a.templateOf.values()) {
    const k = templateKey(t);
    byKey.set(k, byKey.has(k) ? null : t);
  }
  // per template: the resources with a row wanting it; per resource and location: how many matching rows
  const holding = new Map<string, Set<string>>();
  const rowsAt = new Map<string, number>();
  for (const { row } of a.hitRows) {
    const at = `${row.resource_id}\u0000${identity(row.ecosystem, row.name, row.location)}`;
    rowsAt.set(at, (rowsAt.get(at) ?? 0) + 1);
    for (const t of a.sigOfRow.get(row)!.templates) {
      let h = holding.get(t.state_hash);
      if (!h) holding.set(t.state_hash, (h = new Set()));
      h.add(row.resource_id);
    }
  }
  const storedHashes = new Set(a.storedGroups.map((g) => g.state_hash));
  // the accounts of the stale findings no rule in force applies to
  const ruleFree = new Set<string>();
  for (const accountId of new Set([...a.staleRows.values()].flatMap((rows) => rows.map((f) => f.account_id)))) {
    let rules = a.shared.rules.get(accountId);
    if (!rules) a.shared.rules.set(accountId, (rules = await activeRules(trx, accountId, a.now)));
    if (rules.length === 0) ruleFree.add(accountId);
  }
  groups: for (const rows of a.staleRows.values()) {
    const f0 = rows[0];
    if (f0.suppressed_by !== null) continue;
    const t = byKey.get(templateKey(f0));
    if (!t || storedHashes.has(t.state_hash) || templates.has(t.state_hash)) continue;
    const holders = holding.get(t.state_hash)!;
    if (holders.size !== rows.length || a.desired.get(t.state_hash) !== rows.length) continue;
    const id = identity(t.package_ecosystem, t.package_name, t.package_location);
    for (const f of rows) {
      if (f.status !== 'ACTIVE' || !holders.has(f.resource_id) || rowsAt.get(`${f.resource_id}\u0000${id}`) !== 1 || !ruleFree.has(f.account_id)) continue groups;
    }
    // every finding of the group has the same state: one update, one set of changes
    const u = updateOf(f0, fieldsOf(t, undefined), a.at, false);
    if (!u) continue; // (a stale hash with nothing to change: not a state this template gives)
    // (no other group has this set: its state_hash is the template's)
    deferred.updateDistinct(u.set, rows.map((f) => f.id));
    // the payload JSON.stringify({ findingId, changes }) gives, its changes serialized once
    const changes = u.changes && JSON.stringify(u.changes);
    for (const f of rows) {
      if (changes) deferred.events.push({ type: 'finding.updated', account_id: f.account_id, resource_id: f.resource_id, payload: `{"findingId":${JSON.stringify(f.id)},"changes":${changes}}`, created_at: a.at });
      findings.push(f);
    }
    a.shared.counts.updated += rows.length;
    templates.set(t.state_hash, rows.length);
  }
  return { findings, templates, deferred };
}

/** A stored package row but its resource: what decides its desired findings (see signatureOf). */
type Signature = Omit<PackageRow, 'resource_id'>;
const OPEN = ['ACTIVE', 'SUPPRESSED'];

/**
 * The delta path: rebuilds the findings of the alias groups an import's change set touches (its
 * `change_set_groups`: the groups of the changed records, and the old and new group of every member
 * whose group changed), on every ACTIVE resource, in ONE transaction, without rescanning. Idempotent:
 * running it again (after a crash, or twice) finds the findings already in line and writes nothing.
 *
 * 1. The packages in question are those the change set names and those the touched groups' records
 *    name; their distinct stored versions are read from the search index alone and matched once
 *    each, against the touched groups' records only (every other advisory's findings stay as they
 *    are: nothing they depend on changed).
 * 2. The desired findings of a stored package row are the same on every resource that has it: one
 *    template each (with its state_hash), counted per resource that has the row.
 * 3. The stored open findings of the touched groups are counted per (package, state_hash,
 *    suppressed_by). A template whose count of resources equals its count of stored findings (under
 *    a rule still in force, if suppressed) is in line everywhere and costs nothing more. Only stale
 *    findings (a hash no template has any more, a rule that expired) and templates whose counts
 *    differ lead to (resource, package) pairs, which are matched and applied the usual
 *    way (applyFindings), their stored findings found by key.
 *
 * So the cost follows the findings of the touched advisories, not every finding of the packages
 * they name. A change set written before change_set_groups existed is rematched in full.
 * @throws VigilError VIGIL_NOT_FOUND for an unknown change set
 */
export async function rematchChangeSet(store: Store, changeSetId: number, now: Date, hooks: RematchHooks = {}): Promise<RematchSummary> {
  const started = performance.now();
  const cs = await store.db.selectFrom('change_sets').select('id').where('id', '=', changeSetId).executeTakeFirst();
  if (!cs) throw new VigilError('VIGIL_NOT_FOUND', `no change set ${changeSetId}`, { input: String(changeSetId), rule: 'change-set' });
  const changed = (await store.db.selectFrom('change_set_records').select('record_id').where('change_set_id', '=', changeSetId).execute()).map((r) => r.record_id);
  const groupIds = (await store.db.selectFrom('change_set_groups').select('group_id').where('change_set_id', '=', changeSetId).execute()).map((r) => r.group_id);
  const pairs = await store.db.selectFrom('change_set_packages').select(['ecosystem', 'name']).where('change_set_id', '=', changeSetId).execute();
  if (changed.length > 0 && groupIds.length === 0) {
    // written before change sets listed their groups: which findings it touches is unknown
    return { ...(await rematchAll(store, now, hooks)), changedPackages: pairs.length };
  }
  const vulns = new Set(groupIds);
  const touched = new Set(changed);
  for (const m of await inChunks(groupIds, (chunk) => store.db.selectFrom('vuln_groups').select('member').where('group_id', 'in', chunk).execute())) touched.add(m.member);
  // (distro CVE split) and the advisories whose findings are keyed by a touched vulnerability without
  // being in its group: a DSA or an ALSA listing it among the CVEs it fixes (vulndb/vulnerabilities.ts).
  // Their findings of other vulnerabilities are out of scope (Shared.vulns).
  for (const r of await inChunks([...new Set([...touched, ...vulns])], (chunk) => store.db.selectFrom('vuln_aliases').select('record_id').distinct()
    .where('kind', 'in', ['upstream', 'related']).where('alias', 'in', chunk).execute())) touched.add(r.record_id);
  const shared = newShared(store, touched, vulns);
  await shared.matcher.preload(store.db);
  const at = now.toISOString();
  let resources = 0;
  let packages = 0;
  await store.db.transaction().execute(async (trx) => {
    const txStore: Store = { ...store, db: trx };
    await lockFindings(trx, store.dialect);
    const inForce = new Set((await trx.selectFrom('suppression_rules').select('id')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)])).execute()).map((r) => r.id));
    const tv = [...vulns];

    // 3a. what is stored: the open findings of the touched groups, counted per (package, state_hash, suppressed_by)
    const storedGroups = await inChunks(tv, (chunk) => trx.selectFrom('findings')
      .select(['package_ecosystem', 'package_name', 'state_hash', 'suppressed_by', (eb) => eb.fn.countAll<number>().as('n')])
      .where('vulnerability_id', 'in', chunk).where('status', 'in', OPEN)
      .groupBy(['package_ecosystem', 'package_name', 'state_hash', 'suppressed_by']).execute());

    // 1. the packages in question, by search name: the change set's, the touched records', and those
    //    stored findings of the touched groups are on
    const search = new Map<string, Set<string>>();
    const addSearch = (ecosystem: string, name: string) => {
      let s = search.get(ecosystem);
      if (!s) search.set(ecosystem, (s = new Set()));
      s.add(name);
    };
    for (const p of pairs) addSearch(p.ecosystem, p.name);
    for (const r of await inChunks([...touched], (chunk) => trx.selectFrom('vuln_affected').select(['ecosystem', 'name']).distinct().where('record_id', 'in', chunk).execute())) addSearch(r.ecosystem, r.name);
    const ownNames = new Map<string, Set<string>>();
    for (const [ecosystem, set] of search) {
      if (!searchesBySource(ecosystem)) continue;
      const own = new Set<string>();
      ownNames.set(ecosystem, own);
      for (const r of await inChunks([...set], (chunk) => trx.selectFrom('resource_packages').select('name').distinct().where('ecosystem', '=', ecosystem).where('search_name', 'in', chunk).execute())) own.add(r.name);
    }
    for (const g of storedGroups) {
      const covered = searchesBySource(g.package_ecosystem) ? ownNames.get(g.package_ecosystem)?.has(g.package_name) : search.get(g.package_ecosystem)?.has(g.package_name);
      if (covered) continue;
      // a finding on a package none of the touched records names (any more): its search name
      for (const r of await trx.selectFrom('resource_packages').select('search_name').distinct().where('ecosystem', '=', g.package_ecosystem).where('name', '=', g.package_name).execute()) {
        if (r.search_name) addSearch(g.package_ecosystem, r.search_name);
      }
      (ownNames.get(g.package_ecosystem) ?? search.get(g.package_ecosystem))?.add(g.package_name);
    }
    // their distinct searched versions (from the search index alone), each matched once
    const hit: Hit[] = [];
    for (const [ecosystem, set] of search) {
      for (const d of await inChunks([...set], (chunk) => trx.selectFrom('resource_packages')
        .select(['ecosystem', 'search_name', 'version', 'source_version', (eb) => eb.fn.countAll<number>().as('n')])
        .where('ecosystem', '=', ecosystem).where('search_name', 'in', chunk)
        .groupBy(['ecosystem', 'search_name', 'version', 'source_version']).execute())) {
        packages += Number(d.n);
        if ((await shared.matcher.report(searchedPackage(d)))?.matches.length) hit.push(d);
      }
    }
    // 2. what matching wants: per distinct package row of a matching version on ACTIVE resources
    //    (its signature), the templates and how many resources have it
    const hitRows = await readHitRows(trx, hit);
    // (issue 16) a row's findings also depend on its resource's score context: one entry per (signature, context)
    const scoreContexts = await loadScoreContexts(trx, store.dialect, hitRows.map((x) => x.row.resource_id), now);
    const sigs: { sig: Signature; n: number; hit: Hit; templates: FindingTemplate[]; ctx: ResourceScoreContext }[] = [];
    const sigOf = new Map<string, (typeof sigs)[number]>();
    /** each hit row's signature entry (its templates, once built) */
    const sigOfRow = new Map<PackageRow, (typeof sigs)[number]>();
    for (const { row, hit: h } of hitRows) {
      const ctx = scoreContexts.get(row.resource_id) ?? {};
      const key = `${signatureOf(row)}\u0001${contextKey(ctx)}`;
      let x = sigOf.get(key);
      if (x) x.n++;
      else {
        const { resource_id: _, ...sig } = row;
        x = { sig, n: 1, hit: h, templates: [], ctx };
        sigOf.set(key, x);
        sigs.push(x);
      }
      sigOfRow.set(row, x);
    }
    const ids = new Set<string>();
    for (const x of sigs) for (const m of (await shared.matcher.report(packageFromRow({ resource_id: '', ...x.sig })))?.matches ?? []) ids.add(m.id);
    await shared.contexts.ensure(txStore, ids);
    const desired = new Map<string, number>();
    const templateOf = new Map<string, FindingTemplate>();
    for (const x of sigs) {
      x.templates = contextualizeAll(await templatesOfRow(shared, { resource_id: '', ...x.sig }, at), x.ctx);
      for (const t of x.templates) {
        desired.set(t.state_hash, (desired.get(t.state_hash) ?? 0) + x.n);
        templateOf.set(t.state_hash, t);
      }
    }

    // 3b. compare: groups in line are counted; stale findings are read
    const stored = new Map<string, number>();
    const staleGroups = new Set<string>();
    const groupKey = (eco: string, name: string, hash: string, sb: string | null) => `${eco}\u0000${name}\u0000${hash}\u0000${sb ?? ''}`;
    for (const g of storedGroups) {
      if (desired.has(g.state_hash) && (g.suppressed_by === null || inForce.has(g.suppressed_by))) stored.set(g.state_hash, (stored.get(g.state_hash) ?? 0) + Number(g.n));
      else staleGroups.add(groupKey(g.package_ecosystem, g.package_name, g.state_hash, g.suppressed_by));
    }
    /** identity (ecosystem, name, location) → resource → the (type, vulnerability) of its stale findings there */
    const staleAt = new Map<string, Map<string, Set<string>>>();
    /** the stale findings as step 5 compares them, by key (read here whole: they are most of what step 5 reads) */
    const staleByKey = new Map<string, ComparedFinding>();
    /** the stale findings by group */
    const staleRows = new Map<string, ComparedFinding[]>();
    if (staleGroups.size > 0) {
      const rows = await inChunks(tv, (chunk) => trx.selectFrom('findings').select([...COMPARED_COLUMNS])
        .where('vulnerability_id', 'in', chunk).where('status', 'in', OPEN).execute());
      for (const f of rows) {
        const gk = groupKey(f.package_ecosystem, f.package_name, f.state_hash, f.suppressed_by);
        if (!staleGroups.has(gk)) continue;
        const l = staleRows.get(gk);
        if (l) l.push(f);
        else staleRows.set(gk, [f]);
        staleByKey.set(f.finding_key, f);
        const id = identity(f.package_ecosystem, f.package_name, f.package_location);
        let m = staleAt.get(id);
        if (!m) staleAt.set(id, (m = new Map()));
        let v = m.get(f.resource_id);
        if (!v) m.set(f.resource_id, (v = new Set()));
        v.add(`${f.type}\u0000${f.vulnerability_id}`);
      }
    }
    // 3c. a stale group that is exactly one new template's findings is updated as a whole
    const inPlace = await updateInPlace(trx, { staleRows, templateOf, hitRows, sigOfRow, desired, storedGroups, shared, now, at });
    for (const f of inPlace.findings) {
      staleByKey.delete(f.finding_key);
      const m = staleAt.get(identity(f.package_ecosystem, f.package_name, f.package_location));
      const v = m?.get(f.resource_id);
      v?.delete(`${f.type}\u0000${f.vulnerability_id}`);
      if (v?.size === 0) m!.delete(f.resource_id);
    }
    for (const [h, n] of inPlace.templates) stored.set(h, n);
    // written now: what steps 4 and 5 read of these findings (a resource with other work at the same
    // package location reads them by key) is their new state
    await inPlace.deferred.flush(trx, store.raw.statements);
    // a template whose stored count differs from its resource count: which resources hold it
    const incomplete = new Set([...desired].filter(([h, n]) => (stored.get(h) ?? 0) !== n).map(([h]) => h));
    const holders = new Map<string, Set<string>>();
    for (const h of incomplete) {
      if (!stored.get(h)) continue;
      const t = templateOf.get(h)!;
      const rows = await trx.selectFrom('findings').select(['resource_id', 'suppressed_by'])
        .where('vulnerability_id', '=', t.vulnerability_id).where('status', 'in', OPEN).where('package_ecosystem', '=', t.package_ecosystem)
        .where('package_name', '=', t.package_name).where('state_hash', '=', h).execute();
      holders.set(h, new Set(rows.filter((r) => r.suppressed_by === null || inForce.has(r.suppressed_by)).map((r) => r.resource_id)));
    }
    for (const [h, n] of desired) if (!incomplete.has(h) && !inPlace.templates.has(h)) shared.counts.unchanged += n;

    // 4. the (resource, package) pairs to apply: those with a stale finding, those where a
    //    template of their rows is missing, and those holding a template they have no row for
    /** resource → identity → the (type, vulnerability) of the stored findings in question there (beyond its rows' templates) */
    const work = new Map<string, Map<string, Set<string>>>();
    const addWork = (resourceId: string, id: string, typeVuln?: string) => {
      let m = work.get(resourceId);
      if (!m) work.set(resourceId, (m = new Map()));
      let s = m.get(id);
      if (!s) m.set(id, (s = new Set()));
      if (typeVuln) s.add(typeVuln);
    };
    for (const [id, m] of staleAt) for (const [r, set] of m) for (const x of set) addWork(r, id, x);
    const workIdentities = new Set(staleAt.keys());
    for (const x of sigs) if (x.templates.some((t) => incomplete.has(t.state_hash))) workIdentities.add(identity(x.sig.ecosystem, x.sig.name, x.sig.location));
    // every matching row at those locations (a pair's rows must be complete: its desired findings come from them)
    const rows = hitRows.map((x) => x.row).filter((r) => workIdentities.has(identity(r.ecosystem, r.name, r.location)));
    const holding = new Map<string, Set<string>>(); // state_hash → resources with a row wanting it
    for (const r of rows) {
      for (const t of sigOfRow.get(r)!.templates) {
        if (!incomplete.has(t.state_hash)) continue;
        if (!holders.get(t.state_hash)?.has(r.resource_id)) addWork(r.resource_id, identity(r.ecosystem, r.name, r.location));
        let h = holding.get(t.state_hash);
        if (!h) holding.set(t.state_hash, (h = new Set()));
        h.add(r.resource_id);
      }
    }
    for (const [h, set] of holders) {
      const t = templateOf.get(h)!;
      for (const r of set) if (!holding.get(h)?.has(r)) addWork(r, identity(t.package_ecosystem, t.package_name, t.package_location), `${t.type}\u0000${t.vulnerability_id}`);
    }

    // (a template whose count differs is in line on the holders that have its row: unchanged, unless
    // step 5 applies them for other work there and counts them itself)
    for (const [h, set] of holders) {
      const t = templateOf.get(h)!;
      const id = identity(t.package_ecosystem, t.package_name, t.package_location);
      for (const r of set) if (holding.get(h)?.has(r) && !work.get(r)?.has(id)) shared.counts.unchanged++;
    }

    // 5. apply, per resource: its rows at its pairs, and its stored findings there (the (type,
    //    vulnerability) pairs its rows' templates and its stale findings name: the stale ones as read
    //    in 3b, the others found by key)
    const workIds = [...work.keys()].sort();
    const res = await inChunks(workIds, (chunk) => trx.selectFrom('resources').select(RESOURCE_COLUMNS).where('id', 'in', chunk).where('coverage_status', '=', 'ACTIVE').execute());
    res.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    resources = new Set([...res.map((r) => r.id), ...inPlace.findings.map((f) => f.resource_id)]).size;
    const rowsOf = groupBy(rows.filter((r) => work.get(r.resource_id)?.has(identity(r.ecosystem, r.name, r.location))), (r) => r.resource_id);
    const keys: string[] = [];
    for (const r of res) {
      const wanted = work.get(r.id)!; // identity → (type, vulnerability)
      for (const row of rowsOf.get(r.id) ?? []) {
        const set = wanted.get(identity(row.ecosystem, row.name, row.location))!;
        for (const t of sigOfRow.get(row)!.templates) set.add(`${t.type}\u0000${t.vulnerability_id}`);
      }
      for (const [id, set] of wanted) {
        const [ecosystem, name] = id.split('\u0000');
        for (const x of set) {
          const [type, vuln] = x.split('\u0000');
          keys.push(packageFindingKeyOf(r.account_id, r.id, type, vuln, ecosystem, name));
        }
      }
    }
    const existing = keys.flatMap((k) => staleByKey.get(k) ?? []);
    for (const f of await inChunks(keys.filter((k) => !staleByKey.has(k)), (chunk) => trx.selectFrom('findings').select([...COMPARED_COLUMNS]).where('finding_key', 'in', chunk).execute())) existing.push(f);
    await rematchResources(store, trx, res, rowsOf, groupBy(existing, (f) => f.resource_id), shared, now);
    // findings step 5 read again by key (other work at their package location) that were counted
    // already — a template in line everywhere, updated in place — it counted unchanged once more
    shared.counts.unchanged -= existing.filter((f) => !staleByKey.has(f.finding_key) && (inPlace.templates.has(f.state_hash) || (desired.has(f.state_hash) && !incomplete.has(f.state_hash)))).length;
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
    let rq = trx.selectFrom('resources').select(RESOURCE_COLUMNS).where('coverage_status', '=', 'ACTIVE');
    if (opts.accountId) rq = rq.where('account_id', '=', opts.accountId);
    const res = await rq.orderBy('id').execute();
    const active = new Set(res.map((r) => r.id));
    resources = res.length;
    // every distinct searched package, matched once
    const distinct = await trx.selectFrom('resource_packages')
      .select(['ecosystem', 'search_name', 'version', 'source_version', (eb) => eb.fn.countAll<number>().as('n')])
      .where('search_name', 'is not', null)
      .groupBy(['ecosystem', 'search_name', 'version', 'source_version']).execute();
    const hit: Hit[] = [];
    for (const d of distinct) {
      packages += Number(d.n);
      if ((await shared.matcher.report(searchedPackage(d)))?.matches.length) hit.push(d);
    }
    // the rows of the matching versions (the only ones that can have findings)
    const rows = (await readHitRows(trx, hit)).map((x) => x.row).filter((r) => active.has(r.resource_id));
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

// ─── issue 16: re-scoring a resource when its context changes ────────────────────────────────────

/**
 * Re-scores the findings of some resources after their score context changed (a registry pull
 * flipped an image's "in use", the network analysis set its reachability): every package of each
 * ACTIVE resource is matched again exactly as {@link rematchAll} does, inside `trx` (the caller's
 * transaction, which must hold the findings lock — see lockFindings), and the difference goes
 * through applyFindings: a changed score or severity is a finding.updated event, as after an
 * advisory import. Matching is memoized, so this costs what the resources' packages cost.
 * @throws whatever the database throws (the caller's transaction then rolls back)
 */
export async function rescoreResourcesIn(store: Store, trx: Db, resourceIds: readonly string[], now: Date): Promise<LifecycleCounts> {
  const shared = newShared(store);
  const res = await inChunks([...new Set(resourceIds)].sort(), (chunk) => trx.selectFrom('resources').select(RESOURCE_COLUMNS).where('id', 'in', chunk).where('coverage_status', '=', 'ACTIVE').execute());
  res.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (res.length === 0) return shared.counts;
  const rows = await inChunks(res.map((r) => r.id), (chunk) => trx.selectFrom('resource_packages').selectAll().where('resource_id', 'in', chunk).where('search_name', 'is not', null).execute());
  const existingOf = await loadFindings(trx, res.map((r) => r.id));
  await rematchResources(store, trx, res, groupBy(rows, (r) => r.resource_id), existingOf, shared, now);
  return shared.counts;
}

/**
 * {@link rescoreResourcesIn} in a transaction of its own (with the findings lock).
 * @throws whatever the database throws
 */
export async function rescoreResources(store: Store, resourceIds: readonly string[], now: Date): Promise<LifecycleCounts> {
  if (resourceIds.length === 0) return { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
  return store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    return rescoreResourcesIn(store, trx, resourceIds, now);
  });
}
