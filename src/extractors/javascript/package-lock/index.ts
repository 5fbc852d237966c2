/** The `javascript/package-lock` extractor: package-lock.json and npm-shrinkwrap.json, v1–v3. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
// the readers (and zod, which checks entries) load with the first lockfile, not with every scan

/** Bytes per piece of a lockfile read in pieces (see extract). */
const PIECE_BYTES = 256 * 1024;

export const packageLockExtractor: Extractor = {
  name: 'javascript/package-lock',
  version: 1,
  fileRequired: named({ names: ['package-lock.json', 'npm-shrinkwrap.json'] }, (path) => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (base !== 'package-lock.json' && base !== 'npm-shrinkwrap.json') return false;
    // node_modules/.package-lock.json is npm's hidden lockfile (a different name), but a dependency
    // may ship its own package-lock.json inside node_modules; installed packages are read from
    // their package.json by javascript/node-modules instead.
    return !path.split('/').includes('node_modules');
  }),
  async extract(file, ctx) {
    const { parsePackageLock, parsePackageLockPieces } = await import('./parse.ts');
    // read in pieces where the source can (a 200k-package lockfile is ~80 MB): only what the piecewise
    // reading does not take (v1, invalid JSON, a repeated key) is read whole, for its usual messages
    if (file.chunks) {
      const out = await parsePackageLockPieces(file.chunks(PIECE_BYTES), file.info.path);
      if (out) return recordOutcome(file.info.path, ctx, () => out);
    }
    const bytes = await file.read();
    return recordOutcome(file.info.path, ctx, () => parsePackageLock(bytes, file.info.path));
  },
};
