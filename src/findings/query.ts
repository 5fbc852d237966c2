/**
 * The read queries behind the findings API: findings, resources, packages and events, each a
 * keyset page (an opaque cursor carries the last row's sort key), never an offset, so page 1,000 of
 * a million findings costs what page 1 does.
 *
 * How a findings page is read. Sorts are (severity rank, updated_at desc, id desc), (updated_at desc,
 * id desc) or (first_observed_at desc, id desc). Every filter on accounts and statuses is an equality
 * list, so a page is read per partition — (lead value, status, severity), the lead being the account,
 * or the resource, vulnerability or package name when one is given — each partition in the order of
 * an index (lead, status, severity, updated_at, id) (migrations 0003_findings_01/02), limited to
 * the page size, the partitions merged by a UNION ALL. The severity sort walks the severities in rank
 * order; the updated sort merges all six. A delegated admin's two accounts are a few index ranges of
 * 51 rows, not a sort of every finding of the organization, and a cursor is a seek, so page 1,000 costs
 * what page 1 does. Too many partitions (many accounts or resources) fall back to one query over the
 * IN lists. The other filters are residual; on SQLite they are written `+col`, which keeps its planner
 * (which has no statistics) from driving the query by their indexes instead of the lead's.
 * exploitAvailable=true (1.5% of findings) leads with the account partitions of a partial index over
 * the known exploited findings alone (migration 0004_findings_03), unless a resource or vulnerability
 * leads. The partitions read sort keys only — from the index alone when no residual filter needs the
 * table — and one statement then joins the page's keys to their rows and resources, so an updated
 * sort reads 51 rows, not 12 × 51, and a page needs no second query for its resources. On SQLite the
 * keys carry the rowid, the statements are prepared once per text and read as arrays (see pageRows).
 */
import type Sqlite from 'better-sqlite3';
import { sql, type Compilable, type Expression, type RawBuilder, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { SEVERITY_ORDER, type Severity } from '../model/index.ts';
import { VigilError } from '../model/errors.ts';
import { eventFindingId, StatementCache, type Database, type Store } from '../store/index.ts';

export const FINDING_STATUSES = ['ACTIVE', 'SUPPRESSED', 'CLOSED'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const FINDING_SORTS = ['severity', 'updated', 'firstObserved', 'score', 'epss'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

/** more partitions than this and one query over the IN lists is cheaper than the union */
const MAX_PARTITIONS = 48;

export interface FindingFilter {
  /** the accounts in scope (already checked against the caller's sight); never empty */
  accountIds: readonly string[];
  statuses: readonly FindingStatus[];
  severities?: readonly Severity[];
  types?: readonly string[];
  /** alias-group ids (resolve aliases with {@link resolveVulnerabilityIds} first) */
  vulnerabilityIds?: readonly string[];
  packageName?: string;
  packageEcosystem?: string;
  resourceIds?: readonly string[];
  resourceTypes?: readonly string[];
  fixAvailable?: boolean;
  exploitAvailable?: boolean;
  minScore?: number;
  /** issue 16: EPSS probability at least this (0–1); findings without EPSS never match */
  minEpss?: number;
  /** `YES | NO | PARTIAL` (the fix_availability column; `fixAvailable` is the representative match's fix) */
  fixAvailability?: readonly ('YES' | 'NO' | 'PARTIAL')[];
  /** time ranges: ISO times, `from` inclusive, `before` exclusive (an inclusive day or time is turned into the next instant by the caller) */
  firstObserved?: TimeRange;
  lastObserved?: TimeRange;
  updated?: TimeRange;
  /** the digest of the layer that brought the package */
  layerDigests?: readonly string[];
  /** case-insensitive substring of the title or the vulnerability id */
  title?: string;
  /** issue 17: the detector rules of secret and code findings (their advisory_id) */
  detectors?: readonly string[];
  /** issue 17: the file of secret and code findings (package_name): exact (case-sensitive), or a pattern where * matches anything (case-insensitive) */
  filePath?: string;
  /**
   * the findings must be on one of these resources (what imageTag and repository resolve to, see
   * {@link resourcesOf}); a few lead like resourceIds, more are a residual filter
   */
  resourceSet?: readonly string[];
}

export interface TimeRange { from?: string; before?: string }

/** a resource set this small (or smaller) leads the partitions like resourceIds; larger, it is residual */
const SMALL_RESOURCE_SET = 16;

export interface PageOptions {
  sort: FindingSort;
  limit: number;
  cursor?: string;
  /** above this many partitions, one query over the IN lists (default 32; tests compare both plans) */
  maxPartitions?: number;
}

/** A findings row as lists show it (no details, no key). */
export type FindingListRow = Omit<Selectable<Database['findings']>, 'details' | 'details_hash' | 'state_hash' | 'finding_key'>;

/** id, type, name, ref and digest of a resource. */
export interface ResourceRef { id: string; type: string; name: string; ref: string | null; digest: string | null }

/** A row of a findings page: the finding and its resource (null if the resource is gone). */
export type FindingPageRow = FindingListRow & { resource: ResourceRef | null };

const LIST_COLUMNS = [
  'id', 'account_id', 'resource_id', 'type', 'vulnerability_id', 'advisory_id', 'package_ecosystem', 'package_name', 'package_version',
  'package_purl', 'package_location', 'package_layer', 'severity', 'score', 'fix_available', 'fixed_version', 'exploit_available', 'status',
  'suppressed_by', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'title', 'fix_availability', 'epss', 'package_locations',
] as const;

/** SQLite page statements in raw (array) mode, per database */
const statements = new WeakMap<Sqlite.Database, StatementCache>();

/** the resource columns of a page row, after LIST_COLUMNS */
const RESOURCE_COLUMNS = ['r.type as resource_type', 'r.name as resource_name', 'r.ref as resource_ref', 'r.digest as resource_digest'] as const;

/**
 * The rows of a query of LIST_COLUMNS then RESOURCE_COLUMNS. On SQLite through a cached statement
 * in raw mode (arrays, made into objects here: better-sqlite3 builds row objects a property at a
 * time, which costs half of a 500-row page), holding kysely's connection meanwhile, so that it never
 * runs inside another caller's open transaction.
 */
async function pageRows(store: Store, q: Compilable): Promise<FindingPageRow[]> {
  const handle = store.raw.sqlite;
  if (!handle) {
    return ((await store.db.executeQuery(q.compile())).rows as Record<string, unknown>[]).map((o) => {
      const { resource_type: type, resource_name: name, resource_ref: ref, resource_digest: digest, ...row } = o;
      return { ...row, resource: type === null ? null : { id: row.resource_id, type, name, ref, digest } } as FindingPageRow;
    });
  }
  const { sql: text, parameters } = q.compile();
  let cache = statements.get(handle);
  if (!cache) statements.set(handle, (cache = new StatementCache(handle, { raw: true })));
  const stmt = cache.get(text);
  const arrays = await store.db.connection().execute(async () => stmt.all(parameters) as unknown[][]);
  return arrays.map(pageRow);
}

/** a LIST_COLUMNS + RESOURCE_COLUMNS array as a row (an object literal: one shape for every row) */
function pageRow(a: unknown[]): FindingPageRow {
  return {
    id: a[0], account_id: a[1], resource_id: a[2], type: a[3], vulnerability_id: a[4], advisory_id: a[5], package_ecosystem: a[6], package_name: a[7],
    package_version: a[8], package_purl: a[9], package_location: a[10], package_layer: a[11], severity: a[12], score: a[13], fix_available: a[14],
    fixed_version: a[15], exploit_available: a[16], status: a[17], suppressed_by: a[18], first_observed_at: a[19], last_observed_at: a[20],
    updated_at: a[21], closed_at: a[22], title: a[23], fix_availability: a[24], epss: a[25], package_locations: a[26],
    resource: a[27] === null ? null : { id: a[2], type: a[27], name: a[28], ref: a[29], digest: a[30] },
  } as FindingPageRow;
}
// pageRow spells LIST_COLUMNS out (a literal is ~40x faster than adding the properties in a loop): they must agree
if (Object.keys(pageRow([])).join() !== [...LIST_COLUMNS, 'resource'].join() || Object.entries(pageRow([...LIST_COLUMNS])).some(([k, v]) => k !== 'resource' && k !== v)) {
  throw new VigilError('VIGIL_CONFIG', 'findings/query.ts: pageRow does not follow LIST_COLUMNS', { rule: 'list-columns' });
}

/** The column the partitions lead with; `exploited`: the account partitions of the partial index of known exploited findings. */
interface Lead { col: 'account_id' | 'resource_id' | 'vulnerability_id' | 'package_name'; values: readonly string[]; exploited?: boolean }

/** The position after the last row of a page: the sort it belongs to and the row's sort key. */
interface FindingCursor { s: FindingSort; r?: number; t: string; i: string }

function badCursor(rule: string): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `invalid querystring: field "cursor": not a cursor of this list (${rule}); pass nextCursor from the previous page unchanged, with the same sort`, { input: 'cursor', rule: 'cursor' });
}

export function encodeCursor(c: object): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeJson(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw badCursor('not base64url');
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not JSON');
  }
}

function decodeFindingCursor(cursor: string, sort: FindingSort): FindingCursor {
  const c = decodeJson(cursor) as Partial<FindingCursor> | null;
  if (!c || typeof c !== 'object' || typeof c.t !== 'string' || typeof c.i !== 'string') throw badCursor('fields');
  if (c.s !== sort) throw badCursor(`made for sort=${String(c.s)}`);
  if (sort === 'severity' && (typeof c.r !== 'number' || !Number.isInteger(c.r) || c.r < 0 || c.r >= SEVERITY_ORDER.length)) throw badCursor('severity rank');
  if ((sort === 'score' || sort === 'epss') && !Number.isFinite(Number(c.t))) throw badCursor(sort);
  return c as FindingCursor;
}

type Eb = ExpressionBuilder<Database, 'findings'>;

/**
 * A column reference; on SQLite, `+col` when the planner must not drive the query by that column's
 * index (the unary plus is a no-op on the value and disqualifies the index).
 */
function col(store: Store, name: keyof Database['findings'], indexable: boolean): Expression<string> {
  return indexable || store.dialect !== 'sqlite' ? sql.ref<string>(name) : sql<string>`+${sql.ref(name)}`;
}

/**
 * The filters of `f` that are not the lead's partitions, as one condition: `+col` on SQLite for the
 * columns whose index must not drive the query (only the lead's does). `sort` decides which time
 * column may use the lead's index as a range: the one the index continues with.
 */
function residualOf(store: Store, f: FindingFilter, lead: Lead, sort: FindingSort) {
  return (eb: Eb): Expression<SqlBool> => {
    const and: Expression<SqlBool>[] = [];
    if (lead.col !== 'account_id') and.push(eb(col(store, 'account_id', false), 'in', [...f.accountIds]));
    if (f.resourceIds?.length && lead.col !== 'resource_id') and.push(eb(col(store, 'resource_id', false), 'in', [...f.resourceIds]));
    if (f.resourceSet && lead.col !== 'resource_id') and.push(eb(col(store, 'resource_id', false), 'in', [...f.resourceSet]));
    if (f.vulnerabilityIds?.length && lead.col !== 'vulnerability_id') and.push(eb(col(store, 'vulnerability_id', false), 'in', [...f.vulnerabilityIds]));
    if (f.packageName && lead.col !== 'package_name') and.push(eb(col(store, 'package_name', false), '=', f.packageName));
    if (f.packageEcosystem) and.push(eb(col(store, 'package_ecosystem', false), '=', f.packageEcosystem));
    if (f.types?.length) and.push(eb('type', 'in', [...f.types]));
    if (f.fixAvailable !== undefined) and.push(eb('fix_available', '=', f.fixAvailable ? 1 : 0));
    if (f.fixAvailability?.length) and.push(eb('fix_availability', 'in', [...f.fixAvailability]));
    if (f.exploitAvailable !== undefined && !lead.exploited) and.push(eb('exploit_available', '=', f.exploitAvailable ? 1 : 0));
    if (f.minScore !== undefined) and.push(eb('score', '>=', f.minScore));
    if (f.minEpss !== undefined) and.push(eb('epss', '>=', f.minEpss));
    // severities are partitions, except in the firstObserved and score sorts
    if (f.severities?.length && (sort === 'firstObserved' || sort === 'score' || sort === 'epss')) and.push(eb(col(store, 'severity', false), 'in', [...f.severities]));
    if (f.layerDigests?.length) and.push(eb('package_layer', 'in', [...f.layerDigests]));
    if (f.detectors?.length) and.push(eb(col(store, 'advisory_id', false), 'in', [...f.detectors]));
    if (f.filePath !== undefined) {
      and.push(eb(col(store, 'type', false), 'in', ['secret', 'code_vulnerability']));
      and.push(f.filePath.includes('*') ? sql<SqlBool>`lower(${sql.ref('package_name')}) like ${likePattern(f.filePath)} escape '\\'` : eb(col(store, 'package_name', false), '=', f.filePath));
    }
    // the sort's own time column continues the lead's index: a range there bounds the index read
    const range = (name: 'first_observed_at' | 'last_observed_at' | 'updated_at', r: TimeRange | undefined, indexable: boolean) => {
      if (r?.from !== undefined) and.push(eb(col(store, name, indexable), '>=', r.from));
      if (r?.before !== undefined) and.push(eb(col(store, name, indexable), '<', r.before));
    };
    range('updated_at', f.updated, sort === 'severity' || sort === 'updated');
    range('first_observed_at', f.firstObserved, sort === 'firstObserved' && lead.col === 'account_id' && !lead.exploited);
    range('last_observed_at', f.lastObserved, false);
    if (f.title !== undefined) {
      const like = `%${f.title.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      and.push(eb.or([
        sql<SqlBool>`lower(${sql.ref('title')}) like ${like} escape '\\'`,
        sql<SqlBool>`lower(${sql.ref('vulnerability_id')}) like ${like} escape '\\'`,
      ]));
    }
    if (f.resourceTypes?.length) {
      // a primary-key probe per candidate row: building the list of every resource of the type costs
      // more than the probes of a page (a page of images reads ~120 candidates, the list is ~1,400 ids)
      const types = [...f.resourceTypes];
      and.push(eb.exists((sub: ExpressionBuilder<Database, 'findings'>) => sub.selectFrom('resources').select(sql.lit(1).as('one'))
        .whereRef('resources.id', '=', 'findings.resource_id').where('resources.type', 'in', types)));
    }
    return eb.and(and);
  };
}

/**
 * Every finding the filter selects, as one condition (accounts, statuses and every other filter):
 * for the aggregations, the export's counts and the dashboard, which read whole sets, not pages.
 */
export function findingWhere(store: Store, f: FindingFilter) {
  // a few resources (imageTag, repository) are an indexed IN list like resourceIds, not a residual
  if (f.resourceSet && f.resourceSet.length > 0 && f.resourceSet.length <= SMALL_RESOURCE_SET) {
    const set = f.resourceIds ? f.resourceSet.filter((id) => f.resourceIds!.includes(id)) : f.resourceSet;
    f = { ...f, resourceIds: set, resourceSet: set.length ? undefined : [] };
  }
  const rest = residualOf(store, f, { col: 'account_id', values: f.accountIds }, 'firstObserved');
  const none = f.accountIds.length === 0 || f.statuses.length === 0 || (f.resourceSet !== undefined && f.resourceSet.length === 0);
  return (eb: Eb): Expression<SqlBool> => none ? sql<SqlBool>`1 = 0` : eb.and([
    eb('account_id', 'in', [...f.accountIds]),
    eb('status', 'in', [...f.statuses]),
    ...(f.resourceIds?.length ? [eb('resource_id', 'in', [...f.resourceIds])] : []),
    rest(eb),
  ]);
}

/** The sort key of a findings sort: a time column, or the score with unscored findings last (-1). */
function sortKey(sort: FindingSort): RawBuilder<string | number> {
  if (sort === 'score') return sql<number>`coalesce(${sql.ref('score')}, ${sql.lit(-1)})`;
  // issue 16: the expression of the findings_account_epss index (migration 0009_findings_01_epss)
  if (sort === 'epss') return sql<number>`coalesce(${sql.ref('epss')}, ${sql.lit(-1)})`;
  return sql.ref<string>(sort === 'firstObserved' ? 'first_observed_at' : 'updated_at');
}

/**
 * Every matching finding of one page, best first, and the cursor of the next page (null on the last).
 * @throws VigilError VIGIL_INVALID_INPUT for a cursor that is not this list's
 */
export async function listFindings(store: Store, f: FindingFilter, page: PageOptions): Promise<{ items: FindingPageRow[]; nextCursor: string | null }> {
  const cursor = page.cursor ? decodeFindingCursor(page.cursor, page.sort) : undefined;
  if (f.accountIds.length === 0 || f.statuses.length === 0) return { items: [], nextCursor: null };
  if (f.resourceSet) {
    const set = f.resourceIds ? f.resourceSet.filter((id) => f.resourceIds!.includes(id)) : f.resourceSet;
    if (set.length === 0) return { items: [], nextCursor: null };
    f = set.length <= SMALL_RESOURCE_SET ? { ...f, resourceIds: set, resourceSet: undefined } : { ...f, resourceSet: set };
  }
  // the partitions lead with the most selective equality filter: each of its indexes continues
  // with (status, severity, updated_at, id). Known exploited (1.5% of findings) has a partial account
  // index of its own: it bounds the read to the exploited findings, where a package's partitions could
  // walk all of its findings for none
  const lead: Lead =
    f.resourceIds?.length ? { col: 'resource_id', values: f.resourceIds }
      : f.vulnerabilityIds?.length ? { col: 'vulnerability_id', values: f.vulnerabilityIds }
        : f.exploitAvailable === true ? { col: 'account_id', values: f.accountIds, exploited: true }
          : f.packageName ? { col: 'package_name', values: [f.packageName] }
            : { col: 'account_id', values: f.accountIds };
  const timeCol = page.sort === 'firstObserved' ? 'first_observed_at' : 'updated_at';
  const key = sortKey(page.sort);
  const want = page.limit + 1;
  const residual = residualOf(store, f, lead, page.sort);

  /** the partial index's condition, written as in its definition (a literal: SQLite matches it by its text) */
  const exploited = (eb: Eb): Expression<SqlBool>[] => (lead.exploited ? [eb('exploit_available', '=', sql.lit(1))] : []);

  /**
   * partitions: (lead value, status[, severity]) equality ranges, each read in index order; or one
   * query over the IN lists when there would be too many. `severities` null: no severity partition
   * (the firstObserved sort, whose account index continues with first_observed_at after status).
   */
  const partitions = (severities: readonly string[] | null): ((eb: Eb) => Expression<SqlBool>)[] => {
    const sevs: readonly (string | null)[] = severities ?? [null];
    const n = lead.values.length * f.statuses.length * sevs.length;
    if (n > (page.maxPartitions ?? MAX_PARTITIONS)) {
      return [(eb) => eb.and([
        ...exploited(eb),
        eb(lead.col, 'in', [...lead.values]),
        eb('status', 'in', [...f.statuses]),
        ...(severities ? [eb('severity', 'in', [...severities])] : []),
      ])];
    }
    const out: ((eb: Eb) => Expression<SqlBool>)[] = [];
    for (const v of lead.values) {
      for (const st of f.statuses) {
        for (const sev of sevs) {
          out.push((eb) => eb.and([...exploited(eb), eb(lead.col, '=', v), eb('status', '=', st), ...(sev === null ? [] : [eb('severity', '=', sev)])]));
        }
      }
    }
    return out;
  };

  /**
   * one ordered read: the sort keys of each partition (read from its index, and the table only for
   * residual filters), merged and limited; then the rows of those keys alone and their resources, in
   * one statement. On SQLite the keys carry the rowid, which the index holds and the table is keyed by.
   */
  const read = async (parts: ((eb: Eb) => Expression<SqlBool>)[], after: { t: string; i: string } | undefined, n: number): Promise<FindingPageRow[]> => {
    const keyCols = store.dialect === 'sqlite' ? [key.as('sk'), 'id', sql<number>`rowid`.as('rid')] as const : [key.as('sk'), 'id'] as const;
    const afterKey = after && (page.sort === 'score' || page.sort === 'epss' ? Number(after.t) : after.t);
    const one = (p: (eb: Eb) => Expression<SqlBool>) => {
      let q = store.db.selectFrom('findings').select(keyCols).where((eb) => eb.and([p(eb), residual(eb)]));
      if (after) q = q.where(sql<SqlBool>`(${key}, ${sql.ref('id')}) < (${afterKey}, ${after.i})`);
      return q.orderBy(key, 'desc').orderBy('id', 'desc').limit(n);
    };
    let keys;
    if (parts.length === 1) keys = one(parts[0]);
    else {
      // each partition in a subquery of its own: SQLite allows ORDER BY/LIMIT only on the whole compound
      let u = store.db.selectFrom(one(parts[0]).as('p0')).selectAll();
      for (let k = 1; k < parts.length; k++) u = u.unionAll(store.db.selectFrom(one(parts[k]).as(`p${k}`)).selectAll());
      keys = u.orderBy('sk', 'desc').orderBy('id', 'desc').limit(n);
    }
    const q = store.db.selectFrom(keys.as('k'))
      .innerJoin('findings as f', (j) => (store.dialect === 'sqlite' ? j.on(sql<SqlBool>`${sql.ref('f.rowid')} = ${sql.ref('k.rid')}`) : j.onRef('f.id', '=', 'k.id')))
      .leftJoin('resources as r', 'r.id', 'f.resource_id')
      .select([...LIST_COLUMNS.map((c) => `f.${c}` as const), ...RESOURCE_COLUMNS])
      .orderBy('k.sk', 'desc').orderBy('k.id', 'desc');
    return pageRows(store, q);
  };

  let rows: FindingPageRow[] = [];
  if (page.sort === 'severity') {
    const wanted = f.severities?.length ? new Set<string>(f.severities) : null;
    for (let rank = cursor?.r ?? 0; rank < SEVERITY_ORDER.length && rows.length < want; rank++) {
      const sev = SEVERITY_ORDER[rank];
      if (wanted && !wanted.has(sev)) continue;
      const after = cursor && rank === cursor.r ? cursor : undefined;
      rows.push(...await read(partitions([sev]), after, want - rows.length));
    }
  } else {
    // the indexes continue with (severity, updated_at, id) after status: the updated sort reads one
    // partition per severity. first_observed_at is in the account index only, right after status:
    // with another lead, that sort reads the lead's matches and sorts them.
    // the score sort, like firstObserved, reads the account index (account, status, score, id)
    const sevs = page.sort === 'firstObserved' || page.sort === 'score' || page.sort === 'epss' ? null : f.severities?.length ? f.severities : SEVERITY_ORDER;
    rows = await read(partitions(sevs), cursor, want);
  }
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  const nextCursor = more && last
    ? encodeCursor({
      s: page.sort, ...(page.sort === 'severity' ? { r: SEVERITY_ORDER.indexOf(last.severity as Severity) } : {}),
      t: page.sort === 'score' ? String(last.score === null ? -1 : Number(last.score)) : page.sort === 'epss' ? String(last.epss === null ? -1 : Number(last.epss)) : last[timeCol], i: last.id,
    } satisfies FindingCursor)
    : null;
  return { items, nextCursor };
}

/**
 * The alias-group ids a vulnerability id names: its group (through vuln_groups) and the group's
 * members, plus the id itself (findings recorded before the groups changed keep a member id).
 */
export async function resolveVulnerabilityIds(store: Store, ids: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const raw of ids) {
    const q = raw.trim();
    const variants = [...new Set([q, q.toUpperCase(), q.replace(/^ghsa-/i, 'GHSA-')])];
    for (const v of variants) out.add(v);
    const g = await store.db.selectFrom('vuln_groups').select('group_id').where('member', 'in', variants).limit(1).executeTakeFirst();
    if (!g) continue;
    out.add(g.group_id);
    for (const m of await store.db.selectFrom('vuln_groups').select('member').where('group_id', '=', g.group_id).execute()) out.add(m.member);
  }
  return [...out];
}

/** One finding with its details, if it is in one of the accounts given. */
export async function getFinding(store: Store, id: string, accountIds: readonly string[]) {
  if (accountIds.length === 0) return undefined;
  return store.db.selectFrom('findings').select([...LIST_COLUMNS, 'details']).where('id', '=', id).where('account_id', 'in', [...accountIds]).executeTakeFirst();
}

/** id, type, name, ref and digest of resources, by id. */
export async function resourceSummaries(store: Store, ids: readonly string[]) {
  const out = new Map<string, ResourceRef>();
  const uniq = [...new Set(ids)];
  for (let i = 0; i < uniq.length; i += 500) {
    for (const r of await store.db.selectFrom('resources').select(['id', 'type', 'name', 'ref', 'digest']).where('id', 'in', uniq.slice(i, i + 500)).execute()) out.set(r.id, r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// resources and coverage

export interface ResourceFilter {
  accountIds: readonly string[];
  types?: readonly string[];
  coverageStatuses?: readonly string[];
  coverageReasons?: readonly string[];
  /** exact, or a pattern with `*` (case-insensitive) */
  name?: string;
  /** (issue 19) images a running container uses (true) or none does (false); other types never match */
  inUse?: boolean;
}

type ResourceRow = Selectable<Database['resources']>;
interface ResourceCursor { n: string; i: string }

function likePattern(glob: string): string {
  return glob.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

function resourceWhere(f: ResourceFilter) {
  return (eb: ExpressionBuilder<Database, 'resources'>) => {
    const and: Expression<SqlBool>[] = [eb('account_id', 'in', [...f.accountIds])];
    if (f.types?.length) and.push(eb('type', 'in', [...f.types]));
    if (f.coverageStatuses?.length) and.push(eb('coverage_status', 'in', [...f.coverageStatuses]));
    if (f.coverageReasons?.length) and.push(eb('coverage_reason', 'in', [...f.coverageReasons]));
    if (f.name !== undefined) {
      and.push(f.name.includes('*') ? sql<SqlBool>`lower(${sql.ref('name')}) like ${likePattern(f.name)} escape '\\'` : eb('name', '=', f.name));
    }
    if (f.inUse !== undefined) and.push(eb('type', '=', 'image'), eb('running_containers', f.inUse ? '>' : '=', 0));
    return eb.and(and);
  };
}

/** Resources by name then id. @throws VigilError VIGIL_INVALID_INPUT for a foreign cursor */
export async function listResources(store: Store, f: ResourceFilter, page: { limit: number; cursor?: string }): Promise<{ items: ResourceRow[]; nextCursor: string | null }> {
  if (f.accountIds.length === 0) return { items: [], nextCursor: null };
  let after: ResourceCursor | undefined;
  if (page.cursor) {
    const c = decodeJson(page.cursor) as Partial<ResourceCursor> | null;
    if (!c || typeof c.n !== 'string' || typeof c.i !== 'string') throw badCursor('fields');
    after = c as ResourceCursor;
  }
  let q = store.db.selectFrom('resources').selectAll().where(resourceWhere(f));
  if (after) q = q.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(after.n, after.i)));
  const rows = await q.orderBy('name').orderBy('id').limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ n: last.name, i: last.id } satisfies ResourceCursor) : null };
}

/** ACTIVE findings per resource and severity (reads only the (resource, status, severity) index). */
export async function activeCountsByResource(store: Store, resourceIds: readonly string[]): Promise<Map<string, Partial<Record<Severity, number>>>> {
  const out = new Map<string, Partial<Record<Severity, number>>>();
  for (let i = 0; i < resourceIds.length; i += 500) {
    const rows = await store.db.selectFrom('findings')
      .select((eb) => ['resource_id', 'severity', eb.fn.countAll<number>().as('n')])
      .where('resource_id', 'in', resourceIds.slice(i, i + 500)).where('status', '=', 'ACTIVE')
      .groupBy(['resource_id', 'severity']).execute();
    for (const r of rows) {
      let m = out.get(r.resource_id);
      if (!m) out.set(r.resource_id, (m = {}));
      m[r.severity as Severity] = Number(r.n);
    }
  }
  return out;
}

/** Resource counts by (type, coverage status, reason) among the resources the filter selects. */
export async function coverageSummary(store: Store, f: ResourceFilter): Promise<{ type: string; coverageStatus: string; coverageReason: string | null; count: number }[]> {
  if (f.accountIds.length === 0) return [];
  const rows = await store.db.selectFrom('resources')
    .select((eb) => ['type', 'coverage_status', 'coverage_reason', eb.fn.countAll<number>().as('n')])
    .where(resourceWhere(f)).groupBy(['type', 'coverage_status', 'coverage_reason']).execute();
  return rows.map((r) => ({ type: r.type, coverageStatus: r.coverage_status, coverageReason: r.coverage_reason, count: Number(r.n) }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.coverageStatus.localeCompare(b.coverageStatus) || (a.coverageReason ?? '').localeCompare(b.coverageReason ?? ''));
}

export async function getResource(store: Store, id: string, accountIds: readonly string[]): Promise<ResourceRow | undefined> {
  if (accountIds.length === 0) return undefined;
  return store.db.selectFrom('resources').selectAll().where('id', '=', id).where('account_id', 'in', [...accountIds]).executeTakeFirst();
}

export async function countPackages(store: Store, resourceId: string): Promise<number> {
  const r = await store.db.selectFrom('resource_packages').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
  return Number(r.n);
}

type PackageRow = Database['resource_packages'];
/** ecosystem, name, version, location, layer ('' for none): a total order of one resource's packages */
type PackageCursor = [string, string, string, string, string];

/** A resource's packages by (ecosystem, name, version, location, layer). */
export async function listPackages(store: Store, resourceId: string, page: { limit: number; cursor?: string }): Promise<{ items: PackageRow[]; nextCursor: string | null }> {
  let after: PackageCursor | undefined;
  if (page.cursor) {
    const c = decodeJson(page.cursor);
    if (!Array.isArray(c) || c.length !== 5 || !c.every((x) => typeof x === 'string')) throw badCursor('fields');
    after = c as PackageCursor;
  }
  const layer = sql<string>`coalesce(${sql.ref('layer')}, '')`;
  let q = store.db.selectFrom('resource_packages').selectAll().where('resource_id', '=', resourceId);
  if (after) {
    const [e, n, v, l, y] = after;
    q = q.where(sql<SqlBool>`(${sql.ref('ecosystem')}, ${sql.ref('name')}, ${sql.ref('version')}, ${sql.ref('location')}, ${layer}) > (${e}, ${n}, ${v}, ${l}, ${y})`);
  }
  const rows = await q.orderBy('ecosystem').orderBy('name').orderBy('version').orderBy('location').orderBy(layer).limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const l = items[items.length - 1];
  return { items, nextCursor: more && l ? encodeCursor([l.ecosystem, l.name, l.version, l.location, l.layer ?? ''] satisfies PackageCursor) : null };
}

// ---------------------------------------------------------------------------------------------
// events

/** Events of the accounts given after an id, ascending. */
export async function listEvents(store: Store, opts: { accountIds: readonly string[]; after: number; types?: readonly string[]; limit: number }) {
  if (opts.accountIds.length === 0) return [];
  let q = store.db.selectFrom('events').selectAll().where('id', '>', opts.after).where('account_id', 'in', [...opts.accountIds]);
  if (opts.types?.length) q = q.where('type', 'in', [...opts.types]);
  return q.orderBy('id').limit(opts.limit).execute();
}

/**
 * The events about one finding (every finding event's payload names it as findingId), oldest
 * first: read through the events_finding expression index (migration 0008_findings_01), which
 * the expression here must spell as the index does.
 */
export async function findingEvents(store: Store, findingId: string, accountId: string) {
  return store.db.selectFrom('events').selectAll()
    .where(sql<SqlBool>`${eventFindingId(store.dialect)} = ${findingId}`).where('account_id', '=', accountId)
    .orderBy('id').execute();
}
