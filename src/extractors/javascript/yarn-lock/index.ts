/** The `javascript/yarn-lock` extractor: yarn.lock from Yarn 1 (classic) and Yarn 2+ (berry). */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { dirOf, recordOutcome } from '../common.ts';
// the parser (and @yarnpkg/parsers with js-yaml) is loaded by the first yarn.lock, not by every scan

export const yarnLockExtractor: Extractor = {
  name: 'javascript/yarn-lock',
  version: 1,
  fileRequired: named({ names: ['yarn.lock'] }, (path) => {
    return (path === 'yarn.lock' || path.endsWith('/yarn.lock')) && !path.split('/').includes('node_modules');
  }),
  async extract(file, ctx) {
    const path = file.info.path;
    const { parseYarnLock } = await import('./parse.ts');
    const text = (await file.read()).toString('utf8');
    const dir = dirOf(path);
    // the sibling package.json says which direct dependencies are dev ones; absent → dev unknown
    const manifest = await ctx.readFile(dir ? `${dir}/package.json` : 'package.json').catch(() => null);
    return recordOutcome(path, ctx, () => parseYarnLock(text, path, manifest?.toString('utf8')));
  },
};
