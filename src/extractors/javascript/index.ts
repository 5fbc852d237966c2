/** The npm-ecosystem extractors, listed explicitly (no registration by import side effect). */
import type { Extractor } from '../types.ts';
import { nodeModulesExtractor } from './node-modules/index.ts';
import { packageLockExtractor } from './package-lock/index.ts';
import { pnpmLockExtractor } from './pnpm-lock/index.ts';
import { yarnLockExtractor } from './yarn-lock/index.ts';

export { nodeModulesExtractor, packageLockExtractor, pnpmLockExtractor, yarnLockExtractor };

export const javascriptExtractors: readonly Extractor[] = [packageLockExtractor, yarnLockExtractor, pnpmLockExtractor, nodeModulesExtractor];
