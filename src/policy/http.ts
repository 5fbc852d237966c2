/**
 * HTTP(S) requests through a target policy, with a fetch-like signature and a real `Response`.
 *
 * Node's own fetch (undici) resolves host names itself at connect time and follows redirects
 * without asking anyone, so it cannot be pinned from the outside without the undici package; this
 * is the same request over node:http / node:https, whose `lookup` option lets us hand the socket
 * the one address the policy checked. Every hop of a redirect chain is a new request, checked the
 * same way (with `redirect: 'manual'` the caller sees each 3xx and calls again, also checked).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { VigilError } from '../model/errors.ts';
import type { PinnedAddress, TargetPolicy } from './policy.ts';

export interface FetchInit {
  method?: string;
  headers?: Record<string, string> | Headers | [string, string][];
  body?: string | Uint8Array;
  /** follow (default, up to 20 hops, each checked), manual (the 3xx is returned), error */
  redirect?: 'follow' | 'manual' | 'error';
  signal?: AbortSignal;
  /** PEM certificates trusted instead of the system's for https (a cluster's own CA); no keep-alive then */
  ca?: string;
}

/** fetch, as far as Vigil uses it: what a policy's `fetch` and a test double both satisfy. */
export type FetchLike = (url: string | URL, init?: FetchInit) => Promise<Response>;

const MAX_REDIRECTS = 20;
const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** keep-alive agents of one policy: sockets opened under one policy are never reused under another */
export interface PolicyAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

export function createAgents(): PolicyAgents {
  return { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
}

function headerRecord(h: FetchInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k.toLowerCase()] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k.toLowerCase()] = v;
  else for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** A lookup that answers every query with the one address the policy checked. */
function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (err: Error | null, address: unknown, family?: number) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as LookupFunction;
}

function decoded(res: IncomingMessage): Readable {
  const enc = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const z = enc === 'gzip' || enc === 'x-gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : enc === 'br' ? createBrotliDecompress() : undefined;
  if (!z) return res;
  res.on('error', (e) => z.destroy(e));
  z.on('close', () => res.destroy());
  return res.pipe(z);
}

/** One request, no redirects followed. */
async function once(policy: TargetPolicy, agents: PolicyAgents, url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined, ca?: string): Promise<Response> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VigilError('VIGIL_INVALID_INPUT', `${url.href}: only http and https URLs can be requested`, { input: url.href, rule: 'url-scheme' });
  }
  const origin = url.origin;
  const pinned = await policy.resolve(url.hostname, origin);
  signal?.throwIfAborted();
  const tls = url.protocol === 'https:';
  const hdrs: OutgoingHttpHeaders = { ...headers };
  if (body && hdrs['content-length'] === undefined) hdrs['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: pinned.host,
      port: url.port || (tls ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method,
      headers: hdrs,
      ...(tls && ca ? { agent: false, ca } : { agent: tls ? agents.https : agents.http }),
      lookup: pinnedLookup(pinned),
      ...(tls && pinned.host !== pinned.address ? { servername: pinned.host } : {}),
      ...(signal ? { signal } : {}),
    });
    req.once('error', (e) => reject(signal?.aborted ? Object.assign(policy.unreachable(origin, signal.reason ?? e), { aborted: true }) : policy.unreachable(origin, e)));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 599) {
        res.destroy();
        reject(policy.unreachable(origin, new Error(`invalid HTTP status ${status}`)));
        return;
      }
      const h = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        try {
          h.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        } catch {
          // a header Headers cannot hold (bad bytes): ignored, as fetch does
        }
      }
      const nullBody = method === 'HEAD' || NULL_BODY.has(status);
      if (nullBody) res.resume();
      const stream = nullBody ? null : (Readable.toWeb(decoded(res)) as unknown as ReadableStream<Uint8Array>);
      resolve(new Response(stream as unknown as NodeReadableStream as unknown as BodyInit | null, { status, statusText: res.statusMessage ?? '', headers: h }));
    });
    if (body) req.end(body);
    else req.end();
  });
}

/**
 * A request through the policy: each hop's host resolved once, checked, connected to that address.
 * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed") for a refused address on any hop,
 *   VIGIL_NETWORK (rule "unreachable") when a hop cannot be reached, VIGIL_INVALID_INPUT for a
 *   non-http(s) URL or a redirect where `redirect: 'error'` was asked
 */
export async function fetchThrough(policy: TargetPolicy, agents: PolicyAgents, input: string | URL, init: FetchInit = {}): Promise<Response> {
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  let headers = headerRecord(init.headers);
  let body: Buffer | undefined = init.body === undefined ? undefined : Buffer.from(init.body as string | Uint8Array);
  for (let hop = 0; ; hop++) {
    const res = await once(policy, agents, url, method, headers, body, init.signal, init.ca);
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || !location || init.redirect === 'manual') return res;
    await res.body?.cancel().catch(() => undefined);
    if (init.redirect === 'error') throw new VigilError('VIGIL_INVALID_INPUT', `${url.origin}: redirected (HTTP ${res.status}) where no redirect was expected`, { input: url.href, rule: 'redirect' });
    if (hop >= MAX_REDIRECTS) throw new VigilError('VIGIL_NETWORK', `${url.origin}: more than ${MAX_REDIRECTS} redirects`, { input: url.href, rule: 'redirect' });
    const next = new URL(location, url);
    // as fetch does: 303, and 301/302 after a POST, become a GET without a body
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('content-')));
    }
    // credentials never follow a redirect to another origin
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'authorization' && k !== 'cookie'));
    url = next;
  }
}
