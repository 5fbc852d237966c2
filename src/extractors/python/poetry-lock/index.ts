/** The `python/poetry-lock` extractor: poetry.lock files. */
import type { Extractor } from '../../types.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, parsePoetryLock } from './parse.ts';

export { parsePoetryLock } from './parse.ts';

export const poetryLockExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired(path) {
    return path === 'poetry.lock' || path.endsWith('/poetry.lock');
  },
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePoetryLock(text, file.info.path));
  },
};
