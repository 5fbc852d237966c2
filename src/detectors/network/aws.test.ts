import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VigilError } from '../../model/errors.ts';
import { analyzeAws, analyzeDirectory, parseAwsInputs, type AwsFileName, type NetworkFinding } from './index.ts';

const DATA = join(import.meta.dirname, 'testdata', 'aws');

function filesOf(dir: string): Partial<Record<AwsFileName, string>> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir)) out[n] = readFileSync(join(dir, n), 'utf8');
  return out;
}

/** "i-web ipv4 tcp 8000-8200 from 0.0.0.0/0": one line per finding. */
function line(f: NetworkFinding): string {
  const r = f.openPortRange.begin === f.openPortRange.end ? `${f.openPortRange.begin}` : `${f.openPortRange.begin}-${f.openPortRange.end}`;
  return `${f.resourceId} ${f.addressFamily} ${f.protocol} ${r} from ${f.sources.join(',')}${f.sourcesExcept ? ` except ${f.sourcesExcept.join(',')}` : ''}${f.loadBalancer ? ` via ${f.loadBalancer.listenerPort}` : ''}`;
}

test('mixed topology: every finding, and only those (known answers)', () => {
  const r = analyzeAws(parseAwsInputs(filesOf(join(DATA, 'mixed'))));
  assert.deepEqual(r.findings.map(line), [
    // ALB 443 → tg-app 8080 → i-app1, whose group allows the ALB's group (SG-to-SG); i-app2's does not
    'i-app1 ipv4 tcp 8080 from 0.0.0.0/0 via 443',
    // NLB without security groups → ip target 10.0.3.50, allowed by the LB subnet's CIDR
    'i-db ipv4 tcp 5432 from 0.0.0.0/0 via 5432',
    // NACL: rule 50 denies 198.51.100.0/24, rule 90 denies tcp 22 before rule 100 allows all, rule 110 (deny 80) comes too late
    'i-deny ipv4 icmp 0-255 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 ip 0 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 ip 2-5 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 ip 7-16 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 ip 18-57 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 ip 59-255 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 tcp 0-21 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 tcp 23-65535 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-deny ipv4 udp 0-65535 from 0.0.0.0/0 except 198.51.100.0/24',
    'i-icmp ipv4 icmp 8 from 0.0.0.0/0',
    // no explicit association: the VPC's main route table has the internet route
    'i-main ipv4 tcp 22 from 0.0.0.0/0',
    'i-main ipv4 udp 53 from 0.0.0.0/0',
    // outbound NACL lets udp replies out to ephemeral ports but tcp only to 0-1023: tcp 22 is not reachable
    'i-stateless ipv4 udp 53 from 0.0.0.0/0',
    // IPv6 only (no public IPv4); the VPC's own /56 goes to the local route, not the internet
    'i-v6 ipv6 tcp 22 from ::/0 except 2600:1f18::/56',
    // port ranges merged across two groups; 22 only from the office CIDR
    'i-web ipv4 tcp 22 from 203.0.113.0/24',
    'i-web ipv4 tcp 80 from 0.0.0.0/0',
    'i-web ipv4 tcp 443 from 0.0.0.0/0',
    'i-web ipv4 tcp 8000-8200 from 0.0.0.0/0',
  ]);
  // i-nat (public IP, but its subnet routes 0.0.0.0/0 to a NAT gateway), i-stopped, i-app2 and the internal LB's target: nothing
  for (const id of ['i-nat', 'i-stopped', 'i-app2']) assert.ok(!r.findings.some((f) => f.resourceId === id), id);
  assert.ok(!r.findings.some((f) => f.resourceId === 'i-main' && f.loadBalancer), 'an internal load balancer is no path from the internet');
});

test('a finding names every hop with its type, and a key that depends on the path', () => {
  const r = analyzeAws(parseAwsInputs(filesOf(join(DATA, 'mixed'))));
  const web = r.findings.find((f) => f.resourceId === 'i-web' && f.openPortRange.begin === 8000)!;
  assert.deepEqual(web.networkPath.steps, [
    { componentId: 'igw-1', componentType: 'AWS::EC2::InternetGateway' },
    { componentId: 'rtb-pub', componentType: 'AWS::EC2::RouteTable' },
    { componentId: 'subnet-pub', componentType: 'AWS::EC2::Subnet' },
    { componentId: 'acl-open', componentType: 'AWS::EC2::NetworkAcl' },
    { componentId: 'sg-web', componentType: 'AWS::EC2::SecurityGroup' },
    { componentId: 'sg-web2', componentType: 'AWS::EC2::SecurityGroup' },
    { componentId: 'eni-web', componentType: 'AWS::EC2::NetworkInterface' },
    { componentId: 'i-web', componentType: 'AWS::EC2::Instance' },
  ]);
  assert.equal(web.destination, '54.0.0.10');
  assert.match(web.explanation, /^tcp 8000-8200 on i-web \(54\.0\.0\.10\) is reachable from 0\.0\.0\.0\/0: igw-1 → rtb-pub/);
  assert.match(web.key, /^[0-9a-f]{32}$/);
  const app = r.findings.find((f) => f.resourceId === 'i-app1')!;
  assert.deepEqual(app.networkPath.steps.map((s) => s.componentType), [
    'AWS::EC2::InternetGateway', 'AWS::EC2::RouteTable', 'AWS::EC2::Subnet', 'AWS::EC2::NetworkAcl', 'AWS::EC2::SecurityGroup',
    'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::TargetGroup',
    'AWS::EC2::Subnet', 'AWS::EC2::NetworkAcl', 'AWS::EC2::SecurityGroup', 'AWS::EC2::NetworkInterface', 'AWS::EC2::Instance',
  ]);
  assert.deepEqual(app.loadBalancer, { arn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-1/50dc6c495c0c9188', listenerPort: 443, listenerProtocol: 'HTTPS', targetHealth: 'healthy' });
  // same analysis twice: same keys (stable); another group on the path: another key (the old finding closes)
  const again = analyzeAws(parseAwsInputs(filesOf(join(DATA, 'mixed'))));
  assert.deepEqual(again.findings.map((f) => f.key), r.findings.map((f) => f.key));
  const files = filesOf(join(DATA, 'mixed'));
  const sgs = JSON.parse(files['describe-security-groups.json']!);
  const [sgWeb, sgWeb2] = ['sg-web', 'sg-web2'].map((id) => sgs.SecurityGroups.find((g: { GroupId: string }) => g.GroupId === id));
  // the same ports, now allowed by sg-web2 alone: same range, another path
  sgWeb2.IpPermissions.push(sgWeb.IpPermissions.pop());
  files['describe-security-groups.json'] = JSON.stringify(sgs);
  const changed = analyzeAws(parseAwsInputs(files)).findings.find((f) => f.resourceId === 'i-web' && f.openPortRange.begin === 8000)!;
  assert.deepEqual(changed.openPortRange, { begin: 8000, end: 8200 });
  assert.deepEqual(changed.networkPath.steps.filter((s) => s.componentType === 'AWS::EC2::SecurityGroup').map((s) => s.componentId), ['sg-web2']);
  assert.notEqual(changed.key, web.key);
});

test('the LB target must let the LB in: by its group or its subnet CIDR; the LB group must let traffic out', () => {
  const files = filesOf(join(DATA, 'mixed'));
  const sgs = JSON.parse(files['describe-security-groups.json']!);
  sgs.SecurityGroups.find((g: { GroupId: string }) => g.GroupId === 'sg-lb').IpPermissionsEgress = [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
  files['describe-security-groups.json'] = JSON.stringify(sgs);
  const r = analyzeAws(parseAwsInputs(files));
  assert.ok(!r.findings.some((f) => f.resourceId === 'i-app1'), 'the ALB cannot reach 8080 when its group only lets 443 out');
});

test('a missing file is no such components; a missing internet route or igw means no path', () => {
  const files = filesOf(join(DATA, 'mixed'));
  delete files['describe-route-tables.json'];
  const r = analyzeAws(parseAwsInputs(files));
  assert.equal(r.findings.length, 0);
  assert.ok(r.notes.some((n) => n.kind === 'incomplete-input' && n.input.includes('describe-route-tables.json')));
  const files2 = filesOf(join(DATA, 'mixed'));
  files2['describe-internet-gateways.json'] = JSON.stringify({ InternetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [] }] });
  assert.equal(analyzeAws(parseAwsInputs(files2)).findings.length, 0, 'a detached internet gateway carries nothing');
  const files4 = filesOf(join(DATA, 'mixed'));
  delete files4['describe-subnets.json'];
  const r4 = analyzeAws(parseAwsInputs(files4));
  assert.ok(r4.findings.some((f) => f.resourceId === 'i-main' && !f.loadBalancer), 'no subnets described: the main table is found by the ENI\'s VPC');
  const files3 = filesOf(join(DATA, 'mixed'));
  delete files3['describe-network-acls.json'];
  const r3 = analyzeAws(parseAwsInputs(files3));
  assert.ok(r3.findings.some((f) => f.resourceId === 'i-stateless' && f.protocol === 'tcp' && f.openPortRange.begin === 22), 'no NACLs: that layer filters nothing');
});

test('sad inputs: a clear error naming the file and the rule', async () => {
  await assert.rejects(analyzeDirectory(join(DATA, 'bad-acl')), (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_INVALID_INPUT' && e.input === 'describe-network-acls.json' && e.rule === 'aws-cli-shape' && /NetworkAcls\[0\]\.Entries\[0\]\.Protocol/.test(e.message));
  await assert.rejects(analyzeDirectory(join(DATA, 'not-json')), (e: unknown) => e instanceof VigilError && e.input === 'describe-instances.json' && e.rule === 'not-json');
  await assert.rejects(analyzeDirectory(join(DATA, 'nope')), (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_NOT_FOUND');
  await assert.rejects(analyzeDirectory(import.meta.dirname), (e: unknown) => e instanceof VigilError && e.rule === 'no-known-files');
  assert.throws(() => parseAwsInputs({ 'describe-security-groups.json': JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: '10.0.0.0/33' }] }] }] }), 'describe-instances.json': JSON.stringify({ Reservations: [] }) }) && analyzeAws(parseAwsInputs({ 'describe-security-groups.json': JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, IpRanges: [{ CidrIp: '10.0.0.0/33' }] }] }] }) })),
    (e: unknown) => e instanceof VigilError && e.rule === 'cidr' && /describe-security-groups\.json sg-1/.test(e.input ?? ''));
  assert.throws(() => parseAwsInputs({ 'elbv2-describe-target-health.json': JSON.stringify({ TargetHealthDescriptions: [] }) }), (e: unknown) => e instanceof VigilError && e.input === 'elbv2-describe-target-health.json');
});
