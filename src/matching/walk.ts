/**
 * The OSV event semantics (https://ossf.github.io/osv-schema/#evaluation) on ranks: the one
 * implementation that both the object path (`isClean` / `findHit` in ranges.ts) and the packed hot
 * path (`PackedCursor.test` in packed.ts) run. A range and a `versions[]` list are encoded once
 * into integers by the functions here, and judged by the functions here; the two paths differ only
 * in where the code lives (an `Int32Array` per range and per entry for the object path, one per
 * package group for the packed path) and in how they find the installed version's rank.
 *
 * What is decided before this file (and therefore shared as well): events are parsed and ranked in
 * their scheme's universe (`rankUniverse`: equal versions share a rank, so scheme order is integer
 * order) and sorted by rank (stably: equal versions keep the record's order); `introduced: "0"` /
 * `"0.0.0-0"` has rank -1 (below every version); `limit: "*"` is dropped.
 */
import type { CompiledAffected, CompiledRange } from './ranges.ts';

/** event kinds in a range's code */
export const EV_INTRODUCED = 0;
export const EV_FIXED = 1;
export const EV_LAST_AFFECTED = 2;
const EV_CODE = { introduced: EV_INTRODUCED, fixed: EV_FIXED, last_affected: EV_LAST_AFFECTED } as const;

/**
 * Appends the code of a range whose events are ranked and sorted (see the header):
 * `[nLimits, limit rank…, nEvents, (rank, kind)…]`. Read by {@link walkRange} and {@link rangeEnd}.
 */
export function encodeRange(out: number[], range: CompiledRange): void {
  out.push(range.limits.length);
  for (const l of range.limits) out.push(l.rank);
  out.push(range.events.length);
  for (const b of range.events) {
    if (b.kind === 'limit') throw new Error('encodeRange: limits are not events'); // (compileAffected keeps them apart)
    out.push(b.rank, EV_CODE[b.kind]);
  }
}

/** A range's code on its own (the object path's; the packed path writes it into its group's code). */
export function rangeCode(range: CompiledRange): Int32Array {
  const out: number[] = [];
  encodeRange(out, range);
  return Int32Array.from(out);
}

/** The offset just past the range code at `i`. */
export function rangeEnd(code: Int32Array, i: number): number {
  const nlim = code[i];
  return i + 2 + nlim + 2 * code[i + 1 + nlim];
}

/**
 * The walk of the OSV spec over the range code at `i`, for an installed version of rank `r`:
 * limits (if any) require v < some limit; then, over the events in version order, `introduced`
 * (v ≥ it) opens, `fixed` (v ≥ it) and `last_affected` (v > it) close. Several introduced events
 * may open several intervals; an interval already open stays opened by its first event. Returns
 * the index of the event that opened the interval holding `r` (the interval's id within the
 * range), or -1 when the range does not affect the version.
 */
export function walkRange(code: Int32Array, i: number, r: number): number {
  const nlim = code[i++];
  if (nlim > 0) {
    let below = false;
    for (let m = 0; m < nlim; m++) if (r < code[i + m]) below = true;
    if (!below) return -1;
    i += nlim;
  }
  const nev = code[i++];
  let open = -1;
  for (let m = 0; m < nev; m++, i += 2) {
    const rank = code[i];
    const kind = code[i + 1];
    if (kind === EV_INTRODUCED) {
      if (open < 0 && r >= rank) open = m;
    } else if (open >= 0) {
      if (kind === EV_FIXED ? r >= rank : r > rank) open = -1;
    }
  }
  return open;
}

/**
 * Appends the code of a `versions[]` list ranked in the entry's scheme: `[n, rank…]`, the ranks in
 * ascending order (stably: a rank's first listed version comes first). `order` receives the
 * listed versions' indexes in that order (the object path names the hit's listed version by it).
 */
export function encodeListed(out: number[], listed: readonly { rank: number }[], order?: number[]): void {
  const idx = listed.map((_, k) => k).sort((a, b) => listed[a].rank - listed[b].rank || a - b);
  out.push(idx.length);
  for (const k of idx) out.push(listed[k].rank);
  if (order) order.push(...idx);
}

/**
 * `versions[]` by scheme equality: the position (0-based, in the code's order) of the first listed
 * version of rank `r` in the list code at `i`, or -1. Equal versions share their rank.
 */
export function listedAt(code: Int32Array, i: number, r: number): number {
  const n = code[i++];
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (code[i + mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && code[i + lo] === r ? lo : -1;
}

/**
 * How an entry is judged, whatever the installed version (`CompiledAffected.mode`):
 * - {@link MODE_CLEAN}: `database_specific.status: "not-affected"`: never affected;
 * - {@link MODE_DIRTY}: a range that cannot be evaluated (unknown) or that covers every version,
 *   parseable or not: never "not affected";
 * - {@link MODE_RANKS}: judged by ranks alone (`versions[]` by rank equality, ranges by
 *   {@link walkRange});
 * - {@link MODE_EXACT}: as MODE_RANKS, but some listed version (or every one, without a scheme)
 *   can only hit by its exact string, which the packed code does not hold.
 */
export const MODE_CLEAN = 0;
export const MODE_DIRTY = 1;
export const MODE_RANKS = 2;
export const MODE_EXACT = 3;

/** The {@link MODE_CLEAN mode} of a compiled entry (set once by `compileAffected`). */
export function entryMode(c: CompiledAffected): number {
  if (c.status === 'not-affected') return MODE_CLEAN;
  if (c.ranges.some((r) => r.error !== undefined || r.allVersions)) return MODE_DIRTY;
  // an exact-string hit is also a rank hit when every listed version parses (same string, same
  // parse, same rank); otherwise the listed strings the scheme refuses could hit by string alone
  if (c.listedExact.size > 0 && (!c.schemeId || new Set(c.listed.map((l) => l.value)).size !== c.listedExact.size)) return MODE_EXACT;
  return MODE_RANKS;
}
