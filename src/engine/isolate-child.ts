/**
 * Entry point of the isolated scan process (started by isolate.ts; bundled as dist/scan-child.mjs).
 * Waits for one task on its IPC channel, runs it, sends the result or the error, and exits. When the
 * parent goes away (killed, crashed) the channel closes and this process exits too, so an orphan
 * never goes on to record a scan its parent's job no longer owns.
 *
 * The same file is the entry of a scan thread (isolate.ts `thread`, the CLI's): the task and the
 * events go over the thread's port, and `process.exit` ends the thread, not the process.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lazyLogger } from '../log.ts';
import { preloadTask, runTask, type IsolatedTask, type TaskEvent } from './isolate-tasks.ts';
import type { WireError } from './isolate.ts';

const log = lazyLogger(process.env.VIGIL_LOG_LEVEL || 'warn');

/** the thread's port when this runs in a scan thread */
const port = isMainThread ? null : parentPort;

function send(e: TaskEvent): Promise<void> {
  if (port) {
    port.postMessage(e);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(e, undefined, {}, () => resolve());
  });
}

/** Progress at most every 100 ms (and on a new phase or the last step), so IPC is not flooded. */
function throttled(): (e: TaskEvent) => void {
  let last = 0;
  let phase = '';
  return (e) => {
    if (e.type !== 'progress') return void send(e);
    const now = Date.now();
    if (e.phase === phase && now - last < 100 && e.value !== e.total) return;
    last = now;
    phase = e.phase;
    void send(e);
  };
}

/** Packages per IPC message of a big result. */
const PART = 10_000;

/**
 * Sends a task's result. A result with many `packages` sends them in parts first: one message of
 * 200k packages is a serialized copy of ~40 MB on each side (and, while written, more) at once.
 */
async function sendResult(value: unknown): Promise<void> {
  const packages = (value as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(packages) || packages.length <= PART) return send({ type: 'result', value });
  for (let i = 0; i < packages.length; i += PART) await send({ type: 'result-part', packages: packages.slice(i, i + PART) });
  await send({ type: 'result', value: { ...(value as object), packages: [] } });
}

function wire(err: unknown): WireError {
  const e = err as Error & { code?: unknown; input?: string; rule?: string };
  const isVigil = e instanceof Error && e.name !== undefined && typeof e.code === 'string' && e.code.startsWith('VIGIL_');
  return {
    name: e?.name ?? 'Error', message: e?.message ?? String(err),
    ...(isVigil ? { code: e.code as string, ...(e.input !== undefined ? { input: e.input } : {}), ...(e.rule !== undefined ? { rule: e.rule } : {}) } : { stack: e?.stack }),
  };
}

function onTask(m: { type: 'task'; task: IsolatedTask }): void {
  // set by thread-loader.cjs when the thread runs from the bundle: off, absent, rejected or used
  const codeCache = (globalThis as { __vigilCodeCache?: string }).__vigilCodeCache;
  if (codeCache) log.debug({ codeCache }, 'scan thread code cache');
  void (async () => {
    let code = 0;
    try {
      const value = await runTask(m.task, log, throttled());
      await sendResult(value);
    } catch (err) {
      await send({ type: 'error', error: wire(err) });
      code = 1;
    }
    process.exit(code);
  })();
}

if (port) {
  port.once('message', onTask);
  // a thread started ahead of its task (scan-thread.ts prestartFor) loads the task's modules meanwhile
  const preload = (workerData as { preload?: 'target' | 'cis' } | null)?.preload;
  if (preload) preloadTask(preload);
} else {
  process.on('disconnect', () => process.exit(70));
  process.once('message', onTask);
}
