/**
 * Issue 16, NETWORK_REACHABILITY findings in the server, on SQLite and PostgreSQL: the hand-written
 * AWS topology of src/detectors/network/testdata/aws/mixed uploaded through PUT /v1/network/topologies/{name}
 * (analysed in the isolated scan process), its paths mapped to hosts by their collected instance id
 * or an instance-id tag (others get a host of their own, UNMANAGED_EC2_INSTANCE), each host's
 * sockets telling what listens, the findings' lifecycle as the topology changes, the reachability
 * re-scoring the hosts' package findings, and bad uploads refused with the file and rule named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { applyHostNetwork } from '../engine/network.ts';
import { mergeAttributes } from '../engine/scan.ts';
import { buildScanResult, loadAdvisoryContext, recordScan, rematchAll } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { matchInventory } from '../matching/index.ts';
import type { Package } from '../model/index.ts';
import { importInputs } from '../vulndb/import.ts';
import { packageLookup } from '../vulndb/query.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';

const MIXED = join(import.meta.dirname, '..', 'detectors', 'network', 'testdata', 'aws', 'mixed');
const V98 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const NOW = new Date('2025-03-01T00:00:00Z');

function mixedFiles(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of readdirSync(MIXED)) out[n] = JSON.parse(readFileSync(join(MIXED, n), 'utf8'));
  return out;
}

type F = { id: string; type: string; status: string; severity: string; score: number | null; title: string; vulnerabilityId: string; resource: { id: string; name: string }; package: { name: string } };

for (const [dialect, make] of dialects) {
  describe(`network reachability findings in the server (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let key: string;
    let accountId: string;
    let dir: string;
    const hosts: Record<string, string> = {};
    const packages: Package[] = [{ ecosystem: 'PyPI', name: 'alpha', version: '1.0', locations: ['/app/requirements.txt'] }];

    before(async () => {
      ts = await make();
      dir = mkdtempSync(join(tmpdir(), 'vigil-network-api-'));
      writeFileSync(join(dir, 'PYSEC-2025-1.json'), JSON.stringify({
        schema_version: '1.6.0', id: 'PYSEC-2025-1', modified: '2025-01-01T00:00:00Z', aliases: ['CVE-2025-1001'], summary: 'remote code execution in alpha',
        severity: [{ type: 'CVSS_V3', score: V98 }],
        affected: [{ package: { ecosystem: 'PyPI', name: 'alpha' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
      }));
      await importInputs([dir], { store: ts.store, log: silentLogger() });
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
      const result = buildScanResult({ target: { kind: 'dir', ref: 'host' }, packages, errors: [], report, ctx, createdAt: NOW.toISOString(), version: 'test' });
      const b = (await bootstrap(ts.store, { organizationName: 'org' }))!;
      key = b.key;
      accountId = b.delegatedAdmin.id;
      // web-1 says it is i-web (collected) and what listens; app-2 is i-app2 by its tag and sent no sockets
      for (const [name, tags] of [['web-1', []], ['app-2', ['instance-id=i-app2']]] as const) {
        const s = await recordScan(ts.store, { accountId, resource: { type: 'host', name, tags: [...tags] }, result, now: NOW });
        hosts[name] = s.resourceId;
      }
      await mergeAttributes(ts.store, hosts['web-1'], {
        instanceId: 'i-web', collectedBy: 'ssh',
        listening: [
          { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd', pid: 810 },
          { protocol: 'tcp6', address: '::', port: 80, process: 'nginx', pid: 901 },
          { protocol: 'tcp', address: '127.0.0.1', port: 5432, process: 'postgres' },
        ],
      });
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });
    const call = async (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
      const r = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: r.statusCode, body: r.body ? r.json() : null };
    };
    const networkFindings = async (extra = '') => (await call('GET', `/v1/findings?type=network_reachability&limit=500${extra}`)).body.items as F[];
    const packageFinding = async (host: string) => {
      const list = (await call('GET', `/v1/findings?type=vulnerability&resourceId=${hosts[host]}`)).body.items as F[];
      assert.equal(list.length, 1);
      return (await call('GET', `/v1/findings/${list[0].id}`)).body as F & { details: { scoring: { adjustments: { metric: string; reason: string; from: number; to: number }[] } } };
    };

    test('PUT a topology: analysed, counted, findings on the mapped hosts and on a host of its own per unmapped instance', async () => {
      const r = await call('PUT', '/v1/network/topologies/mixed', { files: mixedFiles() });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'ANALYZED');
      assert.equal(r.body.counts.instances, 11);
      assert.equal(r.body.counts.findings, 20, 'the 20 paths of the known answers (src/detectors/network/aws.test.ts)');
      assert.equal(r.body.counts.reachableInstances, 8);
      assert.equal(r.body.counts.mappedResources, 2, 'web-1 (instance id) and app-2 (tag)');
      assert.equal(r.body.counts.unmappedInstances, 9);
      assert.ok(r.body.notes.length >= 0);
      assert.deepEqual((await call('GET', '/v1/network/topologies')).body.items.map((t: { name: string }) => t.name), ['mixed']);

      const all = await networkFindings();
      assert.equal(all.length, 20);
      const web = all.filter((f) => f.resource.id === hosts['web-1']).sort((a, b) => a.vulnerabilityId.localeCompare(b.vulnerabilityId));
      assert.deepEqual(web.map((f) => [f.vulnerabilityId, f.score, f.severity]), [
        // 8000-8200: no admin port, not only web ports → other 5.3; nothing listens there → -3.0
        ['NET-TCP-22', 6, 'MEDIUM'], // admin 7.5, only from 203.0.113.0/24 -2.0, sshd listens +0.5
        ['NET-TCP-443', 0.1, 'LOW'], // web 3.1, nothing listens -3.0
        ['NET-TCP-80', 3.6, 'LOW'], // web 3.1, nginx listens (on :: — IPv4 too) +0.5
        ['NET-TCP-8000-8200', 2.3, 'LOW'],
      ]);
      assert.match(web.find((f) => f.vulnerabilityId === 'NET-TCP-22')!.title, /^Port 22 \(SSH\) is reachable from the internet \(IPv4\) through internet gateway igw-\S+; sshd listens - TCP$/);
      const one = (await call('GET', `/v1/findings/${web.find((f) => f.vulnerabilityId === 'NET-TCP-22')!.id}`)).body;
      assert.ok(one.details, JSON.stringify(one).slice(0, 2000));
      const nr = one.details.networkReachability;
      assert.equal(nr.source, 'aws+host');
      assert.equal(nr.topology, 'mixed');
      assert.equal(nr.instanceId, 'i-web');
      assert.deepEqual(nr.openPortRange, { begin: 22, end: 22 });
      assert.deepEqual(nr.sources, ['203.0.113.0/24']);
      assert.deepEqual(nr.networkPath.steps.map((s: { componentType: string }) => s.componentType).filter((t: string, i: number, a: string[]) => a.indexOf(t) === i),
        ['AWS::EC2::InternetGateway', 'AWS::EC2::RouteTable', 'AWS::EC2::Subnet', 'AWS::EC2::NetworkAcl', 'AWS::EC2::SecurityGroup', 'AWS::EC2::NetworkInterface', 'AWS::EC2::Instance']);
      assert.deepEqual(nr.listeners.map((l: { process: string }) => l.process), ['sshd']);
      assert.deepEqual(one.details.scoring.adjustments.map((a: { metric: string; to: number }) => [a.metric, a.to]), [['exposure', 7.5], ['sources', 5.5], ['listener', 6]]);
      assert.equal(one.details.scoring.formula, 'vigil-net-1');

      // the unmapped instances: hosts of their own, not covered
      const res = (await call('GET', '/v1/resources?type=host&limit=100')).body.items as { name: string; coverage: { status: string; reason: string } }[];
      const unmanaged = res.filter((x) => x.coverage.reason === 'UNMANAGED_EC2_INSTANCE').map((x) => x.name).sort();
      assert.deepEqual(unmanaged, ['i-app1', 'i-db', 'i-deny', 'i-icmp', 'i-main', 'i-nat', 'i-stateless', 'i-stopped', 'i-v6']);
      assert.ok(res.filter((x) => x.coverage.reason === 'UNMANAGED_EC2_INSTANCE').every((x) => x.coverage.status === 'INACTIVE'));
      assert.ok(!unmanaged.includes('i-web') && !unmanaged.includes('i-app2'), 'mapped instances get no host of their own');
      // nothing to read an unmanaged instance's inventory from: a scan is refused, not queued to fail
      const unmanagedId = (res as unknown as { id: string; coverage: { reason: string } }[]).find((x) => x.coverage.reason === 'UNMANAGED_EC2_INSTANCE')!.id;
      const scan = await app.inject({ method: 'POST', url: `/v1/resources/${unmanagedId}/scan`, headers: { authorization: `Bearer ${key}` } });
      assert.equal(scan.statusCode, 409, scan.body);
      assert.match(scan.json().error.message, /known only from a network topology: register it as a host/);
      const lb = all.find((f) => f.vulnerabilityId === 'NET-TCP-8080')!;
      assert.match(lb.title, /through load balancer /);
    });

    test('reachability reaches the hosts\' package findings: reachable confirms AV:N, unreachable lowers it (MAV:A)', async () => {
      const web = await packageFinding('web-1');
      const rw = web.details.scoring.adjustments.find((a) => a.metric === 'reachability')!;
      assert.match(rw.reason, /reachable from the internet \(aws:mixed\+host\)/);
      assert.equal(web.score, 9.8);
      const app2 = await packageFinding('app-2');
      const ra = app2.details.scoring.adjustments.find((a) => a.metric === 'reachability')!;
      assert.match(ra.reason, /not reachable from the internet \(aws:mixed\)/);
      assert.ok(app2.score! < 9.8, `lowered: ${app2.score}`);
    });

    test('scans and rematches leave network findings alone', async () => {
      const before = (await networkFindings()).map((f) => f.id).sort();
      await rematchAll(ts.store, new Date(NOW.getTime() + 1000));
      const report = await matchInventory(packages, packageLookup(ts.store), {});
      const ctx = await loadAdvisoryContext(ts.store, report.packages.flatMap((p) => p.matches.map((m) => m.id)));
      const result = buildScanResult({ target: { kind: 'dir', ref: 'host' }, packages, errors: [], report, ctx, createdAt: NOW.toISOString(), version: 'test' });
      await recordScan(ts.store, { accountId, resource: { type: 'host', name: 'web-1' }, result, now: new Date(NOW.getTime() + 2000) });
      assert.deepEqual((await networkFindings()).map((f) => f.id).sort(), before);
    });

    test('the topology changes: a path gone closes its finding, the others stay as they were', async () => {
      const files = mixedFiles() as { 'describe-security-groups.json': { SecurityGroups: { GroupId: string; IpPermissions: { FromPort?: number }[] }[] } };
      const sg = files['describe-security-groups.json'].SecurityGroups.find((g) => g.GroupId === 'sg-web')!;
      sg.IpPermissions = sg.IpPermissions.filter((p) => p.FromPort !== 80);
      const ids = new Map((await networkFindings()).map((f) => [f.vulnerabilityId + f.resource.id, f.id]));
      const r = await call('PUT', '/v1/network/topologies/mixed', { files });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.counts.findings, 19);
      const now = await networkFindings();
      assert.equal(now.length, 19);
      assert.ok(!now.some((f) => f.resource.id === hosts['web-1'] && f.vulnerabilityId === 'NET-TCP-80'));
      for (const f of now) assert.equal(f.id, ids.get(f.vulnerabilityId + f.resource.id), 'unchanged paths keep their findings');
      const closed = (await call('GET', `/v1/findings?type=network_reachability&status=CLOSED&resourceId=${hosts['web-1']}`)).body.items as F[];
      assert.deepEqual(closed.map((f) => f.vulnerabilityId), ['NET-TCP-80']);
      const events = (await call('GET', `/v1/events?resourceId=${hosts['web-1']}&type=finding.closed&limit=100`));
      if (events.status === 200) assert.ok(events.body.items.some((e: { payload: { findingId: string } }) => e.payload.findingId === closed[0].id));
    });

    test('bad uploads: 400 naming the file and the rule; the analysis in force stays', async () => {
      const before = (await networkFindings()).length;
      const bad = await call('PUT', '/v1/network/topologies/mixed', { files: { 'describe-network-acls.json': { NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [{ Protocol: 6 }] }] } } });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.match(bad.body.error.message, /describe-network-acls\.json/);
      const t = (await call('GET', '/v1/network/topologies/mixed')).body;
      assert.equal(t.status, 'FAILED');
      assert.equal(t.error.input, 'describe-network-acls.json');
      assert.equal(t.error.rule, 'aws-cli-shape');
      assert.equal((await networkFindings()).length, before, 'nothing closed');
      const unknown = await call('PUT', '/v1/network/topologies/other', { files: { 'describe-vpcs.json': {} } });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /describe-vpcs\.json: not one of the AWS CLI files/);
      const notJson = await call('PUT', '/v1/network/topologies/third', { files: { 'describe-instances.json': '{"Reservations": [' } });
      assert.equal(notJson.status, 400);
      assert.match(notJson.body.error.message, /describe-instances\.json: not JSON/);
      assert.equal((await call('PUT', '/v1/network/topologies/bad%20name', { files: {} })).status, 400);
      // the good analysis is still there: uploading it again makes it ANALYZED
      assert.equal((await call('PUT', '/v1/network/topologies/mixed', { files: mixedFiles() })).body.status, 'ANALYZED');
      for (const n of ['other', 'third']) assert.equal((await call('DELETE', `/v1/network/topologies/${n}`)).status, 204);
    });

    test('a host with no topology: the host firewall and its sockets alone (source host)', async () => {
      const s = await recordScan(ts.store, { accountId, resource: { type: 'host', name: 'lonely' }, result: buildScanResult({ target: { kind: 'dir', ref: 'x' }, packages: [], errors: [], report: { packages: [], unknown: [] } as never, ctx: await loadAdvisoryContext(ts.store, []), createdAt: NOW.toISOString(), version: 'test' }), now: NOW });
      await mergeAttributes(ts.store, s.resourceId, {
        listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 6379, process: 'redis-server' }, { protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }],
        firewall: { iptables: '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 6379 -j ACCEPT\nCOMMIT\n', collectedAt: NOW.toISOString() },
      });
      await applyHostNetwork({ store: ts.store, now: () => NOW }, s.resourceId);
      const mine = await networkFindings(`&resourceId=${s.resourceId}`);
      assert.deepEqual(mine.map((f) => [f.vulnerabilityId, f.severity]), [['NET-TCP-6379', 'HIGH']]);
      assert.match(mine[0].title, /^Port 6379 \(Redis\) is open to the internet \(IPv4\) in the host firewall and redis-server listens there - TCP$/);
      // a host sending garbage firewall text: recorded, no crash, no findings from it
      await mergeAttributes(ts.store, s.resourceId, { firewall: { nft: '{"nftables": 5}', collectedAt: NOW.toISOString() } });
      await applyHostNetwork({ store: ts.store, now: () => NOW }, s.resourceId);
      const r = (await call('GET', `/v1/resources/${s.resourceId}`)).body;
      assert.equal(r.id, s.resourceId);
      assert.equal((await networkFindings(`&resourceId=${s.resourceId}`)).length, 0);
    });

    test('DELETE the topology: every path of it closes; 404 after', async () => {
      assert.equal((await call('DELETE', '/v1/network/topologies/mixed')).status, 204);
      assert.equal((await call('GET', '/v1/network/topologies/mixed')).status, 404);
      assert.equal((await call('DELETE', '/v1/network/topologies/mixed')).status, 404);
      // what stays open: web-1's own sockets, by the host analysis alone (it sent no firewall: unfiltered)
      const open = (await networkFindings()).filter((f) => f.resource.name !== 'lonely');
      assert.deepEqual(open.map((f) => [f.resource.name, f.vulnerabilityId]).sort(), [['web-1', 'NET-TCP-22'], ['web-1', 'NET-TCP-80'], ['web-1', 'NET-TCP-80']]);
      for (const f of open) assert.equal((await call('GET', `/v1/findings/${f.id}`)).body.details.networkReachability.source, 'host');
      const app2 = await packageFinding('app-2');
      assert.ok(!app2.details.scoring.adjustments.some((a) => a.metric === 'reachability'), 'no topology: no reachability signal');
    });
  });
}
