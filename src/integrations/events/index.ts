/**
 * Events as they leave Vigil (issue 19): CloudEvents 1.0 in structured JSON mode, and the
 * signature receivers check. Pure: the delivery worker (engine/delivery.ts) sends what this builds.
 *
 * Signature: the header `Vigil-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * keyed with the destination's secret (shown once when the destination is created). A receiver
 * recomputes it over the raw body, compares in constant time, and rejects a timestamp more than
 * {@link SIGNATURE_TOLERANCE_SECONDS} from its clock (the replay window): a captured request
 * replayed later fails, and the CloudEvent `id` (the event's number) lets it drop a retry it
 * already processed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'vigil-signature';
/** The replay window receivers should apply, and {@link verifySignature}'s default. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
export const EVENT_TYPE_PREFIX = 'dev.vigil.';

export interface StoredEvent {
  id: number;
  type: string;
  accountId: string;
  resourceId: string | null;
  createdAt: string;
  payload: Record<string, unknown>;
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

/**
 * An event as a CloudEvent: `id` the event's number (unique and stable across retries), `source`
 * the account, `type` "dev.vigil.<type>", `subject` the finding or resource it is about, `data`
 * the event's payload with whatever the worker adds (the finding as the API shows it).
 */
export function toCloudEvent(e: StoredEvent, extra: Record<string, unknown> = {}): CloudEvent {
  const subject = typeof e.payload.findingId === 'string' ? e.payload.findingId : e.resourceId ?? undefined;
  return {
    specversion: '1.0', id: String(e.id), source: `/vigil/accounts/${e.accountId}`, type: `${EVENT_TYPE_PREFIX}${e.type}`,
    ...(subject ? { subject } : {}), time: e.createdAt, datacontenttype: 'application/json',
    data: { ...e.payload, ...(e.resourceId ? { resourceId: e.resourceId } : {}), ...extra },
  };
}

/** The signature header's value for a body sent at `at`. */
export function signBody(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: true when `header` signs `body` with `secret` and its time is within the
 * tolerance of `now`.
 */
export function verifySignature(secret: string, body: string, header: string | undefined, now: Date, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const want = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(parts.v1, 'hex'));
}

/** The longest wait a receiver's Retry-After is followed for; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * The wait a `Retry-After` header asks for (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), in
 * milliseconds from `now`, capped at {@link MAX_RETRY_AFTER_MS}; undefined when there is none or it
 * is neither form (a receiver's bad header is ignored, the backoff applies). A date in the past is 0.
 */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    // IMF-fixdate, and the obsolete RFC 850 / asctime forms Date.parse also reads; a bare number-like or
    // partial date is not taken
    if (!/^[A-Za-z]{3}/.test(v)) return undefined;
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
