/**
 * Image references as Docker writes them: `[registry/]repository[:tag][@digest]`.
 * Grammar: https://github.com/distribution/reference/blob/main/reference.go
 * Docker Hub normalisation: https://github.com/distribution/reference/blob/main/normalize.go
 */
import { VigilError } from '../../model/index.ts';

export interface ImageReference {
  /** the registry as written or defaulted: "docker.io", "ghcr.io", "localhost:5000" */
  registry: string;
  /** host[:port] that HTTP requests go to ("registry-1.docker.io" for Docker Hub) */
  host: string;
  /** repository path, with "library/" added for Docker Hub official images */
  repository: string;
  tag?: string;
  digest?: string;
  /** canonical form: `registry/repository[:tag][@digest]` */
  readonly name: string;
}

export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

// one path component: lowercase alphanumerics joined by ".", "_", "__" or any run of "-"
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
// a host name or IPv4 address, optional port; or a bracketed IPv6 address
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function invalid(input: string, detail: string): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `invalid image reference ${JSON.stringify(input)}: ${detail}`, {
    input,
    rule: 'image-reference',
  });
}

/** true for a digest string we can verify (`sha256:<64 hex>` or `sha512:<128 hex>`). */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/** The registry host that Docker Hub's aliases resolve to. */
export function registryHost(registry: string): string {
  const r = registry.toLowerCase();
  return r === DOCKER_HUB || r === 'index.docker.io' || r === DOCKER_HUB_HOST ? DOCKER_HUB_HOST : registry;
}

function makeRef(registry: string, repository: string, tag?: string, digest?: string): ImageReference {
  let name = `${registry}/${repository}`;
  if (tag) name += `:${tag}`;
  if (digest) name += `@${digest}`;
  return { registry, host: registryHost(registry), repository, tag, digest, name };
}

/**
 * Parses an image reference. Without a registry the image is on Docker Hub (`alpine` →
 * `docker.io/library/alpine`); without a tag or digest the tag is `latest`. When both a tag and a
 * digest are given the digest decides what is pulled.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "image-reference")
 */
export function parseImageReference(input: string, opts: { defaultTag?: string | null } = {}): ImageReference {
  const s = input.trim();
  if (s === '') throw invalid(input, 'empty');
  if (/\s/.test(s)) throw invalid(input, 'contains whitespace');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw invalid(input, 'a reference has no URL scheme');

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, `digest ${JSON.stringify(digest)} is not sha256:<64 hex> or sha512:<128 hex>`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // the first component is a registry when it looks like a host: a dot, a port, "localhost", or upper case
    if (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) throw invalid(input, `registry ${JSON.stringify(first)} is not a host[:port]`);
      registry = first;
      path = rest.slice(slash + 1);
    }
  }
  if (path === '') throw invalid(input, 'repository name is empty');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) {
      throw invalid(input, `repository component ${JSON.stringify(c)} must be lowercase letters and digits separated by ".", "_", "__" or "-"`);
    }
  }
  if (registry.toLowerCase() === DOCKER_HUB || registry.toLowerCase() === 'index.docker.io') {
    registry = DOCKER_HUB;
    if (!path.includes('/')) path = `library/${path}`;
  }
  if (`${registry}/${path}`.length > 255) throw invalid(input, 'name longer than 255 characters');

  if (tag === undefined && digest === undefined && opts.defaultTag !== null) tag = opts.defaultTag ?? 'latest';
  return makeRef(registry, path, tag, digest);
}

/**
 * Parses a repository reference (no tag or digest): `localhost:5000/team/app`, `alpine`.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "image-reference")
 */
export function parseRepositoryReference(input: string): ImageReference {
  const ref = parseImageReference(input, { defaultTag: null });
  if (ref.tag || ref.digest) throw invalid(input, 'a repository reference has no tag or digest');
  return ref;
}

/** The same repository at another tag or digest. */
export function withReference(ref: ImageReference, at: { tag?: string; digest?: string }): ImageReference {
  return makeRef(ref.registry, ref.repository, at.tag, at.digest);
}
