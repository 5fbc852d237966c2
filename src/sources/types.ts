/**
 * How bytes are reached. Every target (a directory, a root filesystem, an image from a layout, an
 * archive or a registry, a zip, a git commit's tree) becomes a ScanFS: a read-only view of one final
 * filesystem, confined to its root. The inventory core walks it once and offers each file to the
 * extractors that asked for it; extractors never walk and never touch the host filesystem.
 */
import type { LayerRef } from '../model/index.ts';

export type FileKind = 'file' | 'dir' | 'symlink' | 'other';

export interface FileInfo {
  /** "/"-separated path relative to the root, no leading "/" or "./" ("usr/lib/os-release") */
  path: string;
  kind: FileKind;
  size: number;
  /** permission bits and type bits as in stat(2), when known */
  mode?: number;
  /** owner and group ids, when the source records them (directories and root filesystems; CIS file checks) */
  uid?: number;
  gid?: number;
  /** symlinks: the target as written */
  linkTarget?: string;
  /** images: the layer whose version of this path is visible */
  layer?: LayerRef;
  /**
   * What the source's content filter (OpenTargetOptions.filter) answered for this file, when the
   * source asked it (image and archive sources ask once per regular file as they read): false =
   * nothing wanted its contents, which the source then did not keep. collectInventory asks no
   * extractor's fileRequired again for such a file.
   */
  wanted?: boolean;
}

/** A file opened for positioned reads (ScanFS.openFile). */
export interface FileReader {
  /** the size when it was opened */
  readonly size: number;
  /** reads up to `length` bytes at file position `position` into `buf` at `offset`; the bytes read (0 at the end) */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** idempotent */
  close(): void;
  /** the whole file, when the reader holds it in memory anyway (a reader over a loaded file): no second read */
  readonly whole?: Buffer;
}

/**
 * A reader's bytes from the start, in chunks of up to `chunkBytes` (at most its size), as far as the
 * consumer goes; the reader is closed when the consumer stops or the end is reached.
 */
export async function* readerChunks(r: FileReader, chunkBytes: number): AsyncGenerator<Buffer> {
  const size = Math.max(1, chunkBytes);
  try {
    for (let pos = 0; pos < r.size;) {
      const b = Buffer.allocUnsafe(Math.min(size, r.size - pos));
      const n = await r.read(b, 0, b.length, pos);
      if (n === 0) return;
      pos += n;
      yield b.subarray(0, n);
    }
  } finally {
    r.close();
  }
}

/** A problem with one file or entry of a target; recorded, never fatal to the scan. */
export interface FileError {
  /** the path (or "layer sha256:…!path") */
  path: string;
  /** short stable rule: "path-traversal", "symlink-escape", "device-file", "file-too-large", "decompression-bomb", "parse-error", … */
  rule: string;
  message: string;
  /** this record stands for this many problems of its rule (the rest were counted, not listed) */
  count?: number;
}

export interface ScanFS {
  /** what was opened, for reports: kind ("dir", "rootfs", "oci-layout", "docker-archive", "registry", "zip", "git"), reference, digest */
  readonly target: { kind: string; ref: string; digest?: string; layers?: LayerRef[]; platform?: string };
  /** every entry of the final filesystem (whiteouts applied), in sorted path order */
  entries(): AsyncIterable<FileInfo>;
  /**
   * Optional: the same entries, in the same order, several at a time (one promise per batch rather
   * than per entry), for a consumer that takes every entry (the inventory). Without it, use entries().
   */
  entryBatches?(): AsyncIterable<readonly FileInfo[]>;
  /** stat with symlinks resolved inside the root; null if absent or escaping the root */
  stat(path: string): Promise<FileInfo | null>;
  /**
   * The bytes of a regular file, symlinks resolved inside the root.
   * @throws VigilError (VIGIL_NOT_FOUND, VIGIL_LIMIT_EXCEEDED, VIGIL_UNSAFE_ARCHIVE)
   */
  readFile(path: string): Promise<Buffer>;
  /**
   * The bytes of a regular file in pieces of at most `chunkBytes` (the last may be shorter), for
   * readers that search a large file and may stop early (runtime binaries: src/extractors/runtime).
   * Optional: without it, callers use readFile. Same errors and limits as readFile.
   */
  readChunks?(path: string, chunkBytes: number): AsyncIterable<Buffer>;
  /**
   * A regular file opened for reads at any position, for readers that need a few parts of a large
   * file (an executable's headers and one section) or search it through one buffer of their own.
   * Optional: without it, callers use readFile. Same errors and limits as readFile, raised here;
   * the caller closes the reader.
   */
  openFile?(path: string): Promise<FileReader>;
  /** problems met while opening (hostile entries, skipped files) */
  readonly errors: FileError[];
  /** a git source: its bare clone (every commit reachable from its refs), for scanning history (issue 17, secrets) */
  readonly gitDir?: string;
  /**
   * Optional: awaits the integrity checks the source left running when it opened (an image's large
   * plain tar layers, hashed on other threads while the scan went on: OpenImageOptions.deferDigests).
   * A consumer that opened with deferred digests calls it before it trusts what it read.
   * @throws VigilError VIGIL_UNSAFE_ARCHIVE (rule "digest-mismatch", "changed-during-scan", "corrupt-layer")
   */
  verify?(): Promise<void>;
  /** releases scratch space; idempotent */
  close(): Promise<void>;
}

/**
 * Decides, from path and size only, whether a file's content must be kept. Image sources use it
 * while streaming layers so that only needed files are held (in memory or the scan's scratch dir).
 */
export type ContentFilter = (info: FileInfo) => boolean;

/**
 * Archive and filesystem limits, the same for every reader: image layers, docker archives, OCI
 * layouts, zips, Java archives (and the archives nested in them), git trees and directory walks.
 *
 * Two kinds of rule. A limit on one file (its name, size, compression ratio, nesting, an
 * overlapping zip entry) skips that file: it is recorded as a FileError and the rest is still read.
 * A limit on the whole target (entries, total bytes, total name bytes) stops reading, since going
 * on is what the limit forbids: that is recorded too. Either way the scan is partial (see
 * `summarizeSkipped`). The defaults keep a scan's peak memory well under 1 GiB for hostile inputs
 * while real images (tens of thousands of files, a few GiB) are read fully; see src/sources/README.md.
 */
export interface SourceLimits {
  /** files larger than this are listed but not read (rule "file-too-large") */
  maxFileBytes: number;
  /** total uncompressed bytes of one target (all layers or archives together); over it, reading stops */
  maxTotalBytes: number;
  /** a file (past RATIO_FLOOR bytes) inflating more than this many times its compressed size is skipped ("decompression-bomb") */
  maxRatio: number;
  /** entries of one target, nested archives included; over it, reading stops ("too-many-entries") */
  maxEntries: number;
  /** bytes (UTF-8) of one entry's name; a longer name skips that entry ("name-too-long") */
  maxNameBytes: number;
  /** bytes of all entry names read from one target; over it, reading stops ("too-many-name-bytes") */
  maxTotalNameBytes: number;
  /** archives inside archives (a jar in a war in an ear is depth 2); deeper ones are skipped ("nesting-too-deep") */
  maxDepth: number;
  /** bytes read out of nested archives of one file, held in memory while they are read; over it, the rest are skipped ("nested-too-large") */
  maxNestedBytes: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024 * 1024,
  maxRatio: 1000,
  maxEntries: 1_000_000,
  maxNameBytes: 4096,
  maxTotalNameBytes: 128 * 1024 * 1024,
  maxDepth: 4,
  maxNestedBytes: 256 * 1024 * 1024,
};

/** Below this many uncompressed bytes a file's ratio is not judged (small text files compress well). */
export const RATIO_FLOOR = 1024 * 1024;

export { SKIP_RULES, summarizeSkipped, type SkippedSummary } from '../model/scan.ts';
