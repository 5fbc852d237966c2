/**
 * Event destinations (issue 19): an account's events pushed out as they happen, to webhooks, with
 * filters, signatures, retries, dead letters and a delivery log.
 *
 * Events are an outbox (`events`, ids only grow). `deliverEvents` (the `engine-deliver` job, every
 * few seconds) first moves each destination's `cursor` over the events of the accounts its owner
 * sees — a delivery row (PENDING) for every event its filters pass, and the cursor, in one
 * transaction — then attempts the deliveries that are due. An attempt is claimed by moving
 * `next_attempt_at` forward in a conditional update (the lease: a process that dies mid-attempt
 * leaves the delivery due again a minute later), POSTs the CloudEvent through the tenants' request
 * policy (no loopback or private address unless the operator allowed it; redirects not followed),
 * signed (integrations/events), and records the outcome: 2xx DELIVERED; otherwise a retry after
 * an exponential backoff with jitter (10 s, 20 s, 40 s … capped at an hour), and DEAD after
 * {@link MAX_ATTEMPTS} attempts — a dead letter, redelivered on request
 * (`POST /v1/event-destinations/{id}/deliveries/{deliveryId}/redeliver`).
 *
 * Per destination, deliveries go in event order and one at a time; a destination that fails does
 * not hold up the others.
 *
 * Jira destinations (`kind: 'jira'`, engine/jira.ts) take finding events: an issue per finding
 * (found again by its label before any create), comments on changes, the close transition; their
 * API token is sealed at rest with the destination's config (`password`) and never shown.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Selectable } from 'kysely';
import { toCloudEvent, signBody, CLOUDEVENTS_CONTENT_TYPE, SIGNATURE_HEADER, retryAfterMs, type StoredEvent } from '../integrations/events/index.ts';
import { toFindingSummary } from '../findings/view.ts';
import { toAsff, toOcsfEvent, toSlackMessage, toTeamsMessage, type EventView, type FindingView } from '../integrations/formats/index.ts';
import { VigilError } from '../model/errors.ts';
import type { Database, Store } from '../store/index.ts';
import { checkHost } from './access.ts';
import { ownerScope } from './cis.ts';
import { tagSelector, tagsOf } from './resource-tags.ts';
import type { EngineContext } from './scan.ts';
import { deliverToJira, JiraSettings, type AttemptResult } from './jira.ts';
import { openTargetConfig, sealTargetConfig } from './secrets.ts';

export const EVENT_TYPES = ['finding.created', 'finding.updated', 'finding.closed', 'scan.completed', 'coverage.changed'] as const;
export const DESTINATION_KINDS = ['webhook', 'slack', 'teams', 'jira'] as const;
/** what a webhook receives: a CloudEvent (default; every event type), or a finding in OCSF or ASFF (finding events only) */
/** Where ASFF findings are to be imported: the Security Hub account and region (webhooks and findings reports in ASFF). */
export const SecurityHubTarget = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/, '12 digits'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
});

export const WEBHOOK_FORMATS = ['cloudevents', 'ocsf', 'asff'] as const;
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
/** attempts before a delivery becomes a dead letter */
export const MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 3_600_000;
/** how long an attempt holds its delivery (the request's own timeout is shorter) */
const ATTEMPT_LEASE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const VIGIL_VERSION = '0.1.0';
/** events considered per destination per run, and attempts per run */
const EVENTS_PER_RUN = 1000;
const ATTEMPTS_PER_RUN = 200;

export const DestinationFilters = z.strictObject({
  eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).optional().describe('only these event types (default: all)'),
  severities: z.array(z.enum(SEVERITIES)).min(1).optional().describe('finding events of these severities only'),
  findingTypes: z.array(z.string().min(1).max(64)).min(1).max(20).optional().describe('finding events of these finding types only (package_vulnerability, secret, …)'),
  resourceTypes: z.array(z.enum(['image', 'host', 'function', 'repository', 'rootfs'])).min(1).optional(),
  resourceTags: tagSelector(10).optional().describe('only events about resources with these tags: every key, one of its values'),
});
export type DestinationFilters = z.infer<typeof DestinationFilters>;

const HttpUrl = z.string().max(2000).refine((u) => {
  try {
    const x = new URL(u);
    return (x.protocol === 'https:' || x.protocol === 'http:') && !x.username && !x.password && !!x.hostname;
  } catch {
    return false;
  }
}, 'an http(s) URL without credentials in it');

export const DestinationInput = z.strictObject({
  name: z.string().min(1).max(128).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters'),
  kind: z.enum(DESTINATION_KINDS).default('webhook'),
  url: HttpUrl.describe('where events are POSTed (jira: the Jira base URL, like https://example.atlassian.net)'),
  secret: z.string().min(16).max(200).optional().describe('the HMAC key of the Vigil-Signature header (generated when absent; shown once; not for jira)'),
  jira: JiraSettings.optional().describe('kind jira: project key, issue type, the API token\'s user (email), close transition'),
  password: z.string().min(1).max(1000).optional().describe('kind jira: the API token (sealed at rest, never shown)'),
  filters: DestinationFilters.default({}),
  enabled: z.boolean().default(true),
  format: z.enum(WEBHOOK_FORMATS).default('cloudevents').describe('webhooks: the body (slack and teams destinations send their own message formats)'),
  consoleUrl: HttpUrl.optional().describe('the console\'s base URL, for links to findings in messages'),
  aws: SecurityHubTarget.optional().describe('format asff: the Security Hub account and region'),
}).superRefine((d, ctx) => {
  if (d.format === 'asff' && !d.aws) ctx.addIssue({ code: 'custom', path: ['aws'], message: 'format asff needs aws.accountId and aws.region' });
  if (d.kind !== 'webhook' && d.format !== 'cloudevents') ctx.addIssue({ code: 'custom', path: ['format'], message: `${d.kind} destinations send ${d.kind} messages; format applies to webhooks` });
  if (d.kind === 'jira') {
    if (!d.jira) ctx.addIssue({ code: 'custom', path: ['jira'], message: 'kind jira needs jira.projectKey and jira.email' });
    if (!d.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'kind jira needs the API token in password' });
    if (d.secret) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'jira destinations do not sign: the token in password authenticates' });
  } else {
    if (d.jira) ctx.addIssue({ code: 'custom', path: ['jira'], message: 'jira settings apply to kind jira' });
    if (d.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'password (an API token) applies to kind jira' });
  }
});
export type DestinationInput = z.input<typeof DestinationInput>;
export const DestinationPatch = z.strictObject({
  name: DestinationInput.shape.name.optional(), url: HttpUrl.optional(), filters: DestinationFilters.optional(), enabled: z.boolean().optional(),
  password: z.string().min(1).max(1000).optional().describe('jira: a new API token'),
});

export type DestinationRow = Selectable<Database['event_destinations']>;
export type DeliveryRow = Selectable<Database['event_deliveries']>;

interface DestinationOptions { format: (typeof WEBHOOK_FORMATS)[number]; consoleUrl?: string; aws?: { accountId: string; region: string }; jira?: JiraSettings }
/** the open part of the stored config (the sealed credentials are not read) */
const optionsOf = (r: DestinationRow): DestinationOptions => {
  const c = JSON.parse(r.config) as Partial<DestinationOptions>;
  return { format: c.format ?? 'cloudevents', ...(c.consoleUrl ? { consoleUrl: c.consoleUrl } : {}), ...(c.aws ? { aws: c.aws } : {}), ...(c.jira ? { jira: c.jira } : {}) };
};
/** slack, teams, OCSF and ASFF speak of findings: such a destination gets finding events only */
const findingsOnly = (r: DestinationRow): boolean => r.kind !== 'webhook' || optionsOf(r).format !== 'cloudevents';

export function destinationView(r: DestinationRow) {
  return {
    id: r.id, accountId: r.account_id, name: r.name, kind: r.kind as (typeof DESTINATION_KINDS)[number], url: r.url, ...optionsOf(r),
    filters: JSON.parse(r.filters) as DestinationFilters, enabled: r.status === 'ENABLED', createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function deliveryView(r: DeliveryRow) {
  return {
    id: r.id, destinationId: r.destination_id, eventId: Number(r.event_id), eventType: r.event_type, status: r.status as 'PENDING' | 'DELIVERED' | 'DEAD',
    attempts: Number(r.attempts), nextAttemptAt: r.status === 'PENDING' ? r.next_attempt_at : null, lastAttemptAt: r.last_attempt_at,
    responseStatus: r.response_status === null ? null : Number(r.response_status), lastError: r.last_error, createdAt: r.created_at, deliveredAt: r.delivered_at,
  };
}

/** The URL's host, checked against the tenants' policy now (it is checked again at every attempt). */
async function checkUrl(ctx: EngineContext, url: string): Promise<void> {
  await checkHost(ctx.policy, new URL(url).hostname.replace(/^\[|\]$/g, ''), `destination url ${JSON.stringify(url)}`);
}

/**
 * Creates a destination; it receives the events that happen from now on. The secret (or a Jira
 * destination's API token) is sealed at rest like targets' credentials; the secret is returned here
 * only, the token never.
 */
export async function createDestination(ctx: EngineContext, owner: string, input: z.output<typeof DestinationInput>): Promise<{ row: DestinationRow; secret?: string }> {
  await checkUrl(ctx, input.url);
  const now = ctx.now().toISOString();
  const id = `dst-${randomUUID()}`;
  const secret = input.kind === 'jira' ? undefined : input.secret ?? randomBytes(32).toString('base64url');
  const last = await ctx.store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  const config = {
    ...(secret ? { webhookSecret: secret } : {}), format: input.format, ...(input.consoleUrl ? { consoleUrl: input.consoleUrl } : {}), ...(input.aws ? { aws: input.aws } : {}),
    ...(input.kind === 'jira' ? { jira: input.jira, password: input.password } : {}),
  };
  const row: DestinationRow = {
    id, account_id: owner, name: input.name, kind: input.kind, url: input.url,
    config: await sealTargetConfig(ctx.store, ctx.store.db, id, config),
    filters: JSON.stringify(input.filters), status: input.enabled ? 'ENABLED' : 'DISABLED', cursor: Number(last?.m ?? 0), created_at: now, updated_at: now,
  };
  await ctx.store.db.insertInto('event_destinations').values(row).execute();
  return { row, ...(secret ? { secret } : {}) };
}

export async function updateDestination(ctx: EngineContext, id: string, patch: z.output<typeof DestinationPatch>): Promise<DestinationRow | undefined> {
  if (patch.url) await checkUrl(ctx, patch.url);
  let config: string | undefined;
  if (patch.password !== undefined) {
    const d = await getDestination(ctx.store, id);
    if (!d) return undefined;
    if (d.kind !== 'jira') throw new VigilError('VIGIL_INVALID_INPUT', 'password: a new API token applies to jira destinations', { input: 'password', rule: 'jira-only' });
    config = await sealTargetConfig(ctx.store, ctx.store.db, id, { ...openTargetConfig(ctx.store, id, d.config), password: patch.password });
  }
  await ctx.store.db.updateTable('event_destinations').set({
    ...(config !== undefined ? { config } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.filters !== undefined ? { filters: JSON.stringify(patch.filters) } : {}),
    ...(patch.enabled !== undefined ? { status: patch.enabled ? 'ENABLED' : 'DISABLED' } : {}),
    updated_at: ctx.now().toISOString(),
  }).where('id', '=', id).execute();
  return getDestination(ctx.store, id);
}

export async function getDestination(store: Store, id: string): Promise<DestinationRow | undefined> {
  return store.db.selectFrom('event_destinations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listDestinations(store: Store, accountIds: readonly string[]): Promise<DestinationRow[]> {
  if (!accountIds.length) return [];
  return store.db.selectFrom('event_destinations').selectAll().where('account_id', 'in', [...accountIds]).orderBy('name').orderBy('id').execute();
}

/** Deletes a destination and its delivery log. */
export async function deleteDestination(store: Store, id: string): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('event_deliveries').where('destination_id', '=', id).execute();
    const r = await trx.deleteFrom('event_destinations').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

export async function listDeliveries(store: Store, destinationId: string, f: { status?: string[]; limit: number }): Promise<DeliveryRow[]> {
  let q = store.db.selectFrom('event_deliveries').selectAll().where('destination_id', '=', destinationId);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  return q.orderBy('event_id', 'desc').limit(f.limit).execute();
}

/** A dead letter (or a delivery still pending) goes out again now, with a fresh count of attempts. */
export async function redeliver(store: Store, destinationId: string, deliveryId: string, now: Date): Promise<DeliveryRow | undefined> {
  await store.db.updateTable('event_deliveries').set({ status: 'PENDING', attempts: 0, next_attempt_at: now.toISOString(), last_error: null })
    .where('id', '=', deliveryId).where('destination_id', '=', destinationId).where('status', 'in', ['DEAD', 'PENDING']).execute();
  return store.db.selectFrom('event_deliveries').selectAll().where('id', '=', deliveryId).where('destination_id', '=', destinationId).executeTakeFirst();
}

/** The wait before attempt `n + 1` after `n` failed ones: 10 s · 2^(n−1), capped at an hour, ±20 % jitter. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The wait after a failed attempt: the backoff, or longer when the receiver asked for longer with
 * Retry-After (Slack, Teams and Jira answer 429 with one): never sooner than asked.
 */
export function nextWaitMs(attempts: number, r: { retryAfter?: string }, now: Date, random: () => number = Math.random): number {
  const backoff = backoffMs(attempts, random);
  const asked = retryAfterMs(r.retryAfter, now);
  return asked === undefined ? backoff : Math.max(backoff, asked);
}

interface EventFacts { severity?: string; findingType?: string; resourceType?: string; tags: Record<string, string> }

function passes(f: DestinationFilters, type: string, facts: EventFacts): boolean {
  if (f.eventTypes && !f.eventTypes.includes(type as never)) return false;
  const isFinding = type.startsWith('finding.');
  if (f.severities && (!isFinding || !f.severities.includes(facts.severity as never))) return false;
  if (f.findingTypes && (!isFinding || !f.findingTypes.includes(facts.findingType ?? ''))) return false;
  if (f.resourceTypes && !f.resourceTypes.includes(facts.resourceType as never)) return false;
  if (f.resourceTags) for (const [k, vs] of Object.entries(f.resourceTags)) if (!vs.includes(facts.tags[k])) return false;
  return true;
}

/** What the filters look at, for a batch of events: their findings' severity and type, their resources' type and tags. */
async function factsOf(store: Store, events: { type: string; resource_id: string | null; payload: string }[]): Promise<EventFacts[]> {
  const findingIds = new Set<string>();
  const resourceIds = new Set<string>();
  const parsed = events.map((e) => JSON.parse(e.payload) as { findingId?: string });
  for (const [i, e] of events.entries()) {
    if (parsed[i].findingId) findingIds.add(parsed[i].findingId!);
    if (e.resource_id) resourceIds.add(e.resource_id);
  }
  const findings = new Map<string, { severity: string; type: string }>();
  const ids = [...findingIds];
  for (let i = 0; i < ids.length; i += 500) {
    for (const f of await store.db.selectFrom('findings').select(['id', 'severity', 'type']).where('id', 'in', ids.slice(i, i + 500)).execute()) findings.set(f.id, f);
  }
  const resources = new Map<string, string>();
  const rids = [...resourceIds];
  for (let i = 0; i < rids.length; i += 500) {
    for (const r of await store.db.selectFrom('resources').select(['id', 'type']).where('id', 'in', rids.slice(i, i + 500)).execute()) resources.set(r.id, r.type);
  }
  const tags = await tagsOf(store.db, rids);
  return events.map((e, i) => {
    const f = parsed[i].findingId ? findings.get(parsed[i].findingId!) : undefined;
    return { severity: f?.severity, findingType: f?.type, resourceType: e.resource_id ? resources.get(e.resource_id) : undefined, tags: e.resource_id ? tags.get(e.resource_id) ?? {} : {} };
  });
}

/** Moves a destination's cursor over the new events of its owner's accounts, recording the deliveries its filters pass. */
async function enqueueFor(store: Store, d: DestinationRow, now: Date): Promise<number> {
  const scope = await ownerScope(store.db, d.account_id);
  if (!scope.length) return 0;
  const events = await store.db.selectFrom('events').selectAll().where('id', '>', Number(d.cursor)).where('account_id', 'in', scope).orderBy('id').limit(EVENTS_PER_RUN).execute();
  if (!events.length) return 0;
  const filters = JSON.parse(d.filters) as DestinationFilters;
  const facts = await factsOf(store, events);
  const at = now.toISOString();
  const onlyFindings = findingsOnly(d);
  const rows = events.filter((e, i) => passes(filters, e.type, facts[i]) && (!onlyFindings || e.type.startsWith('finding.'))).map((e) => ({
    id: `dlv-${randomUUID()}`, destination_id: d.id, account_id: e.account_id, event_id: Number(e.id), event_type: e.type, status: 'PENDING',
    attempts: 0, next_attempt_at: at, last_attempt_at: null, response_status: null, last_error: null, created_at: at, delivered_at: null,
  }));
  const last = Number(events.at(-1)!.id);
  await store.db.transaction().execute(async (trx) => {
    // the cursor moves only from where this run read it: a concurrent run that moved it first wins, and this one records nothing
    const moved = await trx.updateTable('event_destinations').set({ cursor: last }).where('id', '=', d.id).where('cursor', '=', d.cursor).executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return;
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('event_deliveries').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['destination_id', 'event_id']).doNothing()).execute();
    }
  });
  return rows.length;
}

/**
 * The body of a delivery: the CloudEvent, with the finding as the API shows it for finding events;
 * or the destination's own format of the finding (OCSF, ASFF, Slack, Teams).
 */
async function bodyOf(store: Store, eventId: number, d: DestinationRow): Promise<string | null> {
  const v = await viewsOf(store, eventId);
  if (!v) return null;
  const { se, payload, extra } = v;
  const o = optionsOf(d);
  if (!findingsOnly(d)) return JSON.stringify(toCloudEvent(se, extra));
  // a finding event whose finding was purged since: nothing to format
  if (!v.finding) return null;
  const f = v.finding;
  const view = v.view;
  const ctx = { vigilVersion: VIGIL_VERSION, ...(o.consoleUrl ? { consoleUrl: o.consoleUrl } : {}) };
  if (d.kind === 'slack') return JSON.stringify(toSlackMessage(view, f, ctx));
  if (d.kind === 'teams') return JSON.stringify(toTeamsMessage(view, f, ctx));
  if (o.format === 'ocsf') return JSON.stringify(toOcsfEvent(view, f, ctx));
  return JSON.stringify(toAsff(f, { ...ctx, aws: o.aws! }));
}

/** An event as stored and as the API lists it, with its finding as `GET /v1/findings/{id}` shows it (finding events). */
async function viewsOf(store: Store, eventId: number): Promise<{ se: StoredEvent; payload: Record<string, unknown>; extra: Record<string, unknown>; view: EventView; finding?: FindingView } | null> {
  const e = await store.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!e) return null;
  const payload = JSON.parse(e.payload) as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  if (typeof payload.findingId === 'string') {
    const f = await store.db.selectFrom('findings').selectAll().where('id', '=', payload.findingId).executeTakeFirst();
    if (f) {
      const r = await store.db.selectFrom('resources').select(['id', 'type', 'name', 'ref', 'digest']).where('id', '=', f.resource_id).executeTakeFirst();
      extra.finding = { ...toFindingSummary(f, r ?? null), details: JSON.parse(f.details) as unknown };
    }
  }
  const se: StoredEvent = { id: Number(e.id), type: e.type, accountId: e.account_id, resourceId: e.resource_id, createdAt: e.created_at, payload };
  const view: EventView = { id: se.id, type: se.type, accountId: se.accountId, resourceId: se.resourceId, payload, createdAt: se.createdAt };
  return { se, payload, extra, view, ...(extra.finding ? { finding: extra.finding as FindingView } : {}) };
}

export interface DeliverySummary { enqueued: number; attempted: number; delivered: number; failed: number; dead: number }

/**
 * One run of the delivery worker: new events become deliveries, due deliveries are attempted.
 * `fetch` defaults to the tenants' policy's (tests may pass the same with another resolver).
 */
export async function deliverEvents(ctx: EngineContext, opts: { random?: () => number; requestTimeoutMs?: number } = {}): Promise<DeliverySummary> {
  const { store } = ctx;
  const out: DeliverySummary = { enqueued: 0, attempted: 0, delivered: 0, failed: 0, dead: 0 };
  const dests = await store.db.selectFrom('event_destinations').selectAll().where('status', '=', 'ENABLED').execute();
  for (const d of dests) out.enqueued += await enqueueFor(store, d, ctx.now());
  const byId = new Map(dests.map((d) => [d.id, d]));
  const due = await store.db.selectFrom('event_deliveries').selectAll().where('status', '=', 'PENDING').where('next_attempt_at', '<=', ctx.now().toISOString())
    .orderBy('destination_id').orderBy('event_id').limit(ATTEMPTS_PER_RUN).execute();
  // per destination in event order; a destination that failed this run is not tried again in it
  const blocked = new Set<string>();
  for (const dl of due) {
    const d = byId.get(dl.destination_id);
    if (!d || blocked.has(d.id)) continue;
    const now = ctx.now();
    const claimed = await store.db.updateTable('event_deliveries').set({ next_attempt_at: new Date(now.getTime() + ATTEMPT_LEASE_MS).toISOString() })
      .where('id', '=', dl.id).where('status', '=', 'PENDING').where('next_attempt_at', '=', dl.next_attempt_at).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    out.attempted++;
    const r = await attempt(ctx, d, dl, opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    const attempts = Number(dl.attempts) + 1;
    const at = ctx.now().toISOString();
    if (r.ok) {
      await store.db.updateTable('event_deliveries').set({ status: 'DELIVERED', attempts, last_attempt_at: at, delivered_at: at, response_status: r.status ?? null, last_error: null }).where('id', '=', dl.id).execute();
      out.delivered++;
      continue;
    }
    blocked.add(d.id);
    const dead = attempts >= MAX_ATTEMPTS || ('permanent' in r && r.permanent === true);
    await store.db.updateTable('event_deliveries').set({
      status: dead ? 'DEAD' : 'PENDING', attempts, last_attempt_at: at, response_status: r.status ?? null, last_error: r.error.slice(0, 2000),
      next_attempt_at: dead ? at : new Date(ctx.now().getTime() + nextWaitMs(attempts, r, ctx.now(), opts.random)).toISOString(),
    }).where('id', '=', dl.id).execute();
    if (dead) out.dead++;
    else out.failed++;
    ctx.log.warn({ destination: d.id, delivery: dl.id, event: Number(dl.event_id), attempts, status: r.status, err: r.error, dead }, 'event delivery failed');
  }
  return out;
}

async function attempt(ctx: EngineContext, d: DestinationRow, dl: DeliveryRow, timeoutMs: number): Promise<AttemptResult> {
  if (d.kind === 'jira') return attemptJira(ctx, d, dl, timeoutMs);
  let body: string | null;
  try {
    body = await bodyOf(ctx.store, Number(dl.event_id), d);
  } catch (err) {
    // a formatter's refusal (a setting it needs): no retry changes it
    return { ok: false, error: `the event cannot be formatted for this destination: ${(err as Error).message}`, permanent: true };
  }
  if (body === null) return { ok: true }; // the event was purged: nothing left to send
  let secret: string;
  try {
    secret = String(openTargetConfig(ctx.store, d.id, d.config).webhookSecret ?? '');
  } catch (err) {
    return { ok: false, error: `the destination's secret cannot be opened: ${(err as Error).message}` };
  }
  try {
    const res = await ctx.policy.fetch(d.url, {
      method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), body,
      headers: { 'content-type': findingsOnly(d) ? 'application/json; charset=utf-8' : CLOUDEVENTS_CONTENT_TYPE, [SIGNATURE_HEADER]: signBody(secret, body, ctx.now()), 'user-agent': 'vigil-events/1', 'ce-id': String(dl.event_id) },
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const retryAfter = res.status === 429 || res.status === 503 ? res.headers.get('retry-after') : null;
    return { ok: false, status: res.status, error: `HTTP ${res.status}${retryAfter ? ` (Retry-After: ${retryAfter.slice(0, 100)})` : ''}`, ...(retryAfter ? { retryAfter } : {}) };
  } catch (err) {
    const e = err as Error;
    return { ok: false, error: e instanceof VigilError ? e.message : `${e.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : e.message}` };
  }
}

/** A finding event to a Jira destination (engine/jira.ts): the event and its finding as the API shows them, the token opened. */
async function attemptJira(ctx: EngineContext, d: DestinationRow, dl: DeliveryRow, timeoutMs: number): Promise<AttemptResult> {
  const views = await viewsOf(ctx.store, Number(dl.event_id));
  if (!views?.finding) return { ok: true }; // the event or its finding was purged: nothing left to send
  const o = optionsOf(d);
  if (!o.jira) return { ok: false, error: 'the destination has no jira settings', permanent: true };
  let token: string;
  try {
    token = String(openTargetConfig(ctx.store, d.id, d.config).password ?? '');
  } catch (err) {
    return { ok: false, error: `the destination's API token cannot be opened: ${(err as Error).message}` };
  }
  return deliverToJira(ctx.policy, { url: d.url, settings: o.jira, token, vigilVersion: VIGIL_VERSION, timeoutMs, ...(o.consoleUrl ? { consoleUrl: o.consoleUrl } : {}) }, views.view, views.finding);
}
