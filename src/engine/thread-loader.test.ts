/**
 * thread-loader.cjs: the scan thread's entry when Vigil runs from its bundle. It runs a CommonJS
 * file through V8's code cache: written once after the first run, used after, refused (and
 * written again) when V8 refuses it, and never taken from a place another user could write to.
 * Here the loader runs a small bundle of its own in a real worker thread, as newScanWorker starts it.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { codeCacheDir, codeCacheName } from './scan-thread.ts';

const LOADER = fileURLToPath(new URL('./thread-loader.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'vigil-thread-loader-'));
after(() => rmSync(work, { recursive: true, force: true }));

// a bundle as esbuild writes one: CommonJS, with functions compiled only when first called
const BUNDLE_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
function sum(xs) { let s = 0; for (const x of xs) s += x; return s; }
parentPort.postMessage({ cache: globalThis.__vigilCodeCache, sum: sum([1, 2, 3]), dir: __dirname, file: __filename, preload: workerData.preload });
process.exit(0);
`;

function bundleIn(dir: string, source = BUNDLE_SOURCE): string {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'scan-thread.cjs');
  writeFileSync(f, source);
  return f;
}

/** Runs the loader on `bundle` in a worker thread; what the bundle posted. */
function run(bundle: string, cacheDir: string | null, cacheName = 'scan-rootfs'): Promise<{ cache: string; sum: number; dir: string; file: string; preload: string }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(LOADER, { workerData: { bundle, cacheDir, cacheName, preload: 'target' } });
    let got: unknown;
    w.on('message', (m) => { got = m; });
    w.on('error', reject);
    // the cache is written as the thread exits: wait for that, not only for the message
    w.on('exit', () => (got ? resolve(got as never) : reject(new Error('the thread posted nothing'))));
  });
}

test('the first run writes the code cache, the next runs use it; the bundle runs as a CommonJS module of its own file', async () => {
  const dir = join(work, 'a');
  const bundle = bundleIn(join(dir, 'dist'));
  const cache = join(dir, 'cache');
  const first = await run(bundle, cache);
  assert.deepEqual(first, { cache: 'absent', sum: 6, dir: join(dir, 'dist'), file: bundle, preload: 'target' });
  const files = readdirSync(cache);
  assert.equal(files.length, 1);
  assert.match(files[0]!, new RegExp(`^scan-rootfs-[0-9a-f]{8}-${statSync(bundle).size}-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));
  assert.equal(statSync(cache).mode & 0o777, 0o700, 'the cache directory is the user\'s alone');
  assert.equal(statSync(join(cache, files[0]!)).mode & 0o777, 0o600);
  const written = readFileSync(join(cache, files[0]!));
  assert.ok(written.length > 0);
  assert.equal((await run(bundle, cache)).cache, 'used');
  assert.equal((await run(bundle, cache)).cache, 'used');
  assert.deepEqual(readFileSync(join(cache, files[0]!)), written, 'a cache that was used is not written again');
});

test('a rebuilt bundle of the same length gets a cache of its own, not the other build\'s code', async () => {
  const dir = join(work, 'b');
  const cache = join(dir, 'cache');
  const bundle = bundleIn(join(dir, 'dist'));
  assert.equal((await run(bundle, cache)).sum, 6);
  const before = readdirSync(cache);
  // another kind's cache, and this kind's under another Node: neither is the new build's to remove
  writeFileSync(join(cache, 'scan-image-0123abcd-100-v20.0.0-x64.v8'), 'x');
  writeFileSync(join(cache, `scan-rootfs-0123abcd-100-v0.0.0-${process.arch}.v8`), 'x');
  // the same length, another sum: V8 alone (it checks the source's length) would take the old code
  const other = BUNDLE_SOURCE.replace('sum([1, 2, 3])', 'sum([4, 5, 6])');
  assert.equal(other.length, BUNDLE_SOURCE.length);
  bundleIn(join(dir, 'dist'), other);
  const r = await run(bundle, cache);
  assert.equal(r.cache, 'absent');
  assert.equal(r.sum, 15);
  const after = readdirSync(cache);
  assert.equal(after.length, 4, 'the old build\'s cache, in use a moment ago, is kept beside the new one\'s');
  assert.ok(after.includes(before[0]!));
  assert.ok(after.includes('scan-image-0123abcd-100-v20.0.0-x64.v8'));
  assert.equal((await run(bundle, cache)).cache, 'used');
  // two installs used in turn keep their caches: the old build runs from its own again
  bundleIn(join(dir, 'dist'));
  const back = await run(bundle, cache);
  assert.equal(back.cache, 'used');
  assert.equal(back.sum, 6);
});

test('other builds\' caches of a kind go when unused for a week, and beyond the three most recently used builds', async () => {
  const dir = join(work, 'h');
  const cache = join(dir, 'cache');
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  chmodSync(cache, 0o700);
  const day = 24 * 60 * 60;
  const now = Date.now() / 1000;
  const suffix = `-${process.version}-${process.arch}.v8`;
  // other builds of this kind and Node, by the days since each was last used
  const aged = (crc: string, days: number) => {
    const f = join(cache, `scan-rootfs-${crc}-100${suffix}`);
    writeFileSync(f, 'x');
    utimesSync(f, now - days * day, now - days * day);
    return basename(f);
  };
  const yesterday = aged('0000000a', 1);
  const lastWeek = aged('0000000b', 6);
  const older = aged('0000000c', 6.5);
  const stale = aged('0000000d', 8);
  // another kind's, however old, is not this kind's to remove
  const otherKind = join(cache, `scan-image-0000000e-100${suffix}`);
  writeFileSync(otherKind, 'x');
  utimesSync(otherKind, now - 30 * day, now - 30 * day);
  const bundle = bundleIn(join(dir, 'dist'));
  assert.equal((await run(bundle, cache)).cache, 'absent');
  const left = readdirSync(cache);
  assert.ok(left.includes(yesterday) && left.includes(lastWeek), 'the two most recently used other builds are kept');
  assert.ok(!left.includes(older), 'a fourth build is one too many');
  assert.ok(!left.includes(stale), 'unused for over a week');
  assert.ok(left.includes(basename(otherKind)));
  assert.equal(left.length, 4);
  // a cache in use gets its time set (at most once a day): an old build run again is not removed
  const mine = left.find((f) => !f.includes('0000000'))!;
  utimesSync(join(cache, mine), now - 3 * day, now - 3 * day);
  assert.equal((await run(bundle, cache)).cache, 'used');
  assert.ok(Date.now() - statSync(join(cache, mine)).mtimeMs < 60_000, 'used: its time is now');
});

test('a temporary file a killed writer left is removed by a later write of its kind once it is old', async () => {
  const dir = join(work, 'g');
  const cache = join(dir, 'cache');
  const bundle = bundleIn(join(dir, 'dist'));
  mkdirSync(cache, { recursive: true, mode: 0o700 });
  chmodSync(cache, 0o700);
  const old = join(cache, 'scan-rootfs-0123abcd-100-v20.0.0-x64.v8.123.0.tmp');
  const fresh = join(cache, 'scan-rootfs-0123abcd-100-v20.0.0-x64.v8.124.0.tmp');
  const other = join(cache, 'scan-image-0123abcd-100-v20.0.0-x64.v8.125.0.tmp');
  for (const f of [old, fresh, other]) writeFileSync(f, 'x');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(old, hourAgo, hourAgo);
  utimesSync(other, hourAgo, hourAgo);
  assert.equal((await run(bundle, cache)).cache, 'absent');
  const left = readdirSync(cache);
  assert.ok(!left.includes(basename(old)), 'an hour old: removed');
  assert.ok(left.includes(basename(fresh)), 'a write that may still be going on: kept');
  assert.ok(left.includes(basename(other)), 'another kind\'s: left to its own writes');
});

test('a cache V8 refuses (corrupt, another build of V8) is ignored and written again', async () => {
  const dir = join(work, 'c');
  const cache = join(dir, 'cache');
  const bundle = bundleIn(join(dir, 'dist'));
  await run(bundle, cache);
  const f = join(cache, readdirSync(cache)[0]!);
  writeFileSync(f, Buffer.alloc(4096, 0x5a));
  const r = await run(bundle, cache);
  assert.equal(r.cache, 'rejected');
  assert.equal(r.sum, 6);
  assert.notDeepEqual(readFileSync(f), Buffer.alloc(4096, 0x5a), 'written again');
  assert.equal((await run(bundle, cache)).cache, 'used');
  // cut short: also refused
  writeFileSync(f, readFileSync(f).subarray(0, 100));
  assert.equal((await run(bundle, cache)).cache, 'rejected');
  assert.equal((await run(bundle, cache)).cache, 'used');
});

test('no cache from a directory others can write to, from a symlink, or when there is none to use', async () => {
  const dir = join(work, 'd');
  const bundle = bundleIn(join(dir, 'dist'));
  // writable by others: code a scan would run could be anyone's
  const open = join(dir, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  const r = await run(bundle, open);
  assert.equal(r.cache, 'off');
  assert.equal(r.sum, 6);
  assert.deepEqual(readdirSync(open), [], 'nothing written there');
  // a cache file that is a symlink (to a file of the attacker's choosing) is not read
  const cache = join(dir, 'cache');
  await run(bundle, cache);
  const name = readdirSync(cache)[0]!;
  const real = join(dir, 'elsewhere.v8');
  writeFileSync(real, readFileSync(join(cache, name)));
  rmSync(join(cache, name));
  symlinkSync(real, join(cache, name));
  assert.equal((await run(bundle, cache)).cache, 'absent');
  // none: compiled as without a cache
  assert.equal((await run(bundle, null)).cache, 'off');
  // a directory that cannot be made (a file is in the way)
  writeFileSync(join(dir, 'file'), '');
  assert.equal((await run(bundle, join(dir, 'file', 'cache'))).cache, 'off');
});

test('one cache per kind of scan; a name that is not one is the default\'s', async () => {
  const dir = join(work, 'e');
  const cache = join(dir, 'cache');
  const bundle = bundleIn(join(dir, 'dist'));
  assert.equal((await run(bundle, cache, 'scan-image')).cache, 'absent');
  assert.equal((await run(bundle, cache, 'scan-rootfs')).cache, 'absent');
  assert.equal((await run(bundle, cache, 'scan-image')).cache, 'used');
  assert.equal((await run(bundle, cache, '../../escape')).cache, 'absent');
  assert.equal((await run(bundle, cache, 'scan')).cache, 'used', 'the odd name was the default, "scan"');
  assert.deepEqual(readdirSync(cache).map((f) => f.replace(/-[0-9a-f]{8}-.*$/, '')).sort(), ['scan', 'scan-image', 'scan-rootfs']);
});

test('in a child process (an isolated scan process) the loader takes bundle, cache directory and name as arguments', async () => {
  const dir = join(work, 'f');
  const cache = join(dir, 'cache');
  // as isolate-child.ts does in a child: answer over IPC, then exit
  const bundle = bundleIn(join(dir, 'dist'), `'use strict';
process.send({ cache: globalThis.__vigilCodeCache, argv: process.argv.slice(2) }, () => process.exit(0));
`);
  const runChild = (args: string[]) => new Promise<{ cache: string; argv: string[] }>((resolve, reject) => {
    const c = fork(LOADER, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let got: unknown;
    c.on('message', (m) => { got = m; });
    c.on('error', reject);
    c.on('exit', () => (got ? resolve(got as never) : reject(new Error('the child sent nothing'))));
  });
  assert.equal((await runChild([bundle, cache, 'task-resource'])).cache, 'absent');
  assert.equal((await runChild([bundle, cache, 'task-resource'])).cache, 'used');
  assert.match(readdirSync(cache)[0]!, /^task-resource-/);
  assert.equal((await runChild([bundle, '', 'task-resource'])).cache, 'off', 'an empty directory argument: no cache');
});

test('codeCacheName: the command and its kind of scan, from the command line', () => {
  const n = (...a: string[]) => codeCacheName(['node', 'vigil', ...a]);
  assert.equal(n('scan', 'image', 'x.tar'), 'scan-image');
  assert.equal(n('--home', '/h', 'scan', 'rootfs', '/'), 'scan-rootfs');
  assert.equal(n('--home', 'scan', 'scan', 'fs', '.'), 'scan-fs', 'a global option\'s value is no command');
  assert.equal(n('scan', 'sbom', 'bom.json'), 'scan-sbom');
  assert.equal(n('scan', 'nonsense', 'x'), 'scan');
  assert.equal(n('cis', 'host'), 'cis-host');
  assert.equal(n('sbom', 'x.tar', '--kind', 'image'), 'sbom-image');
  assert.equal(n('sbom', 'x.tar', '--kind=rootfs'), 'sbom-rootfs');
  assert.equal(n('sbom', 'x.tar'), 'sbom');
  assert.equal(n('sbom', 'x.tar', '--kind', '../x'), 'sbom');
  assert.equal(n('db', 'import'), 'scan');
  assert.equal(n(), 'scan');
});

test('codeCacheDir: the user\'s cache directory, XDG_CACHE_HOME when absolute, none when VIGIL_COMPILE_CACHE=0', () => {
  assert.equal(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/vigil/code');
  assert.match(codeCacheDir({ XDG_CACHE_HOME: 'relative' }) ?? '', /\/\.cache\/vigil\/code$/);
  assert.match(codeCacheDir({}) ?? '', /\/\.cache\/vigil\/code$/);
  assert.equal(codeCacheDir({ VIGIL_COMPILE_CACHE: '0', XDG_CACHE_HOME: '/x/cache' }), null);
});
