/** The `python/poetry-lock` extractor: poetry.lock files. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
// the parser (and smol-toml) is loaded by the first poetry.lock, not by every scan

export const poetryLockExtractor: Extractor = {
  name: 'python/poetry-lock',
  version: 1,
  fileRequired: named({ names: ['poetry.lock'] }, (path) => {
    return path === 'poetry.lock' || path.endsWith('/poetry.lock');
  }),
  async extract(file, ctx) {
    const { parsePoetryLock } = await import('./parse.ts');
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parsePoetryLock(text, file.info.path));
  },
};
