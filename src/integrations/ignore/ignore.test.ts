import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyIgnores, loadIgnoreFile } from './index.ts';
import { testScanResult, checkGolden } from '../testutil.ts';
import { VigilError } from '../../model/index.ts';

const data = (f: string) => readFileSync(new URL(`testdata/${f}`, import.meta.url));
const NOW = new Date('2026-03-01T12:00:00Z');

function unsuppressed() {
  const r = testScanResult();
  for (const f of r.findings) delete f.suppressed;
  return r;
}

test('yaml: rules, package constraints, expiry', async () => {
  const rules = loadIgnoreFile(data('ignore.yaml'), 'ignore.yaml');
  assert.equal(rules.length, 4);
  const r = unsuppressed();
  const rep = applyIgnores(r, rules, NOW);
  const sup = r.findings.filter((f) => f.suppressed).map((f) => `${f.vulnerability} ${f.suppressed!.source}`).sort();
  assert.deepEqual(sup, ['CVE-2021-23337 ignore.yaml: ignore[0]', 'CVE-2023-32681 ignore.yaml: ignore[1]']);
  assert.deepEqual(rep.expired.map((x) => x.id), ['CVE-2022-37434']);
  assert.deepEqual(rep.unused.map((x) => x.id), ['CVE-2099-0001']);
  assert.equal(rep.suppressed, 2);
  await checkGolden(new URL('testdata/golden/yaml-findings.json', import.meta.url),
    JSON.stringify(r.findings.map((f) => ({ id: f.id, suppressed: f.suppressed ?? null })), null, 2) + '\n');
});

test('yaml: a rule applies through its expiry day and not after', () => {
  const rules = loadIgnoreFile('ignore:\n  - id: CVE-2022-37434\n    reason: r\n    expires: 2026-03-01\n', 'x.yaml');
  let r = unsuppressed();
  assert.equal(applyIgnores(r, rules, new Date('2026-03-01T23:59:59Z')).suppressed, 1);
  r = unsuppressed();
  const rep = applyIgnores(r, rules, new Date('2026-03-02T00:00:00Z'));
  assert.equal(rep.suppressed, 0);
  assert.equal(rep.expired.length, 1);
});

test('yaml: package constraint that does not match leaves the finding', () => {
  const rules = loadIgnoreFile('ignore:\n  - id: CVE-2021-23337\n    package: pkg:npm/lodash@4.17.21\n    reason: r\n', 'x.yaml');
  const r = unsuppressed();
  assert.equal(applyIgnores(r, rules, NOW).suppressed, 0);
});

test('openvex: not_affected suppresses via subcomponent purl; under_investigation and affected do not', () => {
  const rules = loadIgnoreFile(data('vex.openvex.json'), 'vex.openvex.json');
  assert.deepEqual(rules.map((x) => x.status), ['not_affected', 'under_investigation', 'affected']);
  const r = unsuppressed();
  const rep = applyIgnores(r, rules, NOW);
  const sup = r.findings.filter((f) => f.suppressed);
  assert.equal(sup.length, 1);
  assert.equal(sup[0].vulnerability, 'CVE-2023-0286');
  assert.equal(sup[0].suppressed!.reason, 'not_affected: vulnerable_code_not_in_execute_path: the image never parses X.400 addresses');
  assert.equal(rep.suppressed, 1);
});

test('openvex: an alias matches, and a product that is the image covers every package', () => {
  const vex = JSON.stringify({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    statements: [{ vulnerability: { name: 'CVE-2099-1', aliases: ['GHSA-35jh-r3h4-6jhm'] }, products: [{ '@id': 'pkg:oci/app' }], status: 'fixed' }],
  });
  const r = unsuppressed();
  assert.equal(applyIgnores(r, loadIgnoreFile(vex, 'v.json'), NOW).suppressed, 1);
});

test('sad: invalid files name the file and the rule', () => {
  const cases: [string, string][] = [
    ['not-yaml.yaml', 'yaml'], ['no-reason.yaml', 'ignore-yaml-schema'], ['bad-status.openvex.json', 'openvex-schema'],
  ];
  for (const [file, rule] of cases) {
    assert.throws(() => loadIgnoreFile(data(file), file), (e: unknown) => {
      assert.ok(e instanceof VigilError);
      assert.equal(e.rule, rule);
      assert.ok(e.message.includes(file), e.message);
      return true;
    });
  }
});
