/**
 * Network reachability in the server (issue 16): an account's topologies (the AWS CLI outputs of
 * src/detectors/network, uploaded per account under a name) and its hosts' own data (listening sockets and
 * firewall rules the SSH collection and the agent record in `attributes`) become
 * `network_reachability` findings on host resources, and each host's `attributes.reachability`
 * (which re-scores its package findings, findings/rescore.ts).
 *
 * Mapping an EC2 instance to a resource: a host whose `attributes.instanceId` is the instance's
 * (collected over SSH or by the agent), or whose tags hold `instance-id=<id>` or
 * `aws:ec2:instance-id=<id>`. An instance no host maps to gets a host resource of its own, named by
 * its instance id, INACTIVE with reason UNMANAGED_EC2_INSTANCE (Vigil knows it exists and what
 * reaches it, not what runs on it); once a real host maps to it, that one carries the findings.
 *
 * What decides a host's network findings:
 * - mapped to instances of some topology: the topology's paths to them; when the host also sent
 *   its sockets, each path says what listens in its range behind the host firewall (the score
 *   follows: something listens, or nothing does);
 * - not mapped, with sockets: the host analysis alone (host firewall + listening sockets);
 * - neither: none (open ones close).
 * Everything here that parses what a tenant or a host sent runs in the isolated scan process
 * (the `network-topology` task, and the host scan itself).
 */
import { hash } from 'node:crypto';
import { applyNetworkFindingsIn, NETWORK_FINDING_TYPE, UNMANAGED_EC2_INSTANCE, type NetworkFindingInput } from '../findings/network.ts';
export { UNMANAGED_EC2_INSTANCE };
import { lockFindings } from '../findings/lifecycle.ts';
import { upsertResource } from '../findings/record.ts';
import { emitEvents, type EventRow } from '../findings/lifecycle.ts';
import { rescoreResourcesIn } from '../findings/rematch.ts';
import { activeRules } from '../findings/suppression.ts';
import { VigilError, type ResourceReachability } from '../model/index.ts';
import { analyzeAws, analyzeHost, AWS_FILES, parseAwsInputs, parseHostInputs, type AwsFileName, type NetworkFinding, type NetworkNote } from '../detectors/network/index.ts';
import type { Store } from '../store/index.ts';
import type { LifecycleCounts } from '../findings/types.ts';

/** attributes.collectedBy of the resources made for unmapped instances */
const PLACEHOLDER = 'aws-topology';
export const TOPOLOGY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** an instance id as a host or tag claims it (real ones are i- and 8 or 17 hex digits; hand-written topologies use names) */
const INSTANCE_ID = /^i-[A-Za-z0-9-]{1,64}$/;

export interface NetworkContext { store: Store; now(): Date }

export interface TopologyCounts { instances: number; reachableInstances: number; findings: number; mappedResources: number; unmappedInstances: number; notes: number }

/** A topology as the API shows it. */
export interface TopologyView {
  name: string;
  accountId: string;
  kind: 'aws';
  files: string[];
  status: 'ANALYZED' | 'FAILED';
  error: { message: string; input?: string; rule?: string } | null;
  analyzedAt: string | null;
  createdAt: string;
  updatedAt: string;
  counts: TopologyCounts;
  notes: NetworkNote[];
}

type TopologyRow = { account_id: string; name: string; kind: string; files: string; status: string; error: string | null; notes: string; counts: string; analyzed_at: string | null; created_at: string; updated_at: string };

const ZERO: TopologyCounts = { instances: 0, reachableInstances: 0, findings: 0, mappedResources: 0, unmappedInstances: 0, notes: 0 };

function view(r: TopologyRow): TopologyView {
  return {
    name: r.name, accountId: r.account_id, kind: 'aws', files: JSON.parse(r.files) as string[], status: r.status as TopologyView['status'],
    error: r.error ? JSON.parse(r.error) : null, analyzedAt: r.analyzed_at, createdAt: r.created_at, updatedAt: r.updated_at,
    counts: { ...ZERO, ...(JSON.parse(r.counts) as Partial<TopologyCounts>) }, notes: JSON.parse(r.notes) as NetworkNote[],
  };
}

export async function listTopologies(store: Store, accountIds: readonly string[]): Promise<TopologyView[]> {
  if (accountIds.length === 0) return [];
  const rows = await store.db.selectFrom('network_topologies').selectAll().where('account_id', 'in', [...accountIds]).orderBy('account_id').orderBy('name').execute();
  return rows.map(view);
}

export async function getTopology(store: Store, accountId: string, name: string): Promise<TopologyView | undefined> {
  const r = await store.db.selectFrom('network_topologies').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
  return r ? view(r) : undefined;
}

/**
 * Analyses an uploaded topology (file name → the file's text) and stores it under its name,
 * replacing the last upload of that name, then brings the account's network findings up to date.
 * A malformed upload is recorded as FAILED with its error and changes nothing else: the previous
 * analysis of that name stays in force.
 * @throws VigilError VIGIL_INVALID_INPUT (after recording it) for an unknown file name, a file that
 *   is not JSON or not the AWS CLI's shape, or a malformed CIDR — naming the file and the rule
 */
export async function putTopology(ctx: NetworkContext, args: { accountId: string; name: string; files: Record<string, string> }): Promise<TopologyView> {
  const { store } = ctx;
  const now = ctx.now();
  const at = now.toISOString();
  if (!TOPOLOGY_NAME.test(args.name)) throw new VigilError('VIGIL_INVALID_INPUT', `topology name ${JSON.stringify(args.name)}: 1-64 of A-Z a-z 0-9 . _ -`, { input: args.name, rule: 'topology-name' });
  const names = Object.keys(args.files).sort();
  const inputHash = hash('sha256', JSON.stringify(names.map((n) => [n, args.files[n]])), 'hex');
  const prev = await store.db.selectFrom('network_topologies').selectAll().where('account_id', '=', args.accountId).where('name', '=', args.name).executeTakeFirst();
  let parsed;
  try {
    const unknown = names.filter((n) => !(n in AWS_FILES));
    if (unknown.length) throw new VigilError('VIGIL_INVALID_INPUT', `${unknown[0]}: not one of the AWS CLI files read (${Object.keys(AWS_FILES).join(', ')})`, { input: unknown[0], rule: 'unknown-file' });
    if (names.length === 0) throw new VigilError('VIGIL_INVALID_INPUT', `topology ${args.name}: no files`, { input: args.name, rule: 'no-files' });
    parsed = parseAwsInputs(args.files as Partial<Record<AwsFileName, string>>);
  } catch (err) {
    const e = err instanceof VigilError ? err : new VigilError('VIGIL_INVALID_INPUT', (err as Error).message, { rule: 'aws-cli-shape' });
    const error = JSON.stringify({ message: e.message, ...(e.input ? { input: e.input } : {}), ...(e.rule ? { rule: e.rule } : {}) });
    if (prev) await store.db.updateTable('network_topologies').set({ status: 'FAILED', error, updated_at: at }).where('account_id', '=', args.accountId).where('name', '=', args.name).execute();
    else {
      await store.db.insertInto('network_topologies').values({
        account_id: args.accountId, name: args.name, kind: 'aws', files: JSON.stringify(names), input_hash: inputHash, status: 'FAILED', error,
        notes: '[]', counts: JSON.stringify(ZERO), analyzed_at: null, created_at: at, updated_at: at,
      }).execute();
    }
    throw e;
  }
  const result = analyzeAws(parsed);
  const instances = parsed.instances.map((i) => {
    const tags = (i.Tags ?? []).map((t) => `${t.Key}=${t.Value ?? ''}`).sort();
    const enis = i.NetworkInterfaces ?? [];
    const addresses = {
      private: [...new Set([i.PrivateIpAddress, ...enis.flatMap((n) => (n.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress))].filter((x): x is string => !!x))],
      public: [...new Set([i.PublicIpAddress, ...enis.map((n) => n.Association?.PublicIp)].filter((x): x is string => !!x))],
      ipv6: [...new Set([i.Ipv6Address, ...enis.flatMap((n) => (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address))].filter((x): x is string => !!x))],
    };
    return { account_id: args.accountId, topology: args.name, instance_id: i.InstanceId, state: i.State?.Name ?? 'running', name: i.Tags?.find((t) => t.Key === 'Name')?.Value ?? null, tags: JSON.stringify(tags), addresses: JSON.stringify(addresses) };
  });
  const uniqueInstances = [...new Map(instances.map((i) => [i.instance_id, i])).values()];
  const exposures = result.findings.filter((f) => f.resourceType === 'AWS::EC2::Instance').map((f) => ({
    account_id: args.accountId, topology: args.name, instance_id: f.resourceId, finding_key: f.key, finding: JSON.stringify(f),
  }));
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('network_exposures').where('account_id', '=', args.accountId).where('topology', '=', args.name).execute();
    await trx.deleteFrom('network_instances').where('account_id', '=', args.accountId).where('topology', '=', args.name).execute();
    for (let i = 0; i < uniqueInstances.length; i += 300) await trx.insertInto('network_instances').values(uniqueInstances.slice(i, i + 300)).execute();
    for (let i = 0; i < exposures.length; i += 300) await trx.insertInto('network_exposures').values(exposures.slice(i, i + 300)).execute();
    const row = {
      kind: 'aws', files: JSON.stringify(names), input_hash: inputHash, status: 'ANALYZED', error: null, notes: JSON.stringify(result.notes),
      counts: JSON.stringify({ ...ZERO, instances: uniqueInstances.length, reachableInstances: new Set(exposures.map((e) => e.instance_id)).size, findings: exposures.length, notes: result.notes.length }),
      analyzed_at: at, updated_at: at,
    };
    if (prev) await trx.updateTable('network_topologies').set(row).where('account_id', '=', args.accountId).where('name', '=', args.name).execute();
    else await trx.insertInto('network_topologies').values({ ...row, account_id: args.accountId, name: args.name, created_at: at }).execute();
  });
  const applied = await applyAccountNetwork(ctx, args.accountId);
  const counts = applied.perTopology.get(args.name);
  if (counts) {
    await store.db.updateTable('network_topologies').set({ counts: JSON.stringify(counts) }).where('account_id', '=', args.accountId).where('name', '=', args.name).execute();
  }
  return (await getTopology(store, args.accountId, args.name))!;
}

/**
 * Deletes a topology: its paths are gone, so the findings they made close (and the hosts'
 * reachability follows). Returns false when there is no such topology.
 */
export async function deleteTopology(ctx: NetworkContext, accountId: string, name: string): Promise<boolean> {
  const { store } = ctx;
  const gone = await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('network_exposures').where('account_id', '=', accountId).where('topology', '=', name).execute();
    await trx.deleteFrom('network_instances').where('account_id', '=', accountId).where('topology', '=', name).execute();
    const r = await trx.deleteFrom('network_topologies').where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
  if (gone) await applyAccountNetwork(ctx, accountId);
  return gone;
}

type HostRow = { id: string; account_id: string; type: string; name: string; tags: string; attributes: string; coverage_status: string };
const HOST_COLUMNS = ['id', 'account_id', 'type', 'name', 'tags', 'attributes', 'coverage_status'] as const;

/** The instance ids a resource claims: its collected instance id and its instance-id tags. */
function claimedInstances(r: Pick<HostRow, 'tags' | 'attributes'>): string[] {
  const out = new Set<string>();
  const attrs = JSON.parse(r.attributes) as { instanceId?: unknown };
  if (typeof attrs.instanceId === 'string' && INSTANCE_ID.test(attrs.instanceId)) out.add(attrs.instanceId);
  for (const t of JSON.parse(r.tags) as string[]) {
    const m = /^(?:aws:ec2:)?instance-id=(.+)$/.exec(t);
    if (m && INSTANCE_ID.test(m[1])) out.add(m[1]);
  }
  return [...out];
}
const isPlaceholder = (r: Pick<HostRow, 'attributes'>) => (JSON.parse(r.attributes) as { collectedBy?: unknown }).collectedBy === PLACEHOLDER;

/**
 * Which instances each host carries: its claims, except that a host made for an unmapped instance
 * yields the instance to a real host claiming it too.
 */
function resolveClaims(hosts: readonly HostRow[]): Map<string, string[]> {
  const taken = new Set<string>();
  for (const h of hosts) if (!isPlaceholder(h)) for (const i of claimedInstances(h)) taken.add(i);
  return new Map(hosts.map((h) => [h.id, isPlaceholder(h) ? claimedInstances(h).filter((i) => !taken.has(i)) : claimedInstances(h)]));
}

/**
 * Brings every network finding of an account up to date with its topologies: maps each instance
 * to its host (making one for an unmapped instance), applies each host's paths, closes what no
 * topology has any more. Returns per-topology counts.
 */
export async function applyAccountNetwork(ctx: NetworkContext, accountId: string): Promise<{ counts: LifecycleCounts; perTopology: Map<string, TopologyCounts> }> {
  const { store } = ctx;
  const now = ctx.now();
  const instances = await store.db.selectFrom('network_instances').selectAll().where('account_id', '=', accountId).execute();
  const hostsNow = () => store.db.selectFrom('resources').select([...HOST_COLUMNS]).where('account_id', '=', accountId).where('type', '=', 'host').execute();
  let hosts = await hostsNow();
  const claimed = new Set(hosts.flatMap(claimedInstances));
  // an instance no host maps to: a resource of its own
  const unmapped = [...new Map(instances.filter((i) => !claimed.has(i.instance_id)).map((i) => [i.instance_id, i])).values()];
  if (unmapped.length) {
    await makePlaceholders(store, accountId, unmapped, now);
    hosts = await hostsNow();
  }
  // the hosts to look at: every one that claims an instance, has open network findings, or a reachability from a topology
  const withFindings = new Set((await store.db.selectFrom('findings').select('resource_id').distinct()
    .where('account_id', '=', accountId).where('type', '=', NETWORK_FINDING_TYPE).where('status', '!=', 'CLOSED').execute()).map((r) => r.resource_id));
  const known = new Set(instances.map((i) => i.instance_id));
  const claims = resolveClaims(hosts);
  const todo = hosts.filter((h) => {
    const re = (JSON.parse(h.attributes) as { reachability?: { source?: unknown } }).reachability;
    return claims.get(h.id)!.some((i) => known.has(i)) || withFindings.has(h.id) || (typeof re?.source === 'string' && re.source.startsWith('aws:'));
  });
  const exposures = await store.db.selectFrom('network_exposures').select(['instance_id', 'topology', 'finding']).where('account_id', '=', accountId).execute();
  const out = await applyHosts(ctx, accountId, todo, claims, instances, exposures);

  const perTopology = new Map<string, TopologyCounts>();
  const topologyOf = new Map<string, Set<string>>();
  for (const i of instances) topologyOf.set(i.instance_id, (topologyOf.get(i.instance_id) ?? new Set()).add(i.topology));
  const mapped = new Map<string, Set<string>>();
  for (const h of hosts) {
    if (isPlaceholder(h)) continue;
    for (const i of claims.get(h.id)!) for (const t of topologyOf.get(i) ?? []) mapped.set(t, (mapped.get(t) ?? new Set()).add(i));
  }
  for (const t of await store.db.selectFrom('network_topologies').select(['name', 'counts']).where('account_id', '=', accountId).execute()) {
    const c = { ...ZERO, ...(JSON.parse(t.counts) as Partial<TopologyCounts>) };
    const m = mapped.get(t.name)?.size ?? 0;
    perTopology.set(t.name, { ...c, mappedResources: m, unmappedInstances: c.instances - m });
  }
  return { counts: out, perTopology };
}

/** Hosts for instances no host maps to, in one transaction: INACTIVE, reason UNMANAGED_EC2_INSTANCE. */
async function makePlaceholders(store: Store, accountId: string, list: readonly { instance_id: string; name: string | null; tags: string; state: string; addresses: string }[], now: Date): Promise<void> {
  const at = now.toISOString();
  await store.db.transaction().execute(async (trx) => {
    await lockFindings(trx, store.dialect);
    const events: EventRow[] = [];
    for (const inst of list) {
      const r = await upsertResource(trx, accountId, { type: 'host', name: inst.instance_id, tags: [...JSON.parse(inst.tags) as string[], `instance-id=${inst.instance_id}`] }, now);
      const cur = await trx.selectFrom('resources').select('attributes').where('id', '=', r.id).executeTakeFirstOrThrow();
      const attrs = { ...(JSON.parse(cur.attributes) as Record<string, unknown>), collectedBy: PLACEHOLDER, instanceId: inst.instance_id, ec2: { name: inst.name, state: inst.state, addresses: JSON.parse(inst.addresses) } };
      const changed = r.coverage_status !== 'INACTIVE' || r.coverage_reason !== UNMANAGED_EC2_INSTANCE;
      await trx.updateTable('resources').set({ attributes: JSON.stringify(attrs), ...(changed ? { coverage_status: 'INACTIVE', coverage_reason: UNMANAGED_EC2_INSTANCE, updated_at: at } : {}) }).where('id', '=', r.id).execute();
      if (changed) {
        events.push({ type: 'coverage.changed', account_id: accountId, resource_id: r.id, created_at: at, payload: JSON.stringify({ resourceId: r.id, from: r.created ? null : { status: r.coverage_status, reason: r.coverage_reason }, to: { status: 'INACTIVE', reason: UNMANAGED_EC2_INSTANCE } }) });
      }
    }
    await emitEvents(trx, events);
  });
}

/** The listening sockets and firewall texts a host sent, as the host analysis reads them; undefined without sockets. */
function hostFiles(attrs: Record<string, unknown>): Record<string, string> | undefined {
  if (!Array.isArray(attrs.listening)) return undefined;
  const fw = (attrs.firewall && typeof attrs.firewall === 'object' ? attrs.firewall : {}) as { nft?: unknown; iptables?: unknown; ip6tables?: unknown };
  const files: Record<string, string> = { 'listening.json': JSON.stringify(attrs.listening) };
  if (typeof fw.nft === 'string' && fw.nft.trim()) files['nft.json'] = fw.nft;
  if (typeof fw.iptables === 'string' && fw.iptables.trim()) files['iptables-save.txt'] = fw.iptables;
  if (typeof fw.ip6tables === 'string' && fw.ip6tables.trim()) files['ip6tables-save.txt'] = fw.ip6tables;
  return files;
}

/**
 * Brings one host's network findings and reachability up to date (after its scan or agent report
 * recorded new sockets, firewall rules or instance id).
 */
export async function applyHostNetwork(ctx: NetworkContext, resourceId: string): Promise<{ counts: LifecycleCounts; findings: number }> {
  const { store } = ctx;
  const r = await store.db.selectFrom('resources').select([...HOST_COLUMNS]).where('id', '=', resourceId).executeTakeFirst();
  if (!r || r.type !== 'host') return { counts: { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 }, findings: 0 };
  let mine = claimedInstances(r);
  if (mine.length && isPlaceholder(r)) {
    const others = await store.db.selectFrom('resources').select([...HOST_COLUMNS]).where('account_id', '=', r.account_id).where('type', '=', 'host').execute();
    mine = resolveClaims(others).get(r.id) ?? [];
  }
  const instances = mine.length ? await store.db.selectFrom('network_instances').select(['instance_id', 'topology']).where('account_id', '=', r.account_id).where('instance_id', 'in', mine).execute() : [];
  const exposures = mine.length ? await store.db.selectFrom('network_exposures').select(['instance_id', 'topology', 'finding']).where('account_id', '=', r.account_id).where('instance_id', 'in', mine).execute() : [];
  const desired = await applyHosts(ctx, r.account_id, [r], new Map([[r.id, mine]]), instances, exposures);
  return { counts: desired, findings: (await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', r.id).where('type', '=', NETWORK_FINDING_TYPE).where('status', '!=', 'CLOSED').executeTakeFirstOrThrow()).n };
}

/**
 * The shared core: each host's desired network findings (its instances' paths, each told what
 * listens in its range when the host sent its sockets; else the host analysis alone), written 200
 * hosts per transaction; then every host whose reachability changed gets it, and its package
 * findings are re-scored, in one more transaction. Host data that does not parse is recorded as
 * `attributes.networkError` and counts as none: it never fails the caller.
 */
async function applyHosts(ctx: NetworkContext, accountId: string, hosts: readonly HostRow[], claims: ReadonlyMap<string, string[]>,
  instances: readonly { instance_id: string; topology: string }[], exposures: readonly { instance_id: string; topology: string; finding: string }[]): Promise<LifecycleCounts> {
  const { store } = ctx;
  const now = ctx.now();
  const at = now.toISOString();
  const counts: LifecycleCounts = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
  const topologiesOf = new Map<string, Set<string>>();
  for (const i of instances) topologiesOf.set(i.instance_id, (topologiesOf.get(i.instance_id) ?? new Set()).add(i.topology));
  const pathsOf = new Map<string, { topology: string; finding: string }[]>();
  for (const e of exposures) pathsOf.set(e.instance_id, [...(pathsOf.get(e.instance_id) ?? []), e]);

  const reach: { id: string; attrs: Record<string, unknown>; reachability: ResourceReachability | null; networkError: string | null }[] = [];
  for (let c = 0; c < hosts.length; c += 200) {
    const chunk = hosts.slice(c, c + 200);
    const plans = chunk.map((h) => {
      const attrs = JSON.parse(h.attributes) as Record<string, unknown>;
      const mine = (claims.get(h.id) ?? []).filter((i) => topologiesOf.has(i));
      let hostFindings: NetworkFinding[] | undefined;
      let networkError: string | null = null;
      const files = hostFiles(attrs);
      if (files) {
        try {
          hostFindings = analyzeHost(parseHostInputs(files), { hostName: h.name }).findings;
        } catch (err) {
          networkError = (err as Error).message.slice(0, 500);
        }
      }
      const desired: NetworkFindingInput[] = [];
      if (mine.length) {
        for (const i of mine) for (const e of pathsOf.get(i) ?? []) {
          const f = JSON.parse(e.finding) as NetworkFinding;
          const hostListeners = hostFindings?.filter((x) => x.addressFamily === f.addressFamily && x.protocol === f.protocol
            && x.openPortRange.begin <= f.openPortRange.end && x.openPortRange.end >= f.openPortRange.begin).flatMap((x) => x.listeners ?? []);
          desired.push({ finding: f, source: hostListeners ? 'aws+host' : 'aws', topology: e.topology, instanceId: i, ...(hostListeners ? { hostListeners } : {}) });
        }
      } else if (hostFindings) {
        for (const f of hostFindings) desired.push({ finding: f, source: 'host', hostListeners: f.listeners ?? [] });
      }
      // reachability, which the package findings' scores read
      let reachability: ResourceReachability | null = null;
      const reachable = desired.filter((d) => d.hostListeners === undefined || d.hostListeners.length > 0);
      const ports = reachable.map((d) => ({ protocol: d.finding.protocol, begin: d.finding.openPortRange.begin, end: d.finding.openPortRange.end }));
      if (mine.length) {
        const topologies = [...new Set(mine.flatMap((i) => [...topologiesOf.get(i)!]))].sort();
        reachability = { internet: reachable.length > 0, source: `aws:${topologies.join(',')}${hostFindings ? '+host' : ''}`, ...(ports.length ? { ports } : {}) };
      } else if (hostFindings && hostFindings.length === 0) {
        // the host firewall and its sockets leave nothing open: nothing on it can be reached from anywhere
        reachability = { internet: false, source: 'host-firewall' };
      }
      return { h, attrs, desired, reachability, networkError };
    });
    const existing = await store.db.selectFrom('findings').selectAll().where('resource_id', 'in', chunk.map((h) => h.id)).where('type', '=', NETWORK_FINDING_TYPE).execute();
    const existingOf = new Map<string, typeof existing>();
    for (const f of existing) existingOf.set(f.resource_id, [...(existingOf.get(f.resource_id) ?? []), f]);
    await store.db.transaction().execute(async (trx) => {
      await lockFindings(trx, store.dialect);
      const rules = await activeRules(trx, accountId, now);
      for (const p of plans) {
        const c2 = await applyNetworkFindingsIn(trx, { id: p.h.id, account_id: p.h.account_id, type: p.h.type, name: p.h.name, tags: JSON.parse(p.h.tags) as string[] }, p.desired, now, { existing: existingOf.get(p.h.id) ?? [], rules });
        for (const k of Object.keys(counts) as (keyof LifecycleCounts)[]) counts[k] += c2[k];
      }
    });
    for (const p of plans) {
      const prev = (p.attrs.reachability ?? null) as ResourceReachability | null;
      const same = (prev === null && p.reachability === null) || (prev !== null && p.reachability !== null && prev.internet === p.reachability.internet && prev.source === p.reachability.source && JSON.stringify(prev.ports ?? []) === JSON.stringify(p.reachability.ports ?? []));
      if (!same || (p.attrs.networkError ?? null) !== p.networkError) reach.push({ id: p.h.id, attrs: p.attrs, reachability: p.reachability, networkError: p.networkError });
    }
  }
  if (reach.length) {
    await store.db.transaction().execute(async (trx) => {
      await lockFindings(trx, store.dialect);
      const rescore: string[] = [];
      for (const x of reach) {
        const cur = JSON.parse((await trx.selectFrom('resources').select('attributes').where('id', '=', x.id).executeTakeFirstOrThrow()).attributes) as Record<string, unknown>;
        const prev = cur.reachability as ResourceReachability | undefined;
        if (x.reachability) cur.reachability = { ...x.reachability, analyzedAt: at };
        else delete cur.reachability;
        if (x.networkError) cur.networkError = x.networkError;
        else delete cur.networkError;
        await trx.updateTable('resources').set({ attributes: JSON.stringify(cur) }).where('id', '=', x.id).execute();
        // what the score reads of it: internet and source
        if ((prev?.internet ?? null) !== (x.reachability?.internet ?? null) || (prev?.source ?? null) !== (x.reachability?.source ?? null)) rescore.push(x.id);
      }
      if (rescore.length) {
        const c2 = await rescoreResourcesIn(store, trx, rescore, now);
        for (const k of Object.keys(counts) as (keyof LifecycleCounts)[]) counts[k] += c2[k];
      }
    });
  }
  return counts;
}
