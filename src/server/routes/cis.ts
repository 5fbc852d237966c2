/**
 * /v1/cis (issue 18): CIS benchmark scan configurations, their scans, results by target and by
 * check, history and trend, and reports (CSV/JSON); and /v1/resources/{id}/tags, the key/value
 * tags configurations target. Inspector's CIS scan API is the model (CreateCisScanConfiguration,
 * ListCisScans, ListCisScanResultsAggregatedByChecks / ByTargetResource, GetCisScanResultDetails,
 * GetCisScanReport).
 *
 * Tenancy: a configuration belongs to the account that created it (its owner); it may target the
 * owner's own account or, for a delegated admin, any account of the organization — each named
 * account must be in the caller's sight (else 404). Configurations and scans are visible to those
 * who see their owner; result rows are further limited to the accounts in the caller's sight.
 * Reading needs the read level; creating, changing, running and cancelling the operate level.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  cancelCisScan, cisReport, cisTrend, configView, createCisConfig, deleteCisConfig, getCisConfig, getCisScan, listCisConfigs, listCisScans,
  removeTags, scanChecks, scanResults, scanTargets, scanView, setTags, tagsOf, targetView, updateCisConfig,
  type CisConfigRow, type CisScanRow, type CisTargets, type Engine,
} from '../../engine/index.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, type Principal } from '../auth.ts';
import * as q from '../../findings/query.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import {
  CisBenchmarks, CisChecks, CisChecksQuery, CisConfig, CisConfigBody, CisConfigPatchBody, CisConfigs, CisConfigsQuery, CisReportQuery,
  CisResults, CisResultsQuery, CisScan, CisScans, CisScansQuery, CisTargetsList, CisTargetsQuery, CisTrend, CisTrendQuery,
  DeleteTagsQuery, PutTagsBody, TagsView,
} from '../schemas-cis.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const cisRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;

  /** the named accounts, each in the caller's sight (404 for the first that is not) */
  const checkTargets = async (p: Principal, t: CisTargets) => {
    for (const id of t.accountIds) await visibleAccount(db, p, id);
  };
  const visibleConfig = async (p: Principal, id: string): Promise<CisConfigRow> => {
    const c = await getCisConfig(store, id);
    if (!c || !(await accountScope(db, p)).includes(c.account_id)) throw notFound('CIS scan configuration', id);
    return c;
  };
  const visibleScan = async (p: Principal, id: string): Promise<CisScanRow> => {
    const s = await getCisScan(store, id);
    if (!s || !(await accountScope(db, p)).includes(s.account_id)) throw notFound('CIS scan', id);
    return s;
  };

  app.get('/v1/cis/benchmarks', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, summary: 'the CIS benchmarks this server assesses; a target\'s is chosen by its os-release', response: { 200: CisBenchmarks, ...errors } },
  }, async () => {
    const { loadBenchmarks } = await import('../../detectors/cis/index.ts');
    return {
      items: (await loadBenchmarks()).map((b) => ({
        id: b.id, title: b.title, version: b.version, platform: { id: b.platform.id, versionId: b.platform.version_id },
        checks: {
          level1: b.checks.filter((c) => c.level === 1).length, level2: b.checks.length,
          manual: b.checks.filter((c) => c.manual || !c.test).length, live: b.checks.filter((c) => c.live).length,
        },
      })),
    };
  });

  app.post('/v1/cis/scan-configurations', {
    config: { access: 'operate' },
    schema: {
      tags: ['cis'], security, body: CisConfigBody,
      summary: 'create a CIS scan configuration: what to assess (accounts, tags, resource types), at which level, on which schedule. A one-time configuration runs at once',
      response: { 201: CisConfig, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    await checkTargets(p, request.body.targets);
    const row = await createCisConfig(store, p.account.id, request.body, engine.ctx.now());
    // a one-time configuration is due now: the next tick (queued here) starts it
    if ('oneTime' in request.body.schedule) await engine.enqueueTick();
    return reply.code(201).send(configView(row));
  });

  app.get('/v1/cis/scan-configurations', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, querystring: CisConfigsQuery, summary: 'the CIS scan configurations in sight, by name', response: { 200: CisConfigs, ...errors } },
  }, async (request) => ({ items: (await listCisConfigs(store, await accountScope(db, principalOf(request), request.query.accountId))).map(configView) }));

  app.get('/v1/cis/scan-configurations/:id', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, params: IdParams, summary: 'one CIS scan configuration', response: { 200: CisConfig, ...errors } },
  }, async (request) => configView(await visibleConfig(principalOf(request), request.params.id)));

  app.patch('/v1/cis/scan-configurations/:id', {
    config: { access: 'operate' },
    schema: { tags: ['cis'], security, params: IdParams, body: CisConfigPatchBody, summary: 'change a configuration; a new schedule counts from now', response: { 200: CisConfig, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const c = await visibleConfig(p, request.params.id);
    if (request.body.targets) await checkTargets(p, request.body.targets);
    const row = await updateCisConfig(store, c.id, request.body, engine.ctx.now());
    if (!row) throw notFound('CIS scan configuration', c.id);
    if (request.body.schedule && 'oneTime' in request.body.schedule) await engine.enqueueTick();
    return configView(row);
  });

  app.delete('/v1/cis/scan-configurations/:id', {
    config: { access: 'operate' },
    schema: { tags: ['cis'], security, params: IdParams, summary: 'delete a configuration (its scans and results stay)', response: { 204: z.null(), ...errors } },
  }, async (request, reply) => {
    const c = await visibleConfig(principalOf(request), request.params.id);
    await deleteCisConfig(store, c.id);
    return reply.code(204).send(null);
  });

  app.post('/v1/cis/scan-configurations/:id/run', {
    config: { access: 'operate' },
    schema: { tags: ['cis'], security, params: IdParams, summary: 'start a scan of the configuration now (its schedule is unchanged)', response: { 202: CisScan, ...errors } },
  }, async (request, reply) => {
    const c = await visibleConfig(principalOf(request), request.params.id);
    return reply.code(202).send(scanView(await engine.startCisScan(c, 'api')));
  });

  app.get('/v1/cis/scans', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, querystring: CisScansQuery, summary: 'CIS scans in sight, newest first', response: { 200: CisScans, ...errors } },
  }, async (request) => {
    const scope = await accountScope(db, principalOf(request), request.query.accountId);
    return { items: (await listCisScans(store, scope, { configId: request.query.configurationId, status: request.query.status, limit: request.query.limit })).map(scanView) };
  });

  app.get('/v1/cis/scans/:id', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, params: IdParams, summary: 'one CIS scan: its status, targets done and check counts', response: { 200: CisScan, ...errors } },
  }, async (request) => scanView(await visibleScan(principalOf(request), request.params.id)));

  app.post('/v1/cis/scans/:id/cancel', {
    config: { access: 'operate' },
    schema: { tags: ['cis'], security, params: IdParams, summary: 'cancel a scan in progress: targets not yet assessed become CANCELLED', response: { 200: CisScan, ...errors } },
  }, async (request) => {
    const s = await visibleScan(principalOf(request), request.params.id);
    return scanView((await cancelCisScan(store, s.id, engine.ctx.now()))!);
  });

  app.get('/v1/cis/scans/:id/targets', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, params: IdParams, querystring: CisTargetsQuery, summary: 'results by target: each resource\'s benchmark, status and check counts', response: { 200: CisTargetsList, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const s = await visibleScan(p, request.params.id);
    return { items: (await scanTargets(store, s.id, await accountScope(db, p), { status: request.query.status })).map(targetView) };
  });

  app.get('/v1/cis/scans/:id/checks', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, params: IdParams, querystring: CisChecksQuery, summary: 'results by check: how many targets passed, failed, … each check (with status: the checks with any target in it)', response: { 200: CisChecks, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const s = await visibleScan(p, request.params.id);
    return { items: await scanChecks(store, s.id, await accountScope(db, p), { status: request.query.status, checkId: request.query.checkId }) };
  });

  app.get('/v1/cis/scans/:id/results', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, params: IdParams, querystring: CisResultsQuery, summary: 'check results with their evidence (file, line, value found and expected), by resource then check', response: { 200: CisResults, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const s = await visibleScan(p, request.params.id);
    const { limit, offset, ...f } = request.query;
    const all = await scanResults(store, s.id, await accountScope(db, p), f);
    const items = all.slice(offset, offset + limit) as z.infer<typeof CisResults>['items'];
    return { items, nextOffset: offset + limit < all.length ? offset + limit : null };
  });

  app.get('/v1/cis/scans/:id/report', {
    config: { access: 'read' },
    schema: {
      tags: ['cis'], security, params: IdParams, querystring: CisReportQuery,
      summary: 'the scan\'s report as a download: JSON (scan, targets, results) or CSV (one row per result and evidence; targets not assessed with why)',
      response: { 200: z.string().describe('application/json or text/csv (Content-Disposition: attachment)'), ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const s = await visibleScan(p, request.params.id);
    const { format, status } = request.query;
    const text = await cisReport(store, s, await accountScope(db, p), format, { status });
    return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vigil-cis-${s.id}.${format}"`).send(text);
  });

  app.get('/v1/cis/trend', {
    config: { access: 'read' },
    schema: { tags: ['cis'], security, querystring: CisTrendQuery, summary: 'history and trend: finished scans oldest first with counts and pass rate (of a configuration; of one resource with resourceId)', response: { 200: CisTrend, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const scope = await accountScope(db, p, request.query.accountId);
    if (request.query.resourceId && !(await q.getResource(store, request.query.resourceId, await accountScope(db, p)))) throw notFound('resource', request.query.resourceId);
    return { items: await cisTrend(store, scope, { configId: request.query.configurationId, resourceId: request.query.resourceId, limit: request.query.limit }) };
  });

  // ─── resource tags ────────────────────────────────────────────────────────────────────────────
  const visibleResource = async (p: Principal, id: string) => {
    const r = await q.getResource(store, id, await accountScope(db, p));
    if (!r) throw notFound('resource', id);
    return r;
  };

  app.get('/v1/resources/:id/tags', {
    config: { access: 'read' },
    schema: { tags: ['resources'], security, params: IdParams, summary: 'a resource\'s key/value tags (set through the API or reported by its agent)', response: { 200: TagsView, ...errors } },
  }, async (request) => {
    const r = await visibleResource(principalOf(request), request.params.id);
    return { resourceId: r.id, tags: (await tagsOf(db, [r.id])).get(r.id)! };
  });

  app.put('/v1/resources/:id/tags', {
    config: { access: 'operate' },
    schema: { tags: ['resources'], security, params: IdParams, body: PutTagsBody, summary: 'set key/value tags on a resource (other keys stay; at most 50); an agent never overwrites them', response: { 200: TagsView, ...errors, 413: ErrorBody } },
  }, async (request) => {
    const r = await visibleResource(principalOf(request), request.params.id);
    return { resourceId: r.id, tags: await setTags(db, { id: r.id, accountId: r.account_id }, request.body.tags, 'api', engine.ctx.now()) };
  });

  app.delete('/v1/resources/:id/tags', {
    config: { access: 'operate' },
    schema: { tags: ['resources'], security, params: IdParams, querystring: DeleteTagsQuery, summary: 'remove tags by key', response: { 200: TagsView, ...errors } },
  }, async (request) => {
    const r = await visibleResource(principalOf(request), request.params.id);
    return { resourceId: r.id, tags: await removeTags(db, r.id, request.query.keys) };
  });
};
