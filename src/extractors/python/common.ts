/**
 * Helpers shared by the PyPI extractors. The generic parts (merging, recording outcomes, parse
 * errors) are the same as the npm extractors' and are re-exported from there.
 */
import { makePurl, normalizePackageName, type Package } from '../../model/index.ts';
import { parseError } from '../javascript/common.ts';

export { dirOf, joinPath, mergePackages, parseError, recordOutcome, type EntryProblem, type ParseOutput } from '../javascript/common.ts';

/** PEP 503 normalized name: lowercase, runs of "-", "_", "." become "-". */
export function pep503(name: string): string {
  return normalizePackageName('PyPI', name);
}

/** A valid distribution name (https://packaging.python.org/en/latest/specifications/name-normalization/). */
export function isPythonName(name: string): boolean {
  return /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/.test(name);
}

/** A PyPI package: name kept as written, purl with the PEP 503 normalized name. */
export function pypiPackage(p: { name: string; version: string; location: string; foundBy: string; dev?: boolean; licenses?: string[] }): Package {
  const pkg: Package = {
    ecosystem: 'PyPI',
    name: p.name,
    version: p.version,
    purl: makePurl('pypi', undefined, pep503(p.name), p.version),
    locations: [p.location],
    foundBy: p.foundBy,
  };
  if (p.dev !== undefined) pkg.dev = p.dev;
  if (p.licenses && p.licenses.length) pkg.licenses = p.licenses;
  return pkg;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
