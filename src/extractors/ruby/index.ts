/** Ruby extractors. */
import type { Extractor } from '../types.ts';
import { gemfileLockExtractor } from './gemfile-lock/index.ts';
import { gemspecExtractor } from './gemspec/index.ts';

export { gemfileLockExtractor, gemspecExtractor };
export const rubyExtractors: Extractor[] = [gemfileLockExtractor, gemspecExtractor];
