/** The `python/uv-lock` extractor: uv.lock files. */
import type { Extractor } from '../../types.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, parseUvLock } from './parse.ts';

export { parseUvLock } from './parse.ts';

export const uvLockExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired(path) {
    return path === 'uv.lock' || path.endsWith('/uv.lock');
  },
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parseUvLock(text, file.info.path));
  },
};
