/**
 * Go module versions (https://go.dev/ref/mod#versions): semantic versions with a leading "v",
 * `+incompatible` for v2+ modules without a go.mod, and pseudo-versions for untagged commits.
 *
 * Go orders versions exactly as SemVer 2.0 does (golang.org/x/mod/semver.Compare), so the
 * pseudo-versions sort by their pre-release: `v0.0.0-20191109021931-daa7c04131f5` is a
 * pre-release of v0.0.0; `v1.2.4-0.20191109021931-daa7c04131f5` is after v1.2.3 and before v1.2.4;
 * `v1.2.3-pre.0.20191109021931-daa7c04131f5` is after v1.2.3-pre and before v1.2.3.
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';
import { compareSemverParsed, parseSemverCore, type SemverVersion } from '../semver/index.ts';

export interface GoVersion extends Version {
  readonly semver: SemverVersion;
  /** true when the version carries the `+incompatible` build suffix */
  readonly incompatible: boolean;
  /** set when the version has the shape of a pseudo-version */
  readonly pseudo?: { readonly timestamp: string; readonly revision: string };
}

// https://go.dev/ref/mod#pseudo-versions: the three forms all end in `[.-]yyyymmddhhmmss-abcdefabcdef`
const PSEUDO = /(?:^|[.-])(\d{14})-([0-9a-f]{12,})$/;

/**
 * Parses a Go module version. The leading "v" is optional because OSV's Go records write
 * versions without it ("1.2.3"), while go.mod and go.sum always have it.
 * Like x/mod/semver, "v1" and "v1.2" are shorthands for v1.0.0 and v1.2.0.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseGoVersion(input: string): GoVersion {
  const s = input.trim();
  const body = s.startsWith('v') ? s.slice(1) : s;
  const sv = parseSemverCore(body, { schemeName: 'Go', prefix: 'forbidden', shorthand: true, original: input });
  if (sv.build.length > 0 && !(sv.build.length === 1 && sv.build[0] === 'incompatible')) {
    // x/mod/semver accepts any build metadata, but the go command only ever writes +incompatible
    throw new InvalidVersionError('Go', input, 'the only build suffix Go modules use is "+incompatible"');
  }
  const preText = sv.prerelease.map(String).join('.');
  const m = PSEUDO.exec(preText);
  return {
    raw: input,
    semver: { ...sv, raw: input },
    incompatible: sv.build.length === 1,
    ...(m ? { pseudo: { timestamp: m[1], revision: m[2] } } : {}),
  };
}

/** Go version order: SemVer 2.0 precedence; `+incompatible` does not take part. */
export function compareGoParsed(a: GoVersion, b: GoVersion): number {
  return compareSemverParsed(a.semver, b.semver);
}

export const goScheme: VersionScheme<GoVersion> = {
  id: 'go',
  parse: parseGoVersion,
  compare: compareGoParsed,
};

/**
 * Compares two Go module versions.
 * @throws InvalidVersionError when either is not a valid Go version
 */
export function compareGo(a: string, b: string): number {
  return compareGoParsed(parseGoVersion(a), parseGoVersion(b));
}
