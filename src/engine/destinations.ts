/**
 * Where exports go (issue 19): a local directory under the operator's --allow-path, or an
 * S3-compatible bucket written through the AWS SDK v3 (`@aws-sdk/client-s3`, and
 * `@aws-sdk/lib-storage`'s Upload for multipart). Findings reports and SBOM exports both take one.
 *
 * - Every S3 request goes through the engine's TargetPolicy: the client's request handler is
 *   {@link PolicyRequestHandler}, which sends the SDK's signed request with `policy.fetch` (the
 *   endpoint's host resolved once, checked, connected to that address; no redirect followed). The
 *   tenants' policy therefore refuses a loopback or private endpoint unless --allow-network covers it.
 * - A directory is checked with `policy.checkPath` (absolute, inside --allow-path, symlinks
 *   resolved); the file is written under a temporary name and renamed, so that a reader never sees
 *   half a report.
 * - The secret access key is sealed at rest (store/secrets.ts) bound to the export's id, and never
 *   answered by the API (`publicDestination`).
 */
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { exportAad, sealExportSecret, SEALED_FIELD } from './secrets.ts';

export const SSE_MODES = ['AES256', 'aws:kms'] as const;

export interface S3Destination {
  kind: 's3';
  bucket: string;
  /** key prefix, e.g. "vigil/reports/" (written as given: end it with "/" for a folder) */
  prefix?: string;
  region: string;
  /** an S3-compatible endpoint (MinIO, Ceph, …); default AWS */
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  serverSideEncryption?: (typeof SSE_MODES)[number];
  kmsKeyId?: string;
}
export interface DirectoryDestination { kind: 'directory'; path: string }
export type Destination = S3Destination | DirectoryDestination;

/** A destination as the API shows it: no secret. */
export type PublicDestination = Omit<S3Destination, 'secretAccessKey'> | DirectoryDestination;

const SEALED = SEALED_FIELD;
const aadOf = exportAad;

/** The destination without its secret (what the API answers). */
export function publicDestination(d: Destination | PublicDestination): PublicDestination {
  if (d.kind === 'directory') return { kind: 'directory', path: d.path };
  const { secretAccessKey: _secret, ...open } = d as S3Destination;
  return open;
}

/**
 * The JSON stored for a destination: the secret access key sealed under the database's sealing key,
 * bound to the export's id (engine/secrets.ts: key rotation re-seals it with the targets').
 * @throws VigilError VIGIL_CONFIG when the store has no secret keyring
 */
export async function sealDestination(store: Store, ownerId: string, d: Destination): Promise<string> {
  if (d.kind === 'directory') return JSON.stringify(d);
  if (!store.secrets) throw new VigilError('VIGIL_CONFIG', 'an S3 destination\'s secret access key must be sealed: this process opened the database without the secret key (VIGIL_SECRET_KEY or the key file)', { input: 'destination.secretAccessKey', rule: 'secret-key-missing' });
  const { secretAccessKey, ...open } = d;
  return JSON.stringify({ ...open, [SEALED]: await sealExportSecret(store, ownerId, secretAccessKey) });
}

/** A stored destination, secret opened (for the job that writes). */
export function openDestination(store: Store, ownerId: string, stored: string): Destination {
  const o = JSON.parse(stored) as Record<string, unknown>;
  if (o.kind === 'directory') return o as unknown as DirectoryDestination;
  if (!store.secrets) throw new VigilError('VIGIL_CONFIG', `the S3 secret of export ${ownerId} is sealed: this process opened the database without the secret key`, { input: ownerId, rule: 'secret-key-missing' });
  const { [SEALED]: sealed, ...open } = o;
  return { ...(open as Omit<S3Destination, 'secretAccessKey'>), secretAccessKey: store.secrets.open(String(sealed), aadOf(ownerId)) };
}

/** A stored destination without its secret. */
export function storedPublicDestination(stored: string): PublicDestination {
  const { [SEALED]: _sealed, ...open } = JSON.parse(stored) as Record<string, unknown>;
  return open as unknown as PublicDestination;
}

/**
 * What can be checked when an export is asked for: a directory inside --allow-path (it must exist),
 * an S3 endpoint that is an http(s) URL whose host the policy allows, a KMS key only with aws:kms.
 * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_NOT_FOUND, VIGIL_INVALID_INPUT
 */
export async function checkDestination(policy: TargetPolicy, d: Destination): Promise<void> {
  if (d.kind === 'directory') {
    const real = await policy.checkPath(d.path, `destination.path ${d.path}`);
    if (!(await stat(real)).isDirectory()) throw new VigilError('VIGIL_INVALID_INPUT', `destination.path ${d.path}: not a directory`, { input: 'destination.path', rule: 'directory' });
    return;
  }
  if (d.kmsKeyId && d.serverSideEncryption !== 'aws:kms') {
    throw new VigilError('VIGIL_INVALID_INPUT', 'destination.kmsKeyId is only used with serverSideEncryption "aws:kms"', { input: 'destination.kmsKeyId', rule: 'kms-needs-aws-kms' });
  }
  if (d.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(d.endpoint);
    } catch {
      throw new VigilError('VIGIL_INVALID_INPUT', `destination.endpoint ${JSON.stringify(d.endpoint)}: not a URL`, { input: 'destination.endpoint', rule: 'url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new VigilError('VIGIL_INVALID_INPUT', `destination.endpoint ${d.endpoint}: only http and https endpoints`, { input: 'destination.endpoint', rule: 'url-scheme' });
    try {
      await policy.resolve(url.hostname, `destination.endpoint ${url.origin}`);
    } catch (e) {
      // refused is final; unreachable now may be reachable when the job runs (it checks again)
      if (e instanceof VigilError && e.code === 'VIGIL_FORBIDDEN') throw e;
    }
  }
}

// ─── the SDK's requests through the policy ──────────────────────────────────────────────────────

/** What the SDK hands a request handler (@smithy/protocol-http HttpRequest). */
interface SdkRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
  fragment?: string;
}

/** RFC 3986 escaping as the SDK signs query values (encodeURIComponent leaves !'()* alone). */
const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function queryString(q: SdkRequest['query']): string {
  const parts: string[] = [];
  for (const k of Object.keys(q ?? {}).sort()) {
    const v = q![k];
    const key = escapeUri(k);
    if (v === null || v === undefined) parts.push(key);
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${key}=${escapeUri(one)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<string | Uint8Array>) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
    return Buffer.concat(chunks);
  }
  throw new VigilError('VIGIL_INTERNAL', `S3 request: a body of type ${typeof body} cannot be sent`, { rule: 's3-body' });
}

/**
 * The S3 client's request handler: the signed request sent with `policy.fetch` (so the policy
 * resolves, checks and pins the endpoint's address). Bodies are the SDK's: strings and buffers
 * (a multipart upload's parts are buffers of at most the part size), a stream read into one buffer.
 * The `Expect: 100-continue` header (never signed) is dropped: the body goes with the headers.
 */
export class PolicyRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  constructor(private readonly policy: TargetPolicy) {}

  async handle(request: SdkRequest, opts: { abortSignal?: AbortSignal } = {}): Promise<{ response: { statusCode: number; reason?: string; headers: Record<string, string>; body: Readable } }> {
    const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
    const url = `${request.protocol}//${host}${request.port ? `:${request.port}` : ''}${request.path}${queryString(request.query)}`;
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.toLowerCase() !== 'expect'));
    const body = await bodyBytes(request.body);
    const res = await this.policy.fetch(url, { method: request.method, headers, ...(body ? { body } : {}), redirect: 'manual', ...(opts.abortSignal ? { signal: opts.abortSignal } : {}) });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    const stream = res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
    return { response: { statusCode: res.status, reason: res.statusText, headers: out, body: stream } };
  }

  updateHttpClientConfig(): void { /* nothing configurable */ }
  httpHandlerConfigs(): Record<string, never> { return {}; }
  destroy(): void { /* the policy owns its sockets */ }
}

/** An S3 client for a destination whose every request goes through the policy. */
export function s3ClientFor(policy: TargetPolicy, d: S3Destination): S3Client {
  const config: S3ClientConfig = {
    region: d.region,
    ...(d.endpoint ? { endpoint: d.endpoint } : {}),
    forcePathStyle: d.forcePathStyle ?? false,
    credentials: { accessKeyId: d.accessKeyId, secretAccessKey: d.secretAccessKey },
    requestHandler: new PolicyRequestHandler(policy) as unknown as S3ClientConfig['requestHandler'],
    // checksums only where S3 requires them: streaming (aws-chunked) bodies with trailers are not
    // understood by every S3-compatible server
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
  return new S3Client(config);
}

export interface WriteResult {
  /** s3://bucket/key, or the file's path */
  location: string;
  size: number;
}

/** The object key (S3) or file name (directory) an export is written as. */
export function objectKey(d: Destination, name: string): string {
  return d.kind === 's3' ? `${d.prefix ?? ''}${name}` : name;
}

/** A readable of the body's chunks, counting the bytes that went through. */
function counted(body: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, count: { n: number }): Readable {
  return Readable.from((async function* () {
    for await (const c of body) {
      const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c);
      count.n += b.length;
      yield b;
    }
  })());
}

/**
 * Writes one object to the destination, streaming the body (S3: a multipart upload of 8 MiB parts
 * once the body is larger than one part, else one PutObject; directory: a temporary file renamed).
 * @throws VigilError VIGIL_FORBIDDEN (a refused endpoint or path), VIGIL_NETWORK (unreachable),
 *   rule "s3-error" when the bucket answered with an error (its code and message): VIGIL_FORBIDDEN for
 *   403, VIGIL_NOT_FOUND for 404, VIGIL_INVALID_INPUT for other 4xx (final), VIGIL_NETWORK otherwise
 */
export async function writeObject(policy: TargetPolicy, d: Destination, name: string, contentType: string, body: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<WriteResult> {
  const count = { n: 0 };
  if (d.kind === 'directory') {
    const dir = await policy.checkPath(d.path, `destination.path ${d.path}`);
    const file = join(dir, name);
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    try {
      await pipeline(counted(body, count), createWriteStream(tmp, { mode: 0o640 }));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      if (e instanceof VigilError) throw e;
      throw new VigilError('VIGIL_STORE', `destination.path ${d.path}: cannot write ${name}: ${(e as Error).message}`, { input: 'destination.path', rule: 'write', cause: e });
    }
    return { location: file, size: count.n };
  }
  const key = objectKey(d, name);
  const client = s3ClientFor(policy, d);
  try {
    const upload = new Upload({
      client,
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: d.bucket, Key: key, Body: counted(body, count), ContentType: contentType,
        ...(d.serverSideEncryption ? { ServerSideEncryption: d.serverSideEncryption } : {}),
        ...(d.kmsKeyId ? { SSEKMSKeyId: d.kmsKeyId } : {}),
      },
    });
    await upload.done();
  } catch (e) {
    if (e instanceof VigilError) throw e;
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof VigilError) throw cause;
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    // the bucket's 4xx (AccessDenied, SignatureDoesNotMatch, NoSuchBucket, …) are final; 5xx and no answer may pass
    const code = status === 403 || status === 401 ? 'VIGIL_FORBIDDEN' : status === 404 ? 'VIGIL_NOT_FOUND' : status && status >= 400 && status < 500 ? 'VIGIL_INVALID_INPUT' : 'VIGIL_NETWORK';
    throw new VigilError(code, `S3 bucket ${d.bucket}${d.endpoint ? ` at ${d.endpoint}` : ''}: ${err.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`, { input: 'destination', rule: 's3-error', cause: e });
  } finally {
    client.destroy();
  }
  return { location: `s3://${d.bucket}/${key}`, size: count.n };
}
