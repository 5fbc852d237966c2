/**
 * Registries: discovery by polling the catalog, and scan on push from the registry's
 * notifications (docker-registry / distribution's `application/vnd.docker.distribution.events.v1+json`).
 *
 * One image resource per (repository, manifest digest), as Inspector keeps one per image digest.
 * Its tags are the registry's tags that point at it now. A digest no tag points at any more (its tag
 * moved to a newer push, or was deleted) is no longer deployed: its coverage becomes
 * INACTIVE/IMAGE_UNTAGGED and its findings close (they reopen if the tag comes back within 7 days).
 */
import { z } from 'zod';
import { notePulls, pullChangesInUse, registerResource, resourceIdOf, setCoverage } from '../findings/index.ts';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { COVERAGE, mergeAttributes, type EngineContext } from './scan.ts';
import { registryHost, registryPlainHttp, type RegistryConfig, type Target } from './targets.ts';

/** Distribution's notification envelope (the fields Vigil reads). */
export const registryEnvelopeSchema = z.object({
  events: z.array(z.object({
    id: z.string().optional(),
    timestamp: z.string().optional(),
    action: z.string(),
    target: z.object({
      mediaType: z.string().optional(),
      digest: z.string().optional(),
      repository: z.string(),
      tag: z.string().optional(),
      url: z.string().optional(),
    }).passthrough(),
  }).passthrough()).max(10_000),
}).passthrough();
export type RegistryEnvelope = z.infer<typeof registryEnvelopeSchema>;

const MANIFEST_TYPES = /manifest|index|image\.v1\+json/i;

function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

export function watchesRepository(cfg: RegistryConfig, repo: string): boolean {
  return !cfg.repositories?.length || cfg.repositories.some((p) => globMatch(p, repo));
}

export function registryOptions(cfg: RegistryConfig, policy: TargetPolicy): Record<string, unknown> {
  return {
    policy,
    ...(cfg.username ? { credentials: { username: cfg.username, password: cfg.password ?? '' } } : {}),
    ...(registryPlainHttp(cfg.url) ? { plainHttp: true } : {}),
  };
}

interface ImageRow { id: string; digest: string | null; tags: string; coverage_status: string; coverage_reason: string | null }

/** The image resources of one repository of a target. */
async function imagesOf(store: Store, target: Target, name: string): Promise<ImageRow[]> {
  return store.db.selectFrom('resources').select(['id', 'digest', 'tags', 'coverage_status', 'coverage_reason'])
    .where('target_id', '=', target.id).where('type', '=', 'image').where('name', '=', name).execute();
}

async function setTags(store: Store, id: string, tags: string[], now: Date): Promise<void> {
  await store.db.updateTable('resources').set({ tags: JSON.stringify([...new Set(tags)].sort()), updated_at: now.toISOString() }).where('id', '=', id).execute();
}

export interface TagChange {
  /** resources to scan (new digests, re-tagged ones) */
  scan: string[];
  /** resources whose last tag went away */
  untagged: string[];
}

/**
 * Applies what the registry says about a repository's tags. `full`: the complete tag → digest map
 * (a poll), so digests not in it lose all tags; otherwise only the given tags moved (a push).
 */
export async function applyTags(ctx: EngineContext, target: Target, repo: string, tagDigests: Map<string, string>, full: boolean): Promise<TagChange> {
  const { store } = ctx;
  const now = ctx.now();
  const host = registryHost((target.config as RegistryConfig).url);
  const name = `${host}/${repo}`;
  const change: TagChange = { scan: [], untagged: [] };
  const byDigest = new Map<string, string[]>();
  for (const [tag, digest] of tagDigests) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  const existing = await imagesOf(store, target, name);
  const movedTags = new Set(tagDigests.keys());
  for (const [digest, tags] of byDigest) {
    const id = resourceIdOf(target.accountId, { type: 'image', name, digest });
    const prev = existing.find((e) => e.id === id);
    if (!prev) {
      await registerResource(store, target.accountId, { id, type: 'image', name, ref: `${name}@${digest}`, digest, tags }, now);
      await store.db.updateTable('resources').set({ target_id: target.id, pushed_at: now.toISOString() }).where('id', '=', id).execute();
      await mergeAttributes(store, id, { repository: repo, registry: host });
      change.scan.push(id);
      continue;
    }
    const prevTags = JSON.parse(prev.tags) as string[];
    const nextTags = full ? tags : [...new Set([...prevTags, ...tags])];
    if (nextTags.slice().sort().join(',') !== prevTags.slice().sort().join(',')) await setTags(store, id, nextTags, now);
    if (prev.coverage_reason === COVERAGE.untagged) {
      // the tag came back: scan again (its findings reopen within the reopen window)
      await setCoverage(store, { accountId: target.accountId, resourceId: id, status: 'INACTIVE', reason: COVERAGE.pending, now });
      change.scan.push(id);
    } else if (prev.coverage_reason === COVERAGE.pending || prev.coverage_reason === COVERAGE.unreachable) {
      change.scan.push(id);
    }
  }
  // the other digests of the repository lose the tags that moved (or, on a full poll, every tag)
  for (const e of existing) {
    if (e.digest && byDigest.has(e.digest)) continue;
    const prevTags = JSON.parse(e.tags) as string[];
    const left = full ? [] : prevTags.filter((t) => !movedTags.has(t));
    if (left.length !== prevTags.length) await setTags(store, e.id, left, now);
    if (left.length === 0 && e.coverage_reason !== COVERAGE.untagged) {
      await setCoverage(store, { accountId: target.accountId, resourceId: e.id, status: 'INACTIVE', reason: COVERAGE.untagged, closeFindings: true, now });
      change.untagged.push(e.id);
    }
  }
  return change;
}

/** Polls a registry's catalog and tags; returns the resources to scan. */
export async function pollRegistry(ctx: EngineContext, target: Target): Promise<TagChange & { repositories: number; tags: number }> {
  const cfg = target.config as RegistryConfig;
  const host = registryHost(cfg.url);
  const { listRepositories, listTags, headManifest } = await import('../sources/registry/index.ts');
  const opts = registryOptions(cfg, ctx.policy);
  const repos = (await listRepositories(host, opts)).filter((r) => watchesRepository(cfg, r));
  const out: TagChange & { repositories: number; tags: number } = { scan: [], untagged: [], repositories: repos.length, tags: 0 };
  for (const repo of repos) {
    const tags = await listTags(`${host}/${repo}`, opts);
    const map = new Map<string, string>();
    for (const tag of tags) {
      const head = await headManifest(`${host}/${repo}:${tag}`, opts);
      map.set(tag, head.digest);
    }
    out.tags += tags.length;
    const c = await applyTags(ctx, target, repo, map, true);
    out.scan.push(...c.scan);
    out.untagged.push(...c.untagged);
  }
  return out;
}

/**
 * Handles a notification envelope: tagged manifest pushes move tags (and new digests get scanned);
 * pulls record the last pull date (rescan duration counted from the last pull). Events for
 * repositories the target does not watch, blob events and untagged child manifests are ignored.
 */
export async function handleRegistryEvents(ctx: EngineContext, target: Target, envelope: RegistryEnvelope): Promise<TagChange & { pushes: number; pulls: number; ignored: number }> {
  const cfg = target.config as RegistryConfig;
  const host = registryHost(cfg.url);
  const out = { scan: [] as string[], untagged: [] as string[], pushes: 0, pulls: 0, ignored: 0 };
  const rescore = new Set<string>();
  for (const ev of envelope.events) {
    const t = ev.target;
    if (!watchesRepository(cfg, t.repository) || !t.digest || (t.mediaType && !MANIFEST_TYPES.test(t.mediaType))) { out.ignored++; continue; }
    if (ev.action === 'push' && t.tag) {
      out.pushes++;
      const c = await applyTags(ctx, target, t.repository, new Map([[t.tag, t.digest]]), false);
      out.scan.push(...c.scan);
      out.untagged.push(...c.untagged);
    } else if (ev.action === 'pull') {
      const id = resourceIdOf(target.accountId, { type: 'image', name: `${host}/${t.repository}`, digest: t.digest });
      // (issue 16) the pull signal is a score input: a pull that makes the image "in use" re-scores it below
      const prev = await ctx.store.db.selectFrom('resources').select('last_pulled_at').where('id', '=', id).where('target_id', '=', target.id).executeTakeFirst();
      const res = await ctx.store.db.updateTable('resources').set({ last_pulled_at: ctx.now().toISOString() }).where('id', '=', id).where('target_id', '=', target.id).executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) out.pulls++;
      else out.ignored++;
      if (prev && Number(res.numUpdatedRows) > 0 && pullChangesInUse(prev.last_pulled_at, ctx.now())) rescore.add(id);
    } else {
      out.ignored++;
    }
  }
  // (issue 16) images now in use: their findings lose the "not in use" adjustment (or gain the signal)
  await notePulls(ctx.store, [...rescore], ctx.now());
  return out;
}

/** Days of a rescan duration ("30d"); null for lifetime. */
export function durationDays(d: string): number | null {
  if (d === 'lifetime') return null;
  const m = /^(\d+)d$/.exec(d);
  if (!m) throw new VigilError('VIGIL_INVALID_INPUT', `rescan duration ${JSON.stringify(d)}: expected lifetime or <days>d`, { input: d, rule: 'rescan-duration' });
  return Number(m[1]);
}
