/** Swift and Objective-C extractors: SwiftPM pins and CocoaPods lockfiles. */
import type { Extractor } from '../types.ts';
import { packageResolvedExtractor } from './package-resolved/index.ts';
import { podfileLockExtractor } from './podfile-lock/index.ts';

export { packageResolvedExtractor, podfileLockExtractor };
export const swiftExtractors: Extractor[] = [packageResolvedExtractor, podfileLockExtractor];
