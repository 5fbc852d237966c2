/** .NET extractors. */
import type { Extractor } from '../types.ts';
import { packagesLockExtractor } from './packages-lock/index.ts';
import { depsJsonExtractor } from './deps-json/index.ts';

export { packagesLockExtractor, depsJsonExtractor };
export const dotnetExtractors: Extractor[] = [packagesLockExtractor, depsJsonExtractor];
