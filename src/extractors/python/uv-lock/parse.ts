/**
 * uv.lock parser. Format: https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile
 * (TOML, `version = 1`): `[[package]]` tables with name, version, `source` (`registry`, `git`,
 * `url`, `path`, `directory`, `editable`, `virtual`), `dependencies`, `optional-dependencies`
 * and, on project entries, `dev-dependencies` (PEP 735 groups).
 *
 * The project itself and workspace members (`editable`/`virtual` sources) are not reported.
 * uv.lock has no per-package dev flag: the graph is walked from the projects' `dependencies` and
 * `optional-dependencies` (production) and `dev-dependencies` (dev).
 */
import type { Package } from '../../../model/index.ts';
import { isObj, isPythonName, mergePackages, parseError, pep503, pypiPackage, type EntryProblem, type Obj, type ParseOutput } from '../common.ts';
import { parseToml } from '../toml.ts';
import { entry } from '../../entries.ts';

export const FOUND_BY = 'python/uv-lock';

interface Node {
  name: string;
  version: string;
  project: boolean;
  raw: Obj;
  dev?: boolean;
}

/**
 * @throws VigilError (VIGIL_INVALID_INPUT, rule "parse-error") when the text is not a uv.lock
 */
export function parseUvLock(text: string, path: string): ParseOutput {
  const doc = parseToml(text, path);
  if (typeof doc.version !== 'number' || !Array.isArray(doc.package)) throw parseError(path, 'parse-error', 'not a uv.lock: needs `version` and [[package]]');
  const problems: EntryProblem[] = [];
  const nodes: Node[] = [];
  const byName = new Map<string, Node[]>();
  for (const [i, e] of doc.package.entries()) {
    if (!isObj(e) || typeof e.name !== 'string' || !isPythonName(e.name)) {
      problems.push({ rule: 'invalid-entry', message: `${path}: package[${i}]: needs a valid name` });
      continue;
    }
    const src = isObj(e.source) ? e.source : {};
    const project = 'editable' in src || 'virtual' in src;
    // `version` is absent for dynamic-version projects; required for anything else
    if (typeof e.version !== 'string' && !project) {
      problems.push({ rule: 'invalid-entry', message: `${path}: package[${i}] ${e.name}: no version` });
      continue;
    }
    const n: Node = { name: e.name, version: typeof e.version === 'string' ? e.version : '', project, raw: e };
    nodes.push(n);
    const key = pep503(e.name);
    byName.set(key, [...(byName.get(key) ?? []), n]);
  }

  // a dependency names a package, plus its version when the lock holds several (resolution forks)
  const resolve = (d: unknown): Node[] => {
    if (!isObj(d) || typeof d.name !== 'string') return [];
    const cands = byName.get(pep503(d.name)) ?? [];
    return typeof d.version === 'string' ? cands.filter((c) => c.version === d.version) : cands;
  };
  const depsOf = (n: Node, fields: string[]): Node[] => {
    const out: Node[] = [];
    for (const f of fields) {
      const v = n.raw[f];
      if (Array.isArray(v)) for (const d of v) out.push(...resolve(d));
      else if (isObj(v)) for (const list of Object.values(v)) if (Array.isArray(list)) for (const d of list) out.push(...resolve(d));
    }
    return out;
  };
  const walk = (start: Node[]): Set<Node> => {
    const seen = new Set(start);
    const stack = [...start];
    while (stack.length) {
      for (const m of depsOf(stack.pop()!, ['dependencies', 'optional-dependencies'])) {
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    return seen;
  };
  const projects = nodes.filter((n) => n.project);
  const prod = walk(projects.flatMap((p) => depsOf(p, ['dependencies', 'optional-dependencies'])));
  const dev = walk(projects.flatMap((p) => depsOf(p, ['dev-dependencies'])));
  const pkgs: Package[] = [];
  for (const n of nodes) {
    if (n.project) continue;
    const isDev = projects.length === 0 ? undefined : prod.has(n) ? false : dev.has(n) ? true : undefined;
    const pkg = entry(problems, `${path}: ${n.name}@${n.version}`, () => pypiPackage({ name: n.name, version: n.version, location: path, foundBy: FOUND_BY, dev: isDev }));
    if (pkg) pkgs.push(pkg);
  }
  return { packages: mergePackages(pkgs), problems };
}
