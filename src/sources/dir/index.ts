/**
 * A directory, or a mounted root filesystem (a disk snapshot, as agentless scanners read one).
 * The walk never follows symlinks; reads resolve symlinks inside the root only, chroot style.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, type FileInfo, type FileKind, type ScanFS, type SourceLimits } from '../types.ts';
import { Budget, ErrorLog, compareNames, shortName, normalizeLookupPath, resolveInRoot, type ResolverNode } from '../vfs/index.ts';

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

function kindOf(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  return 'other';
}

interface DirNode extends ResolverNode {
  stats: Stats;
  linkTarget?: string;
}

/**
 * Opens a directory.
 * @throws VigilError VIGIL_NOT_FOUND if the path is not a directory
 */
export async function openDir(path: string, opts: DirOptions = {}): Promise<ScanFS> {
  const root = await realpath(path).catch(() => null);
  const st = root ? await lstat(root).catch(() => null) : null;
  if (!root || !st?.isDirectory()) throw new VigilError('VIGIL_NOT_FOUND', `${path}: not a directory`, { input: path, rule: 'not-found' });
  return new DirFS(root, opts, path);
}

class DirFS implements ScanFS {
  readonly target: ScanFS['target'];
  private readonly log = new ErrorLog();
  private readonly limits: SourceLimits;
  private readonly exclude: Set<string>;
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
  }

  get errors() {
    return this.log.list;
  }

  private real(p: string): string {
    return p === '' ? this.root : join(this.root, p);
  }

  async *entries(): AsyncIterable<FileInfo> {
    // the same entry and name limits as the archive readers (the walk keeps no names, but a
    // hostile tree can still be endless)
    const budget = new Budget(this.limits);
    // depth first with each directory's children in name order, like the image tree
    const walk = async function* (this: DirFS, dir: string): AsyncGenerator<FileInfo> {
      let names: string[];
      try {
        names = (await readdir(this.real(dir))).sort(compareNames);
      } catch (e) {
        this.log.add(dir || '.', 'unreadable', `${dir || '.'}: ${(e as Error).message}`);
        return;
      }
      for (const name of names) {
        if (dir === '' && this.exclude.has(name)) continue;
        const p = dir === '' ? name : `${dir}/${name}`;
        let s: Stats;
        try {
          s = await lstat(this.real(p));
        } catch (e) {
          this.log.add(p, 'unreadable', `${p}: ${(e as Error).message}`);
          continue;
        }
        const v = budget.entry(p);
        if (!v.ok) {
          if (v.stop) {
            this.log.add(this.target.ref, v.rule, `${this.target.ref}: ${v.message}; walk stopped`);
            return;
          }
          this.log.add(shortName(p), v.rule, `${shortName(p)}: ${v.message}`);
          continue;
        }
        const info = await this.info(p, s);
        // a file over maxFileBytes is listed; readFile refuses and records it ("file-too-large"):
        // only a file something wanted to read counts as skipped
        yield info;
        if (info.kind === 'dir' && !(dir === '' && this.exclude.has(`\0${name}`))) yield* walk(p);
        if (budget.stopped) return;
      }
    }.bind(this);
    yield* walk('');
  }

  private async info(p: string, s: Stats): Promise<FileInfo> {
    const kind = kindOf(s);
    const info: FileInfo = { path: p, kind, size: kind === 'file' ? s.size : kind === 'symlink' ? s.size : 0, mode: s.mode, uid: s.uid, gid: s.gid };
    if (kind === 'symlink') {
      info.linkTarget = await readlink(this.real(p)).catch(() => '');
    }
    return info;
  }

  private lookup = async (p: string): Promise<DirNode | null> => {
    const s = await lstat(this.real(p)).catch(() => null);
    if (!s) return null;
    const n: DirNode = { kind: kindOf(s), stats: s };
    if (n.kind === 'symlink') {
      n.linkTarget = await readlink(this.real(p)).catch(() => '');
    }
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
    const fh = await this.openChecked(path);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async *readChunks(path: string, chunkBytes: number): AsyncIterable<Buffer> {
    const fh = await this.openChecked(path);
    try {
      for (let pos = 0; ;) {
        const buf = Buffer.allocUnsafe(Math.max(1, chunkBytes));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) return;
        pos += bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }

  /** Opens a regular file of the root for reading, refusing what readFile refuses (the caller closes it). */
  private async openChecked(path: string) {
    const f = await this.find(path);
    if (!f || f.node.kind !== 'file') throw new VigilError('VIGIL_NOT_FOUND', `${path}: no such file in ${this.target.ref}`, { input: path, rule: 'not-found' });
    // O_NOFOLLOW|O_NONBLOCK: a path swapped for a symlink or a fifo since it was resolved is refused, not followed or waited on
    const fh = await open(f.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e: Error) => {
      throw new VigilError('VIGIL_NOT_FOUND', `${path}: ${e.message}`, { input: path, rule: 'not-found', cause: e });
    });
    try {
      const s = await fh.stat();
      if (!s.isFile()) throw new VigilError('VIGIL_NOT_FOUND', `${path}: not a regular file`, { input: path, rule: 'not-found' });
      if (s.size > this.limits.maxFileBytes) {
        this.log.add(path, 'file-too-large', `${path}: ${s.size} bytes, over the ${this.limits.maxFileBytes}-byte limit; not read`);
        throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${s.size} bytes is over the ${this.limits.maxFileBytes}-byte file limit`, { input: path, rule: 'file-too-large' });
      }
      return fh;
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.onClose?.();
  }
}
