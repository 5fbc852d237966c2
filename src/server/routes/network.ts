/**
 * /v1/network/topologies (issue 16): an account's network topologies — the AWS CLI outputs of
 * src/detectors/network, uploaded under a name — analysed in the isolated scan process into
 * network_reachability findings on the account's hosts (engine/network.ts). Reading needs the
 * read level; uploading and deleting the operate level. Tenancy as for suppression rules: a
 * topology belongs to an account in the caller's sight; others are 404.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getTopology, listTopologies, type Engine } from '../../engine/index.ts';
import { accountSettings } from '../../engine/scan.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody } from '../schemas.ts';
import { PutTopologyBody, Topologies, TopologiesQuery, Topology, TopologyParams, TopologyQuery } from '../schemas-network.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** Largest upload (all files together, as JSON): the AWS CLI output of ~20,000 instances. */
export const MAX_TOPOLOGY_BYTES = 128 * 1024 * 1024;

export const networkRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;

  app.get('/v1/network/topologies', {
    config: { access: 'read' },
    schema: { tags: ['network'], security, querystring: TopologiesQuery, summary: 'the network topologies of the accounts in sight', response: { 200: Topologies, ...errors } },
  }, async (request) => ({ items: await listTopologies(store, await accountScope(db, principalOf(request), request.query.accountId)) }));

  app.get('/v1/network/topologies/:name', {
    config: { access: 'read' },
    schema: { tags: ['network'], security, params: TopologyParams, querystring: TopologyQuery, summary: 'one topology: its status, counts and notes', response: { 200: Topology, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const accountId = request.query.accountId ? (await visibleAccount(db, p, request.query.accountId)).id : p.account.id;
    const t = await getTopology(store, accountId, request.params.name);
    if (!t) throw notFound('network topology', request.params.name);
    return t;
  });

  app.put('/v1/network/topologies/:name', {
    config: { access: 'operate' },
    bodyLimit: MAX_TOPOLOGY_BYTES,
    schema: {
      tags: ['network'], security, params: TopologyParams, body: PutTopologyBody,
      summary: 'upload (or replace) a topology: the AWS CLI outputs, analysed before the response; network_reachability findings follow on the account\'s hosts',
      response: { 200: Topology, ...errors, 409: ErrorBody, 413: ErrorBody },
    },
  }, async (request) => {
    const p = principalOf(request);
    const accountId = request.body.accountId ? (await visibleAccount(db, p, request.body.accountId)).id : p.account.id;
    const acct = await accountSettings(store, accountId);
    if (acct && acct.status !== 'ENABLED') throw new VigilError('VIGIL_CONFLICT', `account ${accountId} is disabled: its resources are not analysed (the delegated admin enables it)`, { input: accountId, rule: 'account-disabled' });
    const files: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.body.files)) files[name] = typeof value === 'string' ? value : JSON.stringify(value);
    const t = await engine.putTopology(accountId, request.params.name, files);
    request.log.info({ account: accountId, topology: t.name, counts: t.counts }, 'network topology analysed');
    return t;
  });

  app.delete('/v1/network/topologies/:name', {
    config: { access: 'operate' },
    schema: { tags: ['network'], security, params: TopologyParams, querystring: TopologyQuery, summary: 'delete a topology: the findings of its paths close', response: { 204: z.null().describe('deleted'), ...errors } },
  }, async (request, reply) => {
    const p = principalOf(request);
    const accountId = request.query.accountId ? (await visibleAccount(db, p, request.query.accountId)).id : p.account.id;
    if (!(await engine.deleteTopology(accountId, request.params.name))) throw notFound('network topology', request.params.name);
    return reply.code(204).send(null);
  });
};
