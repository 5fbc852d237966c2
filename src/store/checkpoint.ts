/**
 * Checkpoints a SQLite file's write-ahead log on a worker thread of its own.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT of whichever connection pushed the log past
 * 1,000 pages: a transaction that wrote 60 MB (a delta rematch updating a few thousand findings of
 * a large store rewrites ~15,000 index pages) then also copies them into the database file and
 * syncs it before its commit returns — a quarter of a second on the job's path, and on the event
 * loop every API request waits behind. Here the main connection never checkpoints; a worker with
 * its own connection to the same file runs PASSIVE checkpoints (they never wait for, nor block,
 * readers and writers) whenever the log grew, on the machine's other core, between the main
 * connection's transactions (a checkpoint during a large write transaction slowed it by ~7%). If the worker cannot
 * start or fails, the main connection checkpoints itself again, the SQLite way.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Sqlite from 'better-sqlite3';

/** what the worker answers per checkpoint (SQLite's `PRAGMA wal_checkpoint` row, or the error) */
export interface CheckpointResult {
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface CheckpointerOptions {
  /** how often the log's size is looked at (ms) */
  intervalMs?: number;
  /** a log smaller than this is left alone (bytes) */
  minBytes?: number;
  /** a log larger than this is checkpointed even while this connection is in a transaction (bytes) */
  maxBytes?: number;
  /** the better-sqlite3 module the worker loads (tests give a broken one) */
  driver?: string;
  /** called with every checkpoint's result and with the error that made the main connection take over */
  onResult?: (r: CheckpointResult) => void;
}

// CommonJS, run by the worker (eval): one connection, one PASSIVE checkpoint per message
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file, { fileMustExist: true });
parentPort.on('message', () => {
  let r;
  try { r = db.pragma('wal_checkpoint(PASSIVE)')[0]; } catch (e) { r = { error: String(e && e.message || e) }; }
  parentPort.postMessage(r);
});
parentPort.postMessage({ ready: true });
`;

/** SQLite's own default, restored when the worker is gone */
const AUTOCHECKPOINT_PAGES = 1000;

export class WalCheckpointer {
  private worker: Worker | undefined;
  private readonly timer: NodeJS.Timeout;
  private inFlight = false;
  private failed = false;
  /** the log's size and modification time when the last checkpoint left nothing behind */
  private settled = '';
  /** the size and time of the log the checkpoint in flight was asked for */
  private pending = '';
  private closed = false;
  private readonly log: string;

  constructor(private readonly handle: Sqlite.Database, private readonly file: string, private readonly opts: CheckpointerOptions = {}) {
    this.log = `${file}-wal`;
    handle.pragma('wal_autocheckpoint = 0');
    this.timer = setInterval(() => this.tick(), opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  private tick(): void {
    if (this.inFlight || this.failed) return;
    let st;
    try {
      st = statSync(this.log);
    } catch {
      return; // no log (yet)
    }
    const seen = `${st.size}:${st.mtimeMs}`;
    if (st.size < (this.opts.minBytes ?? 4 << 20) || seen === this.settled) return;
    // between this connection's transactions, so that copying pages into the file does not compete
    // with a rematch or a scan writing; a log past the hard limit is checkpointed regardless
    if (this.handle.inTransaction && st.size < (this.opts.maxBytes ?? 256 << 20)) return;
    this.inFlight = true;
    this.pending = seen;
    try {
      (this.worker ??= this.start()).postMessage(seen);
    } catch (err) {
      this.fallBack(err);
    }
  }

  private start(): Worker {
    const driver = this.opts.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    // no --import of the parent (tsx): the worker runs plain CommonJS
    const w = new Worker(WORKER, { eval: true, execArgv: [], workerData: { file: this.file, driver } });
    w.unref();
    w.on('message', (r: CheckpointResult & { ready?: boolean }) => {
      if (r.ready) return;
      this.inFlight = false;
      if (r.error) return this.fallBack(new Error(r.error));
      // every frame of the log copied: nothing to do until it changes again
      if (r.busy === 0 && r.log === r.checkpointed) this.settled = this.pending;
      this.opts.onResult?.(r);
    });
    w.on('error', (err) => this.fallBack(err));
    w.on('exit', (code) => {
      if (!this.closed) this.fallBack(new Error(`checkpoint worker exited (${code})`));
    });
    return w;
  }

  private fallBack(err: unknown): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    clearInterval(this.timer);
    this.worker?.terminate().catch(() => undefined);
    this.worker = undefined;
    try {
      if (this.handle.open) this.handle.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    } catch {
      // the connection is closing
    }
    this.opts.onResult?.({ error: `the main connection checkpoints again: ${(err as Error).message ?? err}` });
  }

  /** Stops the worker (before the main connection closes: the last connection to close checkpoints and removes the log). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
