/**
 * The HTTP API: `buildServer({ store, log, config })` returns a ready Fastify instance (not yet
 * listening). Requests and responses go through zod (fastify-type-provider-zod), the OpenAPI
 * document is generated from the same schemas, and every route must say who may call it.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import {
  createJsonSchemaTransform, createJsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from '../log.ts';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { ACCESS_LEVELS, authHook, type Access, type AuthContext } from './auth.ts';
import { consoleRoutes, defaultConsoleDir } from './console.ts';
import { DEFAULT_SESSION_LIMITS, SESSION_PATH, type SessionLimits } from './session.ts';
import { sessionRoutes } from './routes/session.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { healthRoutes } from './routes/health.ts';
import { tenancyRoutes } from './routes/tenancy.ts';
import { findingsRoutes } from './routes/findings.ts';
import { apiSchemas } from './schemas.ts';
import { engineRoutes } from './routes/engine.ts';
import { sbomRoutes } from './routes/sbom.ts';
import { findingsReportRoutes } from './routes/findings-reports.ts';
import { cisRoutes } from './routes/cis.ts';
import { destinationRoutes } from './routes/destinations.ts';
import { reportScheduleRoutes } from './routes/report-schedules.ts';
import { networkRoutes } from './routes/network.ts';
import { gateRoutes } from './routes/gate.ts';
import { workloadRoutes } from './routes/workloads.ts';
import { Engine } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';

export interface ServerConfig {
  /** largest accepted request body in bytes (default 1 MiB) */
  bodyLimit?: number;
  /** trust X-Forwarded-* from a reverse proxy (default false) */
  trustProxy?: boolean;
  /** Node's default process metrics on /metrics (default true) */
  defaultMetrics?: boolean;
  /** shown in the OpenAPI document */
  version?: string;
  /** the built console (index.html, assets/); default: web/dist of the package (console.ts defaultConsoleDir) */
  consoleDir?: string;
  /** session timeouts and the failed-login limit (default session.ts DEFAULT_SESSION_LIMITS) */
  sessions?: Partial<SessionLimits>;
  /** the clock of sessions and the login limiter, in ms (tests move it; default Date.now) */
  now?: () => number;
  /** compute every organization's dashboard in the background once the server is ready (vigil server; default false) */
  warmDashboards?: boolean;
  /**
   * serve HTTPS with this certificate (PEM; the chain after the leaf) and key (issue 19: Kubernetes
   * calls admission webhooks over TLS only); default plain HTTP. With `clientCa` (mutual TLS) the
   * server asks each client for a certificate, and admission webhooks answer only clients whose
   * certificate that CA issued; other routes keep their API-key or session authentication.
   */
  https?: { cert: Buffer | string; key: Buffer | string; clientCa?: Buffer | string };
  /** gating (issue 19): the longest a verdict may take before the policy's failurePolicy decides (default 5000 ms) */
  gateTimeoutMs?: number;
}

/** One registered route, as the tenancy harness and the docs see it. */
export interface RouteInfo {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered so far, in registration order */
    routeTable(): RouteInfo[];
    metrics: Metrics;
  }
}

export type VigilServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger, ZodTypeProvider>;

/**
 * The rule every route passes at registration: it names its access level, and only GET routes
 * may be public or open to read-only keys.
 * @throws VigilError (VIGIL_CONFIG) naming the route
 */
export function checkRouteAccess(methods: string[], url: string, access: unknown): Access {
  if (typeof access !== 'string' || !ACCESS_LEVELS.includes(access as Access)) {
    throw new VigilError('VIGIL_CONFIG', `route ${methods.join(',')} ${url} has no config.access (public | read | operate | admin | webhook | session)`, { input: url, rule: 'route-access' });
  }
  // "session" lets any role (and no key at all) reach the handler, which authenticates by itself:
  // only log in and out may do that
  if (access === 'session' && url !== SESSION_PATH) {
    throw new VigilError('VIGIL_CONFIG', `route ${methods.join(',')} ${url} has access "session", which only ${SESSION_PATH} may have`, { input: url, rule: 'route-access' });
  }
  // "read" is what a read-only key may reach, so it must never mutate
  if ((access === 'read' || access === 'public') && methods.some((m) => m !== 'GET')) {
    throw new VigilError('VIGIL_CONFIG', `route ${methods.join(',')} ${url} mutates but has access "${access}"; use operate or admin`, { input: url, rule: 'route-access' });
  }
  return access as Access;
}

/**
 * Builds the API server and waits until every plugin has loaded.
 * @throws VigilError (VIGIL_CONFIG) when a route lacks `config.access`, or lets a read-only key
 *   reach a method other than GET
 */
export async function buildServer({ store, log, config = {}, engine, policy }: { store: Store; log: Logger; config?: ServerConfig; engine?: Engine; policy?: TargetPolicy }): Promise<VigilServer> {
  const app = Fastify({
    // an https server answers the same routes; Fastify's types tell the two apart, Vigil's need not
    ...(config.https ? {
      https: {
        cert: config.https.cert, key: config.https.key,
        ...(config.https.clientCa ? { ca: config.https.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
      },
    } as unknown as { https: null } : {}),
    loggerInstance: log,
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    trustProxy: config.trustProxy ?? false,
    // HEAD twins of GET routes would double the route table and the tenancy harness for nothing
    exposeHeadRoutes: false,
  }).withTypeProvider<ZodTypeProvider>();

  const metrics = createMetrics({ defaultMetrics: config.defaultMetrics });
  const routes: RouteInfo[] = [];
  app.decorate('routeTable', () => routes.map((r) => ({ ...r })));
  app.decorate('metrics', metrics);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(metrics));
  app.setNotFoundHandler(notFoundHandler(metrics));

  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    const access = checkRouteAccess(methods, route.url, route.config?.access);
    for (const method of methods) routes.push({ method, url: route.url, access });
  });
  const auth: AuthContext = { store, metrics, limits: { ...DEFAULT_SESSION_LIMITS, ...config.sessions }, now: config.now ?? Date.now };
  // the cookie parser's onRequest hook must run before the auth hook, which reads request.cookies
  await app.register(fastifyCookie);
  app.addHook('onRequest', authHook(auth));
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.decorateRequest('principal', null);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Vigil API', version: config.version ?? '0.1.0', description: 'Continuous vulnerability management. Authenticate with `Authorization: Bearer vgl_<prefix>_<secret>`, or (the console) with the session cookie of `POST /v1/session` plus `X-CSRF-Token` on every request other than GET.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API key: vgl_<prefix>_<secret>' },
          registryNotificationToken: { type: 'http', scheme: 'bearer', description: "a registry target's notification token (shown once at registration); not an API key" },
          githubSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256', description: "HMAC-SHA256 of the raw body with the repository's webhook secret" },
          gitlabToken: { type: 'apiKey', in: 'header', name: 'X-Gitlab-Token', description: "the repository's webhook secret" },
          admissionToken: { type: 'http', scheme: 'bearer', description: "a gate policy's admission token (shown once when the policy is created): the last path segment of /v1/admission/{accountId}/{policy}/{token}, or Authorization: Bearer on /v1/admission/{accountId}/{policy}; not an API key" },
          session: { type: 'apiKey', in: 'cookie', name: 'vigil_session', description: 'the console session of POST /v1/session; accepted wherever `bearer` is (without an Authorization header), with X-CSRF-Token on every request other than GET' },
        },
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: apiSchemas, skipList: [] }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: apiSchemas }),
  });
  await app.register(healthRoutes, { store, metrics });
  await app.register(tenancyRoutes, { store });
  await app.register(findingsRoutes, { store, warmDashboards: config.warmDashboards ?? false });
  // the engine's triggers need a queue; without an engine given, one that only sends jobs (the
  // workers run elsewhere: `vigil worker`, or a server with the engine on)
  let own: { queue: JobQueue } | undefined;
  if (!engine) {
    const queue = await openQueue(store, { log });
    own = { queue };
    // registration checks targets against the operator's policy (default: no local path, public addresses only)
    engine = new Engine({ store, queue, log, ...(policy ? { policy } : {}) });
    app.addHook('onClose', async () => { await own?.queue.stop(); });
  }
  await app.register(engineRoutes, { store, engine });
  // SBOMs of resources, SBOM export jobs, scanning an uploaded SBOM (issue 15)
  await app.register(sbomRoutes, { store, engine });
  await app.register(findingsReportRoutes, { store, engine });
  // issue 16: network topologies → network_reachability findings (routes/network.ts)
  await app.register(networkRoutes, { store, engine });
  // issue 18: CIS scan configurations, scans and results; resource tags (routes/cis.ts)
  await app.register(cisRoutes, { store, engine });
  // issue 19: event destinations, deliveries, dead letters (routes/destinations.ts)
  await app.register(destinationRoutes, { store, engine });
  // issue 19: scheduled reports (daily/weekly digests) over SMTP and webhooks (routes/report-schedules.ts)
  await app.register(reportScheduleRoutes, { store, engine });
  // issue 19: running workloads: pod lists, ECS tasks, polled clusters (routes/workloads.ts)
  await app.register(workloadRoutes, { store, engine });
  // issue 19: gate policies, the registry gate and the admission webhook (routes/gate.ts)
  await app.register(gateRoutes, { store, requireClientCert: Boolean(config.https?.clientCa), ...(config.gateTimeoutMs !== undefined ? { timeoutMs: config.gateTimeoutMs } : {}), ...(config.now ? { now: config.now } : {}) });
  // the console: log in and out, and the web app at / (routes/session.ts, console.ts)
  await app.register(sessionRoutes, { auth });
  await app.register(consoleRoutes, { dir: config.consoleDir ?? defaultConsoleDir() });
  await app.ready();
  return app;
}
