/** Go extractors. */
import type { Extractor } from '../types.ts';
import { goModExtractor } from './gomod/index.ts';
import { goBinaryExtractor } from './binary/index.ts';

export { goModExtractor, goBinaryExtractor };
export const goExtractors: Extractor[] = [goModExtractor, goBinaryExtractor];
