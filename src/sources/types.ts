/**
 * How bytes are reached. Every target (a directory, a root filesystem, an image from a layout, an
 * archive or a registry, a zip, a git checkout) becomes a ScanFS: a read-only view of one final
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
  /** symlinks: the target as written */
  linkTarget?: string;
  /** images: the layer whose version of this path is visible */
  layer?: LayerRef;
}

/** A problem with one file or entry of a target; recorded, never fatal to the scan. */
export interface FileError {
  /** the path (or "layer sha256:…!path") */
  path: string;
  /** short stable rule: "path-traversal", "symlink-escape", "device-file", "file-too-large", "decompression-bomb", "parse-error", … */
  rule: string;
  message: string;
}

export interface ScanFS {
  /** what was opened, for reports: kind ("dir", "rootfs", "oci-layout", "docker-archive", "registry", "zip", "git"), reference, digest */
  readonly target: { kind: string; ref: string; digest?: string; layers?: LayerRef[]; platform?: string };
  /** every entry of the final filesystem (whiteouts applied), in sorted path order */
  entries(): AsyncIterable<FileInfo>;
  /** stat with symlinks resolved inside the root; null if absent or escaping the root */
  stat(path: string): Promise<FileInfo | null>;
  /**
   * The bytes of a regular file, symlinks resolved inside the root.
   * @throws VigilError (VIGIL_NOT_FOUND, VIGIL_LIMIT_EXCEEDED, VIGIL_UNSAFE_ARCHIVE)
   */
  readFile(path: string): Promise<Buffer>;
  /** problems met while opening (hostile entries, skipped files) */
  readonly errors: FileError[];
  /** releases scratch space; idempotent */
  close(): Promise<void>;
}

/**
 * Decides, from path and size only, whether a file's content must be kept. Image sources use it
 * while streaming layers so that only needed files are held (in memory or the scan's scratch dir).
 */
export type ContentFilter = (info: FileInfo) => boolean;

export interface SourceLimits {
  /** files larger than this are listed but not read (rule "file-too-large") */
  maxFileBytes: number;
  /** total uncompressed bytes of one archive or layer set */
  maxTotalBytes: number;
  /** largest compression ratio tolerated for a layer or archive entry */
  maxRatio: number;
  /** at most this many entries */
  maxEntries: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024 * 1024,
  maxRatio: 1000,
  maxEntries: 5_000_000,
};
