/**
 * Extractor plugins: one per ecosystem/format, named by its folder ("javascript/package-lock").
 * `fileRequired` is cheap (path and size only) and decides which files an extractor sees;
 * `extract` parses one file into packages. Extractors never walk a filesystem and never touch the
 * database; a bad file is a recorded per-file error, never an exception that fails the scan.
 */
import type { Package } from '../model/index.ts';
import type { Logger } from '../log.ts';
import type { FileError, FileInfo, FileReader } from '../sources/types.ts';

/** The operating system of the scanned filesystem, read once before extractors run. */
export interface OsInfo {
  /** os-release ID: "debian", "ubuntu", "alpine", "almalinux", "rocky", "rhel", "fedora", "opensuse-leap", "sles", "wolfi", "chainguard", ... */
  id: string;
  /** os-release VERSION_ID ("11", "3.18.4", "9.3") */
  versionId?: string;
  /** VERSION_CODENAME ("bullseye") */
  codename?: string;
  prettyName?: string;
  /**
   * The OSV ecosystem for this OS's packages, release included: "Debian:11", "Ubuntu:22.04:LTS",
   * "Alpine:v3.18", "AlmaLinux:9", "Rocky Linux:9", "Red Hat:…"; undefined when the OS is unknown
   * or unsupported (packages are still listed, without matching).
   */
  ecosystem?: string;
}

export interface ScanFile {
  info: FileInfo;
  /** the file's bytes (bounded by the source's limits) */
  read(): Promise<Buffer>;
  /**
   * The same bytes in pieces of at most `chunkBytes`, for extractors that search a large file
   * and may stop early without holding it whole (src/extractors/runtime). Absent: use read().
   */
  chunks?(chunkBytes: number): AsyncIterable<Buffer>;
  /**
   * The same file opened for reads at any position (ScanFS.openFile, when the source has it), for
   * extractors that need a few parts of a large file: an executable's headers, or a search through
   * one buffer of their own (go/binary, rust/auditable). Close it when done. Absent: use read().
   */
  open?(): Promise<FileReader>;
}

export interface ExtractContext {
  /** the OS, when one was recognised */
  os?: OsInfo;
  /**
   * Reads another file of the same filesystem (e.g. a parent pom.xml, a lockfile's package.json);
   * symlinks resolved inside the root. Only files some extractor required are guaranteed readable
   * for image sources; returns null when absent.
   */
  readFile(path: string): Promise<Buffer | null>;
  /** per-file problems: push here and return what could be read */
  fileErrors: FileError[];
  /** for notes that are no per-file problem (a parser library's warnings); never the console */
  log?: Logger;
}

export interface Extractor {
  /** "<ecosystem>/<format>", equal to its folder path under src/extractors/ */
  name: `${string}/${string}`;
  version: number;
  /**
   * cheap: path and size (and mode) only, asked of every file of a walk. Test the path first: a
   * directory walk reads `size` and `mode` with one lstat when first asked (sources/dir). When the
   * files it can want are known by name (exact names, extensions, name beginnings, directories),
   * build it with `named()` (file-names.ts): the walk then asks it only about files of those names.
   */
  fileRequired(path: string, info: FileInfo): boolean;
  extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]>;
}

export type { FileError, FileInfo, FileReader };
