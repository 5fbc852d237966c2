/**
 * Sources: every target becomes a ScanFS. openTarget picks the source from the kind, or detects a
 * local one: a directory with an oci-layout file is an OCI layout, a tar with manifest.json a
 * docker archive, a zip (by magic) a zip, any other directory a plain directory; a ref that is
 * not a local path is an image in a registry (or a git URL when it looks like one).
 */
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import { openDir } from './dir/index.ts';
import { openDockerArchive, indexTar } from './docker-archive/index.ts';
import { detectCompression, openImage, type ImageSource, type LayerInput, type OpenImageOptions } from './image/index.ts';
import type { GitOptions } from './git/index.ts';
import { openOciLayout } from './oci-layout/index.ts';
import type { ScanFS } from './types.ts';
import type { ZipOptions } from './zip/index.ts';

export * from './types.ts';
export { openDir, type DirOptions } from './dir/index.ts';
export { openImage, type ImageSource, type LayerInput, type OpenImageOptions } from './image/index.ts';
export { openOciLayout, listTags, type OciLayoutOptions } from './oci-layout/index.ts';
export { openDockerArchive, type DockerArchiveOptions } from './docker-archive/index.ts';
export type { ZipOptions } from './zip/index.ts';
export type { GitOptions } from './git/index.ts';

// The zip, git and registry sources (yauzl, child processes, HTTP) load only when a target needs them.

/** Opens a zip (see zip/index.ts). */
export async function openZip(path: string, opts?: ZipOptions): Promise<ScanFS> {
  return (await import('./zip/index.ts')).openZip(path, opts);
}

/** Opens a git repository (see git/index.ts). */
export async function openGit(ref: string, opts?: GitOptions): Promise<ScanFS> {
  return (await import('./git/index.ts')).openGit(ref, opts);
}

/** The commit a branch of a repository points at, through the policy (see git/index.ts). */
export async function gitRemoteHead(ref: string, branch: string, opts?: { policy?: TargetPolicy; timeoutMs?: number }): Promise<string> {
  return (await import('./git/index.ts')).gitRemoteHead(ref, branch, opts);
}

/** `registry`: an image in a registry only, never a local file of the same name (what tenants' image targets use). */
export type TargetKind = 'auto' | 'dir' | 'rootfs' | 'oci-dir' | 'docker-archive' | 'zip' | 'git' | 'image' | 'registry';

export interface OpenTargetOptions extends OpenImageOptions {
  /** image tag inside an OCI layout or docker archive (also accepted as "<path>:<tag>") */
  tag?: string;
  /** "os/arch[/variant]" for multi-platform images, default linux/amd64 */
  platform?: string;
  /** git: branch, tag or commit */
  rev?: string;
  /** git: https credentials (see git/credentials.ts) */
  gitCredentials?: import('./git/credentials.ts').GitCredentials;
  /** zip: Lambda layer zips applied under /opt */
  zipLayers?: string[];
  /** registry options, passed through to openRegistryImage */
  registry?: Record<string, unknown>;
  /**
   * The target policy (default: the operator's, which allows everything): local paths of `dir`,
   * `rootfs` and `git` are checked (and opened by their real path), and every connection of `git`
   * and `registry`/`image` goes through it. The engine passes the tenants' policy.
   */
  policy?: TargetPolicy;
}

async function head(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function isTar(h: Buffer): boolean {
  return h.length >= 263 && h.subarray(257, 262).toString('latin1') === 'ustar';
}

function looksLikeGitUrl(ref: string): boolean {
  return /^(ssh:\/\/|git@)/.test(ref) || (/^https:\/\//.test(ref) && /\.git\/?$/.test(ref));
}

/** @throws VigilError VIGIL_NOT_FOUND (rule "not-found") when nothing is at path */
async function mustExist(path: string): Promise<void> {
  if (!(await stat(path).catch(() => null))) throw new VigilError('VIGIL_NOT_FOUND', `${path}: no such file or directory`, { input: path, rule: 'not-found' });
}

/** Splits "<path>:<tag>" when <path> exists and the whole does not. */
async function splitTag(ref: string): Promise<{ path: string; tag?: string }> {
  if (await stat(ref).catch(() => null)) return { path: ref };
  const i = ref.lastIndexOf(':');
  if (i > 0 && !ref.slice(i + 1).includes('/') && (await stat(ref.slice(0, i)).catch(() => null))) return { path: ref.slice(0, i), tag: ref.slice(i + 1) };
  return { path: ref };
}

/**
 * Opens a target.
 * @throws VigilError VIGIL_NOT_FOUND (no such path), VIGIL_INVALID_INPUT (unrecognised target),
 * and whatever the chosen source throws
 */
export async function openTarget(ref: string, kind: TargetKind, opts: OpenTargetOptions = {}): Promise<ScanFS> {
  switch (kind) {
    case 'dir':
      return openDir(opts.policy ? await opts.policy.checkPath(ref) : ref, { limits: opts.limits });
    case 'rootfs':
      return openDir(opts.policy ? await opts.policy.checkPath(ref) : ref, { rootfs: true, limits: opts.limits });
    case 'zip':
      for (const p of [ref, ...(opts.zipLayers ?? [])]) await mustExist(p);
      return openZip(ref, { layers: opts.zipLayers, limits: opts.limits });
    case 'git':
      return openGit(ref, { rev: opts.rev, limits: opts.limits, scratchParent: opts.scratchParent, policy: opts.policy, filter: opts.filter, ...(opts.gitCredentials ? { credentials: opts.gitCredentials } : {}) });
    case 'registry':
      return openFromRegistry(ref, opts);
    case 'oci-dir': {
      const { path, tag } = await splitTag(ref);
      await mustExist(path);
      return openOciLayout(path, { ...opts, tag: opts.tag ?? tag });
    }
    case 'docker-archive': {
      const { path, tag } = await splitTag(ref);
      await mustExist(path);
      return openDockerArchive(path, { ...opts, tag: opts.tag ?? tag });
    }
    case 'image':
    case 'auto':
      // tenants name remote things: no guessing from the server's own files
      if (opts.policy && !opts.policy.unrestricted) {
        if (kind === 'auto' && looksLikeGitUrl(ref)) return openGit(ref, { rev: opts.rev, limits: opts.limits, scratchParent: opts.scratchParent, policy: opts.policy });
        return openFromRegistry(ref, opts);
      }
      break;
    default:
      throw new VigilError('VIGIL_INVALID_INPUT', `unknown target kind ${JSON.stringify(kind)}`, { input: String(kind), rule: 'target-kind' });
  }

  const { path, tag } = await splitTag(ref);
  const s = await stat(path).catch(() => null);
  if (s?.isDirectory()) {
    if (existsSync(`${path}/oci-layout`)) return openOciLayout(path, { ...opts, tag: opts.tag ?? tag });
    if (kind === 'image') throw new VigilError('VIGIL_INVALID_INPUT', `${path}: a directory but not an OCI layout`, { input: ref, rule: 'target-kind' });
    return openDir(path, { limits: opts.limits });
  }
  if (s?.isFile()) {
    const h = await head(path, 512);
    if (h.length >= 4 && h.readUInt32LE(0) === 0x04034b50) {
      if (kind === 'image') throw new VigilError('VIGIL_INVALID_INPUT', `${path}: a zip, not an image`, { input: ref, rule: 'target-kind' });
      return openZip(path, { layers: opts.zipLayers, limits: opts.limits });
    }
    if (isTar(h)) {
      // a tar too big to index as an outer archive is a filesystem tarball (the layer reader has its own limits)
      const entries = await indexTar(path, opts.limits).then((r) => r.entries, (e: unknown) => {
        if (e instanceof VigilError && e.code === 'VIGIL_LIMIT_EXCEEDED') return new Map<string, unknown>();
        throw e;
      });
      if (entries.has('manifest.json') || (entries.has('index.json') && entries.has('oci-layout'))) {
        return openDockerArchive(path, { ...opts, tag: opts.tag ?? tag });
      }
    }
    if (isTar(h) || detectCompression(h) !== 'none') {
      // a single filesystem tarball (rootfs.tar, .tar.gz, .tar.zst): one layer
      const layer: LayerInput = {
        open: async () => (await import('node:fs')).createReadStream(path, { highWaterMark: 1024 * 1024 }),
        locate: async () => ({ path, offset: 0, size: s.size }),
      };
      return openImage({ target: { kind: 'image', ref: path }, layers: [layer] }, opts);
    }
    throw new VigilError('VIGIL_INVALID_INPUT', `${path}: not a directory, zip, tar or image archive`, { input: ref, rule: 'target-kind' });
  }
  if (kind === 'auto' && looksLikeGitUrl(ref)) return openGit(ref, { rev: opts.rev, limits: opts.limits, scratchParent: opts.scratchParent, policy: opts.policy, filter: opts.filter });
  // a path (not a registry reference, which never starts with "/" or ".") that does not exist
  if (ref.startsWith('/') || ref.startsWith('.')) {
    throw new VigilError('VIGIL_NOT_FOUND', `${ref}: no such file or directory`, { input: ref, rule: 'not-found' });
  }
  return openFromRegistry(ref, opts);
}

interface RegistryLayerLike extends LayerInput {
  index?: number;
}
interface RegistryImageLike {
  ref: string;
  digest?: string;
  platform?: { os: string; architecture: string; variant?: string } | string;
  layers: RegistryLayerLike[];
}

/** Pulls through src/sources/registry/ (openRegistryImage), streaming its layers into image/. */
async function openFromRegistry(ref: string, opts: OpenTargetOptions): Promise<ScanFS> {
  const { openRegistryImage } = await import('./registry/index.ts');
  const img = (await openRegistryImage(ref, { ...opts.registry, ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.platform ? { platform: opts.platform } : {}) })) as unknown as RegistryImageLike;
  const p = img.platform;
  const platform = typeof p === 'string' ? p : p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : undefined;
  const src: ImageSource = {
    target: { kind: 'registry', ref: img.ref, ...(img.digest ? { digest: img.digest } : {}), ...(platform ? { platform } : {}) },
    layers: img.layers.map((l) => ({
      open: () => l.open(),
      digest: l.digest,
      diffId: l.diffId,
      ...(l.createdBy !== undefined ? { createdBy: l.createdBy } : {}),
      ...(l.mediaType ? { mediaType: l.mediaType } : {}),
      ...(l.size !== undefined ? { size: l.size } : {}),
    })),
  };
  return openImage(src, opts);
}
