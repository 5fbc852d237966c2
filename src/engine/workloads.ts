/**
 * Running workloads (issue 19): which image resources run, where, and since when.
 *
 * Inputs are a Kubernetes PodList (`kubectl get pods -A -o json`, or `GET /api/v1/pods` polled from
 * an API server) and ECS `describe-tasks` output. Each upload replaces the cluster's snapshot in
 * `workload_containers`; the image resources of the account then get their count of running
 * containers (`resources.running_containers`) and, when one runs, `last_in_use_at` (as Inspector's
 * lastInUseAt / inUseCount for ECR images). A change of "in use" re-scores the image's findings; an
 * image back from IMAGE_NOT_IN_USE is scanned again.
 *
 * References: PodList / ContainerStatus in the Kubernetes API reference
 * (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/), ECS
 * DescribeTasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { contextKey, notePulls, resourceScoreContext, setCoverage } from '../findings/index.ts';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import type { Store } from '../store/index.ts';
import { COVERAGE } from './scan.ts';
import { openTargetConfig, sealTargetConfig } from './secrets.ts';

export const MAX_WORKLOAD_ITEMS = 50_000;
export const MAX_WORKLOAD_BYTES = 64 * 1024 * 1024;

const Str = z.string().max(4096);
const ContainerState = z.object({ running: z.object({}).passthrough().optional(), waiting: z.object({}).passthrough().optional(), terminated: z.object({}).passthrough().optional() }).passthrough();
const ContainerStatus = z.object({ name: Str, image: Str.optional(), imageID: Str.optional(), state: ContainerState.optional() }).passthrough();
const SpecContainer = z.object({ name: Str, image: Str.optional() }).passthrough();

/** The fields Vigil reads of a PodList (core/v1); the rest passes through. */
export const PodListSchema = z.object({
  kind: z.literal('List').or(z.literal('PodList')).optional(),
  items: z.array(z.object({
    metadata: z.object({ name: Str, namespace: Str.optional() }).passthrough(),
    spec: z.object({ containers: z.array(SpecContainer).max(1000), initContainers: z.array(SpecContainer).max(1000).optional(), ephemeralContainers: z.array(SpecContainer).max(1000).optional() }).passthrough(),
    status: z.object({
      phase: Str.optional(),
      containerStatuses: z.array(ContainerStatus).max(1000).optional(),
      initContainerStatuses: z.array(ContainerStatus).max(1000).optional(),
      ephemeralContainerStatuses: z.array(ContainerStatus).max(1000).optional(),
    }).passthrough().optional(),
  }).passthrough()).max(MAX_WORKLOAD_ITEMS),
}).passthrough();
export type PodList = z.infer<typeof PodListSchema>;

/** The fields Vigil reads of `aws ecs describe-tasks` output. */
export const EcsTasksSchema = z.object({
  tasks: z.array(z.object({
    taskArn: Str,
    group: Str.optional(),
    lastStatus: Str.optional(),
    containers: z.array(z.object({ name: Str, image: Str.optional(), imageDigest: Str.optional(), lastStatus: Str.optional() }).passthrough()).max(1000),
  }).passthrough()).max(MAX_WORKLOAD_ITEMS),
  failures: z.array(z.unknown()).optional(),
}).passthrough();
export type EcsTasks = z.infer<typeof EcsTasksSchema>;

export type WorkloadKind = 'kubernetes' | 'ecs';

/** One container of a snapshot. */
export interface WorkloadContainer {
  namespace: string;
  workload: string;
  container: string;
  init: boolean;
  image: string;
  digest: string | null;
  repository: string;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * An image reference split: the repository normalised as the Docker reference grammar reads it
 * (no registry host → docker.io; a one-part Docker Hub name → library/x; Docker Hub's other host
 * names → docker.io; the registry host:port kept, lower-cased), the tag and the digest.
 * Runtime prefixes of Kubernetes imageIDs ("docker-pullable://") are dropped.
 * @throws VigilError VIGIL_INVALID_INPUT for an empty reference
 */
export function parseImageReference(ref: string): { repository: string; tag: string | null; digest: string | null } {
  let s = ref.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (!s) throw new VigilError('VIGIL_INVALID_INPUT', `image reference ${JSON.stringify(ref)}: empty`, { input: ref, rule: 'image-reference' });
  let digest: string | null = null;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
  }
  let tag: string | null = null;
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  return { repository: normalizeRepository(s), tag, digest: digest && DIGEST.test(digest) ? digest : null };
}

/** A repository name as {@link parseImageReference} normalises it ("nginx" → "docker.io/library/nginx"). */
export function normalizeRepository(name: string): string {
  const parts = name.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/').filter(Boolean);
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasHost ? first.toLowerCase() : 'docker.io';
  const path = hasHost ? parts.slice(1) : parts;
  if (DOCKER_HUB.has(host)) host = 'docker.io';
  if (host === 'docker.io' && path.length === 1) path.unshift('library');
  return `${host}/${path.join('/')}`;
}

function stateOf(s: z.infer<typeof ContainerState> | undefined): WorkloadContainer['state'] {
  if (s?.running) return 'running';
  if (s?.terminated) return 'terminated';
  if (s?.waiting) return 'waiting';
  return 'unknown';
}

/** A container's image and digest: the digest from the status's imageID when it names a repository digest. */
function imageOf(specImage: string | undefined, status: z.infer<typeof ContainerStatus> | undefined): { image: string; digest: string | null; repository: string } | null {
  const image = specImage ?? status?.image;
  if (!image) return null;
  const ref = parseImageReference(image);
  let digest = ref.digest;
  let repository = ref.repository;
  // "docker-pullable://nginx@sha256:…" or "docker.io/library/nginx@sha256:…" is the manifest digest
  // the node pulled; a bare "sha256:…" (or "docker://sha256:…") is the local image id, not a digest
  // a registry knows, and is not used.
  if (status?.imageID && status.imageID.includes('@')) {
    const id = parseImageReference(status.imageID);
    if (id.digest) { digest = id.digest; repository = id.repository; }
  }
  return { image, digest, repository };
}

/** The containers of a PodList: app, init and ephemeral containers, with their state. */
export function containersOfPods(list: PodList): WorkloadContainer[] {
  const out: WorkloadContainer[] = [];
  for (const pod of list.items) {
    const ns = pod.metadata.namespace ?? 'default';
    const groups: [z.infer<typeof SpecContainer>[] | undefined, z.infer<typeof ContainerStatus>[] | undefined, boolean][] = [
      [pod.spec.initContainers, pod.status?.initContainerStatuses, true],
      [pod.spec.containers, pod.status?.containerStatuses, false],
      [pod.spec.ephemeralContainers, pod.status?.ephemeralContainerStatuses, false],
    ];
    for (const [specs, statuses, init] of groups) {
      for (const c of specs ?? []) {
        const st = statuses?.find((x) => x.name === c.name);
        const img = imageOf(c.image, st);
        if (!img) continue;
        // a container counts as running only in a Running pod with a running state
        const state = stateOf(st?.state);
        out.push({ namespace: ns, workload: pod.metadata.name, container: c.name, init, ...img, state: state === 'running' && pod.status?.phase !== 'Running' ? 'unknown' : state });
      }
    }
  }
  return out;
}

/** The containers of ECS describe-tasks output; RUNNING containers of RUNNING tasks run. */
export function containersOfEcsTasks(out: EcsTasks): WorkloadContainer[] {
  const res: WorkloadContainer[] = [];
  for (const t of out.tasks) {
    for (const c of t.containers) {
      if (!c.image) continue;
      const ref = parseImageReference(c.image);
      const digest = c.imageDigest && DIGEST.test(c.imageDigest) ? c.imageDigest : ref.digest;
      const st = c.lastStatus === 'RUNNING' && t.lastStatus === 'RUNNING' ? 'running'
        : c.lastStatus === 'STOPPED' || c.lastStatus === 'DEPROVISIONING' ? 'terminated'
          : c.lastStatus === 'PENDING' || c.lastStatus === 'PROVISIONING' || c.lastStatus === 'ACTIVATING' ? 'waiting' : 'unknown';
      res.push({ namespace: t.group ?? '', workload: t.taskArn, container: c.name, init: false, image: c.image, digest, repository: ref.repository, state: st });
    }
  }
  return res;
}

interface ImageRes { id: string; name: string; digest: string | null; tags: string[] }

/** The image resource a container runs: same digest (and repository, unless only one resource has that digest), else repository and tag. */
function resolve(c: WorkloadContainer, byRepo: Map<string, ImageRes[]>, byDigest: Map<string, ImageRes[]>): string | null {
  if (c.digest) {
    const same = (byRepo.get(c.repository) ?? []).find((r) => r.digest === c.digest);
    if (same) return same.id;
    const any = byDigest.get(c.digest) ?? [];
    return any.length === 1 ? any[0].id : null;
  }
  const tag = parseImageReference(c.image).tag ?? 'latest';
  return (byRepo.get(c.repository) ?? []).find((r) => r.tags.includes(tag))?.id ?? null;
}

export interface SnapshotResult {
  containers: number;
  running: number;
  /** containers resolved to an image resource */
  resolved: number;
  /** image resources with running containers in this snapshot */
  images: number;
  /** image resources back from IMAGE_NOT_IN_USE: the caller scans them */
  scan: string[];
  /** image resources re-scored (in use changed) */
  rescored: number;
}

/**
 * Replaces the snapshot of one cluster and updates the image resources of the account: running
 * counts, last_in_use_at, scores, and coverage back from IMAGE_NOT_IN_USE.
 * @throws VigilError VIGIL_INVALID_INPUT for an empty cluster name
 */
export async function replaceSnapshot(store: Store, args: { accountId: string; kind: WorkloadKind; cluster: string; containers: WorkloadContainer[]; now: Date }): Promise<SnapshotResult> {
  const { accountId, kind, cluster, containers, now } = args;
  if (!cluster.trim()) throw new VigilError('VIGIL_INVALID_INPUT', 'cluster: must not be empty', { input: cluster, rule: 'cluster-name' });
  const at = now.toISOString();
  const images = (await store.db.selectFrom('resources').select(['id', 'name', 'digest', 'tags']).where('account_id', '=', accountId).where('type', '=', 'image').execute())
    .map((r) => ({ id: r.id, name: normalizeRepository(r.name), digest: r.digest, tags: JSON.parse(r.tags) as string[] }));
  const byRepo = new Map<string, ImageRes[]>();
  const byDigest = new Map<string, ImageRes[]>();
  for (const r of images) {
    byRepo.set(r.name, [...(byRepo.get(r.name) ?? []), r]);
    if (r.digest) byDigest.set(r.digest, [...(byDigest.get(r.digest) ?? []), r]);
  }
  const rows = containers.map((c) => ({
    account_id: accountId, kind, cluster, namespace: c.namespace, workload: c.workload, container: c.container, init: c.init ? 1 : 0,
    image: c.image, image_digest: c.digest, repository: c.repository, state: c.state, resource_id: resolve(c, byRepo, byDigest), seen_at: at,
  }));
  const before = new Map<string, { running: number; lastInUse: string | null; lastPulled: string | null; reason: string | null }>();
  const counts = new Map<string, number>();
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('workload_containers').where('account_id', '=', accountId).where('kind', '=', kind).where('cluster', '=', cluster).execute();
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('workload_containers').values(rows.slice(i, i + 500)).execute();
    const res = await trx.selectFrom('resources').select(['id', 'running_containers', 'last_in_use_at', 'last_pulled_at', 'coverage_reason'])
      .where('account_id', '=', accountId).where('type', '=', 'image').execute();
    for (const r of res) before.set(r.id, { running: r.running_containers, lastInUse: r.last_in_use_at, lastPulled: r.last_pulled_at, reason: r.coverage_reason });
    const agg = await trx.selectFrom('workload_containers').select(['resource_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', accountId).where('state', '=', 'running').where('resource_id', 'is not', null).groupBy('resource_id').execute();
    for (const a of agg) counts.set(a.resource_id!, Number(a.n));
    for (const [id, b] of before) {
      const n = counts.get(id) ?? 0;
      if (n === b.running && n === 0) continue;
      await trx.updateTable('resources').set({ running_containers: n, ...(n > 0 ? { last_in_use_at: at } : {}) }).where('id', '=', id).execute();
    }
  });
  const rescore: string[] = [];
  const scan: string[] = [];
  for (const [id, b] of before) {
    const n = counts.get(id) ?? 0;
    const was = contextKey(resourceScoreContext({ type: 'image', running_containers: b.running, last_in_use_at: b.lastInUse, last_pulled_at: b.lastPulled }, now));
    const is = contextKey(resourceScoreContext({ type: 'image', running_containers: n, last_in_use_at: n > 0 ? at : b.lastInUse, last_pulled_at: b.lastPulled }, now));
    if (was !== is) rescore.push(id);
    if (n > 0 && b.reason === COVERAGE.notInUse) {
      await setCoverage(store, { accountId, resourceId: id, status: 'INACTIVE', reason: COVERAGE.pending, now });
      scan.push(id);
    }
  }
  // the same re-scoring path as registry pulls (findings/rescore.ts): finding.updated events follow
  await notePulls(store, rescore, now);
  return {
    containers: rows.length, running: rows.filter((r) => r.state === 'running').length,
    resolved: rows.filter((r) => r.resource_id).length,
    images: new Set(rows.filter((r) => r.state === 'running' && r.resource_id).map((r) => r.resource_id)).size,
    scan, rescored: rescore.length,
  };
}

/** What the resource views show of an image's use. */
export interface InUseView {
  runningContainers: number;
  clusters: string[];
  lastInUseAt: string | null;
}

/** The in-use view of these image resources (clusters as "kind/name", sorted). */
export async function inUseOf(store: Store, resources: readonly { id: string; type: string; running_containers: number; last_in_use_at: string | null }[]): Promise<Map<string, InUseView>> {
  const out = new Map<string, InUseView>();
  const imgs = resources.filter((r) => r.type === 'image');
  if (imgs.length === 0) return out;
  const clusters = new Map<string, Set<string>>();
  for (let i = 0; i < imgs.length; i += 500) {
    const rows = await store.db.selectFrom('workload_containers').select(['resource_id', 'kind', 'cluster']).distinct()
      .where('resource_id', 'in', imgs.slice(i, i + 500).map((r) => r.id)).where('state', '=', 'running').execute();
    for (const r of rows) clusters.set(r.resource_id!, (clusters.get(r.resource_id!) ?? new Set()).add(`${r.kind}/${r.cluster}`));
  }
  for (const r of imgs) out.set(r.id, { runningContainers: r.running_containers, clusters: [...(clusters.get(r.id) ?? [])].sort(), lastInUseAt: r.last_in_use_at });
  return out;
}

/** The image resources of these accounts that run now (true) or do not (false). */
export async function imagesInUse(store: Store, accountIds: readonly string[], inUse: boolean): Promise<string[]> {
  if (accountIds.length === 0) return [];
  return (await store.db.selectFrom('resources').select('id').where('account_id', 'in', [...accountIds]).where('type', '=', 'image')
    .where('running_containers', inUse ? '>' : '=', 0).execute()).map((r) => r.id);
}

/**
 * Images not running for `scanSettings.stopScanningAfterNotRunningDays` days (counted from the last
 * time a container ran, or from the push/discovery for images never seen running) leave continuous
 * scanning: INACTIVE / IMAGE_NOT_IN_USE, findings closed as for an expired rescan duration.
 * @returns the resources that left
 */
export async function expireNotRunning(store: Store, now: Date): Promise<string[]> {
  const rows = await store.db.selectFrom('resources').innerJoin('accounts', 'accounts.id', 'resources.account_id')
    .select(['resources.id', 'resources.account_id', 'resources.pushed_at', 'resources.created_at', 'resources.last_in_use_at', 'accounts.scan_settings'])
    .where('resources.type', '=', 'image').where('resources.coverage_status', '=', 'ACTIVE').where('resources.running_containers', '=', 0).execute();
  const out: string[] = [];
  for (const r of rows) {
    const days = (JSON.parse(r.scan_settings) as { stopScanningAfterNotRunningDays?: number | null }).stopScanningAfterNotRunningDays;
    if (days === undefined || days === null) continue;
    const from = r.last_in_use_at ?? r.pushed_at ?? r.created_at;
    if (Date.parse(from) + days * 86_400_000 > now.getTime()) continue;
    await setCoverage(store, { accountId: r.account_id, resourceId: r.id, status: 'INACTIVE', reason: COVERAGE.notInUse, closeFindings: true, now });
    out.push(r.id);
  }
  return out;
}

// ---- polled clusters -------------------------------------------------------------------------

export const ClusterInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  server: z.string().url().max(2000).refine((u) => /^https?:\/\//i.test(u), 'server: an http(s) URL of the API server'),
  token: z.string().min(1).max(20_000).regex(/^[^\0-\x1f\x7f]*$/, 'no control characters').describe('a bearer token that may list pods (sealed at rest, never shown)'),
  caData: z.string().max(100_000).optional().describe("the API server's CA, PEM or base64 of PEM (kubeconfig's certificate-authority-data)"),
  intervalMinutes: z.number().int().min(1).max(1440).default(15),
});
export type ClusterInput = z.infer<typeof ClusterInput>;

export interface ClusterView {
  id: string; accountId: string; name: string; server: string; caData: boolean; intervalMinutes: number;
  nextPollAt: string; lastPolledAt: string | null; lastError: string | null; createdAt: string;
}

type ClusterRow = Awaited<ReturnType<typeof clusterRows>>[number];
function clusterRows(store: Store, accountIds: readonly string[]) {
  return store.db.selectFrom('workload_clusters').selectAll().where('account_id', 'in', [...accountIds]).orderBy('name').execute();
}

function viewOf(r: ClusterRow): ClusterView {
  const c = JSON.parse(r.config) as { server: string; caData?: string };
  return { id: r.id, accountId: r.account_id, name: r.name, server: c.server, caData: !!c.caData, intervalMinutes: r.interval_minutes, nextPollAt: r.next_poll_at, lastPolledAt: r.last_polled_at, lastError: r.last_error, createdAt: r.created_at };
}

/** The polled clusters of these accounts. */
export async function listClusters(store: Store, accountIds: readonly string[]): Promise<ClusterView[]> {
  return accountIds.length ? (await clusterRows(store, accountIds)).map(viewOf) : [];
}

/**
 * Registers (or replaces, by name) a polled cluster; its token is sealed bound to the cluster's id.
 * Its server must be allowed by the tenants' policy (checked now, as targets are).
 * @throws VigilError VIGIL_FORBIDDEN when the policy refuses the server's address, VIGIL_CONFIG without a keyring
 */
export async function putCluster(store: Store, policy: TargetPolicy, accountId: string, input: ClusterInput, now: Date): Promise<ClusterView> {
  const url = new URL(input.server);
  await policy.resolve(url.hostname, url.origin);
  const at = now.toISOString();
  const prev = await store.db.selectFrom('workload_clusters').select('id').where('account_id', '=', accountId).where('name', '=', input.name).executeTakeFirst();
  const id = prev?.id ?? randomUUID();
  // the token goes under "password", one of the fields engine/secrets.ts seals
  const config = await sealTargetConfig(store, store.db, id, { server: input.server.replace(/\/+$/, ''), ...(input.caData ? { caData: input.caData } : {}), password: input.token });
  if (prev) {
    await store.db.updateTable('workload_clusters').set({ config, interval_minutes: input.intervalMinutes, next_poll_at: at, last_error: null, updated_at: at }).where('id', '=', id).execute();
  } else {
    await store.db.insertInto('workload_clusters').values({ id, account_id: accountId, name: input.name, config, interval_minutes: input.intervalMinutes, next_poll_at: at, last_polled_at: null, last_error: null, created_at: at, updated_at: at }).execute();
  }
  return viewOf((await store.db.selectFrom('workload_clusters').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
}

/** Deletes a polled cluster and its snapshot. @returns whether it existed */
export async function deleteCluster(store: Store, accountId: string, name: string, now: Date): Promise<{ deleted: boolean; result?: SnapshotResult }> {
  const r = await store.db.deleteFrom('workload_clusters').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) return { deleted: false };
  return { deleted: true, result: await replaceSnapshot(store, { accountId, kind: 'kubernetes', cluster: name, containers: [], now }) };
}

function pemOf(caData: string): string {
  return caData.includes('-----BEGIN') ? caData : Buffer.from(caData, 'base64').toString('utf8');
}

/**
 * Lists the pods of a cluster: `GET {server}/api/v1/pods` with the bearer token, through the
 * policy's fetch, followed through `continue` pages of 500.
 * @throws VigilError VIGIL_FORBIDDEN / VIGIL_NETWORK from the policy, VIGIL_NETWORK rule "api-server" for a non-2xx answer,
 *   VIGIL_INVALID_INPUT for a body that is not a PodList
 */
export async function listPods(policy: TargetPolicy, cfg: { server: string; token: string; caData?: string }): Promise<PodList> {
  const items: PodList['items'] = [];
  let cont: string | undefined;
  do {
    const url = new URL(`${cfg.server}/api/v1/pods`);
    url.searchParams.set('limit', '500');
    if (cont) url.searchParams.set('continue', cont);
    const res = await policy.fetch(url, { headers: { authorization: `Bearer ${cfg.token}`, accept: 'application/json' }, redirect: 'error', ...(cfg.caData ? { ca: pemOf(cfg.caData) } : {}) });
    const text = await res.text();
    if (!res.ok) throw new VigilError('VIGIL_NETWORK', `${url.origin}/api/v1/pods: HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (the token may not list pods)' : ''}`, { input: url.origin, rule: 'api-server' });
    if (text.length > MAX_WORKLOAD_BYTES) throw new VigilError('VIGIL_INVALID_INPUT', `${url.origin}/api/v1/pods: answer larger than ${MAX_WORKLOAD_BYTES} bytes`, { input: url.origin, rule: 'too-large' });
    let body: unknown;
    try { body = JSON.parse(text); } catch { throw new VigilError('VIGIL_INVALID_INPUT', `${url.origin}/api/v1/pods: not JSON`, { input: url.origin, rule: 'pod-list' }); }
    const parsed = PodListSchema.extend({ metadata: z.object({ continue: z.string().optional() }).passthrough().optional() }).safeParse(body);
    if (!parsed.success) throw new VigilError('VIGIL_INVALID_INPUT', `${url.origin}/api/v1/pods: not a PodList: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, { input: url.origin, rule: 'pod-list' });
    items.push(...parsed.data.items);
    if (items.length > MAX_WORKLOAD_ITEMS) throw new VigilError('VIGIL_INVALID_INPUT', `${url.origin}/api/v1/pods: more than ${MAX_WORKLOAD_ITEMS} pods`, { input: url.origin, rule: 'too-many-items' });
    cont = parsed.data.metadata?.continue || undefined;
  } while (cont);
  return { kind: 'List', items };
}

/**
 * Polls the clusters whose time came: each one's pods listed and its snapshot replaced; a failure
 * is recorded as its lastError (the previous snapshot stays). Returns the resources to scan.
 */
export async function pollDueClusters(store: Store, policy: TargetPolicy, now: Date): Promise<{ polled: number; failed: number; scan: string[] }> {
  const at = now.toISOString();
  const due = await store.db.selectFrom('workload_clusters').selectAll().where('next_poll_at', '<=', at).execute();
  const out = { polled: 0, failed: 0, scan: [] as string[] };
  for (const c of due) {
    const next = new Date(now.getTime() + c.interval_minutes * 60_000).toISOString();
    try {
      const cfg = openTargetConfig(store, c.id, c.config) as { server: string; caData?: string; password: string };
      const pods = await listPods(policy, { server: cfg.server, token: cfg.password, ...(cfg.caData ? { caData: cfg.caData } : {}) });
      const r = await replaceSnapshot(store, { accountId: c.account_id, kind: 'kubernetes', cluster: c.name, containers: containersOfPods(pods), now });
      out.scan.push(...r.scan);
      await store.db.updateTable('workload_clusters').set({ next_poll_at: next, last_polled_at: at, last_error: null, updated_at: at }).where('id', '=', c.id).execute();
      out.polled++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await store.db.updateTable('workload_clusters').set({ next_poll_at: next, last_error: message, updated_at: at }).where('id', '=', c.id).execute();
      out.failed++;
    }
  }
  return out;
}
