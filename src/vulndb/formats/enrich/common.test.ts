import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect } from '../testutil.ts';
import { checkCvss, isCveId, isIsoDate, MAX_CSV_ERRORS, parseCweList, parseDecimal, readCsv } from './common.ts';

test('CVE ids, dates, decimals', () => {
  for (const ok of ['CVE-1999-0001', 'CVE-2024-1234567', 'CVE-2024-1234567890123456789']) assert.equal(isCveId(ok), true, ok);
  for (const bad of ['CVE-99-0001', 'CVE-2024-123', 'cve-2024-1234', 'CVE-2024-1234 ', 'CVE-2024-12345678901234567890', 42]) assert.equal(isCveId(bad), false, String(bad));
  for (const ok of ['2024-02-29', '2021-12-10']) assert.equal(isIsoDate(ok), true, ok);
  for (const bad of ['2023-02-29', '2021-13-01', '2021-1-01', '2021-12-10T00:00:00Z', '']) assert.equal(isIsoDate(bad), false, bad);
  assert.equal(parseDecimal('9.8', 0, 10), 9.8);
  assert.equal(parseDecimal('4.3e-05', 0, 1), 0.000043);
  assert.equal(parseDecimal(10, 0, 10), 10);
  for (const bad of ['', ' 1', '0x1', '-1', '1,5', 'NaN', 'Infinity', '10.1', null]) assert.equal(parseDecimal(bad, 0, 10), undefined, String(bad));
});

test('CWE lists: both separators, duplicates dropped, bad tokens reported', () => {
  const out = collect();
  assert.deepEqual(parseCweList('CWE-59, CWE-436', 'x', out), ['CWE-59', 'CWE-436']);
  assert.deepEqual(parseCweList('CWE-122;CWE-125;CWE-122', 'x', out), ['CWE-122', 'CWE-125']);
  assert.equal(parseCweList('', 'x', out), undefined);
  assert.equal(out.errors.length, 0);
  assert.deepEqual(parseCweList(['CWE-1', 'NVD-CWE-Other', 7], 'y', out), ['CWE-1']);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [['y', 'cwe-id'], ['y', 'cwe-id']]);
});

test('checkCvss: a bad vector drops vector and score, a bad score only the score', () => {
  const out = collect();
  const v = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
  assert.deepEqual(checkCvss(v, '9.8', ['3.0', '3.1'], 'i', out), { vector: v, score: 9.8 });
  assert.deepEqual(checkCvss(v, 'n/a', ['3.1'], 'i', out), { vector: v });
  assert.deepEqual(checkCvss('CVSS:3.1/AV:N', '9.8', ['3.1'], 'i', out), {});
  assert.deepEqual(checkCvss(v, 9.8, ['4.0'], 'i', out), {});
  assert.deepEqual(checkCvss('', '', ['3.1'], 'i', out), {});
  assert.deepEqual(out.errors.map((e) => e.rule), ['cvss-score', 'cvss-vector', 'cvss-version']);
});

test('readCsv: line numbers survive BOM, CRLF, blank lines and quoted line breaks', () => {
  const out = collect();
  const text = '\ufeffa,b\r\n"multi\r\nline",1\r\n\r\n\r\nx,2\r\ny\r\n"é\nz",3\r\nlast,4';
  const rows = [...readCsv({ path: 'f.csv', data: Buffer.from(text) }, Buffer.from(text), ['a', 'b'], out)];
  assert.deepEqual(rows.map((r) => [r.line, r.fields.a, r.fields.b]), [[2, 'multi\r\nline', '1'], [6, 'x', '2'], [8, 'é\nz', '3'], [10, 'last', '4']]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [['f.csv:7', 'csv-columns']]);
});

test('readCsv: a start offset keeps file line numbers; a broken quote is reported in order', () => {
  const out = collect();
  const data = Buffer.from('#comment line\ncve,n\nCVE-1,1\nCVE-2,"2\nCVE-3,3\n');
  const rows = [...readCsv({ path: 'f.csv', data }, data, ['cve', 'n'], out, data.indexOf(0x0a) + 1)];
  assert.deepEqual(rows.map((r) => [r.line, r.fields.cve]), [[3, 'CVE-1']]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [['f.csv:4', 'csv-syntax']]);
});

test('readCsv (fuzz regression): a line of stray quotes is bounded work; good rows before it are kept', () => {
  // csv-parse reports one error per stray quote, each costing the length of the record: a 45 KB
  // line like this took 16 s, a 1 MB one minutes. Past MAX_CSV_ERRORS broken rows the rest is dropped.
  const out = collect();
  const data = Buffer.from(`cve,n\nCVE-1,1\nCVE-2,${'[{"a:'.repeat(200_000)}\nCVE-3,3\n`);
  const rows = [...readCsv({ path: 'f.csv', data }, data, ['cve', 'n'], out)];
  assert.deepEqual(rows.map((r) => r.fields.cve), ['CVE-1']);
  assert.ok(out.errors.length <= MAX_CSV_ERRORS + 1, String(out.errors.length));
  assert.ok(out.errors.every((e) => e.rule === 'csv-syntax'));
});
