/**
 * /v1/findings-reports (issue 19, Amazon Inspector's CreateFindingsReport): the findings a filter
 * selects, written asynchronously as CSV, JSON, OCSF or ASFF to an S3 bucket, a directory under
 * --allow-path, or kept for download (engine/findings-report.ts).
 *
 * The filter is GET /v1/findings's, resolved for the caller when the report is asked for (so the
 * report holds what the caller could list then). A report belongs to the account its filter names
 * (a delegated admin reporting on a member), else to the caller's; only callers who see that
 * account see it. A destination is checked before anything is queued (a directory outside
 * --allow-path, an endpoint the outgoing-request policy refuses: 403), and again when the job
 * writes. The S3 secret access key is sealed at rest and never answered.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  checkDestination, createFindingsReport, findingsReportBlob, getFindingsReport, listFindingsReports, REPORT_MEDIA_TYPE, reportFileName, reportFormatOf,
  storedPublicDestination, type Engine, type FindingsReportRow,
} from '../../engine/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { findingFilterOf } from '../findings/filter.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import { CreateFindingsReport, FindingsReport, FindingsReports, FindingsReportsQuery } from '../schemas-exports.ts';
import { notFound } from '../tenancy/access.ts';
import { z } from 'zod';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function toView(r: FindingsReportRow) {
  const request = JSON.parse(r.request) as { filter?: Record<string, unknown>; aws?: { accountId: string; region: string } };
  return {
    id: r.id, accountId: r.account_id, status: r.status as 'QUEUED', format: reportFormatOf(r), ...(request.aws ? { aws: request.aws } : {}), filter: request.filter ?? {},
    ...(r.destination ? { destination: storedPublicDestination(r.destination) } : {}),
    ...(r.findings !== null ? { findings: Number(r.findings) } : {}),
    ...(r.location ? { location: r.location } : {}),
    ...(r.size !== null ? { size: Number(r.size) } : {}),
    ...(r.error ? { error: r.error } : {}),
    createdAt: r.created_at,
    ...(r.started_at ? { startedAt: r.started_at } : {}),
    ...(r.completed_at ? { completedAt: r.completed_at } : {}),
    expiresAt: r.expires_at,
    ...(r.status === 'SUCCEEDED' && r.blob_digest ? { downloadUrl: `/v1/findings-reports/${r.id}/download` } : {}),
  };
}

export const findingsReportRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;

  app.post('/v1/findings-reports', {
    config: { access: 'operate' },
    schema: {
      tags: ['findings'], security, body: CreateFindingsReport,
      summary: 'write the findings a filter selects as CSV, JSON, OCSF or ASFF to an S3 bucket or a directory (or keep it for download), asynchronously; poll GET /v1/findings-reports/{id}',
      response: { 202: FindingsReport, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { filter: given = {}, format, destination, aws } = request.body;
    // the filter is checked (and 400/404 thrown) first, then the destination (403)
    const filter = await findingFilterOf(store, p, given);
    if (destination) await checkDestination(engine.policy, destination);
    const row = await createFindingsReport(store, {
      accountId: given.accountId ?? p.account.id, format, filter, request: { filter: request.body.filter ?? {}, ...(aws ? { aws } : {}) }, ...(destination ? { destination } : {}),
    }, engine.ctx.now());
    await engine.enqueueFindingsReport(row.id);
    request.log.info({ report: row.id, format, destination: destination?.kind ?? 'download' }, 'findings report queued');
    return reply.code(202).send(toView(row));
  });

  const visible = async (p: ReturnType<typeof principalOf>, id: string): Promise<FindingsReportRow> => {
    const row = await getFindingsReport(store, id);
    if (!row || !(await accountScope(db, p)).includes(row.account_id)) throw notFound('findings report', id);
    return row;
  };

  app.get('/v1/findings-reports', {
    config: { access: 'read' },
    schema: { tags: ['findings'], security, querystring: FindingsReportsQuery, summary: 'the findings reports in your sight, newest first (they expire 7 days after they were asked for)', response: { 200: FindingsReports, ...errors } },
  }, async (request) => {
    const scope = await accountScope(db, principalOf(request), request.query.accountId);
    return { items: (await listFindingsReports(store, scope, request.query.limit)).map(toView) };
  });

  app.get('/v1/findings-reports/:id', {
    config: { access: 'read' },
    schema: { tags: ['findings'], security, params: IdParams, summary: "a findings report's status (QUEUED, IN_PROGRESS, SUCCEEDED with location or downloadUrl, FAILED with error)", response: { 200: FindingsReport, ...errors } },
  }, async (request) => toView(await visible(principalOf(request), request.params.id)));

  app.get('/v1/findings-reports/:id/download', {
    config: { access: 'read' },
    schema: {
      tags: ['findings'], security, params: IdParams,
      summary: 'a SUCCEEDED report kept by the server (one asked for without a destination)',
      response: { 200: z.string().describe('text/csv, application/json or application/x-ndjson (OCSF), Content-Disposition: attachment'), ...errors, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const row = await visible(principalOf(request), request.params.id);
    if (row.destination) throw new VigilError('VIGIL_CONFLICT', `findings report ${row.id} was written to its destination${row.location ? ` (${row.location})` : ''}, not kept for download`, { input: row.id, rule: 'report-has-destination' });
    if (row.status !== 'SUCCEEDED') throw new VigilError('VIGIL_CONFLICT', `findings report ${row.id} is ${row.status}${row.error ? `: ${row.error}` : ''}; download it once it SUCCEEDED`, { input: row.id, rule: 'report-not-ready' });
    const data = await findingsReportBlob(store, row);
    if (!data) throw notFound('findings report', row.id);
    const format = reportFormatOf(row);
    return reply.type(REPORT_MEDIA_TYPE[format]).header('content-disposition', `attachment; filename="${reportFileName(row.id, format)}"`).send(data as unknown as string);
  });
};
