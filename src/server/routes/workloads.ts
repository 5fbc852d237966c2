/**
 * /v1/workloads (issue 19): running workloads. Kubernetes pod lists and ECS task descriptions are
 * uploaded per cluster (each upload replaces that cluster's snapshot); Kubernetes API servers can be
 * registered to be polled by the engine (their token sealed at rest). Uploading and registering need
 * the operate level, listing the read level; a cluster belongs to an account in the caller's sight.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { containersOfEcsTasks, containersOfPods, deleteCluster, listClusters, MAX_WORKLOAD_BYTES, putCluster, type Engine } from '../../engine/index.ts';
import type { Store } from '../../store/index.ts';
import { principalOf } from '../auth.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody } from '../schemas.ts';
import { Cluster, ClusterBody, ClusterParams, Clusters, ClustersQuery, EcsUpload, KubernetesUpload, SnapshotSummary } from '../schemas-workloads.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const workloadRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  const db = store.db;
  const accountOf = async (p: ReturnType<typeof principalOf>, id: string | undefined) => (id ? (await visibleAccount(db, p, id)).id : p.account.id);

  app.post('/v1/workloads/kubernetes', {
    config: { access: 'operate' },
    bodyLimit: MAX_WORKLOAD_BYTES,
    schema: { tags: ['workloads'], security, body: KubernetesUpload, summary: 'upload a cluster\'s pods (kubectl get pods -A -o json): replaces its snapshot; images in use follow', response: { 200: SnapshotSummary, ...errors, 413: ErrorBody } },
  }, async (request) => {
    const accountId = await accountOf(principalOf(request), request.body.accountId);
    const r = await engine.ingestWorkloads(accountId, 'kubernetes', request.body.cluster, containersOfPods(request.body.pods));
    return { cluster: request.body.cluster, ...r };
  });

  app.post('/v1/workloads/ecs', {
    config: { access: 'operate' },
    bodyLimit: MAX_WORKLOAD_BYTES,
    schema: { tags: ['workloads'], security, body: EcsUpload, summary: 'upload an ECS cluster\'s tasks (aws ecs describe-tasks): replaces its snapshot; images in use follow', response: { 200: SnapshotSummary, ...errors, 413: ErrorBody } },
  }, async (request) => {
    const accountId = await accountOf(principalOf(request), request.body.accountId);
    const r = await engine.ingestWorkloads(accountId, 'ecs', request.body.cluster, containersOfEcsTasks(request.body.tasks));
    return { cluster: request.body.cluster, ...r };
  });

  app.get('/v1/workloads/kubernetes/clusters', {
    config: { access: 'read' },
    schema: { tags: ['workloads'], security, querystring: ClustersQuery, summary: 'the polled Kubernetes API servers of the accounts in sight (tokens never shown)', response: { 200: Clusters, ...errors } },
  }, async (request) => ({ items: await listClusters(store, await accountScope(db, principalOf(request), request.query.accountId)) }));

  app.post('/v1/workloads/kubernetes/clusters', {
    config: { access: 'operate' },
    schema: { tags: ['workloads'], security, body: ClusterBody, summary: 'register (or replace, by name) a Kubernetes API server the engine polls for pods every intervalMinutes, through the tenants\' network policy', response: { 200: Cluster, ...errors } },
  }, async (request) => {
    const { accountId: id, ...input } = request.body;
    const accountId = await accountOf(principalOf(request), id);
    return putCluster(store, engine.policy, accountId, input, engine.ctx.now());
  });

  app.delete('/v1/workloads/kubernetes/clusters/:name', {
    config: { access: 'operate' },
    schema: { tags: ['workloads'], security, params: ClusterParams, querystring: ClustersQuery, summary: 'stop polling a cluster; its snapshot goes (its images stop counting as running there)', response: { 204: z.null().describe('deleted'), ...errors } },
  }, async (request, reply) => {
    const accountId = await accountOf(principalOf(request), request.query.accountId);
    const r = await deleteCluster(store, accountId, request.params.name, engine.ctx.now());
    if (!r.deleted) throw notFound('cluster', request.params.name);
    return reply.code(204).send(null);
  });
};
