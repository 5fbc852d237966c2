/**
 * A zip archive: a function package (AWS Lambda, Azure Functions, GCF) at the root, with optional
 * Lambda layer zips applied in order under /opt (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
 * Entries are read on demand from the zip (random access), never extracted.
 */
import yauzl from 'yauzl';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_SOURCE_LIMITS, type ScanFS, type SourceLimits } from '../types.ts';
import { ErrorLog, Tree, TreeFS, dirNode, normalizeEntryName, type TreeNode } from '../vfs/index.ts';

export interface ZipOptions {
  /** Lambda layer zips, applied in order under "opt/" (later layers win) */
  layers?: string[];
  limits?: Partial<SourceLimits>;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** below this many uncompressed bytes an entry's ratio is not judged */
const RATIO_FLOOR = 1024 * 1024;

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

/** Reads one entry, stopping at `max` bytes whatever the headers claim. */
async function readEntry(zf: yauzl.ZipFile, e: yauzl.Entry, max: number, where: string): Promise<Buffer> {
  const s = await readStream(zf, e);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      (s as unknown as { destroy(): void }).destroy();
      throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: more than ${max} bytes`, { input: where, rule: 'decompression-bomb' });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

async function allEntries(zf: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zf.on('entry', (e: yauzl.Entry) => {
      out.push(e);
      zf.readEntry();
    });
    zf.on('end', () => resolve(out));
    zf.on('error', reject);
    zf.readEntry();
  });
}

/**
 * Opens a zip (and its layer zips).
 * @throws VigilError VIGIL_INVALID_INPUT when a file is not a zip
 */
export async function openZip(path: string, opts: ZipOptions = {}): Promise<ScanFS> {
  const limits: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
  const log = new ErrorLog();
  const tree = new Tree();
  const open: yauzl.ZipFile[] = [];
  const state = { total: 0, entries: 0 };
  try {
    // layers first (under opt/), then the function itself at the root
    const layers = opts.layers ?? [];
    for (let i = 0; i < layers.length; i++) {
      const zf = await openZipFile(layers[i]);
      open.push(zf);
      await addZip(zf, layers[i], 'opt', i, tree, log, limits, state);
    }
    const zf = await openZipFile(path);
    open.push(zf);
    await addZip(zf, path, '', layers.length, tree, log, limits, state);
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

async function addZip(
  zf: yauzl.ZipFile,
  zipPath: string,
  under: string,
  index: number,
  tree: Tree,
  log: ErrorLog,
  limits: SourceLimits,
  state: { total: number; entries: number },
): Promise<void> {
  const entries = await allEntries(zf);
  // overlapping entries are the trick of non-recursive zip bombs (https://www.bamsoftware.com/hacks/zipbomb/)
  const spans = entries.map((e) => [e.relativeOffsetOfLocalHeader, e.relativeOffsetOfLocalHeader + e.compressedSize] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) {
      log.add(zipPath, 'decompression-bomb', `${zipPath}: entries overlap (a non-recursive zip bomb); archive refused`);
      return;
    }
  }
  const layer = under === '' && index === 0 ? undefined : { index, digest: zipPath, createdBy: under === 'opt' ? 'lambda layer' : 'function package' };
  for (const e of entries) {
    const raw = e.fileName as unknown as Buffer;
    const name = yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
    const where = `${zipPath}!${name}`;
    if (++state.entries > limits.maxEntries) {
      log.add(zipPath, 'too-many-entries', `${zipPath}: more than ${limits.maxEntries} entries; the rest ignored`);
      return;
    }
    const n = normalizeEntryName(name);
    if (!n.ok) {
      log.add(where, 'path-traversal', `${name}: ${n.reason}; entry refused`);
      continue;
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
      continue;
    }
    if (fmt !== 0 && fmt !== S_IFREG && fmt !== S_IFLNK) {
      log.add(where, 'device-file', `${name}: special file (mode ${unixMode.toString(8)}) skipped`);
      continue;
    }
    state.total += e.uncompressedSize;
    if (state.total > limits.maxTotalBytes) {
      log.add(zipPath, 'decompression-bomb', `${zipPath}: more than ${limits.maxTotalBytes} bytes uncompressed; the rest ignored`);
      return;
    }
    if (fmt === S_IFLNK) {
      if (e.uncompressedSize > 4096) {
        log.add(where, 'bad-symlink', `${name}: symlink target of ${e.uncompressedSize} bytes; entry refused`);
        continue;
      }
      const target = (await readEntry(zf, e, 4096, where)).toString('utf8');
      record(await tree.put(path, { kind: 'symlink', size: target.length, mode, linkTarget: target, layer, layerIndex: index }));
      continue;
    }
    const node: TreeNode = { kind: 'file', size: e.uncompressedSize, mode, layer, layerIndex: index };
    const ratio = e.uncompressedSize / Math.max(e.compressedSize, 1);
    if (e.uncompressedSize > RATIO_FLOOR && ratio > limits.maxRatio) {
      node.refused = { code: 'VIGIL_UNSAFE_ARCHIVE', rule: 'decompression-bomb', message: `compression ratio ${Math.round(ratio)} is over ${limits.maxRatio}` };
      log.add(where, 'decompression-bomb', `${name}: ${e.uncompressedSize} bytes from ${e.compressedSize} (ratio over ${limits.maxRatio}); listed, not read`);
    } else if (e.uncompressedSize > limits.maxFileBytes) {
      log.add(path, 'file-too-large', `${path}: ${e.uncompressedSize} bytes, over the ${limits.maxFileBytes}-byte limit; listed, not read`);
    } else {
      // yauzl checks the inflated size against the header (validateEntrySizes); readEntry caps it too
      node.content = { where: 'lazy', refs: 1, load: () => readEntry(zf, e, e.uncompressedSize, where) };
    }
    record(await tree.put(path, node));
  }
}
