/** The `python/requirements` extractor: pinned lines of requirements*.txt, with `-r` includes. */
import type { Package } from '../../../model/index.ts';
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { dirOf, joinPath, mergePackages } from '../common.ts';
import { FOUND_BY, parseRequirements } from './parse.ts';

export { logicalLines, parseRequirements } from './parse.ts';

/** requirements.txt, requirements-dev.txt, dev-requirements.txt, requirements/base.txt… */
function isRequirementsFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (!base.endsWith('.txt')) return false;
  if (/requirements/i.test(base)) return true;
  const dir = dirOf(path);
  return /(^|\/)requirements$/i.test(dir);
}

const MAX_INCLUDE_DEPTH = 20;

export const requirementsExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired: named({ extensions: ['txt'] }, (path) => {
    return isRequirementsFile(path) && !path.split('/').some((s) => s === 'site-packages' || s === 'dist-packages' || s === 'node_modules');
  }),
  async extract(file, ctx) {
    const root = file.info.path;
    const out: Package[] = [];
    const visited = new Set<string>([root]);
    const visit = async (path: string, text: string, depth: number): Promise<void> => {
      const r = parseRequirements(text, path);
      out.push(...r.packages);
      for (const p of r.problems) ctx.fileErrors.push({ path, rule: p.rule, message: p.message });
      for (const inc of r.includes) {
        const target = joinPath(dirOf(path), inc);
        if (target === null || /^[a-z]+:\/\//i.test(inc)) {
          ctx.fileErrors.push({ path, rule: 'include-unsupported', message: `${path}: -r ${inc}: only relative paths inside the scanned tree are followed` });
          continue;
        }
        // a file this extractor is offered by itself is extracted on its own; following it here too would list its packages twice
        if (isRequirementsFile(target) || visited.has(target)) continue;
        if (depth >= MAX_INCLUDE_DEPTH) {
          ctx.fileErrors.push({ path, rule: 'include-too-deep', message: `${path}: -r ${inc}: more than ${MAX_INCLUDE_DEPTH} nested includes` });
          continue;
        }
        visited.add(target);
        const data = await ctx.readFile(target).catch(() => null);
        if (!data) {
          ctx.fileErrors.push({ path, rule: 'include-not-found', message: `${path}: -r ${inc}: ${target} is not readable` });
          continue;
        }
        await visit(target, data.toString('utf8'), depth + 1);
      }
    };
    await visit(root, (await file.read()).toString('utf8'), 0);
    return mergePackages(out);
  },
};
