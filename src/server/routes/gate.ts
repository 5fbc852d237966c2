/**
 * Gating (issue 19): an account's gate policies (`/v1/gate/policies/{name}`), the registry gate
 * (`GET /v1/gate?image=…`: a verdict for an image reference) and the Kubernetes validating
 * admission webhook (`POST /v1/admission/{accountId}/{policy}/{token}`). All three evaluate with
 * findings/gate.ts's `evaluateGate`, as `vigil gate` does.
 *
 * Tenancy as for suppression rules: a policy belongs to an account in the caller's sight (others
 * 404); writing needs the operate level. The webhook carries no API key (Kubernetes sends none): the
 * policy's own token, in the URL path, authenticates it (access "webhook"); whoever holds that URL
 * learns the verdicts of that policy for the images they name, and nothing else.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteGatePolicy, evaluateGate, failureVerdict, gateFindingsOfResource, getGatePolicy, listGatePolicies, policyByToken, putGatePolicy, resolveGateImage,
  type GateImage, type GatePolicy, type GateVerdict, type StoredGatePolicy,
} from '../../findings/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { admissionAnswer, workloadOf } from '../admission.ts';
import { principalOf } from '../auth.ts';
import { accountScope } from '../findings/scope.ts';
import { ErrorBody } from '../schemas.ts';
import {
  AdmissionParams, AdmissionReviewRequest, AdmissionReviewResponse, GatePolicies, GatePolicyParams, GatePolicyQuery, GatePoliciesQuery, GatePolicyView,
  GateQuery, GateVerdictView, PutGatePolicyBody, PutGatePolicyQuery,
} from '../schemas-gate.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
/** Kubernetes waits 10 s for a webhook by default; answer before that. */
export const DEFAULT_GATE_TIMEOUT_MS = 5_000;

export interface GateRouteOptions {
  store: Store;
  /** the longest a verdict may take before failurePolicy decides (default 5 s) */
  timeoutMs?: number;
  now?: () => number;
  /**
   * (mutual TLS) admission requests must come with a client certificate the server's --tls-client-ca
   * verified (kube-apiserver's AdmissionConfiguration kubeconfig: client-certificate/client-key), as
   * well as the policy's token
   */
  requireClientCert?: boolean;
}

const admissionPath = (accountId: string, name: string) => `/v1/admission/${encodeURIComponent(accountId)}/${encodeURIComponent(name)}`;
function view(p: StoredGatePolicy, token?: string) {
  return { accountId: p.accountId, name: p.name, format: p.format, source: p.source, policy: p.policy as z.infer<typeof GatePolicyView>['policy'], admissionPath: admissionPath(p.accountId, p.name), ...(token ? { token } : {}), createdAt: p.createdAt, updatedAt: p.updatedAt };
}

/** Rejects after `ms` with a timeout error, else settles as `p`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new VigilError('VIGIL_INTERNAL', `${what} took longer than ${ms} ms`, { rule: 'gate-timeout' })), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export const gateRoutes: FastifyPluginAsyncZod<GateRouteOptions> = async (app, { store, timeoutMs = DEFAULT_GATE_TIMEOUT_MS, now = Date.now, requireClientCert = false }) => {
  const db = store.db;
  /**
   * The last policy each admission URL loaded, kept in this process: when the store fails, the
   * webhook still knows the policy's failurePolicy (and its token hash) to answer with.
   */
  const lastKnown = new Map<string, { policy: StoredGatePolicy; tokenHash: string }>();
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');

  /** The verdict on one image for a policy, with the image it resolved to. */
  async function verdictFor(accountId: string, policy: GatePolicy, image: string, workload?: { namespace?: string; labels?: Record<string, string> }): Promise<{ image: GateImage; verdict: GateVerdict }> {
    const resolved = await resolveGateImage(db, [accountId], image);
    const findings = resolved.known ? await gateFindingsOfResource(db, resolved.resourceId) : null;
    const verdict = evaluateGate(policy, findings, { now: new Date(now()), ...(workload ? { workload } : {}) });
    if (!resolved.known && verdict.reasons[0]?.rule === 'unknownImages') verdict.reasons[0].message = `${resolved.why} (unknownImages: deny)`;
    return { image: resolved, verdict };
  }

  const policyAccount = async (request: { query: { accountId?: string } }, p: ReturnType<typeof principalOf>) =>
    (request.query.accountId ? (await visibleAccount(db, p, request.query.accountId)).id : p.account.id);

  app.get('/v1/gate', {
    config: { access: 'read' },
    schema: {
      tags: ['gate'], security, querystring: GateQuery, response: { 200: GateVerdictView, ...errors, 503: ErrorBody },
      summary: 'the verdict of a gate policy on an image reference (tag or digest, resolved to the image the server knows); unknown images as the policy says',
    },
  }, async (request) => {
    const p = principalOf(request);
    const accountId = await policyAccount(request, p);
    const name = request.query.policy ?? 'default';
    const stored = await getGatePolicy(db, accountId, name);
    if (!stored) throw notFound('gate policy', name);
    let out: { image: GateImage; verdict: GateVerdict };
    try {
      out = await within(verdictFor(accountId, stored.policy, request.query.image), timeoutMs, 'the gate verdict');
    } catch (err) {
      if (err instanceof VigilError && err.rule === 'image-reference') throw err;
      request.log.warn({ err, policy: `${accountId}/${name}`, image: request.query.image }, 'gate: no verdict; failurePolicy decides');
      out = { image: { known: false, why: 'no verdict could be made' }, verdict: failureVerdict(stored.policy, (err as Error).message) };
    }
    const { image, verdict } = out;
    return {
      image: request.query.image, policy: name, accountId,
      resolved: image.known ? { resourceId: image.resourceId, name: image.name, digest: image.digest, tags: image.tags, lastScannedAt: image.lastScannedAt } : null,
      ...(image.known ? {} : { unknownReason: image.why }),
      ...verdict,
    };
  });

  app.get('/v1/gate/policies', {
    config: { access: 'read' },
    schema: { tags: ['gate'], security, querystring: GatePoliciesQuery, summary: 'the gate policies of the accounts in sight', response: { 200: GatePolicies, ...errors } },
  }, async (request) => ({ items: (await listGatePolicies(db, await accountScope(db, principalOf(request), request.query.accountId))).map((x) => view(x)) }));

  app.get('/v1/gate/policies/:name', {
    config: { access: 'read' },
    schema: { tags: ['gate'], security, params: GatePolicyParams, querystring: GatePolicyQuery, summary: 'one gate policy: as written and as validated', response: { 200: GatePolicyView, ...errors } },
  }, async (request) => {
    const accountId = await policyAccount(request, principalOf(request));
    const stored = await getGatePolicy(db, accountId, request.params.name);
    if (!stored) throw notFound('gate policy', request.params.name);
    return view(stored);
  });

  app.delete('/v1/gate/policies/:name', {
    config: { access: 'operate' },
    schema: { tags: ['gate'], security, params: GatePolicyParams, querystring: GatePolicyQuery, summary: 'delete a gate policy (its admission URL stops working)', response: { 204: z.null().describe('deleted'), ...errors } },
  }, async (request, reply) => {
    const accountId = await policyAccount(request, principalOf(request));
    if (!(await deleteGatePolicy(db, accountId, request.params.name))) throw notFound('gate policy', request.params.name);
    lastKnown.delete(`${accountId}/${request.params.name}`);
    return reply.code(204).send(null);
  });

  // PUT takes the policy as text, YAML or JSON, so it is stored as written
  await app.register(async (plain) => {
    const put = plain.withTypeProvider<ZodTypeProvider>();
    put.addContentTypeParser(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    put.put('/v1/gate/policies/:name', {
      config: { access: 'operate' },
      schema: {
        tags: ['gate'], security, params: GatePolicyParams, querystring: PutGatePolicyQuery, body: PutGatePolicyBody,
        summary: 'create or replace a gate policy (YAML or JSON body, docs/gating.md); a new policy (or rotateToken=true) answers its admission token, once',
        response: { 200: GatePolicyView, 201: GatePolicyView, ...errors },
      },
    }, async (request, reply) => {
      const accountId = await policyAccount(request, principalOf(request));
      const r = await putGatePolicy(db, accountId, request.params.name, request.body, new Date(now()), { rotate: request.query.rotateToken === 'true' });
      lastKnown.delete(`${accountId}/${request.params.name}`);
      return reply.code(r.created ? 201 : 200).send(view(r.policy, r.token));
    });
  });

  const admissionSchema = (how: string) => ({
    tags: ['gate', 'webhooks'], security: [{ admissionToken: [] }], body: AdmissionReviewRequest,
    summary: `Kubernetes ValidatingAdmissionWebhook: AdmissionReview v1 in and out, for Pods and pod templates (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController); the policy's admission token ${how}`,
    response: { 200: AdmissionReviewResponse, 400: ErrorBody, 401: ErrorBody, 500: ErrorBody },
  });
  // the token is a secret in the URL: the request log shows the path without it
  const logSerializers = { req: (r: FastifyRequest) => ({ method: r.method, url: r.url.replace(/^(\/v1\/admission\/[^/?]+\/[^/?]+\/)[^/?]+/, '$1<token>'), host: r.host, remoteAddress: r.ip }) };
  app.post('/v1/admission/:accountId/:policy/:token', { config: { access: 'webhook' }, logSerializers, schema: { ...admissionSchema('is the last path segment'), params: AdmissionParams } },
    async (request) => admission(request, request.params.accountId, request.params.policy, request.params.token, request.body));
  app.post('/v1/admission/:accountId/:policy', { config: { access: 'webhook' }, schema: { ...admissionSchema("comes as Authorization: Bearer (kube-apiserver's AdmissionConfiguration kubeconfig), keeping it out of URLs and logs"), params: AdmissionParams.omit({ token: true }) } }, async (request) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    if (!m) throw new VigilError('VIGIL_UNAUTHORIZED', 'unknown gate policy or wrong admission token', { rule: 'webhook-secret' });
    return admission(request, request.params.accountId, request.params.policy, m[1], request.body);
  });

  /** One AdmissionReview: the policy by its token, then a verdict per image of the workload. */
  async function admission(request: FastifyRequest, accountId: string, name: string, token: string, body: z.infer<typeof AdmissionReviewRequest>) {
    if (requireClientCert) {
      // the handshake asked for a certificate without requiring one (API clients and the console need none);
      // here a verified one is required
      const socket = request.raw.socket as TLSSocket;
      if (!socket.authorized) {
        // without a certificate Node still names a verification error (UNABLE_TO_GET_ISSUER_CERT): say what happened
        const presented = Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0;
        const why = !presented ? 'no client certificate was presented' : `the certificate was not verified (${String(socket.authorizationError ?? 'unknown reason')})`;
        throw new VigilError('VIGIL_UNAUTHORIZED', `admission webhooks on this server need a client certificate issued by --tls-client-ca: ${why}`, { rule: 'client-certificate' });
      }
    }
    const { uid, kind, namespace, object, operation } = body.request;
    const key = `${accountId}/${name}`;
    let stored: StoredGatePolicy | null;
    try {
      stored = await within(policyByToken(db, accountId, name, token), timeoutMs, 'reading the gate policy');
      if (stored) lastKnown.set(key, { policy: stored, tokenHash: sha(token) });
    } catch (err) {
      // the store failed: the policy this process last loaded decides how to fail, if the token is its own
      const last = lastKnown.get(key);
      if (!last || last.tokenHash !== sha(token)) throw err;
      request.log.warn({ err, policy: key }, 'admission: the policy could not be read; answering with the last one loaded');
      stored = last.policy;
      const v = failureVerdict(stored.policy, (err as Error).message);
      return review(admissionAnswer(uid, name, [{ image: '*', verdict: v }]));
    }
    if (!stored) throw new VigilError('VIGIL_UNAUTHORIZED', 'unknown gate policy or wrong admission token', { rule: 'webhook-secret' });
    const policy = stored.policy;
    const workload = object && (operation === 'CREATE' || operation === 'UPDATE') ? workloadOf(kind.kind, object, namespace) : null;
    // deletions, connections and kinds without pods are not ours to judge
    if (!workload) return review({ uid, allowed: true });
    const verdicts: { image: string; verdict: GateVerdict }[] = [];
    for (const image of workload.images) {
      try {
        verdicts.push({ image, verdict: (await within(verdictFor(accountId, policy, image, { namespace: workload.namespace, labels: workload.labels }), timeoutMs, `the verdict on ${image}`)).verdict });
      } catch (err) {
        if (err instanceof VigilError && err.rule === 'image-reference') {
          // a reference nobody can pull is no scanned image: unknownImages decides
          verdicts.push({ image, verdict: evaluateGate(policy, null, { now: new Date(now()), workload }) });
          continue;
        }
        request.log.warn({ err, policy: key, image }, 'admission: no verdict; failurePolicy decides');
        verdicts.push({ image, verdict: failureVerdict(policy, (err as Error).message) });
      }
    }
    const answer = admissionAnswer(uid, name, verdicts);
    request.log.info({ policy: key, uid, namespace: workload.namespace, images: workload.images.length, allowed: answer.allowed }, 'admission review');
    return review(answer);
  }
};

function review(response: ReturnType<typeof admissionAnswer>) {
  return { apiVersion: 'admission.k8s.io/v1' as const, kind: 'AdmissionReview' as const, response };
}
