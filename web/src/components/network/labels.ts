/**
 * Words for network reachability findings (issue 16): component types as a person says them,
 * protocol and port ranges, the AWS CLI file names a topology upload takes.
 */
import type { NetworkProtocol, NetworkReachability } from '../../types.ts';

/** CloudFormation type names (and Vigil's Host::*) → a label; anything else keeps its last part, spaced. */
export const COMPONENT_LABELS: Record<string, string> = {
  'AWS::EC2::InternetGateway': 'Internet gateway',
  'AWS::EC2::RouteTable': 'Route table',
  'AWS::EC2::Subnet': 'Subnet',
  'AWS::EC2::NetworkAcl': 'Network ACL',
  'AWS::EC2::SecurityGroup': 'Security group',
  'AWS::EC2::NetworkInterface': 'Network interface',
  'AWS::EC2::Instance': 'Instance',
  'AWS::EC2::NatGateway': 'NAT gateway',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Load balancer',
  'AWS::ElasticLoadBalancingV2::Listener': 'Listener',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Target group',
  'Host::Firewall': 'Host firewall',
  'Host::FirewallRule': 'Firewall rule',
  'Host::Socket': 'Listening socket',
  'Host::Process': 'Process',
};

export function componentLabel(type: string): string {
  const known = COMPONENT_LABELS[type];
  if (known) return known;
  const last = type.split('::').pop() || type;
  const spaced = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

/** The AWS CLI output files a topology upload takes (src/detectors/network/aws/schema.ts AWS_FILES), with the call that prints each. */
export const AWS_FILES: readonly { name: string; command: string }[] = [
  { name: 'describe-instances.json', command: 'aws ec2 describe-instances' },
  { name: 'describe-security-groups.json', command: 'aws ec2 describe-security-groups' },
  { name: 'describe-subnets.json', command: 'aws ec2 describe-subnets' },
  { name: 'describe-route-tables.json', command: 'aws ec2 describe-route-tables' },
  { name: 'describe-network-acls.json', command: 'aws ec2 describe-network-acls' },
  { name: 'describe-internet-gateways.json', command: 'aws ec2 describe-internet-gateways' },
  { name: 'describe-nat-gateways.json', command: 'aws ec2 describe-nat-gateways' },
  { name: 'elbv2-describe-load-balancers.json', command: 'aws elbv2 describe-load-balancers' },
  { name: 'elbv2-describe-listeners.json', command: 'aws elbv2 describe-listeners --load-balancer-arn … (each, merged)' },
  { name: 'elbv2-describe-target-groups.json', command: 'aws elbv2 describe-target-groups' },
  { name: 'elbv2-describe-target-health.json', command: 'aws elbv2 describe-target-health --target-group-arn … (each, keyed by the ARN)' },
];
export const AWS_FILE_NAMES: ReadonlySet<string> = new Set(AWS_FILES.map((f) => f.name));

/** The topology name the server accepts. */
export const TOPOLOGY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Well-known TCP/UDP ports, for a hint next to the number. */
const SERVICES: Record<string, string> = {
  'tcp/21': 'FTP', 'tcp/22': 'SSH', 'tcp/23': 'Telnet', 'tcp/25': 'SMTP', 'udp/53': 'DNS', 'tcp/53': 'DNS', 'tcp/80': 'HTTP',
  'udp/123': 'NTP', 'tcp/443': 'HTTPS', 'tcp/445': 'SMB', 'tcp/1433': 'SQL Server', 'tcp/3306': 'MySQL', 'tcp/3389': 'RDP',
  'tcp/5432': 'PostgreSQL', 'tcp/5900': 'VNC', 'tcp/6379': 'Redis', 'tcp/8080': 'HTTP alt', 'tcp/9200': 'Elasticsearch', 'tcp/27017': 'MongoDB',
};

const ICMP_TYPES: Record<number, string> = { 0: 'echo reply', 3: 'destination unreachable', 8: 'echo request', 11: 'time exceeded', 128: 'echo request', 129: 'echo reply' };

export function protocolLabel(p: string): string {
  return p === 'icmpv6' ? 'ICMPv6' : p === 'ip' ? 'IP' : p.toUpperCase();
}

/** "22", "1024–65535" */
export function rangeText(r: { begin: number; end: number }): string {
  return r.begin === r.end ? String(r.begin) : `${r.begin}–${r.end}`;
}

/**
 * What is open, in words: "TCP port 22 (SSH)", "TCP ports 1024–65535", "ICMP type 8 (echo request)",
 * "IP protocol 47".
 */
export function openText(protocol: NetworkProtocol | string, r: { begin: number; end: number }): string {
  const one = r.begin === r.end;
  if (protocol === 'tcp' || protocol === 'udp') {
    const svc = one ? SERVICES[`${protocol}/${r.begin}`] : undefined;
    if (r.begin === 0 && r.end === 65535) return `${protocolLabel(protocol)}, every port`;
    return `${protocolLabel(protocol)} port${one ? '' : 's'} ${rangeText(r)}${svc ? ` (${svc})` : ''}`;
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    if (r.begin === 0 && r.end === 255) return `${protocolLabel(protocol)}, every type`;
    const name = one ? ICMP_TYPES[r.begin] : undefined;
    return `${protocolLabel(protocol)} type${one ? '' : 's'} ${rangeText(r)}${name ? ` (${name})` : ''}`;
  }
  return `IP protocol${one ? '' : 's'} ${rangeText(r)}`;
}

/**
 * A list row's `package.name` ("tcp/22", "tcp/1024-65535", "icmp/8", "ip/47") as the same words;
 * null when it is not of that shape.
 */
export function portFromPackageName(name: string | null | undefined): { protocol: string; range: { begin: number; end: number }; text: string } | null {
  const m = /^(tcp|udp|icmp|icmpv6|ip)\/(\d+)(?:-(\d+))?$/i.exec(name ?? '');
  if (!m) return null;
  const protocol = m[1].toLowerCase();
  const range = { begin: Number(m[2]), end: Number(m[3] ?? m[2]) };
  return { protocol, range, text: openText(protocol, range) };
}

export function familyLabel(f: NetworkReachability['addressFamily']): string {
  return f === 'ipv6' ? 'IPv6 (::/0)' : 'IPv4 (0.0.0.0/0)';
}

export function sourceLabel(s: NetworkReachability['source']): string {
  return s === 'aws' ? 'AWS topology' : s === 'host' ? 'host firewall and sockets' : 'AWS topology and the host';
}

/** A network reachability finding's vulnerabilityId (NET-TCP-22, NET-IP-47): no vulnerability record exists for it. */
export function isNetworkVulnerabilityId(id: string): boolean {
  return /^NET-(TCP|UDP|ICMP|ICMPV6|IP)-\d/.test(id);
}

/** "arn:aws:elasticloadbalancing:…:loadbalancer/app/my-alb/50dc6c495c0c9188" → "my-alb"; anything else as it is. */
export function shortComponentId(id: string): string {
  const m = /^arn:aws[\w-]*:elasticloadbalancing:[^:]*:[^:]*:(loadbalancer|targetgroup|listener)\/(?:(?:app|net|gwy)\/)?([^/]+)(?:\/[^/]+\/([^/]+))?/.exec(id);
  if (!m) return id;
  // a listener: its load balancer's name and the listener's own id (shortened)
  return m[1] === 'listener' && m[3] ? `${m[2]}/${m[3].slice(0, 8)}` : m[2];
}
