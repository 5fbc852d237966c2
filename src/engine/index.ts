/**
 * The continuous engine: jobs on the queue that discover, scan and rematch, and a periodic tick
 * that decides what is due. `new Engine({ store, queue, log })` is both sides: the API uses its
 * `enqueue*`/`handle*` methods to trigger work, and `start()` (in `vigil server` or `vigil worker`)
 * runs the job handlers. Every handler is idempotent: the queue delivers at least once.
 *
 * Jobs
 * - `engine-tick` (scheduled): due target polls, pending change sets, rescan-eligibility expiry,
 *   stale agent inventories, watched function directory, daily snapshot and closed-finding purge.
 * - `engine-poll` {targetId}: a registry's catalog, a repository's branch head, a host or root
 *   filesystem rescan.
 * - `engine-scan` {resourceId, digest?}: one resource, now.
 * - `engine-rematch`: every change set newer than the last one rematched, in order (delta from the
 *   change set's packages; a full rematch when it carries enrichment).
 * - `engine-dbupdate` (scheduled when enabled): `vigil db update` from the network.
 * - `engine-sbom-export` {exportId}: one SBOM export's archive (sbom.ts).
 * - `engine-findings-report` {reportId}: one findings report (findings-report.ts), to its destination.
 */
import { applySuppressionRules, purgeClosed, rematchAll, rematchChangeSet, rescoreAgedImages, setCoverage, takeDailySnapshot } from '../findings/index.ts';
import { cleanStaleScratch, redactScratch } from '../sources/vfs/scratch.ts';
import { FINDING_KEYS } from '../vulndb/vulnerabilities.ts';
import type { Logger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { VigilError } from '../model/errors.ts';
import type { AgentReportInput } from './agent.ts';
import { DEFAULT_SCAN_LIMITS, KILL_RULES, runIsolated, type ScanLimits } from './isolate.ts';
import type { AgentReportSummary } from './isolate-tasks.ts';
import type { Job, JobQueue } from './queue/index.ts';
import { durationDays, handleRegistryEvents, pollRegistry, type RegistryEnvelope } from './registry.ts';
import { expireNotRunning, pollDueClusters, replaceSnapshot, type SnapshotResult, type WorkloadContainer, type WorkloadKind } from './workloads.ts';
import { accountSettings, COVERAGE, errorForTarget, mergeAttributes, type EngineContext, type ScanOutcome } from './scan.ts';
import { collectBlobs, dirSignature, ensureTargetResource, remoteHead, resourceOfTarget, scanWatchDir, setRepositoryCommit } from './sources.ts';
import { pauseAt } from './testpoint.ts';
import { expireSbomExports, failSbomExport, runSbomExport, type SbomExportRow } from './sbom.ts';
import { expireFindingsReports, failFindingsReport, runFindingsReport, type FindingsReportRow } from './findings-report.ts';
import { deliverEvents, type DeliverySummary } from './delivery.ts';
import { claimDueDigests, deliverDigest, failDigestRun, noteDigestError, sendReportNow, type ReportRunRow, type ReportScheduleRow, type DigestOutcome } from './digest.ts';
import type { SmtpSettings } from './mailer.ts';
import { claimDueConfigs, finishCisTarget, startCisScan, type CisConfigRow, type CisScanRow } from './cis.ts';
import type { SbomScanResult } from './isolate-tasks.ts';
import type { TopologyView } from './network.ts';
import { deleteTarget, getTarget, repositoryCredentials, updateTargetState, type HostConfig, type RegistryConfig, type RepositoryConfig, type RootfsConfig, type Target } from './targets.ts';

export * from './targets.ts';
export { COVERAGE, matchAndRecord, scanResource, type EngineContext, type ScanOutcome } from './scan.ts';
export { DEFAULT_SCAN_LIMITS, resolveScanLimits, runIsolated, type ScanLimits } from './isolate.ts';
export { registryEnvelopeSchema, type RegistryEnvelope } from './registry.ts';
export * from './workloads.ts';
export { parsePushWebhook, putBlob, setFunctionVersion, ensureTargetResource, resourceOfTarget, collectBlobs, BLOB_GRACE_MS, MAX_UPLOAD_BYTES } from './sources.ts';
export * from './sbom.ts';
export * from './findings-report.ts';
export * from './destinations.ts';
export * from './cis.ts';
export * from './delivery.ts';
export * from './digest.ts';
export { checkSmtpSettings, sendMail, type SmtpSettings } from './mailer.ts';
export * from './resource-tags.ts';
export { nextRun, Schedule, WEEKDAYS } from './cis-schedule.ts';
export { listTopologies, getTopology, putTopology, deleteTopology, applyHostNetwork, applyAccountNetwork, UNMANAGED_EC2_INSTANCE, type TopologyView, type TopologyCounts } from './network.ts';
export type { SbomScanResult } from './isolate-tasks.ts';
export { prepareSecrets, rotateSecrets, targetsNotSealedWith, SECRET_FIELDS } from './secrets.ts';

export interface EngineOptions {
  store: Store;
  queue: JobQueue;
  log: Logger;
  now?: () => Date;
  /** seconds between ticks (default 30) */
  tickSeconds?: number;
  /** scan jobs at a time in this process (default 2) */
  scanConcurrency?: number;
  /** `db update` from the network every this many seconds (0/absent: never) */
  dbUpdateSeconds?: number;
  /** VIGIL_HOME, for db update's downloads (required with dbUpdateSeconds) */
  home?: string;
  /** a directory of function zips to watch, and the account they belong to */
  watchDir?: { dir: string; accountId: string };
  /** lease of scan, poll and rematch jobs, seconds (default 120; `--job-lease`): bounds how soon a crashed job runs again */
  leaseSeconds?: number;
  /**
   * What tenants' targets may reach (`--allow-path`, `--allow-network`); default: no local path,
   * public addresses only. Checked when a target is registered and again at every connection.
   */
  policy?: TargetPolicy;
  /** memory and wall-time caps of each isolated scan process (`--scan-memory`, `--scan-timeout`) */
  scanLimits?: ScanLimits;
  /** seconds between runs of the event delivery worker (issue 19, delivery.ts; default 5) */
  deliverSeconds?: number;
  /** the operator's SMTP server for e-mailed digests (issue 19, `--smtp-url`, `--smtp-from`); without it e-mail digests fail with VIGIL_CONFIG */
  smtp?: SmtpSettings;
}

/** retries of a scan job after its first attempt; SCAN_FAILED is recorded when the last one fails */
export const SCAN_RETRY_LIMIT = 2;

/**
 * Errors no retry can fix (a garbage zip, a malformed key, a limit the input breaks): the scan fails
 * at once. Kills at a cap, crashes, network and database errors are retried.
 */
function permanent(err: unknown): boolean {
  if (!(err instanceof VigilError)) return false;
  if ((KILL_RULES as readonly (string | undefined)[]).includes(err.rule)) return false;
  return ['VIGIL_INVALID_INPUT', 'VIGIL_UNSAFE_ARCHIVE', 'VIGIL_LIMIT_EXCEEDED', 'VIGIL_INVALID_RECORD', 'VIGIL_INVALID_VERSION', 'VIGIL_NOT_FOUND', 'VIGIL_FORBIDDEN'].includes(err.code);
}

/** retries of a CIS target's job after its first attempt; the target is FAILED/SCAN_FAILED when the last one fails */
const CIS_RETRY_LIMIT = 2;

/** retries of a digest's job after its first attempt; the run is FAILED with the last error */
export const DIGEST_RETRY_LIMIT = 2;

/** retries of an SBOM export job after its first attempt; the export is FAILED when the last one fails */
const SBOM_EXPORT_RETRY_LIMIT = 2;
/** the tool version written into the findings of a scanned SBOM */
const SBOM_TOOL_VERSION = '0.1.0';

const DEFAULT_POLL_SECONDS = 300;
const DEFAULT_HOST_SCAN_SECONDS = 6 * 3600;
/** an agent must report at least daily; after two days its inventory is stale */
const AGENT_STALE_MS = 2 * 86_400_000;

export class Engine {
  readonly ctx: EngineContext;
  private readonly queue: JobQueue;
  private started = false;

  constructor(private readonly opts: EngineOptions) {
    this.queue = opts.queue;
    this.ctx = { store: opts.store, log: opts.log, now: opts.now ?? (() => new Date()), policy: opts.policy ?? TargetPolicy.tenantDefault() };
  }

  get store(): Store { return this.opts.store; }

  /** What tenants' targets may reach. */
  get policy(): TargetPolicy { return this.ctx.policy; }

  /** Runs the job handlers in this process and schedules the tick. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const lease = this.opts.leaseSeconds ?? 120;
    // scratch directories a killed process (kill -9, OOM) left behind, tenant code included
    const removed = await cleanStaleScratch().catch((err: unknown) => { this.ctx.log.warn({ err: (err as Error).message }, 'cleaning stale scratch directories failed'); return []; });
    if (removed.length) this.ctx.log.info({ removed: removed.length }, 'removed stale scratch directories');
    // today's snapshot at start-up when there is none yet (a failure here is the tick's to retry)
    await this.dailyIfDue().then(
      (ran) => { if (ran) this.ctx.log.info({ day: this.ctx.now().toISOString().slice(0, 10) }, 'daily snapshot taken at start-up'); },
      (err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'daily snapshot at start-up failed'),
    );
    await this.queue.work<{ resourceId: string; digest?: string }>('engine-scan', { concurrency: this.opts.scanConcurrency ?? 2, leaseSeconds: lease }, async (job) => {
      const out = await this.scanNow(job.data.resourceId, job.data.digest, job);
      this.ctx.log.info({ job: job.id, resource: job.data.resourceId, ...summaryOf(out) }, 'scan finished');
    });
    await this.queue.work<{ targetId: string }>('engine-poll', { concurrency: 2, leaseSeconds: lease }, async (job) => { await this.pollNow(job.data.targetId); });
    await this.queue.work('engine-rematch', { concurrency: 1, leaseSeconds: lease }, async () => { await this.rematchPending(); });
    await this.queue.work('engine-tick', { concurrency: 1, leaseSeconds: 60 }, async () => { await this.tick(); });
    await this.queue.work<{ exportId: string }>('engine-sbom-export', { concurrency: 1, leaseSeconds: lease }, async (job) => { await this.sbomExportNow(job.data.exportId, job.attempt); });
    await this.queue.work<{ reportId: string }>('engine-findings-report', { concurrency: 1, leaseSeconds: lease }, async (job) => { await this.findingsReportNow(job.data.reportId, job.attempt); });
    await this.queue.work<{ scanId: string; resourceId: string }>('engine-cis-target', { concurrency: this.opts.scanConcurrency ?? 2, leaseSeconds: lease }, async (job) => {
      const out = await this.cisTargetNow(job.data.scanId, job.data.resourceId, job);
      this.ctx.log.info({ job: job.id, scan: job.data.scanId, resource: job.data.resourceId, ...out }, 'CIS target assessed');
    });
    await this.queue.schedule('engine-tick', this.opts.tickSeconds ?? 30);
    // issue 19: event destinations (webhooks, Slack, Teams) — new events enqueued, due deliveries attempted
    await this.queue.work('engine-deliver', { concurrency: 1, leaseSeconds: lease }, async () => {
      const out = await this.deliverNow();
      if (out.attempted) this.ctx.log.info(out, 'events delivered');
    });
    await this.queue.schedule('engine-deliver', this.opts.deliverSeconds ?? 5);
    // issue 19: scheduled reports, one job per run (digest.ts)
    await this.queue.work<{ runId: string }>('engine-digest', { concurrency: 1, leaseSeconds: lease }, async (job) => { await this.digestNow(job.data.runId, job.attempt); });
    if (this.opts.dbUpdateSeconds) {
      await this.queue.work('engine-dbupdate', { concurrency: 1, leaseSeconds: 600 }, async () => { await this.dbUpdate(); });
      await this.queue.schedule('engine-dbupdate', this.opts.dbUpdateSeconds);
    }
  }

  // ─── triggers (any process) ─────────────────────────────────────────────────────────────────

  async enqueueScan(resourceId: string, digest?: string): Promise<string | null> {
    return this.queue.send('engine-scan', { resourceId, ...(digest ? { digest } : {}) }, { singletonKey: `${resourceId}@${digest ?? ''}`, retryLimit: SCAN_RETRY_LIMIT, retryDelaySeconds: 10 });
  }

  async enqueuePoll(targetId: string): Promise<string | null> {
    return this.queue.send('engine-poll', { targetId }, { singletonKey: targetId, retryLimit: 1 });
  }

  async enqueueRematch(): Promise<string | null> {
    return this.queue.send('engine-rematch', {}, { singletonKey: 'rematch', retryLimit: 5, retryDelaySeconds: 5 });
  }

  /** Queues an SBOM export (engine/sbom.ts) for whichever process runs the engine. */
  async enqueueSbomExport(exportId: string): Promise<string | null> {
    return this.queue.send('engine-sbom-export', { exportId }, { singletonKey: exportId, retryLimit: SBOM_EXPORT_RETRY_LIMIT, retryDelaySeconds: 10 });
  }

  /** Queues a findings report (engine/findings-report.ts) for whichever process runs the engine. */
  async enqueueFindingsReport(reportId: string): Promise<string | null> {
    return this.queue.send('engine-findings-report', { reportId }, { singletonKey: reportId, retryLimit: SBOM_EXPORT_RETRY_LIMIT, retryDelaySeconds: 10 });
  }

  /** One run of the event delivery worker (delivery.ts): new events to deliveries, due deliveries attempted. */
  async deliverNow(): Promise<DeliverySummary> {
    return deliverEvents(this.ctx);
  }

  /** Queues the sending of a digest run (digest.ts). */
  async enqueueDigest(runId: string): Promise<string | null> {
    return this.queue.send('engine-digest', { runId }, { singletonKey: runId, retryLimit: DIGEST_RETRY_LIMIT, retryDelaySeconds: 30 });
  }

  /** `POST /v1/report-schedules/{id}/send`: a run now, queued. */
  async sendReport(schedule: ReportScheduleRow): Promise<ReportRunRow> {
    const run = await sendReportNow(this.store, schedule, this.ctx.now());
    await this.enqueueDigest(run.id);
    return run;
  }

  /**
   * Sends one run's digest (the engine-digest job). A failure is noted on the run and thrown for
   * the queue to retry; the last attempt's (or one no retry fixes) makes the run FAILED.
   */
  async digestNow(runId: string, attempt = DIGEST_RETRY_LIMIT + 1): Promise<DigestOutcome | undefined> {
    try {
      const out = await deliverDigest(this.ctx, runId, this.opts.smtp);
      if (out) this.ctx.log.info({ run: runId, schedule: out.run.schedule_id, ...out.outcome }, 'digest sent');
      return out?.outcome;
    } catch (err) {
      const message = (err as Error).message;
      const final = attempt > DIGEST_RETRY_LIMIT || (err instanceof VigilError && ['VIGIL_CONFIG', 'VIGIL_NOT_FOUND', 'VIGIL_FORBIDDEN', 'VIGIL_INVALID_INPUT'].includes(err.code));
      this.ctx.log.warn({ run: runId, attempt, final, err: message }, 'digest not sent');
      if (final) {
        await failDigestRun(this.store, runId, message, this.ctx.now());
        return undefined;
      }
      await noteDigestError(this.store, runId, message);
      throw err;
    }
  }

  /** Queues the assessment of one target of a CIS scan (engine/cis.ts). */
  async enqueueCisTarget(scanId: string, resourceId: string): Promise<string | null> {
    return this.queue.send('engine-cis-target', { scanId, resourceId }, { singletonKey: `${scanId}/${resourceId}`, retryLimit: CIS_RETRY_LIMIT, retryDelaySeconds: 10 });
  }

  /**
   * Starts a scan of a CIS configuration now (the schedule's run, or `POST …/run`) and queues its
   * targets' jobs.
   */
  async startCisScan(config: CisConfigRow, by: 'schedule' | 'api', scanDate?: string): Promise<CisScanRow> {
    const now = this.ctx.now();
    const { scan, resourceIds } = await startCisScan(this.store, config, { scanDate: scanDate ?? now.toISOString(), by, now });
    for (const id of resourceIds) await this.enqueueCisTarget(scan.id, id);
    this.ctx.log.info({ scan: scan.id, configuration: config.id, targets: resourceIds.length, by }, 'CIS scan started');
    return scan;
  }

  async enqueueTick(): Promise<string | null> {
    return this.queue.send('engine-tick', {}, { singletonKey: 'tick', retryLimit: 0 });
  }

  /** A registry's notification envelope: tags move now, scans are queued. */
  async registryEvents(target: Target, envelope: RegistryEnvelope) {
    const out = await handleRegistryEvents(this.ctx, target, envelope);
    for (const id of out.scan) await this.enqueueScan(id);
    return out;
  }

  /** A push to a repository's branch (webhook): point its resource at the commit and scan. */
  async repositoryPushed(target: Target, commit: string): Promise<{ resourceId: string; queued: boolean }> {
    const r = await setRepositoryCommit(this.ctx, target, commit);
    if (r.changed) await this.enqueueScan(r.resourceId, commit);
    return { resourceId: r.resourceId, queued: r.changed };
  }

  // ─── handlers ────────────────────────────────────────────────────────────────────────────────

  get scanLimits(): ScanLimits { return this.opts.scanLimits ?? DEFAULT_SCAN_LIMITS; }

  /**
   * Scans a resource now (the engine.scan job) in the isolated scan process (isolate.ts), which
   * collects, matches and records it; its record transaction is fenced by the job's claim. A job
   * for a commit or version that is no longer current is skipped. A failure — the scan's own error,
   * or the runner killing it at a cap — is recorded as `lastError` on the resource and its target;
   * after the last attempt (at once for errors no retry can fix) coverage becomes
   * INACTIVE/SCAN_FAILED. The error is then thrown for the queue to retry, except a permanent one
   * (the job completes: retrying cannot help).
   */
  async scanNow(resourceId: string, digest?: string, job?: Job<unknown>): Promise<ScanOutcome> {
    const r = await this.store.db.selectFrom('resources').select(['type', 'name', 'digest']).where('id', '=', resourceId).executeTakeFirst();
    if (!r) return { status: 'skipped', reason: 'resource gone' };
    if (digest && r.digest !== digest && (r.digest ?? '') !== '') return { status: 'skipped', reason: `superseded by ${r.digest}` };
    const lease = this.opts.leaseSeconds ?? 120;
    try {
      return await runIsolated<ScanOutcome>({
        kind: 'resource', databaseUrl: this.store.url, resourceId, policy: this.ctx.policy.toSpec(),
        ...(this.store.secrets ? { secrets: this.store.secrets.toSpec() } : {}),
        ...(job ? { fence: { name: job.name, id: job.id, attempt: job.attempt, leaseSeconds: lease } } : {}),
        // an injected clock (tests) goes along as the scan's time
        ...(this.opts.now ? { now: this.ctx.now().toISOString() } : {}),
      }, {
        limits: this.scanLimits, signal: job?.signal, log: this.ctx.log, label: `${r.type} ${r.name}`,
        // SQLite: while the scan process commits (renewing the lease inside its transaction), a
        // heartbeat would wait for its write lock on this event loop — skip them meanwhile
        onProgress: (e) => { if (job && this.queue.kind === 'sqlite' && (e.phase === 'recording' || e.phase === 'recorded')) job.pauseHeartbeat(e.phase === 'recording'); },
      });
    } catch (err) {
      const rule = err instanceof VigilError ? err.rule : undefined;
      // the job is not ours any more (lease lost, queue stopping): whoever holds it records the outcome
      if (rule === 'scan-aborted' || rule === 'lease-lost') throw err;
      const message = redactScratch((err as Error).message);
      const isPermanent = permanent(err);
      const final = isPermanent || !job || job.attempt > SCAN_RETRY_LIMIT;
      await this.recordScanFailure(resourceId, message, final);
      this.ctx.log.warn({ resource: resourceId, attempt: job?.attempt, rule, final, err: message }, 'scan failed');
      if (isPermanent) return { status: 'failed', reason: COVERAGE.failed, message };
      throw err instanceof VigilError ? new VigilError(err.code, message, { input: err.input, rule: err.rule }) : new Error(message);
    }
  }

  /**
   * A scan failure, visible: `lastError` on the resource and its target; with `final`, coverage
   * INACTIVE/SCAN_FAILED (findings kept, as for UNREACHABLE). A resource that was removed, untagged
   * or expired keeps that reason.
   */
  async recordScanFailure(resourceId: string, message: string, final: boolean): Promise<void> {
    const now = this.ctx.now();
    const r = await this.store.db.selectFrom('resources').select(['id', 'account_id', 'type', 'name', 'digest', 'target_id', 'coverage_reason']).where('id', '=', resourceId).executeTakeFirst();
    if (!r) return;
    await mergeAttributes(this.store, r.id, { lastError: message, lastErrorAt: now.toISOString() });
    const target = r.target_id ? await getTarget(this.store, r.target_id) : null;
    if (target) await updateTargetState(this.store, target.id, { lastError: errorForTarget(target, r, message) }, now);
    const keep: string[] = [COVERAGE.removed, COVERAGE.untagged, COVERAGE.expired, COVERAGE.disabled];
    if (final && !keep.includes(r.coverage_reason ?? '')) {
      await setCoverage(this.store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.failed, now });
    }
  }

  /** An agent's report, matched and recorded in the isolated scan process (the API route's handler). */
  async recordAgentReport(accountId: string, report: AgentReportInput): Promise<AgentReportSummary> {
    return runIsolated<AgentReportSummary>({
      kind: 'agent-report', databaseUrl: this.store.url, accountId, report, policy: this.ctx.policy.toSpec(),
      ...(this.store.secrets ? { secrets: this.store.secrets.toSpec() } : {}),
      ...(this.opts.now ? { now: this.ctx.now().toISOString() } : {}),
    }, { limits: this.scanLimits, log: this.ctx.log, label: `agent report of ${report.hostname}` });
  }

  /**
   * Runs an SBOM export (the engine-sbom-export job). A failure no retry can fix, or the last
   * attempt's, marks the export FAILED with its message; others are thrown for the queue to retry.
   */
  async sbomExportNow(exportId: string, attempt = 1): Promise<SbomExportRow | undefined> {
    try {
      const row = await runSbomExport(this.store, exportId, this.ctx.now(), this.ctx.policy);
      if (row) this.ctx.log.info({ export: row.id, status: row.status, documents: row.documents, size: row.size }, 'SBOM export finished');
      return row;
    } catch (err) {
      const message = (err as Error).message;
      this.ctx.log.warn({ export: exportId, attempt, err: message }, 'SBOM export failed');
      if (permanent(err) || attempt > SBOM_EXPORT_RETRY_LIMIT) {
        await failSbomExport(this.store, exportId, message, this.ctx.now());
        return undefined;
      }
      throw err;
    }
  }

  /**
   * Runs a findings report (the engine-findings-report job). A failure no retry can fix (a refused
   * destination, a bucket's error), or the last attempt's, marks it FAILED with its message.
   */
  async findingsReportNow(reportId: string, attempt = 1): Promise<FindingsReportRow | undefined> {
    try {
      const row = await runFindingsReport(this.store, reportId, this.ctx.now(), this.ctx.policy);
      if (row) this.ctx.log.info({ report: row.id, status: row.status, findings: row.findings, size: row.size, location: row.location }, 'findings report finished');
      return row;
    } catch (err) {
      const message = (err as Error).message;
      this.ctx.log.warn({ report: reportId, attempt, err: message }, 'findings report failed');
      if (permanent(err) || attempt > SBOM_EXPORT_RETRY_LIMIT) {
        await failFindingsReport(this.store, reportId, message, this.ctx.now());
        return undefined;
      }
      throw err;
    }
  }

  /**
   * Assesses one target of a CIS scan (the engine-cis-target job) in the isolated scan process. A
   * failure no retry can fix, or the last attempt's, records the target FAILED/SCAN_FAILED with its
   * message (the scan goes on with its other targets); others are thrown for the queue to retry.
   */
  async cisTargetNow(scanId: string, resourceId: string, job?: Job<unknown>): Promise<{ status: string; reason?: string | null }> {
    try {
      return await runIsolated<{ status: string; reason?: string | null }>({
        kind: 'cis-target', databaseUrl: this.store.url, scanId, resourceId, policy: this.ctx.policy.toSpec(),
        ...(this.store.secrets ? { secrets: this.store.secrets.toSpec() } : {}),
        ...(this.opts.now ? { now: this.ctx.now().toISOString() } : {}),
      }, { limits: this.scanLimits, signal: job?.signal, log: this.ctx.log, label: `CIS ${scanId} ${resourceId}` });
    } catch (err) {
      const rule = err instanceof VigilError ? err.rule : undefined;
      if (rule === 'scan-aborted' || rule === 'lease-lost') throw err;
      const message = redactScratch((err as Error).message);
      const final = permanent(err) || !job || job.attempt > CIS_RETRY_LIMIT;
      this.ctx.log.warn({ scan: scanId, resource: resourceId, attempt: job?.attempt, rule, final, err: message }, 'CIS target failed');
      if (!final) throw err;
      await finishCisTarget(this.store, scanId, resourceId, { status: 'FAILED', reason: COVERAGE.failed, message }, this.ctx.now());
      return { status: 'FAILED', reason: COVERAGE.failed };
    }
  }

  /**
   * Matches an uploaded SBOM (CycloneDX or SPDX JSON) against the vulnerability database, in the
   * isolated scan process (a hostile document can only exhaust that process's caps); nothing is
   * stored. The result has the shape of `vigil scan sbom --format json`.
   * @throws VigilError VIGIL_INVALID_INPUT naming the rule the document breaks (readSbom's rules);
   *   VIGIL_LIMIT_EXCEEDED "scan-memory" / "scan-timeout" at a cap
   */
  /**
   * Analyses an uploaded network topology (file name → text) in the isolated scan process, stores
   * it under its name and brings the account's network findings up to date (engine/network.ts).
   * @throws VigilError VIGIL_INVALID_INPUT naming the file and the rule
   */
  async putTopology(accountId: string, name: string, files: Record<string, string>): Promise<TopologyView> {
    return runIsolated<TopologyView>({
      kind: 'network-topology', op: 'put', databaseUrl: this.store.url, accountId, name, files,
      ...(this.store.secrets ? { secrets: this.store.secrets.toSpec() } : {}),
      ...(this.opts.now ? { now: this.ctx.now().toISOString() } : {}),
    }, { limits: this.scanLimits, log: this.ctx.log, label: `network topology ${name}` });
  }

  /** Deletes a topology (its findings close), in the isolated scan process; false when there is none. */
  async deleteTopology(accountId: string, name: string): Promise<boolean> {
    return runIsolated<boolean>({
      kind: 'network-topology', op: 'delete', databaseUrl: this.store.url, accountId, name,
      ...(this.store.secrets ? { secrets: this.store.secrets.toSpec() } : {}),
      ...(this.opts.now ? { now: this.ctx.now().toISOString() } : {}),
    }, { limits: this.scanLimits, log: this.ctx.log, label: `network topology ${name}` });
  }

  async scanSbom(document: string, name: string): Promise<SbomScanResult> {
    return runIsolated<SbomScanResult>({
      kind: 'sbom-document', document, name,
      match: { databaseUrl: this.store.url, hideUnfixed: false, createdAt: this.ctx.now().toISOString(), version: SBOM_TOOL_VERSION },
    }, { limits: this.scanLimits, log: this.ctx.log, label: `SBOM ${name}` });
  }

  /** Polls one target now (the engine.poll job) and sets its next poll. */
  async pollNow(targetId: string): Promise<void> {
    const target = await getTarget(this.store, targetId);
    if (!target || target.status !== 'ENABLED') return;
    const now = this.ctx.now();
    let nextSeconds: number | null = DEFAULT_POLL_SECONDS;
    try {
      const settings = await accountSettings(this.store, target.accountId);
      if (settings?.status !== 'ENABLED') return;
      switch (target.kind) {
        case 'registry': {
          const cfg = target.config as RegistryConfig;
          nextSeconds = cfg.pollSeconds === 0 ? null : cfg.pollSeconds ?? DEFAULT_POLL_SECONDS;
          // basic scanning is on push only: the catalog is read once, at registration
          if (settings.settings.mode === 'basic' && target.lastPolledAt) break;
          const out = await pollRegistry(this.ctx, target);
          for (const id of out.scan) await this.enqueueScan(id);
          break;
        }
        case 'repository': {
          const cfg = target.config as RepositoryConfig;
          nextSeconds = cfg.pollSeconds === 0 ? null : cfg.pollSeconds ?? DEFAULT_POLL_SECONDS;
          const head = await remoteHead(cfg.url, cfg.branch, this.ctx.policy, repositoryCredentials(cfg));
          const r = await setRepositoryCommit(this.ctx, target, head);
          if (r.changed) await this.enqueueScan(r.resourceId, head);
          break;
        }
        case 'host': {
          const cfg = target.config as HostConfig;
          nextSeconds = cfg.scanSeconds ?? DEFAULT_HOST_SCAN_SECONDS;
          const id = await ensureTargetResource(this.ctx, target, { attributes: { mode: cfg.mode } });
          if (cfg.mode !== 'agent') await this.enqueueScan(id);
          break;
        }
        case 'rootfs': {
          const cfg = target.config as RootfsConfig;
          nextSeconds = cfg.scanSeconds ?? DEFAULT_HOST_SCAN_SECONDS;
          await this.enqueueScan(await ensureTargetResource(this.ctx, target, { ref: cfg.path }));
          break;
        }
        case 'function':
          nextSeconds = null; // versions arrive by upload or the watched directory
          break;
      }
      await updateTargetState(this.store, target.id, { lastPolledAt: now.toISOString(), lastError: null, nextPollAt: nextSeconds === null ? null : new Date(now.getTime() + nextSeconds * 1000).toISOString() }, now);
    } catch (err) {
      const message = (err as Error).message;
      this.ctx.log.warn({ target: target.id, kind: target.kind, err: message }, 'poll failed');
      await updateTargetState(this.store, target.id, { lastPolledAt: now.toISOString(), lastError: message, nextPollAt: new Date(now.getTime() + Math.min(nextSeconds ?? DEFAULT_POLL_SECONDS, DEFAULT_POLL_SECONDS) * 1000).toISOString() }, now);
      // a repository or registry that cannot be reached: its resources say so
      const ids = await this.store.db.selectFrom('resources').select(['id', 'coverage_reason']).where('target_id', '=', target.id).execute();
      for (const r of ids) {
        if (r.coverage_reason === COVERAGE.pending || r.coverage_reason === COVERAGE.ok) {
          await setCoverage(this.store, { accountId: target.accountId, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.unreachable, now });
        }
      }
    }
  }

  /**
   * Rematches every change set newer than the marker, in order, moving the marker after each: a
   * crash between the two repeats a rematch, which changes nothing the second time.
   */
  async rematchPending(): Promise<{ changeSets: number[] }> {
    const marker = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'rematched_change_set').executeTakeFirst();
    const last = marker ? Number(marker.value) : 0;
    const pending = await this.store.db.selectFrom('change_sets').selectAll().where('id', '>', last).orderBy('id').execute();
    // (distro CVE split) findings stored under another keying (DSA-keyed before FINDING_KEYS) are
    // re-keyed by the first rematch after the upgrade, a full one: it closes the old keys and opens
    // the new (vulndb/README.md, "Upgrading")
    let rekey = (await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'finding_keys').executeTakeFirst())?.value !== FINDING_KEYS;
    const done: number[] = [];
    for (const cs of pending) {
      const now = this.ctx.now();
      // pauseAt: test only (testpoint.ts); a no-op otherwise
      const hooks = { beforeCommit: () => pauseAt('rematch-in-transaction') };
      const summary = (cs.enriched > 0 && last > 0) || rekey ? await rematchAll(this.store, now, hooks) : await rematchChangeSet(this.store, cs.id, now, hooks);
      this.ctx.log.info({ changeSet: cs.id, ...summary, ...(rekey ? { rekeyed: FINDING_KEYS } : {}) }, 'rematched');
      await pauseAt('rematch-before-marker');
      if (rekey) await setState(this.store, 'finding_keys', FINDING_KEYS, now);
      rekey = false;
      await setState(this.store, 'rematched_change_set', String(cs.id), now);
      done.push(cs.id);
    }
    return { changeSets: done };
  }

  /** Decides what is due. Cheap when nothing is. */
  async tick(): Promise<void> {
    const now = this.ctx.now();
    const at = now.toISOString();
    // 1. targets due for a poll
    const due = await this.store.db.selectFrom('targets').selectAll().where('status', '=', 'ENABLED').where('next_poll_at', '<=', at).execute();
    for (const t of due) await this.enqueuePoll(t.id);
    // 2. advisory updates
    const marker = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'rematched_change_set').executeTakeFirst();
    const newer = await this.store.db.selectFrom('change_sets').select('id').where('id', '>', marker ? Number(marker.value) : 0).limit(1).executeTakeFirst();
    if (newer) await this.enqueueRematch();
    // 3. rescan eligibility of images, stale agent inventories
    await this.expireImages(now);
    // 3a. (issue 19) images not running for the account's stopScanningAfterNotRunningDays; polled clusters due
    await this.expireNotRunning(now);
    await this.pollClusters(now);
    // 3b. (issue 16) images whose last pull just left the Vigil score's in-use window: re-scored
    await this.rescoreAgedImages(now);
    await this.staleAgents(now);
    // 4. a watched directory of functions
    if (this.opts.watchDir) {
      const sig = await dirSignature(this.opts.watchDir.dir);
      const prev = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'watch_dir_signature').executeTakeFirst();
      if (prev?.value !== sig) {
        for (const id of await scanWatchDir(this.ctx, this.opts.watchDir.dir, this.opts.watchDir.accountId)) await this.enqueueScan(id);
        await setState(this.store, 'watch_dir_signature', sig, now);
      }
    }
    // 5. suppression rules that expired since the last tick: what they suppressed becomes ACTIVE
    //    (or falls to another rule) in every account they reached
    await this.expireRules(now);
    // 6. hourly: expired SBOM exports, then uploaded blobs nothing references any more (their archives among them)
    const gc = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'blobs_collected_at').executeTakeFirst();
    if (!gc || now.getTime() - Date.parse(gc.value) >= 3_600_000) {
      const expired = await expireSbomExports(this.store, now);
      if (expired) this.ctx.log.info({ exports: expired }, 'expired SBOM exports deleted');
      const reports = await expireFindingsReports(this.store, now);
      if (reports) this.ctx.log.info({ reports }, 'expired findings reports deleted');
      const gone = await collectBlobs(this.store, now);
      if (gone.length) this.ctx.log.info({ blobs: gone.length }, 'unreferenced blobs deleted');
      await setState(this.store, 'blobs_collected_at', at, now);
    }
    // 6b. (issue 18) CIS scan configurations whose time came: each claimed once, its scan started
    for (const due of await claimDueConfigs(this.store, now)) await this.startCisScan(due.config, 'schedule', due.scanDate);
    // 6c. (issue 19) digests whose time came: each claimed once, its run queued
    for (const run of await claimDueDigests(this.store, now)) await this.enqueueDigest(run.id);
    // 7. daily: snapshot of counts, purge of long-closed findings
    await this.dailyIfDue(now);
  }

  /**
   * The daily work — a snapshot of the finding counts (the trend the dashboard draws) and the purge
   * of long-closed findings — unless today's is done (`snapshot_day`). Run by the tick, and by
   * {@link start} so that a server started today has today's point at once, not after its first
   * tick. Two processes doing it together write the same rows (the snapshot replaces the day's).
   * @returns whether it ran
   */
  async dailyIfDue(now: Date = this.ctx.now()): Promise<boolean> {
    const day = now.toISOString().slice(0, 10);
    const snap = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'snapshot_day').executeTakeFirst();
    if (snap?.value === day) return false;
    await takeDailySnapshot(this.store, day);
    await purgeClosed(this.store, now);
    await setState(this.store, 'snapshot_day', day, now);
    return true;
  }

  /** Re-evaluates the open findings of every account an expired rule still suppresses. */
  async expireRules(now: Date): Promise<string[]> {
    const at = now.toISOString();
    const prev = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'rules_expired_until').executeTakeFirst();
    let q = this.store.db.selectFrom('suppression_rules').select('id').where('expires_at', '<=', at);
    if (prev) q = q.where('expires_at', '>', prev.value);
    const expired = await q.execute();
    if (!prev || expired.length > 0) await setState(this.store, 'rules_expired_until', at, now);
    if (expired.length === 0) return [];
    const accounts = await this.store.db.selectFrom('findings').select('account_id').distinct()
      .where('suppressed_by', 'in', expired.map((r) => r.id)).where('status', '=', 'SUPPRESSED').execute();
    for (const a of accounts) {
      const r = await applySuppressionRules(this.store, a.account_id, now);
      this.ctx.log.info({ accountId: a.account_id, ...r }, 'suppression rules expired');
    }
    return accounts.map((a) => a.account_id);
  }

  /** Images whose rescan duration ran out: INACTIVE / SCAN_ELIGIBILITY_EXPIRED, findings closed. */
  async expireImages(now: Date): Promise<number> {
    const rows = await this.store.db.selectFrom('resources').innerJoin('accounts', 'accounts.id', 'resources.account_id')
      .select(['resources.id', 'resources.account_id', 'resources.pushed_at', 'resources.last_pulled_at', 'accounts.scan_settings'])
      .where('resources.type', '=', 'image').where('resources.coverage_status', '=', 'ACTIVE').execute();
    let n = 0;
    for (const r of rows) {
      const s = JSON.parse(r.scan_settings) as { rescanDuration: string; rescanFrom: string };
      const days = durationDays(s.rescanDuration);
      if (days === null) continue;
      const from = s.rescanFrom === 'pull' ? (r.last_pulled_at ?? r.pushed_at) : r.pushed_at;
      if (!from || Date.parse(from) + days * 86_400_000 > now.getTime()) continue;
      await setCoverage(this.store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.expired, closeFindings: true, now });
      n++;
    }
    return n;
  }

  /**
   * Issue 19: replaces a cluster's workload snapshot (engine/workloads.ts); images back from
   * IMAGE_NOT_IN_USE are queued for a scan.
   */
  async ingestWorkloads(accountId: string, kind: WorkloadKind, cluster: string, containers: WorkloadContainer[]): Promise<SnapshotResult> {
    const r = await replaceSnapshot(this.store, { accountId, kind, cluster, containers, now: this.ctx.now() });
    for (const id of r.scan) await this.enqueueScan(id);
    this.ctx.log.info({ accountId, kind, cluster, containers: r.containers, running: r.running, resolved: r.resolved, rescored: r.rescored }, 'workload snapshot replaced');
    return r;
  }

  /** Issue 19: polls the Kubernetes API servers whose interval came, through the tenants' policy. */
  async pollClusters(now: Date): Promise<{ polled: number; failed: number }> {
    const r = await pollDueClusters(this.store, this.ctx.policy, now);
    for (const id of r.scan) await this.enqueueScan(id);
    if (r.polled || r.failed) this.ctx.log.info({ polled: r.polled, failed: r.failed }, 'clusters polled');
    return r;
  }

  /** Issue 19: images not running for the account's setting leave continuous scanning. */
  async expireNotRunning(now: Date): Promise<number> {
    const ids = await expireNotRunning(this.store, now);
    if (ids.length) this.ctx.log.info({ images: ids.length }, 'images not in use: out of continuous scanning');
    return ids.length;
  }

  /**
   * Issue 16: re-scores the images whose last pull became older than the in-use window since the
   * previous tick (marker `in_use_checked_at`): time alone turns "in use" into "not in use".
   */
  async rescoreAgedImages(now: Date): Promise<number> {
    const marker = await this.store.db.selectFrom('engine_state').select('value').where('key', '=', 'in_use_checked_at').executeTakeFirst();
    const ids = await rescoreAgedImages(this.store, marker ? new Date(marker.value) : null, now);
    if (ids.length) this.ctx.log.info({ images: ids.length }, 'images left the in-use window: re-scored');
    await setState(this.store, 'in_use_checked_at', now.toISOString(), now);
    return ids.length;
  }

  /** Agent hosts that have not reported for two days: INACTIVE / STALE_INVENTORY (findings kept). */
  async staleAgents(now: Date): Promise<number> {
    const rows = await this.store.db.selectFrom('resources').select(['id', 'account_id', 'attributes', 'last_scanned_at'])
      .where('type', '=', 'host').where('coverage_status', '=', 'ACTIVE').execute();
    let n = 0;
    for (const r of rows) {
      const a = JSON.parse(r.attributes) as { collectedBy?: string; agentReportedAt?: string };
      if (a.collectedBy !== 'agent' || !a.agentReportedAt) continue;
      if (now.getTime() - Date.parse(a.agentReportedAt) < AGENT_STALE_MS) continue;
      await setCoverage(this.store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.stale, now });
      n++;
    }
    return n;
  }

  /** Removes a target: its resources become INACTIVE / RESOURCE_REMOVED and their findings close. */
  async removeTarget(target: Target): Promise<number> {
    const now = this.ctx.now();
    const rows = await this.store.db.selectFrom('resources').select(['id', 'attributes']).where('target_id', '=', target.id).execute();
    for (const r of rows) await setCoverage(this.store, { accountId: target.accountId, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.removed, closeFindings: true, now });
    await deleteTarget(this.store, target.id);
    if (target.kind === 'function') {
      // its code and layers go now, unless another function of the account uses them
      const release = rows.flatMap((r) => {
        const a = JSON.parse(r.attributes) as { codeDigest?: unknown; layerDigests?: unknown };
        return [a.codeDigest, ...(Array.isArray(a.layerDigests) ? a.layerDigests : [])].filter((d): d is string => typeof d === 'string');
      });
      await collectBlobs(this.store, now, { accountId: target.accountId, release });
    }
    return rows.length;
  }

  async dbUpdate(): Promise<void> {
    const { updateDatabase } = await import('../vulndb/update.ts');
    const home = this.opts.home;
    if (!home) throw new VigilError('VIGIL_CONFIG', 'db update needs the engine\'s home directory (EngineOptions.home) for its downloads', { rule: 'engine-home' });
    const report = await updateDatabase({ store: this.store, log: this.ctx.log, home });
    this.ctx.log.info({ fetched: report.fetched.length, imported: !!report.import }, 'database updated');
    await this.enqueueRematch();
  }

  /** The resource a non-registry target keeps. */
  resourceIdOf(target: Target): string { return resourceOfTarget(target).id; }
}

async function setState(store: Store, key: string, value: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await store.db.insertInto('engine_state').values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at })).execute();
}

function summaryOf(o: ScanOutcome): Record<string, unknown> {
  return o.status === 'recorded' ? { status: o.status, ...o.summary } : { status: o.status, reason: o.reason };
}
