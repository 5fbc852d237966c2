/** The gate policy format (field errors) and the evaluator (issue 19). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { evaluateGate, failureVerdict, gateFindingsOfScan, parseGatePolicy, selectorMatches, validateGatePolicy, type GateFinding } from './gate.ts';
import { scanResultOf } from '../../test/helpers/findings.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const f = (over: Partial<GateFinding> & { vulnerabilityId: string }): GateFinding => ({
  type: 'vulnerability', aliases: [], severity: 'HIGH', score: 7.5, fixAvailable: true, kev: false, ...over,
});

function fieldError(text: string): VigilError {
  try { parseGatePolicy(text, 'p.yaml'); } catch (err) { assert.ok(err instanceof VigilError); return err; }
  assert.fail(`accepted: ${text}`);
}

describe('gate policy format', () => {
  test('defaults: enforce, failurePolicy closed, unknownImages deny', () => {
    const p = parseGatePolicy('rules:\n  - severity: critical\n', 'p.yaml');
    assert.deepEqual({ mode: p.mode, failurePolicy: p.failurePolicy, unknownImages: p.unknownImages }, { mode: 'enforce', failurePolicy: 'closed', unknownImages: 'deny' });
    assert.equal(p.rules[0].severity, 'CRITICAL');
  });
  test('JSON is YAML', () => {
    const p = parseGatePolicy(JSON.stringify({ mode: 'audit', rules: [{ kev: true, types: ['PACKAGE_VULNERABILITY'] }] }), 'p.json');
    assert.equal(p.mode, 'audit');
    assert.deepEqual(p.rules[0].types, ['vulnerability']);
  });
  const bad: [string, RegExp, string][] = [
    ['rules: []', /rules: .*at least 1|rules: Too small/i, 'rules'],
    ['mode: enforcing\nrules: [{severity: HIGH}]', /mode: /, 'mode'],
    ['rules: [{severity: SEVERE}]', /rules\.0\.severity: must be one of CRITICAL/, 'rules.0.severity'],
    ['rules: [{score: 11}]', /rules\.0\.score: /, 'rules.0.score'],
    ['rules: [{age: -1}]', /rules\.0\.age: /, 'rules.0.age'],
    ['rules: [{types: [virus]}]', /rules\.0\.types\.0: must be one of/, 'rules.0.types.0'],
    ['rules: [{severity: HIGH, sevrity: LOW}]', /rules\.0: .*sevrity/, 'rules.0'],
    ['unknownImages: maybe\nrules: [{kev: true}]', /unknownImages: /, 'unknownImages'],
    ['failurePolicy: ignore\nrules: [{kev: true}]', /failurePolicy: /, 'failurePolicy'],
    ['rules: [{kev: true}]\nexemptions: {vulnerabilities: [{id: CVE-1, expires: soon}]}', /exemptions\.vulnerabilities\.0\.expires: must be a date/, 'exemptions.vulnerabilities.0.expires'],
    ['rules: [{kev: true}]\nexemptions: {workloads: [{reason: x}]}', /exemptions\.workloads\.0: give namespaces, a selector, or both/, 'exemptions.workloads.0'],
    ['rules: [{kev: true}]\nexemptions: {workloads: [{selector: {matchExpressions: [{key: app, operator: In}]}}]}', /exemptions\.workloads\.0\.selector\.matchExpressions\.0\.values: operator In needs values/, 'exemptions.workloads.0.selector.matchExpressions.0.values'],
    ['[1, 2]', /\(the policy\): /, 'p.yaml'],
  ];
  for (const [text, message, input] of bad) {
    test(`names the field: ${input}`, () => {
      const e = fieldError(text);
      assert.equal(e.code, 'VIGIL_INVALID_INPUT');
      assert.equal(e.rule, 'gate-policy');
      assert.match(e.message, /^gate policy p\.yaml: /);
      assert.match(e.message, message);
      assert.equal(e.input, input);
    });
  }
  test('not YAML → rule yaml', () => {
    const e = fieldError('rules: [');
    assert.equal(e.rule, 'yaml');
  });
});

describe('evaluateGate', () => {
  const policy = (over: object = {}) => validateGatePolicy({ rules: [{ name: 'no-critical', severity: 'CRITICAL' }], ...over }, 't');
  test('clean: allowed, nothing to say', () => {
    const v = evaluateGate(policy(), [f({ vulnerabilityId: 'CVE-1', severity: 'HIGH' })], { now: NOW });
    assert.deepEqual(v, { allowed: true, mode: 'enforce', reasons: [], exempted: [], evaluated: 1 });
  });
  test('a violation denies in enforce mode, is reported but allowed in audit mode', () => {
    const findings = [f({ id: 'f1', vulnerabilityId: 'CVE-2', severity: 'CRITICAL', score: 9.8, package: { name: 'openssl', version: '1.1' } })];
    const v = evaluateGate(policy(), findings, { now: NOW });
    assert.equal(v.allowed, false);
    assert.equal(v.reasons.length, 1);
    assert.deepEqual({ ...v.reasons[0], message: undefined }, { rule: 'no-critical', findingId: 'f1', vulnerabilityId: 'CVE-2', severity: 'CRITICAL', message: undefined });
    assert.match(v.reasons[0].message, /CVE-2 \(CRITICAL 9\.8, fix available\) in openssl 1\.1 violates no-critical: severity ≥ CRITICAL/);
    const a = evaluateGate(policy({ mode: 'audit' }), findings, { now: NOW });
    assert.equal(a.allowed, true);
    assert.equal(a.reasons.length, 1);
  });
  test('conditions of a rule all hold (AND); rules any (OR)', () => {
    const p = validateGatePolicy({ rules: [{ name: 'fixable-high', severity: 'HIGH', fixAvailable: true }, { name: 'kev', kev: true }] }, 't');
    const v = evaluateGate(p, [
      f({ vulnerabilityId: 'A', severity: 'HIGH', fixAvailable: false }), // no fix: not fixable-high
      f({ vulnerabilityId: 'B', severity: 'MEDIUM', fixAvailable: true }), // below HIGH
      f({ vulnerabilityId: 'C', severity: 'LOW', kev: true, fixAvailable: false }), // kev
      f({ vulnerabilityId: 'D', severity: 'CRITICAL', fixAvailable: true }),
    ], { now: NOW });
    assert.deepEqual(v.reasons.map((r) => `${r.vulnerabilityId}:${r.rule}`), ['D:fixable-high', 'C:kev']);
  });
  test('score: at or above; unscored never matches', () => {
    const p = validateGatePolicy({ rules: [{ score: 7 }] }, 't');
    const v = evaluateGate(p, [f({ vulnerabilityId: 'A', score: 7 }), f({ vulnerabilityId: 'B', score: 6.9 }), f({ vulnerabilityId: 'C', score: null })], { now: NOW });
    assert.deepEqual(v.reasons.map((r) => r.vulnerabilityId), ['A']);
    assert.equal(v.reasons[0].rule, 'rules[0]');
  });
  test('age: first observed at least N days ago; a fresh scan (no date) is age 0', () => {
    const p = validateGatePolicy({ rules: [{ severity: 'HIGH', age: 30 }] }, 't');
    const v = evaluateGate(p, [
      f({ vulnerabilityId: 'OLD', firstObservedAt: '2026-05-01T23:59:59Z' }),
      f({ vulnerabilityId: 'EDGE', firstObservedAt: '2026-05-02T00:00:00Z' }),
      f({ vulnerabilityId: 'NEW', firstObservedAt: '2026-05-20T00:00:00Z' }),
      f({ vulnerabilityId: 'CLI' }),
    ], { now: NOW });
    assert.deepEqual(v.reasons.map((r) => r.vulnerabilityId), ['EDGE', 'OLD']);
  });
  test('types', () => {
    const p = validateGatePolicy({ rules: [{ types: ['secret', 'malicious_package'] }] }, 't');
    const v = evaluateGate(p, [f({ vulnerabilityId: 'V' }), f({ vulnerabilityId: 'aws-access-key-id', type: 'secret' }), f({ vulnerabilityId: 'MAL-1', type: 'malicious', severity: 'CRITICAL' })], { now: NOW });
    assert.deepEqual(v.reasons.map((r) => r.vulnerabilityId), ['MAL-1', 'aws-access-key-id']);
  });
  test('vulnerability exemptions: by id or alias, until their date; expired ones are reported and do not apply', () => {
    const p = policy({ exemptions: { vulnerabilities: [
      { id: 'ghsa-aaaa', reason: 'not reachable' },
      { id: 'CVE-3', expires: '2026-05-31' },
      { id: 'CVE-4', expires: '2026-06-01' },
    ] } });
    const v = evaluateGate(p, [
      f({ id: 'a', vulnerabilityId: 'CVE-2', aliases: ['GHSA-AAAA'], severity: 'CRITICAL' }),
      f({ id: 'b', vulnerabilityId: 'CVE-3', severity: 'CRITICAL' }),
      f({ id: 'c', vulnerabilityId: 'CVE-4', severity: 'CRITICAL' }),
      f({ id: 'd', vulnerabilityId: 'CVE-5', severity: 'CRITICAL', suppressed: 'suppression rule r1' }),
    ], { now: NOW });
    assert.deepEqual(v.reasons.map((r) => r.vulnerabilityId), ['CVE-3']);
    assert.deepEqual(v.exempted.map((e) => `${e.kind}:${e.vulnerabilityId}`), ['vulnerability:CVE-2', 'expired:CVE-3', 'vulnerability:CVE-4', 'suppressed:CVE-5']);
    assert.equal(v.exempted[0].reason, 'not reachable');
    assert.equal(v.allowed, false);
  });
  test('workload exemptions: namespace and label selector (admission context only)', () => {
    const p = policy({ exemptions: { workloads: [{ namespaces: ['kube-system'] }, { selector: { matchLabels: { team: 'sec' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['prod'] }] }, reason: 'security team tools' }] } });
    const bad = [f({ vulnerabilityId: 'CVE-9', severity: 'CRITICAL' })];
    assert.equal(evaluateGate(p, bad, { now: NOW, workload: { namespace: 'kube-system' } }).allowed, true);
    const sec = evaluateGate(p, bad, { now: NOW, workload: { namespace: 'apps', labels: { team: 'sec', tier: 'dev' } } });
    assert.equal(sec.allowed, true);
    assert.deepEqual(sec.exempted, [{ kind: 'workload', reason: 'security team tools' }]);
    assert.equal(evaluateGate(p, bad, { now: NOW, workload: { namespace: 'apps', labels: { team: 'sec', tier: 'prod' } } }).allowed, false);
    assert.equal(evaluateGate(p, bad, { now: NOW }).allowed, false, 'no workload: no workload exemption');
    assert.equal(evaluateGate(p, null, { now: NOW, workload: { namespace: 'kube-system' } }).allowed, true, 'an exempt workload with an unknown image');
  });
  test('selectorMatches: Exists, DoesNotExist, In', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }] }, {}), false);
    assert.equal(selectorMatches({}, { any: 'thing' }), true);
  });
  test('unknown images: per policy', () => {
    assert.equal(evaluateGate(policy(), null, { now: NOW }).allowed, false);
    assert.equal(evaluateGate(policy(), null, { now: NOW }).reasons[0].rule, 'unknownImages');
    assert.deepEqual(evaluateGate(policy({ unknownImages: 'allow' }), null, { now: NOW }).reasons, []);
    assert.equal(evaluateGate(policy({ mode: 'audit' }), null, { now: NOW }).allowed, true);
  });
  test('failure: open allows, closed denies; audit allows', () => {
    assert.equal(failureVerdict(policy({ failurePolicy: 'open' }), 'store down').allowed, true);
    assert.equal(failureVerdict(policy(), 'store down').allowed, false);
    assert.match(failureVerdict(policy(), 'store down').reasons[0].message, /no verdict \(store down\); failurePolicy closed: denied/);
    assert.equal(failureVerdict(policy({ mode: 'audit' }), 'x').allowed, true);
  });
  test('reasons come sorted: the same findings in any order give the same verdict', () => {
    const fs = [f({ vulnerabilityId: 'B', severity: 'CRITICAL' }), f({ vulnerabilityId: 'A', severity: 'CRITICAL' }), f({ vulnerabilityId: 'C', severity: 'CRITICAL', id: 'x' })];
    assert.deepEqual(evaluateGate(policy(), fs, { now: NOW }), evaluateGate(policy(), [...fs].reverse(), { now: NOW }));
  });
});

test('gateFindingsOfScan: vulnerabilities with the advisory among the aliases, KEV, fix, ignore-file suppression', () => {
  const r = scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], [
    { pkg: 0, id: 'GHSA-1', vulnerability: 'CVE-1', severity: 'CRITICAL', score: 9.8, fixed: '4.17.21', kev: true },
    { pkg: 0, id: 'MAL-2', severity: 'CRITICAL', malicious: true },
  ]);
  r.findings[1].suppressed = { reason: 'vendor says no', source: 'ignore.yaml' };
  const g = gateFindingsOfScan(r);
  assert.deepEqual(g[0], { type: 'vulnerability', vulnerabilityId: 'CVE-1', aliases: ['GHSA-1'], severity: 'CRITICAL', score: 9.8, fixAvailable: true, kev: true, package: { name: 'lodash', version: '4.17.0' } });
  assert.equal(g[1].type, 'malicious');
  assert.equal(g[1].suppressed, 'ignore.yaml: vendor says no');
});
