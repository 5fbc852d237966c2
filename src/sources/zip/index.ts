/**
 * A zip archive: a function package (AWS Lambda, Azure Functions, GCF) at the root, with optional
 * Lambda layer zips applied in order under /opt (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
 * Entries are read on demand from the zip (random access), never extracted.
 */
import yauzl from 'yauzl';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, RATIO_FLOOR, type ScanFS, type SourceLimits } from '../types.ts';
import { Budget, ErrorLog, Tree, TreeFS, dirNode, normalizeEntryName, overlappingEntries, shortName, type TreeNode } from '../vfs/index.ts';

export interface ZipOptions {
  /** Lambda layer zips, applied in order under "opt/" (later layers win) */
  layers?: string[];
  limits?: Partial<SourceLimits>;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function openZipFile(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zf) =>
      err ? reject(new VigilError('VIGIL_INVALID_INPUT', `${path}: not a readable zip: ${err.message}`, { input: path, rule: 'zip', cause: err })) : resolve(zf),
    ),
  );
}

function readStream(zf: yauzl.ZipFile, e: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zf.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));
}

/** Reads one entry, stopping at `max` bytes whatever the headers claim; a damaged entry is a VigilError. */
async function readEntry(zf: yauzl.ZipFile, e: yauzl.Entry, max: number, where: string): Promise<Buffer> {
  try {
    const s = await readStream(zf, e);
    // one buffer of the declared size, filled in place: no second copy of a big entry
    const out = Buffer.allocUnsafe(max);
    let n = 0;
    for await (const c of s as AsyncIterable<Buffer>) {
      if (n + c.length > max) {
        (s as unknown as { destroy(): void }).destroy();
        throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: more than ${max} bytes`, { input: where, rule: 'decompression-bomb' });
      }
      c.copy(out, n);
      n += c.length;
    }
    return out.subarray(0, n);
  } catch (err) {
    if (err instanceof VigilError) throw err;
    // yauzl's and zlib's errors for a damaged entry (bad local header, invalid deflate data, size mismatch)
    throw new VigilError('VIGIL_INVALID_INPUT', `${where}: damaged zip entry: ${(err as Error).message}`, { input: where, rule: 'zip', cause: err });
  }
}

/** Every central-directory entry, one at a time (none kept by the reader); `onEntry` returns false to stop. */
function eachEntry(zf: yauzl.ZipFile, path: string, onEntry: (e: yauzl.Entry) => Promise<boolean>): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      if (err) reject(err);
      else resolve();
    };
    zf.on('entry', (e: yauzl.Entry) => {
      onEntry(e).then((more) => (more ? zf.readEntry() : finish()), finish);
    });
    zf.on('end', () => finish());
    // a damaged central directory: yauzl's own Error, made a VigilError naming the file
    zf.on('error', (err: Error) => finish(new VigilError('VIGIL_INVALID_INPUT', `${path}: damaged zip: ${err.message}`, { input: path, rule: 'zip', cause: err })));
    zf.readEntry();
  });
}

/**
 * Opens a zip (and its layer zips).
 * @throws VigilError VIGIL_INVALID_INPUT when a file is not a zip
 */
export async function openZip(path: string, opts: ZipOptions = {}): Promise<ScanFS> {
  const limits: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  const log = new ErrorLog(path);
  const tree = new Tree();
  const open: yauzl.ZipFile[] = [];
  const budget = new Budget(limits);
  try {
    // layers first (under opt/), then the function itself at the root
    const layers = opts.layers ?? [];
    for (let i = 0; i < layers.length; i++) {
      const zf = await openZipFile(layers[i]);
      open.push(zf);
      if (!budget.stopped) await addZip(zf, layers[i], 'opt', i, tree, log, budget);
    }
    const zf = await openZipFile(path);
    open.push(zf);
    if (!budget.stopped) await addZip(zf, path, '', layers.length, tree, log, budget);
  } catch (e) {
    for (const z of open) z.close();
    throw e;
  }
  const target: ScanFS['target'] = { kind: 'zip', ref: path };
  if (opts.layers?.length) target.layers = [...opts.layers.map((l, i) => ({ index: i, digest: l, createdBy: 'lambda layer' })), { index: opts.layers.length, digest: path, createdBy: 'function package' }];
  return new TreeFS(tree, target, log, limits, async () => {
    for (const z of open) z.close();
  });
}

async function addZip(zf: yauzl.ZipFile, zipPath: string, under: string, index: number, tree: Tree, log: ErrorLog, budget: Budget): Promise<void> {
  const limits = budget.limits;
  const layer = under === '' && index === 0 ? undefined : { index, digest: zipPath, createdBy: under === 'opt' ? 'lambda layer' : 'function package' };
  // where each entry's bytes lie: overlapping entries are the trick of non-recursive zip bombs
  // (https://www.bamsoftware.com/hacks/zipbomb/); judged once the whole central directory is read
  const spans: { start: number; end: number; i: number; node: TreeNode | null; name: string }[] = [];
  await eachEntry(zf, zipPath, async (e) => {
    const raw = e.fileName as unknown as Buffer;
    const name = yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
    const where = `${zipPath}!${shortName(name)}`;
    const v = budget.entry(name);
    if (!v.ok) {
      log.add(v.stop ? zipPath : where, v.rule, `${v.stop ? zipPath : shortName(name)}: ${v.message}`);
      return !v.stop;
    }
    const span = { start: e.relativeOffsetOfLocalHeader, end: e.relativeOffsetOfLocalHeader + 30 + raw.length + e.compressedSize, i: spans.length, node: null as TreeNode | null, name };
    spans.push(span);
    const n = normalizeEntryName(name);
    if (!n.ok) {
      log.add(where, 'path-traversal', `${name}: ${n.reason}; entry refused`);
      return true;
    }
    const path = under === '' ? n.path : n.path === '' ? under : `${under}/${n.path}`;
    const unixMode = (e.externalFileAttributes >>> 16) & 0xffff;
    const madeByUnix = e.versionMadeBy >> 8 === 3;
    const fmt = madeByUnix ? unixMode & S_IFMT : 0;
    const isDir = name.endsWith('/') || fmt === S_IFDIR;
    const mode = madeByUnix && unixMode ? unixMode : undefined;
    const record = (r: { ok: boolean; rule?: string; message?: string }): void => {
      if (!r.ok) log.add(where, r.rule ?? 'refused', `${name}: ${r.message ?? 'refused'}`);
    };
    if (isDir) {
      record(await tree.put(path, dirNode(index, layer, mode)));
      return true;
    }
    if (fmt !== 0 && fmt !== S_IFREG && fmt !== S_IFLNK) {
      log.add(where, 'device-file', `${name}: special file (mode ${unixMode.toString(8)}) skipped`);
      return true;
    }
    const total = budget.bytes(e.uncompressedSize);
    if (!total.ok) {
      log.add(zipPath, total.rule, `${zipPath}: ${total.message}`);
      return false;
    }
    if (fmt === S_IFLNK) {
      if (e.uncompressedSize > 4096) {
        log.add(where, 'bad-symlink', `${name}: symlink target of ${e.uncompressedSize} bytes; entry refused`);
        return true;
      }
      const target = (await readEntry(zf, e, 4096, where)).toString('utf8');
      record(await tree.put(path, { kind: 'symlink', size: target.length, mode, linkTarget: target, layer, layerIndex: index }));
      return true;
    }
    const node: TreeNode = { kind: 'file', size: e.uncompressedSize, mode, layer, layerIndex: index };
    const ratio = e.uncompressedSize / Math.max(e.compressedSize, 1);
    if (e.uncompressedSize > RATIO_FLOOR && ratio > limits.maxRatio) {
      node.refused = { code: 'VIGIL_UNSAFE_ARCHIVE', rule: 'decompression-bomb', message: `compression ratio ${Math.round(ratio)} is over ${limits.maxRatio}` };
      log.add(where, 'decompression-bomb', `${name}: ${e.uncompressedSize} bytes from ${e.compressedSize} (ratio over ${limits.maxRatio}); listed, not read`);
    } else if (e.uncompressedSize > limits.maxFileBytes) {
      node.refused = { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `${e.uncompressedSize} bytes is over the ${limits.maxFileBytes}-byte file limit` };
      log.add(where, 'file-too-large', `${path}: ${e.uncompressedSize} bytes, over the ${limits.maxFileBytes}-byte limit; listed, not read`);
    } else {
      // yauzl checks the inflated size against the header (validateEntrySizes); readEntry caps it too
      node.content = { where: 'lazy', refs: 1, load: () => readEntry(zf, e, e.uncompressedSize, where) };
    }
    const put = await tree.put(path, node);
    record(put);
    if (put.ok) span.node = node;
    return true;
  });
  // all but the first of each run of overlapping entries are skipped: listed, never read
  const overlaps = overlappingEntries(spans);
  const overlapping: string[] = [];
  for (const sp of spans) {
    if (!overlaps.has(sp.i)) continue;
    overlapping.push(sp.name);
    if (sp.node) {
      sp.node.content = undefined;
      sp.node.refused = { code: 'VIGIL_UNSAFE_ARCHIVE', rule: 'overlapping-entries', message: 'its bytes overlap another entry\'s (a non-recursive zip bomb)' };
    }
  }
  if (overlapping.length) {
    const shown = overlapping.slice(0, 3).map((n) => shortName(n, 120)).join(', ');
    log.list.push({ path: zipPath, rule: 'overlapping-entries', count: overlapping.length, message: `${zipPath}: ${overlapping.length} entr${overlapping.length === 1 ? 'y overlaps' : 'ies overlap'} earlier ones (a non-recursive zip bomb); listed, not read: ${shown}${overlapping.length > 3 ? ', …' : ''}` });
  }
}
