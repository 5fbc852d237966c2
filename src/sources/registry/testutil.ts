/**
 * Test helpers: tiny OCI layouts built in memory, a real `docker-registry` process on a free
 * loopback port (anonymous, htpasswd or token auth), pushing with skopeo, a JWT token server.
 * Only tests import this file.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createSign, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const run = promisify(execFile);

export function sha256(b: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** the first of these commands found on PATH, or undefined */
export async function which(...names: string[]): Promise<string | undefined> {
  for (const n of names) {
    try {
      const { stdout } = await run('sh', ['-c', `command -v ${n}`]);
      if (stdout.trim()) return stdout.trim();
    } catch {
      // not there
    }
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mtime: new Date(0), mode: 0o644 }, content);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface BuiltImage {
  manifestDigest: string;
  manifest: Buffer;
  configDigest: string;
  layers: { digest: string; diffId: string; size: number; tar: Buffer }[];
}

export interface ImageSpec {
  os?: string;
  architecture?: string;
  variant?: string;
  /** one entry per layer: path → content */
  layers: Record<string, string>[];
  /** created_by for each layer (empty_layer entries are added between them) */
  createdBy?: string[];
  /** layer blobs gzip-compressed (default), plain tar, or zstd (needs the zstd CLI) */
  compression?: 'gzip' | 'none' | 'zstd';
}

function zstdSync(data: Buffer): Buffer {
  const r = spawnSync('zstd', ['-q', '-c', '-'], { input: data, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.error?.message ?? r.stderr?.toString()}`);
  return r.stdout;
}

/**
 * Pushes an image straight through the distribution API (POST then PUT per blob, PUT manifest),
 * for layouts skopeo would recompress. Anonymous registries only.
 */
export async function pushImage(host: string, repo: string, tag: string, layoutDir: string, img: BuiltImage): Promise<void> {
  const manifest = JSON.parse(img.manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const data = await readFile(join(layoutDir, 'blobs', 'sha256', digest.slice(7)));
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status}`);
    const loc = new URL(start.headers.get('location')!, `http://${host}`);
    loc.searchParams.set('digest', digest);
    const put = await fetch(loc, { method: 'PUT', body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`upload ${digest}: HTTP ${put.status} ${await put.text()}`);
  }
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: new Uint8Array(img.manifest),
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw new Error(`manifest put: HTTP ${res.status} ${await res.text()}`);
}

/** An OCI layout under construction: blobs are written as they are added. */
export class Layout {
  private readonly refs: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[] = [];
  constructor(readonly dir: string) {}

  static async create(dir: string): Promise<Layout> {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    return new Layout(dir);
  }

  async blob(data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    await writeFile(join(this.dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length };
  }

  async image(spec: ImageSpec): Promise<BuiltImage> {
    const layers: BuiltImage['layers'] = [];
    for (const files of spec.layers) {
      const t = await tarOf(files);
      const gz = spec.compression === 'none' ? t : spec.compression === 'zstd' ? zstdSync(t) : gzipSync(t);
      const { digest, size } = await this.blob(gz);
      layers.push({ digest, diffId: sha256(t), size, tar: t });
    }
    const history: unknown[] = [];
    spec.layers.forEach((_, i) => {
      history.push({ created: '2024-01-01T00:00:00Z', created_by: spec.createdBy?.[i] ?? `layer ${i}` });
      history.push({ created: '2024-01-01T00:00:00Z', created_by: `ENV STEP=${i}`, empty_layer: true });
    });
    const config = Buffer.from(
      JSON.stringify({
        architecture: spec.architecture ?? 'amd64',
        os: spec.os ?? 'linux',
        ...(spec.variant ? { variant: spec.variant } : {}),
        config: { Env: ['PATH=/usr/bin'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history,
      }),
    );
    const cfg = await this.blob(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({
          mediaType: `application/vnd.oci.image.layer.v1.tar${spec.compression === 'none' ? '' : spec.compression === 'zstd' ? '+zstd' : '+gzip'}`,
          digest: l.digest,
          size: l.size,
        })),
      }),
    );
    const m = await this.blob(manifest);
    return { manifestDigest: m.digest, manifest, configDigest: cfg.digest, layers };
  }

  /** tags a single image */
  tag(name: string, img: BuiltImage): void {
    this.refs.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: img.manifestDigest,
      size: img.manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': name },
    });
  }

  /** writes an index over several platform images and tags it */
  async tagIndex(name: string, imgs: { img: BuiltImage; platform: { os: string; architecture: string; variant?: string } }[]): Promise<{ digest: string }> {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: imgs.map(({ img, platform }) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: img.manifestDigest,
          size: img.manifest.length,
          platform,
        })),
      }),
    );
    const b = await this.blob(index);
    this.refs.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: b.digest, size: b.size, annotations: { 'org.opencontainers.image.ref.name': name } });
    return { digest: b.digest };
  }

  async save(): Promise<void> {
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: this.refs }));
  }
}

export interface RegistryProcess {
  port: number;
  /** "127.0.0.1:<port>" */
  host: string;
  storage: string;
  stop(): Promise<void>;
  log(): string;
}

export type RegistryAuth =
  | { htpasswd: string }
  | { token: { realm: string; service: string; issuer: string; rootcertbundle: string } }
  | undefined;

/** starts `docker-registry serve` on a free loopback port with filesystem storage under dir */
/** `extraYaml`: more top-level configuration (e.g. a `notifications:` section). */
export async function startRegistry(binary: string, dir: string, auth?: RegistryAuth, extraYaml = '', fixedPort?: number): Promise<RegistryProcess> {
  const port = fixedPort ?? await freePort();
  const storage = join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  let authYaml = '';
  if (auth && 'htpasswd' in auth) authYaml = `auth:\n  htpasswd:\n    realm: vigil-test\n    path: ${auth.htpasswd}\n`;
  if (auth && 'token' in auth) {
    const t = auth.token;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.rootcertbundle}\n`;
  }
  const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: vigil-test-secret
${authYaml}${extraYaml}`;
  const cfgPath = join(dir, 'config.yml');
  await writeFile(cfgPath, config);
  const child: ChildProcess = spawn(binary, ['serve', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!alive) throw new Error(`docker-registry exited at start:\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not come up on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    host: `127.0.0.1:${port}`,
    storage,
    log: () => log,
    async stop() {
      if (!alive) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** path of a blob's data file in the registry's filesystem storage */
export function storedBlobPath(storage: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/** flips one byte of a stored blob (same size, different digest) */
export async function tamperBlob(storage: string, digest: string, at = 0): Promise<void> {
  const p = storedBlobPath(storage, digest);
  const data = await readFile(p);
  data[at] = data[at]! ^ 0xff;
  await writeFile(p, data);
}

export async function skopeoCopy(src: string, dest: string, opts: { creds?: string; all?: boolean; extra?: string[] } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false'];
  if (opts.creds) args.push('--dest-creds', opts.creds);
  if (opts.all) args.push('--all');
  args.push(...(opts.extra ?? []), src, dest);
  try {
    await run('skopeo', args, { timeout: 60_000 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`skopeo ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

export interface TokenServer {
  realm: string;
  port: number;
  /** requests received: the scopes asked for and whether credentials were given */
  requests: { scopes: string[]; user?: string }[];
  stop(): Promise<void>;
}

/**
 * A token service for docker-registry's `auth: token`: checks basic credentials against `users`,
 * grants every requested action to known users and nothing to anonymous ones, and signs an RS256
 * JWT whose x5c header carries the self-signed certificate the registry trusts.
 * Spec: https://distribution.github.io/distribution/spec/auth/jwt/
 */
export async function startTokenServer(opts: { keyPem: string; certPem: string; issuer: string; service: string; users: Record<string, string> }): Promise<TokenServer> {
  const der = new X509Certificate(opts.certPem).raw;
  const requests: TokenServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const h = req.headers.authorization;
    if (h?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      if (opts.users[u!] === undefined || opts.users[u!] !== p.join(':')) {
        requests.push({ scopes, user: u });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'bad credentials' }));
        return;
      }
      user = u;
    }
    requests.push({ scopes, user });
    const access = user
      ? scopes.map((s) => {
          const [type, ...rest] = s.split(':');
          const actions = rest.pop()!.split(',');
          return { type, name: rest.join(':'), actions };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = { iss: opts.issuer, sub: user ?? '', aud: opts.service, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(signingInput).sign(opts.keyPem);
    const token = `${signingInput}.${b64url(sig)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    port,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** a self-signed RSA certificate and key from the openssl CLI */
export async function selfSignedCert(dir: string): Promise<{ keyPem: string; certPem: string; certPath: string }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=vigil-test-token-issuer'], {
    timeout: 30_000,
  });
  return { keyPem: await readFile(keyPath, 'utf8'), certPem: await readFile(certPath, 'utf8'), certPath };
}

/** an htpasswd file (bcrypt, as docker-registry requires) from the apache2-utils tool */
export async function htpasswdFile(path: string, user: string, password: string): Promise<void> {
  await run('htpasswd', ['-Bbc', path, user, password], { timeout: 30_000 });
}
