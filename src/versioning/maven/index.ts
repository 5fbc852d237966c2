/**
 * Maven version order: a hand-written port of maven-artifact's ComparableVersion as shipped in
 * Maven 3.8.7 / 3.9.x (with MNG-5568, MNG-6572, MNG-6964 and MNG-7644: `.X1 < -X2`,
 * `2.0.X == 2-X`), the order OSV's "Maven" ecosystem and GitHub advisories use.
 * Maven 4's CombinationItem (`rc1` as one item) is not modelled; nor is the pre-3.8.7 order.
 * Spec: https://maven.apache.org/pom.html#version-order-specification
 *
 * Also Maven version range specs (https://maven.apache.org/enforcer/enforcer-rules/versionRanges.html):
 * `[1.0,2.0)`, `(,1.0]`, `[1.2]`, unions `[1,2),[3,4)`, and the bare soft requirement `1.0`.
 */
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';
import { intervalContains, parseBracketIntervals, type Interval } from '../interval.ts';

type NumItem = { readonly t: 'num'; readonly v: bigint };
type StrItem = { readonly t: 'str'; readonly v: string };
type ListItem = { readonly t: 'list'; readonly items: Item[] };
type Item = NumItem | StrItem | ListItem;

export interface MavenVersion extends Version {
  /** the canonical form ComparableVersion prints: "1-alpha-1" for "1.0.0-ALPHA1" */
  readonly canonical: string;
  /** @internal parsed item tree */
  readonly items: ListItem;
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

// Java's Character.isDigit also accepts non-ASCII digits; Maven versions are ASCII in practice
function isDigitCh(c: string): boolean {
  return c >= '0' && c <= '9';
}

function strItem(value: string, followedByDigit: boolean): StrItem {
  let v = value;
  if (followedByDigit && v.length === 1) {
    // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  return { t: 'str', v: Object.hasOwn(ALIASES, v) ? ALIASES[v] : v };
}

function parseItem(isDigit: boolean, buf: string): Item {
  // Int/Long/BigInteger items in Java differ only in width; one bigint orders them the same way
  if (isDigit) return { t: 'num', v: BigInt(buf === '' ? '0' : buf) };
  return strItem(buf, false);
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function strCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isNull(it: Item): boolean {
  if (it.t === 'num') return it.v === 0n;
  if (it.t === 'str') return comparableQualifier(it.v) === RELEASE_INDEX;
  return it.items.length === 0;
}

/** Item.compareTo(item) from ComparableVersion; `b` undefined stands for Java's null. */
function cmp(a: Item, b: Item | undefined): number {
  if (a.t === 'num') {
    if (b === undefined) return a.v === 0n ? 0 : 1; // 1.0 == 1, 1.1 > 1
    if (b.t === 'num') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    return 1; // 1.1 > 1-sp, 1.1 > 1-1
  }
  if (a.t === 'str') {
    if (b === undefined) return strCmp(comparableQualifier(a.v), RELEASE_INDEX); // 1-rc < 1, 1-ga > 1
    if (b.t === 'str') return strCmp(comparableQualifier(a.v), comparableQualifier(b.v));
    return -1; // 1.any < 1.1, 1.any < 1-1
  }
  if (b === undefined) {
    // 1-0 = 1- (normalize) = 1; compare the entire list with null, not just the first item (MNG-6964)
    for (const it of a.items) {
      const r = cmp(it, undefined);
      if (r !== 0) return r;
    }
    return 0;
  }
  if (b.t === 'num') return -1; // 1-1 < 1.0.x
  if (b.t === 'str') return 1; // 1-1 > 1-sp
  const n = Math.max(a.items.length, b.items.length);
  for (let i = 0; i < n; i++) {
    const l = a.items[i];
    const r = b.items[i];
    // if this is shorter, invert the comparison
    const res = l === undefined ? (r === undefined ? 0 : -cmp(r, undefined)) : cmp(l, r);
    if (res !== 0) return res;
  }
  return 0;
}

/** Removes trailing null items (0, "", empty lists), looking through trailing sub-lists. */
function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const last = items[i];
    if (isNull(last)) items.splice(i, 1);
    else if (last.t !== 'list') break;
  }
}

function toCanonical(list: ListItem): string {
  let out = '';
  for (const it of list.items) {
    if (out.length > 0) out += it.t === 'list' ? '-' : '.';
    out += it.t === 'list' ? toCanonical(it) : String(it.v);
  }
  return out;
}

/** ComparableVersion.parseVersion, statement for statement. */
function parseItems(input: string): ListItem {
  const version = input.toLowerCase();
  const items: ListItem = { t: 'list', items: [] };
  let list = items;
  const stack: ListItem[] = [list];
  const push = (): void => {
    const next: ListItem = { t: 'list', items: [] };
    list.items.push(next);
    list = next;
    stack.push(list);
  };
  let isDigit = false;
  let startIndex = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version[i];
    if (c === '.') {
      if (i === startIndex) list.items.push({ t: 'num', v: 0n });
      else list.items.push(parseItem(isDigit, version.slice(startIndex, i)));
      startIndex = i + 1;
    } else if (c === '-') {
      if (i === startIndex) list.items.push({ t: 'num', v: 0n });
      else list.items.push(parseItem(isDigit, version.slice(startIndex, i)));
      startIndex = i + 1;
      push();
    } else if (isDigitCh(c)) {
      if (!isDigit && i > startIndex) {
        // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X (MNG-7644)
        if (list.items.length > 0) push();
        list.items.push(strItem(version.slice(startIndex, i), true));
        startIndex = i;
        push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > startIndex) {
        list.items.push(parseItem(true, version.slice(startIndex, i)));
        startIndex = i;
        push();
      }
      isDigit = false;
    }
  }
  if (version.length > startIndex) {
    // treat .X as -X for any string qualifier X (MNG-7644)
    if (!isDigit && list.items.length > 0) push();
    list.items.push(parseItem(isDigit, version.slice(startIndex)));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return items;
}

/**
 * Parses a Maven version. ComparableVersion accepts any string; we reject only what cannot be a
 * version in a POM or a range: empty strings, whitespace, and the range characters `[](),`.
 * @throws InvalidVersionError naming the input and the rule it broke
 */
export function parseMavenVersion(input: string): MavenVersion {
  if (input.length === 0) throw new InvalidVersionError('Maven', input, 'empty version');
  if (/\s/.test(input)) throw new InvalidVersionError('Maven', input, 'whitespace is not allowed');
  if (/[[\](),]/.test(input)) throw new InvalidVersionError('Maven', input, 'range characters []() and "," belong in a range spec, not a version');
  const items = parseItems(input);
  return { raw: input, items, canonical: toCanonical(items) };
}

export function compareMavenParsed(a: MavenVersion, b: MavenVersion): number {
  return Math.sign(cmp(a.items, b.items));
}

export const mavenScheme: VersionScheme<MavenVersion> = {
  id: 'maven',
  parse: parseMavenVersion,
  compare: compareMavenParsed,
};

/**
 * Compares two Maven versions.
 * @throws InvalidVersionError when either cannot be parsed
 */
export function compareMaven(a: string, b: string): number {
  return compareMavenParsed(parseMavenVersion(a), parseMavenVersion(b));
}

/** A parsed Maven version range spec. */
export interface MavenRange {
  readonly raw: string;
  /** the bare "1.0" form: a soft requirement that, as in Maven, restricts nothing */
  readonly recommended?: MavenVersion;
  /** restrictions in spec order; a version matches when any contains it */
  readonly restrictions: readonly Interval<MavenVersion>[];
  contains(version: MavenVersion | string): boolean;
}

/**
 * Parses a Maven version range, as VersionRange.createFromVersionSpec does: `[1.0,2.0)`,
 * `(,1.0]`, `[1.2]`, `[1,2),[3,4)`, or a bare soft version `1.0` (which contains every version).
 * @throws InvalidVersionError naming the spec and the rule it broke (unbalanced brackets,
 *   a bound above its upper bound, overlapping intervals, an invalid version)
 */
export function parseMavenRange(spec: string): MavenRange {
  const s = spec.trim();
  if (s === '') throw new InvalidVersionError('Maven', spec, 'range: empty range');
  let recommended: MavenVersion | undefined;
  let restrictions: Interval<MavenVersion>[];
  if (s[0] !== '[' && s[0] !== '(') {
    recommended = parseMavenVersion(s);
    restrictions = [{}];
  } else {
    restrictions = parseBracketIntervals(s, mavenScheme, { schemeName: 'Maven', allowUnion: true, strictOrder: true });
    for (let i = 1; i < restrictions.length; i++) {
      const prev = restrictions[i - 1].upper;
      const lo = restrictions[i].lower;
      if (!prev || !lo || compareMavenParsed(lo.version, prev.version) < 0) {
        throw new InvalidVersionError('Maven', spec, 'range: intervals overlap or are out of order');
      }
    }
  }
  return {
    raw: spec,
    ...(recommended ? { recommended } : {}),
    restrictions,
    contains(version) {
      const v = typeof version === 'string' ? parseMavenVersion(version) : version;
      return restrictions.some((iv) => intervalContains(iv, v, compareMavenParsed));
    },
  };
}
