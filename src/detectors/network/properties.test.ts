// Properties of the analysis over generated topologies (fast-check), and of the set algebra
// against a brute-force model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyzeAws, parseAwsInputs, type AwsFileName, type NetworkResult } from './index.ts';
import { intersect, isSubset, normalize, subtract, union, type PortSet } from './ports.ts';

const CIDRS = ['0.0.0.0/0', '203.0.113.0/24', '198.51.100.0/25', '8.0.0.0/8', '10.0.0.0/16', '::/0', '2001:db8::/32'];
const PROTOS = ['-1', '6', '17', '1'];
const SG_PROTOS = ['tcp', 'udp', '-1', 'icmp'];

const portRange = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
// rules 1–300 come before the allow-everything rules 1000/1001 every generated NACL ends with
const aclEntry = fc.record({ n: fc.integer({ min: 1, max: 300 }), egress: fc.boolean(), allow: fc.boolean(), proto: fc.constantFrom(...PROTOS), cidr: fc.constantFrom(...CIDRS), ports: portRange });
const sgRule = fc.record({ proto: fc.constantFrom(...SG_PROTOS), ports: portRange, cidrs: fc.subarray(CIDRS, { maxLength: 2 }), groups: fc.subarray(['sg-0', 'sg-1', 'sg-2'], { maxLength: 1 }) });
const topology = fc.record({
  mainRt: fc.constantFrom('rtb-igw', 'rtb-nat'),
  rtOf: fc.array(fc.constantFrom('rtb-igw', 'rtb-nat', null), { minLength: 3, maxLength: 3 }),
  aclOf: fc.array(fc.constantFrom('acl-0', 'acl-1'), { minLength: 3, maxLength: 3 }),
  acls: fc.array(fc.array(aclEntry, { maxLength: 6 }), { minLength: 2, maxLength: 2 }),
  sgs: fc.array(fc.array(sgRule, { maxLength: 4 }), { minLength: 3, maxLength: 3 }),
  instances: fc.array(fc.record({ subnet: fc.integer({ min: 0, max: 2 }), sgs: fc.subarray(['sg-0', 'sg-1', 'sg-2'], { minLength: 1 }), pub: fc.boolean(), v6: fc.boolean(), running: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  lb: fc.record({ listener: fc.integer({ min: 0, max: 100 }), target: fc.integer({ min: 0, max: 100 }), sg: fc.constantFrom('sg-0', 'sg-1', 'sg-2'), targets: fc.subarray([0, 1, 2, 3]) }),
});
type Topo = typeof topology extends fc.Arbitrary<infer T> ? T : never;

const A = 'arn:aws:elasticloadbalancing:us-east-1:1:';
function files(t: Topo): Partial<Record<AwsFileName, string>> {
  const j = (x: unknown) => JSON.stringify(x);
  const perm = (r: Topo['sgs'][number][number]) => ({
    IpProtocol: r.proto, ...(r.proto === 'tcp' || r.proto === 'udp' ? { FromPort: r.ports[0], ToPort: r.ports[1] } : r.proto === 'icmp' ? { FromPort: -1, ToPort: -1 } : {}),
    IpRanges: r.cidrs.filter((c) => !c.includes(':')).map((c) => ({ CidrIp: c })), Ipv6Ranges: r.cidrs.filter((c) => c.includes(':')).map((c) => ({ CidrIpv6: c })),
    UserIdGroupPairs: r.groups.map((g) => ({ GroupId: g })),
  });
  return {
    'describe-subnets.json': j({ Subnets: [0, 1, 2, 3].map((i) => ({ SubnetId: `subnet-${i}`, VpcId: 'vpc-1', CidrBlock: `10.0.${i}.0/24`, Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: `2600:1f18:0:${i}::/64` }] })) }),
    'describe-route-tables.json': j({ RouteTables: [
      { RouteTableId: 'rtb-igw', VpcId: 'vpc-1', Associations: [...(t.mainRt === 'rtb-igw' ? [{ Main: true }] : []), ...t.rtOf.flatMap((r, i) => (r === 'rtb-igw' ? [{ Main: false, SubnetId: `subnet-${i}` }] : [])), { Main: false, SubnetId: 'subnet-3' }],
        Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }, { DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-1', State: 'active' }] },
      { RouteTableId: 'rtb-nat', VpcId: 'vpc-1', Associations: [...(t.mainRt === 'rtb-nat' ? [{ Main: true }] : []), ...t.rtOf.flatMap((r, i) => (r === 'rtb-nat' ? [{ Main: false, SubnetId: `subnet-${i}` }] : []))],
        Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' }] },
    ] }),
    'describe-network-acls.json': j({ NetworkAcls: [0, 1].map((k) => ({
      NetworkAclId: `acl-${k}`, VpcId: 'vpc-1', IsDefault: k === 0, Associations: t.aclOf.flatMap((a, i) => (a === `acl-${k}` ? [{ SubnetId: `subnet-${i}` }] : [])),
      Entries: [...t.acls[k].map((e) => ({
        RuleNumber: e.n, Egress: e.egress, RuleAction: e.allow ? 'allow' : 'deny', Protocol: e.proto, [e.cidr.includes(':') ? 'Ipv6CidrBlock' : 'CidrBlock']: e.cidr,
        ...(e.proto === '6' || e.proto === '17' ? { PortRange: { From: e.ports[0], To: e.ports[1] } } : {}), ...(e.proto === '1' ? { IcmpTypeCode: { Type: -1, Code: -1 } } : {}),
      })), ...[false, true].flatMap((eg) => [{ RuleNumber: 1000, Egress: eg, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' }, { RuleNumber: 1001, Egress: eg, RuleAction: 'allow', Protocol: '-1', Ipv6CidrBlock: '::/0' }]), { RuleNumber: 32767, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' }, { RuleNumber: 32767, Egress: true, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' }],
    })) }),
    'describe-security-groups.json': j({ SecurityGroups: t.sgs.map((rules, k) => ({ GroupId: `sg-${k}`, VpcId: 'vpc-1', IpPermissions: rules.map(perm), IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })) }),
    'describe-internet-gateways.json': j({ InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-1', State: 'available' }] }] }),
    'describe-instances.json': j({ Reservations: [{ Instances: t.instances.map((i, k) => ({
      InstanceId: `i-${k}`, State: { Name: i.running ? 'running' : 'stopped' }, SubnetId: `subnet-${i.subnet}`, VpcId: 'vpc-1', PrivateIpAddress: `10.0.${i.subnet}.${10 + k}`,
      ...(i.pub ? { PublicIpAddress: `54.0.0.${k}` } : {}), SecurityGroups: i.sgs.map((g) => ({ GroupId: g })),
      NetworkInterfaces: [{ NetworkInterfaceId: `eni-${k}`, SubnetId: `subnet-${i.subnet}`, PrivateIpAddress: `10.0.${i.subnet}.${10 + k}`, Groups: i.sgs.map((g) => ({ GroupId: g })),
        ...(i.pub ? { Association: { PublicIp: `54.0.0.${k}` } } : {}), Ipv6Addresses: i.v6 ? [{ Ipv6Address: `2600:1f18:0:${i.subnet}::${k + 10}` }] : [], Attachment: { DeviceIndex: 0 } }],
    })) }] }),
    'elbv2-describe-load-balancers.json': j({ LoadBalancers: [{ LoadBalancerArn: `${A}loadbalancer/app/lb/1`, Scheme: 'internet-facing', Type: 'application', State: { Code: 'active' }, VpcId: 'vpc-1', AvailabilityZones: [{ SubnetId: 'subnet-3' }], SecurityGroups: [t.lb.sg] }] }),
    'elbv2-describe-listeners.json': j({ Listeners: [{ ListenerArn: `${A}listener/app/lb/1/1`, LoadBalancerArn: `${A}loadbalancer/app/lb/1`, Port: t.lb.listener, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: `${A}targetgroup/tg/1` }] }] }),
    'elbv2-describe-target-groups.json': j({ TargetGroups: [{ TargetGroupArn: `${A}targetgroup/tg/1`, Protocol: 'HTTP', Port: t.lb.target, TargetType: 'instance', VpcId: 'vpc-1' }] }),
    'elbv2-describe-target-health.json': j([{ TargetGroupArn: `${A}targetgroup/tg/1`, TargetHealthDescriptions: t.lb.targets.filter((k) => k < t.instances.length).map((k) => ({ Target: { Id: `i-${k}` }, TargetHealth: { State: 'healthy' } })) }]),
  };
}

/** What is reachable, path aside: (resource, family, protocol, via LB listener or direct) → ports. */
function coverage(r: NetworkResult): Map<string, PortSet> {
  const m = new Map<string, PortSet>();
  for (const f of r.findings) {
    const k = `${f.resourceId} ${f.addressFamily} ${f.protocol} ${f.loadBalancer ? `lb:${f.loadBalancer.listenerPort}` : 'direct'}`;
    m.set(k, union(m.get(k) ?? [], [[f.openPortRange.begin, f.openPortRange.end]]));
  }
  return m;
}
function covers(big: Map<string, PortSet>, small: Map<string, PortSet>): boolean {
  return [...small].every(([k, v]) => isSubset(v, big.get(k) ?? []));
}
const run = (f: Partial<Record<AwsFileName, string>>) => analyzeAws(parseAwsInputs(f));

test('adding a deny NACL rule never adds a path', () => {
  fc.assert(fc.property(topology, fc.integer({ min: 0, max: 1 }), aclEntry, (t, k, e) => {
    const before = coverage(run(files(t)));
    const t2 = structuredClone(t);
    t2.acls[k].push({ ...e, allow: false });
    return covers(before, coverage(run(files(t2))));
  }), { numRuns: 300 });
});

test('adding a security group allow rule never removes a path', () => {
  fc.assert(fc.property(topology, fc.integer({ min: 0, max: 2 }), sgRule, (t, k, r) => {
    const before = coverage(run(files(t)));
    const t2 = structuredClone(t);
    t2.sgs[k].push(r);
    return covers(coverage(run(files(t2))), before);
  }), { numRuns: 300 });
});

test('removing the internet route removes every path through its route table', () => {
  fc.assert(fc.property(topology, fc.boolean(), (t, v6) => {
    const f = files(t);
    const rts = JSON.parse(f['describe-route-tables.json']!);
    rts.RouteTables[0].Routes = rts.RouteTables[0].Routes.filter((r: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string }) => (v6 ? r.DestinationIpv6CidrBlock !== '::/0' : r.DestinationCidrBlock !== '0.0.0.0/0'));
    f['describe-route-tables.json'] = JSON.stringify(rts);
    const after = run(f);
    const family = v6 ? 'ipv6' : 'ipv4';
    return after.findings.every((x) => x.addressFamily !== family || !x.networkPath.steps.some((s) => s.componentId === 'rtb-igw'));
  }), { numRuns: 300 });
});

test('set algebra agrees with a brute-force model', () => {
  const set = fc.array(portRange, { maxLength: 5 }).map((l) => normalize(l));
  const expand = (s: PortSet) => new Set(s.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i)));
  fc.assert(fc.property(set, set, (x, y) => {
    const X = expand(x);
    const Y = expand(y);
    const same = (s: PortSet, want: Set<number>) => { const got = expand(s); return got.size === want.size && [...want].every((v) => got.has(v)); };
    const canonical = (s: PortSet) => s.every(([a, b], i) => a <= b && (i === 0 || a > s[i - 1][1] + 1));
    return same(union(x, y), new Set([...X, ...Y])) && same(intersect(x, y), new Set([...X].filter((v) => Y.has(v))))
      && same(subtract(x, y), new Set([...X].filter((v) => !Y.has(v)))) && [union(x, y), intersect(x, y), subtract(x, y)].every(canonical);
  }), { numRuns: 500 });
});
