/**
 * Version intervals in the bracket notation Maven and NuGet share: `[1.0,2.0)`, `(,1.0]`,
 * `[1.2]`, and (Maven only) unions `[1,2),[3,4)`. Generic over a scheme's parse and compare.
 */
import { InvalidVersionError } from '../model/index.ts';
import type { Version, VersionScheme } from './types.ts';

export interface Bound<V extends Version> {
  readonly version: V;
  readonly inclusive: boolean;
}

/** One restriction; a missing bound is unbounded on that side. */
export interface Interval<V extends Version> {
  readonly lower?: Bound<V>;
  readonly upper?: Bound<V>;
}

/** True when `v` lies within the interval under `compare`. */
export function intervalContains<V extends Version>(iv: Interval<V>, v: V, compare: (a: V, b: V) => number): boolean {
  if (iv.lower) {
    const c = compare(v, iv.lower.version);
    if (c < 0 || (c === 0 && !iv.lower.inclusive)) return false;
  }
  if (iv.upper) {
    const c = compare(v, iv.upper.version);
    if (c > 0 || (c === 0 && !iv.upper.inclusive)) return false;
  }
  return true;
}

export interface BracketOptions {
  /** scheme name for error messages ("Maven", "NuGet") */
  schemeName: string;
  /** accept several comma-separated bracketed intervals (Maven); NuGet allows one */
  allowUnion: boolean;
  /** reject intervals whose lower bound is above the upper, or equal bounds not both inclusive */
  strictOrder: boolean;
}

/**
 * Parses one or more bracketed intervals. The caller handles the bare-version form, which means
 * different things in Maven (a soft "recommended" version) and NuGet (a minimum).
 * @throws InvalidVersionError naming the spec and the rule it broke
 */
export function parseBracketIntervals<V extends Version>(spec: string, scheme: VersionScheme<V>, opts: BracketOptions): Interval<V>[] {
  const bad = (rule: string): never => {
    throw new InvalidVersionError(opts.schemeName, spec, `range: ${rule}`);
  };
  const out: Interval<V>[] = [];
  let rest = spec.trim();
  while (rest.length > 0) {
    const open = rest[0];
    if (open !== '[' && open !== '(') bad('each interval must start with "[" or "("');
    const close = rest.search(/[\])]/);
    if (close < 0) bad('missing closing "]" or ")"');
    const body = rest.slice(1, close);
    const closeCh = rest[close];
    if (/[[(]/.test(body)) bad('interval opened twice');
    const lowerInc = open === '[';
    const upperInc = closeCh === ']';
    const parts = body.split(',');
    let iv: Interval<V>;
    if (parts.length === 1) {
      // "[1.2]" is an exact version; "(1.2)", "[1.2)", "(1.2]" mean nothing
      if (!lowerInc || !upperInc) bad('a single version must be written "[version]"');
      const s = parts[0].trim();
      if (s === '') bad('empty interval');
      const v = scheme.parse(s);
      iv = { lower: { version: v, inclusive: true }, upper: { version: v, inclusive: true } };
    } else if (parts.length === 2) {
      const lo = parts[0].trim();
      const hi = parts[1].trim();
      if (lo === '' && hi === '' && opts.strictOrder) bad('an interval needs at least one bound');
      iv = {
        ...(lo === '' ? {} : { lower: { version: scheme.parse(lo), inclusive: lowerInc } }),
        ...(hi === '' ? {} : { upper: { version: scheme.parse(hi), inclusive: upperInc } }),
      };
      if (iv.lower && iv.upper && opts.strictOrder) {
        const c = scheme.compare(iv.lower.version, iv.upper.version);
        if (c > 0) bad('lower bound is above upper bound');
        if (c === 0 && !(lowerInc && upperInc)) bad('identical bounds must both be inclusive');
      }
    } else {
      bad('an interval has at most two bounds');
    }
    out.push(iv!);
    rest = rest.slice(close + 1).trim();
    if (rest.length > 0) {
      if (!opts.allowUnion) bad('only one interval is allowed');
      if (rest[0] !== ',') bad('intervals must be separated by ","');
      rest = rest.slice(1).trim();
      if (rest.length === 0) bad('trailing ","');
    }
  }
  if (out.length === 0) bad('empty range');
  return out;
}
