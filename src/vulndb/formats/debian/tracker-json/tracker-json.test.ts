import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runFormat } from '../../testutil.ts';
import { createDebianTrackerJsonFormat, debianTrackerJsonFormat, DEBIAN_TRACKER_JSON_DEFAULT_MODIFIED } from './index.ts';

const here = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));

test('detect: package → CVE objects only', () => {
  const d = debianTrackerJsonFormat.detect;
  assert.ok(d('json', '{"0ad": {"CVE-2020-24614": {"description": "x"'));
  assert.ok(d('tracker.json', '{\n  "openssl": {\n    "CVE-2023-0286": {'));
  assert.ok(d('data.json', '{"a2ps": {"TEMP-0000000-1": {'));
  assert.ok(!d('x.json', '{"id": "DSA-5380-1", "modified": "2023-03-29T00:00:00Z"'));
  assert.ok(!d('x.json', '{"schema_version": "1.6.0", "id": "GO-2020-0001"'));
  assert.ok(!d('x.json', '{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2025.08.25"'));
  assert.ok(!d('v3.19/main.json', '{"apkurl": "{{urlprefix}}/…", "archs": ["x86_64"], "distroversion": "v3.19"'));
});

test('happy: grouped by CVE, every status', () => {
  const fmt = createDebianTrackerJsonFormat({ modified: '2025-01-02T03:04:05Z' });
  const out = runFormat(fmt, [{ path: 'json', data: here('happy.json') }]);
  assert.deepEqual(out.errors, []);
  // TEMP- ids are skipped; one record per CVE, in order of first appearance
  assert.deepEqual(out.records.map((r) => r.id), ['DEBIAN-CVE-2023-0286', 'DEBIAN-CVE-2018-25032']);
  const [openssl, zlib] = out.records;
  assert.equal(openssl.modified, '2025-01-02T03:04:05Z');
  assert.deepEqual(openssl.upstream, ['CVE-2023-0286']);
  assert.match(openssl.details!, /^There is a type confusion/);
  assert.deepEqual(openssl.references, [{ type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2023-0286' }]);
  // sid has no release number: skipped; the second package's release joins the same record
  assert.deepEqual(openssl.affected!.map((a) => [a.package!.ecosystem, a.package!.name, a.database_specific!.status]), [
    ['Debian:12', 'openssl', 'resolved'],
    ['Debian:11', 'openssl', 'resolved'],
    ['Debian:10', 'openssl', 'open'],
    ['Debian:9', 'openssl1.0', 'open'],
  ]);
  assert.deepEqual(openssl.affected![1].ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1n-0+deb11u4' }] }]);
  assert.deepEqual(openssl.affected![2].ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
  assert.deepEqual(openssl.affected![3].database_specific, {
    release: 'stretch', status: 'open', urgency: 'not yet assigned', nodsa: 'Minor issue', nodsa_reason: 'postponed', scope: 'remote',
  });

  const [bookworm, bullseye, jessie, trixie] = zlib.affected!;
  assert.deepEqual(bookworm.ranges![0].events, [{ introduced: '0' }, { fixed: '1:1.2.11.dfsg-4' }]);
  assert.equal(bullseye.database_specific!.debianbug, 1008265);
  // resolved with fixed_version "0": not affected, no range
  assert.deepEqual(jessie, {
    package: { ecosystem: 'Debian:8', name: 'zlib' },
    versions: [],
    database_specific: { release: 'jessie', urgency: 'not yet assigned', status: 'not-affected', debianbug: 1008265, scope: 'local' },
  });
  assert.equal(trixie.package!.ecosystem, 'Debian:13');
  assert.equal(trixie.database_specific!.status, 'undetermined');
  assert.deepEqual(trixie.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
});

test('default modified is the documented constant', () => {
  const out = runFormat(debianTrackerJsonFormat, [{ path: 'json', data: here('happy.json') }]);
  assert.equal(out.records[0].modified, DEBIAN_TRACKER_JSON_DEFAULT_MODIFIED);
});

test('sad: bad items reported, good ones kept', () => {
  const out = runFormat(debianTrackerJsonFormat, [{ path: 'sad.json', data: here('sad.json') }]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['sad.json:curl/CVE-2023-0001/hamster', 'unknown-release'],
    ['sad.json:curl/CVE-2023-0002/bookworm', 'unknown-status'],
    ['sad.json:curl/CVE-2023-0002/bullseye', 'missing-fixed-version'],
    ['sad.json:curl/CVE-2023-0003', 'tracker-json-shape'],
    ['sad.json:curl/CVE-2023-0004/bookworm', 'invalid-version'],
    ['sad.json:broken', 'tracker-json-shape'],
  ]);
  assert.deepEqual(out.records.map((r) => [r.id, r.affected?.length ?? 0]), [
    ['DEBIAN-CVE-2023-0001', 1],
    ['DEBIAN-CVE-2023-0002', 0],
    ['DEBIAN-CVE-2023-0004', 1],
  ]);
  assert.equal(out.records[1].affected, undefined);
  assert.deepEqual(out.records[2].affected![0].ranges![0].events, [{ introduced: '0' }, { fixed: 'a:1.0' }]);
});

test('sad: truncated file, wrong top level', () => {
  const t = runFormat(debianTrackerJsonFormat, [{ path: 'truncated.json', data: here('truncated.json') }]);
  assert.deepEqual([t.records.length, t.errors.map((e) => e.rule)], [0, ['not-json']]);
  const a = runFormat(debianTrackerJsonFormat, [{ path: 'a.json', data: '[1, 2]' }]);
  assert.deepEqual([a.records.length, a.errors.map((e) => e.rule)], [0, ['tracker-json-shape']]);
});

test('linear on a large synthetic export', () => {
  const doc: Record<string, Record<string, unknown>> = {};
  for (let p = 0; p < 2000; p++) {
    const issues: Record<string, unknown> = {};
    for (let c = 0; c < 50; c++) {
      issues[`CVE-2024-${10000 + ((p * 7 + c) % 20000)}`] = {
        description: 'x',
        releases: { bookworm: { status: 'resolved', fixed_version: `1.${c}-1`, urgency: 'low' }, sid: { status: 'open' } },
      };
    }
    doc[`pkg${p}`] = issues;
  }
  const data = JSON.stringify(doc);
  const start = performance.now();
  const out = runFormat(debianTrackerJsonFormat, [{ path: 'json', data }]);
  const ms = performance.now() - start;
  assert.equal(out.errors.length, 0);
  assert.equal(out.records.reduce((n, r) => n + r.affected!.length, 0), 100_000);
  assert.ok(ms < 10_000, `took ${ms} ms for ${data.length} bytes`);
});
