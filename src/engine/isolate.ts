/**
 * The isolated scan runner: every scan — engine jobs, agent reports and `vigil scan`/`vigil sbom`
 * alike — runs the same task code (`isolate-child.ts`) with a memory cap and a wall-time cap, so a
 * runaway parser can only kill itself, and the process that asked (the API server, a worker, the
 * CLI) keeps its event loop, its heartbeats and its memory. The server's run in child processes; the
 * CLI's in a worker thread (`thread`, startThread below: the same caps without a second Node start).
 *
 * The memory cap bounds the child's resident set size (RSS): the JavaScript heap, Buffers and
 * ArrayBuffers (external memory, which V8's heap limit does not count), and native allocations
 * (zlib, SQLite's page cache). It is enforced two ways: V8's old generation is limited to 3/4 of
 * the cap (`--max-old-space-size`), so a heap bomb ends in V8's own out-of-memory abort; and the
 * parent reads the child's VmRSS from /proc/<pid>/status every 50 ms and SIGKILLs it past the cap,
 * which catches what the heap limit does not see. Between two samples the child can grow by what it
 * allocates in 50 ms, so its peak may pass the cap by that much. Without /proc (not Linux) only the
 * heap limit applies. The wall-time cap SIGKILLs the child when it runs longer.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import { VigilError, type ErrorCode } from '../model/errors.ts';
import type { HashReply, RangeHashing } from '../sources/image/hash-thread.ts';
import { cleanStaleScratch } from '../sources/vfs/scratch.ts';
import type { IsolatedTask, TaskEvent } from './isolate-tasks.ts';
import { cachedEntry, childEntry, codeCacheDir, codeCacheName, heapOf, newScanWorker, rssKiBSync, takeWarm, vmRss, type ScanLimits } from './scan-thread.ts';

// the caps' defaults and parsing live with the CLI's scan thread, which reads them before the command's modules load
export { cliScanInThread, DEFAULT_SCAN_LIMITS, resolveScanLimits, type ScanLimits } from './scan-thread.ts';

/** how often the parent reads the child's resident memory */
const SAMPLE_MS = 50;

/** how long a terminated scan thread may take to end before the runner reports without it */
const KILL_GRACE_MS = 2000;

export interface RunIsolatedOptions {
  limits: ScanLimits;
  /** aborting kills the child (a lost job lease, a stopping queue) */
  signal?: AbortSignal;
  /** progress events the task reports (the CLI's progress bar) */
  onProgress?: (e: Extract<TaskEvent, { type: 'progress' }>) => void;
  log?: Logger;
  /** what is scanned, for messages: "function billing", "image ./app.tar" */
  label: string;
  /**
   * run the task in a worker thread of this process instead of a child process (the CLI): the same
   * caps without a second Node start-up, but a crash in native code ends this process too
   */
  thread?: boolean;
}

/** What the runner saw of a child, for logs and the bench. */
export interface IsolatedStats {
  pid: number;
  peakRssMiB: number;
  ms: number;
}

/** Rules of the errors the runner itself raises when it stops a child. */
export const KILL_RULES = ['scan-memory', 'scan-timeout', 'scan-crashed', 'scan-aborted'] as const;

/**
 * A started scan, process or thread, as the supervising code sees it: its events, its memory, and
 * how to stop it.
 */
interface ScanHost {
  /** the child's pid; the process's own for a thread */
  pid: number;
  /** what the scan holds resident, KiB (a thread: the process's growth since it started); null when unknown */
  rss(): Promise<number | null>;
  /** stops it at once (SIGKILL; a thread: terminate) */
  kill(): void;
  /** a thread that has not ended soon after kill(): it no longer keeps this process running */
  abandon?(): void;
  running(): boolean;
  send(task: IsolatedTask): Promise<void>;
  /** removes the scratch directories a scan that did not end on its own left behind */
  cleanScratch(): Promise<unknown>;
  onMessage(f: (m: TaskEvent) => void): void;
  /** a start that failed (no exit may follow) */
  onError(f: (err: Error) => void): void;
  /** the end: `why` for messages ("exit code 1", "signal SIGSEGV"), `heapExhausted` when V8 gave up at the heap limit */
  onExit(f: (why: string, heapExhausted: boolean) => void): void;
  /** a message to the scan (a thread: the answers to its HashMessages); a child process has none */
  post?(m: HashReply): void;
}

/** The scan in a child process: one more Node start-up (~0.1 s of CPU here), a crash or an abort in native code stays in the child. */
function startProcess(heapMiB: number, task: IsolatedTask): ScanHost {
  const { file, execArgv } = childEntry();
  // from the bundle, through V8's code cache as a scan thread (scan-thread.ts cachedEntry): one
  // cache per kind of task, and per kind of scan for the CLI's (`VIGIL_SCAN_ISOLATION=process`)
  const cached = cachedEntry(file);
  // (not the thread's caches: V8 refuses a cache written under other flags, and a child has --max-old-space-size)
  const name = task.kind === 'target' || task.kind === 'cis' ? `process-${codeCacheName(process.argv)}` : `task-${task.kind}`;
  const [script, args] = cached ? [cached.loader, [cached.bundle, codeCacheDir() ?? '', name]] : [file, []];
  const child: ChildProcess = fork(script, args, {
    execArgv: [...execArgv, `--max-old-space-size=${heapMiB}`],
    // the child's stdout goes to our stderr: only the parent writes a report to stdout
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: process.env,
  });
  const pid = child.pid ?? 0;
  let stderrTail = '';
  child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
  child.stderr!.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString('utf8')).slice(-4096);
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    rss: () => rssKiB(pid),
    kill: () => { if (running()) child.kill('SIGKILL'); },
    running,
    send: (task) => new Promise((resolve, reject) => child.send({ type: 'task', task }, (err) => (err ? reject(err) : resolve()))),
    cleanScratch: () => cleanStaleScratch({ pid }),
    onMessage: (f) => child.on('message', f),
    onError: (f) => child.on('error', f),
    onExit: (f) => child.on('exit', (code, signal) => f(signal ? `signal ${signal}` : `exit code ${code}`, /JavaScript heap out of memory|Reached heap limit/.test(stderrTail))),
  };
}

/**
 * The scan in a worker thread of this process: no second Node start-up, the same caps — V8's heap
 * limit (`resourceLimits`), the process's resident growth sampled and the thread terminated past the
 * memory cap or the wall time. What a thread cannot give: a crash in native code (a segfault, an
 * abort) ends the whole process. So the CLI, whose process is the scan's anyway, uses it; the server
 * and the workers keep scans in child processes.
 */
function startThread(heapMiB: number): ScanHost {
  // the thread the command started ahead (scan-thread.ts prestartFor), else a new one
  const ahead = takeWarm(heapMiB);
  const worker = ahead?.worker ?? newScanWorker(heapMiB);
  const baseKiB = ahead ? ahead.baseKiB : rssKiBSync();
  // read now: a thread that has ended reports -1
  const { threadId } = worker;
  let exited = false;
  let heapExhausted = false;
  let failed: ((err: Error) => void) | null = null;
  // the thread's stdout and stderr go to our stderr, as a child's do
  worker.stdout.on('data', (d: Buffer) => process.stderr.write(d));
  worker.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  worker.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') heapExhausted = true;
    // an error the thread threw outside its task (the task's own come as messages): it ends with exit 1
    else if (!exited) failed?.(err);
  });
  worker.on('exit', () => { exited = true; });
  return {
    pid: process.pid,
    rss: async () => {
      const kib = await rssKiB(process.pid);
      return kib === null || baseKiB === null ? null : Math.max(0, kib - baseKiB);
    },
    kill: () => { if (!exited) void worker.terminate(); },
    // a thread busy in native code stops when that call returns; unref'd, it does not keep the CLI running meanwhile
    abandon: () => worker.unref(),
    running: () => !exited,
    send: async (task) => worker.postMessage({ type: 'task', task }),
    post: (m) => worker.postMessage(m),
    cleanScratch: () => cleanStaleScratch({ pid: process.pid, threadId }),
    onMessage: (f) => worker.on('message', f),
    onError: (f) => { failed = f; },
    onExit: (f) => worker.on('exit', (code) => f(`exit code ${code}`, heapExhausted)),
  };
}

/**
 * Runs one task in a fresh child process (or, with `opts.thread`, a worker thread) under `limits`
 * and returns its result.
 * @throws VigilError the task's own error as the child threw it (same code, rule and message);
 *   VIGIL_LIMIT_EXCEEDED rule "scan-memory" or "scan-timeout" when the runner killed the child at a
 *   cap; VIGIL_INTERNAL rule "scan-crashed" when it died otherwise; rule "scan-aborted" when
 *   `signal` aborted it
 */
export async function runIsolated<R>(task: IsolatedTask, opts: RunIsolatedOptions): Promise<R> {
  return (await runWithStats<R>(task, opts)).value;
}

/** runIsolated, also returning what the runner measured. */
export function runWithStats<R>(task: IsolatedTask, opts: RunIsolatedOptions): Promise<{ value: R; stats: IsolatedStats }> {
  const { limits, label } = opts;
  const heapMiB = heapOf(limits.memoryMiB);
  const started = Date.now();
  if (opts.signal?.aborted) return Promise.reject(aborted(label, opts.signal.reason));
  let host: ScanHost;
  try {
    host = opts.thread ? startThread(heapMiB) : startProcess(heapMiB, task);
  } catch (err) {
    return Promise.reject(new VigilError('VIGIL_INTERNAL', `${label}: cannot start the scan ${opts.thread ? 'thread' : 'process'}: ${(err as Error).message}`, { input: label, rule: 'scan-crashed', cause: err }));
  }
  const { pid } = host;
  let peakKiB = 0;

  return new Promise((resolve, reject) => {
    let settled = false;
    let killedFor: VigilError | null = null;
    let result: { ok: true; value: R } | { ok: false; error: VigilError | Error } | null = null;
    let parts: unknown[] = [];
    let hashing: Promise<RangeHashing> | null = null;

    const kill = (why: VigilError) => {
      if (killedFor || !host.running()) return;
      killedFor = why;
      opts.log?.info({ pid, label, rule: why.rule, err: why.message }, 'stopping a scan');
      host.kill();
      // a thread stuck in native code may not end soon: after a grace the caller hears of the cap
      // anyway (the exit, when it comes, still removes the thread's scratch directories)
      if (host.abandon) {
        setTimeout(() => {
          if (settled) return;
          host.abandon!();
          finish(why);
        }, KILL_GRACE_MS).unref();
      }
    };

    const timer = setTimeout(() => kill(new VigilError('VIGIL_LIMIT_EXCEEDED',
      `${label}: the scan ran longer than ${limits.timeoutSeconds} s (--scan-timeout) and was stopped`, { input: label, rule: 'scan-timeout' })), limits.timeoutSeconds * 1000);
    let sampling = false;
    const sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      host.rss().then((kib) => {
        if (kib === null) return;
        peakKiB = Math.max(peakKiB, kib);
        if (kib > limits.memoryMiB * 1024) {
          kill(new VigilError('VIGIL_LIMIT_EXCEEDED',
            `${label}: the scan used more than ${limits.memoryMiB} MiB of memory (--scan-memory; ${Math.round(kib / 1024)} MiB resident) and was stopped`, { input: label, rule: 'scan-memory' }));
        }
      }).finally(() => { sampling = false; });
    }, SAMPLE_MS);
    const onAbort = () => kill(aborted(label, opts.signal?.reason));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    host.onMessage((m: TaskEvent) => {
      if (m.type === 'hash' || m.type === 'hash-stop') {
        // a scan thread's layer digests, computed here while this thread waits for it (the module is
        // loaded with the first: scans without a large plain tar layer do not need it)
        if (!host.post) return;
        hashing ??= import('../sources/image/hash-thread.ts').then((h) => new h.RangeHashing((r) => host.post!(r)));
        // (a module that failed to load answers every request with its error: the scan fails, it does not wait)
        void hashing.then((h) => h.handle(m), (err: Error) => host.post!(m.type === 'hash' ? { type: 'hash-done', id: m.id, error: `the layer cannot be hashed: ${err.message}` } : { type: 'hash-stopped', ack: m.ack }));
      }
      else if (m.type === 'progress') opts.onProgress?.(m);
      else if (m.type === 'result-part') for (const p of m.packages) parts.push(p);
      else if (m.type === 'result') {
        // the packages sent ahead in parts (isolate-child.ts sendResult)
        if (parts.length) (m.value as { packages: unknown[] }).packages = parts;
        parts = [];
        result = { ok: true, value: m.value as R };
      }
      else if (m.type === 'error') result = { ok: false, error: revive(m.error) };
    });
    host.onError((err) => {
      // starting failed (the exit event may not come)
      finish(new VigilError('VIGIL_INTERNAL', `${label}: the scan ${opts.thread ? 'thread' : 'process'} failed: ${err.message}`, { input: label, rule: 'scan-crashed', cause: err }));
    });
    host.onExit((why, heapExhausted) => {
      // a child that did not end on its own left its scratch directories (tenant code) behind
      if (killedFor || !result) void host.cleanScratch().catch(() => undefined);
      if (killedFor) return finish(killedFor);
      if (result?.ok) return finish(null, result.value);
      if (result && !result.ok) return finish(result.error);
      if (heapExhausted) {
        return finish(new VigilError('VIGIL_LIMIT_EXCEEDED',
          `${label}: the scan ran out of its ${heapMiB} MiB JavaScript heap (3/4 of --scan-memory ${limits.memoryMiB} MiB) and was stopped`, { input: label, rule: 'scan-memory' }));
      }
      finish(new VigilError('VIGIL_INTERNAL', `${label}: the scan ${opts.thread ? 'thread' : 'process'} exited unexpectedly (${why})`, { input: label, rule: 'scan-crashed' }));
    });

    function finish(err: Error | null, value?: R): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(sampler);
      opts.signal?.removeEventListener('abort', onAbort);
      void hashing?.then((h) => h.close(), () => undefined);
      host.kill();
      const stats = { pid, peakRssMiB: Math.round(peakKiB / 1024), ms: Date.now() - started };
      opts.log?.debug({ label, ...stats, ok: !err }, 'scan finished');
      if (err) reject(err);
      else resolve({ value: value as R, stats });
    }

    host.send(task).catch((err: Error) => {
      finish(new VigilError('VIGIL_INTERNAL', `${label}: cannot hand the task to the scan ${opts.thread ? 'thread' : 'process'}: ${err.message}`, { input: label, rule: 'scan-crashed', cause: err }));
    });
  });
}

function aborted(label: string, reason: unknown): VigilError {
  const why = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new VigilError('VIGIL_INTERNAL', `${label}: the scan was stopped (${why})`, { input: label, rule: 'scan-aborted' });
}

/** A process's resident set size in KiB, from /proc (Linux); null when it cannot be read. */
async function rssKiB(pid: number): Promise<number | null> {
  return vmRss(await readFile(`/proc/${pid}/status`, 'latin1').catch(() => null));
}

/** An error as the child sent it, as a VigilError when it was one. */
export interface WireError { name: string; message: string; code?: string; input?: string; rule?: string; stack?: string }

function revive(e: WireError): Error {
  if (e.code) {
    const v = new VigilError(e.code as ErrorCode, e.message, { input: e.input, rule: e.rule });
    return v;
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
