/**
 * An OCI image layout directory (index.json + blobs/<alg>/<hex>), as written by umoci, skopeo
 * (`oci:` transport), buildah and `docker save` since 25. Spec:
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '../../model/index.ts';
import type { ScanFS } from '../types.ts';
import {
  DEFAULT_PLATFORM,
  INDEX_TYPES,
  MANIFEST_TYPES,
  configSchema,
  createdByPerLayer,
  formatPlatform,
  indexSchema,
  manifestSchema,
  openImage,
  parseDigest,
  parseJson,
  parsePlatform,
  schema,
  selectPlatform,
  type BlobLocation,
  type Descriptor,
  type ImageSource,
  type OpenImageOptions,
  type Platform,
} from '../image/index.ts';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export interface OciLayoutOptions extends OpenImageOptions {
  /** the tag (ref.name annotation); default: the only image of the layout */
  tag?: string;
  /** "os/arch[/variant]", default linux/amd64 */
  platform?: string;
}

/** Reads blobs by digest, verifying each; layer blobs are opened as streams and verified by image/. */
export interface BlobStore {
  /** a small blob (index, manifest, config), digest-checked */
  read(digest: string, maxBytes?: number): Promise<Buffer>;
  /** a layer blob's stream */
  open(digest: string): Promise<NodeJS.ReadableStream | AsyncIterable<Buffer>>;
  /** where a layer blob lies in a local file, when it does (read by offset then) */
  locate?(digest: string): Promise<BlobLocation>;
  /** what to call the store in messages */
  readonly name: string;
}

/** A blob store over a layout directory. */
export function layoutBlobs(dir: string): BlobStore {
  const pathOf = (digest: string): string => {
    const d = parseDigest(digest);
    if (!d) throw new VigilError('VIGIL_INVALID_INPUT', `${dir}: unsupported or malformed digest ${JSON.stringify(digest)}`, { input: digest, rule: 'digest' });
    return join(dir, 'blobs', d[0], d[1]);
  };
  return {
    name: dir,
    async read(digest, maxBytes = 64 * 1024 * 1024) {
      const p = pathOf(digest);
      const s = await stat(p).catch(() => null);
      if (!s?.isFile()) throw new VigilError('VIGIL_NOT_FOUND', `${dir}: blob ${digest} is missing`, { input: digest, rule: 'missing-blob' });
      if (s.size > maxBytes) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${dir}: blob ${digest} is ${s.size} bytes, over ${maxBytes}`, { input: digest, rule: 'file-too-large' });
      const data = await readFile(p);
      verifyBlob(data, digest, dir);
      return data;
    },
    async open(digest) {
      const p = pathOf(digest);
      const s = await stat(p).catch(() => null);
      if (!s?.isFile()) throw new VigilError('VIGIL_NOT_FOUND', `${dir}: blob ${digest} is missing`, { input: digest, rule: 'missing-blob' });
      return createReadStream(p, { highWaterMark: 1024 * 1024 });
    },
    async locate(digest) {
      const p = pathOf(digest);
      const s = await stat(p).catch(() => null);
      if (!s?.isFile()) throw new VigilError('VIGIL_NOT_FOUND', `${dir}: blob ${digest} is missing`, { input: digest, rule: 'missing-blob' });
      return { path: p, offset: 0, size: s.size };
    },
  };
}

export function verifyBlob(data: Buffer, digest: string, where: string): void {
  const d = parseDigest(digest);
  if (!d) throw new VigilError('VIGIL_INVALID_INPUT', `${where}: unsupported digest ${JSON.stringify(digest)}`, { input: digest, rule: 'digest' });
  const got = createHash(d[0]).update(data).digest('hex');
  if (got !== d[1]) {
    throw new VigilError('VIGIL_UNSAFE_ARCHIVE', `${where}: blob ${digest} has digest ${d[0]}:${got}`, { input: digest, rule: 'digest-mismatch' });
  }
}

/** The `oci-layout` file: `{"imageLayoutVersion": "1.0.0"}` (image-layout.md#oci-layout-file). */
const layoutFileSchema = schema.object({ imageLayoutVersion: schema.string() });

/** The largest oci-layout / index.json read: an index is a list of manifest descriptors, as a registry's manifests (4 MiB there too). */
export const MAX_LAYOUT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads one of the layout's own files (oci-layout, index.json); absent, unreadable or larger than
 * MAX_LAYOUT_FILE_BYTES is a clear error naming the file, never a raw ENOENT/EISDIR or a huge read.
 */
async function readLayoutFile(dir: string, name: string): Promise<Buffer> {
  const p = join(dir, name);
  try {
    const s = await stat(p);
    if (s.isFile() && s.size > MAX_LAYOUT_FILE_BYTES) {
      throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${p}: ${name} is ${s.size} bytes, over the ${MAX_LAYOUT_FILE_BYTES}-byte limit of an OCI layout's own files`, { input: p, rule: 'file-too-large' });
    }
    return await readFile(p);
  } catch (e) {
    if (e instanceof VigilError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? (e as Error).message})`;
    throw new VigilError('VIGIL_INVALID_INPUT', `${p}: not an OCI image layout: ${name} ${why}`, { input: p, rule: 'oci-layout', cause: e });
  }
}

/**
 * Checks an `oci-layout` file's content.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "oci-layout") naming the file
 */
export function checkLayoutFile(bytes: Buffer | string, input: string): void {
  const { imageLayoutVersion } = parseJson(layoutFileSchema, bytes, input);
  if (imageLayoutVersion !== '1.0.0') throw new VigilError('VIGIL_INVALID_INPUT', `${input}: unsupported imageLayoutVersion ${JSON.stringify(imageLayoutVersion)} (1.0.0)`, { input, rule: 'oci-layout' });
}

/** Tags in a layout's index.json (the ref.name annotations). */
export async function listTags(dir: string): Promise<string[]> {
  const index = parseJson(indexSchema, await readLayoutFile(dir, 'index.json'), join(dir, 'index.json'));
  return index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => !!t);
}

/**
 * Resolves a descriptor from an index (by tag or the only one) down to an image: nested indexes
 * and manifest lists by platform, then the manifest and config.
 */
export async function resolveImage(
  store: BlobStore,
  index: { manifests: Descriptor[] },
  opts: { tag?: string; platform?: Platform; kind: string; ref: string },
): Promise<ImageSource> {
  const where = store.name;
  let desc: Descriptor;
  if (opts.tag !== undefined) {
    const tag = opts.tag;
    const hits = index.manifests.filter((m) => {
      const n = m.annotations?.[REF_NAME];
      // ref.name is usually the bare tag; some tools write a full reference ("name:tag")
      return n === tag || (n !== undefined && n.endsWith(`:${tag}`));
    });
    if (hits.length === 0) {
      const tags = index.manifests.map((m) => m.annotations?.[REF_NAME]).filter(Boolean);
      throw new VigilError('VIGIL_NOT_FOUND', `${where}: no image tagged ${JSON.stringify(tag)} (tags: ${tags.join(', ') || 'none'})`, { input: tag, rule: 'tag' });
    }
    desc = hits[0];
  } else if (index.manifests.length === 1) {
    desc = index.manifests[0];
  } else if (index.manifests.length === 0) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${where}: the index lists no images (manifests is empty)`, { input: where, rule: 'empty-index' });
  } else {
    const tags = index.manifests.map((m) => m.annotations?.[REF_NAME] ?? m.digest);
    throw new VigilError('VIGIL_INVALID_INPUT', `${where}: ${index.manifests.length} images; choose one by tag (${tags.join(', ')})`, { input: where, rule: 'tag' });
  }
  const platform = opts.platform ?? DEFAULT_PLATFORM;
  let chosenPlatform: Platform | undefined;
  for (let depth = 0; ; depth++) {
    if (depth > 4) throw new VigilError('VIGIL_INVALID_INPUT', `${where}: indexes nested too deeply`, { input: desc.digest, rule: 'nesting' });
    const bytes = await store.read(desc.digest);
    const mediaType = desc.mediaType ?? sniffMediaType(bytes);
    if (INDEX_TYPES.includes(mediaType) || (!MANIFEST_TYPES.includes(mediaType) && isIndex(bytes))) {
      const sub = parseJson(indexSchema, bytes, `${where} ${desc.digest}`);
      desc = sub.manifests.length === 1 && !sub.manifests[0].platform ? sub.manifests[0] : selectPlatform(sub, platform, `${where} ${desc.digest}`);
      if (desc.platform) chosenPlatform = desc.platform;
      continue;
    }
    if (!MANIFEST_TYPES.includes(mediaType)) {
      throw new VigilError('VIGIL_INVALID_INPUT', `${where}: ${desc.digest} has unsupported media type ${mediaType}`, { input: desc.digest, rule: 'media-type' });
    }
    const manifest = parseJson(manifestSchema, bytes, `${where} manifest ${desc.digest}`);
    const config = parseJson(configSchema, await store.read(manifest.config.digest), `${where} config ${manifest.config.digest}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new VigilError('VIGIL_INVALID_INPUT', `${where}: manifest has ${manifest.layers.length} layers, config ${config.rootfs.diff_ids.length} diff ids`, { input: desc.digest, rule: 'layer-count' });
    }
    const createdBy = createdByPerLayer(config, manifest.layers.length);
    const platformName = chosenPlatform ? formatPlatform(chosenPlatform) : config.os && config.architecture ? formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant }) : undefined;
    return {
      target: { kind: opts.kind, ref: opts.ref, digest: desc.digest, ...(platformName ? { platform: platformName } : {}) },
      layers: manifest.layers.map((l, i) => ({
        open: () => store.open(l.digest) as Promise<AsyncIterable<Buffer>>,
        ...(store.locate ? { locate: () => store.locate!(l.digest) } : {}),
        digest: l.digest,
        diffId: config.rootfs.diff_ids[i],
        ...(createdBy[i] !== undefined ? { createdBy: createdBy[i] } : {}),
        ...(l.mediaType ? { mediaType: l.mediaType } : {}),
        ...(l.size !== undefined ? { size: l.size } : {}),
      })),
    };
  }
}

function sniffMediaType(bytes: Buffer): string {
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown; config?: unknown };
    if (typeof j.mediaType === 'string') return j.mediaType;
    if (Array.isArray(j.manifests)) return MEDIA_INDEX;
    if (j.config) return MEDIA_MANIFEST;
  } catch {
    /* parseJson reports it */
  }
  return MEDIA_MANIFEST;
}
const MEDIA_INDEX = 'application/vnd.oci.image.index.v1+json';
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function isIndex(bytes: Buffer): boolean {
  return sniffMediaType(bytes) === MEDIA_INDEX;
}

/**
 * Opens one image of an OCI layout.
 * @throws VigilError VIGIL_NOT_FOUND (no such tag or platform), VIGIL_INVALID_INPUT (not a layout,
 * several images and no tag), VIGIL_UNSAFE_ARCHIVE (a digest does not verify)
 */
export async function openOciLayout(dir: string, opts: OciLayoutOptions = {}): Promise<ScanFS> {
  checkLayoutFile(await readLayoutFile(dir, 'oci-layout'), join(dir, 'oci-layout'));
  const index = parseJson(indexSchema, await readLayoutFile(dir, 'index.json'), join(dir, 'index.json'));
  const src = await resolveImage(layoutBlobs(dir), index, {
    tag: opts.tag,
    platform: opts.platform ? parsePlatform(opts.platform) : undefined,
    kind: 'oci-layout',
    ref: opts.tag ? `${dir}:${opts.tag}` : dir,
  });
  return openImage(src, opts);
}
