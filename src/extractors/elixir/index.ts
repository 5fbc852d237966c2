/** Elixir/Erlang (Hex) extractors. */
import type { Extractor } from '../types.ts';
import { mixLockExtractor } from './mix-lock/index.ts';

export { mixLockExtractor };
export const elixirExtractors: Extractor[] = [mixLockExtractor];
