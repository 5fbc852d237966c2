/**
 * An in-memory directory tree: the final filesystem of an image (layers applied in order) or of a
 * zip. Only metadata lives here, plus references to the contents a ContentFilter chose to keep.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { VigilError, type LayerRef } from '../../model/index.ts';
import { readerChunks, type FileError, type FileInfo, type FileKind, type FileReader, type ScanFS, type SourceLimits } from '../types.ts';
import { compareNames, isPlainPath, normalizeLookupPath, resolveInRoot, splitPath, type Resolution } from './paths.ts';

/** Where a kept file's bytes are. Shared by hardlinks, so freed only when the last name goes. */
export type Content =
  | { where: 'memory'; data: Buffer; refs: number }
  | { where: 'scratch'; file: string; refs: number }
  | { where: 'lazy'; load: () => Promise<Buffer>; refs: number; chunks?: (chunkBytes: number) => AsyncIterable<Buffer>; open?: () => Promise<FileReader> };

export interface TreeNode {
  kind: FileKind;
  size: number;
  mode?: number;
  /** owner and group ids, when the archive records them */
  uid?: number;
  gid?: number;
  linkTarget?: string;
  layer?: LayerRef;
  /** 0-based position of the layer that wrote this version (0 for single-layer sources) */
  layerIndex: number;
  children?: Map<string, TreeNode>;
  content?: Content;
  /** why the content is not available (a rule and message), when it was refused */
  refused?: { code: 'VIGIL_UNSAFE_ARCHIVE' | 'VIGIL_LIMIT_EXCEEDED' | 'VIGIL_FORBIDDEN'; rule: string; message: string };
  /** the content filter's answer for this file, when the source asked it (FileInfo.wanted) */
  wanted?: boolean;
}

export function dirNode(layerIndex: number, layer?: LayerRef, mode?: number): TreeNode {
  return { kind: 'dir', size: 0, mode, layer, layerIndex, children: new Map() };
}

export type PutResult = { ok: true; path: string } | { ok: false; rule: string; message: string };

export class Tree {
  readonly root: TreeNode = dirNode(0);
  count = 0;
  /** the parent directory of the last entry putNow placed, by its path (none of its components a symlink) */
  private lastParent: { key: string; dir: TreeNode } | null = null;

  /** The node at a symlink-free path, or null. */
  lookup(path: string): TreeNode | null {
    let n: TreeNode | undefined = this.root;
    if (path === '') return n;
    for (const c of path.split('/')) {
      n = n?.children?.get(c);
      if (!n) return null;
    }
    return n;
  }

  resolve(path: string, followFinal = true): Promise<Resolution<TreeNode>> {
    return resolveInRoot<TreeNode>(path, (p) => this.lookup(p), followFinal);
  }

  /**
   * The directory that will hold `path`'s last component, creating missing parents as directories
   * of `layerIndex`. A parent that is a symlink is followed inside the root (as extraction into a
   * container root does); one that escapes refuses the entry.
   */
  private async parentOf(p: string, layerIndex: number, layer?: LayerRef): Promise<{ dir: TreeNode; path: string; name: string } | { error: PutResult }> {
    // `p` is plain (isPlainPath). Components are read by index, and a parent's path is sliced from
    // `p` (not built component by component) until a symlink is followed: an image puts tens of
    // thousands of entries
    const last = p.lastIndexOf('/');
    const name = p.slice(last + 1);
    let dir = this.root;
    // the resolved path of the directory reached at p[from]: p's own prefix until a symlink is followed
    let prefix = '';
    let from = 0;
    const pathAt = (end: number): string => (from === 0 ? p.slice(0, end) : from > end ? prefix : prefix === '' ? p.slice(from, end) : `${prefix}/${p.slice(from, end)}`);
    for (let start = 0; start <= last; ) {
      const end = p.indexOf('/', start);
      const c = p.slice(start, end);
      const next = dir.children!.get(c);
      if (next && next.kind === 'symlink') {
        const nextPath = pathAt(end);
        const r = await this.resolve(nextPath);
        if (!r.ok) {
          if (r.reason === 'symlink-escape') return { error: { ok: false, rule: 'symlink-escape', message: `parent ${nextPath} is a symlink leaving the root` } };
          if (r.reason === 'symlink-loop') return { error: { ok: false, rule: 'symlink-loop', message: `parent ${nextPath} is a symlink loop` } };
          return { error: { ok: false, rule: 'dangling-parent', message: `parent ${nextPath} is a symlink to a missing directory` } };
        }
        if (r.node.kind !== 'dir') return { error: { ok: false, rule: 'not-a-directory', message: `parent ${nextPath} resolves to a ${r.node.kind}` } };
        dir = r.node;
        prefix = r.path;
        from = end + 1;
        start = end + 1;
        continue;
      }
      dir = next && next.kind === 'dir' ? next : this.implicitDir(dir, c, next, layerIndex, layer);
      start = end + 1;
    }
    // the entry's own resolved path
    const dirPath = last < 0 ? '' : pathAt(last);
    return { dir, path: from === 0 ? p : dirPath === '' ? name : `${dirPath}/${name}`, name };
  }

  /**
   * put(), done now when no symlink lies on the way to the entry's parent (nearly every entry of a
   * layer); null when one does, and then put() follows it.
   */
  putNow(path: string, node: TreeNode): PutResult | null {
    if (!isPlainPath(path)) return null;
    const last = path.lastIndexOf('/');
    let dir = this.root;
    // entries come directory by directory: the last parent, when reached without a symlink and
    // still in the tree (release() forgets it when a directory goes), is this one's too
    const cached = this.lastParent;
    if (cached !== null && last === cached.key.length && path.startsWith(cached.key)) dir = cached.dir;
    else {
      for (let start = 0; start <= last; ) {
        const end = path.indexOf('/', start);
        const c = path.slice(start, end);
        const next = dir.children!.get(c);
        if (next && next.kind === 'symlink') return null;
        dir = next && next.kind === 'dir' ? next : this.implicitDir(dir, c, next, node.layerIndex, node.layer);
        start = end + 1;
      }
      if (last >= 0) this.lastParent = { key: path.slice(0, last), dir };
    }
    return this.place(dir, path.slice(last + 1), path, node);
  }

  /** A missing parent `c` of an entry made a directory of the entry's layer in `dir`, replacing `old` (no directory) when there is one. */
  private implicitDir(dir: TreeNode, c: string, old: TreeNode | undefined, layerIndex: number, layer: LayerRef | undefined): TreeNode {
    if (old) this.release(old);
    this.count++;
    const made = dirNode(layerIndex, layer, 0o40755);
    dir.children!.set(c, made);
    return made;
  }

  /** Puts `node` as `name` in `dir` (its path `path`). */
  private place(dir: TreeNode, name: string, path: string, node: TreeNode): PutResult {
    const old = dir.children!.get(name);
    if (old && old.kind === 'dir' && node.kind === 'dir') {
      old.mode = node.mode;
      old.uid = node.uid;
      old.gid = node.gid;
      old.layer = node.layer;
      old.layerIndex = node.layerIndex;
    } else {
      if (old) this.release(old);
      this.count++;
      dir.children!.set(name, node);
    }
    return { ok: true, path };
  }

  /** Adds or replaces one entry. A directory over a directory keeps the children (layers merge). */
  async put(path: string, node: TreeNode): Promise<PutResult> {
    const now = this.putNow(path, node);
    if (now !== null) return now;
    const plain = isPlainPath(path) ? path : splitPath(path).join('/');
    if (plain === '') {
      if (node.kind === 'dir') {
        this.root.mode = node.mode;
        this.root.uid = node.uid;
        this.root.gid = node.gid;
        return { ok: true, path: '' };
      }
      return { ok: false, rule: 'path-traversal', message: 'entry replaces the root' };
    }
    const p = await this.parentOf(plain, node.layerIndex, node.layer);
    if ('error' in p) return p.error;
    return this.place(p.dir, p.name, p.path, node);
  }

  /** Removes an entry and everything under it (a whiteout). Missing entries are fine. */
  async remove(path: string): Promise<PutResult> {
    const parts = splitPath(path);
    if (parts.length === 0) return { ok: false, rule: 'path-traversal', message: 'whiteout of the root' };
    const parentPath = parts.slice(0, -1).join('/');
    const r = await this.resolve(parentPath);
    if (!r.ok) {
      if (r.reason === 'symlink-escape') return { ok: false, rule: 'symlink-escape', message: `whiteout through a symlink leaving the root` };
      return { ok: true, path };
    }
    const name = parts[parts.length - 1];
    const old = r.node.children?.get(name);
    if (old) {
      this.release(old);
      r.node.children!.delete(name);
    }
    return { ok: true, path };
  }

  /** An opaque directory: hides everything lower layers put under it (entries of `layerIndex` stay). */
  async opaque(dirPath: string, layerIndex: number, layer?: LayerRef): Promise<PutResult> {
    const r = await this.resolve(dirPath);
    let dir: TreeNode;
    if (r.ok && r.node.kind === 'dir') dir = r.node;
    else {
      const put = await this.put(dirPath, dirNode(layerIndex, layer, 0o40755));
      if (!put.ok) return put;
      return { ok: true, path: dirPath };
    }
    this.prune(dir, layerIndex);
    return { ok: true, path: dirPath };
  }

  private prune(dir: TreeNode, layerIndex: number): boolean {
    let keep = false;
    for (const [name, child] of [...dir.children!]) {
      if (child.layerIndex >= layerIndex) {
        keep = true;
        continue;
      }
      if (child.kind === 'dir' && this.prune(child, layerIndex)) {
        keep = true;
        continue;
      }
      this.release(child);
      dir.children!.delete(name);
    }
    return keep;
  }

  /** Drops the content references of a subtree; scratch files go when their last name goes. */
  release(node: TreeNode): void {
    this.count--;
    // a directory leaving the tree may be (or hold) the cached parent
    if (node.kind === 'dir') this.lastParent = null;
    if (node.content && --node.content.refs <= 0 && node.content.where === 'scratch') {
      unlink(node.content.file).catch(() => undefined);
    }
    if (node.children) for (const c of node.children.values()) this.release(c);
  }

  /** Depth first, each directory's children in byte order of their names. */
  *walk(): Generator<[string, TreeNode]> {
    // an explicit stack: a generator per directory would resume every one above an entry to pass it on
    const stack: { dir: TreeNode; prefix: string; names: string[]; i: number }[] = [];
    const push = (dir: TreeNode, prefix: string) => stack.push({ dir, prefix, names: [...dir.children!.keys()].sort(compareNames), i: 0 });
    push(this.root, '');
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.names.length) {
        stack.pop();
        continue;
      }
      const name = top.names[top.i++];
      const node = top.dir.children!.get(name)!;
      const p = top.prefix === '' ? name : `${top.prefix}/${name}`;
      yield [p, node];
      if (node.kind === 'dir') push(node, p);
    }
  }
}

export function infoOf(path: string, n: TreeNode): FileInfo {
  const info: FileInfo = { path, kind: n.kind, size: n.size };
  if (n.mode !== undefined) info.mode = n.mode;
  if (n.uid !== undefined) info.uid = n.uid;
  if (n.gid !== undefined) info.gid = n.gid;
  if (n.linkTarget !== undefined) info.linkTarget = n.linkTarget;
  if (n.layer) info.layer = n.layer;
  if (n.wanted !== undefined) info.wanted = n.wanted;
  return info;
}

/** FileErrors listed one by one per log; past this, problems are counted per rule (one record each). */
export const MAX_LISTED_ERRORS = 1000;
/** Paths and messages are cut to this many characters in records (a hostile name can be megabytes). */
const MAX_RECORD_CHARS = 1024;

function cut(s: string): string {
  return s.length <= MAX_RECORD_CHARS ? s : `${s.slice(0, MAX_RECORD_CHARS)}…`;
}

/**
 * Records a FileError once per (path, rule). The list is bounded: a hostile archive can hold a
 * million bad entries, so past MAX_LISTED_ERRORS each rule gets one record whose `count` says how
 * many more there were.
 */
export class ErrorLog {
  readonly list: FileError[] = [];
  private seen = new Set<string>();
  private listed = 0;
  private more = new Map<string, { rec: FileError; first: string }>();
  constructor(private readonly where = 'target') {}
  add(path: string, rule: string, message: string): void {
    if (this.listed >= MAX_LISTED_ERRORS) {
      let m = this.more.get(rule);
      if (!m) {
        m = { rec: { path: this.where, rule, message: '', count: 0 }, first: cut(message) };
        this.more.set(rule, m);
        this.list.push(m.rec);
      }
      const n = ++m.rec.count!;
      m.rec.message = `${n} more "${rule}" problem${n === 1 ? '' : 's'} (over ${MAX_LISTED_ERRORS} listed), the first: ${m.first}`;
      return;
    }
    const k = `${rule}\0${path}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.listed++;
    this.list.push({ path: cut(path), rule, message: cut(message) });
  }
}

/** A ScanFS over a Tree. */
export class TreeFS implements ScanFS {
  readonly target: ScanFS['target'];
  private closed = false;
  constructor(
    private readonly tree: Tree,
    target: ScanFS['target'],
    private readonly log: ErrorLog,
    private readonly limits: SourceLimits,
    private readonly onClose: () => Promise<void>,
    /** the source's integrity checks still running (ScanFS.verify) */
    private readonly onVerify?: () => Promise<void>,
  ) {
    this.target = target;
  }

  get errors(): FileError[] {
    return this.log.list;
  }

  async *entries(): AsyncIterable<FileInfo> {
    for (const [p, n] of this.tree.walk()) yield infoOf(p, n);
  }

  /** The same entries, a thousand at a time: the tree is in memory, so one promise per batch, not per entry. */
  async *entryBatches(): AsyncIterable<readonly FileInfo[]> {
    let batch: FileInfo[] = [];
    for (const [p, n] of this.tree.walk()) {
      batch.push(infoOf(p, n));
      if (batch.length === 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  private async find(path: string): Promise<{ path: string; node: TreeNode } | null> {
    const p = normalizeLookupPath(path);
    if (p === null) return null;
    const r = await this.tree.resolve(p);
    if (!r.ok) {
      if (r.reason === 'symlink-escape' || r.reason === 'symlink-loop') {
        this.log.add(p, r.reason, `${p}: a symlink on the way ${r.reason === 'symlink-loop' ? 'loops' : 'leaves the root'}`);
      }
      return null;
    }
    return { path: p, node: r.node };
  }

  async stat(path: string): Promise<FileInfo | null> {
    const f = await this.find(path);
    return f ? infoOf(f.path, f.node) : null;
  }

  async readFile(path: string): Promise<Buffer> {
    const c = await this.contentOf(path);
    if (c.where === 'memory') return c.data;
    if (c.where === 'scratch') return readFile(c.file);
    return c.load();
  }

  /**
   * Positioned reads of a kept file: memory and scratch contents in place, a lazy content through
   * its own `open` (an SSH host's file: read where it lives), else loaded once and read from memory.
   * Same errors and limits as readFile.
   */
  async openFile(path: string): Promise<FileReader> {
    const c = await this.contentOf(path);
    if (c.where === 'memory') return bufferReader(c.data);
    if (c.where === 'lazy') return c.open ? c.open() : bufferReader(await c.load());
    const fh = await open(c.file, 'r');
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (e) {
      await fh.close();
      throw e;
    }
    let closed = false;
    return {
      size,
      read: async (buf, offset, length, position) => {
        if (closed) throw new VigilError('VIGIL_INTERNAL', `${path}: read after close`, { input: path, rule: 'closed' });
        return (await fh.read(buf, offset, length, position)).bytesRead;
      },
      close: () => {
        if (!closed) void fh.close().catch(() => undefined);
        closed = true;
      },
    };
  }

  /** The content of a regular file readFile would read, or readFile's error. */
  private async contentOf(path: string): Promise<Content> {
    const f = await this.find(path);
    if (!f || f.node.kind !== 'file') {
      throw new VigilError('VIGIL_NOT_FOUND', `${path}: no such file in ${this.target.ref}`, { input: path, rule: 'not-found' });
    }
    const n = f.node;
    if (n.refused) throw new VigilError(n.refused.code, `${path}: ${n.refused.message}`, { input: path, rule: n.refused.rule });
    if (n.size > this.limits.maxFileBytes) {
      throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${n.size} bytes is over the ${this.limits.maxFileBytes}-byte file limit`, { input: path, rule: 'file-too-large' });
    }
    if (!n.content) {
      throw new VigilError('VIGIL_NOT_FOUND', `${path}: content was not kept (the scan's ContentFilter did not ask for it)`, { input: path, rule: 'content-not-kept' });
    }
    return n.content;
  }

  async *readChunks(path: string, chunkBytes: number): AsyncIterable<Buffer> {
    const size = Math.max(1, chunkBytes);
    const f = await this.find(path);
    const c = f?.node.kind === 'file' && !f.node.refused && f.node.size <= this.limits.maxFileBytes ? f.node.content : undefined;
    if (c?.where === 'scratch') {
      // a kept file on disk is streamed; everything else (memory, or refused: readFile throws its error) as readFile gives it
      for await (const piece of createReadStream(c.file, { highWaterMark: size })) yield piece as Buffer;
      return;
    }
    if (c?.where === 'lazy' && c.chunks) {
      // read from where it lives as far as the reader goes (a runtime binary on an SSH host)
      yield* c.chunks(size);
      return;
    }
    if (c?.where === 'lazy' && c.open) {
      // read at positions, as far as the reader goes (a body where it lies in an uncompressed layer)
      yield* readerChunks(await c.open(), size);
      return;
    }
    const all = await this.readFile(path);
    for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
  }

  async verify(): Promise<void> {
    await this.onVerify?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }
}

/** A FileReader over bytes in memory; `whole` is them (a reader that wants the file whole takes them, no copy). */
export function bufferReader(data: Buffer): FileReader & { readonly whole: Buffer } {
  return {
    size: data.length,
    whole: data,
    read: async (buf, offset, length, position) => {
      const n = Math.max(0, Math.min(length, data.length - position));
      if (n > 0) data.copy(buf, offset, position, position + n);
      return n;
    },
    close: () => undefined,
  };
}
