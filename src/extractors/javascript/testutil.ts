/** Test helpers: run an extractor over fixture files without a real scan source. */
import { readFile } from 'node:fs/promises';
import type { Package } from '../../model/index.ts';
import type { ExtractContext, Extractor, FileError, ScanFile } from '../types.ts';

/**
 * Runs `extractor` on `path` whose bytes are `files[path]`; `files` also backs ctx.readFile.
 * Returns the packages and the recorded file errors.
 */
export async function runExtractor(extractor: Extractor, path: string, files: Record<string, Buffer | string>): Promise<{ packages: Package[]; errors: FileError[] }> {
  const data = files[path];
  if (data === undefined) throw new Error(`test setup: no bytes for ${path}`);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const file: ScanFile = { info: { path, kind: 'file', size: buf.length }, read: async () => buf };
  const ctx: ExtractContext = {
    fileErrors: [],
    readFile: async (p) => {
      const d = files[p];
      return d === undefined ? null : typeof d === 'string' ? Buffer.from(d) : d;
    },
  };
  const packages = await extractor.extract(file, ctx);
  return { packages, errors: ctx.fileErrors };
}

/** Reads a fixture from the `testdata/` folder beside the calling test (pass `import.meta.url`). */
export async function fixture(base: string, name: string): Promise<Buffer> {
  return readFile(new URL(`testdata/${name}`, base));
}

/** "name@version" strings, for compact assertions. */
export function ids(pkgs: Package[]): string[] {
  return pkgs.map((p) => `${p.name}@${p.version}`);
}
