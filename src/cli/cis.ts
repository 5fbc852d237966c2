/**
 * `vigil cis rootfs DIR | image REF | host [/ | ssh://user@host[:port]]`: a CIS benchmark assessment
 * of a system's files (and, for `host`, of its running state: read locally — /proc/sys, /proc/mounts,
 * systemctl is-active — or, over SSH, collected on the host by openSshCisHost).
 * Offline; no vulnerability database. The benchmark is chosen by the target's os-release unless
 * --benchmark names one.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import type { BenchmarkResult, CheckResult } from '../detectors/cis/schema.ts';
import type { LiveFacts } from '../detectors/cis/evaluate.ts';
import type { FileInfo, ScanFS } from '../sources/types.ts';
import { EXIT, readInputFile } from './exit.ts';
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
  identity?: string;
  passwordEnv?: string;
  passphraseEnv?: string;
  hostKey?: string;
}

const usage = (msg: string, input?: string): VigilError => new VigilError('VIGIL_CONFIG', msg, { ...(input !== undefined ? { input } : {}), rule: 'usage' });

/**
 * What the checks read, for sources that keep only wanted files (images): configuration under
 * /etc, package databases, vendor sysctl/modprobe/systemd directories, root's shell files, grub.
 */
export function cisContentFilter(info: FileInfo): boolean {
  const p = info.path;
  if (info.size > 8 * 1024 * 1024) return false;
  return p.startsWith('etc/') || p === 'var/lib/dpkg/status' || /^(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/rpmdb\.sqlite$/.test(p)
    || /^(usr\/)?lib\/(sysctl\.d|modprobe\.d)\//.test(p) || /^usr\/local\/lib\/(sysctl\.d|modprobe\.d)\//.test(p) || p === 'usr/lib/os-release'
    || /^(usr\/)?lib\/systemd\/system\/[^/]+\.mount$/.test(p) || p.startsWith('usr/share/systemd/') || p.startsWith('run/')
    || /^root\/\.(bashrc|bash_profile|profile)$/.test(p) || p === 'boot/grub/grub.cfg';
}

/** The running state of this machine, read locally (only for `vigil cis host /`). */
async function localLiveFacts(): Promise<LiveFacts> {
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
 * `ssh://user@host[:port]` and the credentials of the options as an SshTarget. The password and the
 * key's passphrase come from environment variables (never the command line, which `ps` shows).
 */
export async function sshTargetOf(ref: string, opts: Pick<CisOpts, 'identity' | 'passwordEnv' | 'passphraseEnv' | 'hostKey'>): Promise<import('../sources/ssh/index.ts').SshTarget> {
  let u: URL;
  try {
    u = new URL(ref);
  } catch {
    throw usage(`${JSON.stringify(ref)}: not an ssh://user@host[:port] address`, ref);
  }
  if (u.protocol !== 'ssh:' || !u.hostname) throw usage(`${JSON.stringify(ref)}: not an ssh://user@host[:port] address`, ref);
  if (!u.username) throw usage(`${JSON.stringify(ref)}: the user is required (ssh://user@host)`, ref);
  if (u.password) throw usage(`${JSON.stringify(ref)}: no password in the address; give --password-env VAR (an environment variable holding it)`, ref);
  if ((u.pathname && u.pathname !== '/') || u.search || u.hash) throw usage(`${JSON.stringify(ref)}: an SSH host address has no path, query or fragment`, ref);
  const envVar = (flag: string, name: string | undefined): string | undefined => {
    if (name === undefined) return undefined;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usage(`${flag} ${JSON.stringify(name)}: must be an environment variable's name`, name);
    const v = process.env[name];
    if (v === undefined || v === '') throw usage(`${flag} ${name}: the environment variable is not set`, name);
    return v;
  };
  const password = envVar('--password-env', opts.passwordEnv);
  const passphrase = envVar('--passphrase-env', opts.passphraseEnv);
  let privateKey: Buffer | undefined;
  if (opts.identity !== undefined) privateKey = await readInputFile(opts.identity, '--identity');
  if (!privateKey && !password) throw usage(`${JSON.stringify(ref)}: give --identity FILE (a private key) or --password-env VAR`, ref);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    username: decodeURIComponent(u.username),
    ...(u.port ? { port: Number(u.port) } : {}),
    ...(privateKey ? { privateKey } : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(password ? { password } : {}),
    ...(opts.hostKey !== undefined ? { hostKeyFingerprint: opts.hostKey } : {}),
  };
}

async function runCis(kind: 'rootfs' | 'image' | 'host', ref: string, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<CisOpts>();
  if (!FORMATS.includes(opts.format)) throw usage(`--format ${JSON.stringify(opts.format)}: must be one of ${FORMATS.join(', ')}`, opts.format);
  if (opts.level !== '1' && opts.level !== '2') throw usage(`--level ${JSON.stringify(opts.level)}: must be 1 or 2`, opts.level);
  if (opts.exitCode !== undefined && !/^\d+$/.test(opts.exitCode)) throw usage(`--exit-code ${JSON.stringify(opts.exitCode)}: must be a number`, opts.exitCode);
  const level = Number(opts.level) as 1 | 2;
  const { benchmarkById, benchmarkFor, evaluateBenchmark, loadBenchmarks } = await import('../detectors/cis/index.ts');
  // a named benchmark is checked before the target is opened (a usage error fails fast)
  const named = opts.benchmark ? await benchmarkById(opts.benchmark) : undefined;
  const { openDir, openTarget } = await import('../sources/index.ts');
  const overSsh = kind === 'host' && /^ssh:/i.test(ref);
  if (!overSsh && (opts.identity !== undefined || opts.passwordEnv !== undefined || opts.passphraseEnv !== undefined || opts.hostKey !== undefined)) {
    throw usage('--identity, --password-env, --passphrase-env and --host-key are for an ssh://user@host target');
  }
  let sshLive: LiveFacts | undefined;
  let targetRef = ref;
  let fs: ScanFS;
  if (overSsh) {
    const { openSshCisHost } = await import('../sources/ssh/index.ts');
    const target = await sshTargetOf(ref, opts);
    const snap = await openSshCisHost(target);
    sshLive = snap.live;
    targetRef = snap.fs.target.ref;
    fs = snap.fs;
    if (!opts.quiet) {
      process.stderr.write(`${targetRef}: host key ${snap.hostKeyFingerprint} (${snap.hostKeyType})${target.hostKeyFingerprint ? '' : '; pin it with --host-key'}; ${snap.stats.files} files, ${snap.stats.bytes} bytes in ${snap.stats.ms} ms\n`);
      for (const n of snap.notes) process.stderr.write(`note: ${n}\n`);
    }
  } else {
    fs = kind === 'host'
      ? await openDir(ref, { rootfs: true, kind: 'host', ref })
      : await openTarget(ref, kind, { filter: cisContentFilter, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.username ? { registry: { username: opts.username, password: opts.password ?? process.env.VIGIL_REGISTRY_PASSWORD } } : {}) });
  }
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
    // over SSH: the host's own, collected with its files
    const live = sshLive ?? (kind === 'host' && (await import('node:path')).resolve(ref) === '/' ? await localLiveFacts() : undefined);
    result = await evaluateBenchmark(fs, bench, { level, ...(live ? { live } : {}), target: { kind, ref: targetRef } });
  } finally {
    await fs.close();
  }
  const text = opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : opts.format === 'csv' ? renderCsv(result) : renderTable(result);
  if (opts.output) await writeFile(opts.output, text);
  else if (!(opts.quiet && opts.format === 'table')) process.stdout.write(text);
  if (opts.exitCode !== undefined && result.counts.FAIL > 0) process.exitCode = Number(opts.exitCode);
  else process.exitCode = EXIT.OK;
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
  cisOptions(cis.command('host').description('this machine (its running state too when the root is /), or an SSH host: ssh://user@host[:port]').argument('[root]', 'the root directory, or ssh://user@host[:port]', '/')
    .option('--identity <file>', 'SSH: a private key file (OpenSSH, PEM or PPK)')
    .option('--password-env <var>', 'SSH: the environment variable holding the password')
    .option('--passphrase-env <var>', 'SSH: the environment variable holding the private key\'s passphrase')
    .option('--host-key <fingerprint>', 'SSH: the expected host key, SHA256:… as ssh-keygen -l prints it (any other is refused)'))
    .action((ref: string, _o: unknown, cmd: Command) => runCis('host', ref, cmd));
}
