// Hand-written AWS topologies (testdata/aws/<case>/, the AWS CLI's `--output json`) with answers
// derived by hand from AWS's documented semantics, one test per case. Each expected line is
// "resource family protocol range from sources [except …] [via listener (health)]"; the set must
// match exactly (nothing missing, nothing extra). Paths are checked for the findings that show
// each kind of hop.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeAws, parseAwsInputs, type AwsFileName, type NetworkFinding, type NetworkResult } from './index.ts';

const DATA = join(import.meta.dirname, 'testdata', 'aws');

function run(name: string): NetworkResult {
  const files: Record<string, string> = {};
  for (const n of readdirSync(join(DATA, name))) files[n] = readFileSync(join(DATA, name, n), 'utf8');
  return analyzeAws(parseAwsInputs(files as Partial<Record<AwsFileName, string>>));
}

function line(f: NetworkFinding): string {
  const r = f.openPortRange.begin === f.openPortRange.end ? `${f.openPortRange.begin}` : `${f.openPortRange.begin}-${f.openPortRange.end}`;
  const via = f.loadBalancer ? ` via ${f.loadBalancer.listenerPort}${f.loadBalancer.targetHealth && f.loadBalancer.targetHealth !== 'healthy' ? ` (${f.loadBalancer.targetHealth})` : ''}` : '';
  return `${f.resourceId} ${f.addressFamily} ${f.protocol} ${r} from ${f.sources.join(',')}${f.sourcesExcept ? ` except ${f.sourcesExcept.join(',')}` : ''}${via}`;
}

function assertFindings(r: NetworkResult, want: string[]): void {
  assert.deepEqual([...r.findings.map(line)].sort(), [...want].sort());
}

/** The path of the one finding matching (resource, protocol, begin, family, via LB or not), as "id" list. */
function path(r: NetworkResult, resourceId: string, protocol: string, begin: number, family = 'ipv4', viaLb = false): string[] {
  const hits = r.findings.filter((f) => f.resourceId === resourceId && f.protocol === protocol && f.openPortRange.begin === begin && f.addressFamily === family && !!f.loadBalancer === viaLb);
  assert.equal(hits.length, 1, `one finding for ${resourceId} ${family} ${protocol} ${begin}`);
  return hits[0].networkPath.steps.map((s) => s.componentId);
}

const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:';
const lbArn = (kind: string, name: string) => `${ARN}loadbalancer/${kind}/${name}/50dc6c495c0c9188`;
const listenerArn = (kind: string, name: string, n: number) => `${ARN}listener/${kind}/${name}/50dc6c495c0c9188/f2f7dc8efc52${String(n).padStart(4, '0')}`;
const tgArn = (name: string) => `${ARN}targetgroup/${name}/73e2d6bc24d8a067`;

// nacl-deny. NACL entries are evaluated in ascending RuleNumber, the first that matches decides,
// the `*` entries (32767 IPv4, 32768 IPv6) deny the rest; NACLs are stateless, so the reply must
// also leave through the outbound entries, to the client's ephemeral port (1024-65535).
// - acl-order inbound: 80 denies all from 198.51.100.0/24; 90 denies tcp 22 before 100 allows tcp
//   0-65535 (so 22 is closed); 110's deny of 80 comes after 100 (no effect); 120 allows udp 53.
//   No ICMP entry: the `*` deny. Outbound 90 denies everything to 203.0.113.0/24: no reply reaches
//   it, so it is no source either. IPv6: 85 denies 2001:db8:bad::/48, 95 denies tcp 443 before 105
//   allows tcp; the VPC's own /56 is routed `local`, so it is no internet source.
//   SG sg-0nacl-open allows tcp/udp all and icmp (IPv4), tcp all (IPv6): the NACL decides.
// - acl-ephem outbound denies tcp 1024-65535 before allowing all: no tcp reply can leave, so tcp 22
//   is unreachable; udp 500 and icmp replies leave. No IPv6 allow entry: IPv6 hits the `*` deny.
// - acl-ephem-hi outbound denies tcp 1024-49151 and udp 1024-65535: a client using a port of
//   49152-65535 (the IANA range Windows and macOS use) still gets its tcp reply; udp never does.
test('nacl-deny: rule order, stateless replies, IPv6 entries', () => {
  const r = run('nacl-deny');
  const ex4 = 'from 0.0.0.0/0 except 198.51.100.0/24,203.0.113.0/24';
  const ex6 = 'from ::/0 except 2001:db8:bad::/48,2600:1f18:a00::/56';
  assertFindings(r, [
    `i-order ipv4 tcp 0-21 ${ex4}`,
    `i-order ipv4 tcp 23-65535 ${ex4}`,
    `i-order ipv4 udp 53 ${ex4}`,
    `i-order ipv6 tcp 0-442 ${ex6}`,
    `i-order ipv6 tcp 444-65535 ${ex6}`,
    'i-ephem ipv4 udp 500 from 0.0.0.0/0',
    'i-ephem ipv4 icmp 0-255 from 0.0.0.0/0',
    'i-ephem-hi ipv4 tcp 22 from 0.0.0.0/0',
    'i-ephem-hi ipv4 icmp 0-255 from 0.0.0.0/0',
  ]);
  assert.deepEqual(path(r, 'i-order', 'tcp', 23), ['igw-0nacl', 'rtb-0nacl', 'subnet-order', 'acl-order', 'sg-0nacl-open', 'eni-order', 'i-order']);
  assert.deepEqual(path(r, 'i-order', 'tcp', 444, 'ipv6'), ['igw-0nacl', 'rtb-0nacl', 'subnet-order', 'acl-order', 'sg-0nacl-open', 'eni-order', 'i-order']);
  assert.equal(r.findings.find((f) => f.resourceId === 'i-order' && f.addressFamily === 'ipv6')!.destination, '2600:1f18:a00:1::10');
});

// sg-to-sg-lb. Targets sit in private subnets (main table: 0.0.0.0/0 → NAT), so only the load
// balancers reach them.
// - alb-web (internet-facing, dualstack, sg-alb allows 80/443 from 0.0.0.0/0 and ::/0): listener
//   80's default action is a redirect (no target); listener 443 forwards to tg-web (weight 1) and
//   tg-canary (weight 0: no traffic). An ALB opens its own connection to the target from its node
//   addresses (the LB subnets 10.20.0.0/24, 10.20.1.0/24), over IPv4 for an IPv4 target group, so
//   the target must allow the ALB's group (i-ref) or those CIDRs (i-cidr), never the client.
//   i-other allows 10.20.99.0/24 only: nothing. i-blocked (allows sg-alb) sits in a subnet whose
//   NACL denies tcp 8080 from 10.20.0.0/23 before allowing all: nothing. i-cidr is unhealthy: still
//   reported (the ALB fails open when no target is healthy; health is not configuration).
//   i-draining (allows sg-alb) is being deregistered: the ALB sends it no new connection.
//   IPv6 clients reach the listener from ::/0 except the VPC's /56 (routed local).
// - nlb-tcp (no security groups): tg-nlb-inst (instance targets, TCP) keeps the client's address
//   (client IP preservation is on by default for instance targets), so the target's group must allow
//   the internet: i-nlb-open does, i-nlb-vpc (10.20.0.0/16 only) does not, i-nlb-narrow does for
//   203.0.113.0/24 only (so only those clients). tg-nlb-ip (ip targets, TCP) does not preserve it
//   by default: the target sees the NLB's address in subnet-lb-a, which the 10.20.0.0/23 of
//   i-nlb-ip (10.20.10.23) and i-nlb-ip2 (registered by its secondary address 10.20.10.126) allows.
// - nlb-sg (sg-nlb allows 7000 from 198.51.100.0/24 only): i-nlb-ref's group references sg-nlb,
//   which admits the NLB's traffic even with client IP preservation on; the NLB's group limits the
//   sources to 198.51.100.0/24.
// - alb-internal (Scheme internal) and alb-prov (State provisioning): no path from the internet.
test('sg-to-sg-lb: ALB and NLB, SG references, subnet CIDRs, client IP preservation', () => {
  const r = run('sg-to-sg-lb');
  assertFindings(r, [
    'i-ref ipv4 tcp 8080 from 0.0.0.0/0 via 443',
    'i-ref ipv6 tcp 8080 from ::/0 except 2600:1f18:b00::/56 via 443',
    'i-cidr ipv4 tcp 8080 from 0.0.0.0/0 via 443 (unhealthy)',
    'i-cidr ipv6 tcp 8080 from ::/0 except 2600:1f18:b00::/56 via 443 (unhealthy)',
    'i-nlb-open ipv4 tcp 5000 from 0.0.0.0/0 via 5000',
    'i-nlb-narrow ipv4 tcp 5000 from 203.0.113.0/24 via 5000',
    'i-nlb-ip ipv4 tcp 6000 from 0.0.0.0/0 via 6000',
    'i-nlb-ip2 ipv4 tcp 6000 from 0.0.0.0/0 via 6000',
    'i-nlb-ref ipv4 tcp 7000 from 198.51.100.0/24 via 7000',
  ]);
  const alb = lbArn('app', 'alb-web');
  assert.deepEqual(path(r, 'i-ref', 'tcp', 8080, 'ipv4', true), [
    'igw-0lb', 'rtb-lb-pub', 'subnet-lb-a', 'acl-lb-default', 'sg-alb', alb, listenerArn('app', 'alb-web', 2), tgArn('tg-web'),
    'subnet-app', 'acl-lb-default', 'sg-app-ref', 'eni-ref', 'i-ref',
  ]);
  assert.deepEqual(path(r, 'i-cidr', 'tcp', 8080, 'ipv6', true), [
    'igw-0lb', 'rtb-lb-pub', 'subnet-lb-a', 'acl-lb-default', 'sg-alb', alb, listenerArn('app', 'alb-web', 2), tgArn('tg-web'),
    'subnet-app', 'acl-lb-default', 'sg-app-cidr', 'eni-cidr', 'i-cidr',
  ]);
  // an NLB without security groups: no group on the front
  assert.deepEqual(path(r, 'i-nlb-open', 'tcp', 5000, 'ipv4', true), [
    'igw-0lb', 'rtb-lb-pub', 'subnet-lb-a', 'acl-lb-default', lbArn('net', 'nlb-tcp'), listenerArn('net', 'nlb-tcp', 3), tgArn('tg-nlb-inst'),
    'subnet-app', 'acl-lb-default', 'sg-nlb-open', 'eni-nlb-open', 'i-nlb-open',
  ]);
  assert.deepEqual(path(r, 'i-nlb-ref', 'tcp', 7000, 'ipv4', true), [
    'igw-0lb', 'rtb-lb-pub', 'subnet-lb-a', 'acl-lb-default', 'sg-nlb', lbArn('net', 'nlb-sg'), listenerArn('net', 'nlb-sg', 5), tgArn('tg-nlb-ref'),
    'subnet-app', 'acl-lb-default', 'sg-nlb-ref', 'eni-nlb-ref', 'i-nlb-ref',
  ]);
  const ref = r.findings.find((f) => f.resourceId === 'i-ref' && f.addressFamily === 'ipv4')!;
  assert.deepEqual(ref.loadBalancer, { arn: alb, listenerPort: 443, listenerProtocol: 'HTTPS', targetHealth: 'healthy' });
  assert.equal(ref.destination, 'alb-web-1234567890.us-east-1.elb.amazonaws.com');
  // the preservation attribute is not in the inputs: the default is assumed, and said so
  assert.ok(r.notes.some((n) => n.kind === 'assumption' && n.componentId === tgArn('tg-nlb-inst') && /preserve_client_ip/.test(n.message)));
});

// Network ACLs filter only traffic that crosses a subnet's boundary: a target in one of the LB's
// own subnets is reached by the LB node there without any NACL, even one that would block it.
test('sg-to-sg-lb variant: a target in the load balancer\'s subnet is not filtered by that subnet\'s NACL', () => {
  const files: Record<string, string> = {};
  for (const n of readdirSync(join(DATA, 'sg-to-sg-lb'))) files[n] = readFileSync(join(DATA, 'sg-to-sg-lb', n), 'utf8');
  const inst = JSON.parse(files['describe-instances.json']);
  const ref = inst.Reservations.flatMap((x: { Instances: { InstanceId: string }[] }) => x.Instances).find((i: { InstanceId: string }) => i.InstanceId === 'i-ref');
  ref.SubnetId = ref.NetworkInterfaces[0].SubnetId = 'subnet-lb-b';
  ref.PrivateIpAddress = ref.NetworkInterfaces[0].PrivateIpAddress = '10.20.1.11';
  files['describe-instances.json'] = JSON.stringify(inst);
  const acls = JSON.parse(files['describe-network-acls.json']);
  // subnet-lb-b now under a NACL that lets the listener in but denies 8080 from anywhere
  acls.NetworkAcls[0].Associations = acls.NetworkAcls[0].Associations.filter((a: { SubnetId: string }) => a.SubnetId !== 'subnet-lb-b');
  acls.NetworkAcls.push({ NetworkAclId: 'acl-lb-b', VpcId: 'vpc-0lb', IsDefault: false, Associations: [{ NetworkAclAssociationId: 'aclassoc-x', NetworkAclId: 'acl-lb-b', SubnetId: 'subnet-lb-b' }], Entries: [
    { CidrBlock: '0.0.0.0/0', Egress: false, PortRange: { From: 8080, To: 8080 }, Protocol: '6', RuleAction: 'deny', RuleNumber: 90 },
    { CidrBlock: '0.0.0.0/0', Egress: false, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 },
    { CidrBlock: '0.0.0.0/0', Egress: true, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 },
  ] });
  files['describe-network-acls.json'] = JSON.stringify(acls);
  const r = analyzeAws(parseAwsInputs(files as Partial<Record<AwsFileName, string>>));
  assert.deepEqual(path(r, 'i-ref', 'tcp', 8080, 'ipv4', true), [
    'igw-0lb', 'rtb-lb-pub', 'subnet-lb-a', 'acl-lb-default', 'sg-alb', lbArn('app', 'alb-web'), listenerArn('app', 'alb-web', 2), tgArn('tg-web'),
    'subnet-lb-b', 'sg-app-ref', 'eni-ref', 'i-ref',
  ]);
});

// port-ranges. Security group rules are a union (allow-only), so overlapping and adjacent rules
// of one protocol merge into maximal ranges, across the instance's groups; a NACL deny before the
// allow carves holes. tcp/udp ranges are ports, icmp ranges are ICMP types (an SG rule's FromPort
// is the type; a rule for one code, 3/4, opens type 3), `ip` ranges are other IP protocol numbers.
// - i-ports (sg-ports-a: tcp 1000-2000, 1500-2500, 2501-3000, udp 53, icmp 8, icmp 3 code 4;
//   sg-ports-b: tcp 2900-4000, tcp 22 from 203.0.113.0/24, udp 10000-20000, protocol 50 (ESP)),
//   acl-holes denies tcp 3300-3399 and udp 15000 before allowing all.
// - i-all (sg-ports-all: protocol -1), acl-proto denies tcp 0-1023, icmp type 8 and protocol 50
//   before allowing all: tcp 1024-65535, udp all, icmp all types but 8, and every other IPv4
//   protocol number but 50 (1, 6, 17 are icmp/tcp/udp; 58, ICMPv6, is not an IPv4 protocol here).
test('port-ranges: merged maximal ranges, NACL holes, -1, udp, icmp types, protocol numbers', () => {
  const r = run('port-ranges');
  assertFindings(r, [
    'i-ports ipv4 tcp 22 from 203.0.113.0/24',
    'i-ports ipv4 tcp 1000-3299 from 0.0.0.0/0',
    'i-ports ipv4 tcp 3400-4000 from 0.0.0.0/0',
    'i-ports ipv4 udp 53 from 0.0.0.0/0',
    'i-ports ipv4 udp 10000-14999 from 0.0.0.0/0',
    'i-ports ipv4 udp 15001-20000 from 0.0.0.0/0',
    'i-ports ipv4 icmp 3 from 0.0.0.0/0',
    'i-ports ipv4 icmp 8 from 0.0.0.0/0',
    'i-ports ipv4 ip 50 from 0.0.0.0/0',
    'i-all ipv4 tcp 1024-65535 from 0.0.0.0/0',
    'i-all ipv4 udp 0-65535 from 0.0.0.0/0',
    'i-all ipv4 icmp 0-7 from 0.0.0.0/0',
    'i-all ipv4 icmp 9-255 from 0.0.0.0/0',
    'i-all ipv4 ip 0 from 0.0.0.0/0',
    'i-all ipv4 ip 2-5 from 0.0.0.0/0',
    'i-all ipv4 ip 7-16 from 0.0.0.0/0',
    'i-all ipv4 ip 18-49 from 0.0.0.0/0',
    'i-all ipv4 ip 51-57 from 0.0.0.0/0',
    'i-all ipv4 ip 59-255 from 0.0.0.0/0',
  ]);
  // the path names the groups that open (part of) the range
  assert.deepEqual(path(r, 'i-ports', 'tcp', 1000), ['igw-0ports', 'rtb-ports', 'subnet-p1', 'acl-holes', 'sg-ports-a', 'sg-ports-b', 'eni-ports', 'i-ports']);
  assert.deepEqual(path(r, 'i-ports', 'tcp', 3400), ['igw-0ports', 'rtb-ports', 'subnet-p1', 'acl-holes', 'sg-ports-b', 'eni-ports', 'i-ports']);
  assert.deepEqual(path(r, 'i-ports', 'icmp', 8), ['igw-0ports', 'rtb-ports', 'subnet-p1', 'acl-holes', 'sg-ports-a', 'eni-ports', 'i-ports']);
});

// ipv6-only. IPv6 needs a route ::/0 (or covering the client) to an internet gateway; an
// egress-only internet gateway lets connections out and their replies in, never a new inbound
// connection. No public IPv4 address: no IPv4 path, whatever the groups allow.
// - i-v6only (IPv6-native subnet, no IPv4 at all, ::/0 → igw): sg-v6web's tcp 443 and icmpv6
//   type 128 (echo request) from ::/0, tcp 22 from 2001:db8:1234::/48; its tcp 80 from 0.0.0.0/0
//   is moot. The VPC's /56 is routed local, so it is no internet source.
// - i-eigw (same group, ::/0 → egress-only gateway, 0.0.0.0/0 → NAT): nothing.
// - i-dual (public IPv4 54.40.3.10, but 0.0.0.0/0 → NAT; ::/0 → igw): IPv6 tcp 22 only.
test('ipv6-only: IPv6 exposure without IPv4, egress-only gateway gives no inbound', () => {
  const r = run('ipv6-only');
  const ex = 'from ::/0 except 2600:1f18:c00::/56';
  assertFindings(r, [
    `i-v6only ipv6 tcp 443 ${ex}`,
    'i-v6only ipv6 tcp 22 from 2001:db8:1234::/48',
    `i-v6only ipv6 icmpv6 128 ${ex}`,
    `i-dual ipv6 tcp 22 ${ex}`,
  ]);
  assert.deepEqual(path(r, 'i-v6only', 'tcp', 443, 'ipv6'), ['igw-0v6', 'rtb-v6igw', 'subnet-v6only', 'acl-0v6-default', 'sg-v6web', 'eni-v6only', 'i-v6only']);
  assert.deepEqual(path(r, 'i-dual', 'tcp', 22, 'ipv6'), ['igw-0v6', 'rtb-dual', 'subnet-dual', 'acl-0v6-default', 'sg-v6dual', 'eni-dual', 'i-dual']);
  assert.equal(r.findings.find((f) => f.resourceId === 'i-v6only')!.destination, '2600:1f18:c00:1::a');
});

// stopped. Only a running instance receives traffic: stopped, stopping, pending, shutting-down
// and terminated ones are not reachable, even with an Elastic IP still associated, and a load
// balancer does not route to them (i-stopped's target state is `unused`, Target.InvalidState).
// i-nostate has no State at all (the CLI always prints one; a hand-made or truncated input may
// not): counted as running, the side of "reachable" (README).
// - i-running: tcp 22 directly (sg-stop-ssh); tcp 80 only from sg-stop-alb, so only via alb-stop.
test('stopped: only running instances (and one with no State) are reachable', () => {
  const r = run('stopped');
  assertFindings(r, [
    'i-running ipv4 tcp 22 from 0.0.0.0/0',
    'i-running ipv4 tcp 80 from 0.0.0.0/0 via 80',
    'i-nostate ipv4 tcp 22 from 0.0.0.0/0',
  ]);
  assert.ok(r.notes.some((n) => n.kind === 'assumption' && n.componentId === 'i-nostate'));
  assert.deepEqual(path(r, 'i-running', 'tcp', 80, 'ipv4', true), [
    'igw-0stop', 'rtb-stop', 'subnet-stop-lb-a', 'acl-0stop-default', 'sg-stop-alb', lbArn('app', 'alb-stop'), listenerArn('app', 'alb-stop', 1), tgArn('tg-stop'),
    'subnet-stop', 'acl-0stop-default', 'sg-stop-app', 'eni-running', 'i-running',
  ]);
});

// routing. The reply to a client follows the subnet's route table (its explicit association,
// else the VPC's main table): the longest prefix holding the client must be an active route to an
// internet gateway attached to the VPC.
// - i-rt-main: subnet-rt-main has no association, so the main table (0.0.0.0/0 → igw) carries it.
// - i-rt-nat: Elastic IP, but 0.0.0.0/0 → NAT gateway: replies never reach the client. Nothing.
// - i-rt-partial: 0.0.0.0/0 → NAT, 198.51.100.0/24 → igw: reachable from that /24 only.
// - i-rt-black: the only default route is a blackhole (its gateway deleted): nothing.
// - i-multi: eth0 in the NAT subnet (no public address, sg-rt-ssh): nothing; eth1 in subnet-rt-main
//   with an Elastic IP and sg-rt-https: tcp 443, through eth1 and its own group only.
test('routing: main route table fallback, NAT-only subnet, more specific igw route, blackhole, two ENIs', () => {
  const r = run('routing');
  assertFindings(r, [
    'i-rt-main ipv4 tcp 22 from 0.0.0.0/0',
    'i-rt-partial ipv4 tcp 22 from 198.51.100.0/24',
    'i-multi ipv4 tcp 443 from 0.0.0.0/0',
  ]);
  assert.deepEqual(path(r, 'i-rt-main', 'tcp', 22), ['igw-0rt', 'rtb-rt-main', 'subnet-rt-main', 'acl-0rt-default', 'sg-rt-ssh', 'eni-rt-main', 'i-rt-main']);
  assert.deepEqual(path(r, 'i-rt-partial', 'tcp', 22), ['igw-0rt', 'rtb-rt-partial', 'subnet-rt-partial', 'acl-0rt-default', 'sg-rt-ssh', 'eni-rt-partial', 'i-rt-partial']);
  assert.deepEqual(path(r, 'i-multi', 'tcp', 443), ['igw-0rt', 'rtb-rt-main', 'subnet-rt-main', 'acl-0rt-default', 'sg-rt-https', 'eni-multi-1', 'i-multi']);
  assert.equal(r.findings.find((f) => f.resourceId === 'i-multi')!.destination, '54.60.1.20');
});
