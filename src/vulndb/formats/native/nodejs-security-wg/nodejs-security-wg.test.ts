import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runFormat } from '../../testutil.ts';
import { formatSet } from '../intervals.ts';
import { clauseInterval, cvssV3, nodejsSecurityWgFormat, rangeSet, releaseMonth, semverSuccessor } from './index.ts';

const SNAPSHOT = fileURLToPath(new URL('../../../../../../shared/vulndata/native/nodejs-security-wg/all.zip', import.meta.url));
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

test('happy: npm advisories, one affected entry per || clause; core converted; deps ignored', () => {
  const out = runFormat(nodejsSecurityWgFormat, [
    { path: 'vuln/npm/100.json', data: fixture('happy/100.json') },
    { path: 'vuln/npm/11.json', data: fixture('happy/11.json') },
    { path: 'vuln/npm/309.json', data: fixture('happy/309.json') },
    { path: 'vuln/core/1.json', data: fixture('happy/core-1.json') },
    { path: 'vuln/deps/1.json', data: fixture('happy/deps-1.json') },
    { path: 'vuln/npm/index.json', data: '{"100": {}}' },
  ]);
  assert.deepEqual(out.errors.map((e) => e.rule), []);
  const [uri, r11, req] = out.records.filter((r) => r.id.startsWith('NSWG-ECO-'));
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

test('core: the Node.js runtime as Bitnami/node, vulnerable minus patched, dated by its security release', () => {
  const out = runFormat(nodejsSecurityWgFormat, [
    { path: 'vuln/core/1.json', data: fixture('happy/core-1.json') },
    { path: 'vuln/core/150.json', data: fixture('happy/core-150.json') },
  ]);
  assert.deepEqual(out.errors, []);
  const [c1, c150] = out.records;
  assert.equal(c1.id, 'NSWG-CORE-1');
  assert.deepEqual(c1.aliases, ['CVE-2017-1000381']);
  assert.deepEqual(c1.affected![0].package, { ecosystem: 'Bitnami', name: 'node', purl: 'pkg:bitnami/node' });
  // "8.x || 7.x || 4.x || 6.x || 5.x" minus "^8.1.4 || ^7.10.1 || ^4.8.4 || ^6.11.1"
  assert.deepEqual(c1.affected![0].ranges, [{ type: 'SEMVER', events: [
    { introduced: '4.0.0' }, { fixed: '4.8.4' }, { introduced: '5.0.0' }, { fixed: '6.11.1' },
    { introduced: '7.0.0' }, { fixed: '7.10.1' }, { introduced: '8.0.0' }, { fixed: '8.1.4' },
  ] }]);
  assert.equal(c1.published, '2017-07-01T00:00:00Z');
  assert.equal(c1.summary, 'memory overread when parsing invalid NAPTR responses');
  assert.equal(c150.id, 'NSWG-CORE-150');
  assert.deepEqual(c150.affected![0].ranges![0].events, [
    { introduced: '18.0.0' }, { fixed: '18.20.2' }, { introduced: '20.0.0' }, { fixed: '20.12.2' }, { introduced: '21.0.0' }, { fixed: '21.7.3' },
  ]);
  assert.deepEqual(c150.database_specific!.affected_environments, ['win32']);
  assert.equal(releaseMonth('https://nodejs.org/en/blog/vulnerability/aug-2021-security-releases2/'), '2021-08-01T00:00:00Z');
  assert.equal(releaseMonth('https://github.com/nodejs/node/pull/2945'), undefined);
});

test('core: a v3 vector written "3.0/…" becomes severity; no date at all is said so', () => {
  const json = JSON.stringify({ cve: ['CVE-2016-5325'], vulnerable: '6.x', patched: '^6.7.0', cvss: '3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N', cvss_score: 4.8, severity: 'medium' });
  const out = runFormat(nodejsSecurityWgFormat, [{ path: 'vuln/core/26.json', data: json }]);
  const [r] = out.records;
  assert.deepEqual(r.severity, [{ type: 'CVSS_V3', score: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N' }]);
  assert.equal(r.published, undefined);
  assert.equal(r.database_specific!.dates, 'none in the source');
  const bad = runFormat(nodejsSecurityWgFormat, [{ path: 'vuln/core/27.json', data: JSON.stringify({ vulnerable: '6.x', patched: '6.x' }) }]);
  assert.deepEqual(bad.errors.map((e) => e.rule), ['no-affected-versions']);
});

test('core: every advisory of the snapshot converts (../shared/vulndata)', { skip: !existsSync(SNAPSHOT) && 'no ../shared/vulndata/native/nodejs-security-wg' }, async () => {
  const { execFileSync } = await import('node:child_process');
  const names = execFileSync('unzip', ['-Z1', SNAPSHOT], { encoding: 'utf8' }).split('\n').filter((n) => /^vuln\/core\/\d+\.json$/.test(n));
  const entries = names.map((n) => ({ path: n, data: execFileSync('unzip', ['-p', SNAPSHOT, n]) }));
  const out = runFormat(nodejsSecurityWgFormat, entries);
  assert.deepEqual(out.errors, []);
  assert.equal(out.records.length, entries.length);
  assert.ok(out.records.every((r) => r.affected![0].package?.ecosystem === 'Bitnami'));
});
