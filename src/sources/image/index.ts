/**
 * A layered image filesystem built from an ordered list of layer tar streams (gzip, zstd or plain):
 * layers are applied in order with whiteouts and opaque directories, never extracted to disk; only
 * the files a ContentFilter asks for are kept (small ones in memory, the rest in a scratch dir).
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { VigilError, type LayerRef } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, type ContentFilter, type ScanFS, type SourceLimits } from '../types.ts';
import { ErrorLog, Scratch, Tree, TreeFS, dirNode, normalizeEntryName, type TreeNode } from '../vfs/index.ts';
import { BombError, RATIO_FLOOR, createDecompressor, detectCompression, newMeter, parseDigest, peek, type Meter } from './layers.ts';

export * from './config.ts';
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
}

/**
 * Streams every layer once and returns the final filesystem.
 * @throws VigilError VIGIL_UNSAFE_ARCHIVE (rule "digest-mismatch") when a blob or diff id does not
 * verify; hostile entries inside layers are recorded in `errors`, not thrown.
 */
export async function openImage(src: ImageSource, opts: OpenImageOptions = {}): Promise<ScanFS> {
  const limits: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  const scratch = new Scratch(opts.scratchParent);
  const log = new ErrorLog();
  const tree = new Tree();
  const state: ApplyState = {
    tree,
    log,
    limits,
    scratch,
    filter: opts.filter ?? (() => false),
    memoryFileBytes: opts.memoryFileBytes ?? 1024 * 1024,
    memoryBudget: opts.memoryBudget ?? 128 * 1024 * 1024,
    memoryUsed: 0,
    totalBytes: 0,
    entries: 0,
    stopped: false,
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
  } catch (e) {
    await scratch.dispose();
    throw e;
  }
  return new TreeFS(tree, { ...src.target, layers: refs }, log, limits, () => scratch.dispose());
}

interface ApplyState {
  tree: Tree;
  log: ErrorLog;
  limits: SourceLimits;
  scratch: Scratch;
  filter: ContentFilter;
  memoryFileBytes: number;
  memoryBudget: number;
  memoryUsed: number;
  totalBytes: number;
  entries: number;
  /** a limit for the whole image was hit: apply no more layers */
  stopped: boolean;
}

async function applyLayer(st: ApplyState, layer: LayerInput, ref: LayerRef): Promise<void> {
  const blobDigest = parseDigest(layer.digest);
  const diffId = parseDigest(layer.diffId);
  if (layer.digest && !blobDigest) throw unsafe(`layer ${ref.index}: unsupported digest ${JSON.stringify(layer.digest)}`, layer.digest, 'digest');
  if (layer.diffId && !diffId) throw unsafe(`layer ${ref.index}: unsupported diff id ${JSON.stringify(layer.diffId)}`, layer.diffId, 'digest');
  const meter = newMeter(blobDigest?.[0] ?? null, diffId?.[0] ?? null);
  const { head, stream } = await peek(await layer.open(), 6);
  const compression = detectCompression(head);
  const decompressor = createDecompressor(compression);
  const where = `layer ${ref.digest}`;

  async function* countBlob(s: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of s) {
      meter.compressed += c.length;
      meter.blobHash?.update(c);
      yield c;
    }
  }
  const limits = st.limits;
  async function* countTar(s: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of s) {
      meter.uncompressed += c.length;
      st.totalBytes += c.length;
      meter.tarHash?.update(c);
      if (st.totalBytes > limits.maxTotalBytes) {
        throw new BombError(`${where}: the image unpacks to more than ${limits.maxTotalBytes} bytes`, 'total');
      }
      if (compression !== 'none' && meter.uncompressed > RATIO_FLOOR && meter.uncompressed / Math.max(meter.compressed, 1) > limits.maxRatio) {
        throw new BombError(`${where}: compression ratio over ${limits.maxRatio} (${meter.uncompressed} bytes from ${meter.compressed})`, 'ratio');
      }
      yield c;
    }
  }

  const extract = tar.extract();
  const stages: unknown[] = [stream, countBlob];
  if (decompressor) stages.push(decompressor);
  stages.push(countTar, extract);
  const feeding = (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
  const consuming = (async () => {
    try {
      for await (const entry of extract) await onEntry(st, entry as unknown as TarEntry, ref, where);
    } catch (e) {
      extract.destroy(e as Error);
      throw e;
    }
  })();
  const [fed, consumed] = await Promise.allSettled([feeding, consuming]);
  const failure = consumed.status === 'rejected' ? consumed.reason : fed.status === 'rejected' ? fed.reason : null;
  if (failure) {
    const bomb = failure instanceof BombError ? failure : fed.status === 'rejected' && fed.reason instanceof BombError ? fed.reason : null;
    if (bomb) {
      st.log.add(where, 'decompression-bomb', bomb.message);
      if (bomb.rule === 'total') st.stopped = true;
      return;
    }
    if (failure instanceof LimitStop) {
      st.log.add(where, failure.rule, failure.message);
      st.stopped = true;
      return;
    }
    if (failure instanceof VigilError) throw failure;
    throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: unreadable layer (${compression}): ${(failure as Error).message}`, { input: ref.digest, rule: 'corrupt-layer', cause: failure });
  }
  if (blobDigest && meter.blobHash) {
    const got = meter.blobHash.digest('hex');
    if (got !== blobDigest[1]) throw unsafe(`layer ${ref.index}: blob digest is ${blobDigest[0]}:${got}, manifest says ${layer.digest}`, layer.digest!, 'digest-mismatch');
  }
  if (diffId && meter.tarHash) {
    const got = meter.tarHash.digest('hex');
    if (got !== diffId[1]) throw unsafe(`layer ${ref.index}: uncompressed digest is ${diffId[0]}:${got}, config diff_ids says ${layer.diffId}`, layer.diffId!, 'digest-mismatch');
  }
}

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

/** tar-stream's entry: a streamx Readable with the header */
type TarEntry = AsyncIterable<Buffer> & { header: tar.Header; resume(): unknown };

async function onEntry(st: ApplyState, entry: TarEntry, ref: LayerRef, where: string): Promise<void> {
  const h = entry.header;
  if (++st.entries > st.limits.maxEntries) {
    entry.resume();
    throw new LimitStop(`${where}: more than ${st.limits.maxEntries} entries`, 'too-many-entries');
  }
  const name = normalizeEntryName(h.name);
  if (!name.ok) {
    st.log.add(`${where}!${h.name}`, 'path-traversal', `${h.name}: ${name.reason}; entry refused`);
    entry.resume();
    return;
  }
  const path = name.path;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const tree = st.tree;
  const record = (r: { ok: true } | { ok: false; rule: string; message: string }): boolean => {
    if (!r.ok) st.log.add(`${where}!${h.name}`, r.rule, `${h.name}: ${r.message}; entry refused`);
    return r.ok;
  };

  if (base.startsWith(WHITEOUT)) {
    entry.resume();
    if (base === OPAQUE) record(await tree.opaque(dir, ref.index, ref));
    else if (!base.startsWith('.wh..wh.')) record(await tree.remove(dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`));
    // other ".wh..wh." names are AUFS bookkeeping (hardlink dirs): ignored
    return;
  }
  const mode = h.mode;
  switch (h.type as string | null | undefined) {
    case 'directory': {
      entry.resume();
      record(await tree.put(path, dirNode(ref.index, ref, mode === undefined ? undefined : 0o40000 | mode)));
      return;
    }
    case 'symlink': {
      entry.resume();
      const target = h.linkname ?? '';
      record(await tree.put(path, { kind: 'symlink', size: target.length, mode: 0o120777, linkTarget: target, layer: ref, layerIndex: ref.index }));
      return;
    }
    case 'link': {
      entry.resume();
      const t = normalizeEntryName(h.linkname ?? '');
      if (!t.ok) {
        st.log.add(`${where}!${h.name}`, 'path-traversal', `${h.name}: hardlink to ${JSON.stringify(h.linkname)}: ${t.reason}; entry refused`);
        return;
      }
      const r = await tree.resolve(t.path, false);
      if (!r.ok || r.node.kind !== 'file') {
        const rule = !r.ok && r.reason === 'symlink-escape' ? 'symlink-escape' : 'bad-hardlink';
        st.log.add(`${where}!${h.name}`, rule, `${h.name}: hardlink to ${t.path}, which is not a regular file of the image; entry refused`);
        return;
      }
      const src = r.node;
      if (src.content) src.content.refs++;
      const node: TreeNode = { kind: 'file', size: src.size, mode: src.mode, layer: ref, layerIndex: ref.index, content: src.content, refused: src.refused };
      if (!record(await tree.put(path, node)) && src.content) src.content.refs--;
      return;
    }
    case 'character-device':
    case 'block-device': {
      entry.resume();
      st.log.add(`${where}!${h.name}`, 'device-file', `${h.name}: ${h.type} ${h.devmajor ?? '?'}:${h.devminor ?? '?'} skipped`);
      return;
    }
    case 'fifo': {
      entry.resume();
      record(await tree.put(path, { kind: 'other', size: 0, mode: mode === undefined ? undefined : 0o10000 | mode, layer: ref, layerIndex: ref.index }));
      return;
    }
    case 'file':
    case 'contiguous-file':
      break;
    default: {
      entry.resume();
      st.log.add(`${where}!${h.name}`, 'unsupported-entry', `${h.name}: tar entry type ${String(h.type)} skipped`);
      return;
    }
  }

  // a regular file
  const size = h.size ?? 0;
  const node: TreeNode = { kind: 'file', size, mode: mode === undefined ? undefined : 0o100000 | mode, layer: ref, layerIndex: ref.index };
  const put = await tree.put(path, node);
  if (!record(put) || !put.ok) {
    entry.resume();
    return;
  }
  if (size > st.limits.maxFileBytes) {
    entry.resume();
    node.refused = { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `${size} bytes is over the ${st.limits.maxFileBytes}-byte file limit` };
    st.log.add(put.path, 'file-too-large', `${put.path} (${where}): ${size} bytes, over the ${st.limits.maxFileBytes}-byte limit; listed, not read`);
    return;
  }
  if (!st.filter({ path: put.path, kind: 'file', size, mode: node.mode, layer: ref })) {
    entry.resume();
    return;
  }
  if (size <= st.memoryFileBytes && st.memoryUsed + size <= st.memoryBudget) {
    const data = Buffer.allocUnsafe(size);
    let at = 0;
    for await (const c of entry) {
      if (at + c.length > size) throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}!${h.name}: more data than the header's size`, { input: h.name, rule: 'corrupt-layer' });
      c.copy(data, at);
      at += c.length;
    }
    st.memoryUsed += size;
    node.content = { where: 'memory', data: at === size ? data : data.subarray(0, at), refs: 1 };
    return;
  }
  const file = await st.scratch.file();
  await pipeline(entry, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  node.content = { where: 'scratch', file, refs: 1 };
}
