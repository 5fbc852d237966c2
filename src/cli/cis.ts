/**
 * `vigil cis rootfs DIR | image REF | host [/]`: a CIS benchmark assessment of a system's files (and,
 * for `host`, of its running state read locally: /proc/sys, /proc/mounts, systemctl is-active).
 * Offline; no vulnerability database. The benchmark is chosen by the target's os-release unless
 * --benchmark names one.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { BenchmarkResult, CheckResult } from '../detectors/cis/schema.ts';
import type { LiveFacts } from '../detectors/cis/evaluate.ts';
import { EXIT } from './exit.ts';
import { table } from './output.ts';

const FORMATS = ['table', 'json', 'csv'];

interface CisOpts {
  format: string;
  output?: string;
  benchmark?: string;
  level: string;
  exitCode?: string;
  platform?: string;
  username?: string;
  password?: string;
  quiet?: boolean;
}

const usage = (msg: string, input?: string): VigilError => new VigilError('VIGIL_CONFIG', msg, { ...(input !== undefined ? { input } : {}), rule: 'usage' });

/** The running state of this machine, read locally (only for `vigil cis host /`, and the agent's assessment). */
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

async function runCis(kind: 'rootfs' | 'image' | 'host', ref: string, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<CisOpts>();
  if (!FORMATS.includes(opts.format)) throw usage(`--format ${JSON.stringify(opts.format)}: must be one of ${FORMATS.join(', ')}`, opts.format);
  if (opts.level !== '1' && opts.level !== '2') throw usage(`--level ${JSON.stringify(opts.level)}: must be 1 or 2`, opts.level);
  if (opts.exitCode !== undefined && !/^\d+$/.test(opts.exitCode)) throw usage(`--exit-code ${JSON.stringify(opts.exitCode)}: must be a number`, opts.exitCode);
  const level = Number(opts.level) as 1 | 2;
  const { benchmarkById, benchmarkFor, cisContentFilter, evaluateBenchmark, loadBenchmarks } = await import('../detectors/cis/index.ts');
  // a named benchmark is checked before the target is opened (a usage error fails fast)
  const named = opts.benchmark ? await benchmarkById(opts.benchmark) : undefined;
  const { openDir, openTarget } = await import('../sources/index.ts');
  const fs = kind === 'host'
    ? await openDir(ref, { rootfs: true, kind: 'host', ref })
    : await openTarget(ref, kind, { filter: cisContentFilter, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.username ? { registry: { username: opts.username, password: opts.password ?? process.env.VIGIL_REGISTRY_PASSWORD } } : {}) });
  let result: BenchmarkResult;
  try {
    let bench = named;
    if (!bench) {
      const { detectOs } = await import('../extractors/os/release/index.ts');
      const os = await detectOs(async (p) => ((await fs.stat(p)) ? fs.readFile(p) : null));
      bench = await benchmarkFor(os);
      if (!bench) {
        const all = await loadBenchmarks();
        const what = os ? `${os.id} ${os.versionId ?? os.codename ?? ''}`.trim() : 'an unknown system (no os-release)';
        throw usage(`no CIS benchmark for ${what}; name one with --benchmark: ${all.map((b) => `${b.id} (${b.platform.id.join('/')} ${b.platform.version_id.join('/')})`).join(', ')}`);
      }
    }
    // host: the running state of this machine, only when the root is this machine's own
    const live = kind === 'host' && (await import('node:path')).resolve(ref) === '/' ? await localLiveFacts() : undefined;
    result = await evaluateBenchmark(fs, bench, { level, ...(live ? { live } : {}), target: { kind, ref } });
  } finally {
    await fs.close();
  }
  const text = opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : opts.format === 'csv' ? renderCsv(result) : renderTable(result);
  if (opts.output) await writeFile(opts.output, text);
  else if (!(opts.quiet && opts.format === 'table')) process.stdout.write(text);
  if (opts.exitCode !== undefined && result.counts.FAIL > 0) process.exitCode = Number(opts.exitCode);
  else process.exitCode = EXIT.OK;
}

/**
 * The agent's CIS assessment of its host (issue 18): the benchmark its os-release calls for, at
 * Level 2 (which holds Level 1: the server cuts it to a scan's level), with the running state when
 * `root` is this machine's own. Undefined, with the reason, when no shipped benchmark fits.
 */
export async function assessLocalHost(root: string, now = new Date()): Promise<{ result?: BenchmarkResult; reason?: string }> {
  const [{ benchmarkFor, evaluateBenchmark }, { openDir }, { detectOs }, { resolve }] = await Promise.all([
    import('../detectors/cis/index.ts'), import('../sources/index.ts'), import('../extractors/os/release/index.ts'), import('node:path'),
  ]);
  const fs = await openDir(root, { rootfs: true, kind: 'host', ref: root });
  try {
    const os = await detectOs(async (p) => ((await fs.stat(p)) ? fs.readFile(p) : null));
    const bench = await benchmarkFor(os);
    if (!bench) return { reason: `no CIS benchmark for ${os ? `${os.id} ${os.versionId ?? ''}`.trim() : 'an unknown system (no os-release)'}` };
    const live = resolve(root) === '/' ? await localLiveFacts() : undefined;
    return { result: await evaluateBenchmark(fs, bench, { level: 2, ...(live ? { live } : {}), target: { kind: 'host', ref: root }, now }) };
  } finally {
    await fs.close();
  }
}

const firstEvidence = (c: CheckResult): string => {
  const e = c.evidence[0];
  if (!e) return '';
  const where = e.path ? `${e.path}${e.line ? `:${e.line}` : ''}: ` : '';
  return `${where}${e.message}`.replace(/\s+/g, ' ');
};

export function renderTable(r: BenchmarkResult): string {
  const head = `${r.benchmark.title} ${r.benchmark.version} — ${r.profile.title} — ${r.target.kind} ${r.target.ref}\n\n`;
  const rows = r.checks.map((c) => [c.id, c.level, c.status, c.title, firstEvidence(c)]);
  const counts = Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  return head + table(['ID', 'LEVEL', 'STATUS', 'TITLE', 'EVIDENCE'], rows) + `\n${r.checks.length} checks: ${counts}\n`;
}

const csvCell = (s: string | number): string => {
  let v = String(s);
  // a cell starting with = + - @ is a formula to a spreadsheet: quote it as text
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

export function renderCsv(r: BenchmarkResult): string {
  const lines = [['benchmark', 'profile', 'id', 'level', 'status', 'title', 'path', 'line', 'found', 'expected', 'message'].join(',')];
  for (const c of r.checks) {
    for (const e of c.evidence.length ? c.evidence : [{ message: '' }]) {
      lines.push([r.benchmark.id, r.profile.id, c.id, c.level, c.status, c.title, e.path ?? '', e.line ?? '', e.found ?? '', e.expected ?? '', e.message].map(csvCell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function cisOptions(c: Command): Command {
  return c
    .option('-f, --format <format>', `output format: ${FORMATS.join('|')}`, 'table')
    .option('-o, --output <file>', 'write the report to a file')
    .option('--benchmark <id>', 'the benchmark (default: chosen by the target\'s os-release)')
    .option('--level <n>', 'profile level: 1, or 2 (Level 1 checks included)', '1')
    .option('--exit-code <n>', 'exit with this code when any check fails');
}

export function registerCisCommands(program: Command): void {
  const cis = program.command('cis').description('assess a system against a CIS benchmark (offline)');
  cisOptions(cis.command('rootfs').description('a root filesystem: a mounted disk or snapshot').argument('<dir>'))
    .action((ref: string, _o: unknown, cmd: Command) => runCis('rootfs', ref, cmd));
  cisOptions(cis.command('image').description('an image: registry reference, OCI layout dir, or docker-save archive').argument('<ref>')
    .option('--platform <os/arch>', 'platform of a multi-platform image', 'linux/amd64')
    .option('--username <user>', 'registry user').option('--password <password>', 'registry password (or VIGIL_REGISTRY_PASSWORD)'))
    .action((ref: string, _o: unknown, cmd: Command) => runCis('image', ref, cmd));
  cisOptions(cis.command('host').description('this machine (its running state too when the root is /)').argument('[root]', 'the root directory', '/'))
    .action((ref: string, _o: unknown, cmd: Command) => runCis('host', ref, cmd));
}
