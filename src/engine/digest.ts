/**
 * Scheduled reports (issue 19): daily or weekly digests of an account's findings — new, fixed,
 * still open by severity, top risks, coverage; per account for an organization's digest (a
 * delegated admin's) — e-mailed over the operator's SMTP server and/or POSTed as JSON to one of
 * the account's webhook event destinations, signed like events.
 *
 * A schedule's `next_run_at` is claimed by the tick in a conditional update (like CIS scan
 * configurations), which records a run (QUEUED) and queues its `engine-digest` job; the job builds
 * the digest for the run's period (from the end of the previous run's, or the last 1/7 days) and
 * sends it, retried by the queue; the last attempt's error is the run's (FAILED).
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { DIGEST_SEVERITIES, digestJson, digestSubject, renderDigestHtml, renderDigestText, zeroSeverities, type DigestCounts, type DigestData, type DigestRisk } from '../integrations/digest/index.ts';
import { signBody, SIGNATURE_HEADER } from '../integrations/events/index.ts';
import { VigilError } from '../model/errors.ts';
import type { Database, Store } from '../store/index.ts';
import { ownerScope } from './cis.ts';
import { nextRun, StartTime, WEEKDAYS, type Schedule } from './cis-schedule.ts';
import { sendMail, type SmtpSettings } from './mailer.ts';
import type { EngineContext } from './scan.ts';
import { openTargetConfig } from './secrets.ts';

/** recipients of one schedule at most */
export const MAX_RECIPIENTS = 50;
/** the top risks a digest lists */
export const TOP_RISKS = 10;
const REQUEST_TIMEOUT_MS = 15_000;

export const DigestSchedule = z.union([
  z.strictObject({ daily: z.strictObject({ startTime: StartTime }) }),
  z.strictObject({ weekly: z.strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1).max(7).describe('days of the week it is sent'), startTime: StartTime }) }),
]).describe('exactly one of daily, weekly: a local time in an IANA time zone');
export type DigestSchedule = z.infer<typeof DigestSchedule>;

const Recipients = z.array(z.email('an e-mail address (name@example.com)').max(254)).max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} recipients`)
  .refine((a) => new Set(a.map((x) => x.toLowerCase())).size === a.length, 'no address twice');

export const ReportScheduleInput = z.strictObject({
  name: z.string().min(1).max(128).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters'),
  schedule: DigestSchedule,
  recipients: Recipients.default([]).describe('e-mail addresses the digest is sent to'),
  destinationId: z.string().min(1).max(100).optional().describe('a webhook event destination of the account: the digest is POSTed there as JSON, signed like events'),
  enabled: z.boolean().default(true),
}).refine((s) => s.recipients.length > 0 || !!s.destinationId, { message: 'give recipients, a destinationId, or both', path: ['recipients'] });
export type ReportScheduleInput = z.input<typeof ReportScheduleInput>;

export const ReportSchedulePatch = z.strictObject({
  name: z.string().min(1).max(128).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters').optional(),
  schedule: DigestSchedule.optional(),
  recipients: Recipients.optional(),
  destinationId: z.string().min(1).max(100).nullable().optional(),
  enabled: z.boolean().optional(),
});

export type ReportScheduleRow = Selectable<Database['report_schedules']>;
export type ReportRunRow = Selectable<Database['report_runs']>;

const kindOf = (s: DigestSchedule): 'daily' | 'weekly' => ('daily' in s ? 'daily' : 'weekly');

export function reportScheduleView(r: ReportScheduleRow) {
  return {
    id: r.id, accountId: r.account_id, name: r.name, schedule: JSON.parse(r.schedule) as DigestSchedule, recipients: JSON.parse(r.recipients) as string[],
    destinationId: r.destination_id, enabled: r.status === 'ENABLED', nextRunAt: r.status === 'ENABLED' ? r.next_run_at : null, lastRunAt: r.last_run_at,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function reportRunView(r: ReportRunRow) {
  return {
    id: r.id, scheduleId: r.schedule_id, trigger: r.trigger as 'schedule' | 'api', status: r.status as 'QUEUED' | 'SENT' | 'FAILED',
    periodFrom: r.period_from, periodTo: r.period_to, attempts: Number(r.attempts), error: r.error,
    summary: r.summary ? (JSON.parse(r.summary) as Record<string, unknown>) : null, createdAt: r.created_at, finishedAt: r.finished_at,
  };
}

/**
 * The destination must be a webhook of an account the schedule's owner sees.
 * @throws VigilError VIGIL_INVALID_INPUT naming destinationId
 */
async function checkDestination(store: Store, owner: string, destinationId: string): Promise<void> {
  const d = await store.db.selectFrom('event_destinations').select(['id', 'account_id', 'kind']).where('id', '=', destinationId).executeTakeFirst();
  if (!d || !(await ownerScope(store.db, owner)).includes(d.account_id)) {
    throw new VigilError('VIGIL_INVALID_INPUT', `destinationId: no event destination ${JSON.stringify(destinationId)} of this account`, { input: 'destinationId', rule: 'exists' });
  }
  if (d.kind !== 'webhook') throw new VigilError('VIGIL_INVALID_INPUT', `destinationId: ${destinationId} is a ${d.kind} destination; digests go to webhooks`, { input: 'destinationId', rule: 'webhook' });
}

export async function createReportSchedule(ctx: EngineContext, owner: string, input: z.output<typeof ReportScheduleInput>): Promise<ReportScheduleRow> {
  if (input.destinationId) await checkDestination(ctx.store, owner, input.destinationId);
  const now = ctx.now();
  const row: ReportScheduleRow = {
    id: `rpt-${randomUUID()}`, account_id: owner, name: input.name, schedule: JSON.stringify(input.schedule), recipients: JSON.stringify(input.recipients),
    destination_id: input.destinationId ?? null, status: input.enabled ? 'ENABLED' : 'DISABLED', next_run_at: nextRun(input.schedule as Schedule, now)!.toISOString(),
    last_run_at: null, created_at: now.toISOString(), updated_at: now.toISOString(),
  };
  await ctx.store.db.insertInto('report_schedules').values(row).execute();
  return row;
}

export async function getReportSchedule(store: Store, id: string): Promise<ReportScheduleRow | undefined> {
  return store.db.selectFrom('report_schedules').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listReportSchedules(store: Store, accountIds: readonly string[]): Promise<ReportScheduleRow[]> {
  if (!accountIds.length) return [];
  return store.db.selectFrom('report_schedules').selectAll().where('account_id', 'in', [...accountIds]).orderBy('name').orderBy('id').execute();
}

export async function updateReportSchedule(ctx: EngineContext, row: ReportScheduleRow, patch: z.output<typeof ReportSchedulePatch>): Promise<ReportScheduleRow> {
  if (patch.destinationId) await checkDestination(ctx.store, row.account_id, patch.destinationId);
  const recipients = patch.recipients ?? (JSON.parse(row.recipients) as string[]);
  const destination = patch.destinationId === undefined ? row.destination_id : patch.destinationId;
  if (!recipients.length && !destination) throw new VigilError('VIGIL_INVALID_INPUT', 'recipients: give recipients, a destinationId, or both', { input: 'recipients', rule: 'required' });
  const now = ctx.now();
  const schedule = patch.schedule ?? (JSON.parse(row.schedule) as DigestSchedule);
  const next = patch.schedule || patch.enabled === true ? nextRun(schedule as Schedule, now)!.toISOString() : row.next_run_at;
  await ctx.store.db.updateTable('report_schedules').set({
    ...(patch.name !== undefined ? { name: patch.name } : {}), schedule: JSON.stringify(schedule), recipients: JSON.stringify(recipients),
    destination_id: destination, ...(patch.enabled !== undefined ? { status: patch.enabled ? 'ENABLED' : 'DISABLED' } : {}),
    next_run_at: next, updated_at: now.toISOString(),
  }).where('id', '=', row.id).execute();
  return (await getReportSchedule(ctx.store, row.id))!;
}

/** Deletes a schedule and its run history. */
export async function deleteReportSchedule(store: Store, id: string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('report_runs').where('schedule_id', '=', id).execute();
    await trx.deleteFrom('report_schedules').where('id', '=', id).execute();
  });
}

export async function listReportRuns(store: Store, scheduleId: string, limit: number): Promise<ReportRunRow[]> {
  return store.db.selectFrom('report_runs').selectAll().where('schedule_id', '=', scheduleId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** A run of a schedule for the period ending at `to` (QUEUED); its job sends it. */
async function recordRun(store: Store, s: ReportScheduleRow, trigger: 'schedule' | 'api', to: Date, now: Date): Promise<ReportRunRow> {
  const schedule = JSON.parse(s.schedule) as DigestSchedule;
  const span = kindOf(schedule) === 'weekly' ? 7 * 86_400_000 : 86_400_000;
  const from = s.last_run_at && Date.parse(s.last_run_at) < to.getTime() ? s.last_run_at : new Date(to.getTime() - span).toISOString();
  const run: ReportRunRow = {
    id: `rrun-${randomUUID()}`, schedule_id: s.id, account_id: s.account_id, trigger, status: 'QUEUED', period_from: from, period_to: to.toISOString(),
    attempts: 0, error: null, summary: null, created_at: now.toISOString(), finished_at: null,
  };
  await store.db.insertInto('report_runs').values(run).execute();
  return run;
}

/**
 * The schedules due now, each claimed for this run (next_run_at moved on in a conditional update,
 * so one process starts it), with a QUEUED run for the period ending at the scheduled time. A
 * server that was down past several runs sends one digest covering the whole gap.
 */
export async function claimDueDigests(store: Store, now: Date): Promise<ReportRunRow[]> {
  const due = await store.db.selectFrom('report_schedules').selectAll().where('status', '=', 'ENABLED').where('next_run_at', '<=', now.toISOString()).execute();
  const out: ReportRunRow[] = [];
  for (const s of due) {
    const next = nextRun(JSON.parse(s.schedule) as Schedule, now)!;
    const r = await store.db.updateTable('report_schedules').set({ next_run_at: next.toISOString(), last_run_at: s.next_run_at, updated_at: now.toISOString() })
      .where('id', '=', s.id).where('next_run_at', '=', s.next_run_at).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) out.push(await recordRun(store, s, 'schedule', new Date(s.next_run_at!), now));
  }
  return out;
}

/** `POST …/send`: a run now, for the period since the previous run (the schedule's times do not move). */
export async function sendReportNow(store: Store, s: ReportScheduleRow, now: Date): Promise<ReportRunRow> {
  const run = await recordRun(store, s, 'api', now, now);
  await store.db.updateTable('report_schedules').set({ last_run_at: now.toISOString() }).where('id', '=', s.id).execute();
  return run;
}

const emptyCounts = (): DigestCounts => ({
  newFindings: { total: 0, bySeverity: zeroSeverities() }, fixedFindings: { total: 0, bySeverity: zeroSeverities() },
  open: { total: 0, bySeverity: zeroSeverities() }, coverage: { total: 0, byStatus: [] },
});

function add(into: { total: number; bySeverity: Record<string, number> }, severity: string, n: number): void {
  into.total += n;
  const s = (DIGEST_SEVERITIES as readonly string[]).includes(severity) ? severity : 'UNKNOWN';
  into.bySeverity[s] += n;
}

/**
 * The digest of a schedule's owner for a period: one pure read of the store (nothing written).
 * New: findings first observed in [from, to); fixed: closed in [from, to); open: ACTIVE now;
 * top risks: the highest-scored ACTIVE findings (then severity); coverage: resources by status.
 */
export async function buildDigest(store: Store, s: Pick<ReportScheduleRow, 'id' | 'name' | 'account_id' | 'schedule'>, period: { from: string; to: string }, now: Date): Promise<DigestData> {
  const { db } = store;
  const scope = await ownerScope(db, s.account_id);
  const owner = await db.selectFrom('accounts').select(['id', 'is_delegated_admin']).where('id', '=', s.account_id).executeTakeFirst();
  const accounts = scope.length ? await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', scope).orderBy('name').orderBy('id').execute() : [];
  const per = new Map(accounts.map((a) => [a.id, { accountId: a.id, name: a.name, ...emptyCounts() }]));
  const totals = emptyCounts();
  for (const a of accounts) {
    const c = per.get(a.id)!;
    const base = db.selectFrom('findings').where('account_id', '=', a.id);
    for (const r of await base.select((eb) => ['severity', eb.fn.countAll<number>().as('n')]).where('first_observed_at', '>=', period.from).where('first_observed_at', '<', period.to).groupBy('severity').execute()) {
      add(c.newFindings, r.severity, Number(r.n));
      add(totals.newFindings, r.severity, Number(r.n));
    }
    for (const r of await base.select((eb) => ['severity', eb.fn.countAll<number>().as('n')]).where('status', '=', 'CLOSED').where('closed_at', '>=', period.from).where('closed_at', '<', period.to).groupBy('severity').execute()) {
      add(c.fixedFindings, r.severity, Number(r.n));
      add(totals.fixedFindings, r.severity, Number(r.n));
    }
    for (const r of await base.select((eb) => ['severity', eb.fn.countAll<number>().as('n')]).where('status', '=', 'ACTIVE').groupBy('severity').execute()) {
      add(c.open, r.severity, Number(r.n));
      add(totals.open, r.severity, Number(r.n));
    }
    const cov = await db.selectFrom('resources').select((eb) => ['coverage_status', eb.fn.countAll<number>().as('n')]).where('account_id', '=', a.id).groupBy('coverage_status').execute();
    for (const r of cov) {
      const status = r.coverage_status ?? 'UNKNOWN';
      c.coverage.total += Number(r.n);
      c.coverage.byStatus.push({ status, count: Number(r.n) });
      totals.coverage.total += Number(r.n);
      const t = totals.coverage.byStatus.find((x) => x.status === status);
      if (t) t.count += Number(r.n);
      else totals.coverage.byStatus.push({ status, count: Number(r.n) });
    }
    c.coverage.byStatus.sort((x, y) => y.count - x.count || x.status.localeCompare(y.status));
  }
  totals.coverage.byStatus.sort((x, y) => y.count - x.count || x.status.localeCompare(y.status));

  let topRisks: DigestRisk[] = [];
  if (scope.length) {
    const rank = (sev: string) => { const i = DIGEST_SEVERITIES.indexOf(sev as never); return i < 0 ? DIGEST_SEVERITIES.length : i; };
    // the best few per account by score, then ranked together (scores null last, then severity)
    const candidates = [];
    for (const a of scope) {
      candidates.push(...await db.selectFrom('findings').innerJoin('resources', 'resources.id', 'findings.resource_id')
        .select(['findings.id', 'findings.account_id', 'findings.vulnerability_id', 'findings.title', 'findings.severity', 'findings.score', 'findings.package_name', 'findings.package_version', 'findings.fixed_version',
          'resources.id as rid', 'resources.type as rtype', 'resources.name as rname'])
        .where('findings.account_id', '=', a).where('findings.status', '=', 'ACTIVE')
        .orderBy((eb) => eb.case().when('findings.score', 'is', null).then(1).else(0).end()).orderBy('findings.score', 'desc').orderBy('findings.id')
        .limit(TOP_RISKS * 5).execute());
    }
    candidates.sort((x, y) => (y.score ?? -1) - (x.score ?? -1) || rank(x.severity) - rank(y.severity) || (x.id < y.id ? -1 : 1));
    topRisks = candidates.slice(0, TOP_RISKS).map((f) => ({
      findingId: f.id, accountId: f.account_id, vulnerabilityId: f.vulnerability_id, title: f.title ?? f.vulnerability_id, severity: f.severity,
      score: f.score === null ? null : Number(f.score), resource: { id: f.rid, type: f.rtype, name: f.rname },
      package: { name: f.package_name, version: f.package_version }, fixedVersion: f.fixed_version,
    }));
  }
  const schedule = JSON.parse(s.schedule) as DigestSchedule;
  return {
    schedule: { id: s.id, name: s.name, kind: kindOf(schedule) }, accountId: s.account_id, organization: Number(owner?.is_delegated_admin ?? 0) === 1,
    period, generatedAt: now.toISOString(), totals, accounts: [...per.values()], topRisks,
  };
}

export interface DigestOutcome { mail?: { accepted: string[]; rejected: string[]; messageId: string }; webhook?: { status: number } }

/**
 * Builds and sends one run's digest: the e-mail through the operator's SMTP server, the JSON to
 * the webhook through the tenants' request policy, signed with the destination's secret.
 * @throws VigilError when a part cannot be delivered (the queue retries the run)
 */
export async function deliverDigest(ctx: EngineContext, runId: string, smtp: SmtpSettings | undefined): Promise<{ run: ReportRunRow; outcome: DigestOutcome } | undefined> {
  const { store } = ctx;
  const run = await store.db.selectFrom('report_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run || run.status !== 'QUEUED') return undefined;
  const s = await getReportSchedule(store, run.schedule_id);
  if (!s) return undefined;
  await store.db.updateTable('report_runs').set({ attempts: Number(run.attempts) + 1 }).where('id', '=', run.id).execute();
  const data = await buildDigest(store, s, { from: run.period_from, to: run.period_to }, ctx.now());
  const recipients = JSON.parse(s.recipients) as string[];
  const outcome: DigestOutcome = {};
  if (recipients.length) {
    if (!smtp) throw new VigilError('VIGIL_CONFIG', 'no SMTP server configured (vigil server --smtp-url, or VIGIL_SMTP_URL): e-mail digests cannot be sent', { input: '--smtp-url', rule: 'required' });
    const r = await sendMail(smtp, { to: recipients, subject: digestSubject(data), html: renderDigestHtml(data), text: renderDigestText(data) });
    outcome.mail = r;
  }
  if (s.destination_id) {
    const d = await store.db.selectFrom('event_destinations').selectAll().where('id', '=', s.destination_id).executeTakeFirst();
    if (!d) throw new VigilError('VIGIL_NOT_FOUND', `destination ${s.destination_id} no longer exists`, { input: 'destinationId', rule: 'exists' });
    const secret = String(openTargetConfig(store, d.id, d.config).webhookSecret ?? '');
    const body = JSON.stringify(digestJson(data));
    const res = await ctx.policy.fetch(d.url, {
      method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), body,
      headers: { 'content-type': 'application/json; charset=utf-8', [SIGNATURE_HEADER]: signBody(secret, body, ctx.now()), 'user-agent': 'vigil-reports/1' },
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new VigilError('VIGIL_NETWORK', `destination ${d.id}: HTTP ${res.status}`, { input: 'destinationId', rule: 'http-status' });
    outcome.webhook = { status: res.status };
  }
  const summary = {
    new: data.totals.newFindings.total, fixed: data.totals.fixedFindings.total, open: data.totals.open.total, openBySeverity: data.totals.open.bySeverity,
    resources: data.totals.coverage.total, ...outcome,
  };
  await store.db.updateTable('report_runs').set({ status: 'SENT', error: null, summary: JSON.stringify(summary), finished_at: ctx.now().toISOString() }).where('id', '=', run.id).execute();
  return { run: (await store.db.selectFrom('report_runs').selectAll().where('id', '=', run.id).executeTakeFirst())!, outcome };
}

/** The last attempt failed: the run is FAILED with its error. */
export async function failDigestRun(store: Store, runId: string, error: string, now: Date): Promise<void> {
  await store.db.updateTable('report_runs').set({ status: 'FAILED', error: error.slice(0, 2000), finished_at: now.toISOString() }).where('id', '=', runId).where('status', '=', 'QUEUED').execute();
}

/** Records a failed attempt's error on a run still to be retried. */
export async function noteDigestError(store: Store, runId: string, error: string): Promise<void> {
  await store.db.updateTable('report_runs').set({ error: error.slice(0, 2000) }).where('id', '=', runId).execute();
}
