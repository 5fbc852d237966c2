/** The PyPI extractors, listed explicitly (no registration by import side effect). */
import type { Extractor } from '../types.ts';
import { distInfoExtractor } from './dist-info/index.ts';
import { pdmLockExtractor } from './pdm-lock/index.ts';
import { pipfileLockExtractor } from './pipfile-lock/index.ts';
import { poetryLockExtractor } from './poetry-lock/index.ts';
import { requirementsExtractor } from './requirements/index.ts';
import { uvLockExtractor } from './uv-lock/index.ts';

export { distInfoExtractor, pdmLockExtractor, pipfileLockExtractor, poetryLockExtractor, requirementsExtractor, uvLockExtractor };

export const pythonExtractors: readonly Extractor[] = [requirementsExtractor, poetryLockExtractor, pipfileLockExtractor, pdmLockExtractor, uvLockExtractor, distInfoExtractor];
