import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFormat } from '../../testutil.ts';
import { formatSet } from '../intervals.ts';
import { clauseInterval, cvssV3, nodejsSecurityWgFormat, rangeSet, semverSuccessor } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));
const head = (name: string) => fixture(name).subarray(0, 4096).toString('utf8');

test('detect: vuln/{npm,core,deps} JSON by content, never OSV JSON', () => {
  assert.ok(nodejsSecurityWgFormat.detect('vuln/npm/100.json', head('happy/100.json')));
  assert.ok(nodejsSecurityWgFormat.detect('security-wg/vuln/npm/100.json', head('happy/100.json')));
  assert.ok(nodejsSecurityWgFormat.detect('vuln/core/1.json', head('happy/core-1.json')));
  assert.ok(nodejsSecurityWgFormat.detect('vuln/deps/1.json', head('happy/deps-1.json')));
  assert.ok(nodejsSecurityWgFormat.detect('vuln/npm/index.json', '{\n  "1": {\n    "id": 1,'));
  const osv = '{"schema_version": "1.6.0", "id": "NSWG-ECO-100", "modified": "x", "affected": [{"package": {"module_name": 1}}]}';
  assert.ok(!nodejsSecurityWgFormat.detect('vuln/npm/100.json', osv));
  assert.ok(!nodejsSecurityWgFormat.detect('npm/NSWG-ECO-100.json', osv));
  assert.ok(!nodejsSecurityWgFormat.detect('vuln/core/1.json', head('happy/100.json').replace('"vulnerable_versions"', '"x"').replace('"patched_versions"', '"y"')));
  assert.ok(!nodejsSecurityWgFormat.detect('gems/rails/CVE-2019-5418.yml', 'gem: rails'));
});

test('node-semver ranges become intervals; x-range upper bounds drop their -0', () => {
  assert.equal(formatSet([clauseInterval('<= 1.0')]), '(−∞, 1.1.0)');
  assert.equal(formatSet([clauseInterval('2.0.x')]), '[2.0.0, 2.1.0)');
  assert.equal(formatSet([clauseInterval('>2.51.0 <=2.67.0')]), '(2.51.0, 2.67.0]');
  assert.equal(formatSet([clauseInterval('*')]), '(−∞, +∞)');
  assert.equal(formatSet([clauseInterval('<=v2.0.0-alpha7')]), '(−∞, 2.0.0-alpha7]');
  assert.equal(formatSet(rangeSet('^1.2.3 || ^2.0.0')), '[1.2.3, 3.0.0)');
  assert.equal(semverSuccessor('2.51.0'), '2.51.1-0');
  assert.equal(semverSuccessor('1.0.0-beta'), '1.0.0-beta.0');
  assert.throws(() => clauseInterval('>= one'));
});

test('cvss_vector: v3 vectors become severity, a bare v3 vector gets its prefix, v2 does not', () => {
  assert.equal(cvssV3('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'), 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
  assert.equal(cvssV3('AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'), 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
  assert.equal(cvssV3('AV:N/AC:L/Au:N/C:P/I:P/A:P'), undefined);
});

test('happy: npm advisories, one affected entry per || clause; core skipped; deps ignored', () => {
  const out = runFormat(nodejsSecurityWgFormat, [
    { path: 'vuln/npm/100.json', data: fixture('happy/100.json') },
    { path: 'vuln/npm/11.json', data: fixture('happy/11.json') },
    { path: 'vuln/npm/309.json', data: fixture('happy/309.json') },
    { path: 'vuln/core/1.json', data: fixture('happy/core-1.json') },
    { path: 'vuln/deps/1.json', data: fixture('happy/deps-1.json') },
    { path: 'vuln/npm/index.json', data: '{"100": {}}' },
  ]);
  assert.deepEqual(out.errors.map((e) => e.rule), ['unsupported-ecosystem']);
  const [uri, r11, req] = out.records;
  assert.equal(uri.id, 'NSWG-ECO-100');
  assert.equal(uri.modified, '2017-04-14T00:00:00Z');
  assert.equal(uri.published, '2017-04-14T00:00:00Z');
  assert.deepEqual(uri.severity, [{ type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }]);
  assert.equal(uri.database_specific!.cvss_score, 7.5);
  assert.deepEqual(uri.affected![0].package, { ecosystem: 'npm', name: 'uri-js', purl: 'pkg:npm/uri-js' });
  assert.deepEqual(uri.affected![0].ranges, [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '2.1.1' }] }]);
  assert.match(uri.details!, /Upgrade to v3\.0\.0$/);
  assert.equal(r11.affected!.length, 2);
  assert.deepEqual(r11.affected!.map((a) => a.ranges![0].events), [
    [{ introduced: '2.0.0' }, { fixed: '2.1.0' }],
    [{ introduced: '2.1.0' }, { fixed: '2.2.0' }],
  ]);
  // "> 2.51.0" is exact in SemVer: the next version is 2.51.1-0
  assert.deepEqual(req.affected![1].ranges![0].events, [{ introduced: '2.51.1-0' }, { last_affected: '2.67.0' }]);
  assert.equal(req.affected![1].database_specific!.clause, '>2.51.0 <=2.67.0');
  assert.equal(req.affected![1].database_specific!.patched_overlap, undefined);
});

test('patched_versions overlapping vulnerable_versions is kept and named', () => {
  const json = JSON.stringify({ id: 357, updated_at: '2018-01-02', title: 'T', module_name: 'm', vulnerable_versions: '>=2.0.0', patched_versions: '>=2.15.0' });
  const out = runFormat(nodejsSecurityWgFormat, [{ path: 'vuln/npm/357.json', data: json }]);
  assert.deepEqual(out.records[0].affected![0].ranges![0].events, [{ introduced: '2.0.0' }]);
  assert.equal(out.records[0].affected![0].database_specific!.patched_overlap, '[2.15.0, +∞)');
});

test('sad: each bad file is reported by rule, the others still convert', () => {
  const out = runFormat(nodejsSecurityWgFormat, [
    { path: 'vuln/npm/9001.json', data: fixture('sad/not-json.json') },
    { path: 'vuln/npm/9002.json', data: fixture('sad/bad-range.json') },
    { path: 'vuln/npm/9003.json', data: fixture('sad/no-module.json') },
    { path: 'vuln/npm/100.json', data: fixture('happy/100.json') },
  ]);
  assert.deepEqual(out.errors.map((e) => e.rule), ['not-json', 'unparseable-constraint', 'nodejs-security-wg-schema']);
  assert.equal(out.records.length, 1);
});
