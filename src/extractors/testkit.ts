/** Test helpers for extractor plugins: a ScanFile from testdata and an empty ExtractContext. */
import { readFileSync } from 'node:fs';
import type { ExtractContext, FileReader, ScanFile } from './types.ts';

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

/**
 * A FileReader over bytes, as ScanFS.openFile gives one; `perRead` caps the bytes of each read (short
 * reads, as a reader must expect). `stats.bytes` counts what was read, `stats.open` the readers not closed.
 */
export const bytesReader = (data: Buffer, perRead = Infinity, stats = { bytes: 0, open: 0 }): FileReader => {
  let open = true;
  stats.open++;
  return {
    size: data.length,
    read: async (buf, offset, length, position) => {
      if (!open) throw new Error('read after close');
      const n = Math.max(0, Math.min(length, perRead, data.length - position));
      if (n > 0) data.copy(buf, offset, position, position + n);
      stats.bytes += n;
      return n;
    },
    close: () => {
      if (open) stats.open--;
      open = false;
    },
  };
};

/** A ScanFile over bytes with positioned reads (`open`), as a directory source gives it; `stats.whole` counts read() calls. */
export const openableFile = (path: string, data: Buffer, opts: { mode?: number; perRead?: number } = {}) => {
  const stats = { bytes: 0, open: 0, whole: 0 };
  const file: ScanFile = {
    info: { path, kind: 'file', size: data.length, mode: opts.mode ?? 0o100755 },
    read: async () => {
      stats.whole++;
      return data;
    },
    open: async () => bytesReader(data, opts.perRead, stats),
  };
  return { file, stats };
};
