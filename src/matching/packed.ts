/**
 * The "not affected" test of a whole package group, packed into one Int32Array: the hot loop of
 * matching reads one contiguous block per package instead of a dozen small objects per advisory
 * entry. It answers exactly what {@link isClean} answers (see `isClean` in ranges.ts), and for a
 * hit in a range it names the interval, whose explanation ({@link SharedHit}) is then shared by
 * every package in it; anything else (a listed version, an unknown) is explained by the object
 * path, `findHit` / `evaluateCompiled`.
 */
import { SCHEMES } from '../versioning/index.ts';
import { intervalHit, parseCached, rankIn, rememberRank, type CompiledAffected, type CompiledRange, type ParseCache, type SharedHit, type Universe } from './ranges.ts';
import type { Match } from './index.ts';

/** entry modes (the first word of an entry's code) */
const M_CLEAN = 0; // status "not-affected": never affected
const M_DIRTY = 1; // a range with an error or covering every version: never clean
const M_PACKED = 2; // [2, listedSlot | -1, nListed, ranks…, nRanges, per range: slot, nLim, lims…, nEv, hitBase | -1, (rank, kind)…]
const M_OBJECT = 3; // the packed test can't judge: the object path decides ({@link isClean})

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
    if (c.status === 'not-affected') return void code.push(M_CLEAN);
    if (c.ranges.some((r) => r.error !== undefined || r.allVersions)) return void code.push(M_DIRTY);
    code.push(M_PACKED);
    // versions[]: an exact-string hit is also a rank hit when every listed version parses (same
    // string, same parse, same rank); otherwise the listed strings the scheme refuses could hit by
    // string alone
    if (c.listedExact.size > 0 && (!c.schemeId || new Set(c.listed.map((l) => l.value)).size !== c.listedExact.size)) {
      code[code.length - 1] = M_OBJECT;
      return;
    }
    if (c.listed.length > 0 && c.schemeId) {
      code.push(slotOf(c.schemeId), c.listed.length);
      for (const l of c.listed) code.push(l.rank);
    } else {
      code.push(-1, 0);
    }
    code.push(c.ranges.length);
    for (const r of c.ranges) {
      code.push(slotOf(r.schemeId), r.limits.length);
      for (const l of r.limits) code.push(l.rank);
      code.push(r.events.length);
      // an "undetermined" distro status makes a hit an unknown verdict: the object path says so
      if (c.status === 'undetermined') code.push(-1);
      else {
        code.push(hitRange.length);
        for (let m = 0; m < r.events.length; m++) {
          hitRange.push(r);
          hitBase.push(hitRange.length - 1 - m);
        }
      }
      for (const b of r.events) code.push(b.rank, KIND[b.kind]);
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

const KIND = { introduced: 0, fixed: 1, last_affected: 2, limit: 3 } as const;

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
    if (mode === M_CLEAN) return 0;
    if (mode === M_DIRTY) return 1;
    if (mode !== M_PACKED) return 2;
    const lslot = code[i++];
    const nl = code[i++];
    if (nl > 0) {
      const r = this.rank(lslot);
      if (r === UNREADABLE) return 1;
      for (let k = 0; k < nl; k++) if (code[i + k] === r) return 1;
    }
    i += nl;
    const nr = code[i++];
    for (let k = 0; k < nr; k++) {
      const r = this.rank(code[i++]);
      if (r === UNREADABLE) return 1;
      const nlim = code[i++];
      let ok = nlim === 0;
      for (let m = 0; m < nlim; m++) if (r < code[i + m]) ok = true;
      i += nlim;
      const nev = code[i++];
      const base = code[i++];
      if (ok) {
        let open = -1;
        for (let m = 0; m < nev; m++) {
          const rank = code[i + 2 * m];
          const kind = code[i + 2 * m + 1];
          if (kind === 0) {
            if (open < 0 && r >= rank) open = m;
          } else if (open >= 0) {
            if (kind === 1 ? r >= rank : r > rank) open = -1;
          }
        }
        if (open >= 0) return base < 0 ? 1 : HIT + base + open;
      }
      i += 2 * nev;
    }
    return 0;
  }
}
