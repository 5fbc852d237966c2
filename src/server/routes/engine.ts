/**
 * /v1 endpoints of the continuous engine: what to watch (registries, hosts, repositories,
 * functions, root filesystems — one set of routes per kind), scan triggers, function uploads,
 * agent reports, and the inbound webhooks (registry notifications, GitHub/GitLab pushes).
 *
 * Tenancy as everywhere: a member account sees its own targets; the delegated admin sees and
 * manages those of every account in its organization (body `accountId` to act for a member).
 * Webhooks carry no API key: the registry's notification token or the repository's webhook secret
 * authenticates them, and an unknown target id and a wrong secret give the same 401.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { AgentCisResult, ResourceTags, CONFIG_SCHEMAS, createTarget, getTarget, listTargets, PUBLIC_CONFIG_SCHEMAS, MAX_UPLOAD_BYTES, parsePushWebhook, publicConfig, putBlob, registryEnvelopeSchema, setFunctionVersion, TARGET_KINDS, UNMANAGED_EC2_INSTANCE, type Engine, type Target, type TargetKind, type RegistryConfig } from '../../engine/index.ts';
import { VigilError } from '../../model/errors.ts';
import type { Package } from '../../model/package.ts';
import { AgentSecretFinding, MAX_AGENT_SECRETS } from '../../engine/agent.ts';
import { FIREWALL_MAX_BYTES, INSTANCE_ID } from '../../sources/ssh/hostnet.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, type Principal } from '../auth.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
// the kinds' config schemas as named OpenAPI components (RegistryConfig, …)
import '../schemas-sbom.ts';
import { lastErrorOf } from './findings.ts';
import { notFound, visibleAccount } from '../tenancy/access.ts';
import { timingSafeEqual } from 'node:crypto';

const security = [{ bearer: [] }];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const PLURAL: Record<TargetKind, string> = { registry: 'registries', host: 'hosts', repository: 'repositories', function: 'functions', rootfs: 'rootfs' };

/**
 * A target as the API shows it, per kind: `config` is the kind's public view (the engine's schema,
 * credentials as booleans; engine/targets.ts PUBLIC_CONFIG_SCHEMAS), so /openapi.json lists each
 * kind's fields.
 */
function targetViewOf<K extends TargetKind>(kind: K) {
  return z.object({
    id: z.string(), accountId: z.string(), kind: z.literal(kind), name: z.string(),
    config: PUBLIC_CONFIG_SCHEMAS[kind],
    status: z.string(), nextPollAt: z.string().nullable(), lastPolledAt: z.string().nullable(), lastError: z.string().nullable(),
    createdAt: z.string(), updatedAt: z.string(),
    resources: z.array(z.object({ id: z.string(), name: z.string(), digest: z.string().nullable(), tags: z.array(z.string()), coverageStatus: z.string(), coverageReason: z.string().nullable(), lastScannedAt: z.string().nullable(), lastError: z.string().nullable() })),
  });
}
/** The registration body of a kind: `config` is validated by the engine's own schema (one source of truth). */
function createBodyOf(kind: TargetKind) {
  return z.strictObject({
    name: z.string().min(1).max(300).optional(),
    accountId: z.string().min(1).max(200).optional().describe("the delegated admin may register for a member account"),
    config: CONFIG_SCHEMAS[kind],
  });
}
const Queued = z.object({ queued: z.boolean(), jobId: z.string().nullable().optional(), resourceId: z.string().optional() });

async function visibleAccountIds(store: Store, p: Principal): Promise<string[]> {
  if (!p.account.isDelegatedAdmin) return [p.account.id];
  return (await store.db.selectFrom('accounts').select('id').where('organization_id', '=', p.organization.id).execute()).map((r) => r.id);
}

async function visibleTarget(store: Store, p: Principal, kind: TargetKind, id: string): Promise<Target> {
  const t = await getTarget(store, id);
  if (!t || t.kind !== kind) throw notFound(kind, id);
  const ids = await visibleAccountIds(store, p);
  if (!ids.includes(t.accountId)) throw notFound(kind, id);
  return t;
}

async function viewOf(store: Store, t: Target) {
  const rs = await store.db.selectFrom('resources').select(['id', 'name', 'digest', 'tags', 'coverage_status', 'coverage_reason', 'last_scanned_at', 'attributes'])
    .where('target_id', '=', t.id).orderBy('created_at').limit(1000).execute();
  return {
    id: t.id, accountId: t.accountId, kind: t.kind, name: t.name, config: publicConfig(t.config), status: t.status,
    nextPollAt: t.nextPollAt, lastPolledAt: t.lastPolledAt, lastError: t.lastError, createdAt: t.createdAt, updatedAt: t.updatedAt,
    resources: rs.map((r) => ({ id: r.id, name: r.name, digest: r.digest, tags: JSON.parse(r.tags) as string[], coverageStatus: r.coverage_status, coverageReason: r.coverage_reason, lastScannedAt: r.last_scanned_at, lastError: lastErrorOf(r.attributes) })),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const webhookUnauthorized = () => new VigilError('VIGIL_UNAUTHORIZED', 'unknown target or wrong secret', { rule: 'webhook-secret' });

/** One firewall text of an agent report: at most FIREWALL_MAX_BYTES of UTF-8. */
const FirewallText = z.string().max(FIREWALL_MAX_BYTES).refine((t) => Buffer.byteLength(t, 'utf8') <= FIREWALL_MAX_BYTES, `at most ${FIREWALL_MAX_BYTES} bytes`);

/** An agent's report: the host's inventory as the agent collected it. */
export const AgentReport = z.strictObject({
  hostname: z.string().min(1).max(300),
  machineId: z.string().min(1).max(200).optional(),
  agentVersion: z.string().max(50).optional(),
  os: z.object({ id: z.string(), versionId: z.string().optional(), prettyName: z.string().optional(), ecosystem: z.string().optional() }).optional(),
  packages: z.array(z.object({
    ecosystem: z.string().min(1).max(100), name: z.string().min(1).max(500), version: z.string().max(300),
    purl: z.string().max(2000).optional(), sourceName: z.string().max(500).optional(), sourceVersion: z.string().max(300).optional(),
    locations: z.array(z.string().max(4000)).max(1000).optional(),
    ownedBy: z.string().max(500).optional(), dev: z.boolean().optional(),
  }).passthrough()).max(200_000),
  listening: z.array(z.object({
    protocol: z.string().max(10), address: z.string().max(100), port: z.number().int(),
    process: z.string().max(64).optional(), pid: z.number().int().positive().max(4_194_304).optional(),
  }).passthrough()).max(100_000).optional(),
  // the host firewall as its tools print it (src/sources/ssh/hostnet.ts): each text at most 4 MiB
  firewall: z.strictObject({
    nft: FirewallText.optional(), iptables: FirewallText.optional(), ip6tables: FirewallText.optional(),
    collectedAt: z.iso.datetime({ offset: true }).optional(),
    notes: z.array(z.string().max(2000)).max(50).optional(),
  }).optional(),
  instanceId: z.string().regex(INSTANCE_ID, 'an EC2 instance id, i- and 8 to 17 hex digits').optional(),
  errors: z.array(z.object({ path: z.string(), rule: z.string(), message: z.string() })).max(10_000).optional(),
  // hardcoded secrets under the agent's --secret-path directories; absent: this report says nothing about secrets
  secrets: z.array(AgentSecretFinding).max(MAX_AGENT_SECRETS).optional(),
  // issue 18: the host's key/value tags (vigil agent --tag key=value); absent leaves the agent's tags as they are
  tags: ResourceTags.optional(),
  // issue 18: the CIS assessment the agent made on the host (Level 2, evaluated there); absent leaves the last one
  cis: AgentCisResult.optional(),
});
export type AgentReport = z.infer<typeof AgentReport>;

export const engineRoutes: FastifyPluginAsyncZod<{ store: Store; engine: Engine }> = async (app, { store, engine }) => {
  for (const kind of TARGET_KINDS) {
    const base = `/v1/${PLURAL[kind]}`;
    const tag = 'engine';
    const TargetView = targetViewOf(kind);
    const CreatedTarget = TargetView.extend({
      secrets: z.record(z.string(), z.string()).optional().describe('generated secrets (notification token, webhook secret), shown once'),
      endpoints: z.record(z.string(), z.string()).optional().describe('where to point the registry notifications or push webhooks'),
    });
    const CreateTargetBody = createBodyOf(kind);

    app.post(base, {
      config: { access: 'admin' },
      schema: { tags: [tag], security, summary: `register a ${kind} to watch; its first poll or scan is queued at once`, body: CreateTargetBody, response: { 201: CreatedTarget, ...errors } },
    }, async (request, reply) => {
      const p = principalOf(request);
      const accountId = request.body.accountId ?? p.account.id;
      if (accountId !== p.account.id) await visibleAccount(store.db, p, accountId);
      // the operator's policy first: a tenant's target may not point at the server's own files or networks
      const t = await createTarget(store, { accountId, kind, name: request.body.name, config: request.body.config, policy: engine.policy }, engine.ctx.now());
      await engine.enqueuePoll(t.id);
      const secrets: Record<string, string> = {};
      const endpoints: Record<string, string> = {};
      const cfg = t.config as Record<string, string>;
      if (kind === 'registry') { secrets.notificationToken = cfg.notificationToken; endpoints.notifications = `${base}/${t.id}/notifications`; }
      if (kind === 'repository') { secrets.webhookSecret = cfg.webhookSecret; endpoints.webhook = `${base}/${t.id}/webhook`; }
      if (kind === 'function') endpoints.versions = `${base}/${t.id}/versions`;
      request.log.info({ target: t.id, kind, account: accountId }, 'target registered');
      return reply.code(201).send({ ...(await viewOf(store, t)), ...(Object.keys(secrets).length ? { secrets } : {}), ...(Object.keys(endpoints).length ? { endpoints } : {}) });
    });

    app.get(base, {
      config: { access: 'read' },
      schema: { tags: [tag], security, summary: `the ${PLURAL[kind]} in the caller's sight`, querystring: z.strictObject({ accountId: z.string().optional() }), response: { 200: z.object({ items: z.array(TargetView) }), ...errors } },
    }, async (request) => {
      const p = principalOf(request);
      let ids = await visibleAccountIds(store, p);
      if (request.query.accountId) { await visibleAccount(store.db, p, request.query.accountId); ids = [request.query.accountId]; }
      return { items: await Promise.all((await listTargets(store, { kind, accountIds: ids })).map((t) => viewOf(store, t))) };
    });

    app.get(`${base}/:id`, {
      config: { access: 'read' },
      schema: { tags: [tag], security, summary: `one ${kind} with its resources and their coverage`, params: IdParams, response: { 200: TargetView, ...errors } },
    }, async (request) => viewOf(store, await visibleTarget(store, principalOf(request), kind, request.params.id)));

    app.delete(`${base}/:id`, {
      config: { access: 'admin' },
      schema: { tags: [tag], security, summary: `stop watching a ${kind}: its resources become INACTIVE (RESOURCE_REMOVED) and their findings close`, params: IdParams, response: { 200: z.object({ removed: z.literal(true), resources: z.number() }), ...errors } },
    }, async (request) => {
      const t = await visibleTarget(store, principalOf(request), kind, request.params.id);
      return { removed: true as const, resources: await engine.removeTarget(t) };
    });

    app.post(`${base}/:id/poll`, {
      config: { access: 'operate' },
      schema: { tags: [tag], security, summary: kind === 'registry' ? 'read the catalog now' : kind === 'repository' ? 'look for a new commit now' : 'rescan now', params: IdParams, response: { 202: Queued, ...errors } },
    }, async (request, reply) => {
      const t = await visibleTarget(store, principalOf(request), kind, request.params.id);
      if (kind === 'function') {
        const id = engine.resourceIdOf(t);
        const exists = await store.db.selectFrom('resources').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw new VigilError('VIGIL_CONFLICT', `function ${t.name} has no uploaded version yet`, { input: t.id, rule: 'no-version' });
        return reply.code(202).send({ queued: true, jobId: await engine.enqueueScan(id), resourceId: id });
      }
      return reply.code(202).send({ queued: true, jobId: await engine.enqueuePoll(t.id) });
    });
  }

  // rescan one resource
  app.post('/v1/resources/:id/scan', {
    config: { access: 'operate' },
    schema: { tags: ['engine'], security, summary: 'scan a resource again now (409 for an EC2 instance known only from a network topology)', params: IdParams, response: { 202: Queued, ...errors } },
  }, async (request, reply) => {
    const p = principalOf(request);
    const r = await store.db.selectFrom('resources').select(['id', 'account_id', 'coverage_reason']).where('id', '=', request.params.id).executeTakeFirst();
    if (!r || !(await visibleAccountIds(store, p)).includes(r.account_id)) throw notFound('resource', request.params.id);
    // an EC2 instance known only from a network topology: nothing to read its inventory from
    if (r.coverage_reason === UNMANAGED_EC2_INSTANCE) {
      throw new VigilError('VIGIL_CONFLICT', `resource ${r.id} is an EC2 instance known only from a network topology: register it as a host (SSH) or run \`vigil agent\` on it to scan it`, { input: r.id, rule: 'unmanaged-instance' });
    }
    return reply.code(202).send({ queued: true, jobId: await engine.enqueueScan(r.id), resourceId: r.id });
  });

  // function uploads: raw zip bodies
  await app.register(async (upPlain) => {
    const up = upPlain.withTypeProvider<ZodTypeProvider>();
    up.addContentTypeParser(['application/zip', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES }, (_req, body, done) => done(null, body));

    up.post('/v1/functions/layers', {
      config: { access: 'operate' },
      bodyLimit: MAX_UPLOAD_BYTES,
      schema: { tags: ['engine'], security, summary: 'upload a layer zip (Content-Type: application/zip); returns its digest for /versions', querystring: z.strictObject({ accountId: z.string().optional() }), response: { 201: z.object({ digest: z.string(), size: z.number() }), ...errors, 413: ErrorBody, 415: ErrorBody } },
    }, async (request, reply) => {
      const p = principalOf(request);
      const accountId = request.query.accountId ?? p.account.id;
      if (accountId !== p.account.id) await visibleAccount(store.db, p, accountId);
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body)) throw new VigilError('VIGIL_INVALID_INPUT', 'send the zip as the body with Content-Type: application/zip', { rule: 'content-type' });
      return reply.code(201).send({ digest: await putBlob(store, accountId, body, 'application/zip', engine.ctx.now()), size: body.length });
    });

    up.post('/v1/functions/:id/versions', {
      config: { access: 'operate' },
      bodyLimit: MAX_UPLOAD_BYTES,
      schema: {
        tags: ['engine'], security, params: IdParams,
        summary: 'upload a new version of a function (the code zip as the body; layers by digest, in order, comma-separated); a new version is scanned',
        querystring: z.strictObject({ layers: z.string().max(5000).optional() }),
        response: { 202: z.object({ version: z.string(), resourceId: z.string(), queued: z.boolean() }), ...errors, 413: ErrorBody, 415: ErrorBody },
      },
    }, async (request, reply) => {
      const t = await visibleTarget(store, principalOf(request), 'function', request.params.id);
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body)) throw new VigilError('VIGIL_INVALID_INPUT', 'send the zip as the body with Content-Type: application/zip', { rule: 'content-type' });
      const now = engine.ctx.now();
      const code = await putBlob(store, t.accountId, body, 'application/zip', now);
      const layers = (request.query.layers ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const v = await setFunctionVersion(engine.ctx, t, code, layers);
      if (v.changed) await engine.enqueueScan(v.resourceId, v.version);
      return reply.code(202).send({ version: v.version, resourceId: v.resourceId, queued: v.changed });
    });
  });

  // agent reports
  app.post('/v1/agent/report', {
    config: { access: 'operate' },
    bodyLimit: 64 * 1024 * 1024,
    schema: { tags: ['engine'], security, summary: "an agent's inventory of its host; matched and recorded at once", body: AgentReport, response: { 200: z.object({ resourceId: z.string(), targetId: z.string(), packages: z.number(), findings: z.number(), created: z.number(), closed: z.number() }), ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    // matched and recorded in the isolated scan process, not on the API's event loop
    return engine.recordAgentReport(p.account.id, request.body as AgentReport & { packages: Package[] });
  });

  // inbound webhooks: their own parsers keep the raw body (GitHub signs the bytes)
  await app.register(async (hooksPlain) => {
    const hooks = hooksPlain.withTypeProvider<ZodTypeProvider>();
    hooks.addContentTypeParser(['application/json', 'application/vnd.docker.distribution.events.v1+json'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    hooks.post('/v1/registries/:id/notifications', {
      config: { access: 'webhook' },
      bodyLimit: 16 * 1024 * 1024,
      schema: { tags: ['webhooks'], security: [{ registryNotificationToken: [] }], summary: "a registry's notifications (distribution events); Authorization: Bearer <the registry's notification token>", params: IdParams, response: { 200: z.object({ pushes: z.number(), pulls: z.number(), ignored: z.number(), scans: z.number(), untagged: z.number() }), ...errors } },
    }, async (request) => {
      const t = await getTarget(store, request.params.id);
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!t || t.kind !== 'registry' || !sameSecret(token, (t.config as RegistryConfig).notificationToken ?? '')) throw webhookUnauthorized();
      let json: unknown;
      try { json = JSON.parse((request.body as Buffer).toString('utf8')); } catch { throw new VigilError('VIGIL_INVALID_INPUT', 'notification body is not JSON', { rule: 'json' }); }
      const env = registryEnvelopeSchema.safeParse(json);
      if (!env.success) throw new VigilError('VIGIL_INVALID_INPUT', `notification envelope: ${env.error.issues[0].path.join('.')}: ${env.error.issues[0].message}`, { input: env.error.issues[0].path.join('.'), rule: 'distribution-envelope' });
      const out = await engine.registryEvents(t, env.data);
      request.log.info({ target: t.id, ...out, scan: out.scan.length, untagged: out.untagged.length }, 'registry notification');
      return { pushes: out.pushes, pulls: out.pulls, ignored: out.ignored, scans: out.scan.length, untagged: out.untagged.length };
    });

    hooks.post('/v1/repositories/:id/webhook', {
      config: { access: 'webhook' },
      bodyLimit: 16 * 1024 * 1024,
      schema: { tags: ['webhooks'], security: [{ githubSignature: [] }, { gitlabToken: [] }], summary: 'a push webhook in GitHub (X-Hub-Signature-256) or GitLab (X-Gitlab-Token) shape', params: IdParams, response: { 200: z.object({ provider: z.string(), commit: z.string().nullable(), queued: z.boolean() }), ...errors } },
    }, async (request) => {
      const t = await getTarget(store, request.params.id);
      if (!t || t.kind !== 'repository') throw webhookUnauthorized();
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body)) throw new VigilError('VIGIL_INVALID_INPUT', 'webhook: send the payload as application/json', { rule: 'content-type' });
      const { commit, provider } = parsePushWebhook(t, request.headers, body);
      if (!commit) return { provider, commit: null, queued: false };
      const r = await engine.repositoryPushed(t, commit);
      return { provider, commit, queued: r.queued };
    });
  });
};

