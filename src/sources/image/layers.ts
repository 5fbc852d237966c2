/**
 * Streaming layer reading: detects the compression by magic bytes, hashes the blob and the
 * uncompressed tar on the way (for digest checks) and enforces the size and ratio limits.
 */
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';

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

/**
 * A decompressing pipeline stage that also says how many compressed bytes it had consumed when it
 * produced its output so far: a file's ratio (decompression-bomb) is judged by the compressed
 * bytes consumed while its body streamed by, so the count must follow the output, not the input
 * fed in (the decompressor and the streams between run ahead of the reader by whole chunks).
 */
export interface Inflater {
  stage: Transform | ((src: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>);
  /**
   * Compressed bytes consumed to produce the first `out` bytes of output: exact at the end of each
   * chunk the stage emitted; for a position inside a chunk, the count at that chunk's end (so at
   * most one output chunk's worth of compressed bytes more than exact, never less).
   */
  consumedFor(out: number): number;
}

/** Output positions (the end of each emitted chunk) with the compressed bytes consumed by then, read in order. */
class ConsumptionMarks {
  private ends: number[] = [];
  private consumed: number[] = [];
  private head = 0;
  private produced = 0;
  last = 0;

  /** `n` more output bytes, produced once `consumed` compressed bytes were in */
  add(n: number, consumed: number): void {
    this.produced += n;
    this.last = consumed;
    this.ends.push(this.produced);
    this.consumed.push(consumed);
  }

  at(out: number): number {
    while (this.head < this.ends.length && this.ends[this.head] < out) this.head++;
    const c = this.head < this.ends.length ? this.consumed[this.head] : this.last;
    if (this.head > 1024) {
      // marks the reader has passed are dropped now and then (only the chunks in flight stay)
      this.ends.splice(0, this.head);
      this.consumed.splice(0, this.head);
      this.head = 0;
    }
    return c;
  }
}

/**
 * gunzip through node:zlib (inflated off the main thread), with each output chunk's consumption
 * taken from the stream's `bytesWritten` (the compressed bytes zlib has consumed, updated just
 * before each chunk is pushed: lib/zlib.js processCallback). Input may then come in chunks of any
 * size without blurring the per-file ratios.
 */
function gunzipInflater(): Inflater {
  const gz = createGunzip({ chunkSize: GUNZIP_CHUNK });
  const marks = new ConsumptionMarks();
  const push = gz.push;
  gz.push = function (this: typeof gz, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) marks.add((chunk as Buffer).length, gz.bytesWritten);
    return push.call(this, chunk, encoding);
  };
  return { stage: gz, consumedFor: (out) => marks.at(out) };
}
/**
 * Output chunk size of gunzip: a file's compressed count is exact to within the compressed bytes
 * behind one chunk (see Inflater), and each chunk is one hop through the thread pool.
 */
const GUNZIP_CHUNK = 128 * 1024;

/**
 * zstd as a pipeline stage that honours backpressure: fzstd inflates whatever it is given at once
 * (a zstd RLE block turns 4 bytes into 128 KiB, so 64 KiB can become 2 GiB), so the input is fed
 * in 256-byte slices and what each slice produced is handed on before the next is fed: at most
 * ~8 MiB is inflated ahead of the reader. (A 66 KB zstd layer of 2 GiB zeros took 4.3 GB through
 * the Transform, which buffered every block.) fzstd is loaded only when a zstd layer comes.
 */
function zstdInflater(): Inflater {
  const marks = new ConsumptionMarks();
  async function* inflate(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const { Decompress } = await import('fzstd');
    const out: Buffer[] = [];
    let consumed = 0;
    const d = new Decompress((data) => {
      if (data.length === 0) return;
      marks.add(data.length, consumed);
      out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    });
    for await (const c of src) {
      for (let at = 0; at < c.length; at += ZSTD_SLICE) {
        const slice = c.subarray(at, at + ZSTD_SLICE);
        consumed += slice.length;
        d.push(slice);
        while (out.length) yield out.shift()!;
      }
    }
    d.push(new Uint8Array(0), true);
    while (out.length) yield out.shift()!;
  }
  return { stage: inflate, consumedFor: (out) => marks.at(out) };
}
const ZSTD_SLICE = 256;

/**
 * Inflates `size` bytes of a local file from `start` through a gunzip Inflater: the compressed
 * bytes are read synchronously (pread from the page cache costs less than a hop through the
 * thread pool) into a few reused buffers, each back in the pool once zlib has consumed it, so
 * reading allocates no fresh memory per chunk (fresh pages cost a fault each: 65 MiB read through
 * new 1 MiB buffers took ~16k page faults). `onInput` sees every compressed chunk in order.
 * Yields the output; an error on either side ends both.
 */
export async function* inflateFileRange(inflater: Inflater, fd: number, start: number, size: number, onInput?: (c: Buffer) => void): AsyncGenerator<Buffer> {
  const gz = inflater.stage as Transform;
  const pool: Buffer[] = [];
  const writer = async (): Promise<void> => {
    let pos = 0;
    while (pos < size && !gz.destroyed) {
      const b = pool.pop() ?? Buffer.allocUnsafeSlow(INPUT_CHUNK);
      const n = readSync(fd, b, 0, Math.min(INPUT_CHUNK, size - pos), start + pos);
      if (n === 0) throw new Error(`unexpected end of file at ${start + pos} (the blob is ${size} bytes)`);
      pos += n;
      const c = b.subarray(0, n);
      onInput?.(c);
      if (!gz.write(c, () => pool.push(b))) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            gz.off('drain', done);
            gz.off('close', done);
            resolve();
          };
          gz.on('drain', done);
          gz.on('close', done);
        });
      }
    }
    if (!gz.destroyed) gz.end();
  };
  writer().catch((e: unknown) => gz.destroy(e as Error));
  yield* gz as AsyncIterable<Buffer>;
}
/** Compressed bytes read per chunk (three or four are in use at once). */
const INPUT_CHUNK = 256 * 1024;

/** The decompressing stage for a layer's pipeline, or null for a plain tar. */
export function createInflater(c: Compression): Inflater | null {
  if (c === 'gzip') return gunzipInflater();
  if (c === 'zstd') return zstdInflater();
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
