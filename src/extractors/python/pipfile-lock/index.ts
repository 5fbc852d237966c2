/** The `python/pipfile-lock` extractor: Pipfile.lock files. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, parsePipfileLock } from './parse.ts';

export { parsePipfileLock } from './parse.ts';

export const pipfileLockExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired: named({ names: ['Pipfile.lock'] }, (path) => {
    return path === 'Pipfile.lock' || path.endsWith('/Pipfile.lock');
  }),
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePipfileLock(text, file.info.path));
  },
};
