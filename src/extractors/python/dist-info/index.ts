/** The `python/dist-info` extractor: installed distributions' METADATA / PKG-INFO. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, isDistMetadata, parseDistMetadata } from './parse.ts';

export { isDistMetadata, parseDistMetadata, parseHeaders } from './parse.ts';

export const distInfoExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired: named({ names: ['METADATA', 'PKG-INFO'], extensions: ['egg-info'] }, (path, info) => {
    return info.kind !== 'dir' && isDistMetadata(path);
  }),
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parseDistMetadata(text, file.info.path));
  },
};
