/** Rust extractors. */
import type { Extractor } from '../types.ts';
import { cargoLockExtractor } from './cargo-lock/index.ts';
import { auditableExtractor } from './auditable/index.ts';

export { cargoLockExtractor, auditableExtractor };
export const rustExtractors: Extractor[] = [cargoLockExtractor, auditableExtractor];
