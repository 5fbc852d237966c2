/**
 * Case generation and execution, shared by the worker and by `--case` reproduction in-process.
 * Case `i` of seed `s` is fast-check's sample of the family's arbitrary at seed caseSeed(s, i): the
 * same (family, seed, i) always gives the same input.
 */
import fc from 'fast-check';
import { familyNamed, type FamilyRun, type FuzzCase } from './families.ts';

export interface WorkerData {
  family: string;
  seed: number;
  from: number;
  to: number;
  /** case indexes not to run again (hangs and process-level failures already counted) */
  skip: number[];
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { t: 'ready' }
  | { t: 'progress'; next: number; accepted: number; rejected: number; slowest: { case: number; ms: number } }
  | { t: 'crash'; i: number; target: string; path: string; error: string; data: Uint8Array }
  | { t: 'fatal'; error: string };

export function caseSeed(seed: number, i: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) | 0;
}

export function makeCase(run: FamilyRun, seed: number, i: number): FuzzCase {
  return fc.sample(run.arbitrary, { seed: caseSeed(seed, i), numRuns: 1 })[0];
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

const setups = new Map<string, Promise<FamilyRun>>();
export function setupFamily(name: string): Promise<FamilyRun> {
  let s = setups.get(name);
  if (!s) {
    s = familyNamed(name).setup();
    setups.set(name, s);
  }
  return s;
}

/** Runs cases [from, to) except `skip`, reporting progress in batches and each crash at once. */
export async function runCases(d: WorkerData, io: { onCase(i: number): void; post(m: WorkerMessage): void }): Promise<void> {
  const run = await setupFamily(d.family);
  io.post({ t: 'ready' });
  const skip = new Set(d.skip);
  // a library printing to the console (or emitting a process warning) for an input is a failure
  // too: users saw raw library warnings on stderr (issue 13)
  let printed: string | undefined;
  const note = (what: string) => (...args: unknown[]) => { printed ??= `${what}: ${args.map(String).join(' ').slice(0, 300)}`; };
  for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) console[k] = note(`console.${k}`);
  process.on('warning', (w) => { printed ??= `process warning: ${w.name}: ${w.message.slice(0, 300)}`; });
  let accepted = 0;
  let rejected = 0;
  let lastPost = Date.now();
  const slowest = { case: -1, ms: 0 };
  try {
    for (let i = d.from; i < d.to; i++) {
      io.onCase(i);
      if (skip.has(i)) continue;
      let c: FuzzCase | undefined;
      const t0 = performance.now();
      try {
        c = makeCase(run, d.seed, i);
        printed = undefined;
        const outcome = await run.run(c);
        await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
        if (printed) throw new Error(`the parser printed to the console: ${printed}`);
        if (outcome === 'accepted') accepted++;
        else rejected++;
      } catch (err) {
        io.post({ t: 'crash', i, target: c?.target ?? '(generation)', path: c?.path ?? '', error: describeError(err), data: c?.data ?? new Uint8Array() });
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) { slowest.case = i; slowest.ms = ms; }
      if (i % 64 === 63 || Date.now() - lastPost > 250) {
        io.post({ t: 'progress', next: i + 1, accepted, rejected, slowest });
        accepted = 0;
        rejected = 0;
        lastPost = Date.now();
      }
    }
    io.post({ t: 'progress', next: d.to, accepted, rejected, slowest });
  } finally {
    run.close?.();
  }
}
