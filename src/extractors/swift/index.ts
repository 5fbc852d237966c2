/** Swift extractors (SwiftPM; CocoaPods is its own folder, cocoapods/). */
import type { Extractor } from '../types.ts';
import { packageResolvedExtractor } from './package-resolved/index.ts';

export { packageResolvedExtractor };
export const swiftExtractors: Extractor[] = [packageResolvedExtractor];
