/**
 * The "not affected" test of a whole package group, packed into one Int32Array: the hot loop of
 * matching reads one contiguous block per package instead of a dozen small objects per advisory
 * entry. It answers exactly what {@link isClean} answers (see `isClean` in ranges.ts), and for a
 * hit in a range it names the interval, whose explanation ({@link SharedHit}) is then shared by
 * every package in it; anything else (a listed version, an unknown) is explained by the object
 * path, `findHit` / `evaluateCompiled`. The OSV semantics (the walk over a range's events, limits,
 * `versions[]` by rank, which entries are never / always affected) are not here: the code is
 * written and judged by walk.ts, the same functions the object path runs.
 */
import { SCHEMES } from '../versioning/index.ts';
import { intervalHit, parseCached, rankIn, rememberRank, type CompiledAffected, type CompiledRange, type ParseCache, type SharedHit, type Universe } from './ranges.ts';
import type { Match } from './index.ts';
import { encodeListed, encodeRange, listedAt, MODE_CLEAN, MODE_DIRTY, MODE_RANKS, rangeEnd, walkRange } from './walk.ts';

/**
 * An entry's code starts with its mode (`CompiledAffected.mode`, see walk.ts): MODE_CLEAN and
 * MODE_DIRTY say it all; MODE_RANKS is followed by
 * `[listedSlot | -1, listed code (walk.ts: encodeListed), nRanges, per range: slot, hitBase | -1, range code (encodeRange)]`;
 * for MODE_EXACT (a listed version can hit by its exact string alone) the object path decides
 * ({@link isClean}).
 */

/** {@link PackedCursor.test} answers at or above this: a hit in a range, interval id `answer - HIT` */
export const HIT = 3;

export interface PackedGroup {
  /** the number of entries */
  n: number;
  /** scheme ids the entries refer to, by slot */
  schemes: string[];
  universes: (Universe | undefined)[];
  /** `schemes[0]` and `universes[0].exact` (most groups have one scheme: the cursor reads them without the arrays and the universe) */
  scheme0: string | undefined;
  exact0: ReadonlyMap<string, number> | undefined;
  /**
   * `[next[0..n), start[0..n), code…]`: for each entry, the index of the first entry of the next
   * record (a record's entries are consecutive), then the offset of its code, then the code
   */
  code: Int32Array;
  /** interval id → the range it belongs to, and the id of that range's first event */
  hitRange: CompiledRange[];
  hitBase: Int32Array;
  /** interval id → its explanation (built on first use) */
  hits: (SharedHit | undefined)[];
  /** interval id → the match of a version in it (built on first use by the matcher: see `matchPackage` in index.ts) */
  matches: (Match | undefined)[];
}

/** Packs the entries (compiled and ranked in `universes`; consecutive entries of one record share its id). */
export function packGroup(entries: readonly CompiledAffected[], universes: ReadonlyMap<string, Universe>): PackedGroup {
  const n = entries.length;
  const schemes: string[] = [];
  const slotOf = (id: string): number => {
    let i = schemes.indexOf(id);
    if (i < 0) i = schemes.push(id) - 1;
    return i;
  };
  const code: number[] = new Array<number>(2 * n).fill(0);
  for (let i = n - 1; i >= 0; i--) code[i] = i + 1 < n && entries[i + 1].record === entries[i].record ? code[i + 1] : i + 1;
  const hitRange: CompiledRange[] = [];
  const hitBase: number[] = [];
  entries.forEach((c, e) => {
    code[n + e] = code.length;
    code.push(c.mode);
    if (c.mode !== MODE_RANKS) return;
    if (c.listed.length > 0 && c.schemeId) {
      code.push(slotOf(c.schemeId));
      encodeListed(code, c.listed);
    } else {
      code.push(-1, 0);
    }
    code.push(c.ranges.length);
    for (const r of c.ranges) {
      code.push(slotOf(r.schemeId));
      // an "undetermined" distro status makes a hit an unknown verdict: the object path says so
      if (c.status === 'undetermined') code.push(-1);
      else {
        code.push(hitRange.length);
        for (let m = 0; m < r.events.length; m++) {
          hitRange.push(r);
          hitBase.push(hitRange.length - 1 - m);
        }
      }
      encodeRange(code, r);
    }
  });
  const us = schemes.map((id) => universes.get(id));
  return {
    n, schemes, universes: us, scheme0: schemes[0], exact0: us[0]?.exact, code: Int32Array.from(code),
    hitRange, hitBase: Int32Array.from(hitBase), hits: new Array<SharedHit | undefined>(hitRange.length),
    matches: new Array<Match | undefined>(hitRange.length),
  };
}

/** The explanation of interval `id` (a {@link PackedCursor.test} answer minus {@link HIT}). */
export function packedHit(p: PackedGroup, id: number): SharedHit {
  return (p.hits[id] ??= intervalHit(p.hitRange[id], id - p.hitBase[id]));
}

const NOT_YET = -3;
const UNREADABLE = -2;

/**
 * The installed version of one package located in a packed group: its rank per scheme slot,
 * computed on first use as {@link locate} computes it (the exact spelling of a bound, else a parse
 * and a binary search). Reused from package to package ({@link reset}).
 */
export class PackedCursor {
  private ranks: number[] = [NOT_YET, NOT_YET, NOT_YET, NOT_YET];
  private p!: PackedGroup;
  private code!: Int32Array;
  private n = 0;
  private raw = '';
  private cache: ParseCache | undefined;
  /** how many slots of `ranks` may hold a rank of the previous package */
  private used = 0;

  /** Points the cursor at a group and an installed version. */
  reset(p: PackedGroup, raw: string, cache: ParseCache | undefined): void {
    this.p = p;
    this.code = p.code;
    this.n = p.n;
    this.raw = raw;
    this.cache = cache;
    const ranks = this.ranks;
    for (let i = 0; i < this.used; i++) ranks[i] = NOT_YET;
    this.used = 0;
  }

  /** the index of the first entry of the record after the one entry `e` belongs to */
  next(e: number): number {
    return this.code[e];
  }

  /** The installed version's rank in a scheme of the group (computed now if need be), or undefined when the group has no bound in it or the version is unreadable. */
  rankOf(schemeId: string): number | undefined {
    const p = this.p;
    const slot = schemeId === p.scheme0 ? 0 : p.schemes.indexOf(schemeId);
    if (slot < 0 || (slot === 0 ? p.exact0 === undefined : p.universes[slot] === undefined)) return undefined;
    const r = this.rank(slot);
    return r === UNREADABLE ? undefined : r;
  }

  private rank(slot: number): number {
    const ranks = this.ranks;
    let r = slot < ranks.length ? ranks[slot] : NOT_YET;
    if (r !== NOT_YET) return r;
    // an installed version spelled like a bound of the group, or located before, needs no parse
    const exact = slot === 0 ? this.p.exact0?.get(this.raw) : this.p.universes[slot]?.exact.get(this.raw);
    if (exact !== undefined) r = exact;
    else {
      const u = this.p.universes[slot];
      const id = this.p.schemes[slot];
      const v = parseCached(u?.scheme ?? SCHEMES[id], id, this.raw, this.cache);
      r = typeof v === 'string' ? UNREADABLE : u ? rankIn(u, v) : 0;
      if (u && r >= 0) rememberRank(u, this.raw, r);
    }
    while (ranks.length <= slot) ranks.push(NOT_YET);
    ranks[slot] = r;
    if (slot >= this.used) this.used = slot + 1;
    return r;
  }

  /**
   * 0: entry `e` judges the version "not affected" (what `isClean` answers true for); 1: it does
   * not (a hit or an unknown); 2: the packed code can't tell, ask `isClean`; {@link HIT} + id: a hit
   * in interval `id` of a range (see {@link packedHit}), as `findHit` would find it.
   */
  test(e: number): number {
    const code = this.code;
    let i = code[this.n + e];
    const mode = code[i++];
    if (mode === MODE_CLEAN) return 0;
    if (mode === MODE_DIRTY) return 1;
    if (mode !== MODE_RANKS) return 2;
    const lslot = code[i++];
    if (code[i] > 0) {
      const r = this.rank(lslot);
      if (r === UNREADABLE || listedAt(code, i, r) >= 0) return 1;
    }
    i += 1 + code[i];
    const nr = code[i++];
    for (let k = 0; k < nr; k++) {
      const r = this.rank(code[i]);
      if (r === UNREADABLE) return 1;
      const base = code[i + 1];
      i += 2;
      const open = walkRange(code, i, r);
      if (open >= 0) return base < 0 ? 1 : HIT + base + open;
      i = rangeEnd(code, i);
    }
    return 0;
  }
}
