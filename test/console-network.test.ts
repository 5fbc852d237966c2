/**
 * The console's words for network reachability (web/src/components/network/labels.ts) against the
 * analysis they describe: the upload form's file names are the server's AWS_FILES, every component
 * type the analysis writes has a label, and a list row's `package.name` ("tcp/22") reads as the port.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AWS_FILES as SERVER_AWS_FILES } from '../src/detectors/network/index.ts';
import type { ComponentType } from '../src/detectors/network/finding.ts';
import { AWS_FILES, COMPONENT_LABELS, componentLabel, isNetworkVulnerabilityId, openText, portFromPackageName, shortComponentId } from '../web/src/components/network/labels.ts';

test('the upload form takes exactly the AWS CLI files the server reads', () => {
  assert.deepEqual(AWS_FILES.map((f) => f.name).sort(), Object.keys(SERVER_AWS_FILES).sort());
});

test('every component type of a path has a label', () => {
  // the keys must be every ComponentType (the type check fails on one missing or unknown)
  const types = {
    'AWS::EC2::InternetGateway': true, 'AWS::EC2::RouteTable': true, 'AWS::EC2::Subnet': true, 'AWS::EC2::NetworkAcl': true,
    'AWS::EC2::SecurityGroup': true, 'AWS::EC2::NetworkInterface': true, 'AWS::EC2::Instance': true,
    'AWS::ElasticLoadBalancingV2::LoadBalancer': true, 'AWS::ElasticLoadBalancingV2::Listener': true, 'AWS::ElasticLoadBalancingV2::TargetGroup': true,
    'Host::Firewall': true, 'Host::FirewallRule': true, 'Host::Socket': true, 'Host::Process': true,
  } satisfies Record<ComponentType, true>;
  for (const t of Object.keys(types)) assert.ok(COMPONENT_LABELS[t], `${t} has a label`);
  assert.equal(componentLabel('AWS::EC2::InternetGateway'), 'Internet gateway');
  assert.equal(componentLabel('Host::Socket'), 'Listening socket');
  // an unknown type still reads as words
  assert.equal(componentLabel('AWS::EC2::TransitGateway'), 'Transit gateway');
});

test('a list row\'s package.name reads as what is open', () => {
  assert.equal(portFromPackageName('tcp/22')?.text, 'TCP port 22 (SSH)');
  assert.equal(portFromPackageName('tcp/1024-65535')?.text, 'TCP ports 1024–65535');
  assert.equal(portFromPackageName('udp/0-65535')?.text, 'UDP, every port');
  assert.equal(portFromPackageName('icmp/8')?.text, 'ICMP type 8 (echo request)');
  assert.equal(portFromPackageName('icmpv6/0-255')?.text, 'ICMPv6, every type');
  assert.equal(portFromPackageName('ip/47')?.text, 'IP protocol 47');
  assert.equal(portFromPackageName('lodash'), null);
  assert.equal(portFromPackageName(''), null);
  assert.equal(portFromPackageName(undefined), null);
  assert.equal(openText('tcp', { begin: 8000, end: 8200 }), 'TCP ports 8000–8200');
});

test('ids: network vulnerability ids, load balancer ARNs shortened', () => {
  for (const id of ['NET-TCP-22', 'NET-TCP-1024-65535', 'NET-UDP-53', 'NET-ICMP-8', 'NET-IP-47']) assert.ok(isNetworkVulnerabilityId(id), id);
  for (const id of ['CVE-2024-1', 'GHSA-xxxx-yyyy-zzzz', 'NETWORK-1']) assert.ok(!isNetworkVulnerabilityId(id), id);
  assert.equal(shortComponentId('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-1/50dc6c495c0c9188'), 'alb-1');
  assert.equal(shortComponentId('arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb-1/73e2d6bc24d8a067'), 'nlb-1');
  assert.equal(shortComponentId('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-app/73e2d6bc24d8a067'), 'tg-app');
  assert.equal(shortComponentId('arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb-1/50dc6c495c0c9188/f2f7dc8efc522ab2'), 'alb-1/f2f7dc8e');
  assert.equal(shortComponentId('sg-1'), 'sg-1');
});
