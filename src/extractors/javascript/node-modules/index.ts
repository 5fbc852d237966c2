/** The `javascript/node-modules` extractor: installed package.json manifests under node_modules. */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { recordOutcome } from '../common.ts';
import { FOUND_BY, isInstalledManifest, parseInstalledManifest } from './parse.ts';

export { isInstalledManifest, parseInstalledManifest } from './parse.ts';

export const nodeModulesExtractor: Extractor = {
  name: FOUND_BY,
  version: 1,
  fileRequired: named({ names: ['package.json'] }, (path) => {
    return isInstalledManifest(path);
  }),
  async extract(file, ctx) {
    const text = (await file.read()).toString('utf8');
    return recordOutcome(file.info.path, ctx, () => parseInstalledManifest(text, file.info.path));
  },
};
