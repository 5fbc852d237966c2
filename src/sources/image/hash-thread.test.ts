/**
 * The image's hashing thread (hash-thread.ts): ranges of a file hashed in order, as createHash
 * hashes them in this thread; a range past the file's end rejects; a cancelled range stops, the
 * others do not; closing rejects what is pending.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../testutil.ts';
import { Worker } from 'node:worker_threads';
import { LayerHasher, RangeHashing } from './hash-thread.ts';

let dir = '';
before(async () => { dir = await tempDir('hash-thread'); });
after(() => rm(dir, { recursive: true, force: true }));

test('ranges of one file, hashed in order on one thread, as this thread hashes them', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 123);
  const path = join(dir, 'blob');
  await writeFile(path, data);
  const fh = await open(path, 'r');
  const hasher = new LayerHasher();
  try {
    const ranges: [number, number, string][] = [[0, data.length, 'sha256'], [1000, 2 * 1024 * 1024 + 7, 'sha512'], [data.length - 10, 10, 'sha256'], [5, 0, 'sha256']];
    const got = await Promise.all(ranges.map(([o, n, a]) => hasher.hash(fh.fd, o, n, a).hex));
    assert.deepEqual(got, ranges.map(([o, n, a]) => createHash(a).update(data.subarray(o, o + n)).digest('hex')));
    await assert.rejects(hasher.hash(fh.fd, data.length - 10, 20, 'sha256').hex, /the file ended 10 bytes before the blob did/);
    // still serving after a failed range
    assert.equal(await hasher.hash(fh.fd, 0, 4, 'sha256').hex, createHash('sha256').update(data.subarray(0, 4)).digest('hex'));
    // a range no longer wanted (its walk stopped at a limit) stops; those asked before and after it are hashed
    const before = hasher.hash(fh.fd, 0, data.length, 'sha256');
    const dropped = hasher.hash(fh.fd, 0, data.length, 'sha256');
    dropped.cancel();
    const later = hasher.hash(fh.fd, 0, 4, 'sha256');
    assert.equal(await before.hex, createHash('sha256').update(data).digest('hex'));
    await assert.rejects(dropped.hex, /cancelled/);
    assert.equal(await later.hex, createHash('sha256').update(data.subarray(0, 4)).digest('hex'));
    const pending = hasher.hash(fh.fd, 0, data.length, 'sha256').hex;
    await hasher.close();
    // stopped before or after it finished: either the digest or the stop, never a hang
    await pending.then((hex) => assert.equal(hex.length, 64), (e: Error) => assert.match(e.message, /stopped|ended/));
  } finally {
    await hasher.close();
    await fh.close();
  }
});

// a scan thread of the CLI asks the thread that started it (workerData parentHashes): the same
// answers as from a hashing thread of its own, with that thread's RangeHashing serving them
test('a scan thread whose starter hashes: the same digests, errors, cancels and stops, served by RangeHashing', async () => {
  const data = randomBytes(9 * 1024 * 1024 + 77);
  const path = join(dir, 'blob-parent');
  await writeFile(path, data);
  const want = (o: number, n: number, a = 'sha256') => createHash(a).update(data.subarray(o, o + n)).digest('hex');
  // the thread: tsx's loader first (as scan-thread.ts newScanWorker does for the sources)
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./testdata/hash-parent-probe.ts', import.meta.url).href)}); })`;
  const worker = new Worker(code, { eval: true, workerData: { parentHashes: true, path } });
  const served: string[] = [];
  const hashing = new RangeHashing((m) => { served.push(m.type); worker.postMessage(m); });
  const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.on('message', (m: { type?: unknown; result?: Record<string, unknown> }) => {
      if (hashing.handle(m)) return;
      if (m.type === 'probe') resolve(m.result!);
    });
    worker.on('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(result.digests, [want(0, data.length), want(1000, 2 * 1024 * 1024 + 7, 'sha512'), want(data.length - 10, 10), want(5, 0)]);
  assert.match(String(result.short), /the file ended 10 bytes before the blob did/);
  assert.equal(result.after, want(0, 4));
  assert.deepEqual([result.before, result.dropped, result.later], [want(0, data.length), 'cancelled', want(0, 4)]);
  assert.match(String(result.pending), /^([0-9a-f]{64}|.*stopped.*)$/);
  assert.equal(result.closedFd, true, 'closed only once the starter no longer read it');
  assert.ok(served.includes('hash-stopped'), 'the stop was acknowledged');
  hashing.close();
});
