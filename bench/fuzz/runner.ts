/**
 * Drives one family's cases through a worker thread with a per-case time bound: a case whose
 * index stops moving for longer than the bound is a hang (the worker is terminated and a new one
 * goes on after it); a worker that dies (out of memory, an error thrown outside any case's
 * promise) is a process-level crash of the case it was running.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerData, WorkerMessage } from './cases.ts';

export interface FuzzOptions {
  family: string;
  cases: number;
  seed: number;
  /** per-case time bound */
  timeoutMs: number;
  /** heap cap of the worker (MiB) */
  maxHeapMb?: number;
  /** where crash inputs are written (default <tmp>/vigil-fuzz) */
  outDir?: string;
  onProgress?(done: number, total: number): void;
}

export interface Failure {
  kind: 'crash' | 'hang';
  case: number;
  target: string;
  path: string;
  error: string;
  /** the input, written out for a crash */
  inputFile?: string;
}

export interface FamilyReport {
  family: string;
  seed: number;
  cases: number;
  accepted: number;
  rejected: number;
  crashes: Failure[];
  hangs: Failure[];
  ms: number;
  /** the slowest case that finished (generation included) */
  slowest: { case: number; ms: number };
}

/** Worker threads do not inherit tsx's loader: the worker registers it, then loads worker.ts. */
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); })`;

/** Time allowed for a worker to load its family (compile schemas, read seeds). */
const SETUP_MS = 120_000;

export async function fuzzFamily(o: FuzzOptions): Promise<FamilyReport> {
  const started = Date.now();
  const report: FamilyReport = { family: o.family, seed: o.seed, cases: o.cases, accepted: 0, rejected: 0, crashes: [], hangs: [], ms: 0, slowest: { case: -1, ms: 0 } };
  const crashes = new Map<number, Failure>();
  const skip: number[] = [];
  const outDir = o.outDir ?? join(tmpdir(), 'vigil-fuzz');
  let next = 0;
  while (next < o.cases) {
    const shared = new SharedArrayBuffer(4);
    const current = new Int32Array(shared);
    Atomics.store(current, 0, -1);
    const data: WorkerData = { family: o.family, seed: o.seed, from: next, to: o.cases, skip: [...skip], shared };
    const w = new Worker(BOOT, {
      eval: true,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb ?? 1024 },
      stdout: true,
      stderr: true,
    });
    // a parser's stray console output is not the harness's
    w.stdout.resume();
    w.stderr.resume();
    const end = await new Promise<{ kind: 'done' } | { kind: 'hang' | 'died'; at: number; error: string }>((resolve) => {
      let ready = false;
      let seen = -1;
      let since = Date.now();
      let fatal = '';
      const timer = setInterval(() => {
        const at = Atomics.load(current, 0);
        if (at !== seen) { seen = at; since = Date.now(); return; }
        if (Date.now() - since > (ready ? o.timeoutMs : SETUP_MS)) {
          clearInterval(timer);
          void w.terminate();
          resolve({ kind: 'hang', at, error: ready ? `no result within ${o.timeoutMs} ms` : `family setup took over ${SETUP_MS} ms` });
        }
      }, Math.min(200, o.timeoutMs / 4));
      w.on('message', (m: WorkerMessage) => {
        if (m.t === 'ready') { ready = true; since = Date.now(); }
        else if (m.t === 'progress') {
          next = m.next;
          report.accepted += m.accepted;
          report.rejected += m.rejected;
          if (m.slowest.ms > report.slowest.ms) report.slowest = { ...m.slowest };
          o.onProgress?.(next, o.cases);
        } else if (m.t === 'crash') {
          if (!crashes.has(m.i)) {
            let inputFile: string | undefined;
            try {
              mkdirSync(outDir, { recursive: true });
              inputFile = join(outDir, `${o.family}-${o.seed}-${m.i}.bin`);
              writeFileSync(inputFile, m.data);
            } catch { /* the seed and index reproduce it anyway */ }
            crashes.set(m.i, { kind: 'crash', case: m.i, target: m.target, path: m.path, error: m.error, ...(inputFile ? { inputFile } : {}) });
          }
        } else if (m.t === 'fatal') fatal = m.error;
      });
      w.on('error', (err) => { fatal = err.stack ?? String(err); });
      w.on('exit', (code) => {
        clearInterval(timer);
        if (code === 0 && next >= o.cases) resolve({ kind: 'done' });
        else resolve({ kind: 'died', at: Atomics.load(current, 0), error: fatal || `worker exited with code ${code}` });
      });
    });
    if (end.kind === 'done') break;
    if (end.at < 0) throw new Error(`fuzz ${o.family}: the worker failed before its first case: ${end.error}`);
    const f: Failure = { kind: end.kind === 'hang' ? 'hang' : 'crash', case: end.at, target: '', path: '', error: end.kind === 'died' ? `process-level failure: ${end.error}` : end.error };
    if (f.kind === 'hang') report.hangs.push(f);
    else crashes.set(end.at, f);
    skip.push(end.at);
    // cases between the last progress report and the failed one are run again (deterministic)
  }
  report.crashes = [...crashes.values()].sort((a, b) => a.case - b.case);
  report.ms = Date.now() - started;
  return report;
}
