/**
 * NuGet versions (https://learn.microsoft.com/en-us/nuget/concepts/package-versioning): SemVer 2.0
 * with up to four numeric parts (`1.2.3.4`), leading zeros tolerated (`1.01` == `1.1`),
 * pre-release labels compared case-insensitively, build metadata ignored; and version ranges
 * `[1.0,2.0)`, `(,1.0]`, `[1.2]`, bare `1.0` (meaning >= 1.0).
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';
import { intervalContains, parseBracketIntervals, type Interval } from '../interval.ts';

export interface NuGetVersion extends Version {
  /** major, minor, patch, revision; missing parts are 0 */
  readonly parts: readonly [bigint, bigint, bigint, bigint];
  /** pre-release labels; numeric ones as bigint */
  readonly release: readonly (string | bigint)[];
  readonly metadata: string | undefined;
  /** the normalised form NuGet shows: "1.0.0", "1.2.3.4", "1.0.0-beta.1" (no metadata) */
  readonly normalized: string;
}

const LABEL = /^[0-9A-Za-z-]+$/;

/**
 * Parses a NuGet version.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseNuGetVersion(input: string): NuGetVersion {
  const bad = (rule: string): never => {
    throw new InvalidVersionError('NuGet', input, rule);
  };
  let s = input.trim();
  if (s === '') bad('empty version');
  let metadata: string | undefined;
  const plus = s.indexOf('+');
  if (plus >= 0) {
    metadata = s.slice(plus + 1);
    s = s.slice(0, plus);
    if (!metadata.split('.').every((p) => LABEL.test(p))) bad('metadata must be dot-separated [0-9A-Za-z-] identifiers');
  }
  let labels: string[] = [];
  const dash = s.indexOf('-');
  if (dash >= 0) {
    labels = s.slice(dash + 1).split('.');
    s = s.slice(0, dash);
    if (!labels.every((p) => LABEL.test(p))) bad('pre-release labels must be dot-separated [0-9A-Za-z-] identifiers');
  }
  const nums = s.split('.');
  if (nums.length > 4) bad('at most four numeric parts (major.minor.patch.revision)');
  if (!nums.every((n) => /^[0-9]+$/.test(n))) bad('version parts must be numbers');
  const p = [0, 1, 2, 3].map((i) => BigInt(nums[i] ?? '0')) as [bigint, bigint, bigint, bigint];
  const release = labels.map((l) => (/^[0-9]+$/.test(l) ? BigInt(l) : l));
  const core = `${p[0]}.${p[1]}.${p[2]}${p[3] !== 0n ? `.${p[3]}` : ''}`;
  const normalized = labels.length > 0 ? `${core}-${labels.join('.')}` : core;
  return { raw: input, parts: p, release, metadata, normalized };
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** NuGet's VersionComparer.Default: numeric parts, then labels (case-insensitive); metadata ignored. */
export function compareNuGetParsed(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = cmpBig(a.parts[i], b.parts[i]);
    if (c !== 0) return c;
  }
  if (a.release.length === 0) return b.release.length === 0 ? 0 : 1;
  if (b.release.length === 0) return -1;
  const n = Math.min(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const x = a.release[i];
    const y = b.release[i];
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      const c = cmpBig(x, y);
      if (c !== 0) return c;
    } else if (typeof x === 'bigint') {
      return -1;
    } else if (typeof y === 'bigint') {
      return 1;
    } else {
      // StringComparer.OrdinalIgnoreCase
      const X = x.toUpperCase();
      const Y = y.toUpperCase();
      if (X !== Y) return X < Y ? -1 : 1;
    }
  }
  return Math.sign(a.release.length - b.release.length);
}

export const nugetScheme: VersionScheme<NuGetVersion> = {
  id: 'nuget',
  parse: parseNuGetVersion,
  compare: compareNuGetParsed,
};

/**
 * Compares two NuGet versions.
 * @throws InvalidVersionError when either is invalid
 */
export function compareNuGet(a: string, b: string): number {
  return compareNuGetParsed(parseNuGetVersion(a), parseNuGetVersion(b));
}

export interface NuGetRange {
  readonly raw: string;
  readonly interval: Interval<NuGetVersion>;
  contains(version: NuGetVersion | string): boolean;
}

/**
 * Parses a NuGet version range: `1.0` (>= 1.0), `[1.0]`, `(1.0,)`, `(,1.0]`, `[1.0,2.0)`.
 * Floating ranges (`1.*`) are not supported.
 * @throws InvalidVersionError naming the spec and the rule it broke
 */
export function parseNuGetRange(spec: string): NuGetRange {
  const s = spec.trim();
  if (s === '') throw new InvalidVersionError('NuGet', spec, 'range: empty range');
  if (s.includes('*')) throw new InvalidVersionError('NuGet', spec, 'range: floating versions (*) are not supported');
  const interval: Interval<NuGetVersion> =
    s[0] === '[' || s[0] === '('
      ? parseBracketIntervals(s, nugetScheme, { schemeName: 'NuGet', allowUnion: false, strictOrder: true })[0]
      : { lower: { version: parseNuGetVersion(s), inclusive: true } };
  return {
    raw: spec,
    interval,
    contains(version) {
      const v = typeof version === 'string' ? parseNuGetVersion(version) : version;
      return intervalContains(interval, v, compareNuGetParsed);
    },
  };
}
