import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable, renderJson, renderSarif, renderCsv, csvField } from './index.ts';
import { testScanResult, checkGolden } from '../testutil.ts';
import { createSchemaValidators, describeSchemaErrors } from '../schemas/index.ts';
import type { ScanResult } from '../../model/index.ts';

const golden = (name: string) => new URL(`testdata/golden/${name}`, import.meta.url);

/** The same scan with packages (and so every packageIndex) in reverse order. */
function shuffled(): ScanResult {
  const r = testScanResult();
  const n = r.packages.length;
  const at = (i: number) => n - 1 - i;
  return {
    ...r,
    packages: [...r.packages].reverse(),
    findings: [...r.findings].reverse().map((f) => ({ ...f, packageIndex: at(f.packageIndex), aliases: [...f.aliases].reverse() })),
    unknown: r.unknown.map((u) => ({ ...u, packageIndex: at(u.packageIndex) })),
    fixes: [...r.fixes].reverse().map((f) => ({ ...f, packageIndex: at(f.packageIndex) })),
  };
}

test('table: golden, plain', async () => {
  const out = renderTable(testScanResult());
  assert.ok(!out.includes('\x1b['), 'no colour unless asked');
  assert.ok(out.indexOf('Malicious packages') < out.indexOf('(Debian:11)\n'), 'malicious section comes first');
  assert.match(out, /Total: 7 \(CRITICAL: 2, HIGH: 2, MEDIUM: 2, LOW: 0, NONE: 0, UNKNOWN: 1\), suppressed: 1/);
  assert.ok(!out.includes('CVE-2023-45133'), 'suppressed findings hidden by default');
  await checkGolden(golden('table.txt'), out);
});

test('table: colour and suppressed on request', async () => {
  const out = renderTable(testScanResult(), { color: true, showSuppressed: true });
  assert.ok(out.includes('\x1b[1;31mCRITICAL\x1b[0m'));
  assert.match(out, /CVE-2023-45133 \(GHSA-67hx-6x53-jw92\) \(suppressed\)/);
  await checkGolden(golden('table-color.txt'), out);
});

test('table: empty result', () => {
  const r = testScanResult();
  const out = renderTable({ ...r, findings: [], unknown: [], errors: [] });
  assert.match(out, /No vulnerabilities found\./);
  assert.match(out, /Total: 0 /);
});

test('json: golden, and independent of input order', async () => {
  const out = renderJson(testScanResult());
  assert.equal(renderJson(shuffled()), out);
  const parsed = JSON.parse(out) as ScanResult;
  assert.deepEqual(Object.keys(parsed), [...Object.keys(parsed)].sort());
  // indices were remapped consistently
  for (const f of parsed.findings) assert.equal(parsed.packages[f.packageIndex].version, f.installedVersion);
  await checkGolden(golden('result.json'), out);
});

test('sarif: valid against the official 2.1.0 schema; golden', async () => {
  const out = renderSarif(testScanResult());
  const validate = createSchemaValidators().sarif();
  const log = JSON.parse(out) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validate(JSON.parse(out)), describeSchemaErrors(validate.errors));
  const run = log.runs[0];
  const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
  assert.deepEqual(ruleIds, [...new Set(ruleIds)].sort(), 'one rule per vulnerability id, sorted');
  const zlib = run.tool.driver.rules.find((r: { id: string }) => r.id === 'CVE-2022-37434');
  assert.equal(zlib.properties['security-severity'], '9.8');
  assert.match(zlib.help.text, /CVSS 3.1 9.8/);
  const levels = Object.fromEntries(run.results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level]));
  assert.equal(levels['CVE-2022-37434'], 'error');
  assert.equal(levels['CVE-2020-28500'], 'warning');
  const sup = run.results.find((r: { ruleId: string }) => r.ruleId === 'CVE-2023-45133');
  assert.equal(sup.suppressions[0].kind, 'external');
  const ms = run.results.every((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations.length > 0);
  assert.ok(ms);
  assert.equal(renderSarif(shuffled()), out);
  await checkGolden(golden('result.sarif'), out);
});

test('sarif: the validator rejects a broken log (it is not vacuous)', () => {
  const validate = createSchemaValidators().sarif();
  const log = JSON.parse(renderSarif(testScanResult())) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  log.runs[0].results[0].level = 'fatal';
  assert.equal(validate(log), false);
});

test('csv: RFC 4180 quoting', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  // a package or path a spreadsheet would run as a formula is shown as text (the API's CSV does the same)
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField('@sum'), "'@sum");
});

test('csv: golden; header and one row per unsuppressed finding', async () => {
  const out = renderCsv(testScanResult());
  const lines = out.split('\r\n');
  assert.equal(lines[0], 'target,package,ecosystem,installed,fixed,severity,vulnerability,advisory,type,layer,path');
  assert.equal(lines.length - 2, 7);
  assert.equal(renderCsv(testScanResult(), { showSuppressed: true }).split('\r\n').length - 2, 8);
  assert.equal(renderCsv(shuffled()), out);
  await checkGolden(golden('result.csv'), out);
});

test('a partial scan says so: table warning line, JSON field, SARIF notifications (still schema-valid)', () => {
  const errors = [{ path: 'layer sha256:abc!big', rule: 'decompression-bomb', message: 'big: ratio over 1000' }, { path: 'x.jar', rule: 'overlapping-entries', message: '3 entries overlap', count: 3 }];
  const r: ScanResult = { ...testScanResult(), errors, partial: { skipped: 4, rules: { 'decompression-bomb': 1, 'overlapping-entries': 3 }, examples: [{ path: errors[0].path, rule: errors[0].rule }, { path: errors[1].path, rule: errors[1].rule, count: 3 }] } };
  assert.match(renderTable(r), /\npartial scan: 4 files skipped \(decompression-bomb: layer sha256:abc!big, overlapping-entries: x\.jar ×3\)\n/);
  assert.deepEqual(JSON.parse(renderJson(r)).partial.rules, { 'decompression-bomb': 1, 'overlapping-entries': 3 });
  const sarif = renderSarif(r);
  const validate = createSchemaValidators().sarif();
  assert.ok(validate(JSON.parse(sarif)), describeSchemaErrors(validate.errors));
  const run = JSON.parse(sarif).runs[0];
  assert.deepEqual(run.invocations[0].toolExecutionNotifications.map((n: { descriptor: { id: string } }) => n.descriptor.id), ['decompression-bomb', 'overlapping-entries']);
  assert.ok(!renderTable(testScanResult()).includes('partial scan'), 'a complete scan has no such line');
});

test('json: written in pieces, the same bytes as stringifying the canonical result whole', async () => {
  const { canonicalize, sortKeys } = await import('./common.ts');
  const whole = (r: ScanResult) => `${JSON.stringify(sortKeys(canonicalize(r)), null, 2)}\n`;
  const r = shuffled();
  assert.equal(renderJson(r), whole(r));
  // names that make a field-by-field order differ from the joined key's: the keys are built
  const odd = testScanResult();
  odd.packages.push({ ...odd.packages[0], name: `${odd.packages[0].name}\u0001x`, locations: ['', 'b'] }, { ...odd.packages[0], locations: [] });
  assert.equal(renderJson(odd), whole(odd));
  const empty = { ...testScanResult(), packages: [], findings: [], unknown: [], fixes: [] };
  assert.equal(renderJson(empty), whole(empty));
});
