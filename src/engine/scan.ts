/**
 * Scanning one resource for the engine: reach its bytes (registry image, SSH host, git commit,
 * uploaded function, root filesystem), collect the inventory, match it and record the scan.
 * Unreachable targets and unsupported systems become coverage states, not failed jobs.
 */
import { rm, writeFile } from 'node:fs/promises';
import { UNMANAGED_EC2_INSTANCE } from '../findings/network.ts';
import { join } from 'node:path';
import { buildScanResult, loadAdvisoryContext, recordScan, setCoverage, type RecordScanSummary, type ResourceInput } from '../findings/index.ts';
import type { Logger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import { VigilError } from '../model/errors.ts';
import type { Package } from '../model/package.ts';
import type { CodeFinding, SecretFinding } from '../model/code.ts';
import type { Detectors } from '../detectors/run.ts';
import type { TargetPolicy } from '../policy/index.ts';
import { summarizeSkipped, type ScanResult, type ScanTarget } from '../model/scan.ts';
import type { FileError, ScanFS } from '../sources/types.ts';
import { makeScratchDir, redactScratch } from '../sources/vfs/scratch.ts';
import type { Kysely } from 'kysely';
import type { Database, Store } from '../store/index.ts';
import { packageLookup } from '../vulndb/query.ts';
import { holdClaim, type JobFence } from './queue/index.ts';
import { pauseAt } from './testpoint.ts';
import { getTarget, registryPlainHttp, repositoryCredentials, updateTargetState, type FunctionConfig, type HostConfig, type RegistryConfig, type RepositoryConfig, type RootfsConfig, type Target } from './targets.ts';

export const ENGINE_VERSION = '0.1.0';

/** Scan settings of an account (server/schemas.ts ScanSettings). */
export interface ScanSettings {
  mode: 'basic' | 'enhanced';
  rescanDuration: string;
  rescanFrom: 'push' | 'pull';
  autoEnable: boolean;
  /** issue 19: images not running for this many days leave continuous scanning; null/absent = never */
  stopScanningAfterNotRunningDays?: number | null;
  /** issue 17: absent means on */
  secretScanning?: boolean;
  codeScanning?: boolean;
  /** issue 20: host deep inspection (absent means on) and its custom directories */
  hostDeepInspection?: boolean;
  hostInspectionPaths?: string[];
}

export interface EngineContext {
  store: Store;
  log: Logger;
  /** the clock (tests move it) */
  now(): Date;
  /** what tenants' targets may reach (vigil server --allow-path / --allow-network); every source is opened through it */
  policy: TargetPolicy;
}

/** Coverage reasons (Inspector's names where it has one). */
export const COVERAGE = {
  pending: 'PENDING_INITIAL_SCAN',
  ok: 'SUCCESSFUL',
  unreachable: 'UNREACHABLE',
  unsupportedOs: 'UNSUPPORTED_OS',
  stale: 'STALE_INVENTORY',
  expired: 'SCAN_ELIGIBILITY_EXPIRED',
  untagged: 'IMAGE_UNTAGGED',
  /** issue 19: not running for scanSettings.stopScanningAfterNotRunningDays */
  notInUse: 'IMAGE_NOT_IN_USE',
  removed: 'RESOURCE_REMOVED',
  disabled: 'ACCOUNT_DISABLED',
  failed: 'SCAN_FAILED',
} as const;

/** Rules of errors that mean "could not reach it" rather than "it is broken". */
const UNREACHABLE_RULES = new Set(['unreachable', 'timeout', 'auth-failed', 'host-key-mismatch', 'handshake-failed', 'connection-lost', 'connection-failed', 'network', 'manifest-unknown', 'name-unknown', 'not-found', 'git-clone', 'git-fetch', 'not-allowed']);

export async function accountSettings(store: Store, accountId: string): Promise<{ status: string; settings: ScanSettings; organizationSettings?: ScanSettings } | null> {
  const a = await store.db.selectFrom('accounts').leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
    .select(['accounts.status', 'accounts.scan_settings', 'organizations.scan_settings as org_settings']).where('accounts.id', '=', accountId).executeTakeFirst();
  if (!a) return null;
  return { status: a.status, settings: JSON.parse(a.scan_settings) as ScanSettings, ...(a.org_settings ? { organizationSettings: JSON.parse(a.org_settings) as ScanSettings } : {}) };
}

/**
 * issue 20: the custom deep-inspection directories of an account's SSH hosts: its organization's and
 * its own; null when deep inspection is off (the organization's or the account's hostDeepInspection
 * is false: only the OS package databases are read).
 */
export function hostInspectionPathsOf(acct: { settings: ScanSettings; organizationSettings?: ScanSettings }): string[] | null {
  if (!hostDeepInspectionOf(acct)) return null;
  return [...new Set([...(acct.organizationSettings?.hostInspectionPaths ?? []), ...(acct.settings.hostInspectionPaths ?? [])])];
}

/** What an inventory reached from a resource gives: packages, OS, per-file errors, extra attributes. */
export interface Collected {
  target: ScanTarget;
  packages: Package[];
  errors: FileError[];
  os?: { ecosystem?: string };
  attributes?: Record<string, unknown>;
  /** issue 17: hardcoded secrets found (absent: this collection does not speak of secrets, and the resource's secret findings stay as they are) */
  secrets?: SecretFinding[];
  /** issue 17: code flaws found (absent: as for secrets) */
  code?: CodeFinding[];
}

/**
 * Matches an inventory against the database and records it as the resource's scan (one
 * transaction). Used by scans and by agent reports.
 */
export async function matchAndRecord(ctx: EngineContext, args: { accountId: string; resource: ResourceInput; collected: Collected; beforeCommit?: (trx: Kysely<Database>) => Promise<void>; onRecord?: (phase: 'start' | 'end') => void }): Promise<RecordScanSummary> {
  const { store } = ctx;
  const { packages } = args.collected;
  const report = await matchInventory(packages, packageLookup(store), {});
  const ids = report.packages.flatMap((p) => p.matches.map((m) => m.id));
  const advisoryCtx = await loadAdvisoryContext(store, ids);
  const now = ctx.now();
  const result: ScanResult = buildScanResult({
    target: args.collected.target, packages, errors: args.collected.errors, report, ctx: advisoryCtx,
    createdAt: now.toISOString(), version: ENGINE_VERSION,
  });
  if (args.collected.secrets) result.secrets = args.collected.secrets;
  if (args.collected.code) result.code = args.collected.code;
  await pauseAt('scan-before-record'); // test only (testpoint.ts); a no-op otherwise
  args.onRecord?.('start');
  try {
    return await recordScan(store, { accountId: args.accountId, resource: args.resource, result, now, beforeCommit: args.beforeCommit });
  } finally {
    args.onRecord?.('end');
  }
}

/**
 * The secret and code scanners a resource gets (issue 17), by the account's settings: secrets in
 * every type (images only in enhanced mode, as language packages), code in repositories and
 * functions (Inspector's Lambda code scanning and code security).
 */
export function detectorScanners(type: string, settings: ScanSettings): ('secret' | 'code')[] {
  const out: ('secret' | 'code')[] = [];
  if (settings.secretScanning !== false && (type !== 'image' || settings.mode === 'enhanced')) out.push('secret');
  if (settings.codeScanning !== false && (type === 'repository' || type === 'function')) out.push('code');
  return out;
}

/**
 * The inventory of `fs`, then the detectors over it. An engine scan always speaks of secrets and
 * code: a scanner that is off (or does not apply) gives none, which closes what it found before.
 */
async function collectFrom(fs: ScanFS, extractorsKind: 'os' | 'all', log: Logger, detectors?: Detectors): Promise<Collected> {
  const [{ collectInventory, scanTargetOf }, { extractorGroups }, { detectOs }] = await Promise.all([
    import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'),
  ]);
  const inv = await collectInventory(fs, { extractors: extractorGroups[extractorsKind], detectOs, log });
  const out: Collected = { target: scanTargetOf(fs, inv.os), packages: inv.packages, errors: inv.errors, os: inv.os ? { ecosystem: inv.os.ecosystem } : undefined };
  if (detectors) {
    await detectors.run(fs, out);
    out.secrets ??= [];
    out.code ??= [];
  }
  return out;
}

async function filterFor(kind: 'os' | 'all', detectors?: Detectors) {
  const [{ contentFilterFor }, { extractorGroups }, { OS_RELEASE_PATHS }] = await Promise.all([
    import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'),
  ]);
  const packageFilter = contentFilterFor(extractorGroups[kind], OS_RELEASE_PATHS);
  const extra = detectors?.filters ?? [];
  return extra.length ? (info: Parameters<typeof packageFilter>[0]) => packageFilter(info) || extra.some((f) => f(info)) : packageFilter;
}

/** issue 20: the files the language extractors want (a host's deep inspection), and the runtime binaries (read on demand). */
async function deepFilters() {
  const [{ contentFilterFor }, { extractorGroups }, { hostRuntimeFile }] = await Promise.all([import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/runtime/index.ts')]);
  return { filter: contentFilterFor(extractorGroups.language), runtimes: (info: Parameters<typeof hostRuntimeFile>[1]) => hostRuntimeFile(info.path, info) };
}

type ResourceRow = { id: string; account_id: string; type: string; name: string; ref: string | null; digest: string | null; tags: string; target_id: string | null; attributes: string; coverage_status: string; coverage_reason: string | null };

/** issue 20: host deep inspection is on unless the organization or the account turned it off. */
export function hostDeepInspectionOf(acct: { settings: ScanSettings; organizationSettings?: ScanSettings }): boolean {
  return acct.settings.hostDeepInspection !== false && acct.organizationSettings?.hostDeepInspection !== false;
}

/** Reaches a resource's bytes and collects its inventory. */
async function collectResource(ctx: EngineContext, r: ResourceRow, target: Target | null, settings: ScanSettings, inspectionPaths: string[] | null = []): Promise<Collected | null> {
  const [{ openTarget }, { detectorsFor }] = await Promise.all([import('../sources/index.ts'), import('../detectors/run.ts')]);
  const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
  const detectors = await detectorsFor(detectorScanners(r.type, settings));
  switch (r.type) {
    case 'image': {
      const cfg = (target?.config ?? {}) as RegistryConfig;
      const kind = settings.mode === 'basic' ? 'os' : 'all';
      const ref = r.ref ?? `${r.name}@${r.digest}`;
      const fs = await openTarget(ref, 'registry', {
        filter: await filterFor(kind, detectors),
        registry: {
          ...(cfg.username ? { credentials: { username: cfg.username, password: cfg.password ?? '' } } : {}),
          ...(cfg.url && registryPlainHttp(cfg.url) ? { plainHttp: true } : {}),
        },
        policy: ctx.policy,
      });
      try { return await collectFrom(fs, kind, ctx.log, detectors); } finally { await fs.close(); }
    }
    case 'rootfs': {
      const cfg = target?.config as RootfsConfig | undefined;
      const fs = await openTarget(cfg?.path ?? r.ref ?? r.name, 'rootfs', { filter: await filterFor('all', detectors), policy: ctx.policy });
      try { return await collectFrom(fs, 'all', ctx.log, detectors); } finally { await fs.close(); }
    }
    case 'repository': {
      const url = String(attrs.url ?? r.ref ?? r.name);
      const creds = target?.kind === 'repository' ? repositoryCredentials(target.config as RepositoryConfig) : undefined;
      const fs = await openTarget(url, 'git', { rev: r.digest ?? String(attrs.branch ?? 'HEAD'), policy: ctx.policy, ...(creds ? { gitCredentials: creds } : {}) });
      try { return await collectFrom(fs, 'all', ctx.log, detectors); } finally { await fs.close(); }
    }
    case 'function': {
      const code = attrs.codeDigest as string | undefined;
      if (!code) throw new VigilError('VIGIL_NOT_FOUND', `function ${r.name} has no uploaded version`, { input: r.name, rule: 'no-version' });
      const layers = (attrs.layerDigests as string[] | undefined) ?? [];
      const dir = await makeScratchDir('fn');
      try {
        const paths: string[] = [];
        for (const [i, d] of [code, ...layers].entries()) {
          const blob = await ctx.store.db.selectFrom('blobs').select('data').where('account_id', '=', r.account_id).where('digest', '=', d).executeTakeFirst();
          if (!blob) throw new VigilError('VIGIL_NOT_FOUND', `function ${r.name}: blob ${d} is missing`, { input: d, rule: 'blob-missing' });
          const p = join(dir, i === 0 ? 'code.zip' : `layer-${i}.zip`);
          await writeFile(p, blob.data);
          paths.push(p);
        }
        const fs = await openTarget(paths[0], 'zip', { zipLayers: paths.slice(1) });
        try {
          const c = await collectFrom(fs, 'all', ctx.log, detectors);
          c.target = { ...c.target, ref: r.name, digest: r.digest ?? undefined };
          return c;
        } finally { await fs.close(); }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    case 'host': {
      const cfg = (target?.config ?? {}) as HostConfig;
      if (cfg.mode === 'agent') return null;
      if (cfg.mode === 'hybrid' && typeof attrs.agentReportedAt === 'string' && ctx.now().getTime() - Date.parse(attrs.agentReportedAt) < 25 * 3_600_000) {
        return null; // an agent reports for this host
      }
      const { openSshHost, DEFAULT_HOST_SECRET_PATHS } = await import('../sources/ssh/index.ts');
      // issue 17: the host's secrets under its secretPaths (an empty list: none), read in their own view of the snapshot
      const secretPaths = detectorScanners('host', settings).includes('secret') ? (cfg.secretPaths ?? [...DEFAULT_HOST_SECRET_PATHS]) : [];
      const snap = await openSshHost({
        host: cfg.address!, port: cfg.port, username: cfg.username!, privateKey: cfg.privateKey, passphrase: cfg.passphrase,
        password: cfg.password, hostKeyFingerprint: cfg.hostKeyFingerprint,
      }, { policy: ctx.policy, secretPaths, ...(inspectionPaths ? { deepInspection: { paths: inspectionPaths, ...(await deepFilters()) } } : {}) });
      try {
        // the inventory from the package databases and the deep-inspection files (issue 20: language packages under
        // the default and the account's directories; runtime binaries read from the host as far as their extractors read,
        // the connection open until snap.fs.close()); the secrets from their own view (a file read only for secrets is no host package)
        const c = await collectFrom(snap.fs, 'all', ctx.log);
        if (snap.secretsFs) {
          await detectors.run(snap.secretsFs, c);
          c.errors.push(...snap.secretsFs.errors);
        }
        c.secrets ??= [];
        c.code ??= [];
        c.target = { ...c.target, kind: 'host', ref: r.name };
        // listening with process/pid, firewall texts and instanceId: what engine/network.ts analyses (null deletes a stale instanceId)
        c.attributes = { hostname: snap.hostname, hostKeyFingerprint: snap.hostKeyFingerprint, listening: snap.listening, firewall: { ...snap.firewall, collectedAt: ctx.now().toISOString() }, instanceId: snap.instanceId ?? null, ...(snap.machineId ? { machineId: snap.machineId } : {}), collectedBy: 'ssh' };
        return c;
      } finally {
        await snap.fs.close();
      }
    }
    default:
      throw new VigilError('VIGIL_INVALID_INPUT', `resource ${r.id}: cannot scan type ${r.type}`, { input: r.type, rule: 'resource-type' });
  }
}

export type ScanOutcome =
  | { status: 'recorded'; summary: RecordScanSummary }
  | { status: 'skipped'; reason: string }
  | { status: 'inactive'; reason: string; message: string }
  | { status: 'failed'; reason: string; message: string };

/**
 * Scans one resource now (in the isolated scan process, isolate-tasks.ts). Unreachable → coverage
 * INACTIVE/UNREACHABLE, with `lastError` on the resource and its target; no OS on a host or root
 * filesystem (or nothing at all in a basic-mode image) → UNSUPPORTED_OS. Other errors are thrown:
 * the engine records them (`recordScanFailure`) and the job retries. A recorded scan clears
 * `lastError` on the resource and its target in the same transaction.
 * @throws VigilError VIGIL_CONFLICT rule "lease-lost" when the job was claimed again before the
 *   record transaction could commit (nothing recorded)
 */
export interface ScanResourceOptions {
  /** the job this scan runs for: its record transaction commits only while the claim holds */
  fence?: JobFence;
  /** false when whoever asked for the scan is gone (an isolated scan whose parent died): record nothing */
  stillWanted?: () => boolean;
  /** told when the record transaction starts and when it ended (the runner pauses the job's heartbeats meanwhile) */
  onRecord?: (phase: 'start' | 'end') => void;
}

export async function scanResource(ctx: EngineContext, resourceId: string, opts: ScanResourceOptions = {}): Promise<ScanOutcome> {
  const { store } = ctx;
  const r = await store.db.selectFrom('resources').selectAll().where('id', '=', resourceId).executeTakeFirst();
  if (!r) return { status: 'skipped', reason: 'resource gone' };
  const acct = await accountSettings(store, r.account_id);
  if (!acct) return { status: 'skipped', reason: 'account gone' };
  if (acct.status !== 'ENABLED') {
    await setCoverage(store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.disabled, now: ctx.now() });
    return { status: 'inactive', reason: COVERAGE.disabled, message: 'the account is disabled' };
  }
  if (r.coverage_reason === COVERAGE.expired || r.coverage_reason === COVERAGE.untagged || r.coverage_reason === COVERAGE.notInUse || r.coverage_reason === COVERAGE.removed || r.coverage_reason === UNMANAGED_EC2_INSTANCE) {
    return { status: 'skipped', reason: r.coverage_reason };
  }
  const target = r.target_id ? await getTarget(store, r.target_id) : null;
  let collected: Collected | null;
  try {
    collected = await collectResource(ctx, r, target, acct.settings, hostInspectionPathsOf(acct));
  } catch (err) {
    const e = err as VigilError;
    const rule = e instanceof VigilError ? e.rule : undefined;
    if (rule && UNREACHABLE_RULES.has(rule)) {
      ctx.log.warn({ resource: r.id, rule, err: e.message }, 'resource unreachable');
      await setCoverage(store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.unreachable, now: ctx.now() });
      const message = redactScratch(e.message);
      await mergeAttributes(store, r.id, { lastError: message });
      if (target) await updateTargetState(store, target.id, { lastError: errorForTarget(target, r, message) }, ctx.now());
      return { status: 'inactive', reason: COVERAGE.unreachable, message };
    }
    throw err;
  }
  if (!collected) return { status: 'skipped', reason: 'an agent reports for this host' };
  const needsOs = r.type === 'host' || r.type === 'rootfs' || (r.type === 'image' && acct.settings.mode === 'basic');
  if (needsOs && !collected.os?.ecosystem) {
    await setCoverage(store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.unsupportedOs, now: ctx.now() });
    return { status: 'inactive', reason: COVERAGE.unsupportedOs, message: 'no supported operating system found' };
  }
  const summary = await matchAndRecord(ctx, {
    onRecord: opts.onRecord,
    accountId: r.account_id,
    resource: { id: r.id, type: r.type as ResourceInput['type'], name: r.name, ref: r.ref ?? undefined, digest: r.digest ?? undefined, tags: JSON.parse(r.tags) as string[] },
    collected,
    beforeCommit: async (trx) => {
      if (opts.stillWanted && !opts.stillWanted()) {
        throw new VigilError('VIGIL_CONFLICT', `resource ${r.id}: the process that asked for this scan is gone; nothing recorded`, { input: r.id, rule: 'lease-lost' });
      }
      if (opts.fence && !(await holdClaim(trx, store.dialect, opts.fence))) {
        throw new VigilError('VIGIL_CONFLICT', `resource ${r.id}: job ${opts.fence.id} (attempt ${opts.fence.attempt}) is no longer this run's; nothing recorded`, { input: opts.fence.id, rule: 'lease-lost' });
      }
      await mergeAttributesIn(trx, r.id, {
        ...(collected.attributes ?? {}),
        ...(collected.target.os ? { os: collected.target.os } : {}),
        fileErrors: collected.errors.length,
        // files skipped for archive limits: coverage stays SUCCESSFUL, marked partial (cleared by a complete scan)
        partial: summarizeSkipped(collected.errors),
        lastError: null,
      });
      if (target?.lastError) await trx.updateTable('targets').set({ last_error: null, updated_at: ctx.now().toISOString() }).where('id', '=', target.id).execute();
    },
  });
  if (r.type === 'host') await hostNetworkAfterScan(ctx, r.id);
  return { status: 'recorded', summary };
}

/**
 * (issue 16) A host's network findings and reachability after its sockets, firewall or instance id
 * were recorded (engine/network.ts). A failure is logged: it never fails the scan that recorded.
 */
export async function hostNetworkAfterScan(ctx: EngineContext, resourceId: string): Promise<void> {
  try {
    const { applyHostNetwork } = await import('./network.ts');
    await applyHostNetwork(ctx, resourceId);
  } catch (err) {
    ctx.log.warn({ resource: resourceId, err: (err as Error).message }, 'network findings of the host not updated');
  }
}

/** A target's lastError for a failure of one of its resources (a registry has many: name the image). */
export function errorForTarget(target: Target, r: { name: string; digest: string | null; type: string }, message: string): string {
  return target.kind === 'registry' ? `${r.name}${r.digest ? `@${r.digest}` : ''}: ${message}` : message;
}

/** Merges keys into a resource's attributes (null deletes a key). */
export async function mergeAttributes(store: Store, resourceId: string, patch: Record<string, unknown>): Promise<void> {
  await mergeAttributesIn(store.db, resourceId, patch);
}

/** mergeAttributes on a connection or inside a transaction. */
export async function mergeAttributesIn(db: Kysely<Database>, resourceId: string, patch: Record<string, unknown>): Promise<void> {
  const r = await db.selectFrom('resources').select('attributes').where('id', '=', resourceId).executeTakeFirst();
  if (!r) return;
  const a = JSON.parse(r.attributes) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete a[k];
    else a[k] = v;
  }
  await db.updateTable('resources').set({ attributes: JSON.stringify(a) }).where('id', '=', resourceId).execute();
}
