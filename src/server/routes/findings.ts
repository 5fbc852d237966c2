/**
 * /v1 findings endpoints: findings, resources and their inventory, coverage, aggregations, the
 * resources a vulnerability affects, and the events outbox; suppression rules are in
 * suppression.ts (registered from here). Every read is limited to the caller's sight
 * (findings/scope.ts); ids out of sight are 404. Lists are keyset pages (findings/query.ts).
 */
import type { Selectable } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { affectedResources, countFindings, findingTimeSeries } from '../../findings/index.ts';
import { inUseOf, type InUseView } from '../../engine/index.ts';
import type { Severity } from '../../model/index.ts';
import type { Database, Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import * as q from '../../findings/query.ts';
import { findingFilterOf } from '../findings/filter.ts';
import { accountScope } from '../findings/scope.ts';
import {
  AffectedResources, Aggregation, AggregationQuery, Coverage, DailyQuery, DailySeries, ErrorBody, Events, EventsQuery, Finding,
  FindingsQuery, FindingSummary, IdParams, InventoryPackage, Page, PackagesQuery, Resource, ResourceDetail, ResourcesQuery,
} from '../schemas.ts';
import { notFound } from '../tenancy/access.ts';
import { toFindingSummary } from '../../findings/view.ts';
import { findingViewRoutes } from './finding-views.ts';
import { suppressionRoutes } from './suppression.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** A findings row as the API shows it. */
export { toFindingSummary };

/** The resource's last scan error (engine/scan.ts keeps it in its attributes). */
export function lastErrorOf(attributes: string): string | null {
  try {
    const e = (JSON.parse(attributes) as { lastError?: unknown }).lastError;
    return typeof e === 'string' ? e : null;
  } catch {
    return null;
  }
}

/** The last scan's `partial` summary (engine/scan.ts keeps it in the attributes), when files were skipped. */
export function partialOf(attributes: string): { partial?: { skipped: number; rules: Record<string, number> } } {
  try {
    const p = (JSON.parse(attributes) as { partial?: { skipped?: unknown; rules?: unknown } }).partial;
    return p && typeof p.skipped === 'number' ? { partial: { skipped: p.skipped, rules: (p.rules ?? {}) as Record<string, number> } } : {};
  } catch {
    return {};
  }
}

function toResource(r: Selectable<Database['resources']>, counts: Partial<Record<Severity, number>> | undefined, inUse?: InUseView) {
  const c = counts ?? {};
  return {
    id: r.id, accountId: r.account_id, type: r.type, name: r.name, ref: r.ref, digest: r.digest, tags: JSON.parse(r.tags) as string[],
    coverage: { status: r.coverage_status as 'ACTIVE' | 'INACTIVE', reason: r.coverage_reason, lastScannedAt: r.last_scanned_at, lastError: lastErrorOf(r.attributes), ...partialOf(r.attributes) },
    activeFindings: { ...c, total: Object.values(c).reduce((a, b) => a + (b ?? 0), 0) },
    ...(inUse ? { inUse } : {}),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export const findingsRoutes: FastifyPluginAsyncZod<{ store: Store; warmDashboards?: boolean }> = async (app, { store, warmDashboards }) => {
  const db = store.db;

  app.get('/v1/findings', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, querystring: FindingsQuery,
      summary: 'findings in your sight, filtered, worst first; keyset pages (follow nextCursor)',
      description: 'Lists are comma-separated or repeated parameters. Without status, only ACTIVE findings are listed.',
      response: { 200: Page(FindingSummary), ...errors },
    },
  }, async (request) => {
    const qs = request.query;
    const filter = await findingFilterOf(store, principalOf(request), qs);
    const page = await q.listFindings(store, filter, { sort: qs.sort, limit: qs.limit, cursor: qs.cursor });
    return { items: page.items.map((f) => toFindingSummary(f, f.resource)), nextCursor: page.nextCursor };
  });

  app.get('/v1/findings/:id', {
    config: { access: 'read' },
    schema: { tags: ['findings'], security, params: IdParams, summary: 'one finding, with its details (advisories, aliases, CVSS, the explanation of the match)', response: { 200: Finding, ...errors } },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request));
    const f = await q.getFinding(store, request.params.id, accountIds);
    if (!f) throw notFound('finding', request.params.id);
    const resource = (await q.resourceSummaries(store, [f.resource_id])).get(f.resource_id);
    return { ...toFindingSummary(f, resource), details: JSON.parse(f.details) };
  });

  const resourcePage = async (accountIds: string[], qs: { type?: string[]; coverageStatus?: string[]; coverageReason?: string[]; name?: string; inUse?: 'true' | 'false'; limit: number; cursor?: string }) => {
    const filter = { accountIds, types: qs.type, coverageStatuses: qs.coverageStatus, coverageReasons: qs.coverageReason, name: qs.name, ...(qs.inUse ? { inUse: qs.inUse === 'true' } : {}) };
    const page = await q.listResources(store, filter, { limit: qs.limit, cursor: qs.cursor });
    const counts = await q.activeCountsByResource(store, page.items.map((r) => r.id));
    const inUse = await inUseOf(store, page.items);
    return { filter, items: page.items.map((r) => toResource(r, counts.get(r.id), inUse.get(r.id))), nextCursor: page.nextCursor };
  };

  app.get('/v1/resources', {
    config: { access: 'read' },
    schema: { tags: ['resources'], security, querystring: ResourcesQuery, summary: 'resources in your sight by name, with coverage and ACTIVE findings by severity', response: { 200: Page(Resource), ...errors } },
  }, async (request) => {
    const { filter: _, ...page } = await resourcePage(await accountScope(db, principalOf(request), request.query.accountId), request.query);
    return page;
  });

  app.get('/v1/resources/:id', {
    config: { access: 'read' },
    schema: { tags: ['resources'], security, params: IdParams, summary: 'one resource, with its coverage, ACTIVE findings by severity and package count', response: { 200: ResourceDetail, ...errors } },
  }, async (request) => {
    const r = await q.getResource(store, request.params.id, await accountScope(db, principalOf(request)));
    if (!r) throw notFound('resource', request.params.id);
    const counts = await q.activeCountsByResource(store, [r.id]);
    const inUse = await inUseOf(store, [r]);
    return { ...toResource(r, counts.get(r.id), inUse.get(r.id)), packageCount: await q.countPackages(store, r.id) };
  });

  app.get('/v1/resources/:id/packages', {
    config: { access: 'read' },
    schema: { tags: ['resources'], security, params: IdParams, querystring: PackagesQuery, summary: "a resource's inventory (the packages of its last scan)", response: { 200: Page(InventoryPackage), ...errors } },
  }, async (request) => {
    const r = await q.getResource(store, request.params.id, await accountScope(db, principalOf(request)));
    if (!r) throw notFound('resource', request.params.id);
    const page = await q.listPackages(store, r.id, request.query);
    return {
      items: page.items.map((p) => ({
        ecosystem: p.ecosystem, name: p.name, version: p.version, purl: p.purl, location: p.location,
        locations: p.locations ? (JSON.parse(p.locations) as string[]) : [p.location], layer: p.layer ? JSON.parse(p.layer) : null,
        sourceName: p.source_name, sourceVersion: p.source_version, ownedBy: p.owned_by,
      })),
      nextCursor: page.nextCursor,
    };
  });

  app.get('/v1/coverage', {
    config: { access: 'read' },
    schema: {
      tags: ['resources'], security, querystring: ResourcesQuery,
      summary: 'scan coverage: resource counts by (type, coverage status, reason), and the resources (filtered like /v1/resources)',
      response: { 200: Coverage, ...errors },
    },
  }, async (request) => {
    const { filter, ...page } = await resourcePage(await accountScope(db, principalOf(request), request.query.accountId), request.query);
    return { summary: await q.coverageSummary(store, filter), ...page };
  });

  app.get('/v1/aggregations/findings', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, querystring: AggregationQuery,
      summary: 'finding counts by severity, account, resource, vulnerability, package, layer, repository, function, type, title, image tag or fix availability, with the severity breakdown of each',
      description: 'Takes every filter of /v1/findings (status defaults to ACTIVE). Largest groups first (by=severity: in severity order).',
      response: { 200: Aggregation, ...errors },
    },
  }, async (request) => {
    const { by, limit, ...qs } = request.query;
    const filter = await findingFilterOf(store, principalOf(request), qs);
    return { by, items: await countFindings(store, { by, where: q.findingWhere(store, filter), limit }) };
  });

  app.get('/v1/aggregations/findings/daily', {
    config: { access: 'read' },
    schema: { tags: ['findings'], security, querystring: DailyQuery, summary: 'daily finding counts by severity (from the daily snapshots), days inclusive', response: { 200: DailySeries, ...errors } },
  }, async (request) => {
    const qs = request.query;
    const accountIds = await accountScope(db, principalOf(request), qs.accountId);
    return { items: await findingTimeSeries(store, { from: qs.from, to: qs.to, accountIds, statuses: qs.status }) };
  });

  app.get('/v1/vulnerabilities/:id/resources', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, params: IdParams,
      summary: 'every resource in your sight with open findings of a vulnerability (its id or any alias)',
      response: { 200: AffectedResources, ...errors },
    },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request));
    const r = await affectedResources(store, request.params.id, accountIds);
    return { vulnerabilityId: r.vulnerabilityId, items: r.resources };
  });

  app.get('/v1/events', {
    config: { access: 'read' },
    schema: {
      tags: ['events'], security, querystring: EventsQuery,
      summary: 'the events outbox in your sight, oldest first: poll with ?after=<nextAfter>',
      description: 'finding.created, finding.updated, finding.closed, scan.completed and coverage.changed, written in the same transaction as the change they describe.',
      response: { 200: Events, ...errors },
    },
  }, async (request) => {
    const qs = request.query;
    const accountIds = await accountScope(db, principalOf(request), qs.accountId);
    const rows = await q.listEvents(store, { accountIds, after: qs.after, types: qs.types, limit: qs.limit });
    return {
      items: rows.map((e) => ({ id: Number(e.id), type: e.type, accountId: e.account_id, resourceId: e.resource_id, payload: JSON.parse(e.payload) as Record<string, unknown>, createdAt: e.created_at })),
      nextAfter: rows.length ? Number(rows[rows.length - 1].id) : qs.after,
    };
  });

  await app.register(suppressionRoutes, { store });
  await app.register(findingViewRoutes, { store, warmDashboards });
};
