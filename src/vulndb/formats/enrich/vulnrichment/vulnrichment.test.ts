import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { runFormat } from '../../testutil.ts';
import { vulnrichmentFormat } from './index.ts';

const here = new URL('./testdata/', import.meta.url);
const vulndata = new URL('../../../../../../shared/vulndata/', import.meta.url);
const fixture = (name: string) => ({ path: name, data: readFileSync(new URL(name, here)) });

test('detect: the header, nothing else', () => {
  assert.equal(vulnrichmentFormat.detect('sample.csv', fixture('sample.csv').data.toString('utf8')), true);
  for (const h of ['cveID,vendorProject,product', 'cve,epss,percentile\n', '#model_version:v1,score_date:x\n', '{"cve_id,state,":1}', 'cve_id,status,']) {
    assert.equal(vulnrichmentFormat.detect('x.csv', h), false, h);
  }
});

test('sample rows (real, CRLF): CVSS 3.x/4.0, CWEs, SSVC lower-cased, REJECTED skipped', () => {
  const out = runFormat(vulnrichmentFormat, [fixture('sample.csv')]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.enrichments, [
    { cve: 'CVE-1999-0006', cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss3Score: 9.8, cvss3Source: 'adp:CISA-ADP', cwes: ['CWE-121'], ssvc: { exploitation: 'none', automatable: 'yes', technicalImpact: 'total' } },
    { cve: 'CVE-2023-5038', cvss4Vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', cvss4Score: 8.7, cvss4Source: 'cna', cwes: ['CWE-248', 'CWE-703'], ssvc: { exploitation: 'none', automatable: 'yes', technicalImpact: 'partial' } },
    { cve: 'CVE-2016-8728', cvss3Vector: 'CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', cvss3Score: 8.6, cvss3Source: 'cna', ssvc: { exploitation: 'poc', automatable: 'no', technicalImpact: 'total' } },
    { cve: 'CVE-1999-0041', ssvc: { exploitation: 'none', automatable: 'no', technicalImpact: 'partial' } },
    { cve: 'CVE-2019-7256', cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss3Score: 9.8, cvss3Source: 'adp:CISA-ADP', cwes: ['CWE-78'], ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total' } },
  ]);
});

test('real file (gunzipped as the pipeline does): 44,130 rows, 104 REJECTED skipped, no errors', () => {
  const data = gunzipSync(readFileSync(new URL('cve/cvss-cwe-ssvc-vulnrichment.csv.gz', vulndata)));
  assert.equal(vulnrichmentFormat.detect('cve/cvss-cwe-ssvc-vulnrichment.csv.gz', data.subarray(0, 4096).toString('utf8')), true);
  const out = runFormat(vulnrichmentFormat, [{ path: 'cve/cvss-cwe-ssvc-vulnrichment.csv.gz', data }]);
  assert.deepEqual(out.errors, []);
  const e = out.enrichments;
  const count = (f: (x: (typeof e)[number]) => unknown) => e.filter(f).length;
  const stats = { rows: e.length + 104, emitted: e.length, v3: count((x) => x.cvss3Vector), v4: count((x) => x.cvss4Vector), cwe: count((x) => x.cwes), ssvc: count((x) => x.ssvc) };
  console.log('vulnrichment:', JSON.stringify(stats));
  // figures from the vulndata README
  assert.deepEqual(stats, { rows: 44130, emitted: 44026, v3: 32214, v4: 2331, cwe: 27267, ssvc: 44026 });
  assert.equal(new Set(e.map((x) => x.cve)).size, 44026);
});

test('bad rows are reported with their line; the good parts of a row are kept', () => {
  const out = runFormat(vulnrichmentFormat, [fixture('bad-rows.csv')]);
  assert.deepEqual(out.errors.map((x) => [x.input, x.rule]), [
    ['bad-rows.csv:2', 'cvss-score'],
    ['bad-rows.csv:3', 'cvss-vector'],
    ['bad-rows.csv:4', 'cve-id'],
    ['bad-rows.csv:5', 'cvss-version'],
    ['bad-rows.csv:6', 'cvss-score'],
    ['bad-rows.csv:6', 'cwe-id'],
    ['bad-rows.csv:6', 'ssvc-value'],
    ['bad-rows.csv:7', 'cve-state'],
    ['bad-rows.csv:8', 'csv-columns'],
    ['bad-rows.csv:10', 'duplicate-cve'],
  ]);
  const ssvc = { exploitation: 'none', automatable: 'no', technicalImpact: 'partial' };
  assert.deepEqual(out.enrichments, [
    { cve: 'CVE-2024-0001', cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss3Source: 'cna', cwes: ['CWE-79'], ssvc },
    { cve: 'CVE-2024-0002', cwes: ['CWE-79'], ssvc },
    { cve: 'CVE-2024-0004', cwes: ['CWE-79'], ssvc },
    { cve: 'CVE-2024-0005', cvss4Vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', cvss4Source: 'cna', cwes: ['CWE-79'], ssvc: { automatable: 'no', technicalImpact: 'partial' } },
    { cve: 'CVE-2024-0008', cwes: ['CWE-1'], ssvc },
  ]);
});

test('a header without the expected columns: one error, nothing emitted', () => {
  const out = runFormat(vulnrichmentFormat, [fixture('missing-columns.csv')]);
  assert.deepEqual(out.enrichments, []);
  assert.deepEqual(out.errors.map((x) => x.rule), ['csv-header']);
});
