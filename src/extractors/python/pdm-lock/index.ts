/** The `python/pdm-lock` extractor: pdm.lock files. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
// the parser (and smol-toml) is loaded by the first pdm.lock, not by every scan

export const pdmLockExtractor: Extractor = {
  name: 'python/pdm-lock',
  version: 1,
  fileRequired: named({ names: ['pdm.lock'] }, (path) => {
    return path === 'pdm.lock' || path.endsWith('/pdm.lock');
  }),
  async extract(file, ctx) {
    const { parsePdmLock } = await import('./parse.ts');
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePdmLock(text, file.info.path));
  },
};
