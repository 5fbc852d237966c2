/**
 * php/installed-json: what Composer actually installed, from vendor/composer/installed.json
 * (Composer 1 array, or Composer 2 object whose `dev-package-names` mark dev packages).
 */
import type { Extractor } from '../../types.ts';
import { named } from '../../file-names.ts';
import { extractComposer } from '../composer-lock/index.ts';

const NAME = 'php/installed-json';

export const installedJsonExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: ['installed.json'] }, (path, info) => info.kind === 'file' && /(^|\/)vendor\/composer\/installed\.json$/.test(path) && info.size < 64 * 1024 * 1024),
  extract: (file, ctx) => extractComposer(file, ctx, 'parseInstalledJson', NAME),
};
