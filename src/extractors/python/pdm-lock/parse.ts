/**
 * pdm.lock parser. Format: PDM's lock file (https://pdm-project.org/latest/usage/lockfile/):
 * TOML with `[metadata]` (`groups`, `lock_version`) and `[[package]]` tables with name, version
 * and, since lock_version 4.4, `groups` — the groups needing the package, "default" being production.
 */
import type { Package } from '../../../model/index.ts';
import { isObj, isPythonName, mergePackages, parseError, pypiPackage, type EntryProblem, type ParseOutput } from '../common.ts';
import { parseToml } from '../toml.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'python/pdm-lock';

/**
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a pdm.lock
 */
export function parsePdmLock(text: string, path: string): ParseOutput {
  const doc = parseToml(text, path);
  if (!Array.isArray(doc.package) && !isObj(doc.metadata)) throw parseError(path, 'parse-error', 'not a pdm.lock: no [[package]] or [metadata]');
  const problems: EntryProblem[] = [];
  const pkgs: Package[] = [];
  for (const [i, e] of (Array.isArray(doc.package) ? doc.package : []).entries()) {
    if (!isObj(e) || typeof e.name !== 'string' || !isPythonName(e.name)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: package[${i}]: needs a valid name` });
      continue;
    }
    if (typeof e.version !== 'string') {
      problems.push({ rule: 'invalid-entry', message: `${path}: package[${i}] ${e.name}: no version` });
      continue;
    }
    const dev = Array.isArray(e.groups) ? !e.groups.includes('default') : undefined;
    const pkg = entry(problems, `${path}: package[${i}] ${e.name}`, () => pypiPackage({ name: e.name as string, version: e.version as string, location: path, foundBy: FOUND_BY, dev }));
    if (pkg) pkgs.push(pkg);
  }
  return { packages: mergePackages(pkgs), problems };
}
