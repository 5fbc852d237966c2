/**
 * /v1/event-destinations (issue 19): where an account's events are pushed — webhooks (CloudEvents
 * 1.0, or a finding in OCSF or ASFF), Slack incoming webhooks, Microsoft Teams workflows, Jira
 * projects (an issue per finding, engine/jira.ts) — with filters, the delivery log, and redelivery of
 * dead letters (engine/delivery.ts).
 *
 * A destination belongs to an account in the caller's sight (`accountId`, default the caller's);
 * a delegated admin's destination receives the events of every account of its organization.
 * Creating, changing and deleting one sends data out of Vigil: the admin role. Its URL goes
 * through the tenants' request policy when registered and at every attempt. The signing secret is
 * shown once, in the creation answer; a Jira destination's API token (`password`) never.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createDestination, deleteDestination, deliveryView, DestinationInput, DestinationPatch, destinationView, getDestination, listDeliveries,
  listDestinations, redeliver, updateDestination, type DestinationRow, type Engine,
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

const Destination = z.object({
  id: z.string(), accountId: z.string(), name: z.string(), kind: z.enum(['webhook', 'slack', 'teams', 'jira']), url: z.string(),
  format: z.enum(['cloudevents', 'ocsf', 'asff']), consoleUrl: z.string().optional(), aws: z.object({ accountId: z.string(), region: z.string() }).optional(),
  jira: z.object({ projectKey: z.string(), issueType: z.string(), email: z.string(), closeTransition: z.string() }).optional().describe('kind jira: the settings (the API token is never shown)'),
  filters: z.record(z.string(), z.unknown()), enabled: z.boolean(), createdAt: z.string(), updatedAt: z.string(),
}).meta({ id: 'EventDestination' });
const Created = Destination.extend({ secret: z.string().optional().describe('the HMAC key of the Vigil-Signature header; shown only here (not for jira)') });
const Delivery = z.object({
  id: z.string(), destinationId: z.string(), eventId: z.number(), eventType: z.string(), status: z.enum(['PENDING', 'DELIVERED', 'DEAD']),
  attempts: z.number(), nextAttemptAt: z.string().nullable(), lastAttemptAt: z.string().nullable(), responseStatus: z.number().nullable(),
  lastError: z.string().nullable(), createdAt: z.string(), deliveredAt: z.string().nullable(),
}).meta({ id: 'EventDelivery' });

export const destinationRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;
  const visible = async (p: Principal, id: string): Promise<DestinationRow> => {
    const d = await getDestination(store, id);
    if (!d || !(await accountScope(db, p)).includes(d.account_id)) throw notFound('event destination', id);
    return d;
  };

  app.post('/v1/event-destinations', {
    config: { access: 'admin' },
    schema: {
      tags: ['events'], security, body: z.looseObject({}).describe('EventDestinationInput: name, kind (webhook|slack|teams|jira), url, secret?, filters?, enabled?, format?, consoleUrl?, aws?, jira? {projectKey, issueType?, email, closeTransition?}, password? (jira: the API token), accountId?'),
      summary: 'create an event destination; it receives the events that happen from now on. The signing secret is in this answer only',
      response: { 201: Created, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const { accountId, ...rest } = request.body as { accountId?: unknown };
    if (accountId !== undefined && typeof accountId !== 'string') throw new VigilError('VIGIL_INVALID_INPUT', 'accountId: must be a string', { input: 'accountId', rule: 'schema' });
    // the input's rules (formats, asff's aws) are checked here, naming the field
    const parsed = DestinationInput.safeParse(rest);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new VigilError('VIGIL_INVALID_INPUT', `${i.path.join('.') || 'body'}: ${i.message}`, { input: i.path.join('.'), rule: 'schema' });
    }
    const owner = accountId ? (await visibleAccount(db, p, accountId)).id : p.account.id;
    const { row, secret } = await createDestination(engine.ctx, owner, parsed.data);
    return reply.code(201).send({ ...destinationView(row), secret });
  });

  app.get('/v1/event-destinations', {
    config: { access: 'read' },
    schema: { tags: ['events'], security, querystring: z.strictObject({ accountId: Id.optional() }), summary: 'the event destinations in sight', response: { 200: z.object({ items: z.array(Destination) }), ...errors } },
  }, async (request) => ({ items: (await listDestinations(store, await accountScope(db, principalOf(request), request.query.accountId))).map(destinationView) }));

  app.get('/v1/event-destinations/:id', {
    config: { access: 'read' },
    schema: { tags: ['events'], security, params: IdParams, summary: 'one event destination', response: { 200: Destination, ...errors } },
  }, async (request) => destinationView(await visible(principalOf(request), request.params.id)));

  app.patch('/v1/event-destinations/:id', {
    config: { access: 'admin' },
    schema: { tags: ['events'], security, params: IdParams, body: DestinationPatch, summary: 'change a destination\'s name, URL, filters, whether it is enabled, or a Jira destination\'s API token (password)', response: { 200: Destination, ...errors } },
  }, async (request) => {
    const d = await visible(principalOf(request), request.params.id);
    const row = await updateDestination(engine.ctx, d.id, request.body);
    if (!row) throw notFound('event destination', d.id);
    return destinationView(row);
  });

  app.delete('/v1/event-destinations/:id', {
    config: { access: 'admin' },
    schema: { tags: ['events'], security, params: IdParams, summary: 'delete a destination and its delivery log', response: { 204: z.null(), ...errors } },
  }, async (request, reply) => {
    const d = await visible(principalOf(request), request.params.id);
    await deleteDestination(store, d.id);
    return reply.code(204).send(null);
  });

  app.get('/v1/event-destinations/:id/deliveries', {
    config: { access: 'read' },
    schema: {
      tags: ['events'], security, params: IdParams,
      querystring: z.strictObject({
        status: z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(z.enum(['PENDING', 'DELIVERED', 'DEAD']))).optional().describe('DEAD: the dead letters'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      summary: 'the delivery log, newest event first: attempts, response status, last error', response: { 200: z.object({ items: z.array(Delivery) }), ...errors },
    },
  }, async (request) => {
    const d = await visible(principalOf(request), request.params.id);
    return { items: (await listDeliveries(store, d.id, { status: request.query.status, limit: request.query.limit })).map(deliveryView) };
  });

  app.post('/v1/event-destinations/:id/deliveries/:deliveryId/redeliver', {
    config: { access: 'operate' },
    schema: { tags: ['events'], security, params: z.strictObject({ id: Id, deliveryId: Id }), summary: 'send a dead letter (or a pending delivery) again now, its attempts counted afresh', response: { 202: Delivery, ...errors } },
  }, async (request, reply) => {
    const d = await visible(principalOf(request), request.params.id);
    const row = await redeliver(store, d.id, request.params.deliveryId, engine.ctx.now());
    if (!row) throw notFound('delivery', request.params.deliveryId);
    return reply.code(202).send(deliveryView(row));
  });
};
