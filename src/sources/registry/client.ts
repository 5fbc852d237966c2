/**
 * A small OCI distribution API client over fetch: auth (anonymous, basic, bearer tokens),
 * manifests, blobs, catalog and tag listing.
 * Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * Token auth: https://distribution.github.io/distribution/spec/auth/token/
 */
import { Readable } from 'node:stream';
import { VigilError } from '../../model/index.ts';
import { NOT_ALLOWED, TargetPolicy, type FetchLike } from '../../policy/index.ts';
import { credentialsFromDockerConfig, parseChallenges, TokenCache, type BasicCredentials, type DockerConfig } from './auth.ts';
import { digestMismatch, digestOf, DigestVerifier, MANIFEST_ACCEPT, splitDigest } from './media.ts';
import { registryHost } from './reference.ts';

export interface RegistryOptions {
  /** username and password for basic auth or for the token service */
  credentials?: BasicCredentials;
  /** docker's config.json (see loadDockerConfig); its `auths` entry for the registry is used when no credentials are given */
  dockerConfig?: DockerConfig;
  /**
   * Use plain http for this registry. Without it only loopback registries (localhost, 127.0.0.1,
   * ::1) may be reached over http, and only after https failed, as docker does.
   */
  plainHttp?: boolean;
  /** milliseconds to wait for response headers, and for each chunk of a body while it is being read (default 30 000) */
  timeoutMs?: number;
  /** largest manifest accepted, bytes (default 4 MiB, as distribution's own limit) */
  maxManifestBytes?: number;
  /** largest image config accepted, bytes (default 16 MiB) */
  maxConfigBytes?: number;
  userAgent?: string;
  /** a token cache to share between clients (default: one per client) */
  tokenCache?: TokenCache;
  /**
   * The target policy every request (token realms and blob redirects included) goes through
   * (default: the operator's, which allows everything). The engine passes the tenants' policy.
   */
  policy?: TargetPolicy;
  /** for tests: replaces the policy's fetch */
  fetch?: FetchLike;
}

interface RequestSpec {
  method: 'GET' | 'HEAD';
  /** path below the registry root ("/v2/…", with query) or an absolute URL */
  path: string;
  /** token scope ("repository:name:pull", "registry:catalog:*") */
  scope?: string;
  accept?: string;
  /** names the thing in error messages: the image reference or registry */
  subject: string;
  /** what is fetched, for messages ("manifest latest", "blob sha256:…") */
  what: string;
  /** rule when the registry answers 404 */
  notFoundRule: string;
}

interface Sent {
  res: Response;
  url: URL;
  controller: AbortController;
  /** stops the request's timer */
  done(): void;
}

const MAX_REDIRECTS = 5;

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function errorText(e: unknown): string {
  // the policy's own error wraps what the socket said
  if (e instanceof VigilError && e.cause) e = e.cause;
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : String(err.message ?? e);
}

/** One registry's client: remembers the scheme that works, the auth challenge and the tokens. */
export class RegistryClient {
  readonly registry: string;
  readonly host: string;
  private scheme: 'https' | 'http' | undefined;
  private readonly credentials?: BasicCredentials;
  private readonly tokens: TokenCache;
  private readonly fetchImpl: FetchLike;
  private readonly policy: TargetPolicy;
  readonly timeoutMs: number;
  readonly maxManifestBytes: number;
  readonly maxConfigBytes: number;
  private readonly userAgent: string;
  /** the bearer challenge last seen; set, every request first gets a token for its scope */
  private bearer?: { realm: string; service: string };
  /** the registry asked for basic auth */
  private basic = false;

  /**
   * @throws VigilError VIGIL_CONFIG when the docker config entry for the registry is unusable
   */
  constructor(registry: string, opts: RegistryOptions = {}) {
    this.registry = registry;
    this.host = registryHost(registry);
    this.credentials = opts.credentials ?? (opts.dockerConfig ? credentialsFromDockerConfig(opts.dockerConfig, registry) : undefined);
    this.tokens = opts.tokenCache ?? new TokenCache();
    this.policy = opts.policy ?? TargetPolicy.operator();
    this.fetchImpl = opts.fetch ?? this.policy.fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxManifestBytes = opts.maxManifestBytes ?? 4 * 1024 * 1024;
    this.maxConfigBytes = opts.maxConfigBytes ?? 16 * 1024 * 1024;
    this.userAgent = opts.userAgent ?? 'vigil-registry-client/1';
    if (opts.plainHttp) this.scheme = 'http';
  }

  private get plainHttpAllowed(): boolean {
    return this.scheme === 'http' || isLoopback(this.host);
  }

  /** true when http URLs may be followed for this registry (redirects, token realms) */
  private httpAllowedFor(url: URL): boolean {
    return isLoopback(url.host) || this.scheme === 'http';
  }

  private fail(subject: string, rule: string, message: string, code: VigilError['code'] = 'VIGIL_NETWORK', cause?: unknown): VigilError {
    return new VigilError(code, `${subject}: ${rule}: ${message}`, { input: subject, rule, cause });
  }

  /** fetch with a timer on headers; redirects followed by hand so Authorization never leaves its origin */
  private async fetchFollowing(url: URL, headers: Record<string, string>, spec: RequestSpec): Promise<Sent> {
    let current = url;
    let hdrs = { ...headers };
    for (let hop = 0; ; hop++) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      let res: Response;
      try {
        res = await this.fetchImpl(current, { method: spec.method, headers: hdrs, redirect: 'manual', signal: controller.signal });
      } catch (e) {
        clearTimeout(timer);
        if (e instanceof VigilError && e.rule === NOT_ALLOWED) {
          const why = e.message.replace(/^.*?: not allowed: /, '');
          throw new VigilError('VIGIL_FORBIDDEN', `${spec.subject}: not allowed: ${current.origin} for ${spec.what}: ${why}`, { input: spec.subject, rule: NOT_ALLOWED, cause: e });
        }
        if (!this.policy.unrestricted) {
          // tenants: one message for refused, reset, timed out, no such host, not TLS, … (no port scanning)
          throw Object.assign(this.fail(spec.subject, 'unreachable', `cannot reach ${current.origin} for ${spec.what}`, 'VIGIL_NETWORK', e), { connectFailed: true });
        }
        if (controller.signal.aborted) {
          throw this.fail(spec.subject, 'timeout', `no response from ${current.origin} within ${this.timeoutMs} ms for ${spec.what}`, 'VIGIL_NETWORK', e);
        }
        throw Object.assign(this.fail(spec.subject, 'network', `cannot reach ${current.origin} for ${spec.what}: ${errorText(e)}`, 'VIGIL_NETWORK', e), {
          connectFailed: true,
        });
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        clearTimeout(timer);
        await res.body?.cancel().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) throw this.fail(spec.subject, 'registry-error', `more than ${MAX_REDIRECTS} redirects for ${spec.what}`);
        const next = new URL(res.headers.get('location')!, current);
        if (next.protocol !== 'https:' && !(next.protocol === 'http:' && this.httpAllowedFor(next))) {
          throw this.fail(spec.subject, 'insecure-registry', `refusing redirect to ${next.origin} for ${spec.what}: only https is allowed there`, 'VIGIL_CONFIG');
        }
        // blob redirects go to storage (S3, a CDN) with signed URLs: our credentials must not follow
        if (next.origin !== current.origin) {
          hdrs = { ...hdrs };
          delete hdrs.Authorization;
        }
        current = next;
        continue;
      }
      let finished = false;
      const done = () => {
        if (!finished) clearTimeout(timer);
        finished = true;
      };
      return { res, url: current, controller, done };
    }
  }

  /** base URL, deciding https vs http on the first call */
  private async sendOnce(spec: RequestSpec, headers: Record<string, string>): Promise<Sent> {
    const build = (scheme: string) => (/^https?:\/\//.test(spec.path) ? new URL(spec.path) : new URL(`${scheme}://${this.host}${spec.path}`));
    if (this.scheme) return this.fetchFollowing(build(this.scheme), headers, spec);
    try {
      const sent = await this.fetchFollowing(build('https'), headers, spec);
      this.scheme = 'https';
      return sent;
    } catch (e) {
      if (!(isLoopback(this.host) && (e as { connectFailed?: boolean }).connectFailed)) throw e;
      const sent = await this.fetchFollowing(build('http'), headers, spec);
      this.scheme = 'http';
      return sent;
    }
  }

  private basicHeader(): string {
    const c = this.credentials!;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  /** asks the token service for a token; caches it under the request's scope */
  private async fetchToken(spec: RequestSpec, realm: string, service: string, scope: string | undefined, cacheKey: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch (e) {
      throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} gave an invalid token realm ${JSON.stringify(realm)}`, 'VIGIL_NETWORK', e);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.httpAllowedFor(url))) {
      throw this.fail(spec.subject, 'insecure-registry', `refusing token realm ${url.origin}: only https is allowed there`, 'VIGIL_CONFIG');
    }
    if (service) url.searchParams.set('service', service);
    for (const s of (scope ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, Accept: 'application/json' };
    if (this.credentials) headers.Authorization = this.basicHeader();
    const tokenSpec: RequestSpec = { ...spec, method: 'GET', path: url.href, what: `a token from ${url.origin}${url.pathname}` };
    const sent = await this.fetchFollowing(url, headers, tokenSpec);
    try {
      const { res } = sent;
      if (res.status === 401 || res.status === 403) {
        const who = this.credentials ? `credentials for user ${JSON.stringify(this.credentials.username)}` : 'anonymous access';
        throw this.fail(spec.subject, 'auth-failed', `token service ${url.origin}${url.pathname} refused ${who} (HTTP ${res.status})`);
      }
      if (!res.ok) throw this.fail(spec.subject, 'auth-failed', `token service ${url.origin}${url.pathname} answered HTTP ${res.status}`);
      const body = await this.readLimited(sent, 1024 * 1024, tokenSpec);
      let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw this.fail(spec.subject, 'auth-failed', `token service ${url.origin}${url.pathname} did not answer JSON`, 'VIGIL_NETWORK', e);
      }
      const token = typeof json.token === 'string' && json.token ? json.token : typeof json.access_token === 'string' ? json.access_token : '';
      if (!token) throw this.fail(spec.subject, 'auth-failed', `token service ${url.origin}${url.pathname} answered without a token`);
      const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
      this.tokens.set(realm, service, cacheKey, token, expiresIn);
      return token;
    } finally {
      sent.done();
    }
  }

  /** Authorization for a request, from what we already know about the registry */
  private async authHeader(spec: RequestSpec, scope: string | undefined): Promise<{ value?: string; cached: boolean }> {
    if (this.bearer) {
      const key = scope ?? '';
      const hit = this.tokens.get(this.bearer.realm, this.bearer.service, key);
      if (hit) return { value: `Bearer ${hit}`, cached: true };
      const token = await this.fetchToken(spec, this.bearer.realm, this.bearer.service, scope, key);
      return { value: `Bearer ${token}`, cached: false };
    }
    if (this.basic && this.credentials) return { value: this.basicHeader(), cached: false };
    return { cached: false };
  }

  /**
   * Sends a request with auth: on 401 it reads the challenge, gets a token (or uses basic
   * credentials) and retries once; a second 401 is auth-failed. Non-2xx answers become VigilErrors.
   */
  async request(spec: RequestSpec): Promise<Sent> {
    let lastAuth: { value?: string; cached: boolean } = { cached: false };
    let scope = spec.scope;
    for (let attempt = 0; attempt < 3; attempt++) {
      lastAuth = await this.authHeader(spec, scope);
      const headers: Record<string, string> = { 'User-Agent': this.userAgent };
      if (spec.accept) headers.Accept = spec.accept;
      if (lastAuth.value) headers.Authorization = lastAuth.value;
      const sent = await this.sendOnce(spec, headers);
      const { res } = sent;
      if (res.ok) return sent;
      if (res.status === 401) {
        const challenges = parseChallenges(res.headers.get('www-authenticate') ?? '');
        const detail = await this.errorDetail(sent);
        const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
        const basic = challenges.find((c) => c.scheme === 'basic');
        if (bearer) {
          const known = this.bearer && this.bearer.realm === bearer.params.realm && this.bearer.service === (bearer.params.service ?? '');
          if (known && lastAuth.value && !lastAuth.cached) {
            // a fresh token was refused: the token service granted less than we asked for
            const why = bearer.params.error ? ` (${bearer.params.error})` : '';
            throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} refused the token for ${scope ?? spec.what}${why}${this.authHint()}${detail}`);
          }
          if (known && lastAuth.cached) this.tokens.delete(bearer.params.realm!, bearer.params.service ?? '', scope ?? '');
          this.bearer = { realm: bearer.params.realm!, service: bearer.params.service ?? '' };
          // the challenge's scope says what the registry wants when we had none to offer
          if (!scope && bearer.params.scope) scope = bearer.params.scope;
          continue;
        }
        if (basic) {
          if (!this.credentials) throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} requires credentials (basic auth) for ${spec.what}${detail}`);
          if (this.basic && lastAuth.value) {
            throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} rejected the password of user ${JSON.stringify(this.credentials.username)}${detail}`);
          }
          this.basic = true;
          continue;
        }
        throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} answered 401 without a usable challenge for ${spec.what}${detail}`);
      }
      throw await this.statusError(sent, spec);
    }
    throw this.fail(spec.subject, 'auth-failed', `registry ${this.registry} kept asking for authentication for ${spec.what}${this.authHint()}`);
  }

  private authHint(): string {
    return this.credentials ? `; user ${JSON.stringify(this.credentials.username)}` : '; no credentials were given (the repository may be private or may not exist)';
  }

  /** the registry's `errors[]` as text, for messages */
  private async errorDetail(sent: Sent): Promise<string> {
    try {
      if (sent.res.status === 204 || !sent.res.body) return '';
      const body = await this.readLimited(sent, 64 * 1024, undefined);
      const json = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
      const errs = (json.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(' ')).filter(Boolean);
      return errs.length ? `: ${errs.join('; ')}` : '';
    } catch {
      return '';
    } finally {
      sent.done();
    }
  }

  private async statusError(sent: Sent, spec: RequestSpec): Promise<VigilError> {
    const status = sent.res.status;
    const detail = await this.errorDetail(sent);
    if (status === 404) return this.fail(spec.subject, spec.notFoundRule, `${spec.what} not found in ${this.registry}${detail}`, 'VIGIL_NOT_FOUND');
    if (status === 403) return this.fail(spec.subject, 'auth-failed', `registry ${this.registry} denied access to ${spec.what}${this.authHint()}${detail}`);
    if (status === 429) return this.fail(spec.subject, 'rate-limited', `registry ${this.registry} is rate limiting requests for ${spec.what}${detail}`);
    return this.fail(spec.subject, 'registry-error', `registry ${this.registry} answered HTTP ${status} for ${spec.what}${detail}`);
  }

  /** reads a whole body, at most `limit` bytes, under the request's timer */
  async readLimited(sent: Sent, limit: number, spec: RequestSpec | undefined): Promise<Buffer> {
    const { res } = sent;
    const declared = Number(res.headers.get('content-length') ?? NaN);
    const tooLarge = () =>
      this.fail(spec?.subject ?? this.registry, 'too-large', `${spec?.what ?? 'response'} is larger than ${limit} bytes`, 'VIGIL_LIMIT_EXCEEDED');
    if (Number.isFinite(declared) && declared > limit) {
      sent.controller.abort();
      throw tooLarge();
    }
    if (!res.body) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let total = 0;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > limit) {
          sent.controller.abort();
          throw tooLarge();
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (e) {
      if (e instanceof VigilError) throw e;
      if (sent.controller.signal.aborted) {
        throw this.fail(spec?.subject ?? this.registry, 'timeout', `${spec?.what ?? 'response'} not received within ${this.timeoutMs} ms`, 'VIGIL_NETWORK', e);
      }
      throw this.fail(spec?.subject ?? this.registry, 'network', `reading ${spec?.what ?? 'response'} failed: ${errorText(e)}`, 'VIGIL_NETWORK', e);
    } finally {
      sent.done();
    }
    return Buffer.concat(chunks, total);
  }

  /**
   * A manifest's bytes, verified: against `reference` when it is a digest, else against
   * Docker-Content-Digest when the registry sent one.
   * @throws VigilError manifest-unknown, digest-mismatch, auth-failed, too-large, …
   */
  async getManifest(
    repository: string,
    reference: string,
    subject: string,
    expect?: { digest: string; size?: number },
  ): Promise<{ bytes: Buffer; digest: string; contentType?: string }> {
    const spec: RequestSpec = {
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: `repository:${repository}:pull`,
      accept: MANIFEST_ACCEPT,
      subject,
      what: `manifest ${reference} of ${repository}`,
      notFoundRule: 'manifest-unknown'
    };
    const sent = await this.request(spec);
    const bytes = await this.readLimited(sent, this.maxManifestBytes, spec);
    const header = sent.res.headers.get('docker-content-digest') ?? undefined;
    const wanted = expect?.digest ?? (splitDigest(reference) ? reference : undefined);
    let digest: string;
    if (wanted) {
      digest = digestOf(bytes, wanted);
      if (digest !== wanted) throw digestMismatch(subject, `manifest ${reference}`, wanted, digest);
    } else {
      digest = digestOf(bytes);
      if (header && splitDigest(header)) {
        const actual = digestOf(bytes, header);
        if (actual !== header) throw digestMismatch(subject, `manifest ${reference} (Docker-Content-Digest)`, header, actual);
        digest = header;
      }
    }
    if (expect?.size !== undefined && expect.size !== bytes.length) {
      throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${subject}: digest-mismatch: manifest ${reference} has ${bytes.length} bytes, its descriptor says ${expect.size}`, {
        input: subject,
        rule: 'digest-mismatch',
      });
    }
    const contentType = sent.res.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
    return { bytes, digest, contentType };
  }

  /** HEAD of a manifest: digest, media type and size without the body. */
  async headManifest(repository: string, reference: string, subject: string): Promise<{ digest?: string; mediaType?: string; size?: number }> {
    const spec: RequestSpec = {
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${reference}`,
      scope: `repository:${repository}:pull`,
      accept: MANIFEST_ACCEPT,
      subject,
      what: `manifest ${reference} of ${repository}`,
      notFoundRule: 'manifest-unknown'
    };
    const sent = await this.request(spec);
    sent.done();
    await sent.res.body?.cancel().catch(() => undefined);
    const h = sent.res.headers;
    const size = Number(h.get('content-length') ?? NaN);
    return {
      digest: h.get('docker-content-digest') ?? undefined,
      mediaType: h.get('content-type')?.split(';')[0]?.trim() || undefined,
      size: Number.isFinite(size) ? size : undefined,
    };
  }

  /** A whole blob in memory (configs), verified. */
  async getBlobBytes(repository: string, digest: string, size: number | undefined, limit: number, subject: string): Promise<Buffer> {
    const spec = this.blobSpec(repository, digest, subject);
    if (size !== undefined && size > limit) {
      throw this.fail(subject, 'too-large', `${spec.what} is ${size} bytes, more than the limit of ${limit}`, 'VIGIL_LIMIT_EXCEEDED');
    }
    const sent = await this.request(spec);
    const bytes = await this.readLimited(sent, limit, spec);
    const actual = digestOf(bytes, digest);
    if (actual !== digest) throw digestMismatch(subject, `blob ${digest}`, digest, actual);
    if (size !== undefined && bytes.length !== size) {
      throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${subject}: digest-mismatch: blob ${digest} has ${bytes.length} bytes, its descriptor says ${size}`, {
        input: subject,
        rule: 'digest-mismatch',
      });
    }
    return bytes;
  }

  private blobSpec(repository: string, digest: string, subject: string): RequestSpec {
    return {
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scope: `repository:${repository}:pull`,
      subject,
      what: `blob ${digest} of ${repository}`,
      notFoundRule: 'blob-unknown',
    };
  }

  /**
   * A blob as a stream (redirects followed), its digest and size checked while it flows: the
   * stream errors with digest-mismatch at its end when the bytes are wrong, and with a timeout
   * when no data arrives for timeoutMs while the consumer is reading.
   */
  async openBlob(repository: string, digest: string, size: number | undefined, subject: string): Promise<Readable> {
    const spec = this.blobSpec(repository, digest, subject);
    const sent = await this.request(spec);
    sent.done();
    const body = sent.res.body;
    const verifier = new DigestVerifier(subject, digest, size);
    if (!body) {
      verifier.end();
      return verifier;
    }
    const source = new WebBodyReadable(body, this.timeoutMs, sent.controller, () =>
      this.fail(subject, 'timeout', `no data for ${this.timeoutMs} ms while reading ${spec.what}`),
      (e) => this.fail(subject, 'network', `reading ${spec.what} failed: ${errorText(e)}`, 'VIGIL_NETWORK', e),
    );
    source.on('error', (e) => verifier.destroy(e));
    verifier.on('close', () => {
      if (!source.destroyed) source.destroy();
    });
    source.pipe(verifier);
    return verifier;
  }

  /**
   * Follows a paginated listing (`Link: <…>; rel="next"`), collecting items from each page.
   */
  async paginate<T>(first: string, scope: string | undefined, subject: string, what: string, pick: (json: unknown) => T[], limit: number): Promise<T[]> {
    const out: T[] = [];
    let path: string | undefined = first;
    const seen = new Set<string>();
    while (path && out.length < limit) {
      if (seen.has(path)) break; // a registry that links a page to itself
      seen.add(path);
      const spec: RequestSpec = { method: 'GET', path, scope, accept: 'application/json', subject, what, notFoundRule: 'name-unknown' };
      const sent = await this.request(spec);
      const body = await this.readLimited(sent, 16 * 1024 * 1024, spec);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw this.fail(subject, 'registry-error', `${what}: the registry did not answer JSON`, 'VIGIL_NETWORK', e);
      }
      out.push(...pick(json));
      path = nextLink(sent.res.headers.get('link'), sent.url);
    }
    return out.slice(0, limit);
  }
}

/** The `rel="next"` target of a Link header, as a path on the same origin (others are ignored). */
export function nextLink(header: string | null, base: URL): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>(.*)$/.exec(part.trim());
    if (!m || !/;\s*rel="?next"?/i.test(m[2]!)) continue;
    const url = new URL(m[1]!, base);
    if (url.origin !== base.origin) return undefined;
    return url.pathname + url.search;
  }
  return undefined;
}

/** A web ReadableStream as a node Readable whose reads time out when the server goes quiet. */
class WebBodyReadable extends Readable {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly timeoutMs: number,
    private readonly controller: AbortController,
    private readonly onTimeout: () => Error,
    private readonly onError: (e: unknown) => Error,
  ) {
    super();
    this.reader = body.getReader();
  }

  override _read(): void {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.controller.abort();
      this.destroy(this.onTimeout());
    }, this.timeoutMs);
    this.reader.read().then(
      ({ done, value }) => {
        clearTimeout(timer);
        if (timedOut || this.destroyed) return;
        if (done) this.push(null);
        else this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      },
      (e) => {
        clearTimeout(timer);
        if (!timedOut && !this.destroyed) this.destroy(this.onError(e));
      },
    );
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.reader.cancel().catch(() => undefined);
    cb(err);
  }
}
