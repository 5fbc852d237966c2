/**
 * A layer's digest computed on another thread while the scan's thread reads the layer's tar headers
 * (issue 20). A plain tar layer in a file (a `docker save` archive, an uncompressed OCI blob) needs
 * every byte hashed to verify its diff id, but only its headers and kept bodies read to be scanned:
 * hashed inline, the scan read all of it and spent ~85 ms per 167 MiB in SHA-256 (2 GB/s with the
 * CPU's SHA extensions) before it could seek. Here a small worker thread reads the blob's range from
 * the same file descriptor (positioned reads, so the scan's own reads are not disturbed) and hashes
 * it, and the scan seeks over bodies meanwhile: on two cores the hash is off the scan's path.
 *
 * The worker is eval'd code that needs node:fs and node:crypto only (no module of Vigil's): it
 * starts in ~20 ms. Below PARALLEL_HASH_BYTES the layer is hashed inline, as before.
 */
import { Worker } from 'node:worker_threads';

/** Plain tar layers from this size are hashed on a thread of their own. */
export const PARALLEL_HASH_BYTES = 16 * 1024 * 1024;

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, offset, size, algorithm } = workerData;
const hash = createHash(algorithm);
const buf = Buffer.allocUnsafeSlow(1024 * 1024);
let pos = 0;
while (pos < size) {
  const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), offset + pos);
  if (n === 0) throw new Error('the file ended ' + (size - pos) + ' bytes before the blob did');
  hash.update(n === buf.length ? buf : buf.subarray(0, n));
  pos += n;
}
parentPort.postMessage(hash.digest('hex'));
`;

export interface RangeHash {
  /** the hex digest of the range; rejects when the range could not be read */
  hex: Promise<string>;
  /** stops the thread (the scan no longer needs the digest); resolves once it has stopped reading */
  cancel(): Promise<void>;
}

/**
 * Hashes `size` bytes of the open file `fd` from `offset` with `algorithm` (sha256, sha512) on a
 * worker thread. The descriptor must stay open until `hex` settles.
 */
export function hashRangeInThread(fd: number, offset: number, size: number, algorithm: string): RangeHash {
  const worker = new Worker(CODE, {
    eval: true,
    workerData: { fd, offset, size, algorithm },
    // none of the scan's flags; a small heap (the digest's state and one 1 MiB buffer, outside it)
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  });
  let settled = false;
  const hex = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: string) => { settled = true; resolve(m); });
    worker.once('error', (e) => { settled = true; reject(e); });
    worker.once('exit', (code) => { if (!settled) reject(new Error(`the hashing thread ended (exit code ${code}) without a digest`)); });
  });
  // a scan that stops early (a limit, an error) may never ask for it
  hex.catch(() => undefined);
  return { hex, cancel: () => worker.terminate().then(() => undefined) };
}
