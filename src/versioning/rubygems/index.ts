/**
 * RubyGems versions (Gem::Version, https://guides.rubygems.org/patterns/#semantic-versioning and
 * lib/rubygems/version.rb) and requirements (Gem::Requirement: `~> 1.2`, `>= 1, < 2`).
 * Validation and normalisation come from @renovatebot/ruby-semver (a port of version.rb); the
 * comparison is our own port of Gem::Version#<=> because the library compares letter segments
 * with localeCompare (Ruby uses byte order: "RC" < "rc") and numbers as JS doubles.
 */
import { Version as GemVersion } from '@renovatebot/ruby-semver/dist/ruby/version.js';
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

export interface RubyGemsVersion extends Version {
  /** the version as Gem::Version stores it ("1.0-1" becomes "1.0.pre.1") */
  readonly normalized: string;
  /** true when the version contains a letter (Gem::Version#prerelease?) */
  readonly prerelease: boolean;
  /** canonical segments (Gem::Version#canonical_segments): numbers as bigint, letters as strings */
  readonly segments: readonly (bigint | string)[];
}

type Segment = bigint | string;

/** Gem::Version#segments: runs of digits or letters. */
function rawSegments(normalized: string): Segment[] {
  return (normalized.match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^[0-9]+$/.test(s) ? BigInt(s) : s));
}

/** Gem::Version#canonical_segments: trailing zeros dropped from the numeric and the string part. */
function canonicalSegments(segs: readonly Segment[]): Segment[] {
  const firstString = segs.findIndex((x) => typeof x === 'string');
  const numeric = firstString < 0 ? [...segs] : segs.slice(0, firstString);
  const strings = firstString < 0 ? [] : segs.slice(firstString);
  const trim = (a: Segment[]): Segment[] => {
    let n = a.length;
    while (n > 0 && a[n - 1] === 0n) n--;
    return a.slice(0, n);
  };
  return [...trim(numeric), ...trim(strings)];
}

function compareSegments(l: readonly Segment[], r: readonly Segment[]): number {
  const limit = Math.max(l.length, r.length);
  for (let i = 0; i < limit; i++) {
    const a = l[i] ?? 0n;
    const b = r[i] ?? 0n;
    if (a === b) continue;
    if (typeof a === 'string' && typeof b !== 'string') return -1;
    if (typeof a !== 'string' && typeof b === 'string') return 1;
    return a < b ? -1 : 1; // bigint order, or String#<=> byte order
  }
  return 0;
}

/**
 * Parses a Gem::Version. Unlike Ruby, an empty string is rejected rather than read as "0".
 * @throws InvalidVersionError when the string does not match Gem::Version::ANCHORED_VERSION_PATTERN
 */
export function parseRubyGemsVersion(input: string): RubyGemsVersion {
  if (input.trim() === '') throw new InvalidVersionError('RubyGems', input, 'empty version');
  if (!GemVersion.isCorrect(input)) {
    throw new InvalidVersionError('RubyGems', input, 'must be digits, then dot-separated [0-9A-Za-z] segments, optionally -pre segments');
  }
  const gem = new GemVersion(input);
  const normalized = gem.version();
  return { raw: input, normalized, prerelease: /[a-zA-Z]/.test(normalized), segments: canonicalSegments(rawSegments(normalized)) };
}

/** Gem::Version#<=>: segment-wise; trailing zeros ignored; a letter segment sorts before any number. */
export function compareRubyGemsParsed(a: RubyGemsVersion, b: RubyGemsVersion): number {
  return compareSegments(a.segments, b.segments);
}

export const rubygemsScheme: VersionScheme<RubyGemsVersion> = {
  id: 'rubygems',
  parse: parseRubyGemsVersion,
  compare: compareRubyGemsParsed,
};

/**
 * Compares two RubyGems versions.
 * @throws InvalidVersionError when either is invalid
 */
export function compareRubyGems(a: string, b: string): number {
  return compareRubyGemsParsed(parseRubyGemsVersion(a), parseRubyGemsVersion(b));
}

export type RubyGemsOperator = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>';

export interface RubyGemsConstraint {
  readonly op: RubyGemsOperator;
  readonly version: RubyGemsVersion;
}

/** A parsed Gem::Requirement: every constraint must hold. */
export interface RubyGemsRequirement {
  readonly raw: string;
  readonly constraints: readonly RubyGemsConstraint[];
  contains(version: RubyGemsVersion | string): boolean;
}

/** Gem::Version#release: the version without its pre-release (letter) part. */
function release(v: RubyGemsVersion): Segment[] {
  const segs = rawSegments(v.normalized);
  const i = segs.findIndex((x) => typeof x === 'string');
  return canonicalSegments(i < 0 ? segs : segs.slice(0, i));
}

/** Gem::Version#bump: drop letter segments, drop the last segment if more than one, add 1 to the last. */
function bump(v: RubyGemsVersion): Segment[] {
  const segs = rawSegments(v.normalized);
  while (segs.some((x) => typeof x === 'string')) segs.pop();
  if (segs.length > 1) segs.pop();
  segs[segs.length - 1] = (segs[segs.length - 1] as bigint) + 1n;
  return canonicalSegments(segs);
}

const CONSTRAINT = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/;

function holds(c: RubyGemsConstraint, v: RubyGemsVersion): boolean {
  const r = compareRubyGemsParsed(v, c.version);
  switch (c.op) {
    case '=':
      return r === 0;
    case '!=':
      return r !== 0;
    case '>':
      return r > 0;
    case '<':
      return r < 0;
    case '>=':
      return r >= 0;
    case '<=':
      return r <= 0;
    case '~>':
      // Gem::Requirement: v >= r && v.release < r.bump ("~> 1.2" = ">= 1.2, < 2"; "~> 1.2.3" = ">= 1.2.3, < 1.3")
      return r >= 0 && compareSegments(release(v), bump(c.version)) < 0;
  }
}

/**
 * Parses a requirement string as gemspecs and advisories write it: constraints separated by ","
 * (`>= 1.0, < 2`), each an optional operator (default "=") and a version.
 * @throws InvalidVersionError naming the requirement and the rule it broke
 */
export function parseRubyGemsRequirement(spec: string): RubyGemsRequirement {
  const parts = spec.split(',');
  const constraints: RubyGemsConstraint[] = [];
  for (const part of parts) {
    const m = CONSTRAINT.exec(part);
    if (!m) throw new InvalidVersionError('RubyGems', spec, `requirement: ${JSON.stringify(part.trim())} is not "[op] version"`);
    constraints.push({ op: (m[1] ?? '=') as RubyGemsOperator, version: parseRubyGemsVersion(m[2]) });
  }
  return {
    raw: spec,
    constraints,
    contains(version) {
      const v = typeof version === 'string' ? parseRubyGemsVersion(version) : version;
      return constraints.every((c) => holds(c, v));
    },
  };
}
