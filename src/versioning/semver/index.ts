/**
 * Semantic Versioning 2.0.0 (https://semver.org/spec/v2.0.0.html), the order used by npm,
 * crates.io, Pub, Hex and SwiftURL, and by OSV `SEMVER` ranges.
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

/** A parsed SemVer 2.0 version. Numbers are bigints: the spec puts no bound on them. */
export interface SemverVersion extends Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  /** dot-separated pre-release identifiers; numeric ones as bigint */
  readonly prerelease: readonly (string | bigint)[];
  /** build metadata identifiers; they never take part in precedence (spec item 10) */
  readonly build: readonly string[];
}

/** Options for {@link parseSemverCore}: the tolerances other schemes built on SemVer need. */
export interface SemverParseOptions {
  /** scheme name used in error messages */
  schemeName: string;
  /** leading "v" (and, when "optional", "=" as npm writes it): "required" | "optional" | "forbidden" */
  prefix: 'required' | 'optional' | 'forbidden';
  /** accept "1" and "1.2" as 1.0.0 / 1.2.0 (Go's shorthand) when no pre-release or build follows */
  shorthand?: boolean;
  /** the caller's original input, when it stripped a prefix itself; named in errors */
  original?: string;
}

const NUM = /^(0|[1-9][0-9]*)$/;
const ALNUM_ID = /^[0-9A-Za-z-]+$/;

/**
 * Parses a SemVer 2.0 string under the given tolerances.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseSemverCore(input: string, opts: SemverParseOptions): SemverVersion {
  const bad = (rule: string): never => {
    throw new InvalidVersionError(opts.schemeName, opts.original ?? input, rule);
  };
  let s = input.trim();
  if (s === '') bad('empty version');
  if (opts.prefix === 'required') {
    if (s[0] !== 'v') bad('must start with "v"');
    s = s.slice(1);
  } else if (opts.prefix === 'optional') {
    // node-semver strips a leading "=" or "v" (with optional whitespace); so do we
    s = s.replace(/^=?\s*v?/, '');
  }
  let build: string[] = [];
  const plus = s.indexOf('+');
  if (plus >= 0) {
    build = s.slice(plus + 1).split('.');
    s = s.slice(0, plus);
    for (const id of build) if (!ALNUM_ID.test(id)) bad('build identifiers must be non-empty [0-9A-Za-z-]');
  }
  let pre: string[] = [];
  const dash = s.indexOf('-');
  if (dash >= 0) {
    pre = s.slice(dash + 1).split('.');
    s = s.slice(0, dash);
    for (const id of pre) {
      if (!ALNUM_ID.test(id)) bad('pre-release identifiers must be non-empty [0-9A-Za-z-]');
      if (/^[0-9]+$/.test(id) && !NUM.test(id)) bad('numeric pre-release identifiers must not have leading zeros');
    }
  }
  const core = s.split('.');
  if (core.length !== 3) {
    const shortOk = opts.shorthand && core.length < 3 && pre.length === 0 && build.length === 0;
    if (!shortOk) bad('core must be MAJOR.MINOR.PATCH');
  }
  for (const c of core) {
    if (!/^[0-9]+$/.test(c)) bad('MAJOR.MINOR.PATCH must be numeric');
    if (!NUM.test(c)) bad('MAJOR.MINOR.PATCH must not have leading zeros');
  }
  return {
    raw: input,
    major: BigInt(core[0]),
    minor: BigInt(core[1] ?? '0'),
    patch: BigInt(core[2] ?? '0'),
    prerelease: pre.map((id) => (/^[0-9]+$/.test(id) ? BigInt(id) : id)),
    build,
  };
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer 2.0 precedence (spec item 11). Build metadata is ignored. */
export function compareSemverParsed(a: SemverVersion, b: SemverVersion): number {
  const c = cmpBig(a.major, b.major) || cmpBig(a.minor, b.minor) || cmpBig(a.patch, b.patch);
  if (c !== 0) return c;
  // a version without pre-release has higher precedence than one with
  if (a.prerelease.length === 0) return b.prerelease.length === 0 ? 0 : 1;
  if (b.prerelease.length === 0) return -1;
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      const d = cmpBig(x, y);
      if (d !== 0) return d;
    } else if (typeof x === 'bigint') {
      return -1; // numeric identifiers have lower precedence than alphanumeric ones
    } else if (typeof y === 'bigint') {
      return 1;
    } else if (x !== y) {
      return x < y ? -1 : 1; // ASCII order
    }
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/**
 * SemVer 2.0 as npm, crates.io, Pub, Hex and SwiftURL write it: `1.2.3`, `1.2.3-rc.1+build.5`.
 * A leading "v" or "=" is tolerated (node-semver does the same); "1.2" is rejected.
 */
export const semverScheme: VersionScheme<SemverVersion> = {
  id: 'semver',
  parse: (v) => parseSemverCore(v, { schemeName: 'SemVer', prefix: 'optional' }),
  compare: compareSemverParsed,
};

/**
 * Compares two SemVer strings.
 * @throws InvalidVersionError when either is not SemVer 2.0
 */
export function compareSemver(a: string, b: string): number {
  return compareSemverParsed(semverScheme.parse(a), semverScheme.parse(b));
}
