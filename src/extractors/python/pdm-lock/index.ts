/** The `python/pdm-lock` extractor: pdm.lock files. */
import type { Extractor } from '../../types.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, parsePdmLock } from './parse.ts';

export { parsePdmLock } from './parse.ts';

export const pdmLockExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired(path) {
    return path === 'pdm.lock' || path.endsWith('/pdm.lock');
  },
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePdmLock(text, file.info.path));
  },
};
