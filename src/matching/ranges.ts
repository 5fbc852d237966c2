/**
 * OSV `affected[]` evaluation (https://ossf.github.io/osv-schema/#evaluation): is version V of a
 * package affected by one `affected` entry? Pure: no I/O, no clock.
 *
 * The evaluation runs on a *compiled* entry: every bound of every range and every listed version
 * is parsed once with its scheme and given a rank in a sorted "universe" of bounds. An installed
 * version is parsed once per scheme and located in that universe by binary search; after that each
 * range check is integer comparison. The same code serves one entry on its own
 * ({@link evaluateAffected}, a universe made of that entry's bounds) and a whole package's
 * advisories ({@link AffectedGroup}, one universe shared by every entry of that package).
 */
import { ecosystemBase, type OsvAffected, type OsvEvent } from '../model/index.ts';
import { SCHEMES, schemeIdForEcosystem, type Version, type VersionScheme } from '../versioning/index.ts';
import { encodeListed, entryMode, listedAt, MODE_CLEAN, MODE_DIRTY, rangeCode, walkRange } from './walk.ts';

/** A range that was not evaluated, and why (GIT ranges: commits can't be compared with a version). */
export interface SkippedRange {
  index: number;
  type: string;
  reason: string;
}

/** What hit: a listed version, or a range with the events that bracket the installed version. */
export type MatchHit =
  | { by: 'versions'; version: string }
  | {
    by: 'range';
    /** index in `affected.ranges` */
    range: number;
    type: 'ECOSYSTEM' | 'SEMVER';
    /** the event that opened the affected interval, then the one that closes it (if any) */
    events: OsvEvent[];
  };

/** Why a version was judged affected. */
export interface MatchDetail {
  record: string;
  /** what was searched: the ecosystem, the (source) package name and the version compared */
  searched: { ecosystem: string; name: string; version: string };
  /** the scheme that ordered the versions ("semver", "go", "pep440", "dpkg", ...) */
  scheme: string;
  hit: MatchHit;
  /** every fixed version the entry names (ECOSYSTEM/SEMVER ranges), in version order (scheme by scheme when its ranges use two) */
  fixed: string[];
  /** the fixed version that closes the interval the installed version is in, when there is one */
  fixedBy: string | null;
  /** false for unfixed distro advisories and ranges with no upper bound or only last_affected */
  fixAvailable: boolean;
  /** distro tracker status (`database_specific.status`): fixed, unfixed, no-dsa, end-of-life, ... */
  status?: string;
  /** ranges not evaluated, with the reason */
  skipped?: SkippedRange[];
}

/** The answer for one entry. `unknown` is never to be read as "not affected". */
export type Verdict =
  | { affected: true; detail: MatchDetail }
  | { affected: false; skipped?: SkippedRange[] }
  | { unknown: string };

const MINUS_INF = -1;

interface Bound {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  value: string;
  /** parsed version, or undefined for `introduced: "0"` (the beginning of time) */
  v?: Version;
  /** rank in the universe of its scheme (odd: 2i+1); MINUS_INF for the beginning */
  rank: number;
}

export interface CompiledRange {
  index: number;
  type: 'ECOSYSTEM' | 'SEMVER';
  schemeId: string;
  /** sorted by version (stable for ties), limits excluded */
  events: Bound[];
  limits: Bound[];
  /** only an introduced-at-the-beginning event: every version, parseable or not, is affected */
  allVersions: boolean;
  /** set when the range cannot be evaluated (unparseable bound, no scheme) */
  error?: string;
  /** the range's code for the walk (walk.ts: `encodeRange` / `walkRange`), built on first use after {@link rankUniverse} */
  code?: Int32Array;
  /** the hit a walk opened at event i gives (built on first use; shared by every match of the interval) */
  hits?: (SharedHit | undefined)[];
  /** the hit of an all-versions range (built on first use) */
  allHit?: SharedHit;
}

interface Listed {
  value: string;
  v?: Version;
  rank: number;
}

/** One `affected` entry, parsed. */
export interface CompiledAffected {
  record: string;
  ecosystem: string;
  name: string;
  affected: OsvAffected;
  /** the ecosystem's own scheme id (for `versions[]` and ECOSYSTEM ranges), if Vigil has one */
  schemeId?: string;
  /** how the entry is judged whatever the version (walk.ts: `entryMode`): never, always, by ranks, by ranks and exact strings */
  mode: number;
  listedExact: ReadonlySet<string>;
  listed: Listed[];
  ranges: CompiledRange[];
  skipped: SkippedRange[];
  status?: string;
  /** fixed bounds of all ranges (ranked in their own scheme) */
  fixedBounds: Bound[];
  /**
   * set by {@link rankUniverse}: the code of `listed` for `listedAt` (walk.ts) and the listed
   * versions in the code's order; the fixed versions in version order
   */
  listedCode?: Int32Array;
  listedValues?: string[];
  fixedSorted?: string[];
  /** hits of installed versions spelled exactly like a listed version, by that string (built on first use) */
  listedHits?: Map<string, SharedHit>;
}

/**
 * What hit, in which scheme, and the fixed version closing it: the part of a match's explanation
 * that depends only on the entry and the interval (or listed version) the installed version is in.
 * Shared by every match of that interval: treat it as read-only.
 */
export interface SharedHit {
  hit: MatchHit;
  scheme: string;
  fixedBy: string | null;
}

/** The beginning of time in OSV ranges: "0" (all ecosystems) and "0.0.0-0" (crates.io, SemVer). */
function isBeginning(value: string): boolean {
  return value === '0' || value === '0.0.0-0';
}

/** The scheme id of a SEMVER range: Go module versions use Go's spelling (optional "v", +incompatible). */
export function semverSchemeIdFor(ecosystem: string): string {
  return ecosystemBase(ecosystem) === 'Go' ? 'go' : 'semver';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Parses one `affected` entry. Never throws: unparseable bounds make their range "unknown".
 * Ranks are not assigned here (see {@link rankUniverse}).
 */
export function compileAffected(record: string, affected: OsvAffected, ecosystem = affected.package?.ecosystem ?? '', cache?: ParseCache): CompiledAffected {
  const schemeId = schemeIdForEcosystem(ecosystem);
  const status = typeof affected.database_specific?.status === 'string' ? affected.database_specific.status : undefined;
  // every field set here, in one order: one object shape for every entry (the hot loops stay monomorphic)
  const out: CompiledAffected = {
    record, ecosystem, name: affected.package?.name ?? '', affected, schemeId, mode: MODE_DIRTY,
    listedExact: affected.versions?.length ? new Set(affected.versions) : NO_VERSIONS, listed: [], ranges: [], skipped: [], status, fixedBounds: [],
    listedCode: undefined, listedValues: undefined, fixedSorted: undefined, listedHits: undefined,
  };
  if (schemeId) {
    const scheme = SCHEMES[schemeId];
    for (const value of affected.versions ?? []) {
      // a listed version the scheme can't read can still hit by exact string
      try {
        out.listed.push({ value, v: parseWith(scheme, schemeId, value, cache), rank: 0 });
      } catch { /* exact match only */ }
    }
  }
  (affected.ranges ?? []).forEach((r, index) => {
    if (r.type === 'GIT') {
      out.skipped.push({ index, type: 'GIT', reason: `GIT range${r.repo ? ` of ${r.repo}` : ''} names commits, which cannot be compared with a version string` });
      return;
    }
    if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER') {
      out.skipped.push({ index, type: String(r.type), reason: `unknown range type ${JSON.stringify(r.type)}` });
      return;
    }
    const rid = r.type === 'SEMVER' ? semverSchemeIdFor(ecosystem) : schemeId;
    const range: CompiledRange = {
      index, type: r.type, schemeId: rid ?? '', events: [], limits: [], allVersions: false,
      error: undefined, code: undefined, hits: undefined, allHit: undefined,
    };
    out.ranges.push(range);
    if (!rid) {
      range.error = `range ${index} (ECOSYSTEM): no version scheme for ecosystem ${JSON.stringify(ecosystem)}`;
      return;
    }
    const scheme = SCHEMES[rid];
    for (const e of r.events ?? []) {
      const kind = (['introduced', 'fixed', 'last_affected', 'limit'] as const).find((k) => k in e);
      if (!kind) {
        range.error ??= `range ${index} (${r.type}): event without introduced/fixed/last_affected/limit`;
        continue;
      }
      const value = String((e as Record<string, unknown>)[kind]);
      if (kind === 'introduced' && isBeginning(value)) {
        range.events.push({ kind, value, v: undefined, rank: MINUS_INF });
        continue;
      }
      if (kind === 'limit' && value === '*') continue; // "*" = no limit
      try {
        const b: Bound = { kind, value, v: parseWith(scheme, rid, value, cache), rank: 0 };
        (kind === 'limit' ? range.limits : range.events).push(b);
        if (kind === 'fixed') out.fixedBounds.push(b);
      } catch (err) {
        range.error ??= `range ${index} (${r.type}): ${kind} bound: ${message(err)}`;
      }
    }
    if (range.events.length === 0) range.error ??= `range ${index} (${r.type}): no events`;
    range.allVersions = !range.error && range.limits.length === 0 && range.events.every((b) => b.kind === 'introduced' && b.rank === MINUS_INF);
    range.events = fitted(range.events);
    range.limits = fitted(range.limits);
  });
  out.listed = fitted(out.listed);
  out.fixedBounds = fitted(out.fixedBounds);
  out.mode = entryMode(out);
  return out;
}

/** the `listedExact` of entries that list no version */
const NO_VERSIONS: ReadonlySet<string> = new Set();

/**
 * An array built by `push` holds room for 17 elements or more; the compiled data set keeps hundreds
 * of thousands of them, mostly of one to three elements: a copy of exactly the length holds no more.
 */
function fitted<T>(a: T[]): T[] {
  return a.length === 0 ? a : a.slice();
}

/**
 * The sorted distinct versions of one scheme that a set of compiled entries names, with every bound
 * and listed version given its rank 2i+1. Ranks are only comparable within one universe.
 */
export interface Universe {
  schemeId: string;
  scheme: VersionScheme;
  sorted: Version[];
  /**
   * rank by exact string of every bound and listed version, and of the installed versions located
   * before by a parse and a binary search (see {@link rememberRank}): an installed version spelled
   * the same needs no parse
   */
  exact: Map<string, number>;
  /** the installed versions `exact` remembers (the first {@link LOCATED_MAX}; then they start over) */
  located: string[] | undefined;
}

/** Installed version strings a universe remembers in `exact` before it starts over. */
const LOCATED_MAX = 1024;

/** Notes the rank a parse and a binary search gave `raw` (not a bound) in `u`, for the next package at that version. */
export function rememberRank(u: Universe, raw: string, rank: number): void {
  const located = (u.located ??= []);
  if (located.length >= LOCATED_MAX) {
    for (const v of located) u.exact.delete(v);
    located.length = 0;
  }
  located.push(raw);
  u.exact.set(raw, rank);
}

/**
 * Builds the universes of a set of entries (one per scheme), assigns the ranks and sorts each
 * range's events by them. An entry belongs to one universe: rank it once.
 */
export function rankUniverse(entries: readonly CompiledAffected[]): Map<string, Universe> {
  const bySchemeBounds = new Map<string, (Bound | Listed)[]>();
  const add = (id: string, b: Bound | Listed) => {
    let l = bySchemeBounds.get(id);
    if (!l) bySchemeBounds.set(id, (l = []));
    l.push(b);
  };
  for (const c of entries) {
    if (c.schemeId) for (const l of c.listed) add(c.schemeId, l);
    for (const r of c.ranges) {
      if (r.error) continue;
      for (const b of r.events) if (b.v) add(r.schemeId, b);
      for (const b of r.limits) add(r.schemeId, b);
    }
  }
  const out = new Map<string, Universe>();
  for (const [schemeId, bounds] of bySchemeBounds) {
    const scheme = SCHEMES[schemeId];
    // the same version string recurs across records (PyPI lists, distro fixed versions): sort each
    // distinct string once
    const byRaw = new Map<string, { v: Version; items: (Bound | Listed)[] }>();
    for (const b of bounds) {
      if (!b.v) continue;
      const slot = byRaw.get(b.v.raw);
      if (slot) slot.items.push(b);
      else byRaw.set(b.v.raw, { v: b.v, items: [b] });
    }
    const distinct = [...byRaw.values()].sort((a, b) => scheme.compare(a.v, b.v));
    const sorted: Version[] = [];
    const exact = new Map<string, number>();
    for (const d of distinct) {
      if (sorted.length === 0 || scheme.compare(sorted[sorted.length - 1], d.v) !== 0) sorted.push(d.v);
      const rank = 2 * (sorted.length - 1) + 1;
      for (const b of d.items) {
        b.rank = rank;
        exact.set(b.value, rank);
      }
    }
    out.set(schemeId, { schemeId, scheme, sorted, exact, located: undefined });
  }
  // the walk needs events in version order; the sort is stable, so equal versions keep the
  // record's order
  for (const c of entries) {
    for (const r of c.ranges) {
      if (r.error) continue;
      r.events.sort((a, b) => a.rank - b.rank);
      // the object path's code for the walk is built on its first use (the packed path writes
      // its own copy into its group's code), from the events in this order
      r.code = undefined;
      r.hits = undefined;
      r.allHit = undefined;
    }
    if (c.listed.length > 0) setListedCode(c);
    c.fixedSorted = fixedInOrder(c);
  }
  return out;
}

/**
 * The fixed versions of an entry in version order, each once. Ranks compare only within one
 * scheme: an entry with ranges in two schemes (SEMVER beside ECOSYSTEM) lists them scheme by scheme
 * in the order its ranges first name the schemes, so that the order does not depend on the other
 * entries that share the universes.
 */
function fixedInOrder(c: CompiledAffected): string[] {
  const ids = [...new Set(c.ranges.map((r) => r.schemeId))];
  const out = new Set<string>();
  for (const id of ids) {
    const bounds = c.ranges.filter((r) => r.schemeId === id).flatMap((r) => r.events.filter((b) => b.kind === 'fixed'));
    for (const b of bounds.sort((x, y) => x.rank - y.rank)) out.add(b.value);
  }
  return [...out];
}

/** Rank of a parsed version in a universe: 2i+1 when equal to sorted[i], else 2i for "just below sorted[i]". */
export function rankIn(u: Universe, v: Version): number {
  let lo = 0;
  let hi = u.sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u.scheme.compare(u.sorted[mid], v) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < u.sorted.length && u.scheme.compare(u.sorted[lo], v) === 0 ? 2 * lo + 1 : 2 * lo;
}

/** An installed version located in the universes of a group: its rank per scheme, or why it has none. */
export interface Located {
  raw: string;
  /** rank per scheme id, or the parse error's message */
  rank(schemeId: string): number | string;
}

/**
 * Parsed versions by scheme id and version string (a version the scheme refuses: the error's
 * message). Shared by the entries of an {@link AdvisoryIndex} or the packages of an inventory
 * index, so that a version string recurring across packages and advisories is parsed once.
 */
export type ParseCache = Map<string, Map<string, Version | string>>;

/** Entries per scheme kept by a {@link ParseCache} before it starts over (a bound on memory). */
const PARSE_CACHE_MAX = 250_000;

/** Parses `value` in `scheme`, through `cache` when given; throws as `scheme.parse` does. */
function parseWith(scheme: VersionScheme, schemeId: string, value: string, cache: ParseCache | undefined): Version {
  const v = parseCached(scheme, schemeId, value, cache);
  if (typeof v === 'string') throw new Error(v);
  return v;
}

/** The parsed version, or the parse error's message (through `cache` when given). */
export function parseCached(scheme: VersionScheme | undefined, schemeId: string, value: string, cache: ParseCache | undefined): Version | string {
  if (!cache) {
    try {
      return scheme!.parse(value);
    } catch (err) {
      return message(err);
    }
  }
  let m = cache.get(schemeId);
  if (!m) cache.set(schemeId, (m = new Map()));
  let v = m.get(value);
  if (v === undefined) {
    try {
      v = scheme!.parse(value);
    } catch (err) {
      v = message(err);
    }
    if (m.size >= PARSE_CACHE_MAX) m.clear();
    m.set(value, v);
  }
  return v;
}

/** A {@link Located} that keeps the ranks of its (usually one or two) schemes in fields. */
class LocatedVersion implements Located {
  private id0: string | undefined;
  private r0: number | string = 0;
  private id1: string | undefined;
  private r1: number | string = 0;
  private more: Map<string, number | string> | undefined;

  constructor(
    readonly raw: string,
    private readonly universes: ReadonlyMap<string, Universe>,
    private readonly cache: ParseCache | undefined,
    private readonly parsed?: ParsedSlot,
  ) {}

  rank(schemeId: string): number | string {
    if (this.id0 === schemeId) return this.r0;
    if (this.id1 === schemeId) return this.r1;
    if (this.more) {
      const m = this.more.get(schemeId);
      if (m !== undefined) return m;
    }
    const r = this.compute(schemeId);
    if (this.id0 === undefined) {
      this.id0 = schemeId;
      this.r0 = r;
    } else if (this.id1 === undefined) {
      this.id1 = schemeId;
      this.r1 = r;
    } else {
      (this.more ??= new Map()).set(schemeId, r);
    }
    return r;
  }

  private compute(schemeId: string): number | string {
    const u = this.universes.get(schemeId);
    const p = this.parsed;
    if (p && u) {
      // the same rank as by the exact spelling: equal versions share their rank
      if (p.schemeId !== schemeId) {
        p.schemeId = schemeId;
        p.v = parseCached(u.scheme, schemeId, this.raw, this.cache);
      }
      return typeof p.v === 'string' ? `installed version: ${p.v}` : rankIn(u, p.v!);
    }
    const exact = u?.exact.get(this.raw);
    if (exact !== undefined) return exact;
    const v = parseCached(u?.scheme ?? SCHEMES[schemeId], schemeId, this.raw, this.cache);
    if (typeof v === 'string') return `installed version: ${v}`;
    return u ? rankIn(u, v) : 0;
  }
}

/**
 * Parses `version` lazily, once per scheme, and ranks it in `universes`. With `cache`, a version
 * string already parsed in that scheme is not parsed again.
 */
export function locate(version: string, universes: ReadonlyMap<string, Universe>, cache?: ParseCache, parsed?: ParsedSlot): Located {
  return new LocatedVersion(version, universes, cache, parsed);
}

/** A version string's parse in the scheme last asked for, kept by its owner (an inventory index slot) across calls to {@link locate}. */
export interface ParsedSlot {
  schemeId: string | undefined;
  v: Version | string | undefined;
}

/** Options of {@link evaluateCompiled}. */
export interface EvaluateOptions {
  /** the name searched (the source package for distros); defaults to the entry's package name */
  name?: string;
  /** false: judge by ranges only (the agreement test checks ranges against `versions[]`) */
  useVersions?: boolean;
  /**
   * the `searched` object to put in a match's detail (shared by the matches of one package); must
   * equal `{ ecosystem: c.ecosystem, name: opts.name ?? c.name, version: at.raw }`
   */
  searched?: { ecosystem: string; name: string; version: string };
}

/**
 * True when {@link evaluateCompiled} would answer "not affected" (no hit, no unknown), found
 * without building an explanation. The hot paths ask this first: most evaluations end here.
 */
export function isClean(c: CompiledAffected, at: Located, useVersions = true): boolean {
  // (the decisions `PackedCursor.test` makes on the packed code, through the same walk.ts
  // functions, plus the exact-string test of `versions[]` that it leaves to this path)
  const mode = c.mode;
  if (mode === MODE_CLEAN) return true;
  if (mode === MODE_DIRTY) return false;
  if (useVersions) {
    if (c.listedExact.size > 0 && c.listedExact.has(at.raw)) return false;
    if (c.listed.length > 0 && c.schemeId) {
      const r = at.rank(c.schemeId);
      if (typeof r === 'string') return false;
      if (listedIndex(c, r) >= 0) return false;
    }
  }
  const ranges = c.ranges;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    const r = at.rank(range.schemeId);
    if (typeof r === 'string' || walkIndex(range, r) >= 0) return false;
  }
  return true;
}

/** The code of an entry's listed versions (see `encodeListed` in walk.ts) and the versions in its order. */
function setListedCode(c: CompiledAffected): void {
  const out: number[] = [];
  const order: number[] = [];
  encodeListed(out, c.listed, order);
  c.listedCode = Int32Array.from(out);
  c.listedValues = order.map((k) => c.listed[k].value);
}

/** The index in `listedValues` of the first listed version of rank `r` (`versions[]` by scheme equality), or -1. */
function listedIndex(c: CompiledAffected, r: number): number {
  if (!c.listedCode) setListedCode(c);
  return listedAt(c.listedCode!, 0, r);
}

/**
 * The hit of a compiled entry for a located version, found as {@link evaluateCompiled} finds it
 * (`versions[]` first, exact string then scheme equality, then the ranges in order), or undefined
 * when nothing hits (the verdict is then "not affected" or unknown). Allocates nothing for a hit
 * in a range or on an exactly spelled listed version: those are shared per interval / listed
 * version. Ignores `database_specific.status` (see {@link evaluateCompiled}).
 */
export function findHit(c: CompiledAffected, at: Located, useVersions = true): SharedHit | undefined {
  if (useVersions) {
    if (c.listedExact.size > 0 && c.listedExact.has(at.raw)) {
      const hits = (c.listedHits ??= new Map());
      let h = hits.get(at.raw);
      if (!h) {
        // the fix depends on the installed version's ranks, which the exact spelling determines
        h = { hit: { by: 'versions', version: at.raw }, scheme: c.schemeId ?? 'exact', fixedBy: fixForListed(c, at) };
        hits.set(at.raw, h);
      }
      return h;
    }
    if (c.listed.length > 0 && c.schemeId) {
      const r = at.rank(c.schemeId);
      if (typeof r !== 'string') {
        const k = listedIndex(c, r);
        if (k >= 0) return { hit: { by: 'versions', version: c.listedValues![k] }, scheme: c.schemeId, fixedBy: fixForListed(c, at) };
      }
    }
  }
  const ranges = c.ranges;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    if (range.error !== undefined) continue;
    if (range.allVersions) {
      return (range.allHit ??= {
        hit: { by: 'range', range: range.index, type: range.type, events: range.events.map(toEvent) },
        scheme: range.schemeId,
        fixedBy: null,
      });
    }
    const r = at.rank(range.schemeId);
    if (typeof r === 'string') continue;
    const w = walk(range, r);
    if (w) return w;
  }
  return undefined;
}

/** Why no hit is not "not affected": the unparseable installed version or bounds, when any (as {@link evaluateCompiled} reports them). */
function unknownReasons(c: CompiledAffected, at: Located, useVersions: boolean): string | undefined {
  let unknown: string[] | undefined;
  if (useVersions && !c.listedExact.has(at.raw) && c.listed.length > 0 && c.schemeId) {
    const r = at.rank(c.schemeId);
    if (typeof r === 'string') (unknown ??= []).push(r);
  }
  for (const range of c.ranges) {
    if (range.error) {
      (unknown ??= []).push(range.error);
      continue;
    }
    if (range.allVersions) continue;
    const r = at.rank(range.schemeId);
    if (typeof r === 'string') (unknown ??= []).push(r);
  }
  return unknown && [...new Set(unknown)].join('; ');
}

/** The explanation of a hit of entry `c` (see {@link findHit}) for the package `searched`. */
export function matchDetail(c: CompiledAffected, h: SharedHit, searched: { ecosystem: string; name: string; version: string }): MatchDetail {
  return hitDetail(c.record, c.fixedSorted ?? [...new Set(c.fixedBounds.map((b) => b.value))], c.status, c.skipped, h, searched);
}

/** {@link matchDetail} from the entry's parts: record id, fixed versions (in version order), distro status, skipped ranges. */
export function hitDetail(
  record: string, fixed: string[], status: string | undefined, skipped: SkippedRange[], h: SharedHit,
  searched: { ecosystem: string; name: string; version: string },
): MatchDetail {
  // (the fields in the order of the explanation: record, searched, then the rest)
  return Object.assign({ record, searched }, hitWhy(record, fixed, status, skipped, h));
}

/** {@link hitDetail} without what was searched (a match's explanation: see `Match` in index.ts). */
export function hitWhy(record: string, fixed: string[], status: string | undefined, skipped: SkippedRange[], h: SharedHit): Omit<MatchDetail, 'searched'> {
  // one literal per shape: every field in the object itself (no property array added afterwards)
  if (status) {
    return skipped.length
      ? { record, scheme: h.scheme, hit: h.hit, fixed, fixedBy: h.fixedBy, fixAvailable: h.fixedBy !== null, status, skipped }
      : { record, scheme: h.scheme, hit: h.hit, fixed, fixedBy: h.fixedBy, fixAvailable: h.fixedBy !== null, status };
  }
  return skipped.length
    ? { record, scheme: h.scheme, hit: h.hit, fixed, fixedBy: h.fixedBy, fixAvailable: h.fixedBy !== null, skipped }
    : { record, scheme: h.scheme, hit: h.hit, fixed, fixedBy: h.fixedBy, fixAvailable: h.fixedBy !== null };
}

/** The verdict of an entry whose status is "undetermined" and that would otherwise hit. */
export function undeterminedReason(c: CompiledAffected): string {
  return `${c.record}: the distribution's tracker marks ${c.name} as "undetermined" for this release`;
}

/**
 * OSV evaluation of one compiled entry for one located version: `versions[]` first (exact string,
 * then scheme equality), then each ECOSYSTEM/SEMVER range walked in version order. A hit wins over
 * an unknown range; no hit with any unknown range (or an unparseable installed version) is unknown.
 */
export function evaluateCompiled(c: CompiledAffected, at: Located, opts: EvaluateOptions = {}): Verdict {
  if (c.status === 'not-affected') return { affected: false };
  const useVersions = opts.useVersions !== false;
  const h = findHit(c, at, useVersions);
  if (!h) {
    const unknown = unknownReasons(c, at, useVersions);
    if (unknown !== undefined) return { unknown };
    return c.skipped.length > 0 ? { affected: false, skipped: c.skipped } : { affected: false };
  }
  if (c.status === 'undetermined') return { unknown: undeterminedReason(c) };
  return { affected: true, detail: matchDetail(c, h, opts.searched ?? { ecosystem: c.ecosystem, name: opts.name ?? c.name, version: at.raw }) };
}

function fixForListed(c: CompiledAffected, at: Located): string | null {
  for (const range of c.ranges) {
    if (range.error || range.allVersions) continue;
    const r = at.rank(range.schemeId);
    if (typeof r !== 'number') continue;
    const w = walk(range, r);
    if (w?.fixedBy) return w.fixedBy;
  }
  let best: Bound | undefined;
  for (const range of c.ranges) {
    if (range.error) continue;
    const r = at.rank(range.schemeId);
    if (typeof r !== 'number') continue;
    for (const b of range.events) if (b.kind === 'fixed' && b.rank > r && (!best || b.rank < best.rank)) best = b;
  }
  return best?.value ?? null;
}

function toEvent(b: Bound): OsvEvent {
  return { [b.kind]: b.value } as OsvEvent;
}

/**
 * The index of the event that opened the interval of `range` holding rank `r`, or -1 when the
 * range does not affect the version: the walk of walk.ts, on the range's own code.
 */
function walkIndex(range: CompiledRange, r: number): number {
  return walkRange(range.code ?? (range.code = rangeCode(range)), 0, r);
}

/** The hit of the interval holding rank `r` (shared, built once per interval), or undefined. */
function walk(range: CompiledRange, r: number): SharedHit | undefined {
  const open = walkIndex(range, r);
  return open < 0 ? undefined : intervalHit(range, open);
}

/** The hit of the interval a range's walk opened at event `open` (built once, then shared). */
export function intervalHit(range: CompiledRange, open: number): SharedHit {
  const hits = (range.hits ??= []);
  let h = hits[open];
  if (!h) {
    const evs = range.events;
    let close: Bound | undefined;
    for (let i = open + 1; i < evs.length; i++) {
      if (evs[i].kind !== 'introduced') {
        close = evs[i];
        break;
      }
    }
    const events = close ? [toEvent(evs[open]), toEvent(close)] : [toEvent(evs[open])];
    h = hits[open] = {
      hit: { by: 'range', range: range.index, type: range.type, events },
      scheme: range.schemeId,
      fixedBy: close?.kind === 'fixed' ? close.value : null,
    };
  }
  return h;
}

const pureCache = new WeakMap<OsvAffected, Map<string, { c: CompiledAffected; u: Map<string, Universe> }>>();

/**
 * Is `version` of the entry's package affected? The pure, one-entry form of the evaluation.
 * `ecosystem` is the installed package's ecosystem (it picks the scheme).
 * Compiled entries are cached per `affected` object.
 */
export function evaluateAffected(
  affected: OsvAffected,
  version: string,
  ecosystem: string,
  opts: EvaluateOptions & { record?: string } = {},
): Verdict {
  let perEco = pureCache.get(affected);
  if (!perEco) pureCache.set(affected, (perEco = new Map()));
  const key = `${opts.record ?? ''}\u0000${ecosystem}`;
  let hit = perEco.get(key);
  if (!hit) {
    const c = compileAffected(opts.record ?? '', affected, ecosystem);
    const u = rankUniverse([c]);
    perEco.set(key, (hit = { c, u }));
  }
  return evaluateCompiled(hit.c, locate(version, hit.u), opts);
}
