/**
 * Alpine package versions, ordered as apk-tools' `apk_version_compare()` (src/version.c) orders
 * them:
 *
 *     digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}
 *
 * e.g. `1.2.3`, `1.2.3a`, `2.1_rc2`, `4.2.52_p2-r1`, `1.0_git20240101~1a2b3c-r0`.
 * https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

/**
 * Token kinds, in apk-tools' order. The order is part of the semantics: when two versions agree on
 * every shared token, the one whose next token has the lower kind is newer (a further `.digit`
 * beats a letter, which beats a suffix, ..., which beats the end), except that a pre-release
 * suffix (`_alpha`, `_beta`, `_pre`, `_rc`) is older than anything.
 */
export const ApkToken = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  CommitHash: 5,
  Revision: 6,
  End: 7,
} as const;
export type ApkToken = (typeof ApkToken)[keyof typeof ApkToken];

/** Suffix ranks: the pre-release ones below `None` (a release), the post-release ones above. */
const SUFFIX_RANK: Readonly<Record<string, number>> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };
const SUFFIX_NONE = 5;

export interface ApkVersionToken {
  readonly kind: ApkToken;
  /** the token's text without its separator: digits, the letter, the suffix name or the hash */
  readonly text: string;
}

export interface ApkVersion extends Version {
  /** the version's tokens, ending with one of kind `End` */
  readonly tokens: readonly ApkVersionToken[];
}

const SCHEME = 'Alpine';

function fail(raw: string, rule: string): never {
  throw new InvalidVersionError(SCHEME, raw, rule);
}

/**
 * Parses an apk version, rejecting exactly what `apk_version_validate()` rejects.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseApkVersion(raw: string): ApkVersion {
  const tokens: ApkVersionToken[] = [];
  let i = 0;
  const digits = (): string => {
    const start = i;
    while (i < raw.length && raw[i] >= '0' && raw[i] <= '9') i++;
    return raw.slice(start, i);
  };

  const first = digits();
  if (first === '') fail(raw, 'version must start with a digit');
  tokens.push({ kind: ApkToken.InitialDigit, text: first });
  let prev: ApkToken = ApkToken.InitialDigit;

  while (i < raw.length) {
    const c = raw[i];
    if (c >= 'a' && c <= 'z') {
      if (prev > ApkToken.Digit) fail(raw, `letter ${JSON.stringify(c)} must directly follow a number`);
      tokens.push({ kind: ApkToken.Letter, text: c });
      prev = ApkToken.Letter;
      i++;
    } else if (c === '.') {
      if (prev > ApkToken.Digit) fail(raw, "'.' may only follow a number");
      i++;
      const d = digits();
      if (d === '') fail(raw, "'.' must be followed by a number");
      tokens.push({ kind: ApkToken.Digit, text: d });
      prev = ApkToken.Digit;
    } else if (c >= '0' && c <= '9') {
      // Only reachable right after a suffix name: `_rc2`. (Digits elsewhere are eaten greedily,
      // and a digit after a letter, as in `1.0a1`, is refused.)
      if (prev !== ApkToken.Suffix) fail(raw, 'a number may not follow a letter');
      tokens.push({ kind: ApkToken.SuffixNumber, text: digits() });
      prev = ApkToken.SuffixNumber;
    } else if (c === '_') {
      if (prev > ApkToken.SuffixNumber) fail(raw, "'_suffix' may not follow a commit hash or revision");
      i++;
      const start = i;
      while (i < raw.length && raw[i] >= 'a' && raw[i] <= 'z') i++;
      const name = raw.slice(start, i);
      if (!Object.hasOwn(SUFFIX_RANK, name)) {
        fail(raw, `unknown suffix ${JSON.stringify(name)} (allowed: alpha, beta, pre, rc, cvs, svn, git, hg, p)`);
      }
      tokens.push({ kind: ApkToken.Suffix, text: name });
      prev = ApkToken.Suffix;
    } else if (c === '~') {
      if (prev >= ApkToken.CommitHash) fail(raw, "'~hash' may appear once, before the revision");
      i++;
      const start = i;
      while (i < raw.length && /[0-9a-fA-F]/.test(raw[i])) i++;
      if (i === start) fail(raw, "'~' must be followed by a hexadecimal commit hash");
      tokens.push({ kind: ApkToken.CommitHash, text: raw.slice(start, i) });
      prev = ApkToken.CommitHash;
    } else if (c === '-') {
      if (prev >= ApkToken.Revision) fail(raw, "'-r' may appear only once");
      if (raw[i + 1] !== 'r') fail(raw, "'-' must start the revision '-r<number>'");
      i += 2;
      const d = digits();
      if (d === '') fail(raw, "'-r' must be followed by a number");
      tokens.push({ kind: ApkToken.Revision, text: d });
      prev = ApkToken.Revision;
    } else {
      fail(raw, `invalid character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: ApkToken.End, text: '' });
  return { raw, tokens };
}

/** Numeric order of two digit strings of any length. */
function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte order, a shorter prefix first (apk's `apk_blob_sort`). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two tokens of the same kind. */
function compareTokens(a: ApkVersionToken, b: ApkVersionToken): number {
  switch (a.kind) {
    case ApkToken.Digit:
      // A component after '.' with a leading zero compares as a string, as in Gentoo:
      // 1.01 < 1.1, 8.2.0015 < 8.2.002, 1.0 < 1.00.
      if (a.text[0] === '0' || b.text[0] === '0') return compareStrings(a.text, b.text);
      return compareNumbers(a.text, b.text);
    case ApkToken.InitialDigit:
    case ApkToken.SuffixNumber:
    case ApkToken.Revision:
      return compareNumbers(a.text, b.text);
    case ApkToken.Letter:
      return compareStrings(a.text, b.text);
    case ApkToken.Suffix:
      return Math.sign(SUFFIX_RANK[a.text] - SUFFIX_RANK[b.text]);
    default:
      return compareStrings(a.text, b.text);
  }
}

/** Orders two parsed apk versions: negative, 0 or positive. */
export function compareApkVersions(a: ApkVersion, b: ApkVersion): number {
  let k = 0;
  let ta = a.tokens[0];
  let tb = b.tokens[0];
  while (ta.kind === tb.kind && ta.kind !== ApkToken.End) {
    const r = compareTokens(ta, tb);
    if (r !== 0) return r;
    k++;
    ta = a.tokens[k];
    tb = b.tokens[k];
  }
  if (ta.kind === tb.kind) return 0;
  // Equal so far, and one goes on differently: a pre-release suffix is older than anything ...
  if (ta.kind === ApkToken.Suffix && SUFFIX_RANK[ta.text] < SUFFIX_NONE) return -1;
  if (tb.kind === ApkToken.Suffix && SUFFIX_RANK[tb.text] < SUFFIX_NONE) return 1;
  // ... otherwise the lower token kind is newer (1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0).
  return ta.kind > tb.kind ? -1 : 1;
}

/** The Alpine (apk) version scheme. */
export const apk: VersionScheme<ApkVersion> = {
  id: 'apk',
  parse: parseApkVersion,
  compare: compareApkVersions,
};

/**
 * Compares two apk version strings: negative, 0 or positive.
 * @throws InvalidVersionError when either is not a valid apk version
 */
export function compareApk(a: string, b: string): number {
  return compareApkVersions(parseApkVersion(a), parseApkVersion(b));
}
