/** Test helpers for extractor plugins: a ScanFile from testdata and an empty ExtractContext. */
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from './types.ts';

/** A ScanFile over bytes, at `path`. */
export const scanFile = (path: string, data: Buffer | string): ScanFile => {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return { info: { path, kind: 'file', size: b.length }, read: async () => b };
};

/** An ExtractContext whose readFile serves `files` (path → text) and nothing else. */
export const extractCtx = (files: Record<string, string | Buffer> = {}): ExtractContext => ({
  readFile: async (p) => (Object.hasOwn(files, p) ? Buffer.from(files[p]) : null),
  fileErrors: [],
});

/** A testdata reader for the plugin folder of `metaUrl` (import.meta.url). */
export const testdata = (metaUrl: string) => (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, metaUrl));
