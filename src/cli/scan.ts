/** `vigil scan …` and `vigil sbom …`: collect an inventory, match it, report. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import { SEVERITY_ORDER, summarizeSkipped, type ScanResult, type ScanTarget, type Severity } from '../model/scan.ts';
import { SCANNERS, type ScannerName } from '../model/code.ts';
import type { Package } from '../model/package.ts';
import type { Logger } from '../log.ts';
import type { TargetKind } from '../sources/index.ts';
import { resolveConfig } from './config.ts';
import { EXIT, readInputFile } from './exit.ts';
import { isInteractive } from './output.ts';

// Everything heavy (sources, extractors, store, matching, renderers) is imported by the actions
// when they run, so that registering the commands costs nothing at start-up.

export const VERSION = '0.1.0';

export interface ScanOpts {
  format: string;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  exitCode?: string;
  failOn?: string;
  failOnPartial?: boolean;
  ignorefile?: string;
  offline?: boolean;
  scanners: string;
  platform?: string;
  username?: string;
  password?: string;
  layer?: string[];
  ref?: string;
  dev?: boolean;
  showSuppressed?: boolean;
  scanMemory?: string;
  scanTimeout?: string;
  // globals
  home?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

const FORMATS = ['table', 'json', 'sarif', 'cyclonedx', 'spdx', 'csv'];

interface Progress {
  update(phase: string, value: number, total?: number): void;
  stop(): void;
}

/** A terminal progress line for the phases of a scan; silent when piped. */
export async function scanProgress(opts: ScanOpts): Promise<Progress> {
  if (!isInteractive(opts)) return { update: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ format: ' {phase} {bar} {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  let current = '';
  return {
    update(phase: string, value: number, total?: number) {
      if (!started) { bar.start(total ?? 0, value, { phase }); started = true; current = phase; }
      if (phase !== current || total !== undefined) { bar.setTotal(total ?? Math.max(value, 1)); current = phase; }
      bar.update(value, { phase });
    },
    stop() { if (started) bar.stop(); },
  };
}

/**
 * `--scanners`: vuln, malware, secret, code (comma-separated).
 * @throws VigilError VIGIL_CONFIG (exit 2, a usage error) for an empty list or an unknown name
 */
export function parseScanners(s: string): ScannerName[] {
  const list = s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
  const bad = list.find((x) => !(SCANNERS as readonly string[]).includes(x));
  if (bad !== undefined || list.length === 0) {
    throw new VigilError('VIGIL_CONFIG', `--scanners ${JSON.stringify(bad ?? s)}: ${bad === undefined ? 'name at least one scanner' : 'not a scanner'}; one or more of ${SCANNERS.join(', ')}`, { input: bad ?? s, rule: 'scanner-name' });
  }
  return [...new Set(list)] as ScannerName[];
}

function parseSeverities(s: string | undefined): Severity[] | undefined {
  if (!s) return undefined;
  const list = s.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean);
  for (const x of list) if (!SEVERITY_ORDER.includes(x as Severity)) throw new VigilError('VIGIL_INVALID_INPUT', `--severity ${JSON.stringify(x)}: must be one of ${SEVERITY_ORDER.join(', ')}`, { input: x, rule: 'severity-name' });
  return list as Severity[];
}

/** The isolated scan runner's caps from this command's flags (or the environment). */
export async function limitsOf(opts: ScanOpts) {
  const { resolveScanLimits } = await import('../engine/isolate.ts');
  return resolveScanLimits(opts);
}

/**
 * Collects a target's inventory — and matches it, with `match` — isolated (engine/isolate.ts, the
 * runner the server's scans use too: here in a worker thread unless VIGIL_SCAN_ISOLATION=process),
 * under --scan-memory/--scan-timeout.
 */
export async function scanIsolated<R>(kind: TargetKind | 'sbom', ref: string, opts: ScanOpts, log: Logger, progress: Progress, match?: { databaseUrl: string }): Promise<R> {
  const { cliScanInThread, runIsolated } = await import('../engine/isolate.ts');
  const thread = cliScanInThread();
  return runIsolated<R>({
    kind: 'target',
    target: {
      kind, ref, scanners: parseScanners(opts.scanners), platform: opts.platform,
      username: opts.username, password: opts.password, layers: opts.layer, rev: opts.ref, ...(opts.dev === false ? { dev: false } : {}),
    },
    ...(match ? { match: { databaseUrl: match.databaseUrl, hideUnfixed: !!opts.ignoreUnfixed, createdAt: process.env.VIGIL_NOW ?? new Date().toISOString(), version: VERSION } } : {}),
  }, { limits: await limitsOf(opts), thread, log, label: kind === 'sbom' ? `SBOM ${ref}` : `${kind} ${ref}`, onProgress: (e) => progress.update(e.phase, e.value, e.total) });
}

async function runScan(kind: TargetKind | 'sbom', ref: string, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<ScanOpts>();
  if (!FORMATS.includes(opts.format)) throw new VigilError('VIGIL_INVALID_INPUT', `--format ${JSON.stringify(opts.format)}: must be one of ${FORMATS.join(', ')}`, { input: opts.format, rule: 'format-name' });
  const severities = parseSeverities(opts.severity);
  const failOn = opts.failOn ? parseSeverities(opts.failOn)![0] : undefined;
  // lazyLogger: pino is loaded only if something is logged at the level (log.ts)
  const { lazyLogger, levelFor } = await import('../log.ts');
  const log = lazyLogger(levelFor(opts, 'warn'));
  const cfg = resolveConfig(opts);
  // the ignore file is read before the scan, so that a missing or broken one fails fast
  let ignores: { apply(r: ScanResult): void } | undefined;
  if (opts.ignorefile) {
    const { applyIgnores, loadIgnoreFile } = await import('../integrations/ignore/index.ts');
    const rules = loadIgnoreFile(await readInputFile(opts.ignorefile, 'ignore file'), opts.ignorefile);
    ignores = { apply: (r) => applyIgnores(r, rules, new Date()) };
  }
  const progress = await scanProgress(opts);
  await limitsOf(opts); // bad --scan-memory/--scan-timeout: a usage error before any work
  (await import('../engine/isolate.ts')).cliScanInThread(); // and a bad VIGIL_SCAN_ISOLATION
  // the renderers load while the scan runs (this thread waits for it)
  void import('../integrations/report/index.ts').catch(() => undefined);
  let result: ScanResult;
  try {
    result = await scanIsolated<ScanResult>(kind, ref, opts, log, progress, { databaseUrl: cfg.databaseUrl });
  } finally {
    progress.stop();
  }
  const scanners = parseScanners(opts.scanners);
  result.findings = result.findings.filter((f) => (f.type === 'malicious' ? scanners.includes('malware') : scanners.includes('vuln')));
  if (opts.ignoreUnfixed) result.findings = result.findings.filter((f) => f.fixAvailable || f.type === 'malicious');
  if (severities) {
    result.findings = result.findings.filter((f) => severities.includes(f.severity));
    if (result.secrets) result.secrets = result.secrets.filter((f) => severities.includes(f.severity));
    if (result.code) result.code = result.code.filter((f) => severities.includes(f.severity));
  }
  if (ignores) ignores.apply(result);
  await emit(result, opts);
  if (result.partial && opts.format !== 'table' && !opts.quiet) {
    const { partialLine } = await import('../integrations/report/table.ts');
    process.stderr.write(`vigil: ${partialLine(result.partial)}\n`);
  }
  const failing = [...result.findings, ...(result.secrets ?? []), ...(result.code ?? [])]
    .filter((f) => !f.suppressed && (!failOn || SEVERITY_ORDER.indexOf(f.severity) <= SEVERITY_ORDER.indexOf(failOn)));
  // findings decide first (the code the user chose); otherwise a partial scan fails with 3 when asked to
  if (opts.exitCode !== undefined && failing.length > 0) process.exitCode = Number(opts.exitCode);
  else if (opts.failOnPartial && result.partial) process.exitCode = EXIT.PARTIAL;
}

async function emit(result: ScanResult, opts: ScanOpts) {
  let text: string;
  const { renderCsv, renderJsonChunks, renderSarif, renderTable } = await import('../integrations/report/index.ts');
  // JSON is written as it is rendered: a big inventory's report never exists as one string
  if (opts.format === 'json') return writeChunks(renderJsonChunks(result), opts.output);
  const { toCycloneDx, toSpdx } = opts.format === 'cyclonedx' || opts.format === 'spdx' ? await import('../integrations/sbom/index.ts') : ({} as typeof import('../integrations/sbom/index.ts'));
  switch (opts.format) {
    case 'sarif': text = renderSarif(result); break;
    case 'csv': text = renderCsv(result); break;
    case 'cyclonedx': text = JSON.stringify(toCycloneDx(result, { vex: true }), null, 2) + '\n'; break;
    case 'spdx': text = JSON.stringify(toSpdx(result), null, 2) + '\n'; break;
    default: text = renderTable(result, { color: !opts.output && !!process.stdout.isTTY && !process.env.NO_COLOR, showSuppressed: !!opts.showSuppressed });
  }
  if (opts.output) await writeFile(opts.output, text);
  else if (!(opts.quiet && opts.format === 'table')) process.stdout.write(text);
}

/** Writes text pieces to `output` (a file) or stdout, in batches of about 1 MiB, honouring backpressure. */
async function writeChunks(chunks: Iterable<string>, output: string | undefined): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out: NodeJS.WritableStream = output ? createWriteStream(output) : process.stdout;
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
  };
  let batch: string[] = [];
  let size = 0;
  for (const c of chunks) {
    batch.push(c);
    size += c.length;
    if (size >= 1 << 20) {
      await write(batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (batch.length) await write(batch.join(''));
  if (output) await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
}

function scanOptions(c: Command): Command {
  return c
    .option('-f, --format <format>', `output format: ${FORMATS.join('|')}`, 'table')
    .option('-o, --output <file>', 'write the report to a file')
    .option('--severity <list>', 'only these severities (CRITICAL,HIGH,MEDIUM,LOW,NONE,UNKNOWN)')
    .option('--ignore-unfixed', 'hide vulnerabilities with no fixed version')
    .option('--exit-code <n>', 'exit with this code when findings remain (after filters and ignores)')
    .option('--fail-on <severity>', 'with --exit-code: only findings of this severity or worse count')
    .option('--fail-on-partial', 'exit 3 when files were skipped for a limit (a decompression bomb, a file too large, …) and no finding set --exit-code')
    .option('--ignorefile <file>', 'OpenVEX JSON or a YAML ignore list')
    .option('--offline', 'never use the network (the database must be imported already)')
    .option('--scanners <list>', `what to look for, comma-separated: ${SCANNERS.join(', ')} (secret and code need no vulnerability database)`, 'vuln,malware')
    .option('--no-dev', 'leave out development-only dependencies')
    .option('--show-suppressed', 'list suppressed findings in the table')
    .option('--scan-memory <MiB>', 'memory cap of the scan process (env VIGIL_SCAN_MEMORY; default 768)')
    .option('--scan-timeout <seconds>', 'wall-time cap of the scan process (env VIGIL_SCAN_TIMEOUT; default 900)');
}

export function registerScanCommands(program: Command): void {
  const scan = program.command('scan').description('scan a target for vulnerabilities and malicious packages');
  scanOptions(scan.command('image').description('an image: registry reference, OCI layout dir, or docker-save archive').argument('<ref>')
    .option('--platform <os/arch>', 'platform of a multi-platform image', 'linux/amd64')
    .option('--username <user>', 'registry user').option('--password <password>', 'registry password (or VIGIL_REGISTRY_PASSWORD)'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('image', ref, cmd));
  scanOptions(scan.command('fs').description('a directory (lockfiles, installed packages)').argument('<dir>'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('dir', ref, cmd));
  scanOptions(scan.command('rootfs').description('a root filesystem: a mounted disk or snapshot').argument('<dir>'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('rootfs', ref, cmd));
  scanOptions(scan.command('zip').description('a function package (zip), with its layers').argument('<file>')
    .option('--layer <zip...>', 'layer zips, applied under /opt'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('zip', ref, cmd));
  scanOptions(scan.command('repo').description('a git repository: a local path or clone URL').argument('<repo>')
    .option('--ref <ref>', 'branch, tag or commit', 'HEAD'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('git', ref, cmd));
  scanOptions(scan.command('sbom').description('an SBOM: CycloneDX 1.4–1.6 JSON or SPDX 2.3 JSON').argument('<file>'))
    .action((ref: string, _o: unknown, cmd: Command) => runScan('sbom', ref, cmd));

  program.command('sbom').description('write an SBOM of a target, without matching').argument('<target>')
    .option('-f, --format <format>', 'cyclonedx|spdx', 'cyclonedx')
    .option('-o, --output <file>', 'write to a file')
    .option('--kind <kind>', 'auto|dir|rootfs|image|zip|git', 'auto')
    .option('--platform <os/arch>', 'platform of a multi-platform image', 'linux/amd64')
    .option('--scanners <list>', 'vuln,malware', 'vuln,malware')
    .option('--scan-memory <MiB>', 'memory cap of the scan process (env VIGIL_SCAN_MEMORY; default 768)')
    .option('--scan-timeout <seconds>', 'wall-time cap of the scan process (env VIGIL_SCAN_TIMEOUT; default 900)')
    .action(async (ref: string, o: { format: string; output?: string; kind: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<ScanOpts>();
      const { lazyLogger } = await import('../log.ts');
      const log = lazyLogger(opts.verbose ? 'debug' : 'warn');
      const progress = await scanProgress(opts);
      let collected: { target: ScanTarget; packages: Package[]; errors: ScanResult['errors'] };
      try {
        collected = await scanIsolated(o.kind as TargetKind, ref, { ...opts, scanners: (o as { scanners?: string }).scanners ?? opts.scanners }, log, progress);
      } finally {
        progress.stop();
      }
      const result: ScanResult = {
        schemaVersion: 1, tool: { name: 'vigil', version: VERSION }, createdAt: process.env.VIGIL_NOW ?? new Date().toISOString(),
        target: collected.target, packages: collected.packages, findings: [], unknown: [], errors: collected.errors, fixes: [],
      };
      const skipped = summarizeSkipped(collected.errors);
      if (skipped) {
        result.partial = skipped;
        process.stderr.write(`vigil: partial: ${skipped.skipped} file${skipped.skipped === 1 ? '' : 's'} skipped for limits (${Object.keys(skipped.rules).join(', ')})\n`);
      }
      if (o.format !== 'cyclonedx' && o.format !== 'spdx') throw new VigilError('VIGIL_INVALID_INPUT', `--format ${JSON.stringify(o.format)}: must be cyclonedx or spdx`, { rule: 'format-name' });
      const { toCycloneDx, toSpdx } = await import('../integrations/sbom/index.ts');
      const text = JSON.stringify(o.format === 'spdx' ? toSpdx(result) : toCycloneDx(result, { vex: false }), null, 2) + '\n';
      if (o.output) await writeFile(o.output, text);
      else process.stdout.write(text);
    });
}
