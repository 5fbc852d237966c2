/**
 * Reading advisory containers: zip archives (osv.dev's bulk-export layout), directory trees, single
 * files (optionally .gz). Entries are read into memory one at a time and never written to disk, so a
 * hostile archive cannot write anywhere; its bad entries are still reported by name and rule.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { VigilError } from '../model/index.ts';

export interface Limits {
  /** largest uncompressed entry, in bytes */
  maxEntryBytes: number;
  /** largest ratio of uncompressed to compressed size for one entry */
  maxRatio: number;
  /** largest total uncompressed size of one archive */
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxEntryBytes: 64 * 1024 * 1024,
  maxRatio: 200,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
};

export interface ContainerEntry {
  path: string;
  data: Buffer;
}

export interface EntryProblem {
  input: string;
  rule: string;
  message: string;
}

/** Rejects entry names that would leave the extraction root if they were written out. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\0')) return 'entry name contains a NUL byte';
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\')) return 'absolute path';
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return 'path traversal ("..")';
  return undefined;
}

/** Zips up to this size are read into memory first: per-entry file reads make yauzl ~5x slower. */
const IN_MEMORY_ZIP_BYTES = 512 * 1024 * 1024;

async function openZip(path: string): Promise<yauzl.ZipFile> {
  const st = await stat(path);
  // decodeStrings: false hands us raw names, so an unsafe name is reported for that entry instead of
  // yauzl failing the whole archive
  const opts = { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true, decodeStrings: false };
  const buf = st.size <= IN_MEMORY_ZIP_BYTES ? await readFile(path) : undefined;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => {
      if (err || !zip) reject(new VigilError('VIGIL_INVALID_INPUT', `${path}: not a readable zip archive: ${err?.message ?? 'unknown error'}`, { input: path, rule: 'zip-format', cause: err }));
      else resolve(zip);
    };
    if (buf) yauzl.fromBuffer(buf, opts, done);
    else yauzl.open(path, opts, done);
  });
}

async function readStreamLimited(stream: Readable, limit: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${name}: uncompressed size exceeds ${limit} bytes`, { input: name, rule: 'entry-size-limit' });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Iterates over a zip's file entries. Unsafe names, oversized entries and likely decompression bombs
 * are reported through `onProblem` and skipped; the rest of the archive is still read. A zip that
 * cannot be opened at all (truncated, not a zip) throws a VigilError naming the file.
 */
export async function* readZip(path: string, onProblem: (p: EntryProblem) => void, limits: Limits = DEFAULT_LIMITS, displayName = path): AsyncGenerator<ContainerEntry> {
  const zip = await openZip(path);
  let total = 0;
  let done = false;
  let pendingError: Error | undefined;
  const queue: (yauzl.Entry | null)[] = [];
  let wake: (() => void) | undefined;
  zip.on('entry', (e: yauzl.Entry) => { queue.push(e); wake?.(); });
  zip.on('end', () => { done = true; queue.push(null); wake?.(); });
  zip.on('error', (err: Error) => { pendingError = err; done = true; queue.push(null); wake?.(); });
  zip.readEntry();
  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const entry = queue.shift();
      if (entry === undefined) continue;
      if (entry === null) break;
      const name = Buffer.isBuffer(entry.fileName) ? (entry.fileName as Buffer).toString('utf8') : entry.fileName;
      const label = `${displayName}!${name}`;
      if (name.endsWith('/')) { zip.readEntry(); continue; }
      const unsafe = unsafeEntryName(name);
      if (unsafe) {
        onProblem({ input: label, rule: 'path-traversal', message: `refused zip entry: ${unsafe}` });
        zip.readEntry();
        continue;
      }
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        onProblem({ input: label, rule: 'entry-size-limit', message: `entry declares ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte limit` });
        zip.readEntry();
        continue;
      }
      if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > limits.maxRatio && entry.uncompressedSize > 1024 * 1024) {
        onProblem({ input: label, rule: 'decompression-bomb', message: `compression ratio ${Math.round(entry.uncompressedSize / entry.compressedSize)}:1 is over the ${limits.maxRatio}:1 limit` });
        zip.readEntry();
        continue;
      }
      if (total + entry.uncompressedSize > limits.maxTotalBytes) {
        onProblem({ input: label, rule: 'archive-size-limit', message: `archive exceeds ${limits.maxTotalBytes} uncompressed bytes; stopping` });
        break;
      }
      let data: Buffer | undefined;
      try {
        // Raw bytes, inflated synchronously: one async zlib stream per entry costs ~0.15 ms each, which
        // is most of the time on a 20,000-entry export. The inflate is bounded by the declared size,
        // and a declared size that lies is an error (a bomb cannot inflate past it).
        const compressed = entry.compressionMethod === 8 || entry.compressionMethod === 0;
        if (!compressed) throw new VigilError('VIGIL_INVALID_INPUT', `${label}: unsupported compression method ${entry.compressionMethod}`, { input: label, rule: 'zip-format' });
        const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, { decompress: false } as yauzl.ZipFileOptions, (err, s) => (err || !s ? reject(err) : resolve(s))));
        const raw = await readStreamLimited(stream, Math.max(entry.compressedSize, 1), label);
        data = entry.compressionMethod === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
        if (data.length !== entry.uncompressedSize) {
          throw new VigilError('VIGIL_INVALID_INPUT', `${label}: inflated to ${data.length} bytes but the archive declares ${entry.uncompressedSize}`, { input: label, rule: 'zip-size-mismatch' });
        }
      } catch (err) {
        const e = err as VigilError;
        const overflow = !e.rule && /maxOutputLength|Buffer larger/i.test(e.message);
        onProblem({
          input: label,
          rule: e.rule ?? (overflow ? 'zip-size-mismatch' : 'zip-entry'),
          message: overflow ? `entry inflates past its declared size of ${entry.uncompressedSize} bytes` : e.message,
        });
      }
      if (data) {
        total += data.length;
        yield { path: name, data };
      }
      if (pendingError) break;
      zip.readEntry();
    }
  } finally {
    zip.close();
  }
  if (pendingError) throw new VigilError('VIGIL_INVALID_INPUT', `${displayName}: zip archive is damaged: ${pendingError.message}`, { input: path, rule: 'zip-format', cause: pendingError });
}

/** Lists regular files under a directory, sorted, as "/"-separated paths relative to it. Symlinks are not followed. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string) {
    const ents = await readdir(dir, { withFileTypes: true });
    ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of ents) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  }
  await walk(root);
  return out;
}

/** Reads one plain file, gunzipping `.gz` within the limits. */
export async function readPlainFile(path: string, limits: Limits = DEFAULT_LIMITS): Promise<Buffer> {
  const st = await stat(path);
  if (st.size > limits.maxEntryBytes && !path.endsWith('.gz')) {
    throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${st.size} bytes is over the ${limits.maxEntryBytes}-byte limit`, { input: path, rule: 'entry-size-limit' });
  }
  const raw = await readFile(path);
  if (!path.endsWith('.gz')) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: limits.maxEntryBytes });
  } catch (err) {
    const msg = (err as Error).message;
    const rule = /buffer|maxOutputLength|Cannot create a Buffer/i.test(msg) ? 'decompression-bomb' : 'gzip-format';
    throw new VigilError('VIGIL_INVALID_INPUT', `${path}: cannot decompress: ${msg}`, { input: path, rule, cause: err });
  }
}

export { createReadStream };
