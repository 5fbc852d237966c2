/**
 * Matching: inventory × advisories → findings with an explanation, unknown verdicts with their
 * reason, and fix guidance; and the reverse, every package in a set of inventories that one
 * advisory affects.
 *
 * Rules (issue "Version schemes and advisory matching"; DESIGN.md "Matching rules worth knowing"):
 * - an advisory's `affected[]` entry applies when its ecosystem equals the searched ecosystem
 *   exactly ("Debian:11" is not "Debian:12", "PyPI" is not "Debian:11") and its name equals the
 *   searched name after the ecosystem's normalization;
 * - Debian/Ubuntu/Alpine packages are searched by source package / origin (see targets.ts), so
 *   OS packages never meet language-ecosystem or NVD ranges;
 * - language packages with `ownedBy` are skipped with a recorded reason (matched through the owner);
 * - withdrawn records never match; `MAL-*` records give findings of type "malicious";
 * - fix guidance: the smallest fixed version above the installed one that leaves no advisory of
 *   the package open.
 */
import { normalizePackageName, type Inventory, type OsvRecord, type Package } from '../model/index.ts';
import {
  compileAffected, evaluateCompiled, findHit, hitWhy, isClean, locate, rankUniverse,
  type CompiledAffected, type EvaluateOptions, type Located, type MatchDetail, type ParseCache, type ParsedSlot, type SharedHit, type SkippedRange, type Universe,
} from './ranges.ts';
import { packageKey, searchInto, targetOf, isOsEcosystem, type Search, type Target } from './targets.ts';
import { HIT, PackedCursor, packedHit, packGroup, type PackedGroup } from './packed.ts';

export * from './ranges.ts';
export { targetOf, searchOf, searchInto, packageKey, isOsEcosystem, searchesBySource, OS_ECOSYSTEMS, type Target } from './targets.ts';

/** A record as the store returns it (raw JSON, parsed on demand) or already parsed. */
export type AdvisoryRow = OsvRecord | { id: string; json: string };

/** (exact ecosystem, name) → the records naming that package. `packageLookup(store)` is one. */
export type AdvisoryLookup = (ecosystem: string, name: string) => readonly AdvisoryRow[] | Promise<readonly AdvisoryRow[]>;

/** Every advisory entry of one package, compiled and ranked together. */
export interface AffectedGroup {
  ecosystem: string;
  name: string;
  /** in record id order */
  entries: GroupEntry[];
  universes: Map<string, Universe>;
  /** ids of withdrawn records naming the package (never matched) */
  withdrawn: string[];
  /** fix guidance candidates, built on the first fix guidance asked of the group */
  fix?: FixCandidates;
  /** the ecosystem's scheme id (of the first entry that has one): the order fix guidance ranks in */
  ecoScheme: string | undefined;
  /**
   * memo: installed rank in `ecoScheme` → the fix guidance last given at it (given again to the
   * packages at that rank whose open advisories are the same, which is nearly always; reports are
   * read-only). On the group itself, which matching has just read.
   */
  given: Map<number, FixGuidance> | undefined;
  /** the entries' "not affected" test packed in one typed array, built on first use */
  packed?: PackedGroup;
}

/**
 * One `affected[]` entry of a group, with what a match of it repeats (so that building a match
 * reads this object only): the record's finding type ("malicious" for MAL-*), id, aliases and
 * summary, and the entry's fixed versions (in version order), distro status and skipped ranges.
 */
export interface GroupEntry {
  record: OsvRecord;
  compiled: CompiledAffected;
  type: FindingType;
  id: string;
  aliases: string[];
  summary: string | undefined;
  fixed: string[];
  status: string | undefined;
  skipped: SkippedRange[];
  /**
   * memo: installed version string → the match the object path found for it (listed versions,
   * entries the packed test can't judge); bounded
   */
  byVersion: Map<string, Match> | undefined;
}

/** Every fixed version the group's advisories name, ready for {@link fixGuidance}. */
interface FixCandidates {
  /** distinct fixed versions the eco scheme ranks, by (rank, string) */
  sorted: FixCandidate[];
  /** their ranks, for the binary search */
  ranks: Int32Array;
  /** memo: index of the first candidate at or after i that every entry judges "not affected" (`sorted.length`: none; -1: not known yet) */
  cleanFrom: Int32Array;
  /** record id → the highest eco-scheme rank of its fixed versions */
  maxRank: Map<string, number>;
}

interface FixCandidate {
  value: string;
  loc: Located;
  rank: number;
  /** memo: every entry of the group judges this version "not affected" */
  clean?: boolean;
  /** memo: the records that do not judge it "not affected" (affected or unknown) */
  dirty?: Set<string>;
}

/** Record id order (UTF-16 code units). */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Compiles the entries of `records` that name (ecosystem, name) exactly. The entries are in record
 * id order (a record's own entries in their order), so that matching emits its matches and unknown
 * verdicts already sorted; of records sharing an id, the first one given counts.
 */
export function buildGroup(ecosystem: string, name: string, records: Iterable<OsvRecord>, cache?: ParseCache): AffectedGroup {
  const norm = normalizePackageName(ecosystem, name);
  const entries: AffectedGroup['entries'] = [];
  const withdrawn: string[] = [];
  const seen = new Set<string>();
  for (const record of [...records].sort(byId)) {
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    if (record.withdrawn) {
      withdrawn.push(record.id);
      continue;
    }
    for (const a of record.affected ?? []) {
      if (!a.package || a.package.ecosystem !== ecosystem) continue;
      if (normalizePackageName(ecosystem, a.package.name) !== norm) continue;
      const compiled = compileAffected(record.id, a, ecosystem, cache);
      entries.push({
        record, compiled, type: record.id.startsWith('MAL-') ? 'malicious' : 'vulnerability',
        id: record.id, aliases: record.aliases ?? [], summary: record.summary || undefined,
        fixed: [], status: compiled.status, skipped: compiled.skipped, byVersion: undefined,
      });
    }
  }
  const universes = rankUniverse(entries.map((e) => e.compiled));
  for (const e of entries) e.fixed = e.compiled.fixedSorted!;
  const ecoScheme = entries.find((e) => e.compiled.schemeId)?.compiled.schemeId;
  return { ecosystem, name: norm, entries, universes, withdrawn, fix: undefined, packed: undefined, ecoScheme, given: undefined };
}

function parseRow(row: AdvisoryRow): OsvRecord {
  return 'json' in row && typeof row.json === 'string' ? (JSON.parse(row.json) as OsvRecord) : (row as OsvRecord);
}

/**
 * The whole advisory set in memory, indexed by (exact ecosystem, normalized name). Groups are
 * compiled on first use (or all at once with {@link AdvisoryIndex.prepare}).
 */
export class AdvisoryIndex {
  private readonly byKey = new Map<string, IndexSlot>();
  /**
   * the same by exact ecosystem, then normalized name (no key string to build per lookup): the
   * slot, or once compiled its group itself (one object less to reach per lookup)
   */
  private readonly byEco = new Map<string, Map<string, IndexSlot | AffectedGroup>>();
  private count = 0;
  /** parsed bounds and installed versions, shared by every group of the index */
  readonly parseCache: ParseCache = new Map();

  static fromRecords(records: Iterable<OsvRecord>): AdvisoryIndex {
    const ix = new AdvisoryIndex();
    for (const r of records) ix.add(r);
    return ix;
  }

  /** Adds a record under every package its `affected[]` names. */
  add(record: OsvRecord): void {
    this.count++;
    const keys = new Set<string>();
    for (const a of record.affected ?? []) {
      if (!a.package?.ecosystem || !a.package.name) continue;
      const key = packageKey(a.package.ecosystem, a.package.name);
      if (keys.has(key)) continue;
      keys.add(key);
      let slot = this.byKey.get(key);
      if (!slot) this.byKey.set(key, (slot = { ecosystem: a.package.ecosystem, name: a.package.name, records: [], group: undefined }));
      let m = this.byEco.get(a.package.ecosystem);
      if (!m) this.byEco.set(a.package.ecosystem, (m = new Map()));
      m.set(normalizePackageName(a.package.ecosystem, a.package.name), slot); // (its group is compiled again)
      slot.records.push(record);
      slot.group = undefined;
    }
  }

  get records(): number {
    return this.count;
  }

  get packages(): number {
    return this.byKey.size;
  }

  /** The compiled group of a package key (see {@link packageKey}), or undefined when no record names it. */
  groupByKey(key: string): AffectedGroup | undefined {
    const slot = this.byKey.get(key);
    if (!slot) return undefined;
    slot.group ??= buildGroup(slot.ecosystem, slot.name, slot.records, this.parseCache);
    return slot.group;
  }

  group(ecosystem: string, name: string): AffectedGroup | undefined {
    const m = this.byEco.get(ecosystem);
    if (!m) return undefined;
    // a name already in its normalized spelling is found as it is (normalization is idempotent)
    let key = name;
    let x = m.get(key);
    if (!x) {
      key = normalizePackageName(ecosystem, name);
      if (key === name) return undefined;
      x = m.get(key);
      if (!x) return undefined;
    }
    if (!('records' in x)) return x;
    x.group ??= buildGroup(x.ecosystem, x.name, x.records, this.parseCache);
    m.set(key, x.group);
    return x.group;
  }

  /** Compiles and packs every group now, and ranks its fix candidates, so that matching pays no compile cost. */
  prepare(): void {
    for (const slot of this.byKey.values()) {
      const g = this.group(slot.ecosystem, slot.name)!;
      g.packed ??= packGroup(g.entries.map((e) => e.compiled), g.universes);
      fixCandidates(g);
    }
  }

  /** The records naming a package (an {@link AdvisoryLookup}). */
  readonly lookup: AdvisoryLookup = (ecosystem, name) => this.byKey.get(packageKey(ecosystem, name))?.records ?? [];

  /** Every (ecosystem, name) with records, as [ecosystem, name] pairs. */
  *keys(): Iterable<[string, string]> {
    for (const s of this.byKey.values()) yield [s.ecosystem, s.name];
  }
}

interface IndexSlot {
  ecosystem: string;
  name: string;
  records: OsvRecord[];
  group: AffectedGroup | undefined;
}

/** What a finding is about. */
export type FindingType = 'vulnerability' | 'malicious';

/**
 * One advisory that affects one package, with why. What was searched (ecosystem, name, version) is
 * the package report's `searched`, the same for all its matches; so a match depends only on the
 * advisory entry and where the version falls in it, and is one object shared by every package
 * there (treat it as read-only).
 */
export interface Match {
  type: FindingType;
  /** the record id (GHSA-…, PYSEC-…, DSA-…, ALSA-…, MAL-…) */
  id: string;
  aliases: string[];
  summary?: string;
  detail: MatchWhy;
}

/** A match's explanation: {@link MatchDetail} but what was searched, which is the package report's. */
export type MatchWhy = Omit<MatchDetail, 'searched'>;

/** An advisory whose verdict for the package is unknown, and why. Shown to the user, never dropped. */
export interface UnknownMatch {
  id: string;
  reason: string;
}

/** Fix guidance for one package. */
export interface FixGuidance {
  /**
   * The smallest version above the installed one that no advisory of the package affects (in the
   * searched version's terms: the *source* version for Debian/Ubuntu/Alpine), or null.
   */
  version: string | null;
  /** the advisories open now, which that version closes */
  closes: string[];
  /** why there is no version (null), when there is none */
  reason?: string;
  /**
   * When `version` is null because some open advisories have no fix at all (unfixed distro
   * issues, abandoned modules, malicious packages): the smallest version that closes all the
   * others, and the ones it leaves open.
   */
  partial?: { version: string; leavesOpen: string[] };
}

/** Everything matching found for one package. */
export interface PackageReport {
  package: Package;
  searched: { ecosystem: string; name: string; version: string; via: 'name' | 'source' };
  matches: Match[];
  unknown: UnknownMatch[];
  /** present when there are matches */
  fix?: FixGuidance;
}

export interface MatchReport {
  /** packages with at least one match or unknown verdict, in input order */
  packages: PackageReport[];
  /** packages not matched, with the reason (owned by an OS package, no release, no version) */
  skipped: { package: Package; reason: string }[];
  stats: {
    packages: number;
    searched: number;
    /** package × affected-entry evaluations (fix guidance not counted) */
    evaluations: number;
    matches: number;
    unknown: number;
    skipped: number;
  };
}

export interface MatchOptions {
  /** compute fix guidance (default true) */
  fixGuidance?: boolean;
  /** hide distro findings that have no fix (unfixed, no-dsa, end-of-life, …); default false */
  hideUnfixed?: boolean;
}

/**
 * Matches one package against its group. Exported for the engine and benchmarks; most callers use
 * {@link matchInventory}.
 */
export function matchInGroup(
  pkg: Package,
  target: Extract<Target, { key: string }>,
  group: AffectedGroup | undefined,
  opts: MatchOptions = {},
  counter?: { evaluations: number },
  cache?: ParseCache,
): PackageReport {
  return matchPackage(pkg, target, group, opts, counter, cache) ?? {
    package: pkg,
    searched: { ecosystem: target.ecosystem, name: target.name, version: target.version, via: target.via },
    matches: [],
    unknown: [],
  };
}

/** one cursor for every package: matching is synchronous */
const cursor = new PackedCursor();
/** the matches of the package being matched, copied into an array of their exact number at the end */
const found: Match[] = [];
/** `unknown` of the reports that have none: one shared, frozen empty array (reports are read-only) */
const NO_UNKNOWN: UnknownMatch[] = Object.freeze([]) as unknown as UnknownMatch[];

/**
 * {@link matchInGroup}, but undefined (and nothing allocated) when the package has no match and no
 * unknown verdict: most packages.
 */
function matchPackage(
  pkg: Package,
  target: { ecosystem: string; name: string; version: string; via: 'name' | 'source' },
  group: AffectedGroup | undefined,
  opts: MatchOptions,
  counter: { evaluations: number } | undefined,
  cache: ParseCache | undefined,
): PackageReport | undefined {
  if (!group) return undefined;
  const packed = group.packed ?? (group.packed = packGroup(group.entries.map((e) => e.compiled), group.universes));
  const n = packed.n;
  if (n === 0) return undefined;
  const version = target.version;
  cursor.reset(packed, version, cache);
  let at: Located | undefined; // built for the first entry the packed test can't explain
  let nMatches = 0;
  let unknown: UnknownMatch[] | undefined;
  // one verdict per record (a record's entries are consecutive in the group): a hit in any of its
  // entries wins, then unknown, then not affected; once a record hits, its further entries are not
  // evaluated (nor counted)
  let evaluations = 0;
  for (let i = 0; i < n;) {
    const end = cursor.next(i);
    let t: Match | undefined;
    let unknownReason: string | undefined; // the first unknown verdict of the record
    for (let j = i; j < end; j++) {
      evaluations++;
      const test = cursor.test(j);
      if (test === 0) continue; // not affected: the common answer, found in the packed code
      if (test >= HIT) {
        // a hit in a range: its match is shared by the interval
        t = packed.matches[test - HIT] ?? (packed.matches[test - HIT] = matchOf(group.entries[j], packedHit(packed, test - HIT)));
        break;
      }
      const e = group.entries[j];
      // a version this entry was found to affect before (by the object path below) is affected again
      t = e.byVersion?.get(version);
      if (t) break;
      const c = e.compiled;
      at ??= locate(version, group.universes, cache);
      if (test === 2 && isClean(c, at)) continue;
      if (c.status !== 'not-affected') {
        const h = findHit(c, at);
        if (h && c.status !== 'undetermined') {
          t = matchOf(e, h);
          const memo = (e.byVersion ??= new Map());
          if (memo.size >= BY_VERSION_MAX) memo.clear();
          memo.set(version, t);
          break;
        }
      }
      if (unknownReason === undefined) {
        const v = evaluateCompiled(c, at);
        if ('unknown' in v) unknownReason = v.unknown;
      }
    }
    const first = i;
    i = end;
    if (t) {
      if (opts.hideUnfixed && !t.detail.fixAvailable && t.detail.status && isOsEcosystem(target.ecosystem)) continue;
      found[nMatches++] = t;
    } else if (unknownReason !== undefined) {
      (unknown ??= []).push({ id: group.entries[first].id, reason: unknownReason });
    }
  }
  if (counter) counter.evaluations += evaluations;
  if (nMatches === 0 && !unknown) return undefined;
  // a group's records are in id order (see buildGroup): so are its matches and unknown verdicts
  const searchedAs = { ecosystem: target.ecosystem, name: target.name, version, via: target.via };
  const matches = found.slice(0, nMatches);
  for (let k = 0; k < nMatches; k++) found[k] = undefined as never; // (holds nothing past the call)
  if (nMatches > 0 && opts.fixGuidance !== false) {
    // the installed version's rank in the ecosystem scheme: from the cursor when it has the scheme
    const { ecoScheme } = group;
    const installed = ecoScheme ? cursor.rankOf(ecoScheme) ?? (at ?? locate(version, group.universes, cache)).rank(ecoScheme) : '';
    return { package: pkg, searched: searchedAs, matches, unknown: unknown ?? NO_UNKNOWN, fix: fixGuidanceAt(group, installed, matches) };
  }
  return { package: pkg, searched: searchedAs, matches, unknown: unknown ?? NO_UNKNOWN };
}

/** Versions an entry's {@link GroupEntry.byVersion} memo keeps before it starts over. */
const BY_VERSION_MAX = 256;

/** The match of entry `e` with the hit `h` (one literal per shape: no property array added afterwards). */
function matchOf(e: GroupEntry, h: SharedHit): Match {
  const detail = hitWhy(e.id, e.fixed, e.status, e.skipped, h);
  return e.summary
    ? { type: e.type, id: e.id, aliases: e.aliases, detail, summary: e.summary }
    : { type: e.type, id: e.id, aliases: e.aliases, detail };
}

/** The fixed versions of a group, ranked and sorted once (the part of fix guidance that does not depend on the installed version). */
function fixCandidates(group: AffectedGroup): FixCandidates {
  if (group.fix) return group.fix;
  const ecoScheme = group.ecoScheme;
  const sorted: FixCandidate[] = [];
  const maxRank = new Map<string, number>();
  if (ecoScheme) {
    const rankOf = new Map<string, number | string>();
    for (const { record, compiled } of group.entries) {
      for (const b of compiled.fixedBounds) {
        let rank = rankOf.get(b.value);
        if (rank === undefined) {
          const loc = locate(b.value, group.universes);
          rank = loc.rank(ecoScheme);
          rankOf.set(b.value, rank);
          if (typeof rank === 'number') sorted.push({ value: b.value, loc, rank });
        }
        if (typeof rank === 'number') {
          const prev = maxRank.get(record.id);
          if (prev === undefined || rank > prev) maxRank.set(record.id, rank);
        }
      }
    }
    sorted.sort((a, b) => a.rank - b.rank || a.value.localeCompare(b.value));
  }
  const ranks = Int32Array.from(sorted, (c) => c.rank);
  return (group.fix = { sorted, ranks, cleanFrom: new Int32Array(sorted.length).fill(-1), maxRank });
}

/** The index of the first candidate at or after `from` that every entry of the group judges "not affected" (`sorted.length`: none). */
function firstClean(group: AffectedGroup, fix: FixCandidates, from: number): number {
  const { sorted, cleanFrom } = fix;
  const n = sorted.length;
  let i = from;
  let found = n;
  for (; i < n; i++) {
    const k = cleanFrom[i];
    if (k >= 0) {
      found = k;
      break;
    }
    if (cleanEverywhere(group, sorted[i])) {
      found = i;
      break;
    }
  }
  for (let j = from; j < i && j < n; j++) cleanFrom[j] = found;
  if (i < n) cleanFrom[i] = found;
  return found;
}

/** Does every entry of the group judge the candidate "not affected"? (memoized) */
function cleanEverywhere(group: AffectedGroup, c: FixCandidate): boolean {
  if (c.clean === undefined) c.clean = c.dirty ? c.dirty.size === 0 : group.entries.every(({ compiled }) => isClean(compiled, c.loc));
  return c.clean;
}

/** Does every entry of the group, except those of the `ignore`d records, judge the candidate "not affected"? */
function cleanExcept(group: AffectedGroup, c: FixCandidate, ignore: ReadonlySet<string>): boolean {
  if (!c.dirty) {
    c.dirty = new Set();
    for (const { record, compiled } of group.entries) if (!isClean(compiled, c.loc)) c.dirty.add(record.id);
    c.clean = c.dirty.size === 0;
  }
  for (const id of c.dirty) if (!ignore.has(id)) return false;
  return true;
}

/**
 * The smallest fixed version (named by any advisory of the package) above the installed one at
 * which every advisory of the package — the open ones and all others — is judged "not affected".
 * A candidate that any advisory leaves unknown is not recommended.
 */
export function fixGuidance(group: AffectedGroup, at: Located, open: readonly Match[]): FixGuidance {
  return fixGuidanceAt(group, group.ecoScheme ? at.rank(group.ecoScheme) : '', open);
}

/** {@link fixGuidance} for the installed version's rank in the group's ecosystem scheme (or why it has none). */
function fixGuidanceAt(group: AffectedGroup, installed: number | string, open: readonly Match[]): FixGuidance {
  if (typeof installed === 'number') {
    const given = group.given?.get(installed);
    if (given && closesAll(given, open)) return given;
    const out = guidanceAt(group, fixCandidates(group), installed, open);
    (group.given ??= new Map()).set(installed, out);
    return out;
  }
  return guidanceAt(group, fixCandidates(group), installed, open);
}

/** Does `given` close exactly the `open` advisories (in their order)? */
function closesAll(given: FixGuidance, open: readonly Match[]): boolean {
  const { closes } = given;
  if (closes.length !== open.length) return false;
  for (let i = 0; i < open.length; i++) if (open[i].id !== closes[i]) return false;
  return true;
}

function guidanceAt(group: AffectedGroup, fix: FixCandidates, installed: number | string, open: readonly Match[]): FixGuidance {
  const { sorted, ranks, maxRank } = fix;
  const { ecoScheme } = group;
  const closes = open.map((m) => m.id);
  // matchPackage gives the matches in id order; sort only when they are not
  for (let i = 1; i < closes.length; i++) {
    if (closes[i - 1] > closes[i]) {
      closes.sort();
      break;
    }
  }
  if (!ecoScheme) return { version: null, closes, reason: `no version scheme for ${group.ecosystem}` };
  if (typeof installed === 'string') return { version: null, closes, reason: installed };
  // the candidates above the installed version: a suffix of the sorted list
  let lo = 0;
  let hi = ranks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranks[mid] <= installed) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  if (first === sorted.length) return { version: null, closes, reason: 'no advisory names a fixed version above the installed one' };
  const clean = firstClean(group, fix, first);
  if (clean < sorted.length) return { version: sorted[clean].value, closes };
  // open advisories no version above the installed one fixes
  const unfixable = new Set(open.filter((m) => !m.detail.fixAvailable && !((maxRank.get(m.id) ?? -Infinity) > installed)).map((m) => m.id));
  const out: FixGuidance = {
    version: null,
    closes,
    reason: unfixable.size > 0
      ? `no fix exists for ${[...unfixable].sort().join(', ')}`
      : 'no fixed version named by the advisories leaves every advisory of the package closed',
  };
  if (unfixable.size > 0 && unfixable.size < open.length) {
    for (let i = first; i < sorted.length; i++) {
      if (cleanExcept(group, sorted[i], unfixable)) {
        out.partial = { version: sorted[i].value, leavesOpen: [...unfixable].sort() };
        break;
      }
    }
  }
  return out;
}

function emptyReport(packages: number): MatchReport {
  return { packages: [], skipped: [], stats: { packages, searched: 0, evaluations: 0, matches: 0, unknown: 0, skipped: 0 } };
}

function finish(report: MatchReport, r: PackageReport | undefined): void {
  if (!r) return;
  report.stats.matches += r.matches.length;
  report.stats.unknown += r.unknown.length;
  if (r.matches.length > 0 || r.unknown.length > 0) report.packages.push(r);
}

/**
 * Matches an inventory, synchronously, against an in-memory {@link AdvisoryIndex}.
 */
export function matchInventorySync(packages: readonly Package[], index: AdvisoryIndex, opts: MatchOptions = {}): MatchReport {
  const report = emptyReport(packages.length);
  const t: Search = { ecosystem: '', name: '', version: '', via: 'name' };
  for (const pkg of packages) {
    const not = searchInto(pkg, t);
    if (not && 'skip' in not) {
      report.skipped.push({ package: pkg, reason: not.skip });
      report.stats.skipped++;
      continue;
    }
    if (not) {
      finish(report, { package: pkg, searched: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, via: 'name' }, matches: [], unknown: [{ id: '', reason: not.unknown }] });
      continue;
    }
    report.stats.searched++;
    finish(report, matchPackage(pkg, t, index.group(t.ecosystem, t.name), opts, report.stats, index.parseCache));
  }
  return report;
}

/**
 * Matches one inventory against the vulnerability database: an {@link AdvisoryIndex} in memory,
 * or any {@link AdvisoryLookup} (e.g. `packageLookup(store)` from vulndb/query.ts). Records
 * fetched through a lookup are compiled once per call.
 */
export async function matchInventory(packages: readonly Package[], source: AdvisoryIndex | AdvisoryLookup, opts: MatchOptions = {}): Promise<MatchReport> {
  if (source instanceof AdvisoryIndex) return matchInventorySync(packages, source, opts);
  // groups by ecosystem, then normalized name (no key string per package); null for a name no
  // record names (most of a big lockfile's: one shared null, not an empty group each)
  const groups = new Map<string, Map<string, AffectedGroup | null>>();
  const cache: ParseCache = new Map();
  const report = emptyReport(packages.length);
  const t: Search = { ecosystem: '', name: '', version: '', via: 'name' };
  for (const pkg of packages) {
    const not = searchInto(pkg, t);
    if (not && 'skip' in not) {
      report.skipped.push({ package: pkg, reason: not.skip });
      report.stats.skipped++;
      continue;
    }
    if (not) {
      finish(report, { package: pkg, searched: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, via: 'name' }, matches: [], unknown: [{ id: '', reason: not.unknown }] });
      continue;
    }
    report.stats.searched++;
    let byName = groups.get(t.ecosystem);
    if (!byName) groups.set(t.ecosystem, (byName = new Map()));
    const norm = normalizePackageName(t.ecosystem, t.name);
    let g = byName.get(norm);
    if (g === undefined) {
      const rows = await source(t.ecosystem, t.name);
      g = rows.length ? buildGroup(t.ecosystem, t.name, rows.map(parseRow), cache) : null;
      byName.set(norm, g);
    }
    if (g) finish(report, matchPackage(pkg, t, g, opts, report.stats, cache));
  }
  return report;
}

/** One package that one advisory affects (or may affect: `unknown`). */
export interface AffectedPackage {
  inventory: string;
  package: Package;
  verdict: { affected: true; detail: MatchDetail } | { unknown: string };
}

interface IndexedPackage {
  inventory: string;
  package: Package;
  /**
   * identity of the package in findAffected's results, as a number: packages with the same
   * (inventory, ecosystem, name, version, locations) share it (assigned on the package's first hit)
   */
  uid: number;
}

/** The packages of one (key, searched version), with the version parsed once for the life of the index. */
interface VersionSlot extends ParsedSlot {
  version: string;
  pkgs: IndexedPackage[];
  /** the findAffected call that last judged this slot affected (see {@link InventoryIndex.nextCall}) */
  done: number;
}

/**
 * Packages of many inventories by (exact ecosystem, normalized searched name) and then by searched
 * version, so that one advisory is evaluated once per distinct version. Built once when the
 * inventories change; the reverse lookup ({@link findAffected}) then touches only the packages the
 * advisory names, and parses each distinct installed version once for the life of the index.
 */
export class InventoryIndex {
  private readonly byKey = new Map<string, Map<string, VersionSlot>>();
  private count = 0;
  /** parsed advisory bounds (and installed versions in other schemes), shared by every findAffected call */
  readonly parseCache: ParseCache = new Map();
  /** dedupe identity → uid of the packages hit so far */
  private readonly uids = new Map<string, number>();

  /** per uid: the findAffected call that last reported the package, and where in its results */
  private seenCall = new Int32Array(1024);
  private seenAt = new Int32Array(1024);
  private calls = 0;

  /** The package's identity in findAffected's results (equal packages of one inventory share it). */
  uid(p: IndexedPackage): number {
    if (p.uid < 0) {
      const k = `${p.inventory}\u0000${p.package.ecosystem}\u0000${p.package.name}\u0000${p.package.version}\u0000${(p.package.locations ?? []).join('|')}`;
      let u = this.uids.get(k);
      if (u === undefined) this.uids.set(k, (u = this.uids.size));
      p.uid = u;
    }
    return p.uid;
  }

  /** A new findAffected call's stamp. */
  nextCall(): number {
    if (this.calls === 0x7fffffff) {
      // stamps start over: forget every older one
      this.calls = 0;
      this.seenCall.fill(0);
      for (const m of this.byKey.values()) for (const s of m.values()) s.done = 0;
    }
    return ++this.calls;
  }

  /**
   * Where call `call` reported the package `p` (a package equal to it) in its results, or -1 after
   * noting that it is about to report it at `at`.
   */
  seen(p: IndexedPackage, call: number, at: number): number {
    const u = this.uid(p);
    if (u >= this.seenCall.length) {
      const n = Math.max(u + 1, 2 * this.seenCall.length);
      const c = new Int32Array(n);
      c.set(this.seenCall);
      this.seenCall = c;
      const a = new Int32Array(n);
      a.set(this.seenAt);
      this.seenAt = a;
    }
    if (this.seenCall[u] === call) return this.seenAt[u];
    this.seenCall[u] = call;
    this.seenAt[u] = at;
    return -1;
  }

  constructor(inventories: Iterable<Inventory> = []) {
    for (const inv of inventories) this.add(inv);
  }

  add(inv: Inventory): void {
    for (const pkg of inv.packages) {
      const t = targetOf(pkg);
      if (!('key' in t)) continue; // owned, release-less and versionless packages are not searchable
      let byVersion = this.byKey.get(t.key);
      if (!byVersion) this.byKey.set(t.key, (byVersion = new Map()));
      let slot = byVersion.get(t.version);
      if (!slot) byVersion.set(t.version, (slot = { version: t.version, pkgs: [], schemeId: undefined, v: undefined, done: 0 }));
      slot.pkgs.push({ inventory: inv.id, package: pkg, uid: -1 });
      this.count++;
    }
  }

  get packages(): number {
    return this.count;
  }

  /** searched version → packages, for one key */
  versions(key: string): ReadonlyMap<string, readonly IndexedPackage[]> | undefined {
    const m = this.byKey.get(key);
    return m && new Map([...m].map(([v, s]) => [v, s.pkgs]));
  }

  /** the version slots of one key (findAffected's view) */
  slots(key: string): Iterable<VersionSlot> | undefined {
    return this.byKey.get(key)?.values();
  }
}

/**
 * Every package in `inventories` that `record` affects, and every one whose verdict is unknown.
 * Withdrawn records affect nothing.
 */
export function findAffected(record: OsvRecord, inventories: InventoryIndex | Iterable<Inventory>): AffectedPackage[] {
  const index = inventories instanceof InventoryIndex ? inventories : new InventoryIndex(inventories);
  if (record.withdrawn) return [];
  const call = index.nextCall();
  const result: AffectedPackage[] = [];
  const affected = record.affected ?? [];
  // distro errata repeat one range set across hundreds of binary packages: compile each distinct
  // (ecosystem, ranges, versions, status) once, and judge each distinct installed version once
  // against it ("not affected" is all most versions get, and it does not depend on the name)
  const shared = new Map<string, SharedEntry>();
  for (const a of affected) {
    if (!a.package?.ecosystem || !a.package.name) continue;
    const key = packageKey(a.package.ecosystem, a.package.name);
    const slots = index.slots(key);
    if (!slots) continue;
    let sh: SharedEntry | undefined;
    let sig: string | undefined;
    if (affected.length > 1) {
      const status = a.database_specific?.status;
      sig = `${a.package.ecosystem}\u0000${JSON.stringify(a.ranges ?? null)}\u0000${JSON.stringify(a.versions ?? null)}\u0000${typeof status === 'string' ? status : ''}`;
      sh = shared.get(sig);
    }
    if (!sh) {
      const compiled = compileAffected(record.id, a, a.package.ecosystem, index.parseCache);
      sh = { compiled, universes: rankUniverse([compiled]), clean: new Map() };
      if (sig !== undefined) shared.set(sig, sh);
    }
    const { universes, clean } = sh;
    // the entry's own view: its name and `affected` object (the rest, ranks included, is shared)
    let compiled = sh.compiled.affected === a ? sh.compiled : undefined;
    const evalOpts: EvaluateOptions = { name: a.package.name };
    for (const slot of slots) {
      if (slot.done === call) continue; // judged affected by an earlier entry of this record
      if (clean.get(slot.version) === true) continue;
      const at = locate(slot.version, universes, index.parseCache, slot);
      if (isClean(sh.compiled, at)) {
        clean.set(slot.version, true);
        continue;
      }
      compiled ??= { ...sh.compiled, name: a.package.name, affected: a };
      const v = evaluateCompiled(compiled, at, evalOpts);
      if ('affected' in v && !v.affected) continue;
      const hit = 'affected' in v;
      if (hit) slot.done = call;
      const verdict = hit ? v : { unknown: v.unknown };
      // a hit from a later entry replaces an unknown from an earlier one; the same package listed
      // twice in an inventory is reported once (at the place of its first result)
      for (const p of slot.pkgs) {
        const j = index.seen(p, call, result.length);
        if (j < 0) result.push({ inventory: p.inventory, package: p.package, verdict });
        else if (hit && 'unknown' in result[j].verdict) result[j] = { inventory: p.inventory, package: p.package, verdict };
      }
    }
  }
  return result;
}

/** One distinct (ecosystem, ranges, versions, status) of a record, compiled once per findAffected call. */
interface SharedEntry {
  compiled: CompiledAffected;
  universes: Map<string, Universe>;
  /** installed version strings judged "not affected" */
  clean: Map<string, boolean>;
}
