/**
 * vigil-net-1 (src/findings/network.ts): the published weights are NETWORK_SCORE_WEIGHTS, the worked
 * examples of docs/scoring.md section 8 hold, port classes, vulnerability ids and titles.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { NetworkFinding } from '../detectors/network/index.ts';
import { NETWORK_SCORE_WEIGHTS, networkDesired, networkScore, networkTitle, networkVulnerabilityId, portClassOf } from './network.ts';

const finding = (protocol: NetworkFinding['protocol'], begin: number, end: number, sources = ['0.0.0.0/0'], steps: NetworkFinding['networkPath']['steps'] = [{ componentId: 'igw-1', componentType: 'AWS::EC2::InternetGateway' }]): NetworkFinding => ({
  type: 'NETWORK_REACHABILITY', key: `k-${protocol}-${begin}-${end}`, resourceId: 'i-1', resourceType: 'AWS::EC2::Instance', protocol, openPortRange: { begin, end },
  addressFamily: 'ipv4', sources, networkPath: { steps }, explanation: 'x',
});
const scoreOf = (f: NetworkFinding, listening?: boolean, processes?: string[]) =>
  networkScore({ ...portClassOf(f), allSources: f.sources.some((s) => s === '0.0.0.0/0' || s === '::/0'), ...(listening !== undefined ? { listening } : {}), ...(processes ? { processes } : {}) }, f);

test('docs/scoring.md publishes exactly NETWORK_SCORE_WEIGHTS', () => {
  const doc = readFileSync(new URL('../../docs/scoring.md', import.meta.url), 'utf8');
  const table = /<!-- network-weights:begin[^>]*-->([\s\S]*?)<!-- network-weights:end -->/.exec(doc);
  assert.ok(table);
  const published: Record<string, number> = {};
  for (const m of table[1].matchAll(/^\| `([A-Z_]+)` \| ([0-9.]+) \|/gm)) published[m[1]] = Number(m[2]);
  assert.deepEqual(published, { ...NETWORK_SCORE_WEIGHTS });
});

test('the worked examples of docs/scoring.md section 8', () => {
  const steps = (s: ReturnType<typeof scoreOf>) => s.adjustments.map((a) => [a.metric, a.from, a.to]);
  const ssh = scoreOf(finding('tcp', 22, 22, ['203.0.113.0/24']), true, ['sshd']);
  assert.deepEqual(steps(ssh), [['exposure', null, 7.5], ['sources', 7.5, 5.5], ['listener', 5.5, 6]]);
  assert.deepEqual([ssh.score, ssh.severity, ssh.basis, ssh.formula, ssh.base], [6, 'MEDIUM', 'network', 'vigil-net-1', null]);
  assert.match(ssh.adjustments[2].reason, /sshd listens there/);
  assert.deepEqual([scoreOf(finding('tcp', 6379, 6379)).score, scoreOf(finding('tcp', 6379, 6379)).severity], [7.5, 'HIGH']);
  assert.deepEqual([scoreOf(finding('tcp', 0, 65535)).score, scoreOf(finding('tcp', 0, 65535)).severity], [8.6, 'HIGH']);
  const https = scoreOf(finding('tcp', 443, 443), false);
  assert.deepEqual([https.score, https.severity, steps(https)], [0.1, 'LOW', [['exposure', null, 3.1], ['listener', 3.1, 0.1]]]);
  assert.deepEqual([scoreOf(finding('tcp', 8000, 8200)).score, scoreOf(finding('tcp', 8000, 8200)).severity], [5.3, 'MEDIUM']);
  assert.deepEqual([scoreOf(finding('icmp', 8, 8)).score, scoreOf(finding('icmp', 8, 8)).severity], [2, 'LOW']);
});

test('port classes: wide, admin, web only, other; ip protocols are wide', () => {
  assert.equal(portClassOf(finding('tcp', 1000, 2001)).portClass, 'wide');
  assert.equal(portClassOf(finding('tcp', 1000, 1999)).portClass, 'admin', '1433 and 1521 are in it');
  assert.deepEqual(portClassOf(finding('tcp', 3306, 3306)), { portClass: 'admin', ports: [3306] });
  assert.deepEqual(portClassOf(finding('tcp', 80, 80)), { portClass: 'web', ports: [80] });
  assert.equal(portClassOf(finding('tcp', 80, 81)).portClass, 'other', 'a web port and another');
  assert.equal(portClassOf(finding('ip', 47, 47)).portClass, 'wide');
  assert.equal(portClassOf(finding('udp', 53, 53)).portClass, 'other');
});

test('ids and titles: NET-<PROTO>-<range>; Inspector-like titles through the gateway, the load balancer, or the host firewall', () => {
  assert.equal(networkVulnerabilityId(finding('tcp', 22, 22)), 'NET-TCP-22');
  assert.equal(networkVulnerabilityId(finding('tcp', 1024, 65535)), 'NET-TCP-1024-65535');
  assert.equal(networkVulnerabilityId(finding('icmpv6', 128, 128)), 'NET-ICMPV6-128');
  assert.equal(networkTitle({ finding: finding('tcp', 22, 22), source: 'aws' }), 'Port 22 (SSH) is reachable from the internet (IPv4) through internet gateway igw-1 - TCP');
  assert.equal(networkTitle({ finding: finding('tcp', 0, 65535), source: 'aws' }), 'Every port is reachable from the internet (IPv4) through internet gateway igw-1 - TCP');
  const lb = finding('tcp', 8080, 8080, ['0.0.0.0/0'], [{ componentId: 'igw-1', componentType: 'AWS::EC2::InternetGateway' }, { componentId: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188', componentType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' }]);
  assert.equal(networkTitle({ finding: lb, source: 'aws+host', hostListeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 8080, process: 'java' }] }), 'Port 8080 (HTTP alternate) is reachable from the internet (IPv4) through load balancer web; java listens - TCP');
  assert.equal(networkTitle({ finding: finding('tcp', 6379, 6379), source: 'host', hostListeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 6379, process: 'redis-server' }] }), 'Port 6379 (Redis) is open to the internet (IPv4) in the host firewall and redis-server listens there - TCP');
});

test('a desired finding: keyed by the path, the same path twice is one key; listeners and score in details', () => {
  const f = finding('tcp', 22, 22);
  const a = networkDesired('acct', 'res', { finding: f, source: 'aws+host', topology: 'prod', instanceId: 'i-1', hostListeners: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }] });
  const b = networkDesired('acct', 'res', { finding: f, source: 'aws+host', topology: 'prod', instanceId: 'i-1', hostListeners: [] });
  assert.equal(a.key, b.key, 'what listens is the finding\'s state, not its identity');
  assert.notEqual(a.state_hash, b.state_hash);
  assert.deepEqual([a.type, a.vulnerability_id, a.package_name, a.package_location, a.severity, a.score], ['network_reachability', 'NET-TCP-22', 'tcp/22', f.key, 'HIGH', 8]);
  assert.deepEqual([b.severity, b.score], ['MEDIUM', 4.5]);
  const d = JSON.parse(a.details);
  assert.deepEqual([d.networkReachability.source, d.networkReachability.topology, d.networkReachability.listeners[0].process], ['aws+host', 'prod', 'sshd']);
  assert.match(d.networkReachability.explanation, /on the host: sshd on 0\.0\.0\.0:22/);
  const other = networkDesired('acct', 'res', { finding: { ...f, key: 'another-path' }, source: 'aws' });
  assert.notEqual(other.key, a.key, 'another path is another finding');
});
