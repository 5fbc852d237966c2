/**
 * PEP 440 versions (https://packaging.python.org/en/latest/specifications/version-specifiers/),
 * the order PyPI and pip use. Parsing and ordering come from @renovatebot/pep440, a port of
 * Python's `packaging.version`; vectors.generated.txt checks it against `packaging` itself.
 */
import { compare as pep440Compare, explain, parse as pep440Parse } from '@renovatebot/pep440';
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
}

/**
 * Parses a PEP 440 version; leading/trailing whitespace and a leading "v" are accepted as PEP 440
 * allows.
 * @throws InvalidVersionError when the string does not match the PEP 440 grammar
 */
export function parsePep440(input: string): Pep440Version {
  const text = input.trim();
  if (text === '') throw new InvalidVersionError('PEP 440', input, 'empty version');
  const ok = pep440Parse(text);
  const ex = ok ? explain(text) : null;
  if (!ok || !ex) {
    throw new InvalidVersionError('PEP 440', input, 'does not match the PEP 440 version grammar (N!N.N[{a|b|rc}N][.postN][.devN][+local])');
  }
  return {
    raw: input,
    text,
    epoch: ex.epoch,
    release: ex.release,
    // the library's typings say arrays; at run time explain() gives [label, n] for pre and plain
    // numbers for post and dev
    pre: (ex.pre as unknown as [string, number] | null) ?? null,
    post: (ex.post as unknown as number | null) ?? null,
    dev: (ex.dev as unknown as number | null) ?? null,
    local: ex.local,
    isPrerelease: ex.is_prerelease,
  };
}

/** PEP 440 order (epoch, release, pre/post/dev, local), as `packaging.version.Version` sorts. */
export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): number {
  return Math.sign(pep440Compare(a.text, b.text));
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
