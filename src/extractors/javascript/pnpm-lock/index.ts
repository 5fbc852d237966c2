/** The `javascript/pnpm-lock` extractor: pnpm-lock.yaml, lockfile versions 5.x to 9. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
// the parser (and the yaml package) is loaded by the first pnpm-lock.yaml, not by every scan

export const pnpmLockExtractor: Extractor = {
  name: 'javascript/pnpm-lock',
  version: 1,
  fileRequired: named({ names: ['pnpm-lock.yaml'] }, (path) => {
    // node_modules/.pnpm/lock.yaml is pnpm's record of what it installed; the installed
    // package.json files are read by javascript/node-modules instead.
    return (path === 'pnpm-lock.yaml' || path.endsWith('/pnpm-lock.yaml')) && !path.split('/').includes('node_modules');
  }),
  async extract(file, ctx) {
    const { parsePnpmLock } = await import('./parse.ts');
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePnpmLock(text, file.info.path));
  },
};
