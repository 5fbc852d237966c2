/**
 * The finding lifecycle, shared by recordScan and the rematch paths: desired findings (what
 * matching says now) are compared with the stored findings in scope, and the difference is written
 * with one event per state change.
 *
 * - new key → ACTIVE (or SUPPRESSED when a rule matches), finding.created;
 * - open finding seen again → last_observed_at (scans only); a change of severity, score, fix,
 *   exploit, version or suppression → updated_at and finding.updated;
 * - open finding in scope no longer desired → CLOSED with closed_at, finding.closed;
 * - CLOSED finding desired again within 7 days of closing → reopened under the same id with its
 *   first_observed_at, finding.updated; after 7 days → a new finding (the old row keeps its history
 *   under a retired key until purgeClosed removes it).
 */
import { hash } from 'node:crypto';
import { CompiledQuery, sql, type Transaction } from 'kysely';
import { normalizePackageName, SEVERITY_ORDER, type Package, type ScanFinding, type Severity, type VigilScoring } from '../model/index.ts';
import { contextKey, rescore, type ResourceScoreContext } from './score.ts';
import type { Database, Dialect, StatementCache } from '../store/index.ts';
import { findingIdOf, packageFindingKeyOf } from './keys.ts';
import { PACKAGE_FINDING_TYPES } from './network.ts';
import { firstMatchingRule, type RuleSubject } from './suppression.ts';
import { REOPEN_WINDOW_MS, type Db, type FindingStatus, type LifecycleCounts, type SuppressionRule } from './types.ts';

/** One advisory lock serializes the writers of findings on PostgreSQL; on SQLite the transaction takes the write lock at once. */
export async function lockFindings(trx: Transaction<Database> | Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(7419002)`.execute(trx);
  // SQLite: take the write lock now. A transaction that reads first and writes later fails at once
  // with SQLITE_BUSY ("database is locked", no busy wait) when another connection — the API
  // process's heartbeat while an isolated scan process records — committed in between; a write
  // statement first (this one changes nothing) makes it wait for the lock instead (busy_timeout)
  else await sql`update resources set id = id where 0`.execute(trx);
}

export interface EventRow {
  type: string;
  account_id: string;
  resource_id: string | null;
  payload: string;
  created_at: string;
}

export async function emitEvents(db: Db, events: EventRow[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) await db.insertInto('events').values(events.slice(i, i + 500)).execute();
}

/** A finding as matching says it should be now: the stored columns it sets, plus its key and aliases. */
export type DesiredFinding = Pick<FindingRow,
  | 'type' | 'vulnerability_id' | 'advisory_id' | 'package_ecosystem' | 'package_name' | 'package_version'
  | 'package_purl' | 'package_location' | 'package_locations' | 'package_layer' | 'score' | 'fix_available' | 'fixed_version'
  | 'exploit_available' | 'details' | 'details_hash' | 'state_hash'> & { key: string; severity: Severity; aliases: string[]; title: string; fix_availability: FixAvailability }
  // issue 16 (Vigil score): the EPSS probability column, and the scoring kept to re-score in a resource's context
  & { epss: number | null; scoring?: VigilScoring };

/** Of the matches folded into a finding, all (YES), none (NO) or only some (PARTIAL) have a fixed version. */
export type FixAvailability = 'YES' | 'NO' | 'PARTIAL';

/** The longest title stored (summaries are a line; a few sources put a paragraph there). */
const TITLE_MAX = 300;

/**
 * A finding's title: the advisory summary when there is one, else "<vulnerability id> - <package>"
 * (Amazon Inspector's form, "CVE-2023-1234 - openssl").
 */
export function titleOf(summary: string | undefined | null, vulnerabilityId: string, packageName: string): string {
  const s = summary?.replace(/\s+/g, ' ').trim();
  if (!s) return `${vulnerabilityId} - ${packageName}`;
  return s.length > TITLE_MAX ? `${s.slice(0, TITLE_MAX - 1)}…` : s;
}

export type FindingRow = Database['findings'];
type StoredFinding = { [K in keyof FindingRow]: FindingRow[K] };
/** A stored finding as the lifecycle compares it (details itself is not needed) */
export type ComparedFinding = Omit<StoredFinding, 'details'>;
/** the columns of {@link ComparedFinding} */
export const COMPARED_COLUMNS = ['id', 'finding_key', 'account_id', 'resource_id', 'type', 'vulnerability_id', 'advisory_id', 'package_ecosystem', 'package_name', 'package_version', 'package_purl', 'package_location', 'package_locations', 'package_layer', 'severity', 'score', 'fix_available', 'fixed_version', 'exploit_available', 'status', 'suppressed_by', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'details_hash', 'state_hash', 'title', 'fix_availability', 'epss'] as const;

/** The first location of a package: its resource_packages row's `location`. */
export const locationOf = (p: Package) => p.locations?.[0] ?? '';

const rank = (s: string) => { const i = SEVERITY_ORDER.indexOf(s as Severity); return i < 0 ? SEVERITY_ORDER.length : i; };
const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/**
 * < 0 when `a` should represent a folded finding rather than `b`. A total order (the installed
 * version breaks the last tie), so scans and rematches pick the same one whatever order the
 * packages come in.
 */
const better = (a: FindingTemplate, b: FindingTemplate) =>
  rank(a.severity) - rank(b.severity) || (b.score ?? -1) - (a.score ?? -1) || order(a.advisory_id, b.advisory_id) || order(a.package_version, b.package_version)
  // (issue 20) two installs of one version (two projects): the first location, then the layer
  || order(a.package_location, b.package_location) || order(a.package_layer ?? '', b.package_layer ?? '');

/**
 * Desired findings from a scan's packages and findings. Findings of one alias group on one package
 * (ecosystem and name: a GHSA and a PYSEC of the same CVE; two versions of a package in one
 * lockfile; the same package in two projects of an image) share a key and fold into one: the worst
 * severity, then the highest score, then the smallest advisory id represents them, and details
 * lists every advisory, version and location.
 */
export function desiredFindings(accountId: string, resourceId: string, packages: readonly Package[], findings: readonly ScanFinding[]): DesiredFinding[] {
  return keyedFindings(accountId, resourceId, findingTemplates(packages, findings));
}

/** A desired finding before it belongs to a resource: everything but its key. */
export type FindingTemplate = Omit<DesiredFinding, 'key'>;

/**
 * The desired findings of some packages without account and resource: folded by (type,
 * vulnerability, ecosystem, name) — exactly the key's parts once account and resource are fixed
 * (keys.ts, packageFindingKeyOf). `package_location` is the first of every location of the folded
 * packages (sorted), `details.locations` lists them all. Rematches compute them once per distinct
 * stored package and reuse them on every resource that has it.
 */
export function findingTemplates(packages: readonly Package[], findings: readonly ScanFinding[]): FindingTemplate[] {
  const byKey = new Map<string, { d: FindingTemplate; advisories: Set<string>; versions: Set<string>; locations: Set<string>; f: ScanFinding; fixes: number; matches: number }>();
  for (const f of findings) {
    const pkg = packages[f.packageIndex];
    if (!pkg) continue;
    const name = normalizePackageName(pkg.ecosystem, pkg.name);
    const location = locationOf(pkg);
    const key = `${f.type}\u0000${f.vulnerability}\u0000${pkg.ecosystem}\u0000${name}`;
    const d: FindingTemplate = {
      type: f.type, vulnerability_id: f.vulnerability, advisory_id: f.id,
      package_ecosystem: pkg.ecosystem, package_name: name, package_version: f.installedVersion, package_purl: pkg.purl ?? null,
      package_location: location, package_locations: null, package_layer: pkg.layer?.digest ?? null,
      severity: f.severity, score: f.scoring ? f.scoring.score : f.cvss?.score ?? null, fix_available: f.fixAvailable ? 1 : 0, fixed_version: f.fixedVersion ?? null,
      exploit_available: f.kev ? 1 : 0, aliases: f.aliases, details: '', details_hash: '', state_hash: '',
      title: '', fix_availability: 'NO', epss: f.scoring?.inputs.epss?.probability ?? null, ...(f.scoring ? { scoring: f.scoring } : {}),
    };
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { d, advisories: new Set([f.id]), versions: new Set([f.installedVersion]), locations: new Set(pkg.locations ?? []), f, fixes: f.fixAvailable ? 1 : 0, matches: 1 });
      continue;
    }
    prev.advisories.add(f.id);
    prev.versions.add(f.installedVersion);
    for (const l of pkg.locations ?? []) prev.locations.add(l);
    prev.matches++;
    if (f.fixAvailable) prev.fixes++;
    if (better(d, prev.d) < 0) {
      prev.d = d;
      prev.f = f;
    }
  }
  const out: FindingTemplate[] = [];
  for (const { d, advisories, versions, locations, f, fixes, matches } of byKey.values()) {
    const paths = [...locations].sort(order);
    if (paths.length) d.package_location = paths[0];
    d.package_locations = paths.length > 1 ? JSON.stringify(paths) : null;
    d.fix_availability = fixes === 0 ? 'NO' : fixes === matches ? 'YES' : 'PARTIAL';
    d.title = titleOf(f.summary, d.vulnerability_id, d.package_name);
    d.details = JSON.stringify({
      advisories: [...advisories].sort(), aliases: f.aliases, ...(f.summary ? { summary: f.summary } : {}),
      ...(f.cvss ? { cvss: f.cvss } : {}), ...(versions.size > 1 ? { versions: [...versions].sort() } : {}),
      // (issue 20) every file the package was found in: a lockfile and its node_modules, two projects
      ...(paths.length ? { locations: paths } : {}),
      // the searched name as stored (normalized), so a rematch from stored packages explains it alike
      explanation: { ...f.explanation, searched: { ...f.explanation.searched, name: normalizePackageName(f.explanation.searched.ecosystem, f.explanation.searched.name) } },
      ...(f.references?.length ? { references: f.references } : {}),
      ...(f.scoring ? { scoring: f.scoring } : {}),
    });
    d.details_hash = hash('sha256', d.details, 'hex');
    d.state_hash = stateHashOf(d);
    out.push(d);
  }
  return out;
}

/** The columns {@link stateHashOf} covers: a finding's state apart from account, resource and status. */
const STATE_COLUMNS = ['type', 'vulnerability_id', 'advisory_id', 'package_ecosystem', 'package_name', 'package_version', 'package_purl',
  'package_location', 'package_layer', 'severity', 'score', 'fix_available', 'fixed_version', 'exploit_available', 'details_hash'] as const;

/**
 * The findings table's state_hash: equal for the findings of one template on every resource, and
 * different whenever anything but account, resource or status differs, so a rematch can compare a
 * package's findings by (state_hash, suppressed_by) group without reading them.
 */
export function stateHashOf(t: Pick<FindingTemplate, (typeof STATE_COLUMNS)[number] | 'fix_availability'>): string {
  // fix_availability is hashed only when PARTIAL: YES and NO follow from fix_available (the
  // representative match's), so the hashes of findings stored before the column existed stay valid
  // (the title follows from details, vulnerability and package, all hashed already)
  const values: unknown[] = STATE_COLUMNS.map((c) => t[c] ?? null);
  if (t.fix_availability === 'PARTIAL') values.push('PARTIAL');
  return hash('sha256', JSON.stringify(values), 'hex');
}

/** Templates given to one resource of one account: keyed and in key order. */
export function keyedFindings(accountId: string, resourceId: string, templates: readonly FindingTemplate[]): DesiredFinding[] {
  const out = templates.map((t) => ({ ...t, key: packageFindingKeyOf(accountId, resourceId, t.type, t.vulnerability_id, t.package_ecosystem, t.package_name) }));
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The fields whose change is a finding.updated event (details-only changes update silently). */
const MATERIAL = ['severity', 'score', 'fix_available', 'fixed_version', 'exploit_available', 'package_version', 'advisory_id', 'status', 'suppressed_by', 'fix_availability'] as const;

export interface ResourceView {
  id: string;
  account_id: string;
  type: string;
  name: string;
  tags: string[];
}

export function ruleSubject(accountId: string, resource: ResourceView, d: DesiredFinding): RuleSubject {
  return {
    accountId, resource: { id: resource.id, type: resource.type, name: resource.name, tags: resource.tags },
    severity: d.severity, score: d.score, vulnerabilityId: d.vulnerability_id, advisoryId: d.advisory_id, aliases: d.aliases,
    packageEcosystem: d.package_ecosystem, packageName: d.package_name, packageVersion: d.package_version,
    location: d.package_location, locations: d.package_locations ? JSON.parse(d.package_locations) as string[] : undefined, layer: d.package_layer, fixAvailable: !!d.fix_available, exploitAvailable: !!d.exploit_available,
  };
}

const same = (a: unknown, b: unknown) => (a === null || a === undefined ? b === null || b === undefined : b !== null && b !== undefined && String(a) === String(b));

/** The stored columns a desired finding sets (`rule`: the suppression rule matching it, if any). */
export function fieldsOf(d: DesiredFinding | FindingTemplate, rule: SuppressionRule | undefined) {
  return {
    type: d.type, vulnerability_id: d.vulnerability_id, advisory_id: d.advisory_id,
    package_ecosystem: d.package_ecosystem, package_name: d.package_name, package_version: d.package_version, package_purl: d.package_purl,
    package_location: d.package_location, package_locations: d.package_locations ?? null, package_layer: d.package_layer, severity: d.severity, score: d.score,
    fix_available: d.fix_available, fixed_version: d.fixed_version, exploit_available: d.exploit_available,
    status: (rule ? 'SUPPRESSED' : 'ACTIVE') as FindingStatus, suppressed_by: rule?.id ?? null, details: d.details, details_hash: d.details_hash, state_hash: d.state_hash,
    title: d.title, fix_availability: d.fix_availability, epss: d.epss,
  };
}

/**
 * The update that brings an open stored finding to `fields` — the columns that changed (an index
 * none of whose columns is assigned is not rewritten), with `updated_at` — and its material
 * changes (a finding.updated event's), or null when nothing changed.
 */
export function updateOf(ex: ComparedFinding, fields: ReturnType<typeof fieldsOf>, at: string, observe: boolean): { set: Partial<StoredFinding>; changes?: Record<string, { from: unknown; to: unknown }> } | null {
  let changes: Record<string, { from: unknown; to: unknown }> | undefined;
  for (const k of MATERIAL) if (!same(ex[k], fields[k])) (changes ??= {})[k] = { from: ex[k], to: fields[k] };
  if (!changes && ex.details_hash === fields.details_hash && ex.state_hash === fields.state_hash && same(ex.package_purl, fields.package_purl) && same(ex.package_layer, fields.package_layer)) return null;
  const set: Partial<StoredFinding> = { updated_at: at, ...(observe ? { last_observed_at: at } : {}) };
  for (const k of Object.keys(fields) as (keyof typeof fields)[]) {
    if (k !== 'details' && !same(ex[k], fields[k])) (set as Record<string, unknown>)[k] = fields[k];
  }
  if (ex.details_hash !== fields.details_hash) set.details = fields.details;
  return changes ? { set, changes } : { set };
}

/**
 * Writes the difference between `desired` and `existing` (the stored findings in scope, any
 * status) for one resource. `observe`: a scan saw the resource now, so open findings it still has
 * get last_observed_at = now (rematches leave unchanged findings untouched).
 */
export async function applyFindings(trx: Db, args: {
  resource: ResourceView;
  desired: readonly DesiredFinding[];
  existing: readonly ComparedFinding[];
  rules: readonly SuppressionRule[];
  now: Date;
  observe: boolean;
  counts: LifecycleCounts;
  /** collect updates of open findings and events across resources, written by its flush (rematches) */
  deferred?: DeferredWrites;
}): Promise<void> {
  const { resource, desired, existing, rules, counts } = args;
  const accountId = resource.account_id;
  const at = args.now.toISOString();
  const reopenAfter = new Date(args.now.getTime() - REOPEN_WINDOW_MS).toISOString();
  const byKey = new Map(existing.map((f) => [f.finding_key, f]));
  const inserts: StoredFinding[] = [];
  const events: EventRow[] = [];
  const observed: string[] = [];
  const ev = (type: string, payload: unknown) => events.push({ type, account_id: accountId, resource_id: resource.id, payload: JSON.stringify(payload), created_at: at });
  const seen = new Set<string>();
  /** stored findings under a key of an older keying, carried over to a desired finding's key */
  const carried = new Set<string>();
  let legacy: Map<string, ComparedFinding[]> | undefined;

  for (const d of desired) {
    seen.add(d.key);
    const rule = rules.length ? firstMatchingRule(rules, ruleSubject(accountId, resource, d)) : undefined;
    const fields = fieldsOf(d, rule);
    const status = fields.status;
    let ex = byKey.get(d.key);
    if (!ex) {
      // (issue 20) a package finding stored under the previous keying (ecosystem/name@location) is
      // this one: carried over under the new key, its id and first_observed_at kept; the others that
      // fold into it (a lockfile's and its node_modules' copies) close below
      legacy ??= legacyFindings(accountId, resource.id, existing, reopenAfter);
      const old = legacy.get(d.key)?.shift();
      if (old) {
        await trx.updateTable('findings').set({ finding_key: d.key }).where('id', '=', old.id).execute();
        carried.add(old.id);
        ex = { ...old, finding_key: d.key };
      }
    }
    if (ex && ex.status === 'CLOSED' && ex.closed_at && ex.closed_at >= reopenAfter) {
      await trx.updateTable('findings').set({ ...fields, last_observed_at: at, updated_at: at, closed_at: null }).where('id', '=', ex.id).execute();
      counts.reopened++;
      ev('finding.updated', { findingId: ex.id, change: 'reopened', status, severity: d.severity, vulnerabilityId: d.vulnerability_id });
      continue;
    }
    if (ex && ex.status !== 'CLOSED') {
      const u = updateOf(ex, fields, at, args.observe);
      if (u) {
        if (args.deferred) args.deferred.update(u.set, ex.id);
        else await trx.updateTable('findings').set(u.set).where('id', '=', ex.id).execute();
        counts.updated++;
        if (u.changes) ev('finding.updated', { findingId: ex.id, changes: u.changes });
      } else {
        counts.unchanged++;
        if (args.observe) observed.push(ex.id);
      }
      continue;
    }
    if (ex) {
      // closed longer than the reopen window: the old row keeps its history under a retired key
      await trx.updateTable('findings').set({ finding_key: `${ex.finding_key}#${ex.id}` }).where('id', '=', ex.id).execute();
    }
    const id = findingIdOf(d.key, at);
    inserts.push({
      id, finding_key: d.key, account_id: accountId, resource_id: resource.id, ...fields,
      first_observed_at: at, last_observed_at: at, updated_at: at, closed_at: null,
    });
    counts.created++;
    ev('finding.created', { findingId: id, status, severity: d.severity, vulnerabilityId: d.vulnerability_id, advisoryId: d.advisory_id, package: { ecosystem: d.package_ecosystem, name: d.package_name, version: d.package_version } });
  }
  const closing = existing.filter((f) => f.status !== 'CLOSED' && !seen.has(f.finding_key) && !carried.has(f.id));
  for (let i = 0; i < closing.length; i += 500) {
    const ids = closing.slice(i, i + 500).map((f) => f.id);
    await trx.updateTable('findings').set({ status: 'CLOSED', closed_at: at, updated_at: at }).where('id', 'in', ids).execute();
  }
  for (const f of closing) {
    counts.closed++;
    ev('finding.closed', { findingId: f.id, vulnerabilityId: f.vulnerability_id, package: { ecosystem: f.package_ecosystem, name: f.package_name, version: f.package_version } });
  }
  for (let i = 0; i < inserts.length; i += 200) await trx.insertInto('findings').values(inserts.slice(i, i + 200)).execute();
  for (let i = 0; i < observed.length; i += 500) {
    await trx.updateTable('findings').set({ last_observed_at: at }).where('id', 'in', observed.slice(i, i + 500)).execute();
  }
  if (args.deferred) args.deferred.events.push(...events);
  else await emitEvents(trx, events);
}

/**
 * The stored package findings whose key is not the one {@link packageFindingKeyOf} gives them now
 * (written under an older keying: `ecosystem/name@location` before issue 20), by the key they have
 * now: the open ones first, then those closed within the reopen window (which reopen), each oldest
 * first. Retired keys (`<key>#<id>`) are history and stay as they are.
 */
function legacyFindings(accountId: string, resourceId: string, existing: readonly ComparedFinding[], reopenAfter: string): Map<string, ComparedFinding[]> {
  const out = new Map<string, ComparedFinding[]>();
  for (const f of existing) {
    if (!(PACKAGE_FINDING_TYPES as readonly string[]).includes(f.type) || f.finding_key.includes('#')) continue;
    if (f.status === 'CLOSED' && !(f.closed_at && f.closed_at >= reopenAfter)) continue;
    const k = packageFindingKeyOf(accountId, resourceId, f.type, f.vulnerability_id, f.package_ecosystem, f.package_name);
    if (k === f.finding_key) continue;
    const l = out.get(k);
    if (l) l.push(f);
    else out.set(k, [f]);
  }
  const open = (f: ComparedFinding) => (f.status === 'CLOSED' ? 1 : 0);
  for (const l of out.values()) l.sort((a, b) => open(a) - open(b) || order(a.first_observed_at, b.first_observed_at) || order(a.id, b.id));
  return out;
}

/**
 * Updates and events of many resources, written at once: findings given the same new values (the
 * findings of one template on every resource, after an advisory changed) are updated by one
 * statement. Whatever reads them must run after {@link DeferredWrites.flush}.
 */
export class DeferredWrites {
  private readonly updates = new Map<string, { set: Partial<StoredFinding>; ids: string[] }>();
  readonly events: EventRow[] = [];
  /** Sets `set` on the finding `id` (with the others given the same set). */
  update(set: Partial<StoredFinding>, id: string): void {
    // keyed without `details` (kilobytes): a set with details has its details_hash too (see applyFindings)
    const key = set.details === undefined ? JSON.stringify(set) : JSON.stringify({ ...set, details: undefined });
    const u = this.updates.get(key);
    if (u) u.ids.push(id);
    else this.updates.set(key, { set, ids: [id] });
  }
  /** Sets `set` on the findings `ids`: a set no other update of this batch has (not looked up). */
  updateDistinct(set: Partial<StoredFinding>, ids: string[]): void {
    this.updates.set(`\u0000${this.updates.size}`, { set, ids });
  }
  /**
   * `statements`: the store's SQLite statements (`store.raw.statements`), when `trx` is a transaction
   * on that connection — the updates then run as its prepared statements directly (thousands of
   * one-row updates after a re-score: Kysely's driver costs about as much per statement as SQLite's
   * own work).
   */
  async flush(trx: Db, statements?: StatementCache): Promise<void> {
    // one statement per set of new values; its SQL built once per (columns, number of ids) and run
    // again with other values (a rematch's updates share their columns, rarely their values)
    const compiled = new Map<string, string>();
    for (const { set, ids } of this.updates.values()) {
      const columns = Object.keys(set).sort() as (keyof StoredFinding)[];
      const values = columns.map((c) => set[c]);
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const shape = `${columns.join(',')}:${chunk.length}`;
        let text = compiled.get(shape);
        if (text === undefined) {
          const q = trx.updateTable('findings').set(Object.fromEntries(columns.map((c, k) => [c, values[k]]))).where('id', 'in', chunk).compile();
          compiled.set(shape, (text = q.sql));
        }
        if (statements) statements.get(text).run(...values, ...chunk);
        else await trx.executeQuery(CompiledQuery.raw(text, [...values, ...chunk]));
      }
    }
    this.updates.clear();
    await emitEvents(trx, this.events.splice(0));
  }
}

// ─── issue 16: the Vigil score in a resource's context ───────────────────────────────────────────

/** per template, per context key: the template re-scored (so equal contexts share one object and one state_hash) */
const contextual = new WeakMap<FindingTemplate, Map<string, FindingTemplate>>();

/**
 * A template re-scored in a resource's context (pull signal, reachability): score, severity,
 * details.scoring, details_hash and state_hash follow the context. Without any context signal the
 * template itself. Findings of one template on resources with equal contexts stay equal (the
 * rematch's state groups); resources with other contexts form groups of their own.
 */
export function contextualize<T extends FindingTemplate>(t: T, ctx: ResourceScoreContext): T {
  const key = contextKey(ctx);
  if (key === '' || !t.scoring) return t;
  let m = contextual.get(t);
  if (!m) contextual.set(t, (m = new Map()));
  const hit = m.get(key);
  if (hit) return hit as T;
  const scoring = rescore(t.scoring, ctx);
  const details = JSON.parse(t.details) as Record<string, unknown>;
  details.scoring = scoring;
  const out: T = { ...t, scoring, score: scoring.score, severity: scoring.severity };
  out.details = JSON.stringify(details);
  out.details_hash = hash('sha256', out.details, 'hex');
  out.state_hash = stateHashOf(out);
  m.set(key, out);
  return out;
}

/** {@link contextualize} over a resource's desired findings (keys kept). */
export function contextualizeAll<T extends FindingTemplate>(list: readonly T[], ctx: ResourceScoreContext): T[] {
  return contextKey(ctx) === '' ? [...list] : list.map((t) => contextualize(t, ctx));
}
