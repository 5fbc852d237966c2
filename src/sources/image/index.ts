/**
 * A layered image filesystem built from an ordered list of layer tar streams (gzip, zstd or plain):
 * layers are applied in order with whiteouts and opaque directories, never extracted to disk; only
 * the files a ContentFilter asks for are kept (small ones in memory, the rest in a scratch dir).
 * A layer that is a plain tar in a local file (docker archives, uncompressed OCI blobs) is read by
 * offset instead (tar.ts): its headers in large chunks, hashed on the way for the digest checks,
 * and the kept bodies are read from the file when asked for rather than copied up front.
 */
import type { Hash } from 'node:crypto';
import { createReadStream, fstatSync, readSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VigilError, type LayerRef } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, RATIO_FLOOR, type ContentFilter, type FileReader, type ScanFS, type SourceLimits } from '../types.ts';
import { Budget, ErrorLog, Scratch, Tree, TreeFS, normalizeEntryName, shortName, type PutResult, type TreeNode } from '../vfs/index.ts';
import { LayerHasher, PARALLEL_HASH_BYTES } from './hash-thread.ts';
import { createInflater, detectCompression, inflateFileRange, newMeter, parseDigest, peek, type Compression, type Meter } from './layers.ts';
import { TarReader, fileSource, iterableSource, type TarHeader } from './tar.ts';

export * from './config.ts';
export * as schema from './schema.ts';
export { detectCompression, parseDigest } from './layers.ts';

/** One layer blob, in image order. */
export interface LayerInput {
  /** opens the blob (called once) */
  open(): Promise<Readable | AsyncIterable<Buffer>> | Readable | AsyncIterable<Buffer>;
  /** the blob's digest from the manifest ("sha256:…"), verified while streaming when given */
  digest?: string;
  /** the uncompressed tar's digest from the config's rootfs.diff_ids, verified when given */
  diffId?: string;
  /** the history entry's created_by */
  createdBy?: string;
  mediaType?: string;
  size?: number;
  /**
   * Where the blob lies in a local file (docker archives, OCI layouts). When given, the blob is
   * read by offset instead of through open(): a plain tar's headers are read in large chunks
   * (hashed on the way) or, with no digest to verify, file bodies are skipped unread.
   */
  locate?(): Promise<BlobLocation>;
}

/** What the OCI layout, docker-archive and registry sources hand to openImage. */
export interface ImageSource {
  target: ScanFS['target'];
  layers: LayerInput[];
}

export interface OpenImageOptions {
  /** which files' contents to keep; default: none (metadata only) */
  filter?: ContentFilter;
  limits?: Partial<SourceLimits>;
  /** files up to this size are kept in memory (default 1 MiB) ... */
  memoryFileBytes?: number;
  /** ... while the total kept in memory stays under this (default 128 MiB); the rest goes to scratch */
  memoryBudget?: number;
  /** parent of the per-scan scratch dir (default the OS temp dir) */
  scratchParent?: string;
  /** called as each layer starts and ends */
  onLayer?: (ev: { index: number; count: number; digest: string; phase: 'start' | 'done' }) => void;
  /**
   * Return before the digests of large plain tar layers (hashed on other threads, hash-thread.ts)
   * are known: the caller goes on reading and calls ScanFS.verify() before it trusts the result.
   * Default: openImage awaits them, after the last layer.
   * With it, the layer files are also checked once by verify() (unchanged since they were opened,
   * after everything read before it) instead of at every lazy open of a kept body: one fstat per
   * file instead of one per executable the binary extractors look into (~500 for a Debian image),
   * and no read before verify() goes unchecked (a change between an open's check and its reads
   * did). Bodies opened after verify() are checked when opened again.
   */
  deferDigests?: boolean;
}

/**
 * Streams every layer once and returns the final filesystem.
 * @throws VigilError VIGIL_UNSAFE_ARCHIVE (rule "digest-mismatch") when a blob or diff id does not
 * verify; hostile entries inside layers are recorded in `errors`, not thrown.
 */
export async function openImage(src: ImageSource, opts: OpenImageOptions = {}): Promise<ScanFS> {
  const limits: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  const scratch = new Scratch(opts.scratchParent);
  const log = new ErrorLog(src.target.ref);
  const tree = new Tree();
  const state: ApplyState = {
    tree,
    log,
    limits,
    scratch,
    filter: opts.filter ?? (() => false),
    filterGiven: opts.filter !== undefined,
    memoryFileBytes: opts.memoryFileBytes ?? 1024 * 1024,
    memoryBudget: opts.memoryBudget ?? 128 * 1024 * 1024,
    memoryUsed: 0,
    budget: new Budget(limits),
    stopped: false,
    files: new Map(),
    lazyFile: null,
    hasher: null,
    checks: [],
    filesCheckedAtVerify: opts.deferDigests === true,
    verified: false,
  };
  const release = async (): Promise<void> => {
    // the hashing thread reads the layer files' descriptors: stopped before those close
    await state.hasher?.close();
    state.hasher = null;
    await Promise.all([...state.files.values()].map((f) => f.fh.close().catch(() => undefined)));
    state.files.clear();
    await scratch.dispose();
  };
  const refs: LayerRef[] = src.layers.map((l, i) => {
    const r: LayerRef = { index: i, digest: l.diffId ?? l.digest ?? `layer-${i}` };
    if (l.createdBy !== undefined) r.createdBy = l.createdBy;
    return r;
  });
  try {
    for (let i = 0; i < src.layers.length && !state.stopped; i++) {
      opts.onLayer?.({ index: i, count: src.layers.length, digest: refs[i].digest, phase: 'start' });
      await applyLayer(state, src.layers[i], refs[i]);
      opts.onLayer?.({ index: i, count: src.layers.length, digest: refs[i].digest, phase: 'done' });
    }
    if (!opts.deferDigests) await verifyDigests(state);
  } catch (e) {
    await release();
    throw e;
  }
  return new TreeFS(tree, { ...src.target, layers: refs }, log, limits, release, () => verifyDigests(state));
}

/**
 * Runs the digest checks left for later (the layers hashed on other threads), in layer order; with
 * deferred digests, then checks every layer file the same way a lazy open would (`unchanged`).
 */
async function verifyDigests(st: ApplyState): Promise<void> {
  try {
    while (st.checks.length) await st.checks.shift()!();
    if (st.filesCheckedAtVerify) for (const f of st.files.values()) unchanged(f, 'checked after the scan read it');
  } finally {
    // from now on (failed or not) a lazy open checks its file itself
    st.verified = true;
  }
}

interface ApplyState {
  tree: Tree;
  log: ErrorLog;
  limits: SourceLimits;
  scratch: Scratch;
  filter: ContentFilter;
  /** the filter is the caller's (its answers are recorded on the nodes: FileInfo.wanted) */
  filterGiven: boolean;
  memoryFileBytes: number;
  memoryBudget: number;
  memoryUsed: number;
  /** entries, names and bytes of the whole image */
  budget: Budget;
  /** a limit for the whole image was hit: apply no more layers */
  stopped: boolean;
  /** local files layers are read from by offset, open until the filesystem is closed */
  files: Map<string, LayerFile>;
  /** while a plain tar layer is read from a local file: kept bodies are read from there on demand */
  lazyFile: { file: LayerFile; offset: number } | null;
  /** the thread hashing large plain tar layers (hash-thread.ts), started with the first; stopped when the filesystem is released */
  hasher: LayerHasher | null;
  /** their digest checks, run by verifyDigests */
  checks: (() => Promise<void>)[];
  /** the layer files are checked by verifyDigests, not at each lazy open before it (deferDigests) */
  filesCheckedAtVerify: boolean;
  /** verifyDigests has run */
  verified: boolean;
}

/** A local file holding layer blobs, with what it looked like when opened. */
interface LayerFile {
  path: string;
  fh: FileHandle;
  size: number;
  mtimeMs: number;
}

async function layerFile(st: ApplyState, path: string): Promise<LayerFile> {
  let f = st.files.get(path);
  if (!f) {
    const fh = await open(path, 'r');
    const s = await fh.stat();
    f = { path, fh, size: s.size, mtimeMs: s.mtimeMs };
    st.files.set(path, f);
  }
  return f;
}

/**
 * Reads a kept body of a plain tar layer from its file when an extractor asks for it, instead of
 * copying every kept body while the layer streams by. The layer's digests are checked over these
 * bytes (once it has streamed by, or for a large layer hashed on the hashing thread, by
 * verifyDigests before the scan's result is used); a file that changed since it was opened (size
 * or mtime) is refused rather than trusted: when the body is opened, or, with deferred digests, by
 * verifyDigests after every read before it.
 */
function lazyBody(open: () => Promise<FileReader>, size: number): () => Promise<Buffer> {
  return async () => {
    // lazyOpen's reader checks the file and reads all `size` bytes or throws
    const b = Buffer.allocUnsafe(size);
    await (await open()).read(b, 0, size, 0);
    return b;
  };
}

/**
 * Positioned reads of the same body where it lies in the layer's file (TreeFS.openFile): the Go and
 * Rust binary extractors read an executable's headers and a section or two, not the whole body.
 * The file is checked as lazyBody checks it, when opened; a read past the body's end gives 0.
 */
function lazyOpen(st: ApplyState, f: LayerFile, at: number, size: number, where: string): () => Promise<FileReader> {
  return async () => {
    // (deferred digests: verifyDigests checks the file once, after the reads made before it)
    if (!st.filesCheckedAtVerify || st.verified) unchanged(f, where);
    return {
      size,
      read: async (buf, offset, length, position) => {
        const want = Math.max(0, Math.min(length, size - position));
        let got = 0;
        while (got < want) {
          const n = readSync(f.fh.fd, buf, offset + got, want - got, at + position + got);
          if (n === 0) throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: ${f.path} is shorter than when it was read`, { input: f.path, rule: 'changed-during-scan' });
          got += n;
        }
        return got;
      },
      // the layer's file stays open until the filesystem is closed
      close: () => undefined,
    };
  };
}

/** @throws VigilError VIGIL_UNSAFE_ARCHIVE rule "changed-during-scan" when the layer's file changed (size or mtime) since it was read */
function unchanged(f: LayerFile, where: string): void {
  const s = fstatSync(f.fh.fd);
  if (s.size !== f.size || s.mtimeMs !== f.mtimeMs) {
    throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: ${f.path} changed during the scan`, { input: f.path, rule: 'changed-during-scan' });
  }
}

/** Where a layer blob lies in a local file, so that it can be read by offset. */
export interface BlobLocation {
  path: string;
  offset: number;
  size: number;
}

async function applyLayer(st: ApplyState, layer: LayerInput, ref: LayerRef): Promise<void> {
  const blobDigest = parseDigest(layer.digest);
  const diffId = parseDigest(layer.diffId);
  if (layer.digest && !blobDigest) throw unsafe(`layer ${ref.index}: unsupported digest ${JSON.stringify(layer.digest)}`, layer.digest, 'digest');
  if (layer.diffId && !diffId) throw unsafe(`layer ${ref.index}: unsupported diff id ${JSON.stringify(layer.diffId)}`, layer.diffId, 'digest');
  const where = `layer ${ref.digest}`;
  const limits = st.limits;
  const meter = newMeter(blobDigest?.[0] ?? null, diffId?.[0] ?? null);
  let compression: Compression = 'none';
  /** a large plain tar's digest, computed on another thread while the walk seeks over bodies */
  let parallel: { hex: Promise<string>; cancel(): void; blob: boolean; tar: boolean; file: LayerFile } | null = null;

  /** counts (and hashes, when `hash`) bytes of the uncompressed tar, enforcing the image's total */
  const countTar = (c: Buffer | number, hash: Hash | null): void => {
    const n = typeof c === 'number' ? c : c.length;
    meter.uncompressed += n;
    if (hash && typeof c !== 'number') hash.update(c);
    const v = st.budget.bytes(n);
    if (!v.ok) throw new LimitStop(`${where}: ${v.message}`, v.rule);
  };
  /**
   * The entries, then (when a digest needs every byte) the rest of the blob. A compressed file's
   * ratio is judged once its body has streamed by (the compressed bytes consumed meanwhile): a
   * bomb is one skipped file, and the entries after it are still read.
   */
  /** a compressed blob not hashed (oneHash) must still be as long as its descriptor says */
  const checkBlobSize = (n: number): void => {
    if (!blobDigest || meter.blobHash || layer.size === undefined || n === layer.size) return;
    throw unsafe(`layer ${ref.index}: blob is ${n} bytes, its descriptor (${layer.digest}) says ${layer.size}`, layer.digest!, 'digest-mismatch');
  };
  const walk = async (reader: TarReader): Promise<void> => {
    let pending: { path: string; name: string; size: number; node: TreeNode | null; c0: number; recorded: boolean } | null = null;
    const judge = (): void => {
      if (!pending) return;
      const p = pending;
      pending = null;
      const used = Math.max(meter.compressed - p.c0, 1);
      // a file already recorded as skipped (too large) counts once
      if (p.size / used <= limits.maxRatio || p.recorded) return;
      const message = `${shortName(p.name)} (${where}): ${p.size} bytes from about ${used} compressed (ratio over ${limits.maxRatio}); skipped, the rest of the layer is read`;
      st.log.add(`${where}!${p.path}`, 'decompression-bomb', message);
      if (p.node) refuse(st, p.node, { code: 'VIGIL_UNSAFE_ARCHIVE', rule: 'decompression-bomb', message: `ratio over ${limits.maxRatio}; not read` });
    };
    // nextNow and onEntry answer at once for most entries: a promise only where one is needed
    for (;;) {
      const now = reader.nextNow();
      const h = now !== undefined ? now : await reader.next();
      if (h === null) break;
      judge();
      const c0 = meter.compressed;
      const entry = onEntry(st, h, reader, ref, where);
      const put = entry instanceof Promise ? await entry : entry;
      if (compression !== 'none' && h.size > RATIO_FLOOR && (h.type === 'file' || h.type === 'contiguous-file')) {
        pending = { path: put?.path ?? h.name, name: h.name, size: h.size, node: put?.node ?? null, c0, recorded: put?.recorded ?? false };
      }
    }
    judge();
    if (meter.blobHash || meter.tarHash) await reader.drain();
  };

  try {
    const loc = layer.locate ? await layer.locate() : undefined;
    let input: Readable | AsyncIterable<Buffer> | undefined;
    if (loc) {
      const lf = await layerFile(st, loc.path);
      if (loc.offset < 0 || loc.size < 0 || loc.offset + loc.size > lf.size) throw new VigilError('VIGIL_INVALID_INPUT', `${where}: blob range ${loc.offset}+${loc.size} lies outside ${loc.path}`, { input: loc.path, rule: 'blob-range' });
      const fh = lf.fh;
      const head = Buffer.alloc(Math.min(6, loc.size));
      await fh.read(head, 0, head.length, loc.offset);
      compression = detectCompression(head);
      if (compression === 'none') {
        // a plain tar in a file: read by offset; with nothing to verify here, bodies are seeked over
        oneHash(meter, compression, blobDigest, diffId);
        // a large one is hashed on the image's hashing thread meanwhile (hash-thread.ts): oneHash left one
        // hash, of the diff id's algorithm when there is a diff id (and of the blob's too when the same)
        const one = meter.tarHash ?? meter.blobHash;
        if (one && loc.size >= PARALLEL_HASH_BYTES) {
          const algorithm = meter.tarHash ? diffId![0] : blobDigest![0];
          parallel = { ...(st.hasher ??= new LayerHasher()).hash(lf.fh.fd, loc.offset, loc.size, algorithm), blob: meter.blobHash !== null, tar: meter.tarHash !== null, file: lf };
          meter.blobHash = null;
          meter.tarHash = null;
        }
        const hashes = [meter.blobHash, meter.tarHash === meter.blobHash ? null : meter.tarHash].filter((x): x is Hash => x !== null);
        const onData = (c: Buffer): void => {
          meter.compressed += c.length;
          for (const x of hashes) x.update(c);
          countTar(c, null);
        };
        const source = fileSource(fh, loc.offset, loc.size, {
          seek: hashes.length === 0,
          onData,
          onSkip: (n) => {
            meter.compressed += n;
            countTar(n, null);
          },
        });
        st.lazyFile = { file: lf, offset: loc.offset };
        try {
          await walk(new TarReader(source));
        } finally {
          st.lazyFile = null;
        }
      } else if (compression === 'gzip') {
        // gzip: inflated from reused input buffers (layers.ts inflateFileRange)
        oneHash(meter, compression, blobDigest, diffId);
        checkBlobSize(loc.size);
        const inflater = createInflater(compression)!;
        const blobHash = meter.blobHash;
        const tarHash = meter.tarHash;
        let out = 0;
        const counted = async function* (s: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
          for await (const c of s) {
            out += c.length;
            meter.compressed = inflater.consumedFor(out);
            countTar(c, tarHash);
            yield c;
          }
        };
        const output = inflateFileRange(inflater, fh.fd, loc.offset, loc.size, blobHash ? (c) => blobHash.update(c) : undefined);
        try {
          await walk(new TarReader(iterableSource(counted(output))));
        } finally {
          // a walk that ended early (a limit, the end-of-archive blocks) stops the inflation too
          await output.return(undefined);
        }
      } else {
        // zstd: stream the range through the decompressor in large chunks
        input = createReadStream('', { fd: fh, autoClose: false, start: loc.offset, end: loc.offset + loc.size - 1, highWaterMark: 1024 * 1024 });
      }
    } else {
      const peeked = await peek(await layer.open(), 6);
      compression = detectCompression(peeked.head);
      input = peeked.stream;
    }
    if (input) {
      const inflater = createInflater(compression);
      oneHash(meter, compression, blobDigest, diffId);
      const blobHash = meter.blobHash;
      const tarHash = blobHash === meter.tarHash ? null : meter.tarHash;
      let blobBytes = 0;
      const countBlob = async function* (s: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const c of s) {
          blobBytes += c.length;
          blobHash?.update(c);
          yield c;
        }
      };
      // what reaches the tar reader: counted, hashed, and with the compressed bytes consumed to produce it
      let out = 0;
      const counted = async function* (s: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const c of s) {
          out += c.length;
          meter.compressed = inflater ? inflater.consumedFor(out) : out;
          countTar(c, tarHash);
          yield c;
        }
      };
      const stages: unknown[] = [input, countBlob];
      if (inflater) stages.push(inflater.stage);
      // the walk's own failure (a limit, a corrupt entry) wins over the abort it causes upstream
      let walkFailure: unknown;
      stages.push(async (s: AsyncIterable<Buffer>) => {
        try {
          await walk(new TarReader(iterableSource(counted(s))));
        } catch (e) {
          walkFailure ??= e;
          throw e;
        }
      });
      try {
        await (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
      } catch (e) {
        throw walkFailure ?? e;
      }
      if (tarHash) checkBlobSize(blobBytes);
    }
  } catch (failure) {
    // a layer no longer read has no digest to check: its hashing stops (an error stops the whole
    // hashing thread when the filesystem is released)
    parallel?.cancel();
    if (failure instanceof LimitStop) {
      st.log.add(where, failure.rule, failure.message);
      st.stopped = true;
      return;
    }
    if (failure instanceof VigilError) throw failure;
    throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: unreadable layer (${compression}): ${(failure as Error).message}`, { input: ref.digest, rule: 'corrupt-layer', cause: failure });
  }
  const hex = new Map<Hash, string>();
  const digestOf = (h: Hash): string => hex.get(h) ?? (hex.set(h, h.digest('hex')), hex.get(h)!);
  const compare = (blob: string | null, tar: string | null): void => {
    if (blobDigest && blob !== null && blob !== blobDigest[1]) throw unsafe(`layer ${ref.index}: blob digest is ${blobDigest[0]}:${blob}, manifest says ${layer.digest}`, layer.digest!, 'digest-mismatch');
    if (diffId && tar !== null && tar !== diffId[1]) throw unsafe(`layer ${ref.index}: uncompressed digest is ${diffId[0]}:${tar}, config diff_ids says ${layer.diffId}`, layer.diffId!, 'digest-mismatch');
  };
  if (!parallel) {
    compare(meter.blobHash ? digestOf(meter.blobHash) : null, meter.tarHash ? digestOf(meter.tarHash) : null);
    return;
  }
  const p = parallel;
  st.checks.push(async () => {
    let got: string;
    try {
      got = await p.hex;
    } catch (e) {
      throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: unreadable layer (${compression}): ${(e as Error).message}`, { input: ref.digest, rule: 'corrupt-layer', cause: e });
    }
    // the headers and the digest were read apart: the file must be the one both read
    unchanged(p.file, where);
    compare(p.blob ? got : null, p.tar ? got : null);
  });
}

/**
 * At most one pass of hashing per layer. With a diff id to verify, the blob digest is checked only
 * when the same hash gives it (a plain tar is its own blob): a compressed blob is not hashed a
 * second time, because the content read is then verified against the diff id that the config
 * (verified itself) names, and the report speaks of that content and names layers by diff id —
 * what bytes compressed it changes nothing read. Without a diff id the blob digest is verified.
 */
function oneHash(meter: Meter, compression: Compression, blobDigest: [string, string] | null, diffId: [string, string] | null): void {
  if (!meter.blobHash || !meter.tarHash) return;
  if (compression === 'none' && blobDigest![0] === diffId![0]) meter.tarHash = meter.blobHash;
  else meter.blobHash = null;
}

/** Drops a kept content whose file turned out to break a limit; reads of it are refused. */
function refuse(st: ApplyState, node: TreeNode, why: NonNullable<TreeNode['refused']>): void {
  node.refused = why;
  const c = node.content;
  if (!c) return;
  node.content = undefined;
  if (--c.refs > 0) return;
  if (c.where === 'memory') st.memoryUsed -= c.data.length;
  else if (c.where === 'scratch') unlink(c.file).catch(() => undefined);
}

/** A limit on the whole image: nothing more is read. */
class LimitStop extends Error {
  constructor(
    message: string,
    readonly rule: string,
  ) {
    super(message);
  }
}

function unsafe(message: string, input: string, rule: string): VigilError {
  return new VigilError('VIGIL_UNSAFE_ARCHIVE', message, { input, rule });
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Records a tree operation's refusal of an entry (a FileError); true when it was done. */
function recordPut(st: ApplyState, h: TarHeader, where: string, r: { ok: true } | { ok: false; rule: string; message: string }): boolean {
  if (!r.ok) st.log.add(`${where}!${h.name}`, r.rule, `${h.name}: ${r.message}; entry refused`);
  return r.ok;
}

/** Where a regular file put in the tree went (onEntry); `recorded`: its skipping is already a FileError. */
type Placed = { path: string; node: TreeNode; recorded?: boolean } | null;

/**
 * Applies one entry; for a regular file put in the tree, returns where it went. Done now for the
 * common entries (a file, a directory or a symlink under parents without a symlink, a file body
 * kept lazily or not at all); a promise for the rest (whiteouts, hardlinks, parents through
 * symlinks, bodies copied to memory or scratch).
 */
function onEntry(st: ApplyState, h: TarHeader, reader: TarReader, ref: LayerRef, where: string): Placed | Promise<Placed> {
  const v = st.budget.entry(h.name, h.linkname ?? '');
  if (!v.ok) {
    if (v.stop) throw new LimitStop(`${where}: ${v.message}`, v.rule);
    st.log.add(`${where}!${shortName(h.name)}`, v.rule, `${shortName(h.name)}: ${v.message}`);
    return null;
  }
  const name = normalizeEntryName(h.name);
  if (!name.ok) {
    st.log.add(`${where}!${h.name}`, 'path-traversal', `${h.name}: ${name.reason}; entry refused`);
    return null;
  }
  const path = name.path;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const tree = st.tree;

  if (base.startsWith(WHITEOUT)) return whiteout(st, h, ref, where, path, slash, base);
  const mode = h.mode;
  switch (h.type) {
    case 'directory':
      return putOther(st, h, where, path, { kind: 'dir', size: 0, mode: 0o40000 | mode, uid: h.uid, gid: h.gid, layer: ref, layerIndex: ref.index, children: new Map() });
    case 'symlink': {
      const target = h.linkname ?? '';
      return putOther(st, h, where, path, { kind: 'symlink', size: target.length, mode: 0o120777, uid: h.uid, gid: h.gid, linkTarget: target, layer: ref, layerIndex: ref.index });
    }
    case 'link':
      return hardlink(st, h, ref, where, path);
    case 'character-device':
    case 'block-device': {
      st.log.add(`${where}!${h.name}`, 'device-file', `${h.name}: ${h.type} ${h.devmajor}:${h.devminor} skipped`);
      return null;
    }
    case 'fifo':
      return putOther(st, h, where, path, { kind: 'other', size: 0, mode: 0o10000 | mode, uid: h.uid, gid: h.gid, layer: ref, layerIndex: ref.index });
    case 'file':
    case 'contiguous-file':
      break;
    default: {
      st.log.add(`${where}!${h.name}`, 'unsupported-entry', `${h.name}: tar entry type ${JSON.stringify(h.flag)} skipped`);
      return null;
    }
  }

  // a regular file; a body left unread is skipped by the reader's next()
  const node: TreeNode = { kind: 'file', size: h.size, mode: 0o100000 | mode, uid: h.uid, gid: h.gid, layer: ref, layerIndex: ref.index };
  const put = tree.putNow(path, node);
  if (put !== null) return placeFile(st, h, reader, ref, where, node, put);
  return tree.put(path, node).then((r) => placeFile(st, h, reader, ref, where, node, r));
}

/** Puts an entry that is no regular file, recording a refusal. */
function putOther(st: ApplyState, h: TarHeader, where: string, path: string, node: TreeNode): Placed | Promise<Placed> {
  const now = st.tree.putNow(path, node);
  if (now !== null) return (recordPut(st, h, where, now), null);
  return st.tree.put(path, node).then((r) => (recordPut(st, h, where, r), null));
}

/** A whiteout entry: removes the entry it names, or makes its directory opaque. */
async function whiteout(st: ApplyState, h: TarHeader, ref: LayerRef, where: string, path: string, slash: number, base: string): Promise<Placed> {
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (base === OPAQUE) recordPut(st, h, where, await st.tree.opaque(dir, ref.index, ref));
  else if (!base.startsWith('.wh..wh.')) recordPut(st, h, where, await st.tree.remove(dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`));
  // other ".wh..wh." names are AUFS bookkeeping (hardlink dirs): ignored
  return null;
}

/** A hardlink entry: another name of a regular file already in the image (its content shared). */
async function hardlink(st: ApplyState, h: TarHeader, ref: LayerRef, where: string, path: string): Promise<Placed> {
  const t = normalizeEntryName(h.linkname ?? '');
  if (!t.ok) {
    st.log.add(`${where}!${h.name}`, 'path-traversal', `${h.name}: hardlink to ${JSON.stringify(h.linkname)}: ${t.reason}; entry refused`);
    return null;
  }
  const r = await st.tree.resolve(t.path, false);
  if (!r.ok || r.node.kind !== 'file') {
    const rule = !r.ok && r.reason === 'symlink-escape' ? 'symlink-escape' : 'bad-hardlink';
    st.log.add(`${where}!${h.name}`, rule, `${h.name}: hardlink to ${t.path}, which is not a regular file of the image; entry refused`);
    return null;
  }
  const src = r.node;
  if (src.content) src.content.refs++;
  const node: TreeNode = { kind: 'file', size: src.size, mode: src.mode, uid: src.uid, gid: src.gid, layer: ref, layerIndex: ref.index, content: src.content, refused: src.refused };
  if (!recordPut(st, h, where, await st.tree.put(path, node)) && src.content) src.content.refs--;
  return null;
}

/** A regular file put in the tree (`put`): asks the filter, and keeps its body when wanted. */
function placeFile(st: ApplyState, h: TarHeader, reader: TarReader, ref: LayerRef, where: string, node: TreeNode, put: PutResult): Placed | Promise<Placed> {
  if (!recordPut(st, h, where, put) || !put.ok) return null;
  const size = node.size;
  const done = { path: put.path, node };
  const wanted = st.filter({ path: put.path, kind: 'file', size, mode: node.mode, layer: ref });
  if (st.filterGiven) node.wanted = wanted;
  if (size > st.limits.maxFileBytes) {
    node.refused = { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `${size} bytes is over the ${st.limits.maxFileBytes}-byte file limit` };
    // only a file the scan would have read counts as skipped: a big unrelated file loses nothing
    if (!wanted) return done;
    st.log.add(`${where}!${put.path}`, 'file-too-large', `${put.path} (${where}): ${size} bytes, over the ${st.limits.maxFileBytes}-byte limit; listed, not read`);
    return { ...done, recorded: true };
  }
  if (!wanted) return done;
  if (st.lazyFile) {
    // TreeFS.readChunks reads such a body through `open` as far as its reader goes
    const open = lazyOpen(st, st.lazyFile.file, st.lazyFile.offset + reader.offset, size, `${where}!${h.name}`);
    node.content = { where: 'lazy', load: lazyBody(open, size), open, refs: 1 };
    return done;
  }
  return keepBody(st, reader, node, done);
}

/** Copies a wanted body as it streams by: into memory while small enough and within the budget, else to scratch. */
async function keepBody(st: ApplyState, reader: TarReader, node: TreeNode, done: { path: string; node: TreeNode }): Promise<Placed> {
  const size = node.size;
  if (size <= st.memoryFileBytes && st.memoryUsed + size <= st.memoryBudget) {
    const data = await reader.body();
    st.memoryUsed += size;
    node.content = { where: 'memory', data, refs: 1 };
    return done;
  }
  const file = await st.scratch.file();
  const out = await open(file, 'wx', 0o600);
  try {
    for await (const c of reader.bodyChunks()) await out.write(c);
  } finally {
    await out.close();
  }
  node.content = { where: 'scratch', file, refs: 1 };
  return done;
}
