/**
 * PEP 440 versions (https://packaging.python.org/en/latest/specifications/version-specifiers/),
 * the order PyPI and pip use. Parsing and ordering come from @renovatebot/pep440, a port of
 * Python's `packaging.version`; vectors.generated.txt checks it against `packaging` itself.
 */
import { parse as pep440Parse } from '@renovatebot/pep440';
import { InvalidVersionError } from '../../model/index.ts';
import type { Version, VersionScheme } from '../types.ts';

export interface Pep440Version extends Version {
  /** input with surrounding whitespace removed, as `packaging` does */
  readonly text: string;
  readonly epoch: number;
  readonly release: readonly number[];
  /** e.g. ["a", 1] / ["rc", 2] after normalisation (alpha → a, c/pre/preview → rc), or null */
  readonly pre: readonly [string, number] | null;
  /** post-release number (".post2", "-2", "rev2"), or null */
  readonly post: number | null;
  /** dev-release number, or null */
  readonly dev: number | null;
  /** normalised local label ("ubuntu.1"), or null */
  readonly local: string | null;
  /** true for pre-releases and dev releases, as `packaging` defines is_prerelease */
  readonly isPrerelease: boolean;
  /** the sort key (`packaging`'s `_cmpkey`, as the library computes it), built once at parse time */
  readonly key: Pep440Key;
}

/** A sort key: nested arrays of numbers (±Infinity for absent parts) and strings, compared as Python compares tuples. */
type Pep440Key = readonly unknown[];

/** What the library's `parse` gives (pre/post/dev as [label, n]; local split into labels and numbers). */
interface LibParsed {
  epoch: number;
  release: number[];
  pre: [string, number] | null;
  post: [string, number] | null;
  dev: [string, number] | null;
  local: (string | number)[] | null;
}

/**
 * The sort key of a parsed version: the library's `calculateKey` (lib/operator.js of
 * @renovatebot/pep440, which the library runs on two fresh parses at every comparison), computed
 * once per version instead.
 */
function sortKey(input: LibParsed): Pep440Key {
  const { epoch } = input;
  let release: number[] = input.release.concat();
  // trailing zeros of the release do not count
  release.reverse();
  while (release.length && release[0] === 0) release.shift();
  release.reverse();
  let pre: unknown = input.pre;
  let post: unknown = input.post;
  let dev: unknown = input.dev;
  let local: unknown;
  // 1.0.dev0 sorts before 1.0a0; a version without a pre-release after those with one
  if (!pre && !post && dev) pre = -Infinity;
  else if (!pre) pre = Infinity;
  if (!post) post = -Infinity;
  if (!dev) dev = Infinity;
  if (!input.local) local = -Infinity;
  // local labels: alphanumeric ones before numeric ones, each in its own order
  else local = input.local.map((i) => (Number.isNaN(Number(i)) ? [-Infinity, i] : [Number(i), '']));
  return [epoch, release, pre, post, dev, local];
}

/** Python's tuple comparison of two sort keys, as the library's `pyCompare` does it. */
function pyCompare(elemIn: unknown, otherIn: unknown): number {
  let elem = elemIn;
  let other = otherIn;
  if (elem === other) return 0;
  if (Array.isArray(elem) !== Array.isArray(other)) {
    elem = Array.isArray(elem) ? elem : [elem];
    other = Array.isArray(other) ? other : [other];
  }
  if (Array.isArray(elem)) {
    const o = other as unknown[];
    const len = Math.min(elem.length, o.length);
    for (let i = 0; i < len; i += 1) {
      const res = pyCompare(elem[i], o[i]);
      if (res !== 0) return res;
    }
    return elem.length - o.length;
  }
  if (elem === -Infinity || other === Infinity) return -1;
  if (elem === Infinity || other === -Infinity) return 1;
  return (elem as number | string) < (other as number | string) ? -1 : 1;
}

/**
 * Parses a PEP 440 version; leading/trailing whitespace and a leading "v" are accepted as PEP 440
 * allows.
 * @throws InvalidVersionError when the string does not match the PEP 440 grammar
 */
export function parsePep440(input: string): Pep440Version {
  const text = input.trim();
  if (text === '') throw new InvalidVersionError('PEP 440', input, 'empty version');
  const parsed = pep440Parse(text) as LibParsed | null;
  if (!parsed) {
    throw new InvalidVersionError('PEP 440', input, 'does not match the PEP 440 version grammar (N!N.N[{a|b|rc}N][.postN][.devN][+local])');
  }
  // the fields of the library's explain(), from the one parse
  const { epoch, release, pre, post, dev, local } = parsed;
  return {
    raw: input,
    text,
    epoch,
    release,
    pre: pre ?? null,
    post: post ? post[1] : null,
    dev: dev ? dev[1] : null,
    local: local ? local.join('.') : null,
    isPrerelease: Boolean(dev || pre),
    key: sortKey(parsed),
  };
}

/** PEP 440 order (epoch, release, pre/post/dev, local), as `packaging.version.Version` sorts. */
export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): number {
  return Math.sign(pyCompare(a.key, b.key));
}

export const pep440Scheme: VersionScheme<Pep440Version> = {
  id: 'pep440',
  parse: parsePep440,
  compare: comparePep440Parsed,
};

/**
 * Compares two PEP 440 version strings.
 * @throws InvalidVersionError when either is not PEP 440
 */
export function comparePep440(a: string, b: string): number {
  return comparePep440Parsed(parsePep440(a), parsePep440(b));
}
