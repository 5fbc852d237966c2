/** Liveness, readiness, metrics and the OpenAPI document: public, no key. */
import { sql, Migrator } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../../store/index.ts';
import { migrationsFor } from '../../store/migrations.ts';
import type { Metrics } from '../metrics.ts';

const Readiness = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.object({
    database: z.object({ ok: z.boolean(), dialect: z.string(), message: z.string().optional() }),
    migrations: z.object({ ok: z.boolean(), pending: z.array(z.string()) }),
  }),
});
type Readiness = z.infer<typeof Readiness>;

/** A readiness probe must answer even when the database hangs. */
const READY_TIMEOUT_MS = 5_000;

export async function checkReadiness(store: Store): Promise<Readiness> {
  const r: Readiness = { status: 'ready', checks: { database: { ok: true, dialect: store.dialect }, migrations: { ok: true, pending: [] } } };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS); });
  try {
    await Promise.race([sql`select 1`.execute(store.db), timeout]);
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrationsFor(store.dialect) } });
    const infos = await Promise.race([migrator.getMigrations(), timeout]);
    const pending = infos.filter((m) => !m.executedAt).map((m) => m.name);
    r.checks.migrations = { ok: pending.length === 0, pending };
  } catch (err) {
    r.checks.database = { ok: false, dialect: store.dialect, message: 'database unreachable' };
    r.checks.migrations = { ok: false, pending: [] };
    throw Object.assign(new Error('readiness check failed'), { cause: err, readiness: r });
  } finally {
    clearTimeout(timer);
  }
  if (!r.checks.migrations.ok) r.status = 'not-ready';
  return r;
}

export const healthRoutes: FastifyPluginAsyncZod<{ store: Store; metrics: Metrics }> = async (app, { store, metrics }) => {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'liveness: the process answers', response: { 200: z.object({ status: z.literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'readiness: the database answers and every migration has run', response: { 200: Readiness, 503: Readiness } },
  }, async (request, reply) => {
    try {
      const r = await checkReadiness(store);
      return reply.code(r.status === 'ready' ? 200 : 503).send(r);
    } catch (err) {
      request.log.warn({ err: (err as Error & { cause?: unknown }).cause }, 'readiness check failed');
      return reply.code(503).send((err as { readiness: Readiness }).readiness);
    }
  });

  app.get('/metrics', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', hide: false },
  }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true },
  }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())));
};
