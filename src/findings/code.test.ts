/**
 * vigil-code-1 and the identity of secret and code findings (src/findings/code.ts): the published
 * weights are CODE_SCORE_WEIGHTS, the worked examples of docs/scoring.md section 9 hold, keys
 * survive moved lines and reindenting, suppressed detector findings stay out, and no secret reaches
 * the stored columns.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import type { CodeFinding, SecretFinding } from '../model/index.ts';
import { CODE_SCORE_WEIGHTS, codeDesired, codeScore, isTestPath, secretTemplate } from './code.ts';

const secret = (over: Partial<SecretFinding> & { path?: string; line?: number } = {}): SecretFinding => ({
  type: 'secret', rule: 'github-pat-classic', provider: 'GitHub', title: 'GitHub personal access token (classic)', severity: 'CRITICAL',
  location: { path: over.path ?? 'app/settings.py', line: over.line ?? 3, column: 9 }, secret: { prefix: 'ghp_abcd', hash: 'a'.repeat(64), length: 40 },
  snippet: 'TOKEN = "ghp_abcd************************************"', confidence: 'verified', ...over,
});
const code = (over: Partial<CodeFinding> & { path?: string; line?: number } = {}): CodeFinding => ({
  type: 'code', rule: 'python/command-injection', language: 'python', cwe: ['CWE-78'], title: 'OS command injection', severity: 'CRITICAL',
  location: { path: over.path ?? 'app/views.py', line: over.line ?? 12, column: 5 }, snippet: '    os.system(cmd)', remediation: 'pass an argument list to subprocess.run',
  trace: [], source: 'remote', ...over,
});
const steps = (s: ReturnType<typeof codeScore>) => s.adjustments.map((a) => [a.metric, a.from, a.to]);

test('docs/scoring.md publishes exactly CODE_SCORE_WEIGHTS', () => {
  const doc = readFileSync(new URL('../../docs/scoring.md', import.meta.url), 'utf8');
  const table = /<!-- code-weights:begin[^>]*-->([\s\S]*?)<!-- code-weights:end -->/.exec(doc);
  assert.ok(table);
  const published: Record<string, number> = {};
  for (const m of table[1].matchAll(/^\| `([A-Z_]+)` \| ([0-9.]+) \|/gm)) published[m[1]] = Number(m[2]);
  assert.deepEqual(published, { ...CODE_SCORE_WEIGHTS });
});

test('the worked examples of docs/scoring.md section 9', () => {
  const gh = secretTemplate(secret()).scoring!;
  assert.deepEqual(steps(gh), [['detector', null, 9.5], ['confidence', 9.5, 10]]);
  assert.equal(gh.severity, 'CRITICAL');
  const aws = secretTemplate(secret({ rule: 'aws-access-key-id', provider: 'AWS', confidence: 'format', location: { path: 'deploy.sh', line: 2, column: 1, commit: { id: 'c'.repeat(40), author: 'a', date: '2026-01-01T00:00:00Z', inHead: false } } })).scoring!;
  assert.deepEqual(steps(aws), [['detector', null, 9.5], ['history', 9.5, 8.5]]);
  assert.equal(aws.severity, 'HIGH');
  assert.match(aws.adjustments[1].reason, /git history \(commit cccccccccccc\)/);
  const generic = secretTemplate(secret({ rule: 'generic-high-entropy', provider: 'generic', severity: 'MEDIUM', confidence: 'entropy', path: 'tests/conftest.py' })).scoring!;
  assert.deepEqual(steps(generic), [['detector', null, 5.5], ['confidence', 5.5, 4], ['testCode', 4, 2]]);
  assert.equal(generic.severity, 'LOW');
  const cmd = codeScore({ kind: 'code', rule: 'python/command-injection', severity: 'CRITICAL', cwe: ['CWE-78'], source: 'remote', testCode: false });
  assert.deepEqual(steps(cmd), [['detector', null, 9.5]]);
  const sqlEnv = codeScore({ kind: 'code', rule: 'js/sql-injection', severity: 'HIGH', cwe: ['CWE-89'], source: 'local', testCode: false });
  assert.deepEqual(steps(sqlEnv), [['detector', null, 8]]);
  assert.match(sqlEnv.adjustments[0].reason, /machine itself/);
  const weak = codeScore({ kind: 'code', rule: 'python/weak-hash', severity: 'MEDIUM', cwe: ['CWE-328'], testCode: isTestPath('tests/test_util.py') });
  assert.deepEqual(steps(weak), [['detector', null, 5.5], ['testCode', 5.5, 3.5]]);
  assert.equal(weak.severity, 'LOW');
});

test('test code by its path', () => {
  for (const p of ['tests/a.py', 'pkg/test/x.js', 'src/__tests__/a.ts', 'spec/a.rb', 'test_views.py', 'app/views_test.py', 'conftest.py', 'src/a.test.ts', 'web/b.spec.jsx', 'x/testdata/y.json']) assert.ok(isTestPath(p), p);
  for (const p of ['app/views.py', 'src/contest.py', 'testing.py', 'src/latest/a.js', 'attest/x.ts', 'src/a.tests.ts']) assert.ok(!isTestPath(p), p);
});

test('identity: a secret moved to another line or a reindented sink is the same finding; another file is another', () => {
  const a = codeDesired('acct', 'res', [secret()], [code()]);
  const b = codeDesired('acct', 'res', [secret({ line: 40 })], [code({ line: 30, snippet: '        os.system(cmd)  ' })]);
  assert.deepEqual(a.map((d) => d.key), b.map((d) => d.key));
  const c = codeDesired('acct', 'res', [secret({ path: 'app/other.py' })], []);
  assert.notEqual(c[0].key, a.find((d) => d.type === 'secret')!.key);
  // two equal sinks in one file: two findings (occurrence index)
  const two = codeDesired('acct', 'res', [], [code({ line: 12 }), code({ line: 50 })]);
  assert.equal(two.length, 2);
  assert.notEqual(two[0].key, two[1].key);
  // the same secret twice in one file: one finding (the first line)
  const dup = codeDesired('acct', 'res', [secret({ line: 9 }), secret({ line: 3 })], []);
  assert.equal(dup.length, 1);
  assert.equal(JSON.parse(dup[0].details).secret.location.line, 3);
});

test('columns: CWE, rule, file, commit and layer; suppressed detector findings are left out; no secret stored', () => {
  const raw = 'ghp_abcdEFGHijklMNOPqrstUVWXyz0123456789';
  const layer = { digest: 'sha256:' + 'b'.repeat(64), index: 2 };
  const out = codeDesired('acct', 'res', [
    secret({ location: { path: 'etc/app.env', line: 1, column: 7, layer, commit: { id: 'd'.repeat(40), author: 'dev <d@example.invalid>', date: '2026-02-03T04:05:06Z', inHead: true } } }),
    secret({ path: 'x.py', suppressed: { reason: 'vigil:ignore', source: 'x.py:3' } }),
  ], [code({ fix: { description: 'use an argument list', replacement: 'subprocess.run(["ls", cmd])' } })]);
  assert.equal(out.length, 2);
  const s = out.find((d) => d.type === 'secret')!;
  assert.equal(s.vulnerability_id, 'CWE-798');
  assert.equal(s.advisory_id, 'secret/github-pat-classic');
  assert.equal(s.package_name, 'etc/app.env');
  assert.equal(s.package_version, 'd'.repeat(40));
  assert.equal(s.package_layer, layer.digest);
  assert.equal(s.fix_availability, 'NO');
  const c = out.find((d) => d.type === 'code_vulnerability')!;
  assert.equal(c.vulnerability_id, 'CWE-78');
  assert.equal(c.advisory_id, 'python/command-injection');
  const details = JSON.parse(c.details);
  assert.equal(details.code.fix.replacement, 'subprocess.run(["ls", cmd])');
  assert.equal(details.scoring.formula, 'vigil-code-1');
  assert.ok(!JSON.stringify(out).includes(raw.slice(8)), 'only the prefix of a secret is stored');
});

test('a hardcoded credential found by both scanners on one line is one finding: the secret', () => {
  const cred = code({ rule: 'python/hardcoded-credentials', cwe: ['CWE-798'], severity: 'HIGH', path: 'app/settings.py', line: 3, snippet: 'TOKEN = "ghp_abcd…"', source: undefined });
  const out = codeDesired('acct', 'res', [secret()], [cred, code({ rule: 'python/hardcoded-credentials', cwe: ['CWE-798'], path: 'app/settings.py', line: 7, snippet: 'PASSWORD = "hunter2hunter2"' })]);
  assert.deepEqual(out.map((d) => `${d.type} ${JSON.parse(d.details)[d.type === 'secret' ? 'secret' : 'code'].location.line}`).sort(), ['code_vulnerability 7', 'secret 3']);
});
