/**
 * Streaming layer reading: detects the compression by magic bytes, hashes the blob and the
 * uncompressed tar on the way (for digest checks) and enforces the size and ratio limits.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads at least `n` bytes (or to the end) and returns them with a stream of everything. */
export async function peek(src: Readable | AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = (src as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, stream: all() };
}

/** zstd through fzstd's streaming decoder (pure JS; zstd layers are rarer than gzip). */
export function createZstdDecompress(): Transform {
  let d: Decompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        d.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      try {
        d.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  d = new Decompress((data) => {
    if (data.length > 0) t.push(Buffer.from(data));
  });
  return t;
}

/**
 * zstd as a pipeline stage that honours backpressure: fzstd inflates whatever it is given at once
 * (a zstd RLE block turns 4 bytes into 128 KiB, so 64 KiB can become 2 GiB), so the input is fed
 * in 256-byte slices and what each slice produced is handed on before the next is fed: at most
 * ~8 MiB is inflated ahead of the reader. (A 66 KB zstd layer of 2 GiB zeros took 4.3 GB through
 * the Transform, which buffered every block.)
 */
export async function* zstdInflate(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const d = new Decompress((data) => {
    if (data.length > 0) out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  });
  for await (const c of src) {
    for (let at = 0; at < c.length; at += ZSTD_SLICE) {
      d.push(c.subarray(at, at + ZSTD_SLICE));
      while (out.length) yield out.shift()!;
    }
  }
  d.push(new Uint8Array(0), true);
  while (out.length) yield out.shift()!;
}
const ZSTD_SLICE = 256;

/** The decompressing stage for a layer's pipeline, or null for a plain tar. */
export function createDecompressor(c: Compression): Transform | ((src: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>) | null {
  if (c === 'gzip') return createGunzip({ chunkSize: 1024 * 1024 });
  if (c === 'zstd') return zstdInflate;
  return null;
}

/** A layer that broke a size or ratio limit. */
export class BombError extends Error {
  constructor(
    message: string,
    readonly rule: string,
  ) {
    super(message);
  }
}

export interface Meter {
  compressed: number;
  uncompressed: number;
  blobHash: Hash | null;
  tarHash: Hash | null;
}

export function newMeter(algoBlob: string | null, algoTar: string | null): Meter {
  return {
    compressed: 0,
    uncompressed: 0,
    blobHash: algoBlob ? createHash(algoBlob) : null,
    tarHash: algoTar ? createHash(algoTar) : null,
  };
}

/** Below this many uncompressed bytes the ratio is not judged (small text layers compress well). */
export const RATIO_FLOOR = 1024 * 1024;

/** "sha256:…" → ["sha256", hex], or null for an unsupported or malformed digest */
export function parseDigest(d: string | undefined): [string, string] | null {
  if (!d) return null;
  const m = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/.exec(d);
  if (!m) return null;
  if ((m[1] === 'sha256') !== (m[2].length === 64)) return null;
  return [m[1], m[2]];
}
