/**
 * poetry.lock parser. The format is Poetry's own (no separate spec); see
 * https://python-poetry.org/docs/basic-usage/#installing-with-poetrylock and Poetry's
 * `poetry/packages/locker.py`: `[[package]]` tables with name, version, optional,
 * `category` ("main"/"dev", lock-version < 2.0), and `groups` (lock-version ≥ 2.1, Poetry 2).
 */
import type { Package } from '../../../model/index.ts';
import { isObj, isPythonName, mergePackages, parseError, pypiPackage, type EntryProblem, type ParseOutput } from '../common.ts';
import { parseToml } from '../toml.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'python/poetry-lock';

/**
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a poetry.lock
 */
export function parsePoetryLock(text: string, path: string): ParseOutput {
  const doc = parseToml(text, path);
  if (!Array.isArray(doc.package) && !isObj(doc.metadata)) throw parseError(path, 'parse-error', 'not a poetry.lock: no [[package]] or [metadata]');
  const problems: EntryProblem[] = [];
  const pkgs: Package[] = [];
  for (const [i, e] of (Array.isArray(doc.package) ? doc.package : []).entries()) {
    if (!isObj(e) || typeof e.name !== 'string' || typeof e.version !== 'string' || !isPythonName(e.name)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: package[${i}]: needs a valid name and a version` });
      continue;
    }
    let dev: boolean | undefined;
    if (typeof e.category === 'string') dev = e.category === 'dev';
    // Poetry 2 records the dependency groups that need each package; "main" is production
    else if (Array.isArray(e.groups)) dev = !e.groups.includes('main');
    const pkg = entry(problems, `${path}: package[${i}] ${e.name}`, () => pypiPackage({ name: e.name as string, version: e.version as string, location: path, foundBy: FOUND_BY, dev }));
    if (pkg) pkgs.push(pkg);
  }
  return { packages: mergePackages(pkgs), problems };
}
