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
import type { CisAssessment, CisTargetSpec } from '../engine/cis-cli.ts';
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
  scanMemory?: string;
  scanTimeout?: string;
}

const usage = (msg: string, input?: string): VigilError => new VigilError('VIGIL_CONFIG', msg, { ...(input !== undefined ? { input } : {}), rule: 'usage' });


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

/**
 * Checks the options, then runs the assessment in the isolated scan process (engine/isolate.ts, the
 * runner `vigil scan` uses) under --scan-memory/--scan-timeout, and renders what it returns.
 */
async function runCis(kind: 'rootfs' | 'image' | 'host', ref: string, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<CisOpts>();
  if (!FORMATS.includes(opts.format)) throw usage(`--format ${JSON.stringify(opts.format)}: must be one of ${FORMATS.join(', ')}`, opts.format);
  if (opts.level !== '1' && opts.level !== '2') throw usage(`--level ${JSON.stringify(opts.level)}: must be 1 or 2`, opts.level);
  if (opts.exitCode !== undefined && !/^\d+$/.test(opts.exitCode)) throw usage(`--exit-code ${JSON.stringify(opts.exitCode)}: must be a number`, opts.exitCode);
  const level = Number(opts.level) as 1 | 2;
  const { cliScanInThread, resolveScanLimits, runIsolated } = await import('../engine/isolate.ts');
  // bad --scan-memory/--scan-timeout and a named benchmark that does not exist: usage errors before any work
  const limits = resolveScanLimits(opts);
  const thread = cliScanInThread();
  if (opts.benchmark) await (await import('../detectors/cis/index.ts')).benchmarkById(opts.benchmark);
  const overSsh = kind === 'host' && /^ssh:/i.test(ref);
  if (!overSsh && (opts.identity !== undefined || opts.passwordEnv !== undefined || opts.passphraseEnv !== undefined || opts.hostKey !== undefined)) {
    throw usage('--identity, --password-env, --passphrase-env and --host-key are for an ssh://user@host target');
  }
  const spec: CisTargetSpec = { kind, ref, level, ...(opts.benchmark ? { benchmark: opts.benchmark } : {}) };
  if (overSsh) {
    const target = await sshTargetOf(ref, opts);
    // key files are text (OpenSSH, PEM, PPK): a string crosses to the scan process as it is
    spec.ssh = { ...target, ...(target.privateKey ? { privateKey: target.privateKey.toString() } : {}) };
  }
  if (kind === 'image') {
    if (opts.platform) spec.platform = opts.platform;
    if (opts.username) spec.registry = { username: opts.username, password: opts.password ?? process.env.VIGIL_REGISTRY_PASSWORD };
  }
  const { createLogger, levelFor } = await import('../log.ts');
  const log = createLogger(levelFor(opts, 'warn'));
  const out = await runIsolated<CisAssessment>({ kind: 'cis', target: spec }, { limits, thread, log, label: `cis ${kind} ${overSsh ? (spec.ssh ? `ssh://${spec.ssh.username}@${spec.ssh.host}` : ref) : ref}` });
  const result = out.result;
  if (out.ssh && !opts.quiet) {
    const s = out.ssh;
    process.stderr.write(`${result.target.ref}: host key ${s.hostKeyFingerprint} (${s.hostKeyType})${spec.ssh?.hostKeyFingerprint ? '' : '; pin it with --host-key'}; ${s.stats.files} files, ${s.stats.bytes} bytes in ${s.stats.ms} ms\n`);
    for (const n of s.notes) process.stderr.write(`note: ${n}\n`);
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
  const [{ openDir }, { evaluateSystem, localLiveFacts }, { resolve }] = await Promise.all([import('../sources/index.ts'), import('../engine/cis-cli.ts'), import('node:path')]);
  const fs = await openDir(root, { rootfs: true, kind: 'host', ref: root });
  try {
    const live = resolve(root) === '/' ? await localLiveFacts() : undefined;
    const out = await evaluateSystem(fs, { level: 2, ...(live ? { live } : {}), target: { kind: 'host', ref: root }, now });
    return 'unsupported' in out ? { reason: `no CIS benchmark for ${out.unsupported}` } : { result: out.result };
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
    .option('--exit-code <n>', 'exit with this code when any check fails')
    .option('--scan-memory <MiB>', 'memory cap of the scan process (env VIGIL_SCAN_MEMORY; default 768)')
    .option('--scan-timeout <seconds>', 'wall-time cap of the scan process (env VIGIL_SCAN_TIMEOUT; default 900)');
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
