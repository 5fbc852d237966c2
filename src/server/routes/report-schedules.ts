/**
 * /v1/report-schedules (issue 19): daily or weekly digests of an account's findings (engine/digest.ts)
 * e-mailed to recipients over the operator's SMTP server and/or POSTed to one of the account's
 * webhook event destinations; `POST …/{id}/send` sends one now; `GET …/{id}/runs` is the history.
 *
 * A schedule belongs to an account in the caller's sight (`accountId`, default the caller's); a
 * delegated admin's digest covers every account of its organization. Creating, changing and
 * deleting one sends data out of Vigil: the admin role; sending now: operate.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createReportSchedule, deleteReportSchedule, getReportSchedule, listReportRuns, listReportSchedules, ReportScheduleInput, ReportSchedulePatch,
  reportRunView, reportScheduleView, updateReportSchedule, type Engine, type ReportScheduleRow,
} from '../../engine/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, type Principal } from '../auth.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Id = z.string().min(1).max(100);

const ReportSchedule = z.object({
  id: z.string(), accountId: z.string(), name: z.string(), schedule: z.record(z.string(), z.unknown()), recipients: z.array(z.string()),
  destinationId: z.string().nullable(), enabled: z.boolean(), nextRunAt: z.string().nullable(), lastRunAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
}).meta({ id: 'ReportSchedule' });
const ReportRun = z.object({
  id: z.string(), scheduleId: z.string(), trigger: z.enum(['schedule', 'api']), status: z.enum(['QUEUED', 'SENT', 'FAILED']), periodFrom: z.string(), periodTo: z.string(),
  attempts: z.number(), error: z.string().nullable(), summary: z.record(z.string(), z.unknown()).nullable(), createdAt: z.string(), finishedAt: z.string().nullable(),
}).meta({ id: 'ReportRun' });

/** zod's first issue as a VigilError naming the field */
function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const field = i.path.join('.');
  throw new VigilError('VIGIL_INVALID_INPUT', `${field || 'body'}: ${i.message}`, { input: field, rule: 'schema' });
}

export const reportScheduleRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;
  const visible = async (p: Principal, id: string): Promise<ReportScheduleRow> => {
    const s = await getReportSchedule(store, id);
    if (!s || !(await accountScope(db, p)).includes(s.account_id)) throw notFound('report schedule', id);
    return s;
  };

  app.post('/v1/report-schedules', {
    config: { access: 'admin' },
    schema: {
      tags: ['reports'], security, body: z.looseObject({}).describe('ReportScheduleInput: name, schedule ({daily:{startTime}} or {weekly:{days,startTime}}), recipients?, destinationId?, enabled?, accountId?'),
      summary: 'create a daily or weekly digest, e-mailed and/or POSTed to a webhook destination', response: { 201: ReportSchedule, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { accountId, ...rest } = request.body as { accountId?: unknown };
    if (accountId !== undefined && typeof accountId !== 'string') throw new VigilError('VIGIL_INVALID_INPUT', 'accountId: must be a string', { input: 'accountId', rule: 'schema' });
    const input = parse(ReportScheduleInput, rest);
    const owner = accountId ? (await visibleAccount(db, p, accountId)).id : p.account.id;
    return reply.code(201).send(reportScheduleView(await createReportSchedule(engine.ctx, owner, input)));
  });

  app.get('/v1/report-schedules', {
    config: { access: 'read' },
    schema: { tags: ['reports'], security, querystring: z.strictObject({ accountId: Id.optional() }), summary: 'the report schedules in sight', response: { 200: z.object({ items: z.array(ReportSchedule) }), ...errors } },
  }, async (request) => ({ items: (await listReportSchedules(store, await accountScope(db, principalOf(request), request.query.accountId))).map(reportScheduleView) }));

  app.get('/v1/report-schedules/:id', {
    config: { access: 'read' },
    schema: { tags: ['reports'], security, params: IdParams, summary: 'one report schedule', response: { 200: ReportSchedule, ...errors } },
  }, async (request) => reportScheduleView(await visible(principalOf(request), request.params.id)));

  app.patch('/v1/report-schedules/:id', {
    config: { access: 'admin' },
    schema: { tags: ['reports'], security, params: IdParams, body: z.looseObject({}).describe('ReportSchedulePatch: name?, schedule?, recipients?, destinationId? (null removes it), enabled?'), summary: 'change a report schedule', response: { 200: ReportSchedule, ...errors } },
  }, async (request) => {
    const s = await visible(principalOf(request), request.params.id);
    return reportScheduleView(await updateReportSchedule(engine.ctx, s, parse(ReportSchedulePatch, request.body)));
  });

  app.delete('/v1/report-schedules/:id', {
    config: { access: 'admin' },
    schema: { tags: ['reports'], security, params: IdParams, summary: 'delete a report schedule and its run history', response: { 204: z.null(), ...errors } },
  }, async (request, reply) => {
    const s = await visible(principalOf(request), request.params.id);
    await deleteReportSchedule(store, s.id);
    return reply.code(204).send(null);
  });

  app.post('/v1/report-schedules/:id/send', {
    config: { access: 'operate' },
    schema: { tags: ['reports'], security, params: IdParams, summary: 'send the digest now, for the period since the previous run; the schedule\'s times do not move', response: { 202: ReportRun, ...errors } },
  }, async (request, reply) => {
    const s = await visible(principalOf(request), request.params.id);
    return reply.code(202).send(reportRunView(await engine.sendReport(s)));
  });

  app.get('/v1/report-schedules/:id/runs', {
    config: { access: 'read' },
    schema: {
      tags: ['reports'], security, params: IdParams, querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      summary: 'the runs of a schedule, newest first: period, status, attempts, error, what was sent', response: { 200: z.object({ items: z.array(ReportRun) }), ...errors },
    },
  }, async (request) => {
    const s = await visible(principalOf(request), request.params.id);
    return { items: (await listReportRuns(store, s.id, request.query.limit)).map(reportRunView) };
  });
};
