/**
 * What the console reads besides lists (issue 15): a finding's history, the export of a findings
 * filter (CSV or JSON, streamed page by page), the dashboard, and the vulnerability search and
 * record. Everything is limited to the accounts in the caller's sight (findings/scope.ts).
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { DashboardCache } from '../findings/dashboard.ts';
import { CSV_COLUMNS, csvLine } from '../../findings/csv.ts';
import { findingFilterOf } from '../findings/filter.ts';
import * as q from '../../findings/query.ts';
import { accountScope } from '../findings/scope.ts';
import { searchHits, vulnerabilityRecord } from '../findings/vulnerabilities.ts';
import {
  Dashboard, DashboardQuery, ErrorBody, ExportQuery, FindingHistory, IdParams, VulnerabilityRecord, VulnerabilitySearch, VulnerabilitySearchQuery,
} from '../schemas.ts';
import { notFound } from '../tenancy/access.ts';
import { toFindingSummary } from './findings.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export { CSV_COLUMNS, csvField } from '../../findings/csv.ts';

export const findingViewRoutes: FastifyPluginAsyncZod<{ store: Store; warmDashboards?: boolean }> = async (app, { store, warmDashboards }) => {
  const db = store.db;
  const dashboards = new DashboardCache(store, { onError: (err) => app.log.warn({ err }, 'dashboard refresh failed') });
  if (warmDashboards) {
    // every organization's whole scope (what its delegated admin's console opens on), in the background
    app.addHook('onReady', async () => {
      const rows = await db.selectFrom('accounts').select(['id', 'organization_id']).execute();
      const byOrg = new Map<string, string[]>();
      for (const r of rows) byOrg.set(r.organization_id, [...(byOrg.get(r.organization_id) ?? []), r.id]);
      const started = Date.now();
      dashboards.warm([...byOrg.values()]).then(
        () => app.log.info({ organizations: byOrg.size, ms: Date.now() - started }, 'dashboards computed'),
        (err) => app.log.warn({ err }, 'dashboard warm-up failed'),
      );
    });
  }

  app.get('/v1/findings/:id/history', {
    config: { access: 'read' },
    schema: { tags: ['findings'], security, params: IdParams, summary: "a finding's history: the events about it (created, updated, closed), oldest first", response: { 200: FindingHistory, ...errors } },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request));
    const f = await q.getFinding(store, request.params.id, accountIds);
    if (!f) throw notFound('finding', request.params.id);
    const rows = await q.findingEvents(store, f.id, f.account_id);
    return { items: rows.map((e) => ({ id: Number(e.id), type: e.type, accountId: e.account_id, resourceId: e.resource_id, payload: JSON.parse(e.payload) as Record<string, unknown>, createdAt: e.created_at })) };
  });

  app.get('/v1/findings/export', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, querystring: ExportQuery,
      summary: 'every finding the filter selects, as a CSV or JSON download (streamed)',
      description: `Takes every filter of /v1/findings. CSV columns: ${CSV_COLUMNS.join(', ')}; cells starting with = + - @ are prefixed with ' (spreadsheet formula injection). JSON: an array of FindingSummary.`,
      response: { 200: z.string().describe('text/csv or application/json, Content-Disposition: attachment'), ...errors },
    },
  }, async (request, reply) => {
    const { format, sort, ...qs } = request.query;
    // the filter is checked (and 400/404 thrown) before the first byte goes out
    const filter = await findingFilterOf(store, principalOf(request), qs);
    async function* rows() {
      let cursor: string | undefined;
      do {
        const page = await q.listFindings(store, filter, { sort, limit: 500, cursor });
        yield page.items.map((f) => toFindingSummary(f, f.resource));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    async function* body() {
      if (format === 'csv') {
        yield `${CSV_COLUMNS.join(',')}\r\n`;
        for await (const items of rows()) if (items.length) yield items.map(csvLine).join('');
      } else {
        let first = true;
        yield '[';
        for await (const items of rows()) {
          for (const f of items) {
            yield `${first ? '' : ','}\n${JSON.stringify(f)}`;
            first = false;
          }
        }
        yield '\n]\n';
      }
    }
    const day = new Date().toISOString().slice(0, 10);
    reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="vigil-findings-${day}.${format}"`);
    // a stream is sent as it is (no serializer); the 200 schema above only documents it
    return reply.send(Readable.from(body()) as unknown as string);
  });

  app.get('/v1/dashboard', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, querystring: DashboardQuery,
      summary: 'what the dashboard shows, in one call: coverage, ACTIVE findings by severity and fix availability, new in 24 h, top resources and vulnerabilities, 30-day trend',
      description: 'A dashboard is reused for up to 30 s per set of accounts while no finding or coverage changed. After a change, the previous numbers (up to 5 min old) are answered at once while new ones are computed for the next call; generatedAt says when they were computed, and fresh=true waits for current numbers.',
      response: { 200: Dashboard, ...errors },
    },
  }, async (request) => dashboards.get(await accountScope(db, principalOf(request), request.query.accountId), { fresh: request.query.fresh }));

  app.get('/v1/vulnerabilities', {
    config: { access: 'read' },
    schema: {
      tags: ['vulnerabilities'], security, querystring: VulnerabilitySearchQuery,
      summary: 'search the vulnerability database: an id or alias (exact or prefix), else summary text or a package name; one hit per alias group',
      response: { 200: VulnerabilitySearch, ...errors },
    },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request));
    return { items: await searchHits(store, request.query.q, request.query.limit, accountIds) };
  });

  app.get('/v1/vulnerabilities/:id', {
    config: { access: 'read' },
    schema: {
      tags: ['vulnerabilities'], security, params: IdParams,
      summary: 'the merged record of a vulnerability (its id or any alias): advisories with fixed versions, CVSS vectors, KEV, EPSS, references',
      response: { 200: VulnerabilityRecord, ...errors },
    },
  }, async (request) => {
    const accountIds = await accountScope(db, principalOf(request));
    const r = await vulnerabilityRecord(store, request.params.id, accountIds);
    if (!r) throw notFound('vulnerability', request.params.id);
    return r;
  });
};
