/**
 * Images in a registry, through the OCI distribution API: resolve a reference to one platform's
 * manifest, read its config, and hand out its layers as verified streams. This module knows
 * nothing of filesystems: src/sources/image/ turns the layers into a ScanFS.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { VigilError } from '../../model/index.ts';
import type { ScanFS } from '../types.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import {
  DEFAULT_PLATFORM,
  formatPlatform,
  isConfigType,
  isIndexType,
  isManifestType,
  layerCompression,
  normalizePlatform,
  parsePlatform,
  platformScore,
  type Compression,
  type Platform,
} from './media.ts';
import { parseImageReference, withReference, type ImageReference } from './reference.ts';

export { RegistryClient, nextLink, type RegistryOptions } from './client.ts';
export { credentialsFromDockerConfig, loadDockerConfig, parseChallenges, TokenCache, type BasicCredentials, type DockerConfig, type AuthChallenge } from './auth.ts';
export { DigestVerifier, formatPlatform, layerCompression, MEDIA, MANIFEST_ACCEPT, parsePlatform, normalizePlatform, platformScore, type Compression, type Platform } from './media.ts';
export { parseImageReference, parseRepositoryReference, isDigest, type ImageReference } from './reference.ts';

// ---- wire formats, validated at the edge -------------------------------------------------------

const PlatformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});

const DescriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'digest must be sha256:<64 hex> or sha512:<128 hex>'),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: PlatformSchema.optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

const IndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(DescriptorSchema),
});
export type ImageIndex = z.infer<typeof IndexSchema>;

const ManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
});
export type ImageManifest = z.infer<typeof ManifestSchema>;

const HistorySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

const ConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  config: z.looseObject({}).nullish(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }),
  history: z.array(HistorySchema).nullish(),
});
/** The image config (OCI image-spec config.md; Docker's is the same shape). */
export type ImageConfig = z.infer<typeof ConfigSchema>;
export type HistoryEntry = z.infer<typeof HistorySchema>;

// ---- what callers get ---------------------------------------------------------------------------

/**
 * One layer of an image, in application order. This is the shape src/sources/image/ consumes:
 * an ordered list of layers, each with open() giving the compressed tar stream, its diff id and
 * the history entry that made it.
 */
export interface ImageLayer {
  /** 0-based position, bottom layer first */
  index: number;
  /** blob digest (of the compressed bytes) */
  digest: string;
  mediaType: string;
  /** how open()'s bytes are compressed; the caller decompresses */
  compression: Compression;
  /** compressed size from the manifest */
  size: number;
  /** sha256 of the uncompressed tar, from the config's rootfs.diff_ids */
  diffId: string;
  /** the non-empty history entry for this layer, when the config has one */
  history?: HistoryEntry;
  /** the history's created_by, for attribution */
  createdBy?: string;
  /**
   * The layer's compressed bytes. The stream errors (VigilError, rule "digest-mismatch") at its end
   * when they do not hash to `digest`, so data read before that error must be discarded.
   */
  open(): Promise<Readable>;
}

export interface RegistryImage {
  /** the reference as resolved, canonical: "docker.io/library/debian:bookworm" */
  ref: string;
  reference: ImageReference;
  /** digest of the platform manifest (the image's identity; what `docker pull x@digest` takes) */
  digest: string;
  /** digest of the index/manifest list the tag pointed at, when it pointed at one */
  indexDigest?: string;
  /** media type of the platform manifest */
  mediaType: string;
  manifest: ImageManifest;
  /** the platform: the index entry's when there was an index, else the config's */
  platform?: Platform;
  configDigest: string;
  config: ImageConfig;
  layers: ImageLayer[];
}

export interface OpenImageOptions extends RegistryOptions {
  /** "os/arch[/variant]" or an object; default linux/amd64 */
  platform?: string | Platform;
  /** share one client (and its tokens) across calls to the same registry */
  client?: RegistryClient;
}

function clientFor(registry: string, opts: OpenImageOptions): RegistryClient {
  if (opts.client) {
    if (opts.client.registry !== registry) {
      throw new VigilError('VIGIL_CONFIG', `a client for ${opts.client.registry} cannot be used for ${registry}`, { input: registry, rule: 'client-registry' });
    }
    return opts.client;
  }
  return new RegistryClient(registry, opts);
}

function unsupported(subject: string, what: string): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `${subject}: unsupported-media-type: ${what}`, { input: subject, rule: 'unsupported-media-type' });
}

function invalidDoc(subject: string, what: string, err: unknown): VigilError {
  const detail = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).slice(0, 5).join('; ') : String((err as Error).message ?? err);
  return new VigilError('VIGIL_INVALID_INPUT', `${subject}: invalid-manifest: ${what}: ${detail}`, { input: subject, rule: 'invalid-manifest', cause: err });
}

function parseJson(bytes: Buffer, subject: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalidDoc(subject, `${what} is not JSON`, e);
  }
}

type Doc = { kind: 'index'; index: ImageIndex; mediaType: string } | { kind: 'manifest'; manifest: ImageManifest; mediaType: string };

/** Classifies a manifest body by its mediaType field, else Content-Type, else its shape. */
function classify(json: unknown, contentType: string | undefined, subject: string, what: string): Doc {
  const declared = (json as { mediaType?: unknown } | null)?.mediaType;
  const mediaType = typeof declared === 'string' ? declared : contentType;
  const shapeIsIndex = Array.isArray((json as { manifests?: unknown } | null)?.manifests);
  if (isIndexType(mediaType) || (!isManifestType(mediaType) && shapeIsIndex && (mediaType === undefined || /json/.test(mediaType)))) {
    const r = IndexSchema.safeParse(json);
    if (!r.success) throw invalidDoc(subject, what, r.error);
    return { kind: 'index', index: r.data, mediaType: mediaType && isIndexType(mediaType) ? mediaType : 'application/vnd.oci.image.index.v1+json' };
  }
  if (isManifestType(mediaType) || ((mediaType === undefined || mediaType === 'application/json') && (json as { config?: unknown } | null)?.config)) {
    const r = ManifestSchema.safeParse(json);
    if (!r.success) throw invalidDoc(subject, what, r.error);
    return { kind: 'manifest', manifest: r.data, mediaType: mediaType && isManifestType(mediaType) ? mediaType : 'application/vnd.oci.image.manifest.v1+json' };
  }
  const schema = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (schema === 1) throw unsupported(subject, `${what} is a Docker v2 schema 1 manifest, which is deprecated and not supported`);
  throw unsupported(subject, `${what} has media type ${JSON.stringify(mediaType ?? '(none)')}; expected an OCI or Docker v2 schema 2 manifest or index`);
}

/** Attestation and signature entries of an index are not images (BuildKit writes them as unknown/unknown). */
function isImageEntry(d: Descriptor): boolean {
  if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return false;
  if (d.platform && (d.platform.os === 'unknown' || d.platform.architecture === 'unknown')) return false;
  return isManifestType(d.mediaType) || isIndexType(d.mediaType);
}

/**
 * Picks the index entry for a platform.
 * @throws VigilError VIGIL_NOT_FOUND (rule "platform-not-found") naming the platforms there are
 */
export function selectPlatform(index: ImageIndex, want: Platform, subject: string): Descriptor {
  let best: { d: Descriptor; score: number } | undefined;
  const available: string[] = [];
  for (const d of index.manifests) {
    if (!isImageEntry(d)) continue;
    if (!d.platform) continue;
    available.push(formatPlatform(normalizePlatform(d.platform)));
    const score = platformScore(want, d.platform);
    if (score !== undefined && (!best || score > best.score)) best = { d, score };
  }
  if (best) return best.d;
  // an index without platforms but a single image entry: that is the image
  const plain = index.manifests.filter((d) => isImageEntry(d) && !d.platform);
  if (plain.length === 1 && available.length === 0) return plain[0]!;
  throw new VigilError(
    'VIGIL_NOT_FOUND',
    `${subject}: platform-not-found: no image for ${formatPlatform(want)}; the index has ${available.length ? [...new Set(available)].sort().join(', ') : 'no platform entries'}`,
    { input: subject, rule: 'platform-not-found' },
  );
}

/**
 * Opens an image in a registry: resolves the reference (through an index, choosing the platform),
 * verifies the manifest and config digests, and returns the layers, each opened on demand as a
 * verified stream. Nothing is downloaded but manifests and the config until a layer is opened.
 *
 * @throws VigilError with rule image-reference, auth-failed, manifest-unknown, digest-mismatch,
 *   unsupported-media-type, platform-not-found, invalid-manifest, insecure-registry, timeout, …
 */
export async function openRegistryImage(ref: string, opts: OpenImageOptions = {}): Promise<RegistryImage> {
  const reference = parseImageReference(ref);
  const subject = `image ${reference.name}`;
  const client = clientFor(reference.registry, opts);
  const want = opts.platform === undefined ? DEFAULT_PLATFORM : typeof opts.platform === 'string' ? parsePlatform(opts.platform) : normalizePlatform(opts.platform);

  let at = reference.digest ?? reference.tag ?? 'latest';
  let expect: { digest: string; size?: number } | undefined;
  let indexDigest: string | undefined;
  let platform: Platform | undefined;
  for (let depth = 0; ; depth++) {
    const got = await client.getManifest(reference.repository, at, subject, expect);
    const doc = classify(parseJson(got.bytes, subject, `manifest ${at}`), got.contentType, subject, `manifest ${at}`);
    if (doc.kind === 'index') {
      if (depth >= 3) throw unsupported(subject, `indexes nested more than 3 deep at ${got.digest}`);
      indexDigest ??= got.digest;
      const d = selectPlatform(doc.index, want, subject);
      if (d.platform) platform = normalizePlatform(d.platform);
      at = d.digest;
      expect = { digest: d.digest, size: d.size };
      continue;
    }
    return await finishImage(client, reference, subject, got.digest, doc.mediaType, doc.manifest, indexDigest, platform);
  }
}

async function finishImage(
  client: RegistryClient,
  reference: ImageReference,
  subject: string,
  digest: string,
  mediaType: string,
  manifest: ImageManifest,
  indexDigest: string | undefined,
  platform: Platform | undefined,
): Promise<RegistryImage> {
  if (!isConfigType(manifest.config.mediaType)) {
    throw unsupported(subject, `config media type ${JSON.stringify(manifest.config.mediaType)} is not an image config (an OCI artifact?)`);
  }
  const compressions = manifest.layers.map((l) => {
    const c = layerCompression(l.mediaType);
    if (c === undefined) throw unsupported(subject, `layer ${l.digest} has media type ${JSON.stringify(l.mediaType)}`);
    return c;
  });
  const configBytes = await client.getBlobBytes(reference.repository, manifest.config.digest, manifest.config.size, client.maxConfigBytes, subject);
  const parsed = ConfigSchema.safeParse(parseJson(configBytes, subject, `config ${manifest.config.digest}`));
  if (!parsed.success) throw invalidDoc(subject, `config ${manifest.config.digest}`, parsed.error);
  const config = parsed.data;
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new VigilError(
      'VIGIL_INVALID_INPUT',
      `${subject}: config-mismatch: the manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length} diff ids`,
      { input: subject, rule: 'config-mismatch' },
    );
  }
  // history entries with empty_layer (ENV, CMD, …) made no layer; the others map to layers in order
  const layerHistory = (config.history ?? []).filter((h) => !h.empty_layer);
  const historyFits = layerHistory.length === manifest.layers.length;

  const layers: ImageLayer[] = manifest.layers.map((l, i) => {
    const history = historyFits ? layerHistory[i] : undefined;
    return {
      index: i,
      digest: l.digest,
      mediaType: l.mediaType,
      compression: compressions[i]!,
      size: l.size,
      diffId: diffIds[i]!,
      history,
      createdBy: history?.created_by,
      open: () => client.openBlob(reference.repository, l.digest, l.size, `${subject} layer ${i} (${l.digest})`),
    };
  });
  if (!platform && config.os && config.architecture) {
    platform = normalizePlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  }
  return {
    ref: reference.name,
    reference,
    digest,
    indexDigest,
    mediaType,
    manifest,
    platform,
    configDigest: manifest.config.digest,
    config,
    layers,
  };
}

/**
 * The image as src/sources/image/'s openImage takes it (`ImageSource`: a ScanFS target and the
 * ordered layers; ImageLayer has every field of its LayerInput).
 */
export function toImageSource(img: RegistryImage): { target: ScanFS['target']; layers: ImageLayer[] } {
  return {
    target: {
      kind: 'registry',
      ref: img.ref,
      digest: img.digest,
      ...(img.platform ? { platform: formatPlatform(img.platform) } : {}),
    },
    layers: img.layers,
  };
}

export interface ManifestHead {
  ref: string;
  /** the manifest digest as the registry states it (for a tag: of whatever it points at now, index or manifest) */
  digest: string;
  mediaType?: string;
  size?: number;
}

/**
 * A tag's current digest, cheaply (HEAD). When the registry sends no Docker-Content-Digest the
 * manifest is fetched and hashed.
 * @throws VigilError manifest-unknown, auth-failed, …
 */
export async function headManifest(ref: string, opts: OpenImageOptions = {}): Promise<ManifestHead> {
  const reference = parseImageReference(ref);
  const subject = `image ${reference.name}`;
  const client = clientFor(reference.registry, opts);
  const at = reference.digest ?? reference.tag ?? 'latest';
  const head = await client.headManifest(reference.repository, at, subject);
  if (head.digest && (!reference.digest || head.digest === reference.digest)) {
    return { ref: reference.name, digest: head.digest, mediaType: head.mediaType, size: head.size };
  }
  const got = await client.getManifest(reference.repository, at, subject);
  return { ref: reference.name, digest: got.digest, mediaType: got.contentType, size: got.bytes.length };
}

/** code-point order, so output is reproducible whatever order the registry used */
function sorted(xs: string[]): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ListOptions extends RegistryOptions {
  /** ask for this many entries a page (`n`); the registry may give fewer */
  pageSize?: number;
  /** stop after this many entries (default 100 000) */
  limit?: number;
  client?: RegistryClient;
}

/**
 * Repositories of a registry (`/v2/_catalog`, following `Link` pagination), sorted. Many public
 * registries (Docker Hub, GHCR) do not offer the catalog; they answer auth-failed or 404.
 */
export async function listRepositories(registry: string, opts: ListOptions = {}): Promise<string[]> {
  const client = clientFor(registry, opts);
  const q = opts.pageSize ? `?n=${opts.pageSize}` : '';
  return client.paginate(
    `/v2/_catalog${q}`,
    'registry:catalog:*',
    `registry ${registry}`,
    'the catalog',
    (json) => {
      const repos = (json as { repositories?: unknown } | null)?.repositories;
      return Array.isArray(repos) ? repos.filter((r): r is string => typeof r === 'string') : [];
    },
    opts.limit ?? 100_000,
  ).then(sorted);
}

/** Tags of a repository (`/v2/<name>/tags/list`, following `Link` pagination), sorted; a tag or digest in repoRef is ignored. */
export async function listTags(repoRef: string, opts: ListOptions = {}): Promise<string[]> {
  const reference = withReference(parseImageReference(repoRef, { defaultTag: null }), {});
  const client = clientFor(reference.registry, opts);
  const q = opts.pageSize ? `?n=${opts.pageSize}` : '';
  return client.paginate(
    `/v2/${reference.repository}/tags/list${q}`,
    `repository:${reference.repository}:pull`,
    `repository ${reference.name}`,
    `tags of ${reference.repository}`,
    (json) => {
      const tags = (json as { tags?: unknown } | null)?.tags; // null when the repository has none
      return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
    },
    opts.limit ?? 100_000,
  ).then(sorted);
}
