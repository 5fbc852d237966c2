/**
 * The integration formatters (src/integrations/formats) on real API answers: findings of every type
 * recorded through the real lifecycle (a package scan with a CVE, a GHSA-only advisory and a
 * malicious package, a secret, a code flaw, a network path on a host; one finding closed by a second
 * scan), read back with GET /v1/findings/{id} and GET /v1/events, then formatted and validated as
 * formats.test.ts does. Also checks, at compile time, that the API's own types satisfy the
 * formatters' input types (integrations may not import the server, so they define their own).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { z } from 'zod';
import { scanResultOf, type PkgSpec, type VulnSpec } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { recordScan } from '../findings/index.ts';
import { applyNetworkFindings } from '../findings/network.ts';
import {
  toAsff, toJiraClose, toJiraComment, toJiraIssue, toOcsf, toOcsfEvent, toSlackMessage, toTeamsMessage, type EventView, type FindingView,
} from '../integrations/formats/index.ts';
import { createSchemaValidators, describeSchemaErrors } from '../integrations/schemas/index.ts';
import { silentLogger } from '../log.ts';
import type { CodeFinding, ScanResult, SecretFinding } from '../model/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Events, Finding } from './schemas.ts';

// compile-time: what GET /v1/findings/{id} and GET /v1/events answer is what the formatters take
type ApiFinding = z.output<typeof Finding>;
type ApiEvent = z.output<typeof Events>['items'][number];
const _findingFits = (f: ApiFinding): FindingView => f;
const _eventFits = (e: ApiEvent): EventView => e;
void _findingFits;
void _eventFits;

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const PKGS: PkgSpec[] = [
  { ecosystem: 'npm', name: 'lodash', version: '4.17.20', location: '/app/package-lock.json', layer: 'sha256:l1' },
  { ecosystem: 'npm', name: 'minimist', version: '1.2.0', location: '/app/package-lock.json' },
  { ecosystem: 'npm', name: 'flatmap-stream', version: '0.1.1', location: '/app/package-lock.json' },
];
const VULNS: VulnSpec[] = [
  { pkg: 0, id: 'GHSA-35jh-r3h4-6jhm', vulnerability: 'CVE-2021-23337', aliases: ['CVE-2021-23337'], severity: 'HIGH', score: 7.2, fixed: '4.17.21' },
  { pkg: 1, id: 'GHSA-vh95-rmgr-6w4m', severity: 'MEDIUM', score: 5.6, fixed: '1.2.3' },
  { pkg: 2, id: 'MAL-2022-1', severity: 'CRITICAL', malicious: true },
];
const SECRET: SecretFinding = {
  type: 'secret', rule: 'aws-access-key-id', provider: 'AWS', title: 'AWS access key ID', severity: 'CRITICAL',
  location: { path: 'config/deploy.env', line: 3, column: 19, endLine: 3, endColumn: 39 },
  secret: { prefix: 'AKIAQWER', hash: '1f2b5c0e9a1d3b7c6f0e2a4d8b9c1e3f5a7b9d0c2e4f6a8b0c1d2e3f4a5b6c7d', length: 20 },
  snippet: 'AWS_ACCESS_KEY_ID=AKIAQWER************', confidence: 'format',
};
const CODE: CodeFinding = {
  type: 'code', rule: 'python/command-injection', language: 'python', cwe: ['CWE-78'], title: 'OS command built from request data (command injection)', severity: 'HIGH',
  location: { path: 'app/views.py', line: 42, column: 5 }, snippet: 'os.system("ping -c 1 " + host)',
  trace: [{ kind: 'source', location: { path: 'app/views.py', line: 40, column: 12 }, label: "request.args['host'] (Flask request)" }, { kind: 'sink', location: { path: 'app/views.py', line: 42, column: 5 }, label: 'os.system(...)' }],
  remediation: 'Pass the arguments as a list to subprocess.run without a shell.', source: 'remote',
};

for (const [dialect, make] of dialects) {
  describe(`formatters on API answers (${dialect})`, () => {
    let ts: TestStore;
    let app: VigilServer;
    let key: string;
    const validators = createSchemaValidators();
    const ctx = { vigilVersion: '0.1.0', consoleUrl: 'https://vigil.example.com' };

    const get = async <T>(url: string): Promise<T> => {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as T;
    };

    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store, { organizationName: 'org' }))!;
      key = b.key;
      const accountId = b.delegatedAdmin.id;
      const image = { type: 'image' as const, name: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web', digest: 'sha256:d1', tags: ['1.4.2'] };
      const withCode = (r: ScanResult): ScanResult => ({ ...r, secrets: [SECRET], code: [CODE] });
      await recordScan(ts.store, { accountId, resource: image, result: withCode(scanResultOf(PKGS, VULNS)), now: at(0) });
      // the second scan: minimist is gone (its finding closes), lodash's advisory got worse (finding.updated)
      await recordScan(ts.store, { accountId, resource: image, result: withCode(scanResultOf(PKGS, [{ ...VULNS[0], severity: 'CRITICAL', score: 9.1 }, VULNS[2]])), now: at(1) });
      const host = await recordScan(ts.store, { accountId, resource: { type: 'host', name: 'i-0abc1234def567890' }, result: scanResultOf([], []), now: at(2) });
      await applyNetworkFindings(ts.store.db, ts.store.dialect, { id: host.resourceId, account_id: accountId, type: 'host', name: 'i-0abc1234def567890', tags: [] }, [{
        finding: {
          type: 'NETWORK_REACHABILITY', key: 'k-tcp-22', resourceId: 'i-0abc1234def567890', resourceType: 'AWS::EC2::Instance', protocol: 'tcp', openPortRange: { begin: 22, end: 22 },
          addressFamily: 'ipv4', sources: ['0.0.0.0/0'], explanation: 'sg-1 allows tcp 22 from 0.0.0.0/0',
          networkPath: { steps: [{ componentId: 'igw-1', componentType: 'AWS::EC2::InternetGateway' }, { componentId: 'sg-1', componentType: 'AWS::EC2::SecurityGroup' }, { componentId: 'i-0abc1234def567890', componentType: 'AWS::EC2::Instance' }] },
        },
        source: 'aws', topology: 'prod', instanceId: 'i-0abc1234def567890',
      }], at(3));
      app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false } });
    });
    after(async () => {
      await app?.close();
      await ts?.cleanup();
    });

    test('every finding and every finding event of the API goes through every formatter and validates', async () => {
      const list = await get<{ items: { id: string }[] }>('/v1/findings?status=ACTIVE,SUPPRESSED,CLOSED&limit=500');
      const findings = new Map<string, FindingView>();
      for (const { id } of list.items) findings.set(id, await get<FindingView>(`/v1/findings/${id}`));
      const types = [...findings.values()].map((f) => f.type).sort();
      assert.deepEqual(types, ['code_vulnerability', 'malicious', 'network_reachability', 'secret', 'vulnerability', 'vulnerability']);
      assert.ok([...findings.values()].some((f) => f.status === 'CLOSED'), 'minimist closed');

      const ocsf = validators.ocsfVulnerabilityFinding();
      const asff = validators.asffFinding();
      const card = validators.adaptiveCard();
      const ok = (what: string, v: typeof ocsf, doc: unknown) => assert.ok(v(doc), `${what}: ${describeSchemaErrors(v.errors, 10)}`);
      const aws = { ...ctx, aws: { region: 'eu-west-1', accountId: '123456789012' } };
      const jira = { ...ctx, jira: { projectKey: 'SEC' } };
      for (const f of findings.values()) {
        ok(`${f.type} OCSF`, ocsf, toOcsf(f, ctx));
        ok(`${f.type} ASFF`, asff, toAsff(f, aws));
        assert.ok(toJiraIssue(f, jira).fields.labels.includes(`vigil-${f.id}`));
      }
      const network = [...findings.values()].find((f) => f.type === 'network_reachability')!;
      assert.equal((toAsff(network, aws).Resources as { Type: string }[])[0].Type, 'AwsEc2Instance');
      const image = [...findings.values()].find((f) => f.type === 'vulnerability' && f.status === 'ACTIVE')!;
      assert.equal((toAsff(image, aws).Resources as { Type: string }[])[0].Type, 'Other', 'an image the API knows by name and a made-up digest is not claimed as ECR without a sha256 digest');

      const events = await get<{ items: EventView[] }>('/v1/events?limit=500');
      const seen = new Set<string>();
      for (const e of events.items) {
        if (!e.type.startsWith('finding.')) continue;
        const f = findings.get(e.payload.findingId as string);
        assert.ok(f, `event ${e.id} names a finding the API has`);
        seen.add(e.type);
        const o = toOcsfEvent(e, f, ctx);
        ok(`${e.type} OCSF`, ocsf, o);
        assert.equal(o.activity_id, { 'finding.created': 1, 'finding.updated': 2, 'finding.closed': 3 }[e.type]);
        const teams = toTeamsMessage(e, f, ctx) as { attachments: { content: unknown }[] };
        ok(`${e.type} Teams`, card, teams.attachments[0].content);
        const slack = toSlackMessage(e, f, ctx);
        assert.ok(slack.blocks.length <= 50 && slack.text.includes(f.vulnerabilityId));
        if (e.type === 'finding.updated') assert.match(toJiraComment(e, f, jira).body, /severity: HIGH → CRITICAL|changed|reopened/);
        if (e.type === 'finding.closed') assert.equal(toJiraClose(e, f, jira).label, `vigil-${f.id}`);
      }
      assert.deepEqual([...seen].sort(), ['finding.closed', 'finding.created', 'finding.updated']);
    });
  });
}
