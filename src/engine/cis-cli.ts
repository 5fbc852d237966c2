/**
 * A CIS assessment of one target, as `vigil cis` runs it inside the isolated scan process
 * (isolate-tasks.ts kind "cis", the runner `vigil scan` uses): open the target (a root filesystem,
 * an image, this machine's root, or an SSH host through openSshCisHost), choose the benchmark by
 * its os-release unless one is named, evaluate with the running state when there is one (this
 * machine's own when the root is /, the host's over SSH).
 */
import type { LiveFacts } from '../detectors/cis/evaluate.ts';
import type { Benchmark, BenchmarkResult } from '../detectors/cis/schema.ts';
import { VigilError } from '../model/errors.ts';
import type { SshTarget } from '../sources/ssh/index.ts';
import type { ScanFS } from '../sources/types.ts';
import { cisContentFilter } from '../detectors/cis/content.ts';

export interface CisTargetSpec {
  kind: 'rootfs' | 'image' | 'host';
  /** a directory, an image reference, this machine's root; for an SSH host its ssh:// address (reports name it) */
  ref: string;
  level: 1 | 2;
  /** a benchmark id; absent: chosen by the target's os-release */
  benchmark?: string;
  platform?: string;
  registry?: { username: string; password?: string };
  /** kind "host" over SSH */
  ssh?: SshTarget;
}

export interface CisAssessment {
  result: BenchmarkResult;
  /** over SSH: the host key seen, what was collected and why facts are missing */
  ssh?: { hostKeyFingerprint: string; hostKeyType: string; notes: string[]; stats: { files: number; bytes: number; ms: number } };
}

const usage = (msg: string, input?: string): VigilError => new VigilError('VIGIL_CONFIG', msg, { ...(input !== undefined ? { input } : {}), rule: 'usage' });


/** The running state of this machine, read locally (only for `vigil cis host /`). */
export async function localLiveFacts(): Promise<LiveFacts> {
  const { readFile } = await import('node:fs/promises');
  const { execFile } = await import('node:child_process');
  const mounts = await readFile('/proc/mounts', 'utf8').catch(() => undefined);
  return {
    ...(mounts !== undefined ? { mounts } : {}),
    async sysctl(key) {
      // a key is dotted words (checked: no path tricks)
      if (!/^[\w.-]+$/.test(key)) return null;
      return readFile(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').then((s) => s.trim().replace(/\s+/g, ' '), () => null);
    },
    serviceActive(unit) {
      if (!/^[\w@.:-]+$/.test(unit)) return Promise.resolve(null);
      // LIVE_COMMAND: systemctl is-active with a fixed verb, a checked unit name, a timeout, no shell
      return new Promise((resolve) => {
        execFile('systemctl', ['is-active', '--', unit], { timeout: 10_000, maxBuffer: 64 * 1024 }, (err, stdout) => {
          const s = String(stdout).trim();
          if (s === 'active' || s === 'activating' || s === 'reloading') resolve(true);
          else if (['inactive', 'failed', 'unknown', 'deactivating'].includes(s)) resolve(false);
          else resolve(err && (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : s ? false : null);
        });
      });
    },
  };
}

/**
 * The benchmark of the system in `fs` evaluated: the one named, else the one its os-release calls
 * for (`unsupported` says what the system is when none fits). Shared by `vigil cis`, the agent's
 * assessment and the server's CIS scans (engine/cis.ts).
 */
export async function evaluateSystem(fs: ScanFS, opts: { level: 1 | 2; benchmark?: Benchmark; live?: LiveFacts; target: { kind: string; ref: string }; now?: Date }): Promise<{ result: BenchmarkResult } | { unsupported: string }> {
  const { benchmarkFor, evaluateBenchmark } = await import('../detectors/cis/index.ts');
  let bench = opts.benchmark;
  if (!bench) {
    const { detectOs } = await import('../extractors/os/release/index.ts');
    const os = await detectOs(async (p) => ((await fs.stat(p)) ? fs.readFile(p) : null));
    bench = await benchmarkFor(os);
    if (!bench) return { unsupported: os ? `${os.id} ${os.versionId ?? os.codename ?? ''}`.trim() : 'an unknown system (no os-release)' };
  }
  return { result: await evaluateBenchmark(fs, bench, { level: opts.level, ...(opts.live ? { live: opts.live } : {}), target: opts.target, ...(opts.now ? { now: opts.now } : {}) }) };
}

/**
 * Opens the target, evaluates, closes.
 * @throws VigilError VIGIL_CONFIG "usage" (an unknown benchmark; no benchmark for the target's
 *   system, the message lists them), the sources' errors (not found, unsafe archive, SSH rules)
 */
export async function assessCisTarget(spec: CisTargetSpec): Promise<CisAssessment> {
  const { benchmarkById, loadBenchmarks } = await import('../detectors/cis/index.ts');
  const named = spec.benchmark ? await benchmarkById(spec.benchmark) : undefined;
  let fs: ScanFS;
  let live: LiveFacts | undefined;
  let ref = spec.ref;
  let ssh: CisAssessment['ssh'];
  if (spec.ssh) {
    const { openSshCisHost } = await import('../sources/ssh/index.ts');
    const snap = await openSshCisHost(spec.ssh);
    fs = snap.fs;
    live = snap.live;
    ref = snap.fs.target.ref;
    ssh = { hostKeyFingerprint: snap.hostKeyFingerprint, hostKeyType: snap.hostKeyType, notes: snap.notes, stats: snap.stats };
  } else {
    const { openDir, openTarget } = await import('../sources/index.ts');
    fs = spec.kind === 'host'
      ? await openDir(spec.ref, { rootfs: true, kind: 'host', ref: spec.ref })
      : await openTarget(spec.ref, spec.kind, { filter: cisContentFilter, ...(spec.platform ? { platform: spec.platform } : {}), ...(spec.registry ? { registry: spec.registry } : {}) });
    // host: the running state of this machine, only when the root is this machine's own
    if (spec.kind === 'host' && (await import('node:path')).resolve(spec.ref) === '/') live = await localLiveFacts();
  }
  try {
    const out = await evaluateSystem(fs, { level: spec.level, ...(named ? { benchmark: named } : {}), ...(live ? { live } : {}), target: { kind: spec.kind, ref } });
    if ('unsupported' in out) {
      const all = await loadBenchmarks();
      throw usage(`no CIS benchmark for ${out.unsupported}; name one with --benchmark: ${all.map((b) => `${b.id} (${b.platform.id.join('/')} ${b.platform.version_id.join('/')})`).join(', ')}`);
    }
    return { result: out.result, ...(ssh ? { ssh } : {}) };
  } finally {
    await fs.close();
  }
}
