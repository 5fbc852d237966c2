/** PHP extractors. */
import type { Extractor } from '../types.ts';
import { composerLockExtractor } from './composer-lock/index.ts';
import { installedJsonExtractor } from './installed-json/index.ts';

export { composerLockExtractor, installedJsonExtractor };
export const phpExtractors: Extractor[] = [composerLockExtractor, installedJsonExtractor];
