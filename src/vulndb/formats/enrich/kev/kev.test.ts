import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runFormat } from '../../testutil.ts';
import { kevFormat } from './index.ts';

const here = new URL('./testdata/', import.meta.url);
const vulndata = new URL('../../../../../../shared/vulndata/', import.meta.url);
const fixture = (name: string) => ({ path: name, data: readFileSync(new URL(name, here)) });
const head = (data: Buffer) => data.subarray(0, 4096).toString('utf8');

test('detect: claims KEV JSON and CSV by content, nothing else', () => {
  for (const name of ['three.json', 'three.csv', 'bad-items.json', 'bad-rows.csv']) {
    assert.equal(kevFormat.detect(name, head(fixture(name).data)), true, name);
  }
  assert.equal(kevFormat.detect('x.json', '\ufeff{"catalogVersion":"1","vulnerabilities":[]}'), true);
  for (const h of [
    'cve_id,state,date_published,date_updated,cvss3_vector',
    '#model_version:v2025.03.14,score_date:2025-11-16T12:55:00Z\ncve,epss,percentile\n',
    '{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","vulnerabilities":[',
    '{"id":"GO-2020-0001","modified":"2023-01-01T00:00:00Z","summary":"catalogVersion"}',
    'catalogVersion,cveID',
  ]) assert.equal(kevFormat.detect('x', h), false, h);
});

test('three entries, JSON and CSV give the same enrichment', () => {
  const json = runFormat(kevFormat, [fixture('three.json')]);
  const csv = runFormat(kevFormat, [fixture('three.csv')]);
  assert.deepEqual(json.errors, []);
  assert.deepEqual(csv.errors, []);
  assert.equal(json.enrichments.length, 3);
  const byCve = (l: typeof json.enrichments) => [...l].sort((a, b) => a.cve.localeCompare(b.cve));
  assert.deepEqual(byCve(csv.enrichments), byCve(json.enrichments));
  assert.deepEqual(json.enrichments.find((e) => e.cve === 'CVE-2021-44228'), {
    cve: 'CVE-2021-44228',
    cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
    kev: {
      dateAdded: '2021-12-10',
      dueDate: '2021-12-24',
      vendorProject: 'Apache',
      product: 'Log4j2',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability',
      requiredAction: 'For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. Temporary mitigations using one of the measures provided at https://www.cisa.gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only acceptable until updates are available.',
      knownRansomwareCampaignUse: 'Known',
    },
  });
});

test('real catalog 2025.08.25: 1,404 CVEs, JSON and CSV identical', () => {
  const json = runFormat(kevFormat, [{ path: 'known_exploited_vulnerabilities.json', data: readFileSync(new URL('kev/known_exploited_vulnerabilities.json', vulndata)) }]);
  const csv = runFormat(kevFormat, [{ path: 'known_exploited_vulnerabilities.csv', data: readFileSync(new URL('kev/known_exploited_vulnerabilities.csv', vulndata)) }]);
  assert.deepEqual(json.errors, []);
  assert.deepEqual(csv.errors, []);
  assert.equal(json.enrichments.length, 1404);
  assert.equal(csv.enrichments.length, 1404);
  assert.equal(new Set(json.enrichments.map((e) => e.cve)).size, 1404);
  const sort = (l: typeof json.enrichments) => [...l].sort((a, b) => a.cve.localeCompare(b.cve));
  assert.deepEqual(sort(csv.enrichments), sort(json.enrichments));
  const known = json.enrichments.filter((e) => e.kev?.knownRansomwareCampaignUse === 'Known').length;
  const withCwe = json.enrichments.filter((e) => e.cwes).length;
  console.log(`KEV: ${json.enrichments.length} CVEs, ${known} with known ransomware use, ${withCwe} with CWEs; JSON == CSV`);
  assert.equal(withCwe, 1404 - 152);
});

test('bad JSON items are reported with their index, the rest kept', () => {
  const out = runFormat(kevFormat, [fixture('bad-items.json')]);
  assert.deepEqual(out.enrichments.map((e) => e.cve), ['CVE-2024-8068', 'CVE-2024-0003']);
  assert.deepEqual(out.enrichments[0].cwes, ['CWE-269']);
  assert.equal(out.enrichments[1].kev?.dueDate, undefined);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['bad-items.json:vulnerabilities[0]', 'cwe-id'],
    ['bad-items.json:vulnerabilities[1]', 'cve-id'],
    ['bad-items.json:vulnerabilities[2]', 'date'],
    ['bad-items.json:vulnerabilities[3]', 'kev-schema'],
    ['bad-items.json:vulnerabilities[4]', 'date'],
    ['bad-items.json:vulnerabilities[5]', 'kev-schema'],
    ['bad-items.json:vulnerabilities[6]', 'duplicate-cve'],
  ]);
});

test('bad CSV rows are reported with their line, the rest kept', () => {
  const out = runFormat(kevFormat, [fixture('bad-rows.csv')]);
  assert.deepEqual(out.enrichments.map((e) => e.cve), ['CVE-2024-8068', 'CVE-2024-0003']);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['bad-rows.csv:2', 'cwe-id'],
    ['bad-rows.csv:3', 'cve-id'],
    ['bad-rows.csv:4', 'date'],
    ['bad-rows.csv:5', 'csv-columns'],
    ['bad-rows.csv:7', 'date'],
    ['bad-rows.csv:8', 'csv-syntax'],
  ]);
});

test('broken files: one error each, nothing emitted', () => {
  for (const [name, rule] of [['truncated.json', 'not-json'], ['missing-columns.csv', 'csv-header']]) {
    const out = runFormat(kevFormat, [fixture(name)]);
    assert.deepEqual(out.enrichments, []);
    assert.deepEqual(out.errors.map((e) => e.rule), [rule], name);
  }
  const notCatalog = runFormat(kevFormat, [{ path: 'x.json', data: '{"catalogVersion": 3}' }]);
  assert.deepEqual(notCatalog.errors.map((e) => e.rule), ['kev-schema']);
});
