/**
 * Debian package versions: `[epoch:]upstream_version[-debian_revision]`, ordered as Debian Policy
 * §5.6.12 and dpkg's `verrevcmp()` (lib/dpkg/version.c) order them.
 *
 * https://www.debian.org/doc/debian-policy/ch-controlfields.html#version
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

export interface DpkgVersion extends Version {
  readonly epoch: number;
  readonly upstream: string;
  /** "" when the version has no `-revision`; dpkg orders "" like "0" */
  readonly revision: string;
  /**
   * Set when the version breaks a rule that dpkg itself only warns about (upstream not starting
   * with a digit, a character outside the allowed set). Such versions parse unless `strict`.
   */
  readonly warning?: string;
}

export interface DpkgParseOptions {
  /** Also reject what dpkg only warns about (as `dpkg-deb --build` and `dpkg-source` do). */
  readonly strict?: boolean;
}

const SCHEME = 'Debian';
const INT_MAX = 2147483647;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isBlank = (ch: string) => ch === ' ' || ch === '\t';

/**
 * Parses a Debian version the way dpkg's `parseversion()` does.
 *
 * Errors (always thrown): empty, embedded whitespace, epoch empty / not a number / too big,
 * nothing after the colon, empty revision (`1.0-`), empty upstream version (`-1`).
 * Warnings (thrown only with `strict`, else recorded in `warning`): upstream not starting with a
 * digit; a character other than `[A-Za-z0-9.+~-:]` in the upstream version or `[A-Za-z0-9.+~]` in
 * the revision. dpkg accepts these in its status database and in `--compare-versions` with a
 * warning, so an installed package can carry one; rejecting it would hide the package from matching.
 *
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseDpkgVersion(raw: string, opts: DpkgParseOptions = {}): DpkgVersion {
  // dpkg trims leading and trailing blanks (space, tab) and rejects any inside.
  let start = 0;
  let end = raw.length;
  while (start < end && isBlank(raw[start])) start++;
  while (end > start && isBlank(raw[end - 1])) end--;
  const s = raw.slice(start, end);
  if (s === '') throw new InvalidVersionError(SCHEME, raw, 'version string is empty');
  if (/[ \t]/.test(s)) throw new InvalidVersionError(SCHEME, raw, 'version string has embedded spaces');

  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const e = s.slice(0, colon);
    if (e === '') throw new InvalidVersionError(SCHEME, raw, 'epoch in version is empty');
    // dpkg reads the epoch with strtol(), so a sign is allowed; "-0" is 0, other negatives are refused,
    // and so is anything past INT_MAX.
    const m = /^([+-]?)([0-9]+)$/.exec(e);
    if (!m) throw new InvalidVersionError(SCHEME, raw, 'epoch in version is not number');
    const n = Number(m[2]);
    if (m[1] === '-' && n !== 0) throw new InvalidVersionError(SCHEME, raw, 'epoch in version is negative');
    if (!(n <= INT_MAX)) throw new InvalidVersionError(SCHEME, raw, 'epoch in version is too big');
    epoch = n;
    rest = s.slice(colon + 1);
    if (rest === '') throw new InvalidVersionError(SCHEME, raw, 'nothing after colon in version number');
  }

  // The revision is everything after the LAST hyphen; the upstream version may contain hyphens.
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') throw new InvalidVersionError(SCHEME, raw, 'revision number is empty');
  if (upstream === '') throw new InvalidVersionError(SCHEME, raw, 'version number is empty');

  let warning: string | undefined;
  if (!isDigit(upstream.charCodeAt(0))) warning = 'version number does not start with digit';
  else if (/[^A-Za-z0-9.+~:-]/.test(upstream)) warning = 'invalid character in version number';
  else if (/[^A-Za-z0-9.+~]/.test(revision)) warning = 'invalid character in revision number';
  if (warning !== undefined && opts.strict) throw new InvalidVersionError(SCHEME, raw, warning);

  return warning === undefined ? { raw, epoch, upstream, revision } : { raw, epoch, upstream, revision, warning };
}

/**
 * dpkg's `order()`: digits 0 (never reached for a digit), letters their code, `~` below all, other
 * ASCII above letters. dpkg passes it a `char`, signed on the platforms Debian builds for, so a
 * byte of a non-ASCII character (0x80–0xff) is negative there and orders as `c + 256`: its
 * unsigned value, between the letters and the other ASCII characters.
 */
function order(c: number | undefined): number {
  if (c === undefined) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e /* ~ */) return -1;
  return c > 0x7f ? c : c + 256;
}

const encoder = new TextEncoder();

/** `s` itself when it is ASCII, else a string whose char codes are its UTF-8 bytes (what dpkg compares). */
function bytesOf(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return String.fromCharCode(...encoder.encode(s));
  return s;
}

/**
 * Compares two upstream versions or two revisions as dpkg's `verrevcmp()` does: alternating
 * non-digit runs (compared character by character with `order`) and digit runs (compared as
 * numbers, of any length). Works on UTF-8 bytes like dpkg, so lenient inputs order as in dpkg;
 * ASCII strings (nearly all) are compared as they are, without a copy.
 */
export function verrevcmp(x: string, y: string): number {
  if (x === y) return 0;
  const a = bytesOf(x);
  const b = bytesOf(y);
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    while ((i < n && !isDigit(a.charCodeAt(i))) || (j < m && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < n ? a.charCodeAt(i) : undefined);
      const bc = order(j < m ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (i < n && a.charCodeAt(i) === 0x30) i++;
    while (j < m && b.charCodeAt(j) === 0x30) j++;
    let firstDiff = 0;
    while (i < n && j < m && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < n && isDigit(a.charCodeAt(i))) return 1;
    if (j < m && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Orders two parsed versions: epoch, then upstream version, then revision. */
export function compareDpkgVersions(a: DpkgVersion, b: DpkgVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const u = verrevcmp(a.upstream, b.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(verrevcmp(a.revision, b.revision));
}

/** The Debian (dpkg) version scheme, lenient like dpkg's own database parser. */
export const dpkg: VersionScheme<DpkgVersion> = {
  id: 'dpkg',
  parse: (v) => parseDpkgVersion(v),
  compare: compareDpkgVersions,
};

/** The same order, but rejecting what dpkg only warns about. */
export const dpkgStrict: VersionScheme<DpkgVersion> = {
  id: 'dpkg',
  parse: (v) => parseDpkgVersion(v, { strict: true }),
  compare: compareDpkgVersions,
};

/**
 * Compares two Debian version strings: negative, 0 or positive.
 * @throws InvalidVersionError when either is not a Debian version
 */
export function compareDpkg(a: string, b: string): number {
  return compareDpkgVersions(parseDpkgVersion(a), parseDpkgVersion(b));
}
