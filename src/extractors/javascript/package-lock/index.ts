/** The `javascript/package-lock` extractor: package-lock.json and npm-shrinkwrap.json, v1–v3. */
import type { Extractor } from '../../types.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, parsePackageLock } from './parse.ts';

export { parsePackageLock } from './parse.ts';

export const packageLockExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired(path) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base !== 'package-lock.json' && base !== 'npm-shrinkwrap.json') return false;
    // node_modules/.package-lock.json is npm's hidden lockfile (a different name), but a dependency
    // may ship its own package-lock.json inside node_modules; installed packages are read from
    // their package.json by javascript/node-modules instead.
    return !path.split('/').includes('node_modules');
  },
  async extract(file, ctx) {
    const bytes = await file.read();
    return recordOutcome(file.info.path, ctx, () => parsePackageLock(bytes, file.info.path));
  },
};
