/** Test helpers for the OS extractors: a ScanFile and ExtractContext over fixture bytes. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Package } from '../../model/index.ts';
import type { ExtractContext, Extractor, FileError, OsInfo } from '../types.ts';

/** readFile over a directory, returning null for absent files, as ExtractContext.readFile does. */
export function dirReader(root: string) {
  return async (p: string): Promise<Buffer | null> => {
    try {
      return await readFile(join(root, p));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  };
}

/** Runs an extractor on `bytes` as if found at `path` (root-relative). */
export async function runExtractor(ex: Extractor, path: string, bytes: Buffer, os?: OsInfo, readFile?: (p: string) => Promise<Buffer | null>): Promise<{ packages: Package[]; errors: FileError[] }> {
  const errors: FileError[] = [];
  const ctx: ExtractContext = { os, readFile: readFile ?? (async () => null), fileErrors: errors };
  const packages = await ex.extract({ info: { path, kind: 'file', size: bytes.length }, read: async () => bytes }, ctx);
  return { packages, errors };
}
