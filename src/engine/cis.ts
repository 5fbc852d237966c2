/**
 * CIS benchmark scans in the server (issue 18; Inspector's CIS scan configurations as the model).
 *
 * A **configuration** says what to assess — resources of some accounts (the owner's own, or a
 * delegated admin's members), optionally narrowed by key/value resource tags and resource types
 * (hosts and root filesystems by default; images on request) — at which level, and when
 * (engine/cis-schedule.ts). The tick (engine/index.ts) starts a **scan** when a configuration is
 * due: it claims the run by moving `next_run_at` (a conditional update, so two processes never start
 * the same run), lists the targets, and queues one `engine-cis-target` job per target. Each job
 * assesses one resource in the isolated scan process:
 *
 * | resource | what is read |
 * | --- | --- |
 * | root filesystem | its directory, through the operator's path policy |
 * | image | the registry image's files the checks read (cisContentFilter) |
 * | SSH host | a snapshot over SSH: the checked files, live sysctl/units/mounts/audit rules, the filesystem facts (src/sources/ssh `openSshCisHost`) |
 * | agent host | the assessment its agent made on the host at its last report (`vigil agent`, Level 2, evaluated there); older than two days → SKIPPED STALE_AGENT_RESULT |
 *
 * The benchmark is chosen per target by its os-release (UNSUPPORTED_OS when none fits). A target's
 * check results and the scan's counters are written in one transaction that first moves the
 * target from QUEUED/IN_PROGRESS to its final state: a job delivered twice records once. The scan
 * is COMPLETED when every target is done.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Kysely, Selectable } from 'kysely';
import { VigilError } from '../model/errors.ts';
import type { BenchmarkResult, CheckResult, CheckStatus } from '../detectors/cis/schema.ts';
import type { LiveFacts } from '../detectors/cis/evaluate.ts';
import type { ScanFS } from '../sources/types.ts';
import type { Database, Store } from '../store/index.ts';
import { nextRun, Schedule } from './cis-schedule.ts';
import { resourcesWithTags, tagSelector } from './resource-tags.ts';
import { COVERAGE, accountSettings, type EngineContext } from './scan.ts';
import { getTarget, registryPlainHttp, type HostConfig, type RegistryConfig, type RootfsConfig } from './targets.ts';

export const CIS_RESOURCE_TYPES = ['host', 'rootfs', 'image'] as const;
export type CisResourceType = (typeof CIS_RESOURCE_TYPES)[number];
export const DEFAULT_CIS_RESOURCE_TYPES: CisResourceType[] = ['host', 'rootfs'];
export const SECURITY_LEVELS = ['LEVEL_1', 'LEVEL_2'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

/** An agent's assessment older than this is not used (as an agent's inventory goes stale). */
export const CIS_AGENT_RESULT_MAX_AGE_MS = 2 * 86_400_000;
/** The most targets one scan takes (a larger selection is cut, and the scan says so). */
export const CIS_MAX_TARGETS = 5000;

export const CisTargets = z.strictObject({
  accountIds: z.array(z.string().min(1).max(200)).min(1).max(100).describe('the accounts whose resources are assessed (yours; a delegated admin: any of the organization)'),
  resourceTags: tagSelector(10).optional()
    .describe('only resources with these tags: every key, with one of its values'),
  resourceTypes: z.array(z.enum(CIS_RESOURCE_TYPES)).min(1).max(3).optional().describe(`resource types assessed (default ${DEFAULT_CIS_RESOURCE_TYPES.join(', ')})`),
});
export type CisTargets = z.infer<typeof CisTargets>;

export const CisConfigInput = z.strictObject({
  name: z.string().min(1).max(128).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters'),
  securityLevel: z.enum(SECURITY_LEVELS).describe('LEVEL_1, or LEVEL_2 (which includes Level 1)'),
  schedule: Schedule,
  targets: CisTargets,
});
export type CisConfigInput = z.infer<typeof CisConfigInput>;
export const CisConfigPatch = CisConfigInput.partial();
export type CisConfigPatch = z.infer<typeof CisConfigPatch>;

export type CisConfigRow = Selectable<Database['cis_scan_configs']>;
export type CisScanRow = Selectable<Database['cis_scans']>;
export type CisTargetRow = Selectable<Database['cis_scan_targets']>;

const levelOf = (l: SecurityLevel): 1 | 2 => (l === 'LEVEL_2' ? 2 : 1);
export const securityLevelOf = (n: number): SecurityLevel => (n === 2 ? 'LEVEL_2' : 'LEVEL_1');

// ─── configurations ────────────────────────────────────────────────────────────────────────────

export async function createCisConfig(store: Store, ownerAccountId: string, input: CisConfigInput, now: Date): Promise<CisConfigRow> {
  const at = now.toISOString();
  const row: CisConfigRow = {
    id: `cisc-${randomUUID()}`, account_id: ownerAccountId, name: input.name, level: levelOf(input.securityLevel),
    schedule: JSON.stringify(input.schedule), targets: JSON.stringify(input.targets), status: 'ACTIVE',
    next_run_at: nextRun(input.schedule, now)?.toISOString() ?? null, last_run_at: null, created_at: at, updated_at: at,
  };
  await store.db.insertInto('cis_scan_configs').values(row).execute();
  return row;
}

/** Changes a configuration; a new schedule sets the next run from now (a one-time one runs again). */
export async function updateCisConfig(store: Store, id: string, patch: CisConfigPatch, now: Date): Promise<CisConfigRow | undefined> {
  const set: Partial<CisConfigRow> = { updated_at: now.toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.securityLevel !== undefined) set.level = levelOf(patch.securityLevel);
  if (patch.targets !== undefined) set.targets = JSON.stringify(patch.targets);
  if (patch.schedule !== undefined) {
    set.schedule = JSON.stringify(patch.schedule);
    set.next_run_at = nextRun(patch.schedule, now)?.toISOString() ?? null;
    set.status = 'ACTIVE';
  }
  await store.db.updateTable('cis_scan_configs').set(set).where('id', '=', id).execute();
  return getCisConfig(store, id);
}

export async function getCisConfig(store: Store, id: string): Promise<CisConfigRow | undefined> {
  return store.db.selectFrom('cis_scan_configs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listCisConfigs(store: Store, accountIds: readonly string[]): Promise<CisConfigRow[]> {
  if (!accountIds.length) return [];
  return store.db.selectFrom('cis_scan_configs').selectAll().where('account_id', 'in', [...accountIds]).orderBy('name').orderBy('id').execute();
}

/** Deletes a configuration (its scans and their results stay, for history). */
export async function deleteCisConfig(store: Store, id: string): Promise<boolean> {
  const r = await store.db.deleteFrom('cis_scan_configs').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function configView(r: CisConfigRow) {
  return {
    id: r.id, accountId: r.account_id, name: r.name, securityLevel: securityLevelOf(Number(r.level)),
    schedule: JSON.parse(r.schedule) as Schedule, targets: JSON.parse(r.targets) as CisTargets,
    status: r.status as 'ACTIVE' | 'DONE', nextRunAt: r.next_run_at, lastRunAt: r.last_run_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** The accounts a configuration's owner may assess now: itself, or (a delegated admin) its organization's. */
export async function ownerScope(db: Kysely<Database>, ownerAccountId: string): Promise<string[]> {
  const a = await db.selectFrom('accounts').select(['id', 'organization_id', 'is_delegated_admin']).where('id', '=', ownerAccountId).executeTakeFirst();
  if (!a) return [];
  if (Number(a.is_delegated_admin) !== 1) return [a.id];
  return (await db.selectFrom('accounts').select('id').where('organization_id', '=', a.organization_id).execute()).map((x) => x.id);
}

// ─── scans ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The configurations due now, each claimed for this run: `next_run_at` moves to the next run after
 * `now` (a one-time configuration becomes DONE) in a conditional update, so a configuration is
 * started by one process only. A server that was down past several runs starts one, not a backlog.
 */
export async function claimDueConfigs(store: Store, now: Date): Promise<{ config: CisConfigRow; scanDate: string }[]> {
  const due = await store.db.selectFrom('cis_scan_configs').selectAll().where('status', '=', 'ACTIVE').where('next_run_at', '<=', now.toISOString()).execute();
  const out: { config: CisConfigRow; scanDate: string }[] = [];
  for (const c of due) {
    const schedule = JSON.parse(c.schedule) as Schedule;
    const next = nextRun(schedule, now, true);
    const r = await store.db.updateTable('cis_scan_configs')
      .set({ next_run_at: next?.toISOString() ?? null, status: next ? 'ACTIVE' : 'DONE', last_run_at: c.next_run_at, updated_at: now.toISOString() })
      .where('id', '=', c.id).where('next_run_at', '=', c.next_run_at).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) out.push({ config: c, scanDate: c.next_run_at! });
  }
  return out;
}

/**
 * Starts a scan of a configuration: the targets it selects now, each QUEUED (the caller queues
 * their jobs). Resources of accounts the owner no longer sees are left out; resources removed from
 * coverage (RESOURCE_REMOVED) and images no longer tagged (IMAGE_UNTAGGED) or past their rescan
 * duration are not targets.
 */
export async function startCisScan(store: Store, config: CisConfigRow, opts: { scanDate: string; by: 'schedule' | 'api'; now: Date }): Promise<{ scan: CisScanRow; resourceIds: string[] }> {
  const t = JSON.parse(config.targets) as CisTargets;
  const scope = new Set(await ownerScope(store.db, config.account_id));
  const accounts = t.accountIds.filter((a) => scope.has(a));
  const types = t.resourceTypes ?? DEFAULT_CIS_RESOURCE_TYPES;
  let rows = accounts.length === 0 ? [] : await store.db.selectFrom('resources').select(['id', 'account_id', 'type', 'name', 'coverage_reason'])
    .where('account_id', 'in', accounts).where('type', 'in', types).orderBy('name').orderBy('id').execute();
  // not targets: what is no longer there (removed; an image no longer tagged or past its rescan duration)
  const gone: (string | null)[] = [COVERAGE.removed, COVERAGE.untagged, COVERAGE.expired];
  rows = rows.filter((r) => !gone.includes(r.coverage_reason));
  if (t.resourceTags && Object.keys(t.resourceTags).length) {
    const tagged = await resourcesWithTags(store.db, accounts, t.resourceTags);
    rows = rows.filter((r) => tagged.has(r.id));
  }
  rows = rows.slice(0, CIS_MAX_TARGETS);
  const at = opts.now.toISOString();
  const scan: CisScanRow = {
    id: `cis-${randomUUID()}`, config_id: config.id, account_id: config.account_id, name: config.name, level: Number(config.level),
    status: rows.length ? 'IN_PROGRESS' : 'COMPLETED', scheduled_by: opts.by, scan_date: opts.scanDate, completed_at: rows.length ? null : at,
    targets_total: rows.length, targets_done: 0, passed: 0, failed: 0, skipped: 0, errors: 0, manual: 0,
  };
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('cis_scans').values(scan).execute();
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('cis_scan_targets').values(rows.slice(i, i + 200).map((r) => ({
        scan_id: scan.id, resource_id: r.id, account_id: r.account_id, resource_type: r.type, resource_name: r.name, benchmark_id: null,
        status: 'QUEUED', reason: null, message: null, collected_at: null, passed: 0, failed: 0, skipped: 0, errors: 0, manual: 0, started_at: null, completed_at: null,
      }))).execute();
    }
  });
  return { scan, resourceIds: rows.map((r) => r.id) };
}

export async function getCisScan(store: Store, id: string): Promise<CisScanRow | undefined> {
  return store.db.selectFrom('cis_scans').selectAll().where('id', '=', id).executeTakeFirst();
}

export function scanView(r: CisScanRow) {
  const checks = { passed: Number(r.passed), failed: Number(r.failed), skipped: Number(r.skipped), errors: Number(r.errors), manual: Number(r.manual) };
  return {
    id: r.id, configurationId: r.config_id, accountId: r.account_id, name: r.name, securityLevel: securityLevelOf(Number(r.level)),
    status: r.status as 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED', scheduledBy: r.scheduled_by as 'schedule' | 'api', scanDate: r.scan_date, completedAt: r.completed_at,
    targets: { total: Number(r.targets_total), done: Number(r.targets_done) },
    checks: { ...checks, total: checks.passed + checks.failed + checks.skipped + checks.errors + checks.manual },
  };
}

export function targetView(r: CisTargetRow) {
  const counts = { passed: Number(r.passed), failed: Number(r.failed), skipped: Number(r.skipped), errors: Number(r.errors), manual: Number(r.manual) };
  return {
    scanId: r.scan_id, resourceId: r.resource_id, accountId: r.account_id, resourceType: r.resource_type, resourceName: r.resource_name,
    benchmarkId: r.benchmark_id, status: r.status as 'QUEUED', reason: r.reason, message: r.message, collectedAt: r.collected_at,
    counts, startedAt: r.started_at, completedAt: r.completed_at,
  };
}

/** Cancels a scan: its targets not yet done become CANCELLED; what was recorded stays. */
export async function cancelCisScan(store: Store, id: string, now: Date): Promise<CisScanRow | undefined> {
  const at = now.toISOString();
  await store.db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('cis_scan_targets').set({ status: 'CANCELLED', completed_at: at }).where('scan_id', '=', id).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).executeTakeFirst();
    const n = Number(r.numUpdatedRows);
    await trx.updateTable('cis_scans').set((eb) => ({ status: 'CANCELLED', completed_at: at, targets_done: eb('targets_done', '+', n) })).where('id', '=', id).where('status', '=', 'IN_PROGRESS').execute();
  });
  return getCisScan(store, id);
}

// ─── one target ────────────────────────────────────────────────────────────────────────────────

/** How a target ended when it was not assessed. */
export interface CisTargetSkip { status: 'SKIPPED' | 'FAILED'; reason: string; message: string; benchmarkId?: string }

/** What assessing one target gave. */
export type CisAssessment = { result: BenchmarkResult; collectedAt: string } | CisTargetSkip;

const UNREACHABLE_RULES = new Set(['unreachable', 'timeout', 'auth-failed', 'host-key-mismatch', 'handshake-failed', 'connection-lost', 'connection-failed', 'network', 'manifest-unknown', 'name-unknown', 'not-found', 'not-allowed', 'no-shell']);

/**
 * Assesses one target of a scan and records it (the engine-cis-target job, in the isolated scan
 * process). A target already done (a job delivered twice, a cancelled scan) is left alone.
 * Unreachable resources end FAILED/UNREACHABLE; other errors are thrown for the job to retry
 * (the engine records FAILED/SCAN_FAILED after the last attempt: {@link finishCisTarget}).
 */
export async function runCisTarget(ctx: EngineContext, scanId: string, resourceId: string): Promise<{ status: string; reason?: string | null }> {
  const { store } = ctx;
  const t = await store.db.selectFrom('cis_scan_targets').selectAll().where('scan_id', '=', scanId).where('resource_id', '=', resourceId).executeTakeFirst();
  if (!t || (t.status !== 'QUEUED' && t.status !== 'IN_PROGRESS')) return { status: t?.status ?? 'GONE' };
  const scan = await getCisScan(store, scanId);
  if (!scan || scan.status !== 'IN_PROGRESS') return { status: scan?.status ?? 'GONE' };
  await store.db.updateTable('cis_scan_targets').set({ status: 'IN_PROGRESS', started_at: ctx.now().toISOString() })
    .where('scan_id', '=', scanId).where('resource_id', '=', resourceId).where('status', '=', 'QUEUED').execute();
  let outcome: CisAssessment;
  try {
    outcome = await assessResource(ctx, resourceId, Number(scan.level) as 1 | 2);
  } catch (err) {
    const rule = err instanceof VigilError ? err.rule : undefined;
    if (!rule || !UNREACHABLE_RULES.has(rule)) throw err;
    outcome = { status: 'FAILED', reason: COVERAGE.unreachable, message: (err as Error).message };
  }
  await finishCisTarget(store, scanId, resourceId, outcome, ctx.now());
  return 'result' in outcome ? { status: 'COMPLETED' } : { status: outcome.status, reason: outcome.reason };
}

/**
 * Records a target's end — its results, or why it was skipped or failed — and the scan's counters,
 * in one transaction that moves the target out of QUEUED/IN_PROGRESS first (nothing is recorded
 * when it already left them). The scan is COMPLETED with its last target.
 */
export async function finishCisTarget(store: Store, scanId: string, resourceId: string, outcome: CisAssessment, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const counts = { passed: 0, failed: 0, skipped: 0, errors: 0, manual: 0 };
  if ('result' in outcome) for (const c of outcome.result.checks) counts[bucketOf(c.status)]++;
  return store.db.transaction().execute(async (trx) => {
    const moved = await trx.updateTable('cis_scan_targets').set({
      status: 'result' in outcome ? 'COMPLETED' : outcome.status,
      reason: 'result' in outcome ? null : outcome.reason,
      message: 'result' in outcome ? null : outcome.message.slice(0, 2000),
      benchmark_id: 'result' in outcome ? outcome.result.benchmark.id : (outcome.benchmarkId ?? null),
      collected_at: 'result' in outcome ? outcome.collectedAt : null,
      ...counts, completed_at: at,
    }).where('scan_id', '=', scanId).where('resource_id', '=', resourceId).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return false;
    const t = await trx.selectFrom('cis_scan_targets').select('account_id').where('scan_id', '=', scanId).where('resource_id', '=', resourceId).executeTakeFirstOrThrow();
    if ('result' in outcome) {
      await trx.deleteFrom('cis_check_results').where('scan_id', '=', scanId).where('resource_id', '=', resourceId).execute();
      const rows = outcome.result.checks.map((c) => ({
        scan_id: scanId, resource_id: resourceId, account_id: t.account_id, check_id: c.id, title: c.title, level: c.level, status: c.status, evidence: JSON.stringify(c.evidence),
      }));
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('cis_check_results').values(rows.slice(i, i + 200)).execute();
    }
    await trx.updateTable('cis_scans').set((eb) => ({
      targets_done: eb('targets_done', '+', 1),
      passed: eb('passed', '+', counts.passed), failed: eb('failed', '+', counts.failed), skipped: eb('skipped', '+', counts.skipped),
      errors: eb('errors', '+', counts.errors), manual: eb('manual', '+', counts.manual),
    })).where('id', '=', scanId).execute();
    await trx.updateTable('cis_scans').set({ status: 'COMPLETED', completed_at: at })
      .where('id', '=', scanId).where('status', '=', 'IN_PROGRESS').whereRef('targets_done', '>=', 'targets_total').execute();
    return true;
  });
}

/** A check status in the scan's counters: NOT_APPLICABLE counts as skipped. */
function bucketOf(s: CheckStatus): 'passed' | 'failed' | 'skipped' | 'errors' | 'manual' {
  return s === 'PASS' ? 'passed' : s === 'FAIL' ? 'failed' : s === 'ERROR' ? 'errors' : s === 'MANUAL' ? 'manual' : 'skipped';
}

/** Reaches a resource's files (and live state) and evaluates the benchmark its OS calls for. */
export async function assessResource(ctx: EngineContext, resourceId: string, level: 1 | 2): Promise<CisAssessment> {
  const { store } = ctx;
  const r = await store.db.selectFrom('resources').selectAll().where('id', '=', resourceId).executeTakeFirst();
  if (!r) return { status: 'SKIPPED', reason: 'RESOURCE_GONE', message: 'the resource was deleted' };
  const acct = await accountSettings(store, r.account_id);
  if (!acct || acct.status !== 'ENABLED') return { status: 'SKIPPED', reason: COVERAGE.disabled, message: 'the account is disabled' };
  const target = r.target_id ? await getTarget(store, r.target_id) : null;
  const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
  const now = ctx.now();
  const { openTarget } = await import('../sources/index.ts');
  const { cisContentFilter } = await import('../detectors/cis/index.ts');
  switch (r.type) {
    case 'rootfs': {
      const cfg = target?.config as RootfsConfig | undefined;
      const fs = await openTarget(cfg?.path ?? r.ref ?? r.name, 'rootfs', { policy: ctx.policy });
      return evaluateFs(fs, level, undefined, now, { kind: 'rootfs', ref: r.name });
    }
    case 'image': {
      const cfg = (target?.config ?? {}) as RegistryConfig;
      const fs = await openTarget(r.ref ?? `${r.name}@${r.digest}`, 'registry', {
        filter: cisContentFilter, policy: ctx.policy,
        registry: {
          ...(cfg.username ? { credentials: { username: cfg.username, password: cfg.password ?? '' } } : {}),
          ...(cfg.url && registryPlainHttp(cfg.url) ? { plainHttp: true } : {}),
        },
      });
      return evaluateFs(fs, level, undefined, now, { kind: 'image', ref: r.digest ? `${r.name}@${r.digest}` : r.name });
    }
    case 'host': {
      const cfg = (target?.config ?? {}) as HostConfig;
      const agentRecent = typeof attrs.agentReportedAt === 'string' && now.getTime() - Date.parse(attrs.agentReportedAt) < 25 * 3_600_000;
      if (cfg.mode === 'agent' || (cfg.mode === 'hybrid' && agentRecent)) return agentAssessment(store, r.id, level, now);
      const { openSshCisHost } = await import('../sources/ssh/index.ts');
      const snap = await openSshCisHost({
        host: cfg.address!, port: cfg.port, username: cfg.username!, privateKey: cfg.privateKey, passphrase: cfg.passphrase,
        password: cfg.password, hostKeyFingerprint: cfg.hostKeyFingerprint,
      }, { policy: ctx.policy });
      return evaluateFs(snap.fs, level, snap.live, now, { kind: 'host', ref: r.name });
    }
    default:
      return { status: 'SKIPPED', reason: 'UNSUPPORTED_RESOURCE_TYPE', message: `CIS benchmarks assess hosts, root filesystems and images, not ${r.type}` };
  }
}

/** Evaluates the benchmark of the system in `fs` (closed after). */
async function evaluateFs(fs: ScanFS, level: 1 | 2, live: LiveFacts | undefined, now: Date, target: { kind: string; ref: string }): Promise<CisAssessment> {
  try {
    const { evaluateSystem } = await import('./cis-cli.ts');
    const out = await evaluateSystem(fs, { level, ...(live ? { live } : {}), target, now });
    if ('unsupported' in out) return { status: 'SKIPPED', reason: COVERAGE.unsupportedOs, message: `no CIS benchmark for ${out.unsupported}` };
    return { result: out.result, collectedAt: now.toISOString() };
  } finally {
    await fs.close();
  }
}

/** An agent host: the assessment its agent sent last, cut to the scan's level. */
async function agentAssessment(store: Store, resourceId: string, level: 1 | 2, now: Date): Promise<CisAssessment> {
  const a = await store.db.selectFrom('cis_agent_results').selectAll().where('resource_id', '=', resourceId).executeTakeFirst();
  if (!a) return { status: 'SKIPPED', reason: 'NO_AGENT_RESULT', message: 'the host\'s agent has sent no CIS assessment (vigil agent sends one with each report unless --no-cis)' };
  if (now.getTime() - Date.parse(a.collected_at) > CIS_AGENT_RESULT_MAX_AGE_MS) {
    return { status: 'SKIPPED', reason: 'STALE_AGENT_RESULT', message: `the agent's last CIS assessment is from ${a.collected_at}, over two days old`, benchmarkId: a.benchmark_id };
  }
  const full = JSON.parse(a.result) as BenchmarkResult;
  return { result: atLevel(full, level), collectedAt: a.collected_at };
}

/** A result cut to a level's checks (Level 2 holds Level 1's), its counts recomputed. */
export function atLevel(r: BenchmarkResult, level: 1 | 2): BenchmarkResult {
  const checks = r.checks.filter((c) => c.level <= level);
  const counts = { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, ERROR: 0, MANUAL: 0 } as Record<CheckStatus, number>;
  for (const c of checks) counts[c.status]++;
  return { ...r, profile: { ...r.profile, level, id: level === r.profile.level ? r.profile.id : `level${level}`, title: level === r.profile.level ? r.profile.title : `Level ${level}` }, checks, counts };
}

// ─── agents' assessments ───────────────────────────────────────────────────────────────────────

const EvidenceSchema = z.strictObject({
  path: z.string().max(4096).optional(), line: z.number().int().min(0).max(100_000_000).optional(),
  found: z.string().max(4000).optional(), expected: z.string().max(4000).optional(), message: z.string().max(4000),
});
const CheckResultSchema = z.strictObject({
  id: z.string().min(1).max(64), title: z.string().min(1).max(500), level: z.union([z.literal(1), z.literal(2)]),
  status: z.enum(['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL']), evidence: z.array(EvidenceSchema).max(25), live: z.boolean().optional(),
});
/** A CIS assessment an agent sends (a BenchmarkResult, every field bounded), with when it was made. */
export const AgentCisResult = z.strictObject({
  benchmark: z.strictObject({ id: z.string().min(1).max(100), title: z.string().max(300), version: z.string().max(50) }),
  profile: z.strictObject({ id: z.string().max(100), title: z.string().max(300), level: z.union([z.literal(1), z.literal(2)]) }),
  target: z.strictObject({ kind: z.string().max(50), ref: z.string().max(4096) }),
  checks: z.array(CheckResultSchema).max(2000),
  counts: z.record(z.string(), z.number().int().min(0)),
  collectedAt: z.string().datetime({ offset: true }).optional(),
});
export type AgentCisResult = z.infer<typeof AgentCisResult>;

/**
 * Checks an agent's assessment as the API does, against the shipped benchmark it names (known
 * benchmark, known check ids).
 * @throws VigilError VIGIL_INVALID_INPUT naming the field ("cis.checks.3.status")
 */
export async function checkAgentCis(v: unknown): Promise<AgentCisResult> {
  const r = AgentCisResult.safeParse(v);
  if (!r.success) {
    const i = r.error.issues[0];
    const at = ['cis', ...i.path.map(String)].join('.');
    throw new VigilError('VIGIL_INVALID_INPUT', `agent report: ${at}: ${i.message}`, { input: at, rule: 'cis-result' });
  }
  const { loadBenchmarks } = await import('../detectors/cis/index.ts');
  const bench = (await loadBenchmarks()).find((b) => b.id === r.data.benchmark.id);
  if (!bench) throw new VigilError('VIGIL_INVALID_INPUT', `agent report: cis.benchmark.id: ${JSON.stringify(r.data.benchmark.id)} is no benchmark this server knows`, { input: 'cis.benchmark.id', rule: 'cis-result' });
  const ids = new Set(bench.checks.map((c) => c.id));
  const bad = r.data.checks.find((c) => !ids.has(c.id));
  if (bad) throw new VigilError('VIGIL_INVALID_INPUT', `agent report: cis.checks: ${JSON.stringify(bad.id)} is no check of ${bench.id}`, { input: 'cis.checks', rule: 'cis-result' });
  return r.data;
}

/** Keeps an agent's latest assessment of its host (replacing the one before). */
export async function recordAgentCis(db: Kysely<Database>, r: { resourceId: string; accountId: string }, result: AgentCisResult, now: Date): Promise<void> {
  const collectedAt = result.collectedAt && Date.parse(result.collectedAt) <= now.getTime() ? new Date(result.collectedAt).toISOString() : now.toISOString();
  const { collectedAt: _drop, ...rest } = result;
  const row = { resource_id: r.resourceId, account_id: r.accountId, benchmark_id: result.benchmark.id, collected_at: collectedAt, result: JSON.stringify(rest) };
  await db.insertInto('cis_agent_results').values(row)
    .onConflict((oc) => oc.column('resource_id').doUpdateSet({ benchmark_id: row.benchmark_id, collected_at: row.collected_at, result: row.result, account_id: row.account_id })).execute();
}

// ─── results ───────────────────────────────────────────────────────────────────────────────────

export const CHECK_RESULT_STATUSES = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'] as const;

/** A scan's targets visible in `accountIds`, by name. */
export async function scanTargets(store: Store, scanId: string, accountIds: readonly string[], f: { status?: string[] } = {}): Promise<CisTargetRow[]> {
  if (!accountIds.length) return [];
  let q = store.db.selectFrom('cis_scan_targets').selectAll().where('scan_id', '=', scanId).where('account_id', 'in', [...accountIds]);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  return q.orderBy('resource_name').orderBy('resource_id').execute();
}

/** Results by check: each check's status counts over the scan's targets (visible ones), in check-id order. */
export async function scanChecks(store: Store, scanId: string, accountIds: readonly string[], f: { status?: string[]; checkId?: string } = {}) {
  if (!accountIds.length) return [];
  let q = store.db.selectFrom('cis_check_results').select(['check_id', 'title', 'level', 'status']).select((eb) => eb.fn.countAll<number>().as('n'))
    .where('scan_id', '=', scanId).where('account_id', 'in', [...accountIds]);
  if (f.checkId) q = q.where('check_id', '=', f.checkId);
  const rows = await q.groupBy(['check_id', 'title', 'level', 'status']).execute();
  const by = new Map<string, { checkId: string; title: string; level: number; counts: Record<CheckStatus, number> }>();
  for (const r of rows) {
    let c = by.get(r.check_id);
    if (!c) by.set(r.check_id, (c = { checkId: r.check_id, title: r.title, level: Number(r.level), counts: { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, ERROR: 0, MANUAL: 0 } }));
    c.counts[r.status as CheckStatus] += Number(r.n);
  }
  let out = [...by.values()].sort((a, b) => compareCheckIds(a.checkId, b.checkId));
  if (f.status?.length) out = out.filter((c) => f.status!.some((s) => c.counts[s as CheckStatus] > 0));
  return out;
}

/** "1.2.10" after "1.2.9". */
export function compareCheckIds(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isInteger(nx) && Number.isInteger(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (d) return d;
  }
  return 0;
}

export interface CisResultRow { resourceId: string; resourceName: string; resourceType: string; accountId: string; benchmarkId: string | null; checkId: string; title: string; level: number; status: CheckStatus; evidence: unknown[] }

/** Check results of a scan (visible targets), by resource then check; filtered. */
export async function scanResults(store: Store, scanId: string, accountIds: readonly string[], f: { resourceId?: string; checkId?: string; status?: string[] } = {}): Promise<CisResultRow[]> {
  if (!accountIds.length) return [];
  let q = store.db.selectFrom('cis_check_results as r').innerJoin('cis_scan_targets as t', (j) => j.onRef('t.scan_id', '=', 'r.scan_id').onRef('t.resource_id', '=', 'r.resource_id'))
    .select(['r.resource_id', 't.resource_name', 't.resource_type', 'r.account_id', 't.benchmark_id', 'r.check_id', 'r.title', 'r.level', 'r.status', 'r.evidence'])
    .where('r.scan_id', '=', scanId).where('r.account_id', 'in', [...accountIds]);
  if (f.resourceId) q = q.where('r.resource_id', '=', f.resourceId);
  if (f.checkId) q = q.where('r.check_id', '=', f.checkId);
  if (f.status?.length) q = q.where('r.status', 'in', f.status);
  const rows = await q.execute();
  return rows.map((r) => ({
    resourceId: r.resource_id, resourceName: r.resource_name, resourceType: r.resource_type, accountId: r.account_id, benchmarkId: r.benchmark_id,
    checkId: r.check_id, title: r.title, level: Number(r.level), status: r.status as CheckStatus, evidence: JSON.parse(r.evidence) as unknown[],
  })).sort((a, b) => a.resourceName.localeCompare(b.resourceName) || a.resourceId.localeCompare(b.resourceId) || compareCheckIds(a.checkId, b.checkId));
}

/** The report of a scan: JSON (scan, targets, results) or CSV (one row per check result and evidence). */
export async function cisReport(store: Store, scan: CisScanRow, accountIds: readonly string[], format: 'json' | 'csv', f: { status?: string[] } = {}): Promise<string> {
  const targets = await scanTargets(store, scan.id, accountIds);
  const results = await scanResults(store, scan.id, accountIds, f);
  if (format === 'json') return JSON.stringify({ scan: scanView(scan), targets: targets.map(targetView), results }, null, 2) + '\n';
  const head = ['scan_id', 'scan_date', 'account_id', 'resource_id', 'resource_name', 'resource_type', 'benchmark', 'check_id', 'level', 'status', 'title', 'path', 'line', 'found', 'expected', 'message'];
  const lines = [head.join(',')];
  for (const r of results) {
    const ev = (r.evidence.length ? r.evidence : [{ message: '' }]) as { path?: string; line?: number; found?: string; expected?: string; message: string }[];
    for (const e of ev) {
      lines.push([scan.id, scan.scan_date, r.accountId, r.resourceId, r.resourceName, r.resourceType, r.benchmarkId ?? '', r.checkId, r.level, r.status, r.title, e.path ?? '', e.line ?? '', e.found ?? '', e.expected ?? '', e.message].map(csvCell).join(','));
    }
  }
  // targets not assessed still appear, with why
  for (const t of targets.filter((x) => x.status !== 'COMPLETED')) {
    lines.push([scan.id, scan.scan_date, t.account_id, t.resource_id, t.resource_name, t.resource_type, t.benchmark_id ?? '', '', '', t.status, '', '', '', '', '', `${t.reason ?? ''}${t.message ? `: ${t.message}` : ''}`].map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/** A CSV cell: quoted when needed; a leading = + - @ (a spreadsheet formula) made text. */
export function csvCell(s: string | number): string {
  let v = String(s);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * History and trend: the scans of a configuration (or of every configuration in sight), oldest
 * first, with their counts and pass rate; with `resourceId`, that resource's own counts in each.
 */
export async function cisTrend(store: Store, accountIds: readonly string[], f: { configId?: string; resourceId?: string; limit: number }) {
  if (!accountIds.length) return [];
  let q = store.db.selectFrom('cis_scans').selectAll().where('account_id', 'in', [...accountIds]).where('status', '!=', 'IN_PROGRESS');
  if (f.configId) q = q.where('config_id', '=', f.configId);
  const scans = (await q.orderBy('scan_date', 'desc').orderBy('id', 'desc').limit(f.limit).execute()).reverse();
  const rate = (p: number, fl: number) => (p + fl === 0 ? null : Math.round((p / (p + fl)) * 1000) / 10);
  if (!f.resourceId) {
    return scans.map((s) => ({ scanId: s.id, configurationId: s.config_id, name: s.name, scanDate: s.scan_date, status: s.status, passed: Number(s.passed), failed: Number(s.failed), skipped: Number(s.skipped), errors: Number(s.errors), manual: Number(s.manual), passRate: rate(Number(s.passed), Number(s.failed)) }));
  }
  if (!scans.length) return [];
  const ts = await store.db.selectFrom('cis_scan_targets').selectAll().where('resource_id', '=', f.resourceId).where('scan_id', 'in', scans.map((s) => s.id)).execute();
  const by = new Map(ts.map((t) => [t.scan_id, t]));
  return scans.filter((s) => by.has(s.id)).map((s) => {
    const t = by.get(s.id)!;
    return { scanId: s.id, configurationId: s.config_id, name: s.name, scanDate: s.scan_date, status: t.status, passed: Number(t.passed), failed: Number(t.failed), skipped: Number(t.skipped), errors: Number(t.errors), manual: Number(t.manual), passRate: rate(Number(t.passed), Number(t.failed)) };
  });
}

/** The scans in sight, newest first. */
export async function listCisScans(store: Store, accountIds: readonly string[], f: { configId?: string; status?: string[]; limit: number }): Promise<CisScanRow[]> {
  if (!accountIds.length) return [];
  let q = store.db.selectFrom('cis_scans').selectAll().where('account_id', 'in', [...accountIds]);
  if (f.configId) q = q.where('config_id', '=', f.configId);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  return q.orderBy('scan_date', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

export type { CheckResult };
