import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runFormat } from '../../testutil.ts';
import { nvdFormat } from './index.ts';

// No real NVD file is available offline: cves-page.json is written by hand in the documented
// API 2.0 shape (see README.md). Scores in it agree with their vectors (checked by cvssScore).
const here = new URL('./testdata/', import.meta.url);
const fixture = (name: string) => ({ path: name, data: readFileSync(new URL(name, here)) });

test('detect: NVD_CVE responses only', () => {
  for (const name of ['cves-page.json', 'bad-items.json', 'truncated.json']) {
    assert.equal(nvdFormat.detect(name, fixture(name).data.subarray(0, 4096).toString('utf8')), true, name);
  }
  for (const h of [
    fixture('wrong-format.json').data.toString('utf8'),
    '{"catalogVersion":"2025.08.25","vulnerabilities":[]}',
    '{"id":"CVE-2021-44228","sourceIdentifier":"security@apache.org","vulnStatus":"Analyzed"}',
    '{"CVE_data_type":"CVE","CVE_data_format":"MITRE","CVE_data_version":"4.0","CVE_Items":[]}',
    'cve,epss,percentile',
  ]) assert.equal(nvdFormat.detect('x.json', h), false, h);
});

test('a page: Primary metrics preferred, CWEs Primary first, KEV fields, rejected skipped', () => {
  const out = runFormat(nvdFormat, [fixture('cves-page.json')]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.enrichments.map((e) => e.cve), ['CVE-2021-44228', 'CVE-2024-3094', 'CVE-2023-5038', 'CVE-2017-5638', 'CVE-2025-10001']);
  const [log4j, xz, v4, struts, received] = out.enrichments;
  assert.deepEqual(log4j, {
    cve: 'CVE-2021-44228',
    cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    cvss3Score: 10,
    cvss3Source: 'nvd@nist.gov',
    cwes: ['CWE-917', 'CWE-20', 'CWE-400', 'CWE-502'],
    kev: {
      dateAdded: '2021-12-10',
      dueDate: '2021-12-24',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability',
      requiredAction: 'For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. Temporary mitigations using one of the measures provided at https://www.cisa.gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only acceptable until updates are available.',
    },
    description: 'Apache Log4j2 2.0-beta9 through 2.15.0 (excluding security releases 2.12.2, 2.12.3, and 2.3.1) JNDI features used in configuration, log messages, and parameters do not protect against attacker controlled LDAP and other JNDI related endpoints.',
  });
  assert.equal(xz.cvss3Source, 'secalert@redhat.com'); // only a Secondary metric: it is used
  assert.deepEqual(xz.cwes, ['CWE-506']);
  assert.equal(xz.kev, undefined);
  assert.deepEqual([v4.cvss4Vector, v4.cvss4Score, v4.cvss4Source], ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', 8.7, 'cna@example.org']);
  assert.deepEqual([v4.cvss3Score, v4.cwes], [7.5, ['CWE-248', 'CWE-703']]); // NVD-CWE-noinfo is no CWE
  assert.deepEqual([struts.cvss3Vector, struts.cvss3Score, struts.kev?.dateAdded], ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, '2021-11-03']);
  assert.deepEqual(received, { cve: 'CVE-2025-10001', description: 'A newly received CVE with no metrics yet (illustrative).' });
});

test('bad items are reported with their index; the good parts are kept', () => {
  const out = runFormat(nvdFormat, [fixture('bad-items.json')]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['bad-items.json:vulnerabilities[0]', 'cve-id'],
    ['bad-items.json:vulnerabilities[1]', 'cvss-vector'],
    ['bad-items.json:vulnerabilities[2]', 'cvss-score'],
    ['bad-items.json:vulnerabilities[3]', 'cvss-version'],
    ['bad-items.json:vulnerabilities[4]', 'nvd-schema'],
    ['bad-items.json:vulnerabilities[5]', 'date'],
    ['bad-items.json:vulnerabilities[6]', 'cwe-id'],
    ['bad-items.json:vulnerabilities[7]', 'nvd-schema'],
    ['bad-items.json:vulnerabilities[8]', 'duplicate-cve'],
  ]);
  assert.deepEqual(out.enrichments, [
    { cve: 'CVE-2024-0001', cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss3Score: 9.8, cvss3Source: 'cna@example.org' },
    { cve: 'CVE-2024-0002', cvss3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss3Source: 'nvd@nist.gov' },
    { cve: 'CVE-2024-0003', description: 'v3.1 vector filed as v4.0' },
    { cve: 'CVE-2024-0004', description: 'metric without cvssData' },
    { cve: 'CVE-2024-0005', description: 'KEV fields dropped' },
    { cve: 'CVE-2024-0006', cwes: ['CWE-80'] },
  ]);
});

test('broken files: one error each, nothing emitted', () => {
  for (const [name, rule] of [['truncated.json', 'not-json'], ['wrong-format.json', 'nvd-schema']]) {
    const out = runFormat(nvdFormat, [fixture(name)]);
    assert.deepEqual(out.enrichments, []);
    assert.deepEqual(out.errors.map((e) => e.rule), [rule], name);
  }
});
