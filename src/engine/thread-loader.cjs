// @ts-check
/**
 * The entry of a scan thread (engine/scan-thread.ts newScanWorker) and of an isolated scan process
 * (engine/isolate.ts startProcess) when Vigil runs from its bundle (copied to dist/ by
 * scripts/build.mjs). It runs the thread's code, one CommonJS
 * file (dist/scan-thread.cjs, the same modules as dist/scan-child.mjs), through V8's code cache:
 *
 * - Node 20 keeps no compiled code of ES modules between runs, so every scan thread parsed and
 *   compiled ~1.3 MB of chunks again (~100 ms with the ES module loader's own work: an empty scan's
 *   thread was ready ~150 ms after it started). A vm.Script takes `cachedData`: V8 deserializes the
 *   functions a scan compiled before instead of compiling them (~25 ms from start to ready).
 * - The cache is made from the script after a scan ran (`createCachedData` then holds every
 *   function compiled so far, not only the top level), once: when there is none for this bundle and
 *   this Node, or V8 refused the one there (another V8 version or flags). It is written to a
 *   temporary name and renamed, so a reader never sees half a file.
 * - The file is named by the kind of scan (workerData.cacheName, scan-thread.ts codeCacheName: a
 *   cache holds what the scan that wrote it compiled), the bundle's CRC-32 and length, Node's
 *   version and the CPU architecture: V8 itself only checks the source's length, and a rebuilt
 *   bundle of the same length must not run another build's code.
 * - Other builds' caches of the same kind and Node are kept while in use: two installs used in
 *   turn (a global `vigil` and a project's, two projects on one CI runner) would otherwise remove
 *   each other's cache at every run and compile afresh each time. A cache in use has its time set
 *   at most once a day; a write removes this kind's caches of other builds unused for a week, and
 *   beyond the KEEP_BUILDS most recently used (an upgrade's old build goes, a developer's many
 *   rebuilds do not pile up).
 * - The directory (workerData.cacheDir: the user's own cache directory, see scan-thread.ts
 *   codeCacheDir) is used only when it is a directory this user owns that nobody else can write to,
 *   and a cache file only when it is a regular file of this user's: a cache is code this process
 *   runs. Without one (null, unusable, unwritable) the thread compiles as without a cache.
 *
 * workerData: { bundle: absolute path of scan-thread.cjs, cacheDir: string | null, cacheName, ... the
 * thread's own (isolate-child.ts reads them) }; in a child process, the same three as arguments.
 */
'use strict';
const { readFileSync, readdirSync, writeFileSync, renameSync, mkdirSync, lstatSync, unlinkSync, utimesSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');
const vm = require('node:vm');
const zlib = require('node:zlib');
const Module = require('node:module');
const { workerData, threadId } = require('node:worker_threads');

/** this user (a directory and a cache file must be theirs); null where there are no uids */
const uid = typeof process.getuid === 'function' ? process.getuid() : null;

/** Cache files larger than this are not read (a scan's cache is ~1.1–1.5 MB). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** Builds whose caches of one kind and Node are kept, this one's included (see above). */
const KEEP_BUILDS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Another build's cache not used for this long is removed by a write. */
const UNUSED_MS = 7 * DAY_MS;

// a scan thread gets its configuration as workerData, a child process (isolate.ts startProcess) as
// arguments: <bundle> <cache dir, "" for none> <cache name>
const config = workerData ?? { bundle: process.argv[2], cacheDir: process.argv[3] || null, cacheName: process.argv[4] };
const bundle = config.bundle;
const bytes = readFileSync(bundle);
// esbuild writes ASCII only (its default charset): latin1 is the same text, without a UTF-8 decode
const source = bytes.latin1Slice(0, bytes.length);
const dir = usableDir(config.cacheDir);
// one cache per kind of scan (scan-thread.ts codeCacheName): a name of letters, digits and "-" only
const name = typeof config.cacheName === 'string' && /^[a-z][a-z0-9-]{0,31}$/.test(config.cacheName) ? config.cacheName : 'scan';
const file = dir && join(dir, `${name}-${keyOf(bytes)}.v8`);
const cached = file ? readCache(file) : undefined;

const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cached ? { cachedData: cached.data } : {}) });
/** what became of the cache, for the thread's debug log (isolate-child.ts) */
globalThis.__vigilCodeCache = !file ? 'off' : !cached ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
// in use: its time says so, for the cleanup of other builds' caches (writeCache), once a day at most
if (file && cached && !script.cachedDataRejected && Date.now() - cached.mtimeMs > DAY_MS) {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // the cache may go sooner
  }
}

if (file && (!cached || script.cachedDataRejected)) {
  // at the thread's end, when the scan has compiled what it runs: isolate-child.ts ends the thread
  // with process.exit after sending its result
  process.once('exit', () => writeCache(file));
}

const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, dirname(bundle));

/** @param {Buffer} b */
function keyOf(b) {
  // zlib.crc32: Node 20.15 and 22.2; before it, the first 8 hex digits of a SHA-256 (~3 ms more)
  const crc = typeof zlib.crc32 === 'function' ? zlib.crc32(b).toString(16).padStart(8, '0') : require('node:crypto').createHash('sha256').update(b).digest('hex').slice(0, 8);
  return `${crc}-${b.length}-${process.version}-${process.arch}`;
}

/** @param {unknown} d the directory, created (0700) when missing; null when it is not one to trust */
function usableDir(d) {
  if (typeof d !== 'string' || d === '') return null;
  try {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const s = lstatSync(d);
    if (!s.isDirectory() || (uid !== null && s.uid !== uid) || (s.mode & 0o022) !== 0) return null;
    return d;
  } catch {
    return null;
  }
}

/** @param {string} f @returns {{ data: Buffer, mtimeMs: number } | undefined} */
function readCache(f) {
  try {
    const s = lstatSync(f);
    if (!s.isFile() || (uid !== null && s.uid !== uid) || s.size > MAX_CACHE_BYTES) return undefined;
    return { data: readFileSync(f), mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** @param {string} f */
function writeCache(f) {
  const tmp = `${f}.${process.pid}.${threadId}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, f);
  } catch {
    // a cache that cannot be written only costs the time it would have saved
    try { unlinkSync(tmp); } catch { /* not there */ }
    return;
  }
  // the same kind's caches of other builds under this Node: those unused for a week, and beyond the
  // KEEP_BUILDS - 1 most recently used (see above); and temporary files of this kind that a killed
  // writer left (a write takes milliseconds)
  const mine = basename(f);
  const suffix = `-${process.version}-${process.arch}.v8`;
  const now = Date.now();
  try {
    /** @type {{ path: string, mtimeMs: number }[]} */
    const builds = [];
    for (const other of readdirSync(dirname(f))) {
      if (other === mine || !other.startsWith(`${name}-`)) continue;
      const p = join(dirname(f), other);
      if (other.endsWith(suffix) && /^[0-9a-f]{8}-\d+$/.test(other.slice(name.length + 1, -suffix.length))) builds.push({ path: p, mtimeMs: lstatSync(p).mtimeMs });
      else if (other.endsWith('.tmp') && lstatSync(p).mtimeMs < now - 10 * 60 * 1000) removeQuietly(p);
    }
    builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const [i, b] of builds.entries()) if (i >= KEEP_BUILDS - 1 || b.mtimeMs < now - UNUSED_MS) removeQuietly(b.path);
  } catch {
    // left for the next write
  }
}

/** @param {string} p removed unless another process did first */
function removeQuietly(p) {
  try {
    unlinkSync(p);
  } catch {
    // gone already
  }
}
