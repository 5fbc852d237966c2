/** .NET extractors. */
import type { Extractor } from '../types.ts';
import { packagesLockExtractor } from './packages-lock/index.ts';
import { depsJsonExtractor } from './deps-json/index.ts';
import { packagesConfigExtractor } from './packages-config/index.ts';
import { projectFileExtractor } from './project-file/index.ts';

export { packagesLockExtractor, depsJsonExtractor, packagesConfigExtractor, projectFileExtractor };
export const dotnetExtractors: Extractor[] = [packagesLockExtractor, depsJsonExtractor, packagesConfigExtractor, projectFileExtractor];
