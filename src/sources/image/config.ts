/**
 * Image manifests and configs, shared by the OCI layout, docker-archive and registry sources.
 * OCI image spec: https://github.com/opencontainers/image-spec (manifest.md, config.md, image-index.md);
 * Docker v2 schema 2: https://distribution.github.io/distribution/spec/manifest-v2-2/
 */
import { VigilError } from '../../model/index.ts';
import { array, boolean, number, object, optional, string, stringRecord, SchemaIssue, type Infer, type Schema } from './schema.ts';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];

const digest = string(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'a digest (algorithm:encoded)');

export const descriptorSchema = object({
  mediaType: optional(string()),
  digest,
  size: optional(number({ int: true, min: 0 })),
  annotations: optional(stringRecord()),
  platform: optional(object({ os: string(), architecture: string(), variant: optional(string()), 'os.version': optional(string()) })),
});
export type Descriptor = Infer<typeof descriptorSchema>;

export const indexSchema = object({
  schemaVersion: optional(number()),
  mediaType: optional(string()),
  manifests: array(descriptorSchema),
});
export type ImageIndex = Infer<typeof indexSchema>;

export const manifestSchema = object({
  schemaVersion: optional(number()),
  mediaType: optional(string()),
  config: descriptorSchema,
  layers: array(descriptorSchema),
});
export type ImageManifest = Infer<typeof manifestSchema>;

export const configSchema = object({
  architecture: optional(string()),
  os: optional(string()),
  variant: optional(string()),
  rootfs: object({ type: optional(string()), diff_ids: array(string()) }),
  history: optional(array(object({ created_by: optional(string()), empty_layer: optional(boolean), comment: optional(string()) }, { passthrough: true }))),
});
export type ImageConfig = Infer<typeof configSchema>;

/** Parses untrusted JSON against a schema (schema.ts), naming the input on failure. */
export function parseJson<T>(schema: Schema<T>, bytes: Buffer | string, input: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not JSON: ${(e as Error).message}`, { input, rule: 'json', cause: e });
  }
  try {
    return schema.check(raw, '');
  } catch (e) {
    if (!(e instanceof SchemaIssue)) throw e;
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: ${e.at || '(root)'}: ${e.message}`, { input, rule: 'schema' });
  }
}

/**
 * The `created_by` of each layer: history entries with `empty_layer` take no layer, the others map
 * to layers in order. Returns one (possibly undefined) value per layer.
 */
export function createdByPerLayer(config: ImageConfig, layerCount: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const h of config.history ?? []) {
    if (h.empty_layer) continue;
    out.push(h.created_by);
  }
  return Array.from({ length: layerCount }, (_, i) => out[i]);
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** "linux/arm64/v8" → {os, architecture, variant} */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new VigilError('VIGIL_INVALID_INPUT', `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`, { input: s, rule: 'platform' });
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform | undefined): string | undefined {
  if (!p) return undefined;
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/**
 * Picks the manifest for a platform from an index. Entries without a platform (attestations carry
 * "unknown/unknown") never match; a wanted variant must match, an unspecified one takes the first.
 * @throws VigilError VIGIL_NOT_FOUND naming the platforms on offer
 */
export function selectPlatform(index: ImageIndex, want: Platform, input: string): Descriptor {
  const cands = index.manifests.filter(
    (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture && (!want.variant || m.platform.variant === want.variant),
  );
  if (cands.length > 0) return cands[0];
  const offered = index.manifests.map((m) => formatPlatform(m.platform) ?? '(none)').join(', ');
  throw new VigilError('VIGIL_NOT_FOUND', `${input}: no manifest for platform ${formatPlatform(want)} (offered: ${offered})`, { input, rule: 'platform' });
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };
