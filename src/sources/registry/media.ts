/**
 * Media types, platform matching and digest checks.
 * OCI: https://github.com/opencontainers/image-spec/blob/main/media-types.md
 * Docker v2 schema 2: https://distribution.github.io/distribution/spec/manifest-v2-2/
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VigilError } from '../../model/index.ts';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** What we send as Accept for manifests, most specific first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

export type Compression = 'none' | 'gzip' | 'zstd';

const LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  // non-distributable layers are deprecated but still met (Windows base images)
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  // some old pushers wrote the uncompressed docker type
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
};

/** The compression of a layer media type, or undefined when it is not a filesystem layer we know. */
export function layerCompression(mediaType: string): Compression | undefined {
  return LAYER_TYPES[mediaType];
}

export function isIndexType(t: string | undefined): boolean {
  return t === MEDIA.ociIndex || t === MEDIA.dockerList;
}
export function isManifestType(t: string | undefined): boolean {
  return t === MEDIA.ociManifest || t === MEDIA.dockerManifest;
}
export function isConfigType(t: string | undefined): boolean {
  return t === MEDIA.ociConfig || t === MEDIA.dockerConfig;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm' };

/**
 * Parses "os/arch[/variant]" ("linux/amd64", "linux/arm/v7", "linux/arm64/v8") and normalises
 * aliases the way containerd does (x86_64 → amd64, aarch64 → arm64, arm64/v8 → arm64).
 * @throws VigilError VIGIL_INVALID_INPUT (rule "platform")
 */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new VigilError('VIGIL_INVALID_INPUT', `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant]`, { input: s, rule: 'platform' });
  }
  return normalizePlatform({ os: parts[0]!, architecture: parts[1]!, variant: parts[2] });
}

/** Lower-cases and resolves aliases; see https://github.com/containerd/platforms/blob/main/database.go */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (architecture === 'armhf' && !variant) variant = 'v7';
  if (architecture === 'armel' && !variant) variant = 'v6';
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  if (architecture === 'arm64' && variant === 'v8') variant = undefined; // v8 is arm64's only common variant
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  const out: Platform = { os, architecture };
  if (variant) out.variant = variant;
  if (p['os.version']) out['os.version'] = p['os.version'];
  return out;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * Ranks how well an index entry's platform fits the wanted one: undefined when it does not fit,
 * else a number, higher is better. An exact variant beats a missing one; for arm without a wanted
 * variant, v7 beats v6 beats v5 (containerd's order); a lower arm variant may run on a higher one.
 */
export function platformScore(want: Platform, have: Platform): number | undefined {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return undefined;
  if (w.variant === h.variant) return 100;
  if (w.architecture === 'arm') {
    const wv = Number((w.variant ?? 'v7').slice(1));
    const hv = Number((h.variant ?? 'v7').slice(1));
    if (!Number.isFinite(wv) || !Number.isFinite(hv) || hv > wv) return undefined;
    return 50 + hv;
  }
  if (w.variant === undefined) return 10; // any variant will do when none was asked for
  if (h.variant === undefined) return 5; // the entry does not say; accept as a last resort
  return undefined;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** The digest's algorithm and hex, or undefined when it is not one we can compute. */
export function splitDigest(digest: string): { algorithm: 'sha256' | 'sha512'; hex: string } | undefined {
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!m) return undefined;
  const algorithm = m[1] as 'sha256' | 'sha512';
  const hex = m[2]!;
  if (hex.length !== (algorithm === 'sha256' ? 64 : 128)) return undefined;
  return { algorithm, hex };
}

/** `sha256:<hex>` of the bytes (or the algorithm of `like`, when given). */
export function digestOf(bytes: Uint8Array, like?: string): string {
  const algorithm = (like && splitDigest(like)?.algorithm) || 'sha256';
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function digestMismatch(subject: string, what: string, expected: string, actual: string): VigilError {
  return new VigilError('VIGIL_UNSAFE_ARCHIVE', `${subject}: digest-mismatch: ${what} should have digest ${expected} but has ${actual}`, {
    input: subject,
    rule: 'digest-mismatch',
  });
}

/**
 * A pass-through stream that hashes what flows through it and fails at the end (or as soon as
 * the size is exceeded) when the bytes are not the expected ones. Consumers must treat a stream
 * error as "the data read so far is not trustworthy".
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private seen = 0;
  constructor(
    private readonly subject: string,
    private readonly expected: string,
    private readonly expectedSize?: number,
  ) {
    super();
    const d = splitDigest(expected);
    if (!d) throw new VigilError('VIGIL_INVALID_INPUT', `${subject}: unsupported digest ${JSON.stringify(expected)}`, { input: subject, rule: 'digest-algorithm' });
    this.hash = createHash(d.algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expectedSize !== undefined && this.expectedSize >= 0 && this.seen > this.expectedSize) {
      cb(
        new VigilError('VIGIL_UNSAFE_ARCHIVE', `${this.subject}: digest-mismatch: blob ${this.expected} is longer than its declared ${this.expectedSize} bytes`, {
          input: this.subject,
          rule: 'digest-mismatch',
        }),
      );
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const actual = `${splitDigest(this.expected)!.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      cb(digestMismatch(this.subject, `blob`, this.expected, actual));
      return;
    }
    if (this.expectedSize !== undefined && this.expectedSize >= 0 && this.seen !== this.expectedSize) {
      cb(
        new VigilError('VIGIL_UNSAFE_ARCHIVE', `${this.subject}: digest-mismatch: blob ${this.expected} has ${this.seen} bytes, its descriptor says ${this.expectedSize}`, {
          input: this.subject,
          rule: 'digest-mismatch',
        }),
      );
      return;
    }
    cb();
  }
}
