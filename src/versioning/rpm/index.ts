/**
 * RPM package versions: `[epoch:]version[-release]`, ordered by rpm's `rpmvercmp()`
 * (rpmio/rpmvercmp.c) applied to epoch, version and release in turn.
 *
 * https://rpm-software-management.github.io/rpm/manual/dependencies.html (versioning)
 * https://fedoraproject.org/wiki/Archive:Tools/RPM/VersionComparison
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

export interface RpmVersion extends Version {
  /** 0 when the version has no `epoch:` (rpm treats a missing epoch as 0) */
  readonly epoch: number;
  readonly version: string;
  /** undefined when the version has no `-release` */
  readonly release?: string;
}

const SCHEME = 'RPM';
/** RPMTAG_EPOCH is a 32-bit unsigned integer. */
const EPOCH_MAX = 4294967295;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 0x7e;
const CARET = 0x5e;

/**
 * Parses `[epoch:]version[-release]`. rpm itself splits any string (`rpmverParse` never fails);
 * this parser applies the rules rpmbuild enforces on the Epoch, Version and Release tags, so that
 * garbage is reported instead of silently ordered:
 * - the epoch, when there is a colon, is an unsigned 32-bit decimal number;
 * - version and release are non-empty and use only `A-Z a-z 0-9 . _ + ~ ^`
 *   (rpmbuild also allows `%{}` for macros, which are expanded before a package exists);
 * - neither contains `-` or `:` (so at most one hyphen, the one before the release).
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseRpmVersion(raw: string): RpmVersion {
  if (raw === '') throw new InvalidVersionError(SCHEME, raw, 'version string is empty');
  let epoch = 0;
  let rest = raw;
  const colon = raw.indexOf(':');
  if (colon >= 0) {
    const e = raw.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) throw new InvalidVersionError(SCHEME, raw, 'epoch must be an unsigned number');
    epoch = Number(e);
    if (!(epoch <= EPOCH_MAX)) throw new InvalidVersionError(SCHEME, raw, 'epoch must fit in 32 bits');
    rest = raw.slice(colon + 1);
    if (rest.includes(':')) throw new InvalidVersionError(SCHEME, raw, "version and release may not contain ':'");
  }
  const hyphen = rest.indexOf('-');
  if (hyphen >= 0 && rest.indexOf('-', hyphen + 1) >= 0) {
    throw new InvalidVersionError(SCHEME, raw, "version and release may not contain '-'");
  }
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version === '') throw new InvalidVersionError(SCHEME, raw, 'version is empty');
  if (release === '') throw new InvalidVersionError(SCHEME, raw, 'release is empty');
  if (/[^A-Za-z0-9._+~^]/.test(version)) throw new InvalidVersionError(SCHEME, raw, 'illegal character in version (allowed: A-Za-z0-9._+~^)');
  if (release !== undefined && /[^A-Za-z0-9._+~^]/.test(release)) {
    throw new InvalidVersionError(SCHEME, raw, 'illegal character in release (allowed: A-Za-z0-9._+~^)');
  }
  return release === undefined ? { raw, epoch, version } : { raw, epoch, version, release };
}

/**
 * rpm's segment comparison, for one of epoch, version or release. Returns -1, 0 or 1.
 *
 * The string is split into runs of digits and runs of ASCII letters; anything else separates them
 * and is otherwise ignored (so `1.0 == 1_0`). Digit runs compare as numbers (leading zeros dropped,
 * any length), letter runs with strcmp, and a digit run is newer than a letter run. `~` sorts
 * before anything, even the end (`1.0~rc1 < 1.0`). `^` sorts after the end but before anything
 * else (`1.0 < 1.0^git1 < 1.0.1`). When all runs match, the string with runs left over is newer.
 */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE && a.charCodeAt(i) !== CARET) i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE && b.charCodeAt(j) !== CARET) j++;
    const ca = i < a.length ? a.charCodeAt(i) : -1;
    const cb = j < b.length ? b.charCodeAt(j) : -1;

    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // Like '~', except that the end of the other string (the base version) sorts lower.
    if (ca === CARET || cb === CARET) {
      if (ca === -1) return -1;
      if (cb === -1) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === -1 || cb === -1) break;

    let si = i;
    let sj = j;
    const isNum = isDigit(ca);
    const inRun = isNum ? isDigit : isAlpha;
    while (si < a.length && inRun(a.charCodeAt(si))) si++;
    while (sj < b.length && inRun(b.charCodeAt(sj))) sj++;
    // A numeric run against a letter run (an empty run of the same kind): the number is newer.
    if (sj === j) return isNum ? 1 : -1;

    // the runs a[i, si) and b[j, sj), compared in place: numbers without their leading zeros by
    // length then digits, letters by code unit (strcmp)
    if (isNum) {
      while (i < si && a.charCodeAt(i) === 0x30) i++;
      while (j < sj && b.charCodeAt(j) === 0x30) j++;
      if (si - i !== sj - j) return si - i > sj - j ? 1 : -1;
    }
    for (; i < si && j < sj; i++, j++) {
      const d = a.charCodeAt(i) - b.charCodeAt(j);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    if (i < si || j < sj) return i < si ? 1 : -1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

/**
 * Orders epoch (numerically; missing = 0), then version, then release with `rpmvercmp`.
 * A missing release sorts below any release, even `~1` (`1.0 < 1.0-~1`), as rpm's `rpmverCmp()`
 * (Lua `rpm.vercmp`, rpm 4.18) does. Note that rpm's dependency matching (`rpmdsCompare`) differs:
 * there a requirement without a release (`Requires: foo >= 1.0`) ignores the candidate's release.
 */
export function compareRpmVersions(a: RpmVersion, b: RpmVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === undefined || b.release === undefined) {
    return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

/** The RPM version scheme (RHEL, AlmaLinux, Rocky, Fedora, SUSE, ...). */
export const rpm: VersionScheme<RpmVersion> = {
  id: 'rpm',
  parse: parseRpmVersion,
  compare: compareRpmVersions,
};

/**
 * Compares two RPM `[epoch:]version[-release]` strings: negative, 0 or positive.
 * @throws InvalidVersionError when either is not an RPM version
 */
export function compareRpm(a: string, b: string): number {
  return compareRpmVersions(parseRpmVersion(a), parseRpmVersion(b));
}
