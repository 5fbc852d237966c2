/**
 * Image manifests and configs, shared by the OCI layout, docker-archive and registry sources.
 * OCI image spec: https://github.com/opencontainers/image-spec (manifest.md, config.md, image-index.md);
 * Docker v2 schema 2: https://distribution.github.io/distribution/spec/manifest-v2-2/
 */
import { z } from 'zod';
import { VigilError } from '../../model/index.ts';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/);

export const descriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest,
  size: z.number().int().nonnegative().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z
    .object({ os: z.string(), architecture: z.string(), variant: z.string().optional(), 'os.version': z.string().optional() })
    .optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const indexSchema = z.object({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});
export type ImageIndex = z.infer<typeof indexSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.number().optional(),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export const configSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  rootfs: z.object({ type: z.string().optional(), diff_ids: z.array(z.string()) }),
  history: z
    .array(z.object({ created_by: z.string().optional(), empty_layer: z.boolean().optional(), comment: z.string().optional() }).passthrough())
    .optional(),
});
export type ImageConfig = z.infer<typeof configSchema>;

/** Parses untrusted JSON against a schema, naming the input on failure. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Buffer | string, input: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not JSON: ${(e as Error).message}`, { input, rule: 'json', cause: e });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, { input, rule: 'schema' });
  }
  return r.data;
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
