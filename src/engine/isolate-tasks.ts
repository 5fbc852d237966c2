/**
 * What runs inside the isolated scan process (isolate.ts starts it, isolate-child.ts is its entry):
 * one task per process, its result sent back over IPC.
 *
 * - `resource`: an engine scan job. The child opens its own store connection and does the whole
 *   scan — reach the bytes, collect, match and record in one transaction — so the parent's event
 *   loop never parses, matches or writes a large inventory (recording 300k packages holds SQLite for
 *   ~2 s; on the API's thread that is 2 s without /healthz). The record transaction is fenced by the
 *   job's claim (`fence`): it commits only while the job is still this run's, so a job that was
 *   claimed again elsewhere is never recorded twice. The result is the small ScanOutcome.
 * - `agent-report`: an agent's inventory, matched and recorded the same way.
 * - `cis-target`: one target of a CIS scan: its files (and live state) read, the benchmark
 *   evaluated, the results recorded (engine/cis.ts).
 * - `target`: `vigil scan …` / `vigil sbom …`: collect a target's inventory (and match it when
 *   `match` is given) and return it to the CLI, which filters and renders it.
 * - `cis`: `vigil cis …`: a CIS assessment of one target (engine/cis-cli.ts), its BenchmarkResult (and,
 *   over SSH, the host key and notes) returned to the CLI, which renders it.
 */
import type { RecordScanSummary } from '../findings/index.ts';
import type { Logger } from '../log.ts';
import type { Package } from '../model/package.ts';
import type { ScanResult, ScanTarget } from '../model/scan.ts';
import type { CodeFinding, SecretFinding } from '../model/code.ts';
import type { HashMessage } from '../sources/image/hash-thread.ts';
import type { TargetKind } from '../sources/index.ts';
import type { SecretKeySpec, Store } from '../store/index.ts';
import type { AgentReportInput } from './agent.ts';
import type { JobFence } from './queue/index.ts';
import type { PolicySpec, TargetPolicy } from '../policy/index.ts';
import { VigilError } from '../model/errors.ts';
import type { WireError } from './isolate.ts';
import type { ScanOutcome } from './scan.ts';
import type { CisAssessment, CisTargetSpec } from './cis-cli.ts';

/** A target the CLI names. */
export interface TargetSpec {
  kind: TargetKind | 'sbom';
  ref: string;
  scanners: string[];
  platform?: string;
  username?: string;
  password?: string;
  layers?: string[];
  rev?: string;
  /** false: leave out development-only dependencies (before matching) */
  dev?: boolean;
}

export type IsolatedTask =
  // secrets: the keyring of the engine's store (targets' credentials are sealed; engine/secrets.ts)
  | { kind: 'resource'; databaseUrl: string; resourceId: string; policy: PolicySpec; fence?: JobFence; now?: string; secrets?: SecretKeySpec }
  | { kind: 'agent-report'; databaseUrl: string; accountId: string; report: AgentReportInput; policy: PolicySpec; now?: string; secrets?: SecretKeySpec }
  | { kind: 'target'; target: TargetSpec; match?: MatchSpec }
  // POST /v1/sbom/scan: an uploaded SBOM's text, read and matched like `vigil scan sbom`; nothing is stored
  | { kind: 'sbom-document'; document: string; name: string; match: MatchSpec }
  // PUT/DELETE /v1/network/topologies/{name}: the uploaded AWS CLI outputs analysed and applied (engine/network.ts)
  // `vigil cis …`: a CIS assessment of one target (engine/cis-cli.ts); nothing is stored
  | { kind: 'cis'; target: CisTargetSpec }
  | { kind: 'network-topology'; databaseUrl: string; accountId: string; op: 'put' | 'delete'; name: string; files?: Record<string, string>; now?: string; secrets?: SecretKeySpec }
  // issue 18: one target of a CIS scan, assessed and recorded (engine/cis.ts runCisTarget)
  | { kind: 'cis-target'; databaseUrl: string; scanId: string; resourceId: string; policy: PolicySpec; now?: string; secrets?: SecretKeySpec };

/** Matching a collected inventory against the vulnerability database at `databaseUrl`. */
export interface MatchSpec { databaseUrl: string; hideUnfixed: boolean; createdAt: string; version: string }

/**
 * What an `sbom-document` task returns: the SBOM's format ("CycloneDX 1.6", "SPDX 2.3"), the
 * components it skipped (no usable purl), and the scan result of `vigil scan sbom --format json`.
 */
export interface SbomScanResult { format: string; skipped: { ref: string; reason: string }[]; result: ScanResult }

export type TaskEvent =
  | { type: 'progress'; phase: string; value: number; total?: number }
  // a big result's `packages` go first in parts (isolate-child.ts sendResult), the rest after them
  | { type: 'result-part'; packages: unknown[] }
  | { type: 'result'; value: unknown }
  | { type: 'error'; error: WireError }
  // a scan thread's layer digests, asked of the CLI's main thread (sources/image/hash-thread.ts)
  | HashMessage;

/** What a `target` task returns without matching. */
export interface CollectedTarget { target: ScanTarget; packages: Package[]; errors: ScanResult['errors']; secrets?: SecretFinding[]; code?: CodeFinding[] }

export type AgentReportSummary = { resourceId: string; targetId: string; packages: number; findings: number; created: number; closed: number };

/** Runs one task (in the isolated child). */
export async function runTask(task: IsolatedTask, log: Logger, emit: (e: TaskEvent) => void): Promise<unknown> {
  switch (task.kind) {
    case 'resource':
      return withStore(task.databaseUrl, task.secrets, log, async (store) => {
        const { scanResource } = await import('./scan.ts');
        // record nothing once the parent is gone (its job runs again elsewhere)
        // the tenants' target policy of the engine that started this scan (--allow-path, --allow-network)
        const policy = await policyOf(task.policy);
        const out: ScanOutcome = await scanResource({ store, log, now: clock(task.now), policy }, task.resourceId, {
          fence: task.fence, stillWanted: () => process.connected !== false,
          onRecord: (phase) => emit({ type: 'progress', phase: phase === 'start' ? 'recording' : 'recorded', value: 0 }),
        });
        return out;
      });
    case 'agent-report':
      return withStore(task.databaseUrl, task.secrets, log, async (store) => {
        const { recordAgentReport } = await import('./agent.ts');
        const policy = await policyOf(task.policy);
        const out: AgentReportSummary = await recordAgentReport({ store, log, now: clock(task.now), policy }, task.accountId, task.report);
        return out;
      });
    case 'target':
      return scanTarget(task.target, task.match, log, emit);
    case 'cis': {
      const { assessCisTarget } = await import('./cis-cli.ts');
      const out: CisAssessment = await assessCisTarget(task.target);
      return out;
    }
    case 'network-topology':
      return withStore(task.databaseUrl, task.secrets, log, async (store) => {
        const { putTopology, deleteTopology } = await import('./network.ts');
        const ctx = { store, now: clock(task.now) };
        if (task.op === 'delete') return deleteTopology(ctx, task.accountId, task.name);
        return putTopology(ctx, { accountId: task.accountId, name: task.name, files: task.files ?? {} });
      });
    case 'cis-target':
      return withStore(task.databaseUrl, task.secrets, log, async (store) => {
        const { runCisTarget } = await import('./cis.ts');
        const policy = await policyOf(task.policy);
        return runCisTarget({ store, log, now: clock(task.now), policy }, task.scanId, task.resourceId);
      });
    case 'sbom-document': {
      const { readSbom } = await import('../integrations/sbom/index.ts');
      const sb = readSbom(task.document, task.name);
      const progress = (phase: string, value: number, total?: number) => emit({ type: 'progress', phase, value, ...(total !== undefined ? { total } : {}) });
      const result = await matchCollected({ target: { ...sb.target, kind: 'sbom' }, packages: sb.packages, errors: [] }, task.match, progress);
      const out: SbomScanResult = { format: sb.format, skipped: sb.skipped, result };
      return out;
    }
  }
}

/**
 * Loads the modules a task of `kind` imports, ahead of the task (a prestarted scan thread waiting
 * for its command to reach the scan). A module that fails to load fails the task when it imports it.
 */
export function preloadTask(kind: 'target' | 'cis'): void {
  const modules = kind === 'cis'
    ? [import('./cis-cli.ts')]
    : [import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'), import('../sources/index.ts'), import('../detectors/run.ts'),
      import('../store/index.ts'), import('../vulndb/query.ts'), import('../matching/index.ts'), import('../findings/scan-result.ts')];
  for (const m of modules) m.catch(() => undefined);
}

/**
 * The engine's target policy of a task. Imported here, not at the top: `vigil scan` (a `target`
 * task) needs none, and the policy module loads node:http, node:https (tls) and ipaddr.js.
 */
async function policyOf(spec: PolicySpec): Promise<TargetPolicy> {
  return (await import('../policy/index.ts')).TargetPolicy.fromSpec(spec);
}

function clock(now: string | undefined): () => Date {
  return now ? () => new Date(now) : () => new Date();
}

async function withStore<T>(url: string, secrets: SecretKeySpec | undefined, log: Logger, f: (store: Store) => Promise<T>): Promise<T> {
  const { openStore, SecretKeyring } = await import('../store/index.ts');
  const store = await openStore(url, {
    onIdleError: (err) => log.warn({ err: err.message }, 'PostgreSQL ended an idle connection'),
    ...(secrets ? { secrets: SecretKeyring.fromSpec(secrets) } : {}),
  });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** A path that exists, or "<path>:<tag>" of one (an OCI layout or archive with a tag). */
async function isLocalPath(ref: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  if (await stat(ref).then(() => true, () => false)) return true;
  const i = ref.lastIndexOf(':');
  return i > 0 && !ref.slice(i + 1).includes('/') && (await stat(ref.slice(0, i)).then(() => true, () => false));
}

/** Collects a target's inventory and, with `match`, matches it into a ScanResult. */
async function scanTarget(spec: TargetSpec, match: MatchSpec | undefined, log: Logger, emit: (e: TaskEvent) => void): Promise<ScanResult | CollectedTarget> {
  const progress = (phase: string, value: number, total?: number) => emit({ type: 'progress', phase, value, ...(total !== undefined ? { total } : {}) });
  let collected: CollectedTarget;
  if (spec.kind === 'sbom') {
    const [{ readFile }, { readSbom }] = await Promise.all([import('node:fs/promises'), import('../integrations/sbom/index.ts')]);
    // a missing SBOM is "not found" (the CLI's exit 4), never a raw ENOENT
    const bytes = await readFile(spec.ref).catch((err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT' || err.code === 'ENOTDIR';
      throw new VigilError(missing ? 'VIGIL_NOT_FOUND' : 'VIGIL_INVALID_INPUT', `SBOM ${spec.ref}: ${missing ? 'no such file' : `cannot be read (${err.code === 'EISDIR' ? 'a directory' : (err.code ?? err.message)})`}`, { input: spec.ref, rule: missing ? 'not-found' : 'unreadable', cause: err });
    });
    const sb = readSbom(bytes, spec.ref);
    collected = { target: { ...sb.target, kind: 'sbom', ref: spec.ref }, packages: sb.packages, errors: [] };
  } else {
    collected = await inventoryOf(spec.kind, spec, log, progress);
  }
  if (spec.dev === false) collected.packages = collected.packages.filter((p) => !p.dev);
  if (!match) return collected;
  // secret and code need no vulnerability database
  if (!spec.scanners.includes('vuln') && !spec.scanners.includes('malware')) {
    return {
      schemaVersion: 1, tool: { name: 'vigil', version: match.version }, createdAt: match.createdAt, target: collected.target,
      packages: collected.packages, findings: [], unknown: [], errors: collected.errors, fixes: [],
      ...(collected.secrets ? { secrets: collected.secrets } : {}), ...(collected.code ? { code: collected.code } : {}),
    };
  }
  const matched = await matchCollected(collected, match, progress);
  if (collected.secrets) matched.secrets = collected.secrets;
  if (collected.code) matched.code = collected.code;
  return matched;
}

/**
 * Matches a collected inventory into a ScanResult (what `vigil scan` reports).
 * @throws VigilError VIGIL_CONFIG rule "database-empty" when the vulnerability database has no record
 */
async function matchCollected(collected: CollectedTarget, match: MatchSpec, progress: (phase: string, value: number, total?: number) => void): Promise<ScanResult> {
  const [{ openStore }, { packageLookup }, { matchInventory }, { buildScanResult, loadAdvisoryContext }] = await Promise.all([
    import('../store/index.ts'), import('../vulndb/query.ts'), import('../matching/index.ts'), import('../findings/scan-result.ts'),
  ]);
  const store = await openStore(match.databaseUrl);
  try {
    // one row is enough to know the database is not empty (a count reads every page of an index:
    // ~20 ms on a 260 MB database, in every scan)
    const any = await store.db.selectFrom('vuln_records').select('id').limit(1).executeTakeFirst();
    if (!any) {
      throw new VigilError('VIGIL_CONFIG', `the vulnerability database at ${match.databaseUrl} is empty: run \`vigil db update\` (online) or \`vigil db import <dir>\` first`, { rule: 'database-empty' });
    }
    const packages = collected.packages;
    progress('matching', 0, packages.length);
    const report = await matchInventory(packages, packageLookup(store), { hideUnfixed: match.hideUnfixed });
    progress('matching', packages.length, packages.length);
    const ids = report.packages.flatMap((p) => p.matches.map((m) => m.id));
    const ctx = await loadAdvisoryContext(store, ids);
    return buildScanResult({ target: collected.target, packages, errors: collected.errors, report, ctx, createdAt: match.createdAt, version: match.version });
  } finally {
    await store.close();
  }
}

async function inventoryOf(kind: TargetKind, spec: TargetSpec, log: Logger, progress: (phase: string, value: number, total?: number) => void): Promise<CollectedTarget> {
  const [{ collectInventory, contentFilterFor, scanTargetOf }, { extractorsFor }, { detectOs, OS_RELEASE_PATHS }, { openTarget }] = await Promise.all([
    import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'), import('../sources/index.ts'),
  ]);
  const extractors = extractorsFor(spec.scanners);
  const password = spec.password ?? process.env.VIGIL_REGISTRY_PASSWORD;
  // registry credentials (~/.docker/config.json) only for a reference that is no local path
  const dockerConfig = kind === 'image' && !(await isLocalPath(spec.ref)) ? await import('../sources/registry/index.ts').then((m) => m.loadDockerConfig()).catch(() => undefined) : undefined;
  // issue 17: the secret and code scanners read files of their own
  const detectors = await import('../detectors/run.ts').then((m) => m.detectorsFor(spec.scanners));
  const packageFilter = contentFilterFor(extractors, OS_RELEASE_PATHS);
  const filter = detectors.filters.length ? (info: Parameters<typeof packageFilter>[0]) => packageFilter(info) || detectors.filters.some((f) => f(info)) : packageFilter;
  const fs = await openTarget(spec.ref, kind, {
    filter,
    platform: spec.platform,
    registry: {
      ...(spec.username ? { credentials: { username: spec.username, password: password ?? '' } } : {}),
      ...(dockerConfig ? { dockerConfig } : {}),
    },
    zipLayers: spec.layers,
    rev: spec.rev,
    onLayer: (ev) => progress('layers', ev.phase === 'done' ? ev.index + 1 : ev.index, ev.count),
    // a large plain tar layer's digest is checked below, once the scan has read what it needs (the
    // layer is hashed on another thread meanwhile: sources/image/hash-thread.ts)
    deferDigests: true,
  });
  try {
    const inv = await collectInventory(fs, {
      extractors, detectOs, log,
      onProgress: (p) => progress(p.phase === 'walk' ? 'files' : 'extracting', p.phase === 'walk' ? p.files : p.extracted, p.total),
    });
    const out: CollectedTarget = { target: scanTargetOf(fs, inv.os), packages: inv.packages, errors: inv.errors };
    await detectors.run(fs, out, progress);
    await fs.verify?.();
    return out;
  } finally {
    await fs.close();
  }
}

export type { RecordScanSummary };
