/**
 * Layer digests computed on another thread while the scan's thread reads the layers' tar headers
 * (issue 20). A plain tar layer in a file (a `docker save` archive, an uncompressed OCI blob) needs
 * every byte hashed to verify its diff id, but only its headers and kept bodies read to be scanned:
 * hashed inline, the scan read all of it and spent ~85 ms per 167 MiB in SHA-256 (2 GB/s with the
 * CPU's SHA extensions) before it could seek. Here one worker thread per image reads each layer's
 * range from the same file descriptor (positioned reads, so the scan's own reads are not disturbed)
 * and hashes it, one layer after the other, while the scan seeks over bodies: on two cores the
 * hashing is off the scan's path.
 *
 * The worker is eval'd code that needs node:fs and node:crypto only (no module of Vigil's): it
 * starts in ~20 ms. Below PARALLEL_HASH_BYTES a layer is hashed inline, as before.
 */
import { Worker } from 'node:worker_threads';

/** Plain tar layers from this size are hashed on the image's hashing thread. */
export const PARALLEL_HASH_BYTES = 16 * 1024 * 1024;

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
// workerData.cancel[0]: 1 + the id of a range no longer wanted (its layer's walk stopped at a limit; one per image)
const cancel = new Int32Array(workerData.cancel);
const buf = Buffer.allocUnsafeSlow(1024 * 1024);
parentPort.on('message', ({ id, fd, offset, size, algorithm }) => {
  try {
    const hash = createHash(algorithm);
    let pos = 0;
    while (pos < size) {
      if (Atomics.load(cancel, 0) === id + 1) throw new Error('cancelled');
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), offset + pos);
      if (n === 0) throw new Error('the file ended ' + (size - pos) + ' bytes before the blob did');
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id, hex: hash.digest('hex') });
  } catch (e) {
    parentPort.postMessage({ id, error: e.message });
  }
});
`;

/**
 * The hashing thread of one image: ranges are hashed in the order asked. It keeps its process
 * running only while a digest is pending.
 */
export class LayerHasher {
  private worker: Worker | null = null;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();
  /** shared with the thread: 1 + the id of the range no longer wanted (a walk stops at a limit once per image: one slot is enough) */
  private readonly cancelled = new Int32Array(new SharedArrayBuffer(4));

  /**
   * The hex digest of `size` bytes of the open file `fd` from `offset`, with `algorithm` (sha256,
   * sha512). The descriptor must stay open until it settles (or the hasher is closed). A rejection
   * nobody awaits (a scan that stopped early) is not reported. `cancel()`: the range is no longer
   * wanted (its layer's walk stopped at a limit): the thread stops reading it within 1 MiB, and the
   * ranges asked before it are still hashed.
   */
  hash(fd: number, offset: number, size: number, algorithm: string): { hex: Promise<string>; cancel(): void } {
    const w = this.start();
    const id = this.next++;
    const hex = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    hex.catch(() => undefined);
    if (this.pending.size === 1) w.ref();
    w.postMessage({ id, fd, offset, size, algorithm });
    return { hex, cancel: () => Atomics.store(this.cancelled, 0, id + 1) };
  }

  /** Stops the thread; resolves once it no longer reads. Pending digests reject. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.fail(new Error('the hashing thread was stopped'));
    if (w) {
      // held while it stops (a reply still in flight is ignored, so nothing unrefs it meanwhile)
      w.ref();
      await w.terminate();
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(CODE, {
      eval: true,
      workerData: { cancel: this.cancelled.buffer },
      // none of the scan's flags; a small heap (the digests' state; the 1 MiB buffer is outside it)
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    w.unref();
    w.on('message', (m: { id: number; hex?: string; error?: string }) => {
      if (this.worker !== w) return; // closed
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.hex !== undefined) p.resolve(m.hex);
      else p.reject(new Error(m.error ?? 'no digest'));
    });
    w.on('error', (e) => { if (this.worker === w) this.fail(e); });
    w.on('exit', (code) => {
      if (this.worker !== w) return; // closed
      this.worker = null;
      this.fail(new Error(`the hashing thread ended (exit code ${code}) without a digest`));
    });
    this.worker = w;
    return w;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
