/**
 * The inventory core: walks a ScanFS once, offers each file to the extractors whose
 * `fileRequired` said yes, and gathers their packages into one inventory with the OS, the
 * locations and layers, and the per-file errors. Extractors never walk; sources never parse.
 */
import type { Logger } from 'pino';
import type { Package } from '../model/index.ts';
import type { ScanTarget } from '../model/scan.ts';
import type { ExtractContext, Extractor, OsInfo, ScanFile } from '../extractors/types.ts';
import { FileIndex } from '../extractors/file-names.ts';
import { mergeInstalls } from './installs.ts';
import { isRuntimePackage, OS_DIRS } from '../extractors/runtime/index.ts';
import { SKIP_RULES, type ContentFilter, type FileError, type FileInfo, type FileReader, type ScanFS } from '../sources/types.ts';

export interface CollectOptions {
  extractors: readonly Extractor[];
  /** reads the OS from the filesystem (src/extractors/os/release) */
  detectOs?: (readFile: (path: string) => Promise<Buffer | null>) => Promise<OsInfo | undefined>;
  log?: Logger;
  /** progress: files seen, files extracted */
  onProgress?: (p: { phase: 'walk' | 'extract'; files: number; extracted: number; total?: number }) => void;
}

export interface CollectedInventory {
  os?: OsInfo;
  packages: Package[];
  errors: FileError[];
  stats: { files: number; extracted: number; packages: number };
}

/** Paths an image source must keep the contents of, beyond what extractors require. */
export function contentFilterFor(extractors: readonly Extractor[], extraPaths: readonly string[] = []): ContentFilter {
  const extra = new Set(extraPaths);
  // each file is asked only of the extractors its name can concern (extractors/file-names.ts)
  const index = new FileIndex(extractors);
  return (info: FileInfo) => extra.has(info.path) || OWNERSHIP_FILES.test(info.path) || index.wants(info.path, info);
}

/** dpkg's per-package file lists: who installed which file, for ownership of language packages. */
const OWNERSHIP_FILES = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;

/**
 * Directories where only the OS package manager installs language packages. A package found there
 * belongs to an OS package and is matched through it, never a second time against its language
 * ecosystem (where distro backports would make upstream ranges wrong).
 */
const OS_OWNED_DIRS: [RegExp, string][] = [
  [/^usr\/lib\/python3\/dist-packages\//, 'dpkg'],
  [/^usr\/lib\/python2\.\d+\/dist-packages\//, 'dpkg'],
  [/^usr\/share\/nodejs\//, 'dpkg'],
  [/^usr\/lib\/nodejs\//, 'dpkg'],
  [/^usr\/lib\/ruby\/vendor_ruby\//, 'dpkg'],
  [/^usr\/share\/rubygems-integration\//, 'dpkg'],
  [/^usr\/share\/java\//, 'os'],
  [/^usr\/lib(64)?\/python3\.\d+\/site-packages\//, 'os'],
];

function isOsEcosystemPackage(p: Package): boolean {
  return /^(Debian|Ubuntu|Alpine|AlmaLinux|Rocky Linux|Red Hat|SUSE|openSUSE|Wolfi|Chainguard|Fedora)(:|$)/.test(p.ecosystem);
}

export async function collectInventory(fs: ScanFS, opts: CollectOptions): Promise<CollectedInventory> {
  // the inventory's own problems; the source's (fs.errors) are read at the end, when reads have added theirs
  const errors = new BoundedErrors(fs.target.ref);
  const readFile = async (path: string) => {
    try {
      return await fs.readFile(path);
    } catch {
      return null;
    }
  };
  const os = opts.detectOs ? await opts.detectOs(readFile).catch((err) => {
    errors.push({ path: 'etc/os-release', rule: 'parse-error', message: `cannot read the OS release: ${(err as Error).message}` });
    return undefined;
  }) : undefined;

  // one walk: pair every file with the extractors that want it
  const work: { info: FileInfo; extractor: Extractor }[] = [];
  const index = new FileIndex(opts.extractors);
  const onPredicateError = (extractor: Extractor, err: unknown, path: string) => {
    errors.push({ path, rule: 'extractor-error', message: `${extractor.name}.fileRequired: ${(err as Error).message}` });
  };
  const dpkgLists: string[] = [];
  let files = 0;
  const take = (info: FileInfo) => {
    if (info.kind !== 'file') return;
    files++;
    if (OWNERSHIP_FILES.test(info.path)) dpkgLists.push(info.path);
    // the source asked the content filter (contentFilterFor: these extractors' fileRequired, with
    // the OS and ownership paths) as it read this file, and nothing wanted it: ask no extractor again
    if (info.wanted === false) {
      if (files % 5000 === 0) opts.onProgress?.({ phase: 'walk', files, extracted: 0 });
      return;
    }
    for (const extractor of index.wantedBy(info.path, info, onPredicateError)) work.push({ info, extractor });
    if (files % 5000 === 0) opts.onProgress?.({ phase: 'walk', files, extracted: 0 });
  };
  // a source that hands entries over in batches (a directory): one promise per batch, not per entry
  if (fs.entryBatches) for await (const batch of fs.entryBatches()) for (const info of batch) take(info);
  else for await (const info of fs.entries()) take(info);

  // runtime binaries an OS package installed are never read (their package would be dropped: markOsOwned);
  // on a host over SSH that is a 100 MB /usr/bin/node left where it is
  const runtimePaths = new Set(work.filter((w) => isRuntimeExtractor(w.extractor)).map((w) => w.info.path));
  const runtimeOwned = runtimePaths.size ? await osOwnedRuntimes(runtimePaths, os, dpkgLists, readFile) : () => false;

  const packages: Package[] = [];
  let extracted = 0;
  // a file several extractors want (an executable: Go and Rust build info) is read once; its
  // extractors are next to each other in `work`, so only the last file's bytes are held
  let last = null as { path: string; bytes: Promise<Buffer> } | null;
  const readOnce = (path: string): Promise<Buffer> => {
    if (last?.path !== path) {
      // a reader opened on this file that holds it whole (a source that loads it to read at positions) gives it
      const opened = lastReader?.path === path ? lastReader.reader : undefined;
      const bytes = opened ? opened.then((r) => r.whole ?? fs.readFile(path), () => fs.readFile(path)) : fs.readFile(path);
      bytes.catch(() => undefined); // each extractor that asks gets the rejection; none unhandled
      last = { path, bytes };
    }
    return last.bytes;
  };
  // the same for positioned reads (ScanFile.open): one reader per file for all its extractors
  // (their close() leaves it open), closed when the next file comes
  // `shared`: the one reader every extractor of the file gets (its close() leaves the file open), so
  // that what they read alike is read once (go/binary/exe.ts sharedRead: an executable's header and
  // section table, for go/binary and rust/auditable)
  let lastReader = null as { path: string; reader: Promise<FileReader>; shared: Promise<FileReader> } | null;
  const dropReader = () => {
    if (lastReader) void lastReader.reader.then((r) => r.close(), () => undefined);
    lastReader = null;
  };
  const openOnce = (path: string): Promise<FileReader> => {
    if (lastReader?.path !== path) {
      dropReader();
      const reader = fs.openFile!(path);
      reader.catch(() => undefined); // as readOnce: each extractor that asks gets the rejection
      const shared = reader.then((r): FileReader => ({ size: r.size, read: (b, o, l, at) => r.read(b, o, l, at), close: () => undefined }));
      shared.catch(() => undefined);
      lastReader = { path, reader, shared };
    }
    return lastReader.shared;
  };
  for (const { info, extractor } of work) {
    if (isRuntimeExtractor(extractor) && runtimeOwned(info.path)) {
      extracted++;
      continue;
    }
    const ctx: ExtractContext = { os, readFile, fileErrors: [], ...(opts.log ? { log: opts.log } : {}) };
    if (last && last.path !== info.path) last = null;
    if (lastReader && lastReader.path !== info.path) dropReader();
    try {
      const file: ScanFile = { info, read: () => readOnce(info.path) };
      // a file another extractor read whole (Go and Rust build info read every executable a source
      // cannot read at positions) is not read again in chunks: a Node.js binary is read once
      if (fs.readChunks) {
        const held = last?.path === info.path ? last.bytes : undefined;
        file.chunks = (n) => chunksOf(held, () => fs.readChunks!(info.path, n), n);
      }
      if (fs.openFile) file.open = () => openOnce(info.path);
      const found = await extractor.extract(file, ctx);
      for (const p of found) {
        p.foundBy ??= extractor.name;
        if (!p.locations || p.locations.length === 0) p.locations = [info.path];
        if (!p.layer && info.layer) p.layer = info.layer;
        packages.push(p);
      }
    } catch (err) {
      // an extractor that throws loses that file only; a read the source refused for a limit was
      // recorded by the source itself (rule, path, layer), so one skipped file counts once
      const rule = (err as { rule?: unknown }).rule;
      if (!(typeof rule === 'string' && SKIP_RULES.has(rule))) {
        ctx.fileErrors.push({ path: info.path, rule: 'extractor-error', message: `${extractor.name}: ${(err as Error).message}` });
      }
    }
    for (const e of ctx.fileErrors) errors.push(e);
    extracted++;
    if (extracted % 200 === 0) opts.onProgress?.({ phase: 'extract', files, extracted, total: work.length });
  }
  opts.onProgress?.({ phase: 'extract', files, extracted, total: work.length });
  last = null;
  dropReader();

  const kept = await markOsOwned(packages, os, dpkgLists, readFile, runtimeOwned);
  // one package per install, with every location (installs.ts; README.md, "Same install")
  const deduped = mergeInstalls(kept);
  deduped.sort((a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.locations?.[0] ?? '', b.locations?.[0] ?? ''));
  const all = [...fs.errors, ...errors.list];
  opts.log?.debug({ files, extracted, packages: deduped.length, errors: all.length }, 'inventory collected');
  return { os, packages: deduped, errors: all, stats: { files, extracted, packages: deduped.length } };
}

/**
 * ScanFile.chunks: the pieces of the bytes an earlier extractor read whole, when it could (a file
 * over a whole-read limit may still be read in chunks), else the source's own chunked read.
 */
async function* chunksOf(held: Promise<Buffer> | undefined, read: () => AsyncIterable<Buffer>, chunkBytes: number): AsyncIterable<Buffer> {
  const all = held ? await held.catch(() => null) : null;
  if (!all) {
    yield* read();
    return;
  }
  const n = Math.max(1, chunkBytes);
  for (let i = 0; i < all.length; i += n) yield all.subarray(i, i + n);
}

/** Extractor problems listed one by one; past this, one record per rule with a `count` (a hostile lockfile can hold a million bad entries). */
export const MAX_LISTED_PROBLEMS = 10_000;

class BoundedErrors {
  readonly list: FileError[] = [];
  private more = new Map<string, FileError>();
  constructor(private readonly where: string) {}
  push(e: FileError): void {
    if (this.list.length - this.more.size < MAX_LISTED_PROBLEMS) {
      this.list.push(e);
      return;
    }
    let m = this.more.get(e.rule);
    if (!m) {
      m = { path: this.where, rule: e.rule, message: '', count: 0 };
      this.more.set(e.rule, m);
      this.list.push(m);
    }
    m.count! += e.count ?? 1;
    m.message = `${m.count} more "${e.rule}" problems (over ${MAX_LISTED_PROBLEMS} listed)`;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Marks language packages the OS package manager installed: by dpkg's file lists when the
 * filesystem has them, else by the directories only the OS writes to. Drops runtime binaries
 * (src/extractors/runtime) an OS package installed: that package is reported and matched already
 * (the Debian `nodejs`, `libssl3`, `openjdk-17-jre-headless`), so they are not listed twice.
 * Returns the packages kept.
 */
async function markOsOwned(packages: Package[], os: OsInfo | undefined, dpkgLists: string[], readFile: (p: string) => Promise<Buffer | null>, runtimeOwned: (path: string) => boolean): Promise<Package[]> {
  const candidates = packages.filter((p) => !isOsEcosystemPackage(p) && !isRuntimePackage(p) && p.locations?.some((l) => OS_OWNED_DIRS.some(([re]) => re.test(l))));
  if (candidates.length > 0) {
    const wanted = new Set(candidates.flatMap((p) => p.locations ?? []));
    const owner = new Map<string, string>();
    if (dpkgLists.length > 0) await readDpkgOwners(dpkgLists, wanted, readFile, owner);
    const eco = os?.ecosystem ?? os?.id ?? 'os';
    for (const p of candidates) {
      const loc = p.locations!.find((l) => OS_OWNED_DIRS.some(([re]) => re.test(l)))!;
      p.ownedBy = `${eco}/${owner.get(loc) ?? 'unknown'}`;
    }
  }
  // runtime packages were found in files no OS package owns (osOwnedRuntimes, before reading); one
  // found elsewhere than the file it was read from (none today) is checked the same way
  return packages.filter((p) => !isRuntimePackage(p) || !p.locations?.some(runtimeOwned));
}

const isRuntimeExtractor = (e: Extractor): boolean => e.name.startsWith('runtime/');

/**
 * Which of the runtime extractors' files an OS package installed: dpkg's file lists or apk's
 * database when the filesystem has them; rpm's (in a Berkeley DB, NDB or SQLite blob) are not read
 * here, so without a file list the FHS rule decides: the OS's own directories (OS_DIRS) are the
 * OS's, when an OS was detected.
 */
async function osOwnedRuntimes(paths: Set<string>, os: OsInfo | undefined, dpkgLists: string[], readFile: (p: string) => Promise<Buffer | null>): Promise<(path: string) => boolean> {
  const owner = new Map<string, string>();
  const listed = dpkgLists.length > 0 && (await readDpkgOwners(dpkgLists, paths, readFile, owner));
  const apk = await readApkOwners(readFile, paths, owner);
  const exact = listed || apk;
  return (l: string) => owner.has(l) || (!exact && os !== undefined && OS_DIRS.test(l));
}

/** Fills `owner` (path → dpkg package) for the `wanted` paths from dpkg's `info/*.list` files; true when some list was read. */
async function readDpkgOwners(lists: string[], wanted: Set<string>, readFile: (p: string) => Promise<Buffer | null>, owner: Map<string, string>): Promise<boolean> {
  let read = false;
  for (const list of lists) {
    const buf = await readFile(list);
    if (!buf) continue;
    read = true;
    const pkg = list.slice(list.lastIndexOf('/') + 1, -'.list'.length).replace(/:.*$/, '');
    for (const line of buf.toString('utf8').split('\n')) if (line.startsWith('/') && wanted.has(line.slice(1))) owner.set(line.slice(1), pkg);
  }
  return read;
}

/**
 * Fills `owner` for the `wanted` paths from apk's installed database (`P:` package, `F:` directory,
 * `R:` file in it: https://wiki.alpinelinux.org/wiki/Apk_spec); true when the database exists.
 */
async function readApkOwners(readFile: (p: string) => Promise<Buffer | null>, wanted: Set<string>, owner: Map<string, string>): Promise<boolean> {
  const buf = await readFile('lib/apk/db/installed');
  if (!buf) return false;
  let pkg = '';
  let dir = '';
  for (const line of buf.toString('utf8').split('\n')) {
    if (line.startsWith('P:')) pkg = line.slice(2);
    else if (line.startsWith('F:')) dir = line.slice(2);
    else if (line.startsWith('R:')) {
      const path = dir ? `${dir}/${line.slice(2)}` : line.slice(2);
      if (wanted.has(path)) owner.set(path, pkg);
    } else if (line === '') dir = '';
  }
  return true;
}

/** What a report says was scanned: the source's kind, reference, digest, layers and platform, and the OS found. */
export function scanTargetOf(fs: ScanFS, os: OsInfo | undefined): ScanTarget {
  return {
    kind: fs.target.kind, ref: fs.target.ref,
    ...(fs.target.digest ? { digest: fs.target.digest } : {}),
    ...(os ? { os: { id: os.id, versionId: os.versionId, prettyName: os.prettyName, ecosystem: os.ecosystem } } : {}),
    ...(fs.target.layers ? { layers: fs.target.layers } : {}),
    ...(fs.target.platform ? { platform: fs.target.platform } : {}),
  };
}
export { installRootOf, mergeInstalls, type InstallRoot } from './installs.ts';
