/**
 * The non-registry targets: code repositories (poll for new commits, push webhooks in GitHub's and
 * GitLab's shapes), function packages (uploaded versions, a watched directory), hosts (SSH
 * schedule, agent reports) and root filesystems. Each turns "something changed" into a resource
 * update plus a scan job.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { registerResource, resourceIdOf, type ResourceInput } from '../findings/index.ts';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { mergeAttributes, type EngineContext } from './scan.ts';
import type { GitCredentials } from '../sources/git/credentials.ts';
import { createTarget, getTargetByName, type RepositoryConfig, type Target } from './targets.ts';

/** The resource a target keeps (hosts, repositories, functions, root filesystems: one each). */
export function resourceOfTarget(target: Target): ResourceInput & { id: string } {
  const type = target.kind === 'repository' ? 'repository' : target.kind === 'host' ? 'host' : target.kind === 'function' ? 'function' : 'rootfs';
  return { id: resourceIdOf(target.accountId, { type, name: target.name }), type, name: target.name, ref: target.name };
}

/** Creates the target's resource if missing (PENDING_INITIAL_SCAN), linked to the target. */
export async function ensureTargetResource(ctx: EngineContext, target: Target, extra: { digest?: string; ref?: string; attributes?: Record<string, unknown> } = {}): Promise<string> {
  const r = resourceOfTarget(target);
  const prev = await ctx.store.db.selectFrom('resources').select(['id', 'digest', 'ref', 'tags']).where('id', '=', r.id).executeTakeFirst();
  if (!prev) {
    await registerResource(ctx.store, target.accountId, { ...r, ...(extra.ref ? { ref: extra.ref } : {}), ...(extra.digest ? { digest: extra.digest } : {}) }, ctx.now());
    await ctx.store.db.updateTable('resources').set({ target_id: target.id }).where('id', '=', r.id).execute();
  } else if (extra.digest && prev.digest !== extra.digest) {
    await ctx.store.db.updateTable('resources').set({ digest: extra.digest, updated_at: ctx.now().toISOString() }).where('id', '=', r.id).execute();
  }
  if (extra.attributes) await mergeAttributes(ctx.store, r.id, extra.attributes);
  return r.id;
}

// ─── code repositories ──────────────────────────────────────────────────────────────────────────

/**
 * The branch's head commit (`git ls-remote`), through the target policy (src/sources/git).
 * @throws VigilError VIGIL_NETWORK rule "unreachable" when git cannot reach it; "branch-not-found";
 *   VIGIL_FORBIDDEN rule "not-allowed"
 */
export async function remoteHead(url: string, branch: string, policy: TargetPolicy, credentials?: GitCredentials): Promise<string> {
  const { gitRemoteHead } = await import('../sources/index.ts');
  return gitRemoteHead(url, branch, { policy, ...(credentials ? { credentials } : {}) });
}

/** Points the repository's resource at a commit; true when it changed (scan it). */
export async function setRepositoryCommit(ctx: EngineContext, target: Target, commit: string): Promise<{ resourceId: string; changed: boolean }> {
  const cfg = target.config as RepositoryConfig;
  const id = resourceOfTarget(target).id;
  const prev = await ctx.store.db.selectFrom('resources').select(['digest', 'coverage_reason']).where('id', '=', id).executeTakeFirst();
  await ensureTargetResource(ctx, target, { digest: commit, ref: cfg.url, attributes: { url: cfg.url, branch: cfg.branch, headCommit: commit } });
  return { resourceId: id, changed: !prev || prev.digest !== commit || prev.coverage_reason === 'PENDING_INITIAL_SCAN' };
}

/** A push webhook, checked against the repository's secret; returns the pushed commit of the watched branch, or null. */
export function parsePushWebhook(target: Target, headers: Record<string, string | string[] | undefined>, raw: Buffer): { commit: string | null; provider: 'github' | 'gitlab' } {
  const cfg = target.config as RepositoryConfig;
  const h = (k: string) => { const v = headers[k]; return Array.isArray(v) ? v[0] : v; };
  const secret = cfg.webhookSecret ?? '';
  let provider: 'github' | 'gitlab';
  if (h('x-gitlab-token') !== undefined || h('x-gitlab-event') !== undefined) {
    provider = 'gitlab';
    const token = Buffer.from(h('x-gitlab-token') ?? '');
    const want = Buffer.from(secret);
    if (token.length !== want.length || !timingSafeEqual(token, want)) throw new VigilError('VIGIL_UNAUTHORIZED', 'webhook: X-Gitlab-Token does not match the repository\'s secret', { rule: 'webhook-signature' });
  } else {
    provider = 'github';
    const sig = h('x-hub-signature-256') ?? '';
    const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
    const got = Buffer.from(sig);
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new VigilError('VIGIL_UNAUTHORIZED', 'webhook: X-Hub-Signature-256 does not match the payload signed with the repository\'s secret', { rule: 'webhook-signature' });
  }
  let body: { ref?: unknown; after?: unknown; checkout_sha?: unknown; object_kind?: unknown; zen?: unknown };
  try {
    body = JSON.parse(raw.toString('utf8')) as typeof body;
  } catch {
    throw new VigilError('VIGIL_INVALID_INPUT', 'webhook: the payload is not JSON', { rule: 'json' });
  }
  const event = h('x-github-event') ?? h('x-gitlab-event');
  if (event === 'ping' || body.zen !== undefined) return { commit: null, provider };
  if (typeof body.ref !== 'string') throw new VigilError('VIGIL_INVALID_INPUT', 'webhook: the payload has no "ref" (not a push event)', { input: 'ref', rule: 'push-payload' });
  if (body.ref !== `refs/heads/${cfg.branch}`) return { commit: null, provider };
  const commit = provider === 'gitlab' ? (body.checkout_sha ?? body.after) : body.after;
  if (typeof commit !== 'string' || !/^[0-9a-f]{40,64}$/.test(commit)) throw new VigilError('VIGIL_INVALID_INPUT', 'webhook: "after" is not a commit id', { input: 'after', rule: 'push-payload' });
  if (/^0+$/.test(commit)) return { commit: null, provider }; // branch deleted
  return { commit, provider };
}

// ─── function packages ──────────────────────────────────────────────────────────────────────────

export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/**
 * Stores bytes content-addressed within the account (another account's identical upload is its
 * own row: no account can use, or learn of, what another uploaded); returns "sha256:<hex>". A
 * repeated upload refreshes `uploaded_at`, which the garbage collector's grace period counts from.
 */
export async function putBlob(store: Store, accountId: string, data: Buffer, mediaType: string, now: Date): Promise<string> {
  if (data.length < 22 || (data.readUInt32LE(0) !== 0x04034b50 && data.readUInt32LE(0) !== 0x06054b50)) {
    throw new VigilError('VIGIL_INVALID_INPUT', 'upload: not a zip archive (no PK signature)', { rule: 'zip-signature' });
  }
  return storeBlob(store, accountId, data, mediaType, now);
}

/** Stores any bytes as a blob of the account (what the server keeps for download: findings reports); returns its digest. */
export async function storeBlob(store: Store, accountId: string, data: Buffer, mediaType: string, now: Date): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const at = now.toISOString();
  await store.db.insertInto('blobs').values({ account_id: accountId, digest, media_type: mediaType, size: data.length, data, uploaded_at: at })
    .onConflict((oc) => oc.columns(['account_id', 'digest']).doUpdateSet({ uploaded_at: at })).execute();
  return digest;
}

/** How long an uploaded blob is kept before a function version names it (a layer upload and the version naming it are separate requests). */
export const BLOB_GRACE_MS = 24 * 3_600_000;

/**
 * Garbage collection: deletes the blobs no function version references any more: a blob stays
 * while it is the archive of an SBOM export not yet expired (engine/sbom.ts), or
 * the code or a layer of the current version of a function whose target exists
 * (a deleted target's resource keeps its attributes but references nothing), or while it was
 * uploaded less than `graceMs` ago. Per account: another account's reference keeps nothing.
 * `release` (with `accountId`): digests of a function just deleted, collected without the grace
 * period unless another function of the account still uses them.
 * @returns the (account, digest) pairs deleted
 */
export async function collectBlobs(store: Store, now: Date, opts: { graceMs?: number; accountId?: string; release?: readonly string[] } = {}): Promise<{ accountId: string; digest: string }[]> {
  const cutoff = new Date(now.getTime() - (opts.graceMs ?? BLOB_GRACE_MS)).toISOString();
  let fq = store.db.selectFrom('resources').innerJoin('targets', 'targets.id', 'resources.target_id')
    .select(['resources.account_id', 'resources.attributes']).where('resources.type', '=', 'function').where('targets.kind', '=', 'function');
  if (opts.accountId) fq = fq.where('resources.account_id', '=', opts.accountId);
  const referenced = new Set<string>();
  for (const r of await fq.execute()) {
    let a: { codeDigest?: unknown; layerDigests?: unknown };
    try { a = JSON.parse(r.attributes) as typeof a; } catch { continue; }
    for (const d of [a.codeDigest, ...(Array.isArray(a.layerDigests) ? a.layerDigests : [])]) if (typeof d === 'string') referenced.add(`${r.account_id}\n${d}`);
  }
  // SBOM export archives (engine/sbom.ts) are kept while their export is (it expires after 7 days)
  let xq = store.db.selectFrom('sbom_exports').select(['account_id', 'blob_digest']).where('blob_digest', 'is not', null);
  if (opts.accountId) xq = xq.where('account_id', '=', opts.accountId);
  for (const x of await xq.execute()) referenced.add(`${x.account_id}\n${x.blob_digest}`);
  // (issue 19) findings reports without a destination, likewise
  let rq = store.db.selectFrom('findings_reports').select(['account_id', 'blob_digest']).where('blob_digest', 'is not', null);
  if (opts.accountId) rq = rq.where('account_id', '=', opts.accountId);
  for (const x of await rq.execute()) referenced.add(`${x.account_id}\n${x.blob_digest}`);
  const release = new Set(opts.accountId ? opts.release ?? [] : []);
  let bq = store.db.selectFrom('blobs').select(['account_id', 'digest', 'uploaded_at']);
  if (opts.accountId) bq = bq.where('account_id', '=', opts.accountId);
  if (release.size === 0) bq = bq.where('uploaded_at', '<', cutoff);
  const gone: { accountId: string; digest: string }[] = [];
  for (const b of await bq.execute()) {
    if (referenced.has(`${b.account_id}\n${b.digest}`)) continue;
    const released = release.has(b.digest);
    if (!released && b.uploaded_at >= cutoff) continue;
    // the upload time is checked again in the delete: a re-upload since the read keeps the blob
    const r = await store.db.deleteFrom('blobs').where('account_id', '=', b.account_id).where('digest', '=', b.digest)
      .where('uploaded_at', '=', b.uploaded_at).executeTakeFirst();
    if (Number(r.numDeletedRows) > 0) gone.push({ accountId: b.account_id, digest: b.digest });
  }
  return gone;
}

/**
 * Records a function version (code + layers, already stored as blobs). The version is the sha256
 * of the code digest and the layer digests; a new one makes the function's resource point at it.
 */
export async function setFunctionVersion(ctx: EngineContext, target: Target, codeDigest: string, layerDigests: string[]): Promise<{ resourceId: string; version: string; changed: boolean }> {
  for (const d of layerDigests) {
    const b = await ctx.store.db.selectFrom('blobs').select('digest').where('account_id', '=', target.accountId).where('digest', '=', d).executeTakeFirst();
    if (!b) throw new VigilError('VIGIL_NOT_FOUND', `layer ${d} was not uploaded to this account`, { input: d, rule: 'layer-unknown' });
  }
  const version = `sha256:${createHash('sha256').update([codeDigest, ...layerDigests].join('\n')).digest('hex')}`;
  const id = resourceOfTarget(target).id;
  const prev = await ctx.store.db.selectFrom('resources').select(['digest', 'coverage_reason']).where('id', '=', id).executeTakeFirst();
  await ensureTargetResource(ctx, target, { digest: version, attributes: { codeDigest, layerDigests } });
  return { resourceId: id, version, changed: !prev || prev.digest !== version || prev.coverage_reason === 'PENDING_INITIAL_SCAN' };
}

/**
 * A watched directory: `<dir>/<function>.zip`, with optional layers `<dir>/<function>.layers/*.zip`
 * (applied in name order). Each function becomes a target of the account; a changed file a new
 * version. Returns the resources to scan.
 */
export async function scanWatchDir(ctx: EngineContext, dir: string, accountId: string): Promise<string[]> {
  const out: string[] = [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.zip')).sort();
  } catch (err) {
    ctx.log.warn({ dir, err: (err as Error).message }, 'watch directory unreadable');
    return out;
  }
  for (const file of names) {
    const name = file.slice(0, -4);
    try {
      const code = await readFile(join(dir, file));
      const layerDir = join(dir, `${name}.layers`);
      const layerFiles = await readdir(layerDir).then((l) => l.filter((n) => n.endsWith('.zip')).sort(), () => [] as string[]);
      let target = await getTargetByName(ctx.store, accountId, 'function', name);
      target ??= await createTarget(ctx.store, { accountId, kind: 'function', name, config: { watchedPath: join(dir, file) } }, ctx.now());
      const now = ctx.now();
      const codeDigest = await putBlob(ctx.store, accountId, code, 'application/zip', now);
      const layers: string[] = [];
      for (const l of layerFiles) layers.push(await putBlob(ctx.store, accountId, await readFile(join(layerDir, l)), 'application/zip', now));
      const v = await setFunctionVersion(ctx, target, codeDigest, layers);
      if (v.changed) out.push(v.resourceId);
    } catch (err) {
      ctx.log.warn({ file: join(dir, file), err: (err as Error).message }, 'watched function skipped');
    }
  }
  return out;
}

/** mtime+size signature of a directory's zips, to skip unchanged watch directories cheaply. */
export async function dirSignature(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string) => {
    for (const n of (await readdir(d).catch(() => [] as string[])).sort()) {
      const p = join(d, n);
      const s = await stat(p).catch(() => null);
      if (!s) continue;
      if (s.isDirectory()) await walk(p);
      else h.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
    }
  };
  await walk(dir);
  return h.digest('hex');
}
