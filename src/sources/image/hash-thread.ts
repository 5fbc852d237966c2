/**
 * Layer digests computed on another thread while the scan's thread reads the layers' tar headers
 * (issue 20). A plain tar layer in a file (a `docker save` archive, an uncompressed OCI blob) needs
 * every byte hashed to verify its diff id, but only its headers and kept bodies read to be scanned:
 * hashed inline, the scan read all of it and spent ~85 ms per 167 MiB in SHA-256 (2 GB/s with the
 * CPU's SHA extensions) before it could seek. Here another thread reads each layer's range from the
 * same file descriptor (positioned reads, so the scan's own reads are not disturbed) and hashes it,
 * one layer after the other, while the scan seeks over bodies: on two cores the hashing is off the
 * scan's path.
 *
 * Which thread:
 * - A scan thread of the CLI (isolate.ts `startThread` sets `parentHashes` in its workerData) asks
 *   the thread that started it, the CLI's main thread, which only waits while its scan runs
 *   (RangeHashing below, fed through the scan thread's port). No thread is started for it: a
 *   Node thread's start and end cost ~40 ms of CPU, a quarter of what hashing bullseye's 167 MiB
 *   layer costs.
 * - Elsewhere (the isolated scan process of the server and workers, tests) one worker thread per
 *   image: eval'd code that needs node:fs and node:crypto only (no module of Vigil's), started in
 *   ~20 ms.
 * Below PARALLEL_HASH_BYTES a layer is hashed inline, as before.
 */
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { isMainThread, parentPort, workerData, Worker, type MessagePort } from 'node:worker_threads';

/** Plain tar layers from this size are hashed on another thread (see above). */
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
 * The hashing of one image's large layers, on the starter's thread or on a thread of its own (see
 * above): ranges are hashed in the order asked. It keeps its thread or process running only while
 * a digest is pending.
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
    const parent = parentChannel();
    // ids: the parent serves every hasher of this thread, so they are unique across them there
    const id = parent ? parent.nextId() : this.next++;
    const hex = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    hex.catch(() => undefined);
    if (parent) {
      parent.ask({ type: 'hash', id, fd, offset, size, algorithm, cancel: this.cancelled.buffer as SharedArrayBuffer }, (m) => this.settle(m));
    } else {
      const w = this.start();
      if (this.pending.size === 1) w.ref();
      w.postMessage({ id, fd, offset, size, algorithm });
    }
    return { hex, cancel: () => Atomics.store(this.cancelled, 0, id + 1) };
  }

  /** Stops the hashing; resolves once nothing reads for this hasher any more. Pending digests reject. */
  async close(): Promise<void> {
    const ids = [...this.pending.keys()];
    this.fail(new Error('the hashing thread was stopped'));
    const parent = parentChannel();
    // the parent still reads the ranges it has not answered (the descriptors' owner closes them next)
    if (parent) {
      if (ids.length) await parent.stop(ids);
      return;
    }
    const w = this.worker;
    this.worker = null;
    if (w) {
      // held while it stops (a reply still in flight is ignored, so nothing unrefs it meanwhile)
      w.ref();
      await w.terminate();
    }
  }

  private settle(m: { id: number; hex?: string; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.hex !== undefined) p.resolve(m.hex);
    else p.reject(new Error(m.error ?? 'no digest'));
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
      this.settle(m);
      if (this.pending.size === 0) w.unref();
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

/** A scan thread's messages to the thread that started it, when that one hashes its ranges. */
export type HashMessage =
  | { type: 'hash'; id: number; fd: number; offset: number; size: number; algorithm: string; cancel: SharedArrayBuffer }
  // the ranges `ids` are no longer wanted (their hasher closes): `hash-stopped` with `ack` once none is read
  | { type: 'hash-stop'; ids: number[]; ack: number };
/** The answers. */
export type HashReply = { type: 'hash-done'; id: number; hex?: string; error?: string } | { type: 'hash-stopped'; ack: number };

let channel: ParentChannel | null | undefined;
/** The channel to this thread's starter when it serves HashMessages (workerData `parentHashes`: engine/scan-thread.ts newScanWorker), else null. */
function parentChannel(): ParentChannel | null {
  if (channel === undefined) {
    const served = !isMainThread && parentPort !== null && (workerData as { parentHashes?: unknown } | null)?.parentHashes === true;
    channel = served ? new ParentChannel(parentPort!) : null;
  }
  return channel;
}

/**
 * A scan thread's side of the parent's hashing: requests out, answers routed back. The port is
 * listened to only while an answer is awaited, so it keeps the thread running no longer.
 */
class ParentChannel {
  private ids = 0;
  private acks = 0;
  private readonly waiting = new Map<number, (m: { id: number; hex?: string; error?: string }) => void>();
  private readonly stopping = new Map<number, () => void>();
  private listening = false;
  constructor(private readonly port: MessagePort) {}

  nextId(): number {
    return this.ids++;
  }

  ask(m: Extract<HashMessage, { type: 'hash' }>, onDone: (m: { id: number; hex?: string; error?: string }) => void): void {
    this.waiting.set(m.id, onDone);
    this.listen();
    this.port.postMessage(m);
  }

  stop(ids: number[]): Promise<void> {
    for (const id of ids) this.waiting.delete(id);
    const ack = this.acks++;
    const done = new Promise<void>((resolve) => this.stopping.set(ack, resolve));
    this.listen();
    this.port.postMessage({ type: 'hash-stop', ids, ack } satisfies HashMessage);
    return done;
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.port.on('message', this.onMessage);
  }

  private readonly onMessage = (m: HashReply | { type?: unknown }): void => {
    if (m?.type === 'hash-done') {
      const r = m as Extract<HashReply, { type: 'hash-done' }>;
      const f = this.waiting.get(r.id);
      this.waiting.delete(r.id);
      f?.(r);
    } else if (m?.type === 'hash-stopped') {
      const r = m as Extract<HashReply, { type: 'hash-stopped' }>;
      this.stopping.get(r.ack)?.();
      this.stopping.delete(r.ack);
    } else return;
    if (this.waiting.size === 0 && this.stopping.size === 0) {
      this.port.off('message', this.onMessage);
      this.listening = false;
    }
  };
}

/** Hashing on the parent's side, the event loop gets a turn after this many bytes (~5 ms of SHA-256). */
const PARENT_YIELD_BYTES = 8 * 1024 * 1024;

/**
 * The starter's side (isolate.ts, the CLI's main thread): a scan thread's ranges hashed in the order
 * asked, one at a time, with synchronous positioned reads of the thread's descriptors (one process,
 * one descriptor table) and a turn for the event loop every 8 MiB (progress, the caps' timers, a
 * stop). `reply` posts to that thread.
 */
export class RangeHashing {
  private readonly queue: Extract<HashMessage, { type: 'hash' }>[] = [];
  private current: number | null = null;
  private readonly dropped = new Set<number>();
  /** stops to acknowledge once the range being read is left */
  private acks: number[] = [];
  private closed = false;
  private buf: Buffer | null = null;
  constructor(private readonly reply: (m: HashReply) => void) {}

  /** Takes one of the scan thread's messages; false when it is none of HashMessage's. */
  handle(m: { type?: unknown }): boolean {
    if (m.type === 'hash') {
      if (this.closed) return true;
      this.queue.push(m as Extract<HashMessage, { type: 'hash' }>);
      if (this.current === null) void this.drain();
      return true;
    }
    if (m.type === 'hash-stop') {
      const { ids, ack } = m as Extract<HashMessage, { type: 'hash-stop' }>;
      for (const id of ids) this.dropped.add(id);
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.dropped.has(this.queue[i]!.id)) this.queue.splice(i, 1);
      if (this.current !== null && this.dropped.has(this.current)) this.acks.push(ack);
      else this.reply({ type: 'hash-stopped', ack });
      return true;
    }
    return false;
  }

  /** The scan ended: nothing more is read (the range being read stops within PARENT_YIELD_BYTES). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    for (let r = this.queue.shift(); r && !this.closed; r = this.queue.shift()) {
      this.current = r.id;
      const out = await this.hashRange(r);
      this.current = null;
      if (!this.closed && !this.dropped.has(r.id)) this.reply(out);
      for (const ack of this.acks) this.reply({ type: 'hash-stopped', ack });
      this.acks = [];
    }
    this.buf = null;
  }

  private async hashRange(r: Extract<HashMessage, { type: 'hash' }>): Promise<HashReply> {
    try {
      const hash = createHash(r.algorithm);
      const cancel = new Int32Array(r.cancel);
      const buf = (this.buf ??= Buffer.allocUnsafeSlow(1024 * 1024));
      let pos = 0;
      let since = 0;
      while (pos < r.size) {
        if (Atomics.load(cancel, 0) === r.id + 1) throw new Error('cancelled');
        if (this.closed || this.dropped.has(r.id)) throw new Error('stopped');
        const n = readSync(r.fd, buf, 0, Math.min(buf.length, r.size - pos), r.offset + pos);
        if (n === 0) throw new Error(`the file ended ${r.size - pos} bytes before the blob did`);
        hash.update(n === buf.length ? buf : buf.subarray(0, n));
        pos += n;
        since += n;
        if (since >= PARENT_YIELD_BYTES) {
          since = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      return { type: 'hash-done', id: r.id, hex: hash.digest('hex') };
    } catch (e) {
      return { type: 'hash-done', id: r.id, error: (e as Error).message };
    }
  }
}
