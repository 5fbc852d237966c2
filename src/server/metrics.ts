/**
 * Prometheus metrics, one registry per server (no global registry, so tests can build many
 * servers in one process): Node's default metrics, request durations and counters.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpErrors: Counter<'code'>;
  authFailures: Counter<'reason'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return {
    registry,
    // the route label is the route pattern ("/v1/accounts/:id"), never the raw URL: bounded cardinality
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds', help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    httpRequests: new Counter({ name: 'vigil_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status_code'], registers: [registry] }),
    httpErrors: new Counter({ name: 'vigil_http_errors_total', help: 'error responses by Vigil error code', labelNames: ['code'], registers: [registry] }),
    authFailures: new Counter({ name: 'vigil_auth_failures_total', help: 'rejected requests and logins by reason (missing, malformed, unknown, wrong-secret, revoked, role, session-unknown, session-expired, csrf, origin)', labelNames: ['reason'], registers: [registry] }),
  };
}
