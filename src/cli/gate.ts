/**
 * `vigil gate IMAGE --policy FILE` (issue 19): scans the image as `vigil scan image` does (the same
 * isolated scan process and options) and evaluates a gate policy on the findings with the same
 * evaluator as the server's admission webhook and registry gate (findings/gate.ts). With `--server
 * URL --token KEY` it asks the server's `GET /v1/gate` instead, and `--policy` names a policy stored
 * there. Exit codes (exit.ts): 0 allowed (audit mode always), 5 denied, 1/2/4 for errors.
 */
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import { SEVERITY_ORDER, type ScanResult } from '../model/scan.ts';
import type { GateVerdict } from '../findings/gate.ts';
import { EXIT, readInputFile } from './exit.ts';
import { table } from './output.ts';
import { parseScanners, scanIsolated, scanProgress, limitsOf, VERSION, type ScanOpts } from './scan.ts';

interface GateOpts extends ScanOpts {
  policy?: string;
  server?: string;
  token?: string;
  accountId?: string;
}

/** What `vigil gate --format json` prints: where the verdict came from, and the verdict. */
export interface GateOutput extends GateVerdict {
  image: string;
  policy: string;
  source: 'scan' | 'server';
  /** the manifest digest scanned (scan) or resolved (server); null when unknown */
  digest: string | null;
  unknownReason?: string;
}

function render(out: GateOutput, color: boolean): string {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const violated = out.reasons.length > 0;
  const word = out.allowed ? (violated ? paint(33, 'ALLOWED (audit: violations reported)') : paint(32, 'ALLOWED')) : paint(31, 'DENIED');
  let text = `${word}  ${out.image}${out.digest ? ` (${out.digest})` : ''}\npolicy ${out.policy} (${out.mode}), ${out.source === 'server' ? 'verdict of the server' : 'scanned here'}; ${out.evaluated} finding${out.evaluated === 1 ? '' : 's'} looked at\n`;
  if (out.unknownReason) text += `unknown image: ${out.unknownReason}\n`;
  if (out.reasons.length) text += '\n' + table(['RULE', 'SEVERITY', 'VULNERABILITY', 'REASON'], out.reasons.map((r) => [r.rule, r.severity ?? '', r.vulnerabilityId, r.message]));
  if (out.exempted.length) text += `\nexempted: ${out.exempted.length}\n` + table(['KIND', 'VULNERABILITY', 'REASON'], out.exempted.map((e) => [e.kind, e.vulnerabilityId ?? '', e.reason]));
  return text;
}

async function viaServer(image: string, o: GateOpts): Promise<GateOutput> {
  if (!o.token) throw new VigilError('VIGIL_CONFIG', '--server needs --token (an API key; or VIGIL_TOKEN)', { rule: 'token' });
  let base: URL;
  try { base = new URL(o.server!); } catch { throw new VigilError('VIGIL_CONFIG', `--server ${JSON.stringify(o.server)}: not a URL (http[s]://host[:port])`, { input: o.server, rule: 'server-url' }); }
  const url = new URL('/v1/gate', base);
  url.searchParams.set('image', image);
  url.searchParams.set('policy', o.policy ?? 'default');
  if (o.accountId) url.searchParams.set('accountId', o.accountId);
  const { TargetPolicy } = await import('../policy/index.ts');
  const res = await TargetPolicy.operator().fetch(url.toString(), { headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
  const body = await res.json().catch(() => null) as ({ error?: { code?: string; message?: string } } & Record<string, unknown>) | null;
  if (!res.ok) {
    const msg = body?.error?.message ?? `HTTP ${res.status}`;
    if (res.status === 404) throw new VigilError('VIGIL_NOT_FOUND', `${url.origin}: ${msg}`, { input: o.policy ?? 'default', rule: 'server' });
    throw new VigilError(res.status === 400 ? 'VIGIL_INVALID_INPUT' : res.status === 401 || res.status === 403 ? 'VIGIL_UNAUTHORIZED' : 'VIGIL_NETWORK', `${url.origin}: ${msg}`, { rule: 'server' });
  }
  const v = body as unknown as GateVerdict & { resolved: { digest: string | null } | null; unknownReason?: string };
  return {
    image, policy: o.policy ?? 'default', source: 'server', digest: v.resolved?.digest ?? null, ...(v.unknownReason ? { unknownReason: v.unknownReason } : {}),
    allowed: v.allowed, mode: v.mode, reasons: v.reasons, exempted: v.exempted, evaluated: v.evaluated,
  };
}

async function viaScan(image: string, o: GateOpts): Promise<GateOutput> {
  if (!o.policy) throw new VigilError('VIGIL_CONFIG', 'vigil gate needs --policy FILE (or --server URL --token KEY)', { rule: 'policy' });
  const { parseGatePolicy, evaluateGate, gateFindingsOfScan } = await import('../findings/gate.ts');
  // the policy and the ignore file are read before the scan, so that a broken one fails fast
  const policy = parseGatePolicy((await readInputFile(o.policy, 'gate policy')).toString('utf8'), o.policy);
  let ignores: ((r: ScanResult) => void) | undefined;
  if (o.ignorefile) {
    const { applyIgnores, loadIgnoreFile } = await import('../integrations/ignore/index.ts');
    const rules = loadIgnoreFile(await readInputFile(o.ignorefile, 'ignore file'), o.ignorefile);
    ignores = (r) => applyIgnores(r, rules, new Date());
  }
  parseScanners(o.scanners);
  await limitsOf(o);
  const { createLogger, levelFor } = await import('../log.ts');
  const { resolveConfig } = await import('./config.ts');
  const log = createLogger(levelFor(o, 'warn'));
  const progress = await scanProgress(o);
  let result: ScanResult;
  try {
    result = await scanIsolated<ScanResult>('image', image, o, log, progress, { databaseUrl: resolveConfig(o).databaseUrl });
  } finally {
    progress.stop();
  }
  ignores?.(result);
  const now = process.env.VIGIL_NOW ? new Date(process.env.VIGIL_NOW) : new Date();
  const verdict = evaluateGate(policy, gateFindingsOfScan(result), { now });
  if (result.partial && !o.quiet) process.stderr.write(`vigil: partial scan: ${result.partial.skipped} file(s) skipped for limits; the verdict covers what was read\n`);
  return { image, policy: o.policy, source: 'scan', digest: result.target.digest ?? null, ...verdict };
}

export function registerGateCommand(program: Command): void {
  program.command('gate').description('decide whether an image may be deployed under a gate policy (exit 0 allowed, 5 denied)').argument('<image>', 'registry reference, OCI layout dir, or docker-save archive')
    .option('--policy <file|name>', 'the gate policy: a YAML/JSON file (docs/gating.md); with --server, the name of a policy stored there (default "default")')
    .option('-f, --format <format>', 'table|json', 'table')
    .option('--server <url>', "ask this Vigil server's GET /v1/gate instead of scanning here (the image as the server knows it)")
    .option('--token <key>', 'with --server: an API key (env VIGIL_TOKEN)')
    .option('--account-id <id>', "with --server: a member account's policy and images (delegated admin)")
    .option('--ignorefile <file>', 'OpenVEX JSON or a YAML ignore list: ignored findings are exempted')
    .option('--scanners <list>', 'what to look for: vuln, malware, secret, code', 'vuln,malware')
    .option('--platform <os/arch>', 'platform of a multi-platform image', 'linux/amd64')
    .option('--username <user>', 'registry user').option('--password <password>', 'registry password (or VIGIL_REGISTRY_PASSWORD)')
    .option('--scan-memory <MiB>', 'memory cap of the scan process (env VIGIL_SCAN_MEMORY; default 768)')
    .option('--scan-timeout <seconds>', 'wall-time cap of the scan process (env VIGIL_SCAN_TIMEOUT; default 900)')
    .action(async (image: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<GateOpts>();
      if (o.format !== 'table' && o.format !== 'json') throw new VigilError('VIGIL_CONFIG', `--format ${JSON.stringify(o.format)}: must be table or json`, { input: o.format, rule: 'format-name' });
      o.token ??= process.env.VIGIL_TOKEN;
      const out = o.server ? await viaServer(image, o) : await viaScan(image, o);
      out.reasons.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity ?? 'UNKNOWN') - SEVERITY_ORDER.indexOf(b.severity ?? 'UNKNOWN') || a.vulnerabilityId.localeCompare(b.vulnerabilityId));
      if (o.format === 'json') process.stdout.write(JSON.stringify({ tool: { name: 'vigil', version: VERSION }, ...out }, null, 2) + '\n');
      else if (!o.quiet) process.stdout.write(render(out, !!process.stdout.isTTY && !process.env.NO_COLOR));
      process.exitCode = out.allowed ? EXIT.OK : EXIT.DENIED;
    });
}
