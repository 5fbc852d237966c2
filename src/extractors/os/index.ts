/**
 * OS package extractors and OS detection. `detectOs` runs once per filesystem before the
 * extractors (it reads `OS_RELEASE_PATHS`); the extractors take the result from `ctx.os`.
 */
import type { Extractor } from '../types.ts';
import { apkExtractor } from './apk/index.ts';
import { dpkgExtractor } from './dpkg/index.ts';
import { rpmExtractor } from './rpm/index.ts';

export { detectOs, osvEcosystem, OS_RELEASE_PATHS } from './release/index.ts';
export { dpkgExtractor, dpkgOwnedFiles, isDpkgListFile } from './dpkg/index.ts';
export { apkExtractor } from './apk/index.ts';
export { rpmExtractor } from './rpm/index.ts';

/** The OS package extractors, in a fixed order. */
export const osExtractors: readonly Extractor[] = [dpkgExtractor, apkExtractor, rpmExtractor];
