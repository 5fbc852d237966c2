/**
 * The formatters on one finding of each type (testdata/findings.json, the API's shape): OCSF and
 * ASFF validate against the schemas derived from their published models, Teams cards against the
 * official Adaptive Card 1.4 schema, Slack messages against Block Kit's documented limits and Jira
 * bodies against the documented v2 shapes and limits. Each validator is shown to accept the
 * published sample (OCSF, ASFF) and to reject a broken output, so a pass means something.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { VigilError } from '../../model/index.ts';
import { createSchemaValidators, describeSchemaErrors } from '../schemas/index.ts';
import { checkGolden } from '../testutil.ts';
import {
  ASFF_LIMITS, JIRA_LIMITS, SLACK_LIMITS, jiraLabel, jiraSearchJql, toAsff, toJiraClose, toJiraComment, toJiraIssue, toOcsf, toOcsfEvent,
  toSlackMessage, toTeamsMessage, type AsffContext, type EventView, type FindingView, type JiraContext,
} from './index.ts';

const here = new URL('./', import.meta.url);
const data = (name: string) => JSON.parse(readFileSync(new URL(`testdata/${name}`, here), 'utf8'));
const F = data('findings.json') as Record<'package' | 'ghsa' | 'malicious' | 'secret' | 'code' | 'network', FindingView>;
const ALL = Object.entries(F).filter(([k]) => !k.startsWith('_')) as [string, FindingView][];
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

const ctx = { vigilVersion: '0.1.0', consoleUrl: 'https://vigil.example.com/' };
const aws: AsffContext = { ...ctx, aws: { region: 'eu-west-1', accountId: '123456789012' } };
const jira: JiraContext = { ...ctx, jira: { projectKey: 'SEC', labels: ['security'] } };
const validators = createSchemaValidators();

function valid(name: string, v: ReturnType<typeof validators.ocsfVulnerabilityFinding>, doc: unknown): void {
  assert.ok(v(doc), `${name}: ${describeSchemaErrors(v.errors, 10)}`);
}
function invalid(name: string, v: ReturnType<typeof validators.ocsfVulnerabilityFinding>, doc: unknown, what: RegExp): void {
  assert.equal(v(doc), false, `${name} should be rejected`);
  assert.match(describeSchemaErrors(v.errors, 20), what, name);
}

/** The paths of `doc` where it uses an attribute the OCSF schema marks deprecated. */
function deprecatedPaths(doc: unknown): string[] {
  const schema = JSON.parse(readFileSync(new URL('../schemas/ocsf-1.8.0-vulnerability_finding.schema.json', here), 'utf8'));
  const out: string[] = [];
  const walk = (s: any, v: unknown, path: string): void => {
    if (!s) return;
    if (s.deprecated) out.push(path);
    while (s?.$ref) s = schema.$defs[s.$ref.replace('#/$defs/', '')];
    if (Array.isArray(v)) {
      if (s?.items) v.forEach((x, i) => walk(s.items, x, `${path}/${i}`));
    } else if (v && typeof v === 'object' && s?.properties) {
      for (const [k, x] of Object.entries(v)) walk(s.properties[k], x, `${path}/${k}`);
    }
  };
  walk(schema, doc, '');
  return out;
}

let nextEvent = 1;
function eventOf(type: string, f: FindingView, payload: Record<string, unknown> = {}): EventView {
  return { id: nextEvent++, type, accountId: f.accountId, resourceId: f.resource.id, payload: { findingId: f.id, ...payload }, createdAt: '2025-03-06T12:00:00.000Z' };
}
const EVENTS = (f: FindingView): EventView[] => [
  eventOf('finding.created', f, { status: f.status, severity: f.severity, vulnerabilityId: f.vulnerabilityId }),
  eventOf('finding.updated', f, { changes: { severity: { from: 'MEDIUM', to: f.severity }, fixed_version: { from: null, to: f.fixedVersion } } }),
  eventOf('finding.updated', f, { change: 'reopened', status: f.status }),
  eventOf('finding.closed', f, { vulnerabilityId: f.vulnerabilityId }),
];

describe('OCSF 1.8.0 Vulnerability Finding', () => {
  const v = validators.ocsfVulnerabilityFinding();

  test('the validator accepts the OCSF project\'s own Inspector sample and rejects broken documents', () => {
    const sample = data('ocsf-examples-inspector-1.1.0.ocsf.json');
    valid('ocsf/examples inspector.ocsf', v, sample);
    assert.deepEqual(deprecatedPaths(sample), ['/resource'], 'the 1.1.0 sample uses resource, deprecated since 1.3.0');
    invalid('severity_id 7', v, { ...sample, severity_id: 7 }, /severity_id: must be equal to one of the allowed values/);
    invalid('an attribute OCSF does not define', v, { ...sample, vigil: 1 }, /must NOT have additional properties/);
    const both = clone(sample);
    both.vulnerabilities[0].cwe = { uid: 'CWE-79' };
    invalid('cve and cwe in one vulnerability (just_one)', v, both, /must match exactly one schema in oneOf/);
    const noInfo = clone(sample);
    delete noInfo.finding_info;
    invalid('no finding_info', v, noInfo, /must have required property 'finding_info'/);
    invalid('cloud profile named but no cloud', v, { ...sample, cloud: undefined }, /must have required property 'cloud'/);
  });

  for (const [name, f] of ALL) {
    test(`${name}: toOcsf validates; every event type validates with its activity`, () => {
      const before = clone(f);
      const o = toOcsf(f, ctx);
      valid(name, v, o);
      assert.deepEqual(deprecatedPaths(o), [], 'no deprecated attribute');
      assert.deepEqual(f, before, 'the finding is not changed');
      assert.deepEqual(toOcsf(f, ctx), o, 'pure: same input, same output');
      const fi = o.finding_info as Record<string, unknown>;
      assert.equal(fi.uid, f.id);
      assert.equal(fi.title, f.title);
      assert.equal(fi.first_seen_time, Date.parse(f.firstObservedAt));
      assert.equal(fi.last_seen_time, Date.parse(f.lastObservedAt));
      assert.deepEqual((o.metadata as Record<string, unknown>).product, { name: 'Vigil', vendor_name: 'Vigil', version: '0.1.0' });
      for (const e of EVENTS(f)) {
        const ev = toOcsfEvent(e, f, ctx);
        valid(`${name} ${e.type}`, v, ev);
        const activity = { 'finding.created': 1, 'finding.updated': 2, 'finding.closed': 3 }[e.type];
        assert.deepEqual([ev.activity_id, ev.type_uid, ev.time, (ev.metadata as Record<string, unknown>).uid], [activity, 200200 + activity!, Date.parse(e.createdAt), `vigil-event-${e.id}`]);
      }
    });
  }

  test('mappings: severity, status, CVE with CVSS and package, advisory, CWE with code, network', () => {
    const p = toOcsf(F.package, ctx);
    assert.deepEqual([p.severity_id, p.severity, p.status_id, p.status, p.activity_id], [4, 'High', 1, 'New', 2]);
    const vp = (p.vulnerabilities as Record<string, any>[])[0];
    assert.deepEqual(vp.cve.cvss, [{ version: '3.1', base_score: 7.2, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', vendor_name: 'GHSA' }]);
    assert.equal(vp.cve.uid, 'CVE-2021-23337');
    assert.deepEqual(vp.affected_packages[0], {
      name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20', package_manager: 'npm', path: '/app/package-lock.json', fixed_in_version: '4.17.21',
      remediation: { desc: 'Upgrade lodash from 4.17.20 to 4.17.21 or later.' },
    });
    assert.deepEqual(vp.related_vulnerabilities, ['GHSA-35jh-r3h4-6jhm']);
    assert.deepEqual([vp.fix_coverage_id, vp.is_fix_available, vp.cve.epss], [1, true, { score: '0.0114' }]);
    const g = toOcsf(F.ghsa, ctx);
    assert.deepEqual([g.status_id, g.status, g.status_detail, g.activity_id], [3, 'Suppressed', 'suppressed by rule rule-dev-only', 1]);
    assert.equal((g.vulnerabilities as Record<string, any>[])[0].advisory.uid, 'GHSA-vh95-rmgr-6w4m');
    assert.equal((g.vulnerabilities as Record<string, any>[])[0].fix_coverage_id, 2);
    assert.deepEqual([toOcsf(F.malicious, ctx).severity_id, (toOcsf(F.malicious, ctx).vulnerabilities as any[])[0].is_exploit_available], [5, true]);
    const s = (toOcsf(F.secret, ctx).vulnerabilities as Record<string, any>[])[0];
    assert.deepEqual(s.cwe, { uid: 'CWE-798', caption: 'Use of Hard-coded Credentials' });
    assert.deepEqual(s.affected_code[0].file, { name: 'deploy.env', path: 'config/deploy.env', type_id: 1, type: 'Regular File' });
    assert.deepEqual([s.affected_code[0].start_line, s.affected_code[0].end_column, s.affected_code[0].rule.uid], [3, 39, 'secret/aws-access-key-id']);
    assert.ok(!JSON.stringify(toOcsf(F.secret, ctx)).includes('AKIAQWERTY'), 'never more of the secret than its prefix');
    const c = toOcsf(F.code, ctx);
    assert.deepEqual([c.activity_id, c.status_id, (c.vulnerabilities as any[])[0].cwe.uid, (c.vulnerabilities as any[])[0].related_vulnerabilities], [3, 4, 'CWE-78', ['CWE-77']]);
    const n = toOcsf(F.network, ctx);
    assert.equal((n.vulnerabilities as any[])[0].advisory.uid, 'NET-TCP-22');
    assert.equal(((n.resources as any[])[0].data.networkReachability.openPortRange.begin), 22);
    for (const [sev, id] of [['CRITICAL', 5], ['MEDIUM', 3], ['LOW', 2], ['NONE', 1], ['UNKNOWN', 0]] as const) {
      const o = toOcsf({ ...F.package, severity: sev }, ctx);
      assert.equal(o.severity_id, id);
      valid(sev, v, o);
    }
  });

  test('golden: the package finding', async () => {
    await checkGolden(new URL('testdata/golden/package.ocsf.json', here), `${JSON.stringify(toOcsf(F.package, ctx), null, 2)}\n`);
  });

  test('bad input: a wrong event, a bad time, a bad console URL → VigilError naming it', () => {
    assert.throws(() => toOcsfEvent(eventOf('scan.completed', F.package), F.package, ctx), (e: VigilError) => e.rule === 'finding-event-type' && /scan\.completed/.test(e.message));
    assert.throws(() => toOcsfEvent(eventOf('finding.created', F.ghsa), F.package, ctx), (e: VigilError) => e.rule === 'event-finding-mismatch' && e.message.includes(F.ghsa.id));
    assert.throws(() => toOcsf({ ...F.package, updatedAt: 'yesterday' }, ctx), (e: VigilError) => e.rule === 'iso-time' && /updatedAt "yesterday"/.test(e.message));
    assert.throws(() => toOcsf(F.package, { ...ctx, consoleUrl: 'vigil.local' }), (e: VigilError) => e.code === 'VIGIL_CONFIG' && e.input === 'consoleUrl');
    assert.throws(() => toOcsf(F.package, { ...ctx, consoleUrl: 'javascript:alert(1)' }), (e: VigilError) => e.rule === 'url-scheme');
  });
});

describe('ASFF (AwsSecurityFinding)', () => {
  const v = validators.asffFinding();

  test('the validator accepts Security Hub\'s Inspector finding from the OCSF examples and rejects broken ones', () => {
    const sample = data('ocsf-examples-inspector.asff.json');
    valid('inspector.asff', v, sample);
    invalid('Title over 256', v, { ...sample, Title: 'x'.repeat(257) }, /Title: must NOT have more than 256 characters/);
    invalid('Severity label', v, { ...sample, Severity: { Label: 'SEVERE' } }, /Label: must be equal to one of the allowed values/);
    invalid('AwsAccountId of 11 digits', v, { ...sample, AwsAccountId: '12345678901' }, /AwsAccountId: must NOT have fewer than 12 characters/);
    invalid('no Resources', v, { ...sample, Resources: [] }, /Resources: must NOT have fewer than 1 items/);
    invalid('an unknown member', v, { ...sample, Vigil: 'x' }, /must NOT have additional properties/);
    invalid('51 ProductFields', v, { ...sample, ProductFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /ProductFields: must NOT have more than 50 properties/);
  });

  for (const [name, f] of ALL) {
    test(`${name}: toAsff validates`, () => {
      const before = clone(f);
      const a = toAsff(f, aws);
      valid(name, v, a);
      assert.deepEqual(f, before);
      assert.equal(a.SchemaVersion, '2018-10-08');
      assert.equal(a.ProductArn, 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default');
      assert.equal(a.AwsAccountId, '123456789012');
      assert.equal(a.Id, `vigil/acc-a/${f.id}`);
      assert.equal(a.CreatedAt, new Date(f.firstObservedAt).toISOString());
      assert.equal(a.UpdatedAt, new Date(f.updatedAt).toISOString());
    });
  }

  test('mappings: severity, workflow and record state, resources, vulnerabilities, network path', () => {
    const p = toAsff(F.package, aws);
    assert.deepEqual(p.Severity, { Label: 'HIGH', Normalized: 70, Original: 'HIGH' });
    assert.deepEqual(p.Types, ['Software and Configuration Checks/Vulnerabilities/CVE']);
    assert.deepEqual([p.Workflow, p.RecordState], [{ Status: 'NEW' }, 'ACTIVE']);
    assert.deepEqual(p.Resources, [{
      Type: 'AwsEcrContainerImage', Id: 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b', Partition: 'aws', Region: 'eu-west-1',
      Details: { AwsEcrContainerImage: { RegistryId: '123456789012', RepositoryName: 'shop/web', ImageDigest: 'sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b', ImageTags: ['1.4.2'] } },
    }]);
    const vuln = (p.Vulnerabilities as Record<string, any>[])[0];
    assert.deepEqual([vuln.Id, vuln.FixAvailable, vuln.ExploitAvailable, vuln.EpssScore, vuln.Cvss[0].BaseScore, vuln.VulnerablePackages[0].FixedInVersion], ['CVE-2021-23337', 'YES', 'NO', 0.0114, 7.2, '4.17.21']);
    assert.deepEqual(vuln.ReferenceUrls, F.package.details.references);
    assert.equal((p.Remediation as any).Recommendation.Url, `https://vigil.example.com/findings/${F.package.id}`);
    assert.deepEqual([toAsff(F.ghsa, aws).Workflow, toAsff(F.code, aws).RecordState, toAsff(F.code, aws).Workflow], [{ Status: 'SUPPRESSED' }, 'ARCHIVED', { Status: 'RESOLVED' }]);
    assert.equal((toAsff(F.malicious, aws).Resources as any[])[0].Type, 'AwsLambdaFunction');
    assert.equal((toAsff(F.ghsa, aws).Resources as any[])[0].Type, 'Other');
    const n = toAsff(F.network, aws);
    assert.deepEqual((n.Resources as any[])[0], { Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890', Partition: 'aws', Region: 'eu-west-1' });
    assert.deepEqual(n.Network, { Direction: 'IN', Protocol: 'TCP', OpenPortRange: { Begin: 22, End: 22 } });
    assert.equal((n.NetworkPath as any[]).length, 5);
    assert.equal(n.Vulnerabilities, undefined);
    const c = (toAsff(F.code, aws).Vulnerabilities as any[])[0];
    assert.deepEqual(c.CodeVulnerabilities, [{ Cwes: ['CWE-78', 'CWE-77'], FilePath: { FilePath: 'app/views.py', FileName: 'views.py', StartLine: 42, EndLine: 42 } }]);
    assert.deepEqual(toAsff({ ...F.package, severity: 'UNKNOWN' }, aws).Severity, { Label: 'INFORMATIONAL', Normalized: 0, Original: 'UNKNOWN' });
  });

  test('Title and Description are cut to ASFF\'s limits and still validate', () => {
    const long = { ...F.package, title: `T${'é'.repeat(400)}`, details: { ...F.package.details, summary: `😀${'d'.repeat(5000)}` } };
    const a = toAsff(long, aws);
    valid('long', v, a);
    assert.equal((a.Title as string).length, ASFF_LIMITS.Title);
    assert.ok((a.Description as string).length <= ASFF_LIMITS.Description && (a.Description as string).endsWith('…'));
    valid('custom product ARN and partition', v, toAsff(F.package, { ...aws, aws: { ...aws.aws, partition: 'aws-us-gov', region: 'us-gov-west-1', productArn: 'arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default' } }));
  });

  test('golden: the package finding', async () => {
    await checkGolden(new URL('testdata/golden/package.asff.json', here), `${JSON.stringify(toAsff(F.package, aws), null, 2)}\n`);
  });

  test('bad configuration → VIGIL_CONFIG naming the setting and the rule', () => {
    assert.throws(() => toAsff(F.package, { ...aws, aws: { ...aws.aws, accountId: '1234' } }), (e: VigilError) => e.code === 'VIGIL_CONFIG' && e.input === 'aws.accountId' && e.rule === 'aws-account-id');
    assert.throws(() => toAsff(F.package, { ...aws, aws: { ...aws.aws, region: 'Ireland' } }), (e: VigilError) => e.input === 'aws.region' && /"Ireland"/.test(e.message));
    assert.throws(() => toAsff(F.package, { ...aws, aws: { ...aws.aws, productArn: 'arn:aws:s3:::bucket' } }), (e: VigilError) => e.rule === 'securityhub-product-arn');
    assert.throws(() => toAsff(F.package, ctx as AsffContext), (e: VigilError) => e.input === 'aws.accountId');
  });
});

/**
 * Block Kit's documented limits (https://api.slack.com/reference/block-kit/blocks and
 * /block-elements, /composition-objects): what Slack rejects with invalid_blocks.
 */
function slackViolations(msg: { text?: unknown; blocks?: unknown }): string[] {
  const out: string[] = [];
  const textObj = (t: any, where: string, max: number, plainOnly = false) => {
    if (!t || (t.type !== 'plain_text' && t.type !== 'mrkdwn')) return out.push(`${where}: not a text object`);
    if (plainOnly && t.type !== 'plain_text') out.push(`${where}: must be plain_text`);
    if (typeof t.text !== 'string' || t.text.length < 1) out.push(`${where}: empty text`);
    else if (t.text.length > max) out.push(`${where}: ${t.text.length} > ${max} characters`);
  };
  if (typeof msg.text !== 'string' || !msg.text) out.push('text: the fallback text is missing');
  if (!Array.isArray(msg.blocks)) return [...out, 'blocks: not an array'];
  if (msg.blocks.length > SLACK_LIMITS.blocks) out.push(`blocks: ${msg.blocks.length} > 50`);
  msg.blocks.forEach((b: any, i: number) => {
    const w = `blocks[${i}]`;
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255)) out.push(`${w}.block_id: > 255`);
    switch (b.type) {
      case 'header': textObj(b.text, `${w}.text`, 150, true); break;
      case 'section':
        if (!b.text && !b.fields) out.push(`${w}: a section needs text or fields`);
        if (b.text) textObj(b.text, `${w}.text`, 3000);
        if (b.fields) {
          if (b.fields.length > 10) out.push(`${w}.fields: ${b.fields.length} > 10`);
          b.fields.forEach((f: any, j: number) => textObj(f, `${w}.fields[${j}]`, 2000));
        }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10) out.push(`${w}.elements: 1 to 10`);
        else b.elements.forEach((e: any, j: number) => textObj(e, `${w}.elements[${j}]`, 3000));
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 25) out.push(`${w}.elements: 1 to 25`);
        else b.elements.forEach((e: any, j: number) => {
          if (e.type !== 'button') return out.push(`${w}.elements[${j}]: only buttons are made`);
          textObj(e.text, `${w}.elements[${j}].text`, 75, true);
          if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > 3000)) out.push(`${w}.elements[${j}].url: > 3000`);
          if (e.action_id !== undefined && e.action_id.length > 255) out.push(`${w}.elements[${j}].action_id: > 255`);
        });
        break;
      case 'divider': break;
      default: out.push(`${w}: unknown block type ${b.type}`);
    }
  });
  return out;
}

describe('Slack Block Kit', () => {
  test('the limits checker rejects what Slack rejects', () => {
    assert.deepEqual(slackViolations({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] }), ['blocks[0].text: 3001 > 3000 characters']);
    assert.deepEqual(slackViolations({ text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }), ['blocks[0].text: must be plain_text']);
    assert.equal(slackViolations({ text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })[0], 'blocks: 51 > 50');
    assert.deepEqual(slackViolations({ blocks: [] }), ['text: the fallback text is missing']);
  });

  for (const [name, f] of ALL) {
    test(`${name}: every event type gives a message within the limits`, () => {
      for (const e of EVENTS(f)) {
        const m = toSlackMessage(e, f, ctx);
        assert.deepEqual(slackViolations(m), [], `${name} ${e.type}`);
        assert.match(m.text, new RegExp(f.vulnerabilityId));
      }
    });
  }

  test('content: header, fields, changes, remediation, escaping, link button', () => {
    const m = toSlackMessage(EVENTS(F.package)[1], F.package, ctx);
    assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'Updated: Command Injection in lodash', emoji: true } });
    const all = JSON.stringify(m.blocks);
    assert.match(all, /\*Fixed in\*\\n4\.17\.21/);
    assert.match(all, /severity: MEDIUM → HIGH/);
    assert.match(all, /fixed_version: none → 4\.17\.21/);
    assert.match(all, /Upgrade lodash from 4\.17\.20 to 4\.17\.21/);
    assert.deepEqual(m.blocks.at(-1), { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, url: `https://vigil.example.com/findings/${F.package.id}`, action_id: 'vigil-open-finding' }] });
    const evil = { ...F.package, details: { ...F.package.details, summary: '<!channel> & <https://evil|click>' } };
    assert.match(JSON.stringify(toSlackMessage(EVENTS(evil)[0], evil, ctx).blocks), /&lt;!channel&gt; &amp; &lt;https:\/\/evil\|click&gt;/);
    assert.equal(toSlackMessage(EVENTS(F.package)[0], F.package, { vigilVersion: '0.1.0' }).blocks.some((b) => b.type === 'actions'), false, 'no console URL, no button');
  });

  test('a huge advisory text is cut to the limits, never inside an escape', () => {
    const big = { ...F.package, title: 'T'.repeat(500), details: { ...F.package.details, summary: 'S'.repeat(10_000) } };
    assert.deepEqual(slackViolations(toSlackMessage(EVENTS(big)[0], big, ctx)), []);
    const amp = { ...F.package, details: { ...F.package.details, summary: '&'.repeat(3000) } };
    const text = (toSlackMessage(EVENTS(amp)[0], amp, ctx).blocks[1] as any).text.text as string;
    assert.ok(text.length <= 3000 && /^(&amp;)+…$/.test(text), text.slice(-12));
  });

  test('golden: finding.created for the package finding', async () => {
    await checkGolden(new URL('testdata/golden/package.created.slack.json', here), `${JSON.stringify(toSlackMessage({ ...EVENTS(F.package)[0], id: 1001 }, F.package, ctx), null, 2)}\n`);
  });
});

describe('Microsoft Teams Adaptive Card', () => {
  const v = validators.adaptiveCard();

  test('the validator rejects a broken card', () => {
    invalid('no body element type', v, { type: 'AdaptiveCard', version: '1.4', body: [{ text: 'x' }] }, /type|must match/);
    invalid('a FactSet without facts', v, { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'FactSet' }] }, /facts|must match/);
  });

  for (const [name, f] of ALL) {
    test(`${name}: every event type gives a message whose card validates`, () => {
      for (const e of EVENTS(f)) {
        const m = toTeamsMessage(e, f, ctx) as { type: string; attachments: { contentType: string; contentUrl: null; content: Record<string, unknown> }[] };
        assert.equal(m.type, 'message');
        assert.equal(m.attachments.length, 1);
        assert.equal(m.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
        valid(`${name} ${e.type}`, v, m.attachments[0].content);
        assert.equal(m.attachments[0].content.version, '1.4');
      }
    });
  }

  test('content: facts, the link action, Markdown characters kept literal', () => {
    const m = toTeamsMessage(EVENTS(F.package)[0], F.package, ctx) as any;
    const card = m.attachments[0].content;
    const facts = Object.fromEntries(card.body.find((b: any) => b.type === 'FactSet').facts.map((x: any) => [x.title, x.value]));
    assert.deepEqual([facts.Severity, facts['Fixed in'], facts.Vulnerability], ['High (7.2)', '4.17.21', 'CVE-2021-23337']);
    assert.deepEqual(card.actions, [{ type: 'Action.OpenUrl', title: 'Open in Vigil', url: `https://vigil.example.com/findings/${F.package.id}` }]);
    const evil = { ...F.package, details: { ...F.package.details, summary: '**bold** [x](https://evil)\n- item' } };
    const text = JSON.stringify((toTeamsMessage(EVENTS(evil)[0], evil, ctx) as any).attachments[0].content.body);
    assert.ok(text.includes('\\\\*\\\\*bold\\\\*\\\\* \\\\[x\\\\](https://evil)\\n\\\\- item'), text);
  });

  test('golden: finding.closed for the code finding', async () => {
    await checkGolden(new URL('testdata/golden/code.closed.teams.json', here), `${JSON.stringify(toTeamsMessage({ ...EVENTS(F.code)[3], id: 1002 }, F.code, ctx), null, 2)}\n`);
  });
});

/** The v2 create-issue body as documented (POST /rest/api/2/issue), with Jira's field limits. */
const JiraCreateV2 = z.strictObject({
  fields: z.strictObject({
    project: z.strictObject({ key: z.string().regex(/^[A-Z][A-Z0-9_]+$/) }),
    issuetype: z.strictObject({ name: z.string().min(1) }),
    summary: z.string().min(1).max(JIRA_LIMITS.summary).regex(/^[^\r\n]*$/, 'one line'),
    description: z.string().max(JIRA_LIMITS.text),
    labels: z.array(z.string().min(1).max(255).regex(/^\S+$/, 'no spaces in a label')),
    priority: z.strictObject({ name: z.string().min(1) }),
  }),
});
const JiraCommentV2 = z.strictObject({ body: z.string().min(1).max(JIRA_LIMITS.text) });
const JiraTransitionV2 = z.strictObject({
  transition: z.strictObject({ id: z.string().min(1) }),
  update: z.strictObject({ comment: z.array(z.strictObject({ add: z.strictObject({ body: z.string().min(1).max(JIRA_LIMITS.text) }) })) }),
});

describe('Jira REST v2', () => {
  for (const [name, f] of ALL) {
    test(`${name}: create body, comment and close transition have the documented shapes`, () => {
      const issue = toJiraIssue(f, jira);
      const r = JiraCreateV2.safeParse(issue);
      assert.ok(r.success, `${name}: ${r.success ? '' : r.error.message}`);
      assert.ok(issue.fields.labels.includes(`vigil-${f.id}`), 'the idempotency label');
      for (const e of EVENTS(f).filter((x) => x.type === 'finding.updated')) assert.ok(JiraCommentV2.safeParse(toJiraComment(e, f, jira)).success);
      const close = toJiraClose(EVENTS(f)[3], f, jira);
      assert.deepEqual([close.action, close.label, close.transition], ['transition', `vigil-${f.id}`, { name: 'Done' }]);
      assert.ok(JiraTransitionV2.safeParse(close.request('31')).success);
    });
  }

  test('content: summary, priority mapping, wiki description, labels, JQL', () => {
    const i = toJiraIssue(F.package, jira);
    assert.equal(i.fields.summary, '[High] CVE-2021-23337 in lodash 4.17.20: Command Injection in lodash');
    assert.deepEqual([i.fields.project, i.fields.issuetype, i.fields.priority], [{ key: 'SEC' }, { name: 'Bug' }, { name: 'High' }]);
    assert.deepEqual(i.fields.labels, ['vigil', `vigil-${F.package.id}`, 'vigil-vulnerability', 'security']);
    assert.match(i.fields.description, /^\*Severity:\* High \(7\.2\)$/m);
    assert.match(i.fields.description, /^\*Fixed in:\* 4\.17\.21$/m);
    assert.match(i.fields.description, /\[Open in Vigil\|https:\/\/vigil\.example\.com\/findings\/fnd-/);
    assert.match(toJiraIssue(F.secret, jira).fields.description, /\{noformat\}\nconfig\/deploy\.env:3:19 \(commit 4b825dc/);
    assert.deepEqual(['CRITICAL', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'].map((s) => toJiraIssue({ ...F.package, severity: s as FindingView['severity'] }, jira).fields.priority.name), ['Highest', 'Medium', 'Low', 'Lowest', 'Medium']);
    assert.equal(toJiraIssue(F.package, { ...jira, jira: { ...jira.jira, priorities: { HIGH: 'P1' }, issueType: 'Vulnerability' } }).fields.priority.name, 'P1');
    assert.equal(jiraSearchJql(F.package, jira), `project = SEC AND labels = "vigil-${F.package.id}"`);
    assert.equal(jiraLabel('a b'), 'vigil-a_b');
    const long = toJiraIssue({ ...F.package, title: `x\n${'y'.repeat(400)}` }, jira);
    assert.ok(JiraCreateV2.safeParse(long).success && long.fields.summary.length === 255);
    const huge = toJiraIssue({ ...F.secret, details: { ...F.secret.details, summary: 'z'.repeat(40_000) } }, jira);
    assert.ok(JiraCreateV2.safeParse(huge).success);
    assert.match(huge.fields.description, /\{noformat\}\n\n----\nVigil .*\[Open in Vigil\|/, 'the snippet block and the link survive a huge summary');
    const evil = toJiraIssue({ ...F.package, details: { ...F.package.details, summary: '{noformat}[link|https://evil] *b* -s- !img.png!' } }, jira);
    assert.match(evil.fields.description, /\\\{noformat\\\}\\\[link\\\|https:\/\/evil\\\] \\\*b\\\* \\-s\\- \\!img\.png\\!/);
    const comment = toJiraComment(EVENTS(F.package)[1], F.package, jira).body;
    assert.match(comment, /^The finding changed \(Vigil event \d+ at 2025-03-06T12:00:00\.000Z\)\.$/m);
    assert.match(comment, /^\* severity: MEDIUM → HIGH$/m);
    assert.match(toJiraComment(EVENTS(F.package)[2], F.package, jira).body, /^The finding was reopened/);
    const close = toJiraClose(EVENTS(F.code)[3], F.code, { ...jira, jira: { ...jira.jira, closeTransition: { id: '41', name: 'Resolve' } } });
    assert.deepEqual(close.transition, { id: '41', name: 'Resolve' });
    assert.deepEqual(close.request('41').transition, { id: '41' });
  });

  test('golden: the issue of the package finding', async () => {
    await checkGolden(new URL('testdata/golden/package.jira.json', here), `${JSON.stringify(toJiraIssue(F.package, jira), null, 2)}\n`);
  });

  test('bad input: configuration and events → VigilError naming them', () => {
    assert.throws(() => toJiraIssue(F.package, { ...jira, jira: { projectKey: 'sec' } }), (e: VigilError) => e.code === 'VIGIL_CONFIG' && e.input === 'jira.projectKey' && /"sec"/.test(e.message));
    assert.throws(() => toJiraIssue(F.package, { ...jira, jira: { projectKey: 'SEC', labels: ['two words'] } }), (e: VigilError) => e.rule === 'jira-label');
    assert.throws(() => toJiraIssue(F.package, { ...jira, jira: { projectKey: 'SEC', issueType: ' ' } }), (e: VigilError) => e.rule === 'jira-issue-type');
    assert.throws(() => toJiraComment(EVENTS(F.package)[0], F.package, jira), (e: VigilError) => e.rule === 'jira-comment-event' && /finding\.created/.test(e.message));
    assert.throws(() => toJiraClose(EVENTS(F.package)[1], F.package, jira), (e: VigilError) => e.rule === 'jira-close-event');
    assert.throws(() => toJiraClose(eventOf('finding.closed', F.ghsa), F.package, jira), (e: VigilError) => e.rule === 'event-finding-mismatch');
  });
});
