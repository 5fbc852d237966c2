/** Java extractors. */
import type { Extractor } from '../types.ts';
import { pomExtractor } from './pom/index.ts';
import { gradleLockfileExtractor } from './gradle-lockfile/index.ts';
import { javaArchiveExtractor } from './archive/index.ts';

export { pomExtractor, gradleLockfileExtractor, javaArchiveExtractor };
export const javaExtractors: Extractor[] = [pomExtractor, gradleLockfileExtractor, javaArchiveExtractor];
