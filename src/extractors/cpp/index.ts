/** C/C++ extractors. */
import type { Extractor } from '../types.ts';
import { conanLockExtractor } from './conan-lock/index.ts';

export { conanLockExtractor };
export const cppExtractors: Extractor[] = [conanLockExtractor];
