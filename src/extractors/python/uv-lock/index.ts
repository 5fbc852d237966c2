/** The `python/uv-lock` extractor: uv.lock files. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
// the parser (and smol-toml) is loaded by the first uv.lock, not by every scan

export const uvLockExtractor: Extractor = {
  name: 'python/uv-lock',
  version: 1,
  fileRequired: named({ names: ['uv.lock'] }, (path) => {
    return path === 'uv.lock' || path.endsWith('/uv.lock');
  }),
  async extract(file, ctx) {
    const { parseUvLock } = await import('./parse.ts');
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parseUvLock(text, file.info.path));
  },
};
