/**
 * The worker thread a CLI scan runs in (isolate.ts `thread`), and its prestart: `vigil scan`,
 * `vigil sbom` and `vigil cis` start their thread before the command's own modules load (commander,
 * the command definitions), so that the thread's Node environment comes up and its task's modules
 * load on the other core meanwhile. An empty scan spends ~25 ms bringing up a worker's environment
 * and ~35 ms loading the sources, extractors, store and matching modules; the command reaches the
 * scan ~20 ms after its entry runs. In sequence those add up; side by side the command waits only
 * for what is left (engine/README.md, "Isolated scans": 162 → 137 ms wall for an empty scan).
 *
 * The scan caps' defaults and parsing (re-exported by isolate.ts) are here too, so that the prestart
 * reads them as the scan will. Only node: built-ins and model/errors.ts are imported: the CLI's entry
 * (cli/entry.ts) loads this module before anything else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VigilError } from '../model/errors.ts';

export interface ScanLimits {
  /** the child's resident memory cap, MiB */
  memoryMiB: number;
  /** the child's wall-time cap, seconds */
  timeoutSeconds: number;
}

/**
 * 768 MiB: a 1 GiB image scans in under 500 MiB (bench/scan), so legitimate scans have headroom,
 * while a scan and the process that started it (~100 MiB) stay under 1 GiB together; two concurrent
 * scans per process (the engine's default) take at most 1.5 GiB of a 24 GB machine.
 * 900 s: a large image pulled from a registry takes minutes, a hung one should not hold a slot.
 */
export const DEFAULT_SCAN_LIMITS: ScanLimits = { memoryMiB: 768, timeoutSeconds: 900 };

/**
 * The limits from flags (`--scan-memory <MiB>`, `--scan-timeout <seconds>`), else the environment
 * (`VIGIL_SCAN_MEMORY`, `VIGIL_SCAN_TIMEOUT`), else the defaults.
 * @throws VigilError VIGIL_CONFIG for a value that is not a whole number in range
 */
export function resolveScanLimits(flags: { scanMemory?: string; scanTimeout?: string }, env: NodeJS.ProcessEnv = process.env): ScanLimits {
  const memory = flags.scanMemory ?? env.VIGIL_SCAN_MEMORY;
  const timeout = flags.scanTimeout ?? env.VIGIL_SCAN_TIMEOUT;
  return {
    memoryMiB: memory === undefined || memory === '' ? DEFAULT_SCAN_LIMITS.memoryMiB : whole('--scan-memory (VIGIL_SCAN_MEMORY)', memory, 128, 1024 * 1024, 'MiB'),
    timeoutSeconds: timeout === undefined || timeout === '' ? DEFAULT_SCAN_LIMITS.timeoutSeconds : whole('--scan-timeout (VIGIL_SCAN_TIMEOUT)', timeout, 1, 7 * 86_400, 'seconds'),
  };
}

/**
 * Where the CLI runs a scan (`VIGIL_SCAN_ISOLATION`): `thread` (the default) in a worker thread of
 * the `vigil` process, `process` in a child process as the server does (one more Node start-up,
 * ~0.1–0.3 s, for a scan whose crash in native code leaves the CLI to report it).
 * @throws VigilError VIGIL_CONFIG for another value
 */
export function cliScanInThread(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.VIGIL_SCAN_ISOLATION;
  if (v === undefined || v === '' || v === 'thread') return true;
  if (v === 'process') return false;
  throw new VigilError('VIGIL_CONFIG', `invalid VIGIL_SCAN_ISOLATION ${JSON.stringify(v)}: expected thread or process`, { input: v, rule: 'scan-isolation' });
}

function whole(name: string, v: string, min: number, max: number, unit: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new VigilError('VIGIL_CONFIG', `invalid ${name} ${JSON.stringify(v)}: expected whole ${unit} from ${min} to ${max}`, { input: v, rule: 'scan-limit' });
  }
  return n;
}

/** V8's heap limit of a scan capped at `memoryMiB` resident: 3/4 of it (the rest is Buffers and native memory). */
export function heapOf(memoryMiB: number): number {
  return Math.max(64, Math.floor((memoryMiB * 3) / 4));
}

/** The modules a thread loads while it waits for its task (isolate-tasks.ts preloadTask). */
export type Preload = 'target' | 'cis';

/** The isolated task's entry point and the Node options a child process needs to run it. */
export function childEntry(): { file: URL; execArgv: string[] } {
  // from the TypeScript sources (tsx) the child is a .ts file and needs tsx's loader; in the bundle
  // (scripts/build.mjs) it is dist/scan-child.mjs next to the chunk this code is in
  if (import.meta.url.endsWith('.ts')) {
    return { file: new URL('./isolate-child.ts', import.meta.url), execArgv: ['--import', import.meta.resolve('tsx')] };
  }
  return { file: new URL('./scan-child.mjs', import.meta.url), execArgv: [] };
}

/** A scan thread started ahead of its task. */
interface Warm {
  worker: Worker;
  heapMiB: number;
  /** this process's resident memory when the thread started, KiB */
  baseKiB: number | null;
  /** it ended or failed before a scan took it */
  dead: boolean;
}

let warm: Warm | null = null;

/**
 * Where a scan thread keeps V8's code cache of its bundle (thread-loader.cjs): `vigil/code` in the
 * user's cache directory (XDG_CACHE_HOME, else ~/.cache), where bin/vigil.js keeps Node's compile
 * cache; null when VIGIL_COMPILE_CACHE is 0 or there is no home directory.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.VIGIL_COMPILE_CACHE === '0') return null;
  let base = env.XDG_CACHE_HOME;
  if (!base || !isAbsolute(base)) {
    let home: string;
    try {
      home = homedir();
    } catch {
      return null;
    }
    if (!home) return null;
    base = join(home, '.cache');
  }
  return join(base, 'vigil', 'code');
}

/** The subcommands whose scans run different code (sources, extractors): each has a code cache of its own. */
const CACHE_KINDS = new Map<string, ReadonlySet<string>>([
  ['scan', new Set(['image', 'fs', 'rootfs', 'zip', 'repo', 'sbom'])],
  ['cis', new Set(['rootfs', 'image', 'host'])],
  ['sbom', new Set(['image', 'fs', 'rootfs', 'zip', 'repo'])],
]);

/**
 * Which code cache a scan thread of the command in `argv` uses (thread-loader.cjs): one per kind of
 * scan, `scan-image`, `scan-rootfs`, `cis-host`, `sbom-fs`…, since the cache holds what the scan
 * that wrote it compiled: a cache written by an image scan lacks the directory walk a rootfs scan
 * runs, and would be used without it ever after. `sbom` takes the kind from `--kind` (its default,
 * a path's own kind, is `sbom`). Anything else is the command alone.
 */
export function codeCacheName(argv: readonly string[]): string {
  const args = argv.slice(2);
  const [cmd, sub] = words(args);
  const kinds = cmd === undefined ? undefined : CACHE_KINDS.get(cmd);
  if (!kinds) return 'scan';
  const kind = cmd === 'sbom' ? optionValue(args, '--kind') : sub;
  return kind !== undefined && kinds.has(kind) ? `${cmd}-${kind}` : cmd!;
}

/** A new scan thread with a heap limit of `heapMiB`, loading `preload`'s modules until its task comes. */
export function newScanWorker(heapMiB: number, preload?: Preload): Worker {
  const { file } = childEntry();
  // execArgv: none of ours (a thread would inherit them: `--input-type` of a `node -e` caller fails it), as for a child
  // parentHashes: the thread's starter (isolate.ts startThread) hashes its layers (sources/image/hash-thread.ts)
  const options = { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: heapMiB }, stdout: true, stderr: true, workerData: { preload, parentHashes: true } };
  // under tsx (tests, a developer's tree) the thread registers tsx's loader before the .ts entry:
  // Node 20 does not pass a worker its parent's --import hooks
  if (file.pathname.endsWith('.ts')) {
    return new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); })`, { ...options, eval: true });
  }
  // from the bundle: the same code as one CommonJS file, run through V8's code cache (thread-loader.cjs)
  const cached = cachedEntry(file);
  if (cached) return new Worker(cached.loader, { ...options, workerData: { ...options.workerData, bundle: cached.bundle, cacheDir: codeCacheDir(), cacheName: codeCacheName(process.argv) } });
  return new Worker(file, options);
}

/**
 * The code-cached form of the isolated task's entry `file` (childEntry): thread-loader.cjs and the
 * one-file bundle it runs (scan-thread.cjs), when both are beside it (a bundled install), else null
 * (the .ts sources under tsx). A scan thread gets them as its entry and workerData, a child process
 * as its script and arguments (`<bundle> <cache dir or ""> <cache name>`).
 */
export function cachedEntry(file: URL): { loader: string; bundle: string } | null {
  if (!file.pathname.endsWith('.mjs')) return null;
  const loader = fileURLToPath(new URL('./thread-loader.cjs', file));
  const bundle = fileURLToPath(new URL('./scan-thread.cjs', file));
  return existsSync(loader) && existsSync(bundle) ? { loader, bundle } : null;
}

/**
 * Starts the scan thread of the command in `argv` now, when it is one that scans (`scan`, `sbom`,
 * `cis`) and runs its scan in a thread. It does not keep the process alive: a command that ends
 * before its scan (a usage error, `--help`) ends as before, the thread with it.
 */
export function prestartFor(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  if (warm) return;
  const args = argv.slice(2);
  const cmd = commandOf(args);
  if (!cmd) return;
  let memoryMiB: number;
  try {
    if (!cliScanInThread(env)) return;
    memoryMiB = resolveScanLimits({ scanMemory: optionValue(args, '--scan-memory'), scanTimeout: optionValue(args, '--scan-timeout') }, env).memoryMiB;
  } catch {
    return; // a bad value is the command's usage error; no thread for it
  }
  try {
    const heapMiB = heapOf(memoryMiB);
    const baseKiB = rssKiBSync();
    const worker = newScanWorker(heapMiB, cmd === 'cis' ? 'cis' : 'target');
    const w: Warm = { worker, heapMiB, baseKiB, dead: false };
    worker.unref();
    // before a scan takes it, a thread that fails is only dropped: the scan starts its own
    worker.on('error', () => { w.dead = true; });
    worker.on('exit', () => { w.dead = true; });
    warm = w;
  } catch {
    // the scan starts its thread when it runs, as without a prestart
  }
}

/**
 * The prestarted thread, when there is one still alive with this heap limit, else null (one with
 * another limit is ended). What a scan takes is its own: the next call returns null.
 */
export function takeWarm(heapMiB: number): { worker: Worker; baseKiB: number | null } | null {
  const w = warm;
  warm = null;
  if (!w) return null;
  if (w.dead || w.heapMiB !== heapMiB) {
    void w.worker.terminate();
    return null;
  }
  w.worker.removeAllListeners('error');
  w.worker.removeAllListeners('exit');
  w.worker.ref();
  return { worker: w.worker, baseKiB: w.baseKiB };
}

/** The CLI's global options that take a value (cli/main.ts buildProgram). */
const GLOBAL_WITH_VALUE = new Set(['--home', '--db']);

/** The command `vigil <args>` runs when it is one whose scan can start early, else null. */
export function commandOf(args: readonly string[]): 'scan' | 'sbom' | 'cis' | null {
  // the first word is the command; help for it scans nothing
  const [a] = words(args);
  if (a !== 'scan' && a !== 'sbom' && a !== 'cis') return null;
  return args.some((x) => x === '--help' || x === '-h') ? null : a;
}

/** The words of `args` that are no option nor a global option's value: the command, its subcommand, its arguments. */
function words(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) out.push(a);
  }
  return out;
}

/** `--name value` or `--name=value` in `args`, the last one given. */
function optionValue(args: readonly string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === name) v = args[++i];
    else if (a.startsWith(`${name}=`)) v = a.slice(name.length + 1);
  }
  return v;
}

/** This process's resident set size in KiB now; null when it cannot be read (not Linux). */
export function rssKiBSync(): number | null {
  try {
    return vmRss(readFileSync('/proc/self/status', 'latin1'));
  } catch {
    return null;
  }
}

/** VmRSS of a /proc/<pid>/status text, KiB. */
export function vmRss(status: string | null): number | null {
  const m = status === null ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : null;
}
