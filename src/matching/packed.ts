/**
 * The "not affected" test of a whole package group, packed into one Int32Array: the hot loop of
 * matching reads one contiguous block per package instead of a dozen small objects per advisory
 * entry. It answers exactly what {@link isClean} answers (see `isClean` in ranges.ts); anything
 * else (a hit, an unknown) is then explained by the object path, `evaluateCompiled`.
 */
import { SCHEMES } from '../versioning/index.ts';
import { parseCached, rankIn, type CompiledAffected, type ParseCache, type Universe } from './ranges.ts';

/** entry modes (the first word of an entry's code) */
const M_CLEAN = 0; // status "not-affected": never affected
const M_DIRTY = 1; // a range with an error or covering every version: never clean
const M_PACKED = 2; // [2, listedSlot | -1, nListed, ranks…, nRanges, per range: slot, nLim, lims…, nEv, (rank, kind)…]
const M_OBJECT = 3; // the packed test can't judge: the object path decides ({@link isClean})

export interface PackedGroup {
  /** scheme ids the entries refer to, by slot */
  schemes: string[];
  universes: (Universe | undefined)[];
  code: Int32Array;
  /** offset of each entry's code in `code` */
  start: Int32Array;
  /** for each entry, the index of the first entry of the next record (a record's entries are consecutive) */
  next: Int32Array;
}

/** Packs the entries (compiled and ranked in `universes`; consecutive entries of one record share its id). */
export function packGroup(entries: readonly CompiledAffected[], universes: ReadonlyMap<string, Universe>): PackedGroup {
  const next = new Int32Array(entries.length);
  for (let i = entries.length - 1; i >= 0; i--) next[i] = i + 1 < entries.length && entries[i + 1].record === entries[i].record ? next[i + 1] : i + 1;
  const schemes: string[] = [];
  const slotOf = (id: string): number => {
    let i = schemes.indexOf(id);
    if (i < 0) i = schemes.push(id) - 1;
    return i;
  };
  const code: number[] = [];
  const start = new Int32Array(entries.length);
  entries.forEach((c, e) => {
    start[e] = code.length;
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
      for (const b of r.events) code.push(b.rank, KIND[b.kind]);
    }
  });
  return { schemes, universes: schemes.map((id) => universes.get(id)), code: Int32Array.from(code), start, next };
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
  private ranks: number[] = [];
  private p!: PackedGroup;
  private raw = '';
  private cache: ParseCache | undefined;

  reset(p: PackedGroup, raw: string, cache: ParseCache | undefined): void {
    this.p = p;
    this.raw = raw;
    this.cache = cache;
    const n = p.schemes.length;
    const ranks = this.ranks;
    for (let i = 0; i < n; i++) ranks[i] = NOT_YET;
  }

  private rank(slot: number): number {
    let r = this.ranks[slot];
    if (r !== NOT_YET) return r;
    const u = this.p.universes[slot];
    const id = this.p.schemes[slot];
    const exact = u?.exact.get(this.raw);
    if (exact !== undefined) r = exact;
    else {
      const v = parseCached(u?.scheme ?? SCHEMES[id], id, this.raw, this.cache);
      r = typeof v === 'string' ? UNREADABLE : u ? rankIn(u, v) : 0;
    }
    this.ranks[slot] = r;
    return r;
  }

  /**
   * 0: entry `e` judges the version "not affected" (what `isClean` answers true for); 1: it does
   * not (a hit or an unknown); 2: the packed code can't tell, ask `isClean`.
   */
  test(e: number): 0 | 1 | 2 {
    const code = this.p.code;
    let i = this.p.start[e];
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
      if (ok) {
        let open = false;
        for (let m = 0; m < nev; m++) {
          const rank = code[i + 2 * m];
          const kind = code[i + 2 * m + 1];
          if (kind === 0) {
            if (!open && r >= rank) open = true;
          } else if (open) {
            if (kind === 1 ? r >= rank : r > rank) open = false;
          }
        }
        if (open) return 1;
      }
      i += 2 * nev;
    }
    return 0;
  }
}
