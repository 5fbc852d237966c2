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
