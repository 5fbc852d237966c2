/** Dart/Flutter extractors. */
import type { Extractor } from '../types.ts';
import { pubspecLockExtractor } from './pubspec-lock/index.ts';

export { pubspecLockExtractor };
export const dartExtractors: Extractor[] = [pubspecLockExtractor];
