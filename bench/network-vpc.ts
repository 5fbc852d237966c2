/**
 * The generated VPC of bench/network.ts and bench/network-server.ts (seeded: every run builds the
 * same one). See bench/network.ts for what it holds.
 */
import type { AwsFileName } from '../src/detectors/network/index.ts';

export const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
export const SGS = Number(process.env.BENCH_SGS ?? 5_000);

// a small deterministic PRNG (mulberry32), so the VPC is the same on every run
let seed = 0x5eed;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

export function generate(): Partial<Record<AwsFileName, string>> {
  const subnets = Array.from({ length: 120 }, (_, i) => ({ SubnetId: `subnet-${i}`, VpcId: 'vpc-1', CidrBlock: `10.0.${i}.0/24`, Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: `2600:1f18:0:${i.toString(16)}::/64` }], public: i < 40 }));
  const local = [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, { DestinationIpv6CidrBlock: '2600:1f18::/56', GatewayId: 'local', State: 'active' }];
  const routeTables = [
    { RouteTableId: 'rtb-public', VpcId: 'vpc-1', Associations: subnets.filter((s) => s.public).map((s) => ({ Main: false, SubnetId: s.SubnetId })), Routes: [...local, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }, { DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-1', State: 'active' }] },
    { RouteTableId: 'rtb-main', VpcId: 'vpc-1', Associations: [{ Main: true }], Routes: [...local, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' }] },
    { RouteTableId: 'rtb-private', VpcId: 'vpc-1', Associations: subnets.filter((s, i) => !s.public && i % 2 === 0).map((s) => ({ Main: false, SubnetId: s.SubnetId })), Routes: [...local, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-2', State: 'active' }] },
  ];
  const abuse = ['198.51.100.0/24', '192.0.2.0/24', '203.0.113.128/25', '45.0.0.0/8', '185.220.0.0/16'];
  const acls = Array.from({ length: 12 }, (_, k) => {
    const entries: object[] = [];
    let n = 10;
    for (let j = 0; j < int(2, 8); j++) {
      const deny = rnd() < 0.6;
      entries.push({ RuleNumber: (n += 10), Egress: false, RuleAction: deny ? 'deny' : 'allow', Protocol: pick(['6', '17', '-1']), CidrBlock: deny ? pick(abuse) : '0.0.0.0/0', PortRange: { From: pick([22, 23, 3389, 0]), To: pick([22, 23, 3389, 1024]) } });
    }
    entries.push({ RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' }, { RuleNumber: 101, Egress: false, RuleAction: 'allow', Protocol: '-1', Ipv6CidrBlock: '::/0' });
    entries.push({ RuleNumber: 100, Egress: true, RuleAction: 'allow', Protocol: k % 5 === 4 ? '6' : '-1', CidrBlock: '0.0.0.0/0', ...(k % 5 === 4 ? { PortRange: { From: 1024, To: 65535 } } : {}) }, { RuleNumber: 101, Egress: true, RuleAction: 'allow', Protocol: '-1', Ipv6CidrBlock: '::/0' });
    entries.push(...[false, true].flatMap((e) => [{ RuleNumber: 32767, Egress: e, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' }, { RuleNumber: 32768, Egress: e, RuleAction: 'deny', Protocol: '-1', Ipv6CidrBlock: '::/0' }]));
    return { NetworkAclId: `acl-${k}`, VpcId: 'vpc-1', IsDefault: k === 0, Associations: subnets.filter((_, i) => i % 12 === k && k !== 0).map((s) => ({ SubnetId: s.SubnetId })), Entries: entries };
  });
  const ports: [number, number][] = [[22, 22], [80, 80], [443, 443], [3306, 3306], [5432, 5432], [6379, 6379], [8080, 8080], [8000, 8999], [30000, 32767], [9090, 9100], [53, 53], [3389, 3389]];
  const offices = Array.from({ length: 200 }, () => `${int(11, 99)}.${int(0, 255)}.${int(0, 255)}.0/24`);
  const sgs = Array.from({ length: SGS }, (_, k) => ({
    GroupId: `sg-${k.toString(16).padStart(8, '0')}`, VpcId: 'vpc-1',
    IpPermissions: Array.from({ length: int(1, 6) }, () => {
      const [from, to] = pick(ports);
      const r = rnd();
      return {
        IpProtocol: rnd() < 0.9 ? 'tcp' : pick(['udp', '-1', 'icmp']), FromPort: from, ToPort: to,
        IpRanges: r < 0.35 ? [{ CidrIp: '0.0.0.0/0' }] : r < 0.6 ? [{ CidrIp: pick(offices) }, ...(rnd() < 0.3 ? [{ CidrIp: pick(offices) }] : [])] : r < 0.8 ? [{ CidrIp: '10.0.0.0/8' }] : [],
        Ipv6Ranges: r < 0.1 ? [{ CidrIpv6: '::/0' }] : [],
        UserIdGroupPairs: r >= 0.8 ? [{ GroupId: `sg-${int(0, SGS - 1).toString(16).padStart(8, '0')}` }] : [],
      };
    }),
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  }));
  const instances = Array.from({ length: INSTANCES }, (_, k) => {
    const s = rnd() < 0.5 ? subnets[int(0, 39)] : subnets[int(40, 119)];
    const groups = Array.from({ length: int(1, 3) }, () => ({ GroupId: pick(sgs).GroupId }));
    const ip = `10.0.${s.SubnetId.slice(7)}.${(k % 250) + 4}`;
    const pub = rnd() < 0.35 ? `54.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` : undefined;
    const v6 = rnd() < 0.15 ? `2600:1f18:0:${Number(s.SubnetId.slice(7)).toString(16)}::${k.toString(16)}` : undefined;
    return {
      InstanceId: `i-${k.toString(16).padStart(17, '0')}`, State: { Code: 16, Name: rnd() < 0.08 ? 'stopped' : 'running' }, SubnetId: s.SubnetId, VpcId: 'vpc-1', PrivateIpAddress: ip,
      ...(pub ? { PublicIpAddress: pub } : {}), SecurityGroups: groups,
      NetworkInterfaces: [{ NetworkInterfaceId: `eni-${k.toString(16).padStart(17, '0')}`, SubnetId: s.SubnetId, VpcId: 'vpc-1', PrivateIpAddress: ip, Groups: groups, ...(pub ? { Association: { PublicIp: pub } } : {}), Ipv6Addresses: v6 ? [{ Ipv6Address: v6 }] : [], Attachment: { DeviceIndex: 0 } }],
    };
  });
  const A = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:';
  const lbs: object[] = [];
  const listeners: object[] = [];
  const tgs: object[] = [];
  const health: { TargetGroupArn: string; TargetHealthDescriptions: object[] }[] = [];
  for (let k = 0; k < 80; k++) {
    const alb = k < 60;
    const arn = `${A}loadbalancer/${alb ? 'app' : 'net'}/lb-${k}/${k}`;
    lbs.push({ LoadBalancerArn: arn, LoadBalancerName: `lb-${k}`, Scheme: 'internet-facing', Type: alb ? 'application' : 'network', State: { Code: 'active' }, VpcId: 'vpc-1', AvailabilityZones: [{ SubnetId: subnets[int(0, 39)].SubnetId }, { SubnetId: subnets[int(0, 39)].SubnetId }], ...(alb ? { SecurityGroups: [pick(sgs).GroupId] } : {}), IpAddressType: rnd() < 0.2 ? 'dualstack' : 'ipv4' });
    for (let l = 0; l < int(1, 2); l++) {
      const tgArn = `${A}targetgroup/tg-${k}-${l}/${k}${l}`;
      const port = pick([80, 8080, 8443, 3000]);
      tgs.push({ TargetGroupArn: tgArn, Protocol: alb ? 'HTTP' : 'TCP', Port: port, TargetType: 'instance', VpcId: 'vpc-1' });
      listeners.push({ ListenerArn: `${A}listener/${alb ? 'app' : 'net'}/lb-${k}/${k}/${l}`, LoadBalancerArn: arn, Port: l === 0 ? 443 : 80, Protocol: alb ? (l === 0 ? 'HTTPS' : 'HTTP') : 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] });
      health.push({ TargetGroupArn: tgArn, TargetHealthDescriptions: Array.from({ length: int(10, 40) }, () => ({ Target: { Id: pick(instances).InstanceId, Port: port }, TargetHealth: { State: pick(['healthy', 'healthy', 'unhealthy']) } })) });
    }
  }
  const j = (x: unknown) => JSON.stringify(x);
  return {
    'describe-instances.json': j({ Reservations: Array.from({ length: Math.ceil(instances.length / 50) }, (_, r) => ({ Instances: instances.slice(r * 50, r * 50 + 50) })) }),
    'describe-security-groups.json': j({ SecurityGroups: sgs }),
    'describe-subnets.json': j({ Subnets: subnets.map(({ public: _p, ...s }) => s) }),
    'describe-route-tables.json': j({ RouteTables: routeTables }),
    'describe-network-acls.json': j({ NetworkAcls: acls }),
    'describe-internet-gateways.json': j({ InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-1', State: 'available' }] }] }),
    'describe-nat-gateways.json': j({ NatGateways: [{ NatGatewayId: 'nat-1', SubnetId: 'subnet-0', VpcId: 'vpc-1', State: 'available' }, { NatGatewayId: 'nat-2', SubnetId: 'subnet-1', VpcId: 'vpc-1', State: 'available' }] }),
    'elbv2-describe-load-balancers.json': j({ LoadBalancers: lbs }),
    'elbv2-describe-listeners.json': j({ Listeners: listeners }),
    'elbv2-describe-target-groups.json': j({ TargetGroups: tgs }),
    'elbv2-describe-target-health.json': j(health),
  };
}

