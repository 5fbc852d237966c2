/**
 * Pipfile.lock parser. Format: https://pipenv.pypa.io/en/latest/pipfile.html and
 * https://github.com/pypa/pipfile: JSON with `_meta`, `default` (production) and `develop`
 * sections mapping names to `{version: "==1.2.3", hashes, markers}`; VCS, path and editable
 * entries have no version and are skipped.
 */
import type { Package } from '../../../model/index.ts';
import { parseJson } from '../../javascript/common.ts';
import { isObj, isPythonName, mergePackages, parseError, pypiPackage, type EntryProblem, type ParseOutput } from '../common.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'python/pipfile-lock';

/**
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a Pipfile.lock
 */
export function parsePipfileLock(text: string, path: string): ParseOutput {
  const doc = parseJson(text, path);
  if (!isObj(doc) || (!isObj(doc.default) && !isObj(doc.develop) && !isObj(doc._meta))) throw parseError(path, 'parse-error', 'not a Pipfile.lock: no _meta, default or develop');
  const problems: EntryProblem[] = [];
  const pkgs: Package[] = [];
  const prodNames = new Set(Object.keys(isObj(doc.default) ? doc.default : {}).map((n) => n.toLowerCase()));
  for (const section of ['default', 'develop'] as const) {
    const sec = doc[section];
    if (!isObj(sec)) continue;
    for (const [name, e] of Object.entries(sec)) {
      if (!isObj(e) || !isPythonName(name)) {
        problems.push({ rule: 'invalid-entry', message: `${path}: ${section}[${JSON.stringify(name)}]: not a package entry` });
        continue;
      }
      if (typeof e.version !== 'string') continue; // git/path/editable: not a registry pin
      const m = /^===?\s*(\S+)$/.exec(e.version.trim());
      if (!m) {
        problems.push({ rule: 'invalid-entry', message: `${path}: ${section}[${JSON.stringify(name)}]: version ${JSON.stringify(e.version)} is not ==pinned` });
        continue;
      }
      // a package in both sections is a production one
      const dev = section === 'develop' && !prodNames.has(name.toLowerCase());
      const pkg = entry(problems, `${path}: ${section}[${JSON.stringify(name)}]`, () => pypiPackage({ name, version: m[1], location: path, foundBy: FOUND_BY, dev }));
      if (pkg) pkgs.push(pkg);
    }
  }
  return { packages: mergePackages(pkgs), problems };
}
