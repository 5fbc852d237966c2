/**
 * The console's only way to the server: the public HTTP API, same origin, authenticated by the
 * session cookie (HttpOnly, so scripts never see a key). Writes carry the session's CSRF token.
 * Errors are the API's own `{ error: { code, message, details } }`, kept whole in ApiError.
 */

export type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** Set by the session (login, session restore); sent with every write. */
export function setCsrfToken(t: string | null): void {
  csrfToken = t;
}

/** Fired when the server answers 401 to a request made with the session: the session is gone. */
export const UNAUTHORIZED_EVENT = 'vigil:unauthorized';

/** `/v1/x?a=1&b=2&b=3`: lists become repeated parameters; empty values are left out. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** a body sent as it is, with its media type (a gate policy's YAML), instead of `body` as JSON */
  text?: { type: string; data: string };
  signal?: AbortSignal;
}

/**
 * Calls the API and returns its JSON (undefined for 204).
 * @throws ApiError with the server's code and message (status 0: the server could not be reached)
 */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.text) headers['content-type'] = opts.text.type;
  else if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method, headers, credentials: 'same-origin', signal: opts.signal,
      body: opts.text ? opts.text.data : opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'the Vigil server cannot be reached');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (res.status === 401 && path !== '/v1/session') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `${method} ${path}: HTTP ${res.status}`, err?.details);
  }
  return json as T;
}

/** A URL for a download link (GET with the session cookie), e.g. an export or an SBOM. */
export function downloadHref(path: string, query?: Query): string {
  return withQuery(path, query);
}
