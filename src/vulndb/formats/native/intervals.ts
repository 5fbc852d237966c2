/**
 * Version-interval algebra shared by the native-format converters: a constraint language
 * (rubysec's Gem requirements, node-semver ranges) is turned into sorted, disjoint intervals in the
 * ecosystem's own version order, combined (union, complement, intersection), and written out as
 * OSV range events (https://ossf.github.io/osv-schema/#affectedranges-field).
 *
 * Versions stay strings; the order comes from a `compare` function, so the same code serves
 * Gem::Version and SemVer.
 */
import type { OsvEvent } from '../../../model/index.ts';

/** One end of an interval. */
export interface Bound {
  v: string;
  inclusive: boolean;
}

/** A version interval; a missing end is unbounded (−∞ below, +∞ above). */
export interface Interval {
  lo?: Bound;
  hi?: Bound;
}

/** Total order of a version scheme: negative, zero or positive like `Array.prototype.sort`. */
export type Compare = (a: string, b: string) => number;

/** The interval holding every version. */
export const ALL: Interval = {};

function cmpLo(a: Bound | undefined, b: Bound | undefined, cmp: Compare): number {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  const c = cmp(a.v, b.v);
  if (c !== 0) return c;
  // at the same version an inclusive lower bound starts earlier
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1;
}

function cmpHi(a: Bound | undefined, b: Bound | undefined, cmp: Compare): number {
  if (!a) return b ? 1 : 0;
  if (!b) return -1;
  const c = cmp(a.v, b.v);
  if (c !== 0) return c;
  // at the same version an exclusive upper bound ends earlier
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1;
}

/** True when no version lies in the interval. */
export function isEmpty(i: Interval, cmp: Compare): boolean {
  if (!i.lo || !i.hi) return false;
  const c = cmp(i.lo.v, i.hi.v);
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive));
}

/** Intersection of two intervals (one interval, possibly empty). */
export function intersectOne(a: Interval, b: Interval, cmp: Compare): Interval {
  const lo = cmpLo(a.lo, b.lo, cmp) >= 0 ? a.lo : b.lo;
  const hi = cmpHi(a.hi, b.hi, cmp) <= 0 ? a.hi : b.hi;
  return { ...(lo ? { lo } : {}), ...(hi ? { hi } : {}) };
}

/** Sorts, drops empty intervals and merges overlapping or touching ones. */
export function normalize(set: Interval[], cmp: Compare): Interval[] {
  const items = set.filter((i) => !isEmpty(i, cmp)).sort((a, b) => cmpLo(a.lo, b.lo, cmp) || cmpHi(a.hi, b.hi, cmp));
  const out: Interval[] = [];
  for (const i of items) {
    const cur = out[out.length - 1];
    if (cur) {
      let joins = !cur.hi;
      if (cur.hi && i.lo) {
        const c = cmp(i.lo.v, cur.hi.v);
        joins = c < 0 || (c === 0 && (cur.hi.inclusive || i.lo.inclusive));
      } else if (cur.hi && !i.lo) joins = true;
      if (joins) {
        if (cmpHi(i.hi, cur.hi, cmp) > 0) {
          if (i.hi) cur.hi = i.hi;
          else delete cur.hi;
        }
        continue;
      }
    }
    out.push({ ...i });
  }
  return out;
}

/** Every version not in `set` (which must be normalized). */
export function complement(set: Interval[]): Interval[] {
  if (set.length === 0) return [{}];
  const out: Interval[] = [];
  const first = set[0];
  if (first.lo) out.push({ hi: { v: first.lo.v, inclusive: !first.lo.inclusive } });
  for (let k = 0; k < set.length; k++) {
    const hi = set[k].hi;
    if (!hi) break; // unbounded above: nothing follows
    const gap: Interval = { lo: { v: hi.v, inclusive: !hi.inclusive } };
    const next = set[k + 1];
    if (next?.lo) gap.hi = { v: next.lo.v, inclusive: !next.lo.inclusive };
    out.push(gap);
  }
  return out;
}

export function union(a: Interval[], b: Interval[], cmp: Compare): Interval[] {
  return normalize([...a, ...b], cmp);
}

export function intersect(a: Interval[], b: Interval[], cmp: Compare): Interval[] {
  const out: Interval[] = [];
  for (const x of a) for (const y of b) out.push(intersectOne(x, y, cmp));
  return normalize(out, cmp);
}

/** Same versions in both (normalized) sets. */
export function sameSet(a: Interval[], b: Interval[], cmp: Compare): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, k) => cmpLo(x.lo, b[k].lo, cmp) === 0 && cmpHi(x.hi, b[k].hi, cmp) === 0);
}

export interface EventsResult {
  events: OsvEvent[];
  /**
   * Lower bounds that OSV cannot state exactly (an exclusive "> v" with no successor version in the
   * scheme): written as `introduced: v`, so version v itself is over-reported. One note per bound.
   */
  inexact: string[];
}

/**
 * Writes a normalized set as OSV events. OSV has `introduced` (inclusive lower), `fixed` (exclusive
 * upper) and `last_affected` (inclusive upper), but no exclusive lower bound: `successor(v)` may
 * give the smallest version above v (SemVer has one, `1.2.4-0` after `1.2.3`); where it returns
 * undefined (Gem::Version, Composer: versions are dense) `introduced: v` is written and the bound is
 * listed in `inexact`. `isMinimum(v)` tells versions nothing lies below ("0"), so that an interval
 * below it is dropped and `>= 0` becomes `introduced: "0"`.
 */
export function toEvents(set: Interval[], opts: { successor?: (v: string) => string | undefined; isMinimum?: (v: string) => boolean } = {}): EventsResult {
  const events: OsvEvent[] = [];
  const inexact: string[] = [];
  const isMin = opts.isMinimum ?? ((v: string) => v === '0');
  for (const i of set) {
    if (!i.lo && i.hi && !i.hi.inclusive && isMin(i.hi.v)) continue; // "< 0": nothing
    if (!i.lo || (i.lo.inclusive && isMin(i.lo.v))) events.push({ introduced: '0' });
    else if (i.lo.inclusive) events.push({ introduced: i.lo.v });
    else {
      const s = opts.successor?.(i.lo.v);
      if (s !== undefined) events.push({ introduced: s });
      else {
        events.push({ introduced: i.lo.v });
        inexact.push(`"> ${i.lo.v}" written as introduced ${i.lo.v}: OSV has no exclusive lower bound, so ${i.lo.v} itself is over-reported`);
      }
    }
    if (i.hi) events.push(i.hi.inclusive ? { last_affected: i.hi.v } : { fixed: i.hi.v });
  }
  return { events, inexact };
}

/**
 * Reads OSV events back into a normalized set (for cross-checks). `introduced: "0"` is unbounded.
 * Events are taken in the order given, as OSV evaluation of a sorted list would.
 */
export function fromEvents(events: OsvEvent[], cmp: Compare): Interval[] {
  const out: Interval[] = [];
  let open: Interval | undefined;
  const sorted = [...events].sort((a, b) => {
    const va = Object.values(a)[0] as string;
    const vb = Object.values(b)[0] as string;
    if (va === '0' && 'introduced' in a) return -1;
    if (vb === '0' && 'introduced' in b) return 1;
    return cmp(va, vb);
  });
  for (const e of sorted) {
    if ('introduced' in e) {
      if (open) continue;
      open = e.introduced === '0' ? {} : { lo: { v: e.introduced, inclusive: true } };
    } else if (open && 'fixed' in e) {
      out.push({ ...open, hi: { v: e.fixed, inclusive: false } });
      open = undefined;
    } else if (open && 'last_affected' in e) {
      out.push({ ...open, hi: { v: e.last_affected, inclusive: true } });
      open = undefined;
    } else if (open && 'limit' in e) {
      out.push({ ...open, hi: { v: e.limit, inclusive: false } });
      open = undefined;
    }
  }
  if (open) out.push(open);
  return normalize(out, cmp);
}

/** "[1.0, 2.0)", "(−∞, 3]" for messages and test output. */
export function formatSet(set: Interval[]): string {
  if (set.length === 0) return '∅';
  return set
    .map((i) => `${i.lo ? (i.lo.inclusive ? '[' : '(') + i.lo.v : '(−∞'}, ${i.hi ? i.hi.v + (i.hi.inclusive ? ']' : ')') : '+∞)'}`)
    .join(' ∪ ');
}
