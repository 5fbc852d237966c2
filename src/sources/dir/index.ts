/**
 * A directory, or a mounted root filesystem (a disk snapshot, as agentless scanners read one).
 * The walk never follows symlinks; reads resolve symlinks inside the root only, chroot style.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, read, readdirSync, readFile as readFd, readFileSync, readlinkSync, readSync, type Dirent, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { promisify } from 'node:util';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, type FileInfo, type FileKind, type FileReader, type ScanFS, type SourceLimits } from '../types.ts';
import { Budget, ErrorLog, compareNames, shortName, normalizeLookupPath, resolveInRoot, type ResolverNode } from '../vfs/index.ts';

const readFdAsync = promisify(readFd) as (fd: number) => Promise<Buffer>;
const readAt = (fd: number, buf: Buffer, pos: number, offset = 0, length = buf.length - offset) =>
  new Promise<number>((resolve, reject) => read(fd, buf, offset, length, pos, (err, n) => (err ? reject(err) : resolve(n))));

export interface DirOptions {
  /** a root filesystem: /proc, /sys and /dev are not descended into, and target.kind is "rootfs" */
  rootfs?: boolean;
  limits?: Partial<SourceLimits>;
  /** top-level names not to list (e.g. ".git" for a checkout) */
  exclude?: string[];
  /** what target.kind says (default "dir" or "rootfs") */
  kind?: string;
  /** what target.ref says (default the path) */
  ref?: string;
  /** what target.digest says (a git commit) */
  digest?: string;
  /** run when close() is called (a git checkout removes its scratch dir) */
  onClose?: () => Promise<void>;
}

/** Pseudo filesystems of a live root: never real package data, and reading them can hang. */
const ROOTFS_SKIP = new Set(['proc', 'sys', 'dev']);

/**
 * Files up to this size are read with synchronous calls (one open, fstat, read, close without four
 * trips through libuv's thread pool); larger ones (binaries of up to 200 MB) asynchronously, so a
 * long read does not hold the event loop.
 */
const SYNC_READ_BYTES = 4 * 1024 * 1024;
/** The walk gives the event loop a turn when it has run this long (ms) without one. */
const WALK_SLICE_MS = 10;
/** Entries per batch of entryBatches (and how often the walk looks at the clock). */
const WALK_BATCH = 256;

function kindOf(s: Stats | Dirent): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * One entry of the walk. Its kind comes from the directory listing (readdir's d_type, as `find`
 * uses it); size, mode and owner are read with one lstat the first time something asks for them,
 * so a walk costs a stat only for the entries a consumer looks at beyond their path (an extractor's
 * size or mode test, the CIS file checks). The accessors live on the prototype: `toJSON` gives the
 * plain record, and a spread (`{ ...info }`) copies path, kind and linkTarget only — use `plainInfo` for a copy.
 */
class DirEntryInfo implements FileInfo {
  linkTarget?: string;
  // private fields (#): not copied by a spread or structuredClone, which see path, kind, linkTarget
  readonly #fs: DirFS;
  #st: Stats | null | undefined;
  constructor(
    fs: DirFS,
    readonly path: string,
    readonly kind: FileKind,
  ) {
    this.#fs = fs;
  }
  private stats(): Stats | null {
    if (this.#st === undefined) this.#st = this.#fs.lstatEntry(this.path);
    return this.#st;
  }
  get size(): number {
    return this.kind === 'file' || this.kind === 'symlink' ? (this.stats()?.size ?? 0) : 0;
  }
  get mode(): number | undefined {
    return this.stats()?.mode;
  }
  get uid(): number | undefined {
    return this.stats()?.uid;
  }
  get gid(): number | undefined {
    return this.stats()?.gid;
  }
  toJSON(): FileInfo {
    return plainInfo(this);
  }
}

/** A plain-object copy of a FileInfo (every field an own property). */
export function plainInfo(i: FileInfo): FileInfo {
  const o: FileInfo = { path: i.path, kind: i.kind, size: i.size };
  if (i.mode !== undefined) o.mode = i.mode;
  if (i.uid !== undefined) o.uid = i.uid;
  if (i.gid !== undefined) o.gid = i.gid;
  if (i.linkTarget !== undefined) o.linkTarget = i.linkTarget;
  if (i.layer !== undefined) o.layer = i.layer;
  return o;
}

interface DirNode extends ResolverNode {
  stats: Stats;
  linkTarget?: string;
}

/** One directory being walked: its sorted listing and how far the walk got. */
interface Level {
  dir: string;
  list: Dirent[];
  i: number;
}

/**
 * Opens a directory.
 * @throws VigilError VIGIL_NOT_FOUND if the path is not a directory
 */
export async function openDir(path: string, opts: DirOptions = {}): Promise<ScanFS> {
  const root = await realpath(path).catch(() => null);
  let st: Stats | null = null;
  try {
    st = root ? lstatSync(root) : null;
  } catch {
    st = null;
  }
  if (!root || !st?.isDirectory()) throw new VigilError('VIGIL_NOT_FOUND', `${path}: not a directory`, { input: path, rule: 'not-found' });
  return new DirFS(root, opts, path);
}

class DirFS implements ScanFS {
  readonly target: ScanFS['target'];
  private readonly log = new ErrorLog();
  private readonly limits: SourceLimits;
  private readonly exclude: Set<string>;
  /** the root with a trailing "/" ("/" itself for the host's root) */
  private readonly prefix: string;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly opts: DirOptions,
    ref: string,
  ) {
    this.limits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
    this.exclude = new Set(opts.exclude ?? []);
    if (opts.rootfs) for (const n of ROOTFS_SKIP) this.exclude.add(`\0${n}`);
    this.target = { kind: opts.kind ?? (opts.rootfs ? 'rootfs' : 'dir'), ref: opts.ref ?? ref, ...(opts.digest ? { digest: opts.digest } : {}) };
    this.prefix = root.endsWith('/') ? root : `${root}/`;
  }

  get errors() {
    return this.log.list;
  }

  private real(p: string): string {
    return p === '' ? this.root : this.prefix + p;
  }

  /** lstat of a listed entry, for its lazily read size, mode and owner; a failure is recorded once. */
  lstatEntry(p: string): Stats | null {
    try {
      return lstatSync(this.real(p));
    } catch (e) {
      this.log.add(p, 'unreadable', `${p}: ${(e as Error).message}`);
      return null;
    }
  }

  private list(dir: string): Dirent[] | null {
    try {
      // withFileTypes: the kind comes from the listing (d_type), no stat per entry; where the
      // filesystem does not record it, Node lstats that entry itself
      return readdirSync(this.real(dir), { withFileTypes: true }).sort((a, b) => compareNames(a.name, b.name));
    } catch (e) {
      this.log.add(dir || '.', 'unreadable', `${dir || '.'}: ${(e as Error).message}`);
      return null;
    }
  }

  /**
   * Depth first, each directory's children in name order, like the image tree. Synchronous
   * listings (one readdir per directory, a readlink per symlink, no stat until asked: see
   * DirEntryInfo); the event loop gets a turn every WALK_SLICE_MS.
   */
  async *entries(): AsyncIterable<FileInfo> {
    for await (const batch of this.entryBatches()) yield* batch;
  }

  /**
   * The same walk, handed over up to WALK_BATCH entries at a time: one promise per batch instead
   * of one per entry, a few microseconds less per entry for a consumer that takes them all (the
   * inventory). Between batches the event loop gets a turn every WALK_SLICE_MS.
   */
  async *entryBatches(): AsyncIterable<readonly FileInfo[]> {
    // the same entry and name limits as the archive readers (the walk keeps no names, but a
    // hostile tree can still be endless)
    const budget = new Budget(this.limits);
    const first = this.list('');
    if (!first) return;
    const stack: Level[] = [{ dir: '', list: first, i: 0 }];
    let slice = performance.now();
    let batch: FileInfo[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.i >= top.list.length) {
        stack.pop();
        continue;
      }
      const d = top.list[top.i++];
      const dir = top.dir;
      const name = d.name;
      if (dir === '' && this.exclude.has(name)) continue;
      const p = dir === '' ? name : `${dir}/${name}`;
      const v = budget.entry(p);
      if (!v.ok) {
        if (v.stop) {
          this.log.add(this.target.ref, v.rule, `${this.target.ref}: ${v.message}; walk stopped`);
          if (batch.length) yield batch;
          return;
        }
        this.log.add(shortName(p), v.rule, `${shortName(p)}: ${v.message}`);
        continue;
      }
      const info = new DirEntryInfo(this, p, kindOf(d));
      if (info.kind === 'symlink') info.linkTarget = this.readlink(p);
      // a file over maxFileBytes is listed; readFile refuses and records it ("file-too-large"):
      // only a file something wanted to read counts as skipped
      batch.push(info);
      if (info.kind === 'dir' && !(dir === '' && this.exclude.has(`\0${name}`))) {
        const list = this.list(p);
        if (list) stack.push({ dir: p, list, i: 0 });
      }
      if (batch.length === WALK_BATCH) {
        yield batch;
        batch = [];
        if (performance.now() - slice > WALK_SLICE_MS) {
          await new Promise<void>((r) => setImmediate(r));
          slice = performance.now();
        }
      }
    }
    if (batch.length) yield batch;
  }

  private readlink(p: string): string {
    try {
      return readlinkSync(this.real(p));
    } catch {
      return '';
    }
  }

  private lookup = (p: string): DirNode | null => {
    let s: Stats | undefined;
    try {
      s = lstatSync(this.real(p), { throwIfNoEntry: false });
    } catch {
      return null;
    }
    if (!s) return null;
    const n: DirNode = { kind: kindOf(s), stats: s };
    if (n.kind === 'symlink') n.linkTarget = this.readlink(p);
    return n;
  };

  private async find(path: string): Promise<{ path: string; real: string; node: DirNode } | null> {
    const p = normalizeLookupPath(path);
    if (p === null) return null;
    const r = await resolveInRoot(p, this.lookup);
    if (!r.ok) {
      if (r.reason === 'symlink-escape' || r.reason === 'symlink-loop') {
        this.log.add(p, r.reason, `${p}: a symlink on the way ${r.reason === 'symlink-loop' ? 'loops' : 'leaves the root'}`);
      }
      return null;
    }
    return { path: p, real: this.real(r.path), node: r.node };
  }

  async stat(path: string): Promise<FileInfo | null> {
    const f = await this.find(path);
    if (!f) return null;
    const s = f.node.stats;
    const kind = kindOf(s);
    return { path: f.path, kind, size: kind === 'file' ? s.size : 0, mode: s.mode, uid: s.uid, gid: s.gid };
  }

  async readFile(path: string): Promise<Buffer> {
    const { fd, size } = await this.openChecked(path);
    let async = false;
    try {
      // small files with synchronous calls (no four trips through libuv's pool), large ones without holding the event loop
      if (size <= SYNC_READ_BYTES) return readFileSync(fd);
      async = true;
      return await readFdAsync(fd).finally(() => closeSync(fd));
    } finally {
      if (!async) closeSync(fd);
    }
  }

  async *readChunks(path: string, chunkBytes: number): AsyncIterable<Buffer> {
    const { fd } = await this.openChecked(path);
    try {
      for (let pos = 0; ;) {
        const buf = Buffer.allocUnsafe(Math.max(1, chunkBytes));
        const bytesRead = await readAt(fd, buf, pos);
        if (bytesRead === 0) return;
        pos += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      closeSync(fd);
    }
  }

  async openFile(path: string): Promise<FileReader> {
    const { fd, size } = await this.openChecked(path);
    let open = true;
    return {
      size,
      // as readFile: synchronous calls within the first SYNC_READ_BYTES, past them without holding the event loop
      read: (buf, offset, length, position) => {
        if (!open) return Promise.reject(new VigilError('VIGIL_INTERNAL', `${path}: read after close`, { input: path, rule: 'closed' }));
        if (position + length <= SYNC_READ_BYTES) {
          try {
            return Promise.resolve(readSync(fd, buf, offset, length, position));
          } catch (e) {
            return Promise.reject(e);
          }
        }
        return readAt(fd, buf, position, offset, length);
      },
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  }

  /** Opens a regular file of the root for reading, refusing what readFile refuses: its descriptor (the caller closes it) and size. */
  private async openChecked(path: string): Promise<{ fd: number; size: number }> {
    const f = await this.find(path);
    if (!f || f.node.kind !== 'file') throw new VigilError('VIGIL_NOT_FOUND', `${path}: no such file in ${this.target.ref}`, { input: path, rule: 'not-found' });
    // O_NOFOLLOW|O_NONBLOCK: a path swapped for a symlink or a fifo since it was resolved is refused, not followed or waited on
    let fd: number;
    try {
      fd = openSync(f.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      throw new VigilError('VIGIL_NOT_FOUND', `${path}: ${(e as Error).message}`, { input: path, rule: 'not-found', cause: e });
    }
    try {
      const s = fstatSync(fd);
      if (!s.isFile()) throw new VigilError('VIGIL_NOT_FOUND', `${path}: not a regular file`, { input: path, rule: 'not-found' });
      if (s.size > this.limits.maxFileBytes) {
        this.log.add(path, 'file-too-large', `${path}: ${s.size} bytes, over the ${this.limits.maxFileBytes}-byte limit; not read`);
        throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${s.size} bytes is over the ${this.limits.maxFileBytes}-byte file limit`, { input: path, rule: 'file-too-large' });
      }
      return { fd, size: s.size };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.onClose?.();
  }
}
