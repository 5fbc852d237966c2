import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync, gunzipSync } from 'node:zlib';
import { runFormat } from '../../testutil.ts';
import { epssFormat } from './index.ts';

// No real EPSS file is available offline; the fixtures are written by hand in the documented
// layout (see README.md), with plausible but not authoritative values.
const here = new URL('./testdata/', import.meta.url);
const fixture = (name: string) => ({ path: name, data: readFileSync(new URL(name, here)) });

test('detect: by the comment line and header, nothing else', () => {
  for (const name of ['epss_scores-2025-11-16.csv', 'epss_scores-2022-02-04.csv', 'bad-rows.csv']) {
    assert.equal(epssFormat.detect(name, fixture(name).data.toString('utf8')), true, name);
  }
  assert.equal(epssFormat.detect('x', '#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000\r\ncve,epss,percentile\r\n'), true);
  for (const h of [
    'no-header.csv', '#model_version:v2025.03.14,score_date:2025-11-16T12:55:00Z\ncve,score\n', '# comment\ncve,epss,percentile\n',
    'cve_id,state,date_published', 'cveID,vendorProject,product', 'cve,epss,percentile,extra\n',
  ]) assert.equal(epssFormat.detect('x', h.endsWith('.csv') ? fixture(h).data.toString('utf8') : h), false, h);
});

test('a daily file: scores, percentiles and the score date', () => {
  const out = runFormat(epssFormat, [fixture('epss_scores-2025-11-16.csv')]);
  assert.deepEqual(out.errors, []);
  assert.equal(out.enrichments.length, 5);
  assert.deepEqual(out.enrichments[2], { cve: 'CVE-2021-44228', epss: { score: 0.94358, percentile: 0.99957, date: '2025-11-16' } });
  assert.deepEqual(out.enrichments[4], { cve: 'CVE-2025-10001', epss: { score: 0.00043, percentile: 0.09123, date: '2025-11-16' } });
});

test('the same bytes after gzip/gunzip (the pipeline decompresses .csv.gz before parse)', () => {
  const f = fixture('epss_scores-2025-11-16.csv');
  const again = runFormat(epssFormat, [{ path: 'epss_scores-2025-11-16.csv.gz', data: gunzipSync(gzipSync(f.data)) }]);
  assert.deepEqual(again.enrichments, runFormat(epssFormat, [f]).enrichments);
});

test('an old file without the comment line takes its date from the file name', () => {
  const out = runFormat(epssFormat, [fixture('epss_scores-2022-02-04.csv')]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.enrichments, [
    { cve: 'CVE-2021-44228', epss: { score: 0.97565, percentile: 0.9999, date: '2022-02-04' } },
    { cve: 'CVE-2022-0001', epss: { score: 0.000043, percentile: 0.00812, date: '2022-02-04' } },
  ]);
  const renamed = runFormat(epssFormat, [{ path: 'scores.csv', data: fixture('epss_scores-2022-02-04.csv').data }]);
  assert.equal(renamed.enrichments[0].epss?.date, undefined);
});

test('bad rows are reported with their file line, the rest kept', () => {
  const out = runFormat(epssFormat, [fixture('bad-rows.csv')]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['bad-rows.csv:4', 'cve-id'],
    ['bad-rows.csv:5', 'epss-score'],
    ['bad-rows.csv:6', 'epss-score'],
    ['bad-rows.csv:7', 'epss-score'],
    ['bad-rows.csv:8', 'csv-columns'],
    ['bad-rows.csv:9', 'duplicate-cve'],
  ]);
  assert.deepEqual(out.enrichments.map((e) => [e.cve, e.epss?.score]), [['CVE-2021-44228', 0.94358], ['CVE-2021-0006', 0.0001]]);
});

test('an unreadable comment line: reported, scores kept without a date; no header: one error', () => {
  const bad = runFormat(epssFormat, [fixture('bad-comment.csv')]);
  assert.deepEqual(bad.errors.map((e) => [e.input, e.rule]), [['bad-comment.csv:1', 'epss-comment']]);
  assert.deepEqual(bad.enrichments, [{ cve: 'CVE-2021-0001', epss: { score: 0.1, percentile: 0.2 } }]);
  const none = runFormat(epssFormat, [fixture('no-header.csv')]);
  assert.deepEqual(none.enrichments, []);
  assert.deepEqual(none.errors.map((e) => e.rule), ['csv-header']);
});
