/**
 * Registry credentials and the pieces of the auth flows that need no network: parsing
 * `WWW-Authenticate` challenges, reading docker's config.json, caching bearer tokens.
 * Token flow: https://distribution.github.io/distribution/spec/auth/token/
 * Challenge syntax: RFC 7235 section 4.1.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VigilError } from '../../model/index.ts';
import { DOCKER_HUB, DOCKER_HUB_HOST } from './reference.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface AuthChallenge {
  /** lower-cased scheme: "bearer", "basic" */
  scheme: string;
  /** parameters with lower-cased names: realm, service, scope, error */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header value, which may hold several challenges
 * (`Basic realm="x", Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`).
 * Unparseable text is skipped rather than thrown: the caller reports the 401 itself.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i]!)) i++;
    return header.slice(start, i);
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skipWs();
    if (header[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const tok = readToken();
    if (tok === '') {
      i++; // junk character
      continue;
    }
    skipWs();
    if (header[i] === '=' && current) {
      // an auth-param of the current challenge
      i++;
      skipWs();
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const vs = i;
        while (i < n && header[i] !== ',') i++;
        value = header.slice(vs, i).trim();
      }
      current.params[tok.toLowerCase()] = value;
    } else if (header[i] === '=' && !current) {
      i = start + tok.length + 1; // a param before any scheme: ignore it
      while (i < n && header[i] !== ',') i++;
    } else {
      // token68 (`Basic abc==`) is not used by registries; a bare token starts a new challenge
      current = { scheme: tok.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** docker's config.json, the parts we read. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Reduces an `auths` key ("https://index.docker.io/v1/", "http://localhost:5000/v2/", "ghcr.io") to host[:port]. */
function authsKeyHost(key: string): string {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  k = k.toLowerCase();
  return k === 'index.docker.io' || k === DOCKER_HUB_HOST ? DOCKER_HUB : k;
}

/**
 * The credentials that docker's config.json holds for a registry (`auths` entries only: a base64
 * `user:password` in `auth`, or `username` and `password`). Returns undefined when there is no entry.
 * @throws VigilError VIGIL_CONFIG when the entry is malformed or only names a credential helper
 *   or an identity token, which this client cannot use
 */
export function credentialsFromDockerConfig(config: DockerConfig, registry: string): BasicCredentials | undefined {
  const want = authsKeyHost(registry);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (authsKeyHost(key) !== want || !entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new VigilError('VIGIL_CONFIG', `docker config auths[${JSON.stringify(key)}]: "auth" is not base64 of "user:password"`, {
          input: key,
          rule: 'docker-config',
        });
      }
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (entry.identitytoken || entry.registrytoken) {
      throw new VigilError('VIGIL_CONFIG', `docker config auths[${JSON.stringify(key)}]: identity/registry tokens are not supported; give a username and password`, {
        input: key,
        rule: 'docker-config',
      });
    }
  }
  // a helper named for this very registry means the user expects credentials; a global credsStore
  // does not (Docker Desktop sets one for everyone), so that case falls back to anonymous access
  const helper = Object.entries(config.credHelpers ?? {}).find(([k]) => authsKeyHost(k) === want)?.[1];
  if (helper) {
    throw new VigilError('VIGIL_CONFIG', `docker config names credential helper "docker-credential-${helper}" for ${registry}; credential helpers are not supported`, {
      input: registry,
      rule: 'docker-config',
    });
  }
  return undefined;
}

/**
 * Reads docker's config.json: the given path, else `$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`. A missing file gives an empty config.
 * @throws VigilError VIGIL_CONFIG when the file is not JSON
 */
export async function loadDockerConfig(path?: string, env: NodeJS.ProcessEnv = process.env): Promise<DockerConfig> {
  const file = path ?? join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && path === undefined) return {};
    throw new VigilError('VIGIL_CONFIG', `cannot read docker config ${file}: ${(e as Error).message}`, { input: file, rule: 'docker-config', cause: e });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as DockerConfig;
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG', `docker config ${file} is not a JSON object: ${(e as Error).message}`, { input: file, rule: 'docker-config', cause: e });
  }
}

/** Bearer tokens by (realm, service, scope), each kept until shortly before it expires. */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private static key(realm: string, service: string, scope: string): string {
    return `${realm}\n${service}\n${scope}`;
  }

  get(realm: string, service: string, scope: string): string | undefined {
    const k = TokenCache.key(realm, service, scope);
    const hit = this.tokens.get(k);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.tokens.delete(k);
      return undefined;
    }
    return hit.token;
  }

  /** expiresIn in seconds; the spec's default lifetime is 60 s, and we renew 10 s early */
  set(realm: string, service: string, scope: string, token: string, expiresIn = 60): void {
    const life = Math.max(0, expiresIn - 10) * 1000;
    this.tokens.set(TokenCache.key(realm, service, scope), { token, expiresAt: this.now() + life });
  }

  delete(realm: string, service: string, scope: string): void {
    this.tokens.delete(TokenCache.key(realm, service, scope));
  }

  get size(): number {
    return this.tokens.size;
  }
}
