/**
 * A small pull-based tar reader for layer blobs: ustar, GNU (long names, base-256 sizes) and pax
 * (`path`, `linkpath`, `size`; global headers) entries, header by header. Bodies the caller does
 * not read are skipped — for a plain tar in a local file without seeking through the bytes at all.
 *
 * It replaces a general streaming extractor because an image scan keeps only a handful of the
 * tens of thousands of files of a layer: the headers are parsed where the chunks lie, and only the
 * wanted bodies are copied. The header rules follow tar-stream's (and tar(5)): checksums are
 * verified, a zero block ends the archive (as Go's archive/tar, which the container runtimes use).
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Entry types, named as tar-stream names them (null for a type flag nobody defines). */
export type TarType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | null;

export interface TarHeader {
  name: string;
  type: TarType;
  /** the type flag as written, for messages about unknown types */
  flag: string;
  mode: number;
  /** owner and group ids (pax uid/gid applied) */
  uid: number;
  gid: number;
  /** size of the body (pax `size` applied) */
  size: number;
  linkname: string | null;
  devmajor: number;
  devminor: number;
}

/** Where the bytes of one tar come from, in order. */
export interface ChunkSource {
  /** the next chunk (never empty), or null at the end */
  next(): Promise<Buffer | null>;
  /**
   * Skips `n` bytes after the chunks returned so far without producing them; resolves to the bytes
   * skipped (fewer at the end). Absent when every byte must pass (e.g. to be hashed).
   */
  skip?(n: number): Promise<number>;
}

/** A corrupt or truncated tar. */
export class TarError extends Error {}

/** Long-name and pax records larger than this are refused (tar-stream allows 4 MiB). */
export const MAX_META_BYTES = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

export class TarReader {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** body bytes of the current entry not yet read */
  private bodyLeft = 0;
  /** padding after the current entry's body */
  private padLeft = 0;
  private paxGlobal: Record<string, string> | null = null;
  private done = false;
  /** position in the tar of the next byte to parse */
  offset = 0;

  constructor(private readonly src: ChunkSource) {}

  /** The next entry's header, skipping what is left of the previous entry; null at the end. */
  async next(): Promise<TarHeader | null> {
    const now = this.nextNow();
    if (now !== undefined) return now;
    if (this.done) return null;
    if (this.bodyLeft + this.padLeft > 0) {
      const n = this.bodyLeft + this.padLeft;
      this.bodyLeft = this.padLeft = 0;
      await this.skip(n);
    }
    let longName: string | null = null;
    let longLink: string | null = null;
    let pax: Record<string, string> | null = null;
    for (;;) {
      const at = this.offset;
      const h = await this.take(512, true);
      if (h === null) {
        this.done = true;
        return null;
      }
      const b = this.block(h, 0, at);
      if (b === null) return null;
      const { flag, size } = b;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K' || flag === 'N') {
        if (size > MAX_META_BYTES) throw new TarError(`tar extended header at offset ${at} is ${size} bytes, over ${MAX_META_BYTES}`);
        const data = await this.take(size, false);
        if (data === null) throw new TarError(`unexpected end of data in the extended header at offset ${at}`);
        await this.skip(pad(size));
        if (flag === 'x') pax = this.paxGlobal ? { ...this.paxGlobal, ...parsePax(data) } : parsePax(data);
        else if (flag === 'g') this.paxGlobal = parsePax(data);
        else if (flag === 'K') longLink = cstr(data, 0, data.length);
        else longName = cstr(data, 0, data.length);
        continue;
      }
      return this.entry(h, 0, at, flag, size, longName, longLink, pax);
    }
  }

  /**
   * next(), done now when the chunk at hand holds what is left of the current entry and the next
   * header, and that is an ordinary entry (no extended header before it): nearly every entry of a
   * layer, parsed where it lies, without a promise. Undefined when not, having read nothing: then
   * next() reads on.
   */
  nextNow(): TarHeader | null | undefined {
    if (this.done) return null;
    const skip = this.bodyLeft + this.padLeft;
    const o = this.pos + skip;
    if (this.buf.length - o < 512) return undefined;
    const f = this.buf[o + 156];
    // x, g, L, K, N: an extended header, whose records next() reads
    if (f === 0x78 || f === 0x67 || f === 0x4c || f === 0x4b || f === 0x4e) return undefined;
    this.bodyLeft = this.padLeft = 0;
    const at = this.offset + skip;
    this.pos = o + 512;
    this.offset = at + 512;
    const b = this.block(this.buf, o, at);
    return b === null ? null : this.entry(this.buf, o, at, b.flag, b.size, null, null, null);
  }

  /** The checked type flag and size of the header block at h[o] (offset `at` in the tar); null for the end (a zero block). */
  private block(h: Buffer, o: number, at: number): { flag: string; size: number } | null {
    const sum = checksum(h, o);
    if (sum === 8 * 32) {
      // a zero block: the end of the archive
      this.done = true;
      return null;
    }
    if (sum !== octal(h, o + 148, 8)) throw new TarError(`invalid tar header at offset ${at} (bad checksum): corrupt, or not a tar`);
    const flagByte = h[o + 156];
    const flag = flagByte === 0 ? '0' : String.fromCharCode(flagByte);
    const size = octal(h, o + 124, 12);
    if (!(size >= 0) || !Number.isSafeInteger(size)) throw new TarError(`invalid tar header at offset ${at} (size)`);
    return { flag, size };
  }

  /** The header of an ordinary entry at h[o], with what extended headers before it said; its body is next. */
  private entry(h: Buffer, o: number, at: number, flag: string, size: number, longName: string | null, longLink: string | null, pax: Record<string, string> | null): TarHeader {
    let name = cstr(h, o, 100);
    if (isUstar(h, o) && h[o + 345] !== 0) name = `${cstr(h, o + 345, 155)}/${name}`;
    let linkname = h[o + 157] === 0 ? null : cstr(h, o + 157, 100);
    let type = typeOf(flag);
    if (longName !== null) name = longName;
    if (longLink !== null) linkname = longLink;
    if (pax) {
      if (pax.path) name = pax.path;
      if (pax.linkpath) linkname = pax.linkpath;
      if (pax.size) {
        size = Number(pax.size);
        if (!/^\d+$/.test(pax.size) || !Number.isSafeInteger(size)) throw new TarError(`invalid pax size ${JSON.stringify(pax.size)} at offset ${at}`);
      }
    }
    // the old convention (a "file" named with a trailing "/" is a directory) on the real name: GNU
    // tar cuts a long name to 100 bytes in the header, and the cut may end at a "/"
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    // as tar-stream: a directory's size field announces no body
    const body = type === 'directory' ? 0 : size;
    this.bodyLeft = body;
    this.padLeft = pad(body);
    let uid = octal(h, o + 108, 8);
    let gid = octal(h, o + 116, 8);
    if (pax?.uid && /^\d+$/.test(pax.uid)) uid = Number(pax.uid);
    if (pax?.gid && /^\d+$/.test(pax.gid)) gid = Number(pax.gid);
    return { name, type, flag, mode: octal(h, o + 100, 8), uid, gid, size, linkname, devmajor: octal(h, o + 329, 8), devminor: octal(h, o + 337, 8) };
  }

  /** The whole body of the current entry (a copy the caller may keep). */
  async body(): Promise<Buffer> {
    const out = Buffer.allocUnsafe(this.bodyLeft);
    let at = 0;
    for await (const c of this.bodyChunks()) {
      c.copy(out, at);
      at += c.length;
    }
    return out;
  }

  /** The body of the current entry in pieces: views into the source's chunks, valid until the next call on the reader. */
  async *bodyChunks(): AsyncGenerator<Buffer> {
    while (this.bodyLeft > 0) {
      if (this.pos >= this.buf.length && !(await this.fill(1))) throw new TarError(`unexpected end of data in an entry's body at offset ${this.offset}`);
      const n = Math.min(this.bodyLeft, this.buf.length - this.pos);
      const c = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      this.bodyLeft -= n;
      yield c;
    }
  }

  /** Consumes the rest of the source (so that every byte was seen, e.g. hashed). */
  async drain(): Promise<void> {
    this.done = true;
    this.offset += this.buf.length - this.pos;
    this.buf = EMPTY;
    this.pos = 0;
    for (let c = await this.src.next(); c !== null; c = await this.src.next()) this.offset += c.length;
  }

  /** Makes at least `n` bytes available at `pos`; false at the end of the source. */
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n) {
      const c = await this.src.next();
      if (c === null) return false;
      const rest = this.buf.length - this.pos;
      this.buf = rest > 0 ? Buffer.concat([this.buf.subarray(this.pos), c]) : c;
      this.pos = 0;
    }
    return true;
  }

  /** `n` bytes (a view); null at a clean end when `endOk` and nothing is left, else a TarError. */
  private async take(n: number, endOk: boolean): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (endOk && this.pos >= this.buf.length) return null;
      throw new TarError(`unexpected end of data at offset ${this.offset}`);
    }
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return b;
  }

  private async skip(n: number): Promise<void> {
    const avail = this.buf.length - this.pos;
    if (n <= avail) {
      this.pos += n;
      this.offset += n;
      return;
    }
    this.offset += avail;
    n -= avail;
    this.buf = EMPTY;
    this.pos = 0;
    if (this.src.skip) {
      const got = await this.src.skip(n);
      this.offset += got;
      if (got < n) throw new TarError(`unexpected end of data at offset ${this.offset}`);
      return;
    }
    while (n > 0) {
      const c = await this.src.next();
      if (c === null) throw new TarError(`unexpected end of data at offset ${this.offset}`);
      if (c.length > n) {
        this.buf = c;
        this.pos = n;
        this.offset += n;
        return;
      }
      this.offset += c.length;
      n -= c.length;
    }
  }
}

/** Chunks of an async iterable (a decompressed stream). */
export function iterableSource(it: AsyncIterable<Buffer>): ChunkSource {
  const iter = it[Symbol.asyncIterator]();
  return {
    async next() {
      for (;;) {
        const r = await iter.next();
        if (r.done) return null;
        if (r.value.length > 0) return r.value;
      }
    },
  };
}

export interface FileSourceOptions {
  /** called with every chunk read, in order (hashing, counting, limits) */
  onData?: (chunk: Buffer) => void;
  /** called with the length of every range skipped unread (counting, limits) */
  onSkip?: (n: number) => void;
  /** true: skip() seeks instead of reading (only when nothing needs every byte) */
  seek: boolean;
}

/** Reading through, the event loop gets a turn after this many bytes. */
const YIELD_BYTES = 16 * 1024 * 1024;

/**
 * A byte range of a local file. Reading through, it reads 1 MiB chunks; seeking, it reads 64 KiB
 * windows at the headers and jumps over the bodies. Reads are synchronous (pread from the page
 * cache costs less than a hop through the thread pool per chunk), with a turn for the event loop
 * every 16 MiB. The chunk buffers are reused: a chunk stays valid until next() has been called
 * twice more — TarReader never holds one longer.
 */
export function fileSource(fh: FileHandle, start: number, size: number, opts: FileSourceOptions): ChunkSource {
  const chunkBytes = opts.seek ? 64 * 1024 : 1024 * 1024;
  const ring: Buffer[] = [];
  let turn = 0;
  let pos = 0;
  let sinceYield = 0;
  const src: ChunkSource = {
    async next() {
      const len = Math.min(chunkBytes, size - pos);
      if (len <= 0) return null;
      const b = (ring[turn % 3] ??= Buffer.allocUnsafeSlow(chunkBytes));
      turn++;
      let got = 0;
      while (got < len) {
        const n = readSync(fh.fd, b, got, len - got, start + pos + got);
        if (n === 0) break;
        got += n;
      }
      if (got === 0) return null;
      pos += got;
      sinceYield += got;
      if (sinceYield >= YIELD_BYTES) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const c = b.subarray(0, got);
      opts.onData?.(c);
      return c;
    },
  };
  if (opts.seek) {
    src.skip = async (n: number) => {
      const got = Math.max(0, Math.min(n, size - pos));
      pos += got;
      opts.onSkip?.(got);
      return got;
    };
  }
  return src;
}

function pad(n: number): number {
  const r = n % 512;
  return r === 0 ? 0 : 512 - r;
}

/** The header checksum of the block at h[o] (its own field counted as spaces). */
function checksum(h: Buffer, o: number): number {
  let sum = 8 * 32;
  for (let i = o; i < o + 148; i++) sum += h[i];
  for (let i = o + 156; i < o + 512; i++) sum += h[i];
  return sum;
}

function cstr(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** Octal (optionally space/NUL padded) or GNU base-256 numbers; NaN for garbage. */
function octal(b: Buffer, off: number, len: number): number {
  if (b[off] & 0x80) {
    if (b[off] !== 0x80) return NaN; // negative base-256
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
    return v;
  }
  let i = off;
  const max = off + len;
  while (i < max && b[i] === 0x20) i++;
  let end = i;
  while (end < max && b[end] !== 0x20 && b[end] !== 0) end++;
  if (end === i) return 0;
  let v = 0;
  for (let j = i; j < end; j++) {
    const d = b[j] - 0x30;
    if (d < 0 || d > 7) return NaN;
    v = v * 8 + d;
  }
  return v;
}

function isUstar(h: Buffer, o: number): boolean {
  // "ustar\0" (POSIX); GNU's "ustar  \0" has no prefix field
  return h[o + 257] === 0x75 && h[o + 258] === 0x73 && h[o + 259] === 0x74 && h[o + 260] === 0x61 && h[o + 261] === 0x72 && h[o + 262] === 0;
}

function typeOf(flag: string): TarType {
  switch (flag) {
    case '0':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '3':
      return 'character-device';
    case '4':
      return 'block-device';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    case '7':
      return 'contiguous-file';
    default:
      return null;
  }
}

/** Parses pax extended-header records (`<len> <key>=<value>\n`), stopping at the first malformed one. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.toString('ascii', i, sp), 10);
    if (!Number.isFinite(len) || len <= sp - i + 1 || i + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}
