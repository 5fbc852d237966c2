/**
 * Reachability from the internet (0.0.0.0/0 and ::/0) to every running instance's network
 * interfaces, directly (internet gateway → route table → network ACL → security groups → ENI) and
 * through internet-facing load balancers (… → load balancer → listener → target group → target's
 * network ACL and security groups → ENI). Pure: the parsed inputs in, findings and notes out.
 *
 * Every hop is set algebra: the source addresses are cut into classes no rule boundary crosses
 * (addr.ts), and for each class the traffic that passes is computed exactly per protocol
 * (ports.ts), so a finding is a maximal open range, with the sources that reach it.
 */
import { classesOf, describeSources, normalizeAddrs, parseCidr, PUBLIC, setContains, type AddrInterval, type AddrSet, type Family } from '../addr.ts';
import { findingKey, sortResult, type NetworkFinding, type NetworkNote, type NetworkResult, type PathStep } from '../finding.ts';
import {
  allTraffic, overlaps, range, tIntersect, tIsEmpty, tOnly, trafficOf, trafficOfNumber, tSubtract, tUnion, UNIVERSE,
  intersect, isEmpty, type PortSet, type Proto, type Traffic,
} from '../ports.ts';
import type { AwsInputs } from './parse.ts';
import type * as S from './schema.ts';

const EPHEMERAL: PortSet = range(1024, 65535);
const FAMILY_PROTOS: Record<Family, Proto[]> = { ipv4: ['tcp', 'udp', 'icmp', 'ip'], ipv6: ['tcp', 'udp', 'icmpv6', 'ip'] };

interface Cidr { family: Family; interval: AddrInterval }
interface SgRule { traffic: Traffic; cidrs: Cidr[]; groups: string[]; prefixLists: string[] }
interface Sg { id: string; ingress: SgRule[]; egress: SgRule[] }
interface AclEntry { ruleNumber: number; allow: boolean; cidr: Cidr; traffic: Traffic }
interface Acl { id: string; vpcId: string; ingress: AclEntry[]; egress: AclEntry[] }
type RouteKind = 'igw' | 'eigw' | 'nat' | 'local' | 'other';
interface Rt { id: string; vpcId: string; routes: { cidr: Cidr; kind: RouteKind; target: string; active: boolean }[] }
interface Eni { id: string; instanceId: string; vpcId?: string; subnetId?: string; sgIds: string[]; privateIp?: string; privateIps?: string[]; publicIp?: string; ipv6?: string; primary: boolean }

const FILE = {
  sg: 'describe-security-groups.json', acl: 'describe-network-acls.json', rt: 'describe-route-tables.json',
  inst: 'describe-instances.json', subnet: 'describe-subnets.json', igw: 'describe-internet-gateways.json',
  lb: 'elbv2-describe-load-balancers.json', listener: 'elbv2-describe-listeners.json', tg: 'elbv2-describe-target-groups.json',
  th: 'elbv2-describe-target-health.json',
} as const;

/** What one hop lets through, from which sources, and the components that decided. */
interface Hop {
  total: Traffic;
  perSg: Map<string, Traffic>;
  perClass: { interval: AddrInterval; traffic: Traffic }[];
  routeTableId?: string;
  igwId?: string;
  naclId?: string;
}

interface HopSpec {
  family: Family;
  space: AddrSet;
  subnetId: string;
  /** null: no security group layer (a network load balancer without security groups) */
  sgIds: string[] | null;
  /** the sources are members of these groups (a load balancer's), for rules that reference a group */
  sourceSgIds: string[];
  /** the VPC, when the subnet is not described */
  vpcId?: string;
  needIgwRoute: boolean;
  /** the sources are in the same subnet (a load balancer node beside its target): network ACLs filter only traffic that crosses a subnet's boundary */
  noAcl?: boolean;
}

/** The compiled model: indexes over the parsed inputs. */
class Model {
  readonly notes: NetworkNote[] = [];
  readonly sgs = new Map<string, Sg>();
  readonly acls = new Map<string, Acl>();
  readonly aclBySubnet = new Map<string, string>();
  readonly defaultAclByVpc = new Map<string, string>();
  readonly rts = new Map<string, Rt>();
  readonly rtBySubnet = new Map<string, string>();
  readonly mainRtByVpc = new Map<string, string>();
  readonly subnets = new Map<string, S.Subnet>();
  /** igw id → VPCs it is attached to; absent = the gateway is not described */
  readonly igwVpcs = new Map<string, Set<string>>();
  readonly enis: Eni[] = [];
  readonly enisByInstance = new Map<string, Eni[]>();
  readonly eniByPrivateIp = new Map<string, Eni>();
  readonly instances = new Map<string, S.Instance>();
  private readonly hopCache = new Map<string, Hop>();

  constructor(readonly input: AwsInputs) {
    for (const s of input.subnets) this.subnets.set(s.SubnetId, s);
    for (const g of input.securityGroups) this.sgs.set(g.GroupId, this.compileSg(g));
    for (const a of input.networkAcls) {
      const acl = this.compileAcl(a);
      this.acls.set(a.NetworkAclId, acl);
      if (a.IsDefault) this.defaultAclByVpc.set(a.VpcId, a.NetworkAclId);
      for (const as of a.Associations ?? []) this.aclBySubnet.set(as.SubnetId, a.NetworkAclId);
    }
    for (const t of input.routeTables) {
      this.rts.set(t.RouteTableId, this.compileRt(t));
      for (const as of t.Associations ?? []) {
        if (as.Main) this.mainRtByVpc.set(t.VpcId, t.RouteTableId);
        if (as.SubnetId) this.rtBySubnet.set(as.SubnetId, t.RouteTableId);
      }
    }
    for (const g of input.internetGateways) this.igwVpcs.set(g.InternetGatewayId, new Set((g.Attachments ?? []).filter((a) => !a.State || a.State === 'available' || a.State === 'attached').map((a) => a.VpcId)));
    for (const i of input.instances) {
      this.instances.set(i.InstanceId, i);
      if (!i.State) this.note({ kind: 'assumption', input: FILE.inst, componentId: i.InstanceId, message: 'the instance has no State', assumed: 'running (reachable)' });
      for (const e of this.enisOf(i)) {
        this.enis.push(e);
        this.enisByInstance.set(e.instanceId, [...(this.enisByInstance.get(e.instanceId) ?? []), e]);
        // an ip target may be any of the interface's private addresses, primary or secondary
        for (const ip of new Set([...(e.privateIp ? [e.privateIp] : []), ...(e.privateIps ?? [])])) this.eniByPrivateIp.set(ip, e);
      }
    }
  }

  /** Only running instances are reachable (stopped, stopping, pending, terminated are not). */
  running(instanceId: string): boolean {
    const state = this.instances.get(instanceId)?.State?.Name;
    return state === undefined || state === 'running';
  }

  note(n: NetworkNote): void {
    this.notes.push(n);
  }

  private cidr(text: string, file: string, component: string): Cidr {
    return parseCidr(text, `${file} ${component}`);
  }

  /** An SG rule's traffic: IpProtocol "-1"/"tcp"/"udp"/"icmp"/"icmpv6"/a number, with FromPort/ToPort. */
  private sgRuleTraffic(p: S.IpPermission, sgId: string): Traffic {
    const name = p.IpProtocol.toLowerCase();
    const num = name === '-1' || name === 'all' ? -1 : name === 'tcp' ? 6 : name === 'udp' ? 17 : name === 'icmp' ? 1 : name === 'icmpv6' ? 58 : /^\d{1,3}$/.test(name) ? Number(name) : NaN;
    if (Number.isNaN(num) || num > 255) {
      this.note({ kind: 'unsupported-rule', input: FILE.sg, componentId: sgId, message: `IpProtocol ${JSON.stringify(p.IpProtocol)} is not a protocol name or number`, assumed: 'every protocol allowed (reachable)' });
      return allTraffic();
    }
    if (num === 6 || num === 17) {
      const from = p.FromPort ?? -1;
      const to = p.ToPort ?? -1;
      return trafficOfNumber(num, from === -1 ? UNIVERSE.tcp : range(from, to === -1 ? 65535 : to));
    }
    if (num === 1 || num === 58) {
      // FromPort is the ICMP type (-1: all), ToPort the code; a rule for one code of a type is
      // counted as the whole type (the analysis tells types apart, not codes)
      const type = p.FromPort ?? -1;
      return trafficOfNumber(num, type === -1 ? undefined : range(type, type));
    }
    return trafficOfNumber(num);
  }

  private compileRules(list: S.IpPermission[] | undefined, sgId: string): SgRule[] {
    return (list ?? []).map((p) => ({
      traffic: this.sgRuleTraffic(p, sgId),
      cidrs: [...(p.IpRanges ?? []).map((r) => this.cidr(r.CidrIp, FILE.sg, sgId)), ...(p.Ipv6Ranges ?? []).map((r) => this.cidr(r.CidrIpv6, FILE.sg, sgId))],
      groups: (p.UserIdGroupPairs ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
      prefixLists: (p.PrefixListIds ?? []).map((x) => x.PrefixListId),
    }));
  }

  private compileSg(g: S.SecurityGroup): Sg {
    const sg = { id: g.GroupId, ingress: this.compileRules(g.IpPermissions, g.GroupId), egress: this.compileRules(g.IpPermissionsEgress, g.GroupId) };
    for (const r of sg.ingress) {
      for (const pl of r.prefixLists) this.note({ kind: 'unsupported-rule', input: FILE.sg, componentId: g.GroupId, message: `inbound rule from prefix list ${pl}: prefix list contents (describe-managed-prefix-lists) are not read`, assumed: 'the prefix list holds every address (reachable)' });
    }
    return sg;
  }

  private compileAcl(a: S.NetworkAcl): Acl {
    const acl: Acl = { id: a.NetworkAclId, vpcId: a.VpcId, ingress: [], egress: [] };
    for (const e of a.Entries ?? []) {
      const text = e.CidrBlock ?? e.Ipv6CidrBlock;
      if (!text) continue;
      const n = Number(e.Protocol);
      let ports: PortSet | undefined;
      // PortRange applies to tcp (6) and udp (17); IcmpTypeCode.Type to icmp (1) and icmpv6 (58), -1 is every type
      if (n === 6 || n === 17) ports = e.PortRange ? range(e.PortRange.From, e.PortRange.To) : undefined;
      else if ((n === 1 || n === 58) && e.IcmpTypeCode && e.IcmpTypeCode.Type !== -1) ports = range(e.IcmpTypeCode.Type, e.IcmpTypeCode.Type);
      (e.Egress ? acl.egress : acl.ingress).push({ ruleNumber: e.RuleNumber, allow: e.RuleAction === 'allow', cidr: this.cidr(text, FILE.acl, `${a.NetworkAclId} rule ${e.RuleNumber}`), traffic: trafficOfNumber(n, ports) });
    }
    // entries are evaluated in ascending rule number order, the first that matches decides
    acl.ingress.sort((x, y) => x.ruleNumber - y.ruleNumber);
    acl.egress.sort((x, y) => x.ruleNumber - y.ruleNumber);
    return acl;
  }

  private compileRt(t: S.RouteTable): Rt {
    const routes: Rt['routes'] = [];
    for (const r of t.Routes ?? []) {
      const text = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
      if (!text) {
        if (r.DestinationPrefixListId) this.note({ kind: 'unsupported-rule', input: FILE.rt, componentId: t.RouteTableId, message: `route to prefix list ${r.DestinationPrefixListId}: prefix list contents are not read, the route is left out`, assumed: 'the table\'s other routes decide' });
        continue;
      }
      const kind: RouteKind = r.GatewayId?.startsWith('igw-') ? 'igw' : r.GatewayId === 'local' ? 'local' : r.EgressOnlyInternetGatewayId ? 'eigw' : r.NatGatewayId ? 'nat' : 'other';
      const target = r.GatewayId ?? r.EgressOnlyInternetGatewayId ?? r.NatGatewayId ?? r.TransitGatewayId ?? r.VpcPeeringConnectionId ?? r.NetworkInterfaceId ?? r.InstanceId ?? 'unknown';
      routes.push({ cidr: this.cidr(text, FILE.rt, t.RouteTableId), kind, target, active: r.State !== 'blackhole' });
    }
    // longest prefix first: the first route containing an address is the one that carries it
    routes.sort((a, b) => (a.cidr.interval[1] - a.cidr.interval[0] < b.cidr.interval[1] - b.cidr.interval[0] ? -1 : 1));
    return { id: t.RouteTableId, vpcId: t.VpcId, routes };
  }

  private enisOf(i: S.Instance): Eni[] {
    const list = i.NetworkInterfaces ?? [];
    if (list.length === 0) {
      // an instance described without its interfaces: its top-level fields are the primary ENI's
      return [{ id: i.InstanceId, instanceId: i.InstanceId, vpcId: i.VpcId, subnetId: i.SubnetId, sgIds: (i.SecurityGroups ?? []).map((g) => g.GroupId), privateIp: i.PrivateIpAddress, publicIp: i.PublicIpAddress, ipv6: i.Ipv6Address, primary: true }];
    }
    return list.map((n, idx) => {
      const primary = (n.Attachment?.DeviceIndex ?? idx) === 0;
      const publicIp = n.Association?.PublicIp ?? n.PrivateIpAddresses?.find((p) => p.Association?.PublicIp)?.Association?.PublicIp ?? (primary ? i.PublicIpAddress : undefined);
      return {
        id: n.NetworkInterfaceId, instanceId: i.InstanceId, vpcId: n.VpcId ?? i.VpcId, subnetId: n.SubnetId ?? (primary ? i.SubnetId : undefined), sgIds: (n.Groups ?? (primary ? i.SecurityGroups : undefined) ?? []).map((g) => g.GroupId),
        privateIp: n.PrivateIpAddress, privateIps: (n.PrivateIpAddresses ?? []).flatMap((p) => (p.PrivateIpAddress ? [p.PrivateIpAddress] : [])), publicIp, ipv6: n.Ipv6Addresses?.[0]?.Ipv6Address ?? (primary ? i.Ipv6Address : undefined), primary,
      };
    });
  }

  /** The subnet's route table: its explicit association, else its VPC's main table (the VPC from the subnet, else from the ENI). */
  routeTableOf(subnetId: string, vpcId?: string): Rt | undefined {
    const id = this.rtBySubnet.get(subnetId) ?? this.mainRtByVpc.get(this.subnets.get(subnetId)?.VpcId ?? vpcId ?? '');
    return id ? this.rts.get(id) : undefined;
  }

  aclOf(subnetId: string, vpcId?: string): Acl | undefined {
    const id = this.aclBySubnet.get(subnetId) ?? this.defaultAclByVpc.get(this.subnets.get(subnetId)?.VpcId ?? vpcId ?? '');
    return id ? this.acls.get(id) : undefined;
  }

  /** The traffic a NACL's ordered entries allow for one address: first match wins, default deny. */
  aclAllows(entries: AclEntry[], family: Family, a: bigint): Traffic {
    let remaining: Traffic = allTraffic();
    let allowed: Traffic = {};
    for (const e of entries) {
      if (e.cidr.family !== family || !setContains([e.cidr.interval], a)) continue;
      const hit = tIntersect(remaining, e.traffic);
      if (tIsEmpty(hit)) continue;
      if (e.allow) allowed = tUnion(allowed, hit);
      remaining = tSubtract(remaining, e.traffic);
      if (tIsEmpty(remaining)) break;
    }
    return allowed;
  }

  private readonly aclCache = new Map<string, Traffic>();

  /**
   * Inbound traffic a NACL lets in from address `a` whose replies it also lets out. It depends
   * only on which entries hold `a`, so it is cached by that.
   */
  aclGate(acl: Acl, family: Family, a: bigint): Traffic {
    let key = `${acl.id} ${family} `;
    for (const list of [acl.ingress, acl.egress]) {
      for (let i = 0; i < list.length; i++) {
        const c = list[i].cidr;
        key += c.family === family && c.interval[0] <= a && a <= c.interval[1] ? '1' : '0';
      }
      key += '|';
    }
    let t = this.aclCache.get(key);
    if (!t) {
      t = returnFilter(this.aclAllows(acl.ingress, family, a), this.aclAllows(acl.egress, family, a));
      this.aclCache.set(key, t);
    }
    return t;
  }

  /** What one SG's inbound rules allow from address `a` (or from members of `sourceSgIds`). */
  sgAllows(sg: Sg, rules: SgRule[], family: Family, a: bigint | undefined, sourceSgIds: string[]): Traffic {
    let t: Traffic = {};
    for (const r of rules) {
      const hit = (a !== undefined && r.cidrs.some((c) => c.family === family && setContains([c.interval], a)))
        || r.prefixLists.length > 0 || r.groups.some((g) => sourceSgIds.includes(g));
      if (hit) t = tUnion(t, r.traffic);
    }
    return t;
  }

  /** The internet route for address `a` in a table: the longest prefix that holds it, if it goes to an attached internet gateway. */
  igwRoute(rt: Rt, family: Family, a: bigint): string | undefined {
    const r = rt.routes.find((x) => x.cidr.family === family && setContains([x.cidr.interval], a));
    if (!r || !r.active || r.kind !== 'igw') return undefined;
    const vpcs = this.igwVpcs.get(r.target);
    if (vpcs && !vpcs.has(rt.vpcId)) return undefined;
    if (!vpcs && this.input.present.has(FILE.igw)) return undefined;
    return r.target;
  }

  /** One hop: sources in `space` → an interface in `subnetId` behind `sgIds`. Cached. */
  hop(spec: HopSpec): Hop {
    const key = `${spec.family}|${spaceKey(spec.space)}|${spec.subnetId}|${spec.sgIds?.join(',') ?? '-'}|${spec.sourceSgIds.join(',')}|${spec.needIgwRoute}|${spec.vpcId ?? ''}|${spec.noAcl ? 1 : 0}`;
    const cached = this.hopCache.get(key);
    if (cached) return cached;
    const hop: Hop = { total: {}, perSg: new Map(), perClass: [] };
    this.hopCache.set(key, hop);
    const rt = this.routeTableOf(spec.subnetId, spec.vpcId);
    const acl = spec.noAcl ? undefined : this.aclOf(spec.subnetId, spec.vpcId);
    if (spec.needIgwRoute && !rt?.routes.some((r) => r.kind === 'igw' && r.active && r.cidr.family === spec.family)) return hop;
    hop.routeTableId = rt?.id;
    hop.naclId = acl?.id;
    const sgs = (spec.sgIds ?? []).flatMap((id) => {
      const sg = this.sgs.get(id);
      if (!sg) this.note({ kind: 'incomplete-input', input: FILE.sg, componentId: id, message: `security group ${id} (used in subnet ${spec.subnetId}) is not described`, assumed: 'it allows nothing' });
      return sg ? [sg] : [];
    });
    const cuts: AddrInterval[] = [];
    for (const sg of sgs) for (const r of sg.ingress) for (const c of r.cidrs) if (c.family === spec.family) cuts.push(c.interval);
    for (const e of [...(acl?.ingress ?? []), ...(acl?.egress ?? [])]) if (e.cidr.family === spec.family) cuts.push(e.cidr.interval);
    if (spec.needIgwRoute && rt) for (const r of rt.routes) if (r.cidr.family === spec.family) cuts.push(r.cidr.interval);
    // rules that do not depend on the source address (group references, prefix lists) are evaluated once
    for (const cls of classesOf(spec.space, cuts)) {
      const a = cls[0];
      if (spec.needIgwRoute) {
        const igw = this.igwRoute(rt!, spec.family, a);
        if (!igw) continue;
        hop.igwId ??= igw;
      }
      let gate: Traffic = allTraffic();
      if (acl) gate = this.aclGate(acl, spec.family, a);
      gate = tOnly(gate, FAMILY_PROTOS[spec.family]);
      if (tIsEmpty(gate)) continue;
      let through: Traffic = {};
      if (spec.sgIds === null) through = gate;
      else {
        for (const sg of sgs) {
          const t = tIntersect(this.sgAllows(sg, sg.ingress, spec.family, a, spec.sourceSgIds), gate);
          if (tIsEmpty(t)) continue;
          hop.perSg.set(sg.id, tUnion(hop.perSg.get(sg.id) ?? {}, t));
          through = tUnion(through, t);
        }
      }
      if (tIsEmpty(through)) continue;
      hop.perClass.push({ interval: cls, traffic: through });
      hop.total = tUnion(hop.total, through);
    }
    return hop;
  }
}

const spaceKeys = new WeakMap<AddrSet, string>();
/** A short key for an address set (the same set object is keyed once). */
function spaceKey(s: AddrSet): string {
  let k = spaceKeys.get(s);
  if (k === undefined) {
    k = s.map(([a, b]) => `${a.toString(36)}-${b.toString(36)}`).join(',');
    spaceKeys.set(s, k);
  }
  return k;
}

/**
 * NACLs are stateless: inbound traffic passes only if the reply can leave. Replies go to the
 * client's source port, which the client picks — so one allowed ephemeral port (1024–65535) in
 * the outbound rules to that client is enough for tcp/udp; ICMP replies need some ICMP out; other
 * protocols need the same protocol number out.
 */
function returnFilter(inbound: Traffic, outbound: Traffic): Traffic {
  const out: Traffic = {};
  if (inbound.tcp && outbound.tcp && overlaps(outbound.tcp, EPHEMERAL)) out.tcp = inbound.tcp;
  if (inbound.udp && outbound.udp && overlaps(outbound.udp, EPHEMERAL)) out.udp = inbound.udp;
  if (inbound.icmp && outbound.icmp) out.icmp = inbound.icmp;
  if (inbound.icmpv6 && outbound.icmpv6) out.icmpv6 = inbound.icmpv6;
  if (inbound.ip && outbound.ip) {
    const both = intersect(inbound.ip, outbound.ip);
    if (!isEmpty(both)) out.ip = both;
  }
  return out;
}

/** The internet sources of one range: the classes whose traffic overlaps it. */
function sourcesOf(hop: Hop, family: Family, proto: Proto, ports: PortSet): { sources: string[]; except?: string[] } {
  return describeSources(normalizeAddrs(hop.perClass.filter((c) => c.traffic[proto] && overlaps(c.traffic[proto]!, ports)).map((c) => c.interval)), family);
}

function make(g: Omit<NetworkFinding, 'key' | 'explanation' | 'type' | 'sources'> & { sources: string[]; except?: string[] }): NetworkFinding {
  const { except, ...rest } = g;
  const f: Omit<NetworkFinding, 'key' | 'explanation' | 'type'> = { ...rest, ...(except ? { sourcesExcept: except } : {}) };
  const base = { type: 'NETWORK_REACHABILITY' as const, ...f };
  const key = findingKey(base);
  const ports = f.openPortRange.begin === f.openPortRange.end ? `${f.openPortRange.begin}` : `${f.openPortRange.begin}-${f.openPortRange.end}`;
  const what = f.protocol === 'ip' ? `IP protocol ${ports}` : f.protocol.startsWith('icmp') ? `${f.protocol} type ${ports}` : `${f.protocol} ${ports}`;
  const explanation = `${what} on ${f.resourceId}${f.destination ? ` (${f.destination})` : ''} is reachable from ${f.sources.join(', ')}${f.sourcesExcept ? ` except ${f.sourcesExcept.length > 3 ? `${f.sourcesExcept.slice(0, 3).join(', ')} and ${f.sourcesExcept.length - 3} more` : f.sourcesExcept.join(', ')}` : ''}: ${f.networkPath.steps.map((s) => s.componentId).join(' → ')}`;
  return { ...base, key, explanation };
}

const LISTENER_PROTOS: Record<string, Proto[]> = { HTTP: ['tcp'], HTTPS: ['tcp'], TCP: ['tcp'], TLS: ['tcp'], UDP: ['udp'], TCP_UDP: ['tcp', 'udp'] };

/**
 * Analyses parsed AWS inputs.
 * @throws VigilError VIGIL_INVALID_INPUT when a CIDR in the inputs is malformed (naming file and component)
 */
export function analyzeAws(input: AwsInputs): NetworkResult {
  const m = new Model(input);
  const findings: NetworkFinding[] = [];
  const missing = (['describe-route-tables.json', 'describe-network-acls.json', 'describe-security-groups.json', 'describe-subnets.json'] as const).filter((f) => !input.present.has(f));
  if (input.instances.length > 0 && missing.length > 0) {
    m.note({ kind: 'incomplete-input', input: missing.join(', '), message: 'not in the directory: no such components (no route tables: nothing is routed from an internet gateway; no network ACLs: that layer filters nothing)' });
  }
  const running = (id: string) => m.running(id);

  // direct paths: internet → IGW → route table → subnet → NACL → SGs → ENI
  for (const eni of m.enis) {
    if (!running(eni.instanceId) || !eni.subnetId) continue;
    for (const family of ['ipv4', 'ipv6'] as Family[]) {
      const dest = family === 'ipv4' ? eni.publicIp : eni.ipv6;
      if (!dest) continue;
      const hop = m.hop({ family, space: PUBLIC[family], subnetId: eni.subnetId, sgIds: eni.sgIds, sourceSgIds: [], needIgwRoute: true, vpcId: eni.vpcId });
      for (const proto of FAMILY_PROTOS[family]) {
        for (const [begin, end] of hop.total[proto] ?? []) {
          const ports = range(begin, end);
          const sgSteps: PathStep[] = [...hop.perSg].filter(([, t]) => t[proto] && overlaps(t[proto]!, ports)).map(([id]) => ({ componentId: id, componentType: 'AWS::EC2::SecurityGroup' as const }));
          findings.push(make({
            resourceId: eni.instanceId, resourceType: 'AWS::EC2::Instance', protocol: proto, openPortRange: { begin, end }, addressFamily: family,
            ...sourcesOf(hop, family, proto, ports), destination: dest,
            networkPath: { steps: [
              { componentId: hop.igwId!, componentType: 'AWS::EC2::InternetGateway' },
              { componentId: hop.routeTableId!, componentType: 'AWS::EC2::RouteTable' },
              { componentId: eni.subnetId, componentType: 'AWS::EC2::Subnet' },
              ...(hop.naclId ? [{ componentId: hop.naclId, componentType: 'AWS::EC2::NetworkAcl' as const }] : []),
              ...sgSteps,
              ...(eni.id !== eni.instanceId ? [{ componentId: eni.id, componentType: 'AWS::EC2::NetworkInterface' as const }] : []),
              { componentId: eni.instanceId, componentType: 'AWS::EC2::Instance' },
            ] },
          }));
        }
      }
    }
  }

  findings.push(...loadBalancerPaths(m));
  return sortResult({ findings, notes: m.notes });
}

/** Paths through internet-facing load balancers: listener → target group → registered targets. */
function loadBalancerPaths(m: Model): NetworkFinding[] {
  const out: NetworkFinding[] = [];
  const input = m.input;
  const tgs = new Map(input.targetGroups.map((t) => [t.TargetGroupArn, t]));
  const listenersByLb = new Map<string, S.Listener[]>();
  for (const l of input.listeners) listenersByLb.set(l.LoadBalancerArn, [...(listenersByLb.get(l.LoadBalancerArn) ?? []), l]);
  for (const lb of input.loadBalancers) {
    if (lb.Scheme !== 'internet-facing') continue;
    if (lb.State && lb.State.Code !== 'active' && lb.State.Code !== 'active_impaired') continue;
    const type = lb.Type ?? 'application';
    if (type === 'gateway') {
      m.note({ kind: 'unsupported-rule', input: FILE.lb, componentId: lb.LoadBalancerArn, message: 'gateway load balancers (GENEVE) are not followed', assumed: 'no path through it' });
      continue;
    }
    const lbSgIds = lb.SecurityGroups ?? [];
    const sgLayer = lbSgIds.length > 0 ? lbSgIds : type === 'network' ? null : [];
    const families: Family[] = lb.IpAddressType === 'dualstack' ? ['ipv4', 'ipv6'] : lb.IpAddressType === 'dualstack-without-public-ipv4' ? ['ipv6'] : ['ipv4'];
    const lbSubnets = (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])).sort();
    const lbSpace: AddrInterval[] = [];
    for (const s of lbSubnets) {
      const sub = m.subnets.get(s);
      if (sub?.CidrBlock) lbSpace.push(parseCidr(sub.CidrBlock, `${FILE.subnet} ${s}`).interval);
      else m.note({ kind: 'incomplete-input', input: FILE.subnet, componentId: s, message: `subnet ${s} of load balancer ${lb.LoadBalancerName ?? lb.LoadBalancerArn} is not described: its nodes' addresses are unknown`, assumed: 'they may have any address (reachable)' });
    }
    // the LB nodes' own addresses: what a target sees as the source when the client's is not preserved
    const nodeSpace = normalizeAddrs(lbSpace.length === lbSubnets.length ? lbSpace : [[0n, (1n << 32n) - 1n]]);
    const listeners = (listenersByLb.get(lb.LoadBalancerArn) ?? []).sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0) || a.ListenerArn.localeCompare(b.ListenerArn));
    if (type === 'application' && listeners.length > 0) {
      m.note({ kind: 'assumption', input: FILE.listener, componentId: lb.LoadBalancerArn, message: 'listener rules (elbv2 describe-rules) are not read: only each listener\'s default action is followed', assumed: 'target groups reached only by rules are not reported' });
    }
    for (const l of listeners) {
      const protos = LISTENER_PROTOS[l.Protocol ?? ''];
      if (!protos || l.Port === undefined) {
        m.note({ kind: 'unsupported-rule', input: FILE.listener, componentId: l.ListenerArn, message: `listener protocol ${JSON.stringify(l.Protocol)} is not followed`, assumed: 'no path through it' });
        continue;
      }
      const listenerTraffic = protos.reduce<Traffic>((t, p) => tUnion(t, trafficOf(p, range(l.Port!, l.Port!))), {});
      // a forward action names one target group (TargetGroupArn) or weighted ones (ForwardConfig); a weight of 0 gets no traffic
      const tgArns = [...new Set((l.DefaultActions ?? []).filter((a) => a.Type === 'forward').flatMap((a) => (a.ForwardConfig?.TargetGroups?.length
        ? a.ForwardConfig.TargetGroups.filter((t) => t.Weight !== 0).map((t) => t.TargetGroupArn)
        : a.TargetGroupArn ? [a.TargetGroupArn] : [])))].sort();
      for (const family of families) {
        // internet → LB node: the first of the LB's subnets (sorted) that lets the listener port in
        let front: { hop: Hop; subnetId: string } | undefined;
        for (const s of lbSubnets) {
          const hop = m.hop({ family, space: PUBLIC[family], subnetId: s, sgIds: sgLayer, sourceSgIds: [], needIgwRoute: true, vpcId: lb.VpcId });
          if (!tIsEmpty(tIntersect(hop.total, listenerTraffic))) { front = { hop, subnetId: s }; break; }
        }
        if (!front) continue;
        const frontSgs = [...front.hop.perSg].filter(([, t]) => !tIsEmpty(tIntersect(t, listenerTraffic))).map(([id]) => id);
        const sources = describeSources(normalizeAddrs(front.hop.perClass.filter((c) => !tIsEmpty(tIntersect(c.traffic, listenerTraffic))).map((c) => c.interval)), family);
        for (const tgArn of tgArns) {
          const tg = tgs.get(tgArn);
          if (!tg) {
            m.note({ kind: 'incomplete-input', input: FILE.tg, componentId: tgArn, message: `target group of listener ${l.ListenerArn} is not described`, assumed: 'no path through it' });
            continue;
          }
          const tgProtos = LISTENER_PROTOS[tg.Protocol ?? ''] ?? protos;
          const tt = tg.TargetType ?? 'instance';
          // client IP preservation (the preserve_client_ip.enabled attribute, not read): an NLB keeps
          // the client's address by default for instance targets and for UDP/TCP_UDP groups, not
          // for ip targets over TCP/TLS; an ALB never does. An IPv6 client of an IPv4 target is
          // translated at the load balancer, so the target sees the LB's address.
          const preserve = type === 'network' && family === 'ipv4' && (tt === 'instance' || tg.Protocol === 'UDP' || tg.Protocol === 'TCP_UDP');
          if (type === 'network' && (tg.Protocol === 'TCP' || tg.Protocol === 'TLS')) {
            m.note({ kind: 'assumption', input: FILE.tg, componentId: tgArn, message: `client IP preservation (elbv2 describe-target-group-attributes: preserve_client_ip.enabled) is not read: assumed AWS's default for ${tt} targets over ${tg.Protocol} (${tt === 'instance' ? 'on: the target must allow the clients' : 'off: the target sees the load balancer\'s addresses'})` });
          }
          const targets = input.targetHealth.get(tgArn);
          if (!targets) {
            m.note({ kind: 'incomplete-input', input: FILE.th, componentId: tgArn, message: `no describe-target-health output for target group ${tg.TargetGroupName ?? tgArn}: its targets are unknown`, assumed: 'no path through it' });
            continue;
          }
          for (const th of targets) {
            // unused (not registered with the LB, in a zone the LB does not serve, the instance
            // stopped) and draining targets get no new connections; unhealthy ones count: the
            // LB routes to all targets when none is healthy (fail open), and health changes
            const state = th.TargetHealth?.State;
            if (state === 'unused' || state === 'draining' || state === 'unhealthy.draining') continue;
            let eni: Eni | undefined;
            if (tt === 'instance') {
              const cands = m.enisByInstance.get(th.Target.Id) ?? [];
              eni = cands.find((e) => e.primary) ?? cands[0];
            } else if (tt === 'ip') eni = m.eniByPrivateIp.get(th.Target.Id);
            else {
              m.note({ kind: 'unsupported-rule', input: FILE.tg, componentId: tgArn, message: `targets of type ${tt} are not instances: not followed`, assumed: 'no instance finding' });
              break;
            }
            if (!eni) {
              m.note({ kind: 'incomplete-input', input: FILE.inst, componentId: th.Target.Id, message: `target ${th.Target.Id} of ${tg.TargetGroupName ?? tgArn} is not a described instance${tt === 'ip' ? ' address' : ''}`, assumed: 'no instance finding' });
              continue;
            }
            if (!m.running(eni.instanceId) || !eni.subnetId) continue;
            const port = th.Target.Port ?? tg.Port;
            if (port === undefined) continue;
            const targetTraffic = tgProtos.reduce<Traffic>((t, p) => tUnion(t, trafficOf(p, range(port, port))), {});
            const targetIp = tt === 'ip' ? th.Target.Id : eni.privateIp;
            // LB node → target: the LB's security groups must let it out, the target's subnet NACL and groups in.
            // A target in one of the LB's own subnets is reached by the node there without crossing a NACL.
            const sameSubnet = lbSubnets.includes(eni.subnetId);
            if (sgLayer && sgLayer.length > 0 && !lbEgressAllows(m, sgLayer, eni, targetIp, targetTraffic)) continue;
            if (!sameSubnet && !lbSubnetNaclLetsOut(m, lbSubnets, eni, targetIp, targetTraffic)) continue;
            // the sources the target sees: the clients that got through the front (preserved), else the LB nodes
            const space = preserve ? normalizeAddrs(front.hop.perClass.filter((c) => !tIsEmpty(tIntersect(c.traffic, listenerTraffic))).map((c) => c.interval)) : nodeSpace;
            const back = m.hop({ family: 'ipv4', space, subnetId: eni.subnetId, sgIds: eni.sgIds, sourceSgIds: sgLayer ?? [], needIgwRoute: false, vpcId: eni.vpcId, noAcl: sameSubnet });
            const passes = tIntersect(back.total, targetTraffic);
            for (const proto of Object.keys(passes) as Proto[]) {
              const ports = range(port, port);
              const targetSources = preserve ? sourcesOf(back, 'ipv4', proto, ports) : sources;
              const targetSgs = [...back.perSg].filter(([, t]) => t[proto] && overlaps(t[proto]!, ports)).map(([id]) => id);
              out.push(make({
                resourceId: eni.instanceId, resourceType: 'AWS::EC2::Instance', protocol: proto, openPortRange: { begin: port, end: port }, addressFamily: family,
                ...targetSources, destination: lb.DNSName,
                loadBalancer: { arn: lb.LoadBalancerArn, listenerPort: l.Port, listenerProtocol: l.Protocol!, ...(th.TargetHealth?.State ? { targetHealth: th.TargetHealth.State } : {}) },
                networkPath: { steps: [
                  { componentId: front.hop.igwId!, componentType: 'AWS::EC2::InternetGateway' },
                  { componentId: front.hop.routeTableId!, componentType: 'AWS::EC2::RouteTable' },
                  { componentId: front.subnetId, componentType: 'AWS::EC2::Subnet' },
                  ...(front.hop.naclId ? [{ componentId: front.hop.naclId, componentType: 'AWS::EC2::NetworkAcl' as const }] : []),
                  ...frontSgs.map((id) => ({ componentId: id, componentType: 'AWS::EC2::SecurityGroup' as const })),
                  { componentId: lb.LoadBalancerArn, componentType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
                  { componentId: l.ListenerArn, componentType: 'AWS::ElasticLoadBalancingV2::Listener' },
                  { componentId: tgArn, componentType: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
                  { componentId: eni.subnetId, componentType: 'AWS::EC2::Subnet' },
                  ...(back.naclId ? [{ componentId: back.naclId, componentType: 'AWS::EC2::NetworkAcl' as const }] : []),
                  ...targetSgs.map((id) => ({ componentId: id, componentType: 'AWS::EC2::SecurityGroup' as const })),
                  ...(eni.id !== eni.instanceId ? [{ componentId: eni.id, componentType: 'AWS::EC2::NetworkInterface' as const }] : []),
                  { componentId: eni.instanceId, componentType: 'AWS::EC2::Instance' },
                ] },
              }));
            }
          }
        }
      }
    }
  }
  return out;
}

/** The load balancer's groups let it connect out to the target (egress rules by CIDR or by the target's groups). */
function lbEgressAllows(m: Model, lbSgIds: string[], eni: Eni, targetIp: string | undefined, traffic: Traffic): boolean {
  const a = targetIp ? parseCidr(targetIp, `${FILE.inst} ${eni.id}`).interval[0] : undefined;
  for (const id of lbSgIds) {
    const sg = m.sgs.get(id);
    if (!sg) continue;
    if (!tIsEmpty(tIntersect(m.sgAllows(sg, sg.egress, 'ipv4', a, eni.sgIds), traffic))) return true;
  }
  return false;
}

/** Some subnet of the load balancer lets traffic out to the target and the target's replies back in. */
function lbSubnetNaclLetsOut(m: Model, lbSubnets: string[], eni: Eni, targetIp: string | undefined, traffic: Traffic): boolean {
  if (!targetIp) return true;
  const a = parseCidr(targetIp, `${FILE.inst} ${eni.id}`).interval[0];
  return lbSubnets.some((s) => {
    const acl = m.aclOf(s, eni.vpcId);
    if (!acl) return true;
    // outbound to the target's port, inbound replies from it to an ephemeral port
    const out = tIntersect(m.aclAllows(acl.egress, 'ipv4', a), traffic);
    return !tIsEmpty(returnFilter(out, m.aclAllows(acl.ingress, 'ipv4', a)));
  });
}

