/**
 * /v1 SBOM endpoints: a resource's SBOM (CycloneDX 1.6 / SPDX 2.3 JSON, a download), SBOM export
 * jobs (Inspector's CreateSbomExport: asynchronous, a zip of one document per resource), and
 * scanning an uploaded SBOM (Inspector's ScanSbom: findings, nothing stored).
 *
 * Tenancy as everywhere: resources and exports out of the caller's sight are 404. An export
 * belongs to the account its filter names (a delegated admin exporting for a member), else to the
 * caller's account; only callers who see that account see the export.
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  checkDestination, createSbomExport, getSbomExport, storedPublicDestination, listSbomExports, renderSbom, resourceScanResult, sbomArchiveName, sbomExportArchive, sbomFileName,
  SBOM_EXPORT_MAX_RESOURCES, type Engine, type SbomExportRow, type SbomFormat,
} from '../../engine/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import * as q from '../../findings/query.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import { CreateSbomExport, SbomExport, SbomExports, SbomExportsQuery, SbomFormatQuery, SbomScanBody, SbomScanResult } from '../schemas-sbom.ts';
import { notFound } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Largest SBOM `POST /v1/sbom/scan` takes. */
export const MAX_SBOM_SCAN_BYTES = 32 * 1024 * 1024;

const MEDIA_TYPE: Record<SbomFormat, string> = {
  cyclonedx: 'application/vnd.cyclonedx+json; version=1.6; charset=utf-8',
  spdx: 'application/spdx+json; charset=utf-8',
};

/** `attachment; filename="…"` with a plain-ASCII name (sbomFileName only makes such names). */
const attachment = (name: string) => `attachment; filename="${name.replace(/["\\]/g, '_')}"`;

function toView(r: SbomExportRow) {
  return {
    id: r.id, accountId: r.account_id, status: r.status as 'QUEUED', format: r.format as SbomFormat, resources: Number(r.resource_count),
    ...(r.documents !== null ? { documents: Number(r.documents) } : {}),
    ...(r.error ? { error: r.error } : {}),
    createdAt: r.created_at,
    ...(r.started_at ? { startedAt: r.started_at } : {}),
    ...(r.completed_at ? { completedAt: r.completed_at } : {}),
    expiresAt: r.expires_at,
    ...(r.size !== null ? { size: Number(r.size) } : {}),
    ...(r.destination ? { destination: storedPublicDestination(r.destination) } : {}),
    ...(r.location ? { location: r.location } : {}),
    ...(r.status === 'SUCCEEDED' && r.blob_digest ? { downloadUrl: `/v1/sbom-exports/${r.id}/download` } : {}),
  };
}

const asList = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** The same name test as /v1/resources: exact, or `*` as a wildcard, case-insensitive. */
function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = new RegExp(`^${pattern.toLowerCase().split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(name.toLowerCase());
}

export const sbomRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;

  app.get('/v1/resources/:id/sbom', {
    config: { access: 'read' },
    schema: {
      tags: ['resources'], security, params: IdParams, querystring: SbomFormatQuery,
      summary: "the resource's inventory (its last scan's packages, with their layers) as a CycloneDX 1.6 or SPDX 2.3 JSON download",
      response: { 200: SbomScanBody.describe('the CycloneDX 1.6 or SPDX 2.3 JSON document (Content-Disposition: attachment)'), ...errors },
    },
  }, async (request, reply) => {
    const r = await q.getResource(store, request.params.id, await accountScope(db, principalOf(request)));
    if (!r) throw notFound('resource', request.params.id);
    const result = await resourceScanResult(store, r.id);
    if (!result) throw notFound('resource', request.params.id);
    const format = request.query.format;
    // a string payload is sent as it is (no response serialization)
    return reply.type(MEDIA_TYPE[format]).header('content-disposition', attachment(sbomFileName(r, format))).send(renderSbom(result, format));
  });

  app.post('/v1/sbom-exports', {
    config: { access: 'operate' },
    schema: {
      tags: ['sbom'], security, body: CreateSbomExport,
      summary: `export the SBOMs of resources (listed, or selected by a filter; at most ${SBOM_EXPORT_MAX_RESOURCES}) as a zip, asynchronously; poll GET /v1/sbom-exports/{id}`,
      response: { 202: SbomExport, ...errors, 413: ErrorBody },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { format, resourceIds, filter = {}, destination } = request.body;
    // a refused directory or endpoint is refused now, before anything is queued
    if (destination) await checkDestination(engine.policy, destination);
    const scope = await accountScope(db, p, filter.accountId);
    const types = asList(filter.resourceType);
    const statuses = asList(filter.coverageStatus);
    let ids: string[];
    if (resourceIds) {
      const rows = await db.selectFrom('resources').select(['id', 'account_id', 'type', 'name', 'coverage_status'])
        .where('id', 'in', [...new Set(resourceIds)]).where('account_id', 'in', scope).execute();
      const found = new Map(rows.map((r) => [r.id, r]));
      const missing = resourceIds.find((id) => !found.has(id));
      if (missing !== undefined) throw notFound('resource', missing);
      // a filter given with the ids narrows them
      const keep = (r: (typeof rows)[number]) => (!types || types.includes(r.type as never)) && (!statuses || statuses.includes(r.coverage_status as never)) && (filter.name === undefined || nameMatches(filter.name, r.name));
      ids = rows.filter(keep).map((r) => r.id);
    } else {
      ids = [];
      let cursor: string | undefined;
      // one more than the limit is enough to refuse
      do {
        const page = await q.listResources(store, { accountIds: scope, types, coverageStatuses: statuses, name: filter.name }, { limit: 500, ...(cursor ? { cursor } : {}) });
        ids.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && ids.length <= SBOM_EXPORT_MAX_RESOURCES);
    }
    const row = await createSbomExport(store, {
      accountId: filter.accountId ?? p.account.id, format, resourceIds: ids,
      request: { ...(resourceIds ? { resourceIds } : {}), ...(request.body.filter ? { filter: request.body.filter } : {}) },
      ...(destination ? { destination } : {}),
    }, engine.ctx.now());
    await engine.enqueueSbomExport(row.id);
    request.log.info({ export: row.id, resources: ids.length, format }, 'SBOM export queued');
    return reply.code(202).send(toView(row));
  });

  const visibleExport = async (p: ReturnType<typeof principalOf>, id: string): Promise<SbomExportRow> => {
    const row = await getSbomExport(store, id);
    if (!row || !(await accountScope(db, p)).includes(row.account_id)) throw notFound('SBOM export', id);
    return row;
  };

  app.get('/v1/sbom-exports', {
    config: { access: 'read' },
    schema: { tags: ['sbom'], security, querystring: SbomExportsQuery, summary: 'the SBOM exports in your sight, newest first (they expire 7 days after they were asked for)', response: { 200: SbomExports, ...errors } },
  }, async (request) => {
    const scope = await accountScope(db, principalOf(request), request.query.accountId);
    return { items: (await listSbomExports(store, scope, request.query.limit)).map(toView) };
  });

  app.get('/v1/sbom-exports/:id', {
    config: { access: 'read' },
    schema: { tags: ['sbom'], security, params: IdParams, summary: "an SBOM export's status (QUEUED, IN_PROGRESS, SUCCEEDED with downloadUrl, FAILED with error)", response: { 200: SbomExport, ...errors } },
  }, async (request) => toView(await visibleExport(principalOf(request), request.params.id)));

  app.get('/v1/sbom-exports/:id/download', {
    config: { access: 'read' },
    schema: {
      tags: ['sbom'], security, params: IdParams,
      summary: "a SUCCEEDED export's zip: one document per resource, named <resource name>_<resource id>.cdx.json or .spdx.json",
      response: { 200: SbomScanBody.describe('application/zip'), ...errors, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const row = await visibleExport(principalOf(request), request.params.id);
    if (row.destination) throw new VigilError('VIGIL_CONFLICT', `SBOM export ${row.id} was written to its destination${row.location ? ` (${row.location})` : ''}, not kept for download`, { input: row.id, rule: 'export-has-destination' });
    if (row.status !== 'SUCCEEDED') throw new VigilError('VIGIL_CONFLICT', `SBOM export ${row.id} is ${row.status}${row.error ? `: ${row.error}` : ''}; download it once it SUCCEEDED`, { input: row.id, rule: 'export-not-ready' });
    const zip = await sbomExportArchive(store, row);
    if (!zip) throw notFound('SBOM export', row.id);
    return reply.type('application/zip').header('content-disposition', attachment(sbomArchiveName(row.id))).send(zip);
  });

  // ScanSbom: the document arrives as text and is parsed only in the isolated scan process
  await app.register(async (plain) => {
    const scan = plain.withTypeProvider<ZodTypeProvider>();
    scan.addContentTypeParser(['application/json', 'application/vnd.cyclonedx+json', 'application/spdx+json'], { parseAs: 'string', bodyLimit: MAX_SBOM_SCAN_BYTES }, (_req, body, done) => done(null, body));

    scan.post('/v1/sbom/scan', {
      config: { access: 'operate' },
      bodyLimit: MAX_SBOM_SCAN_BYTES,
      schema: {
        tags: ['sbom'], security, body: SbomScanBody,
        summary: 'match an SBOM (CycloneDX 1.4–1.6 or SPDX 2.3 JSON, at most 32 MiB) against the vulnerability database; nothing is stored. Findings as `vigil scan sbom --format json` gives them',
        response: { 200: SbomScanResult, ...errors, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
    }, async (request) => {
      const body = request.body;
      if (typeof body !== 'string' || body.length === 0) throw new VigilError('VIGIL_INVALID_INPUT', 'send the SBOM as the body with Content-Type: application/json', { rule: 'content-type' });
      let out;
      try {
        out = await engine.scanSbom(body, 'request body');
      } catch (err) {
        // an empty vulnerability database is the operator's to fix, not a server fault
        if (err instanceof VigilError && err.rule === 'database-empty') throw new VigilError('VIGIL_CONFLICT', 'the vulnerability database is empty: the operator must run `vigil db update` (or `vigil db import`) first', { rule: 'database-empty' });
        throw err;
      }
      const { canonicalize } = await import('../../integrations/report/index.ts');
      const r = canonicalize(out.result);
      return { format: out.format, target: { ...r.target, kind: 'sbom' as const }, packages: r.packages, findings: r.findings, unknown: r.unknown, fixes: r.fixes, skipped: out.skipped };
    });
  });
};

