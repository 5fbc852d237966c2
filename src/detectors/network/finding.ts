/**
 * The result of a reachability analysis: findings in Amazon Inspector's NETWORK_REACHABILITY shape
 * (resource, protocol, openPortRange, networkPath.steps) with a stable key, and notes on what the
 * analysis could not read exactly and which way it leaned.
 */
import { createHash } from 'node:crypto';
import type { Family } from './addr.ts';
import type { Proto } from './ports.ts';

/** Component types, as CloudFormation spells them (Inspector and Reachability Analyzer use them). */
export type ComponentType =
  | 'AWS::EC2::InternetGateway' | 'AWS::EC2::RouteTable' | 'AWS::EC2::Subnet' | 'AWS::EC2::NetworkAcl'
  | 'AWS::EC2::SecurityGroup' | 'AWS::EC2::NetworkInterface' | 'AWS::EC2::Instance'
  | 'AWS::ElasticLoadBalancingV2::LoadBalancer' | 'AWS::ElasticLoadBalancingV2::Listener' | 'AWS::ElasticLoadBalancingV2::TargetGroup'
  | 'Host::Firewall' | 'Host::FirewallRule' | 'Host::Socket' | 'Host::Process';

export interface PathStep {
  componentId: string;
  componentType: ComponentType;
}

export interface NetworkFinding {
  type: 'NETWORK_REACHABILITY';
  /** stable: resource + protocol + range + address family + path; a changed topology is a new key */
  key: string;
  resourceId: string;
  resourceType: 'AWS::EC2::Instance' | 'Host';
  /** `ip`: another IP protocol; its range holds protocol numbers. icmp/icmpv6: ICMP types. */
  protocol: Proto;
  openPortRange: { begin: number; end: number };
  /** which internet: 0.0.0.0/0 (ipv4) or ::/0 (ipv6) */
  addressFamily: Family;
  /** the internet sources that reach the range: `0.0.0.0/0` / `::/0` for every public address, else the CIDRs */
  sources: string[];
  /** the public CIDRs left out of `sources` (a NACL deny, the VPC's own range) */
  sourcesExcept?: string[];
  /** the address the traffic arrives at, when known (a public IPv4, an IPv6, a listening address) */
  destination?: string;
  networkPath: { steps: PathStep[] };
  /** for a path through a load balancer: the listener the internet talks to */
  loadBalancer?: { arn: string; listenerPort: number; listenerProtocol: string; targetHealth?: string };
  /** for a host: what listens in the range */
  listeners?: { protocol: string; address: string; port: number; process?: string; pid?: number; uid?: number }[];
  /** one line a person can check hop by hop */
  explanation: string;
}

export type NoteKind = 'unsupported-rule' | 'incomplete-input' | 'assumption';

export interface NetworkNote {
  kind: NoteKind;
  /** the file the note is about */
  input: string;
  /** the component (security group, chain, rule handle) when there is one */
  componentId?: string;
  message: string;
  /** which way the analysis leaned: always towards "reachable" where it could not tell */
  assumed?: string;
}

export interface NetworkResult {
  findings: NetworkFinding[];
  notes: NetworkNote[];
}

/** The finding key: sha256 over resource, protocol, range, family and the path's components. */
export function findingKey(f: Omit<NetworkFinding, 'key' | 'explanation'>): string {
  const parts = [f.resourceId, f.protocol, f.openPortRange.begin, f.openPortRange.end, f.addressFamily, ...f.networkPath.steps.map((s) => `${s.componentType}=${s.componentId}`)];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Findings sorted by resource, family, protocol, range, key; notes by input, component, message; duplicates dropped. */
export function sortResult(r: NetworkResult): NetworkResult {
  const findings = [...new Map(r.findings.map((f) => [f.key, f])).values()].sort((a, b) =>
    a.resourceId.localeCompare(b.resourceId) || a.addressFamily.localeCompare(b.addressFamily) || a.protocol.localeCompare(b.protocol)
    || a.openPortRange.begin - b.openPortRange.begin || a.openPortRange.end - b.openPortRange.end || a.key.localeCompare(b.key));
  const seen = new Set<string>();
  const notes = r.notes.filter((n) => {
    const k = JSON.stringify([n.kind, n.input, n.componentId, n.message]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => a.input.localeCompare(b.input) || (a.componentId ?? '').localeCompare(b.componentId ?? '') || a.message.localeCompare(b.message));
  return { findings, notes };
}

export function portText(f: Pick<NetworkFinding, 'openPortRange'>): string {
  const { begin, end } = f.openPortRange;
  return begin === end ? String(begin) : `${begin}-${end}`;
}
