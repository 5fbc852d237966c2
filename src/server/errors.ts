/**
 * The one error handler: every failure leaves as `{ error: { code, message, details } }` with the
 * status of its Vigil error code. Validation failures name the field and the rule; server-side
 * failures (5xx) say only "internal error" plus the request id, and the full error goes to the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CODES, VigilError, type ErrorCode } from '../model/errors.ts';
import type { Metrics } from './metrics.ts';
import type { ErrorBody } from './schemas.ts';

export interface ValidationIssue {
  /** body | querystring | params | headers */
  location: string;
  /** dotted path of the field ("scanSettings.mode"); "" for the whole object */
  field: string;
  /** zod's issue code: invalid_type, too_small, invalid_value, unrecognized_keys, … */
  rule: string;
  message: string;
}

function body(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** Builds the response for any thrown value. Exported for tests. */
export function toErrorResponse(err: unknown, request: FastifyRequest): { status: number; body: ErrorBody; log: 'none' | 'debug' | 'error' } {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const location = (err as FastifyError).validationContext ?? 'body';
    const issues: ValidationIssue[] = err.validation.map((v) => {
      const field = v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
      const keys = (v.params as { keys?: unknown }).keys;
      // unrecognized_keys reports on the object; name the offending keys instead
      const named = v.keyword === 'unrecognized_keys' && Array.isArray(keys) ? keys.map((k) => (field ? `${field}.${k}` : String(k))).join(', ') : field;
      return { location, field: named, rule: v.keyword, message: v.message ?? v.keyword };
    });
    const first = issues[0];
    const what = first.field ? `field "${first.field}"` : location;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    return { status: 400, log: 'debug', body: body('VIGIL_INVALID_INPUT', `invalid ${location}: ${what}: ${first.message} [${first.rule}]${more}`, { issues }) };
  }
  if (err instanceof VigilError) {
    if (err.statusCode >= 500) return internal(err, request);
    const details: Record<string, unknown> = {};
    if (err.input !== undefined) details.input = err.input;
    if (err.rule !== undefined) details.rule = err.rule;
    return { status: err.statusCode, log: 'debug', body: body(err.code, err.message, Object.keys(details).length ? details : undefined) };
  }
  // anything else, response serialization failures included, is the server's fault: 500
  const fe = err as Partial<FastifyError> | null;
  // Fastify's own client errors: unparsable JSON, wrong content type, body too large, …
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    const code: ErrorCode = fe.statusCode === 413 ? 'VIGIL_LIMIT_EXCEEDED' : 'VIGIL_INVALID_INPUT';
    return { status: fe.statusCode, log: 'debug', body: body(code, fe.message ?? 'invalid request', { rule: fe.code }) };
  }
  return internal(err, request);
}

/** 5xx: the code (VIGIL_STORE, VIGIL_INTERNAL, …) and the request id, never the message or stack */
function internal(err: unknown, request: FastifyRequest) {
  const code: ErrorCode = err instanceof VigilError ? err.code : 'VIGIL_INTERNAL';
  const status = err instanceof VigilError ? err.statusCode : 500;
  return { status, log: 'error' as const, body: body(code, 'internal error; the server log has the details', { requestId: request.id }) };
}

export function errorHandler(metrics: Metrics) {
  return function handle(err: unknown, request: FastifyRequest, reply: FastifyReply) {
    const r = toErrorResponse(err, request);
    if (r.log === 'error') request.log.error({ err }, 'request failed');
    else request.log.debug({ err: (err as Error)?.message }, 'request rejected');
    metrics.httpErrors.inc({ code: r.body.error.code });
    return reply.code(r.status).type('application/json; charset=utf-8').send(r.body);
  };
}

export function notFoundHandler(metrics: Metrics) {
  return function notFound(request: FastifyRequest, reply: FastifyReply) {
    metrics.httpErrors.inc({ code: 'VIGIL_NOT_FOUND' });
    return reply.code(ERROR_CODES.VIGIL_NOT_FOUND).send(body('VIGIL_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`, { rule: 'route' }));
  };
}
