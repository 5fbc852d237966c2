import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OsvRecord } from '../../../../model/index.ts';
import { runFormat } from '../../testutil.ts';
import { ALPINE_SECDB_DEFAULT_MODIFIED, alpineSecdbFormat, createAlpineSecdbFormat, parseSecfixItem } from './index.ts';
import { HOW, needs } from '../../../../../test/helpers/prereq.ts';

const here = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));
const vulndata = fileURLToPath(new URL('../../../../../../shared/vulndata/alpine/', import.meta.url));

/** What the pipeline does for a `mergeById` format: same id → affected[] concatenated. */
function mergeById(records: OsvRecord[]): Map<string, OsvRecord> {
  const m = new Map<string, OsvRecord>();
  for (const r of records) {
    const prev = m.get(r.id);
    if (prev === undefined) m.set(r.id, { ...r, affected: [...(r.affected ?? [])] });
    else prev.affected!.push(...(r.affected ?? []));
  }
  return m;
}

const eventsOf = (r: OsvRecord) => r.affected!.map((a) => [a.package!.ecosystem, a.package!.name, ...(a.ranges ?? []).map((x) => x.events)]);

test('format flags and detection', () => {
  assert.equal(alpineSecdbFormat.mergeById, true);
  const d = alpineSecdbFormat.detect;
  assert.ok(d('alpine/v3.11/main.yaml', ''));
  assert.ok(d('v3.19/community.json', ''));
  assert.ok(d('x.yaml', here('v3.11-main.yaml').toString()));
  assert.ok(d('x.json', here('v3.10-main.json').toString()));
  assert.ok(!d('x.yaml', 'gem: rails\ncve: 2019-1\n'));
  assert.ok(!d('x.json', '{"id": "GO-2020-0001", "modified": "2023-01-01T00:00:00Z"}'));
  assert.ok(!d('x.json', '{"openssl": {"CVE-2023-0286": {}}}'));
});

test('secfix items: the shapes found in real data', () => {
  assert.deepEqual(parseSecfixItem('CVE-2019-1547'), { cves: ['CVE-2019-1547'], others: [] });
  assert.deepEqual(parseSecfixItem('CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI'),
    { cves: ['CVE-2017-5753', 'CVE-2017-5715', 'CVE-2017-5754'], others: ['XSA-254'], note: 'XPTI' });
  assert.deepEqual(parseSecfixItem('CVE-2018-10471  XSA-9'), { cves: ['CVE-2018-10471'], others: ['XSA-9'] });
  assert.deepEqual(parseSecfixItem('CVE-????-?????  XSA-284'), { cves: [], others: ['XSA-284'] });
  assert.deepEqual(parseSecfixItem('CVE-2017-13725 (SMB - partially fixed, but SMB printing disabled)'),
    { cves: ['CVE-2017-13725'], others: [], note: 'SMB - partially fixed, but SMB printing disabled' });
  assert.deepEqual(parseSecfixItem('CVE_2019-2426'), { cves: ['CVE-2019-2426'], others: [] });
  assert.deepEqual(parseSecfixItem('CVE 2018-16859'), { cves: ['CVE-2018-16859'], others: [] });
  assert.deepEqual(parseSecfixItem('CVE-2017-8073.patch'), { cves: ['CVE-2017-8073'], others: [] });
  assert.deepEqual(parseSecfixItem('CVE-2017-17434-2'), { cves: ['CVE-2017-17434'], others: [] });
  assert.deepEqual(parseSecfixItem('CVE-2019-5063 TALOS-2019-0001'), { cves: ['CVE-2019-5063'], others: ['TALOS-2019-0001'] });
  assert.deepEqual(parseSecfixItem('wnpa-sec-2017-18'), { cves: [], others: ['wnpa-sec-2017-18'] });
  assert.deepEqual(parseSecfixItem('XPTI only'), { cves: [], others: [], note: 'XPTI; only' });
});

test('happy: YAML branch file', () => {
  const fmt = createAlpineSecdbFormat({ modified: '2024-05-06T00:00:00Z' });
  const out = runFormat(fmt, [{ path: 'v3.11/main.yaml', data: here('v3.11-main.yaml') }]);
  assert.deepEqual(out.errors, []);
  const ids = out.records.map((r) => r.id);
  assert.deepEqual(ids, [
    'ALPINE-CVE-2019-1547', 'ALPINE-CVE-2019-1549', 'ALPINE-CVE-2018-0734', 'ALPINE-CVE-2018-0735',
    'ALPINE-CVE-2017-5753', 'ALPINE-CVE-2017-5715', 'ALPINE-CVE-2017-5754', 'ALPINE-XSA-248', 'ALPINE-XSA-295',
    'ALPINE-CVE-2017-16808', 'ALPINE-CVE-2018-14468', 'ALPINE-CVE-2017-17434', 'ALPINE-CVE-2016-0682',
    'ALPINE-CVE-2019-2426', 'ALPINE-CVE-2018-16859', 'ALPINE-CVE-2017-8073',
  ]);
  const by = new Map(out.records.map((r) => [r.id, r]));
  assert.deepEqual(by.get('ALPINE-CVE-2019-1547'), {
    id: 'ALPINE-CVE-2019-1547',
    modified: '2024-05-06T00:00:00Z',
    upstream: ['CVE-2019-1547'],
    affected: [{
      package: { ecosystem: 'Alpine:v3.11', name: 'openssl' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1d-r1' }] }],
      database_specific: { repo: 'main', status: 'fixed' },
    }],
  });
  const meltdown = by.get('ALPINE-CVE-2017-5754')!;
  assert.deepEqual(meltdown.related, ['XSA-254']);
  assert.equal(meltdown.affected![0].database_specific!.note, 'XPTI');
  assert.deepEqual(by.get('ALPINE-XSA-295')!.upstream, ['XSA-295']);
  assert.equal(by.get('ALPINE-CVE-2017-16808')!.affected![0].database_specific!.note, 'AoE');
  // two patch parts of one CVE collapse into one range
  assert.equal(by.get('ALPINE-CVE-2017-17434')!.affected![0].ranges!.length, 1);
  // version "0": never affected in this branch
  assert.deepEqual(by.get('ALPINE-CVE-2016-0682')!.affected, [{
    package: { ecosystem: 'Alpine:v3.11', name: 'db' },
    versions: [],
    database_specific: { repo: 'main', status: 'not-affected' },
  }]);
  // a version key that YAML 1.2 core would read as the number 1.1 stays "1.10-r0"
  assert.deepEqual(eventsOf(by.get('ALPINE-CVE-2018-16859')!), [['Alpine:v3.11', 'openjdk8', [{ introduced: '0' }, { fixed: '1.10-r0' }]]]);
});

test('happy: JSON form, merge across branches, empty repository', () => {
  const out = runFormat(alpineSecdbFormat, [
    { path: 'v3.11/main.yaml', data: here('v3.11-main.yaml') },
    { path: 'v3.10/main.json', data: here('v3.10-main.json') },
    { path: 'v3.3/community.yaml', data: here('empty-community.yaml') },
  ]);
  assert.deepEqual(out.errors, []);
  assert.equal(out.records[0].modified, ALPINE_SECDB_DEFAULT_MODIFIED);
  const merged = mergeById(out.records);
  assert.equal(merged.size, 16);
  assert.deepEqual(eventsOf(merged.get('ALPINE-CVE-2019-1547')!), [
    ['Alpine:v3.11', 'openssl', [{ introduced: '0' }, { fixed: '1.1.1d-r1' }]],
    ['Alpine:v3.10', 'openssl', [{ introduced: '0' }, { fixed: '1.1.1d-r0' }]],
  ]);
});

test('sad: bad items are reported, the rest is kept', () => {
  const out = runFormat(alpineSecdbFormat, [{ path: 'sad.yaml', data: here('sad.yaml') }]);
  assert.deepEqual(out.errors.map((e) => [e.input, e.rule]), [
    ['sad.yaml:heimdal@7.4.0-r0', 'empty-secfixes'],
    ['sad.yaml:packages[1]', 'secdb-shape'],
    ['sad.yaml:xen@4.10-1-r1', 'invalid-version'],
    ['sad.yaml:xen@4.11.0-r0', 'no-vulnerability-id'],
    ['sad.yaml:packages[3]', 'secdb-shape'],
  ]);
  assert.deepEqual(out.records.map((r) => r.id), ['ALPINE-CVE-2018-16860', 'ALPINE-CVE-2018-12891']);
  // an unparseable fixed version is kept so that matching reports "unknown", not "not affected"
  assert.deepEqual(eventsOf(out.records[1]), [['Alpine:v3.8', 'xen', [{ introduced: '0' }, { fixed: '4.10-1-r1' }]]]);
});

test('sad: truncated YAML, bad branch, not an object', () => {
  for (const [name, rule] of [['truncated.yaml', 'not-yaml'], ['bad-branch.yaml', 'secdb-shape']] as const) {
    const out = runFormat(alpineSecdbFormat, [{ path: name, data: here(name) }]);
    assert.deepEqual([out.records.length, out.errors.map((e) => e.rule)], [0, [rule]], name);
  }
  const arr = runFormat(alpineSecdbFormat, [{ path: 'x.json', data: '[]' }]);
  assert.deepEqual(arr.errors.map((e) => e.rule), ['secdb-shape']);
});

const realSkip = needs('../shared/vulndata', existsSync(vulndata), HOW.vulndata);

test('real data: all 18 secdb files', { skip: realSkip }, () => {
  const entries = readdirSync(vulndata).sort().flatMap((branch) =>
    readdirSync(`${vulndata}${branch}`).sort().map((f) => ({ path: `alpine/${branch}/${f}`, data: readFileSync(`${vulndata}${branch}/${f}`) })));
  assert.equal(entries.length, 18);
  for (const e of entries) assert.ok(alpineSecdbFormat.detect('x.yaml', e.data.subarray(0, 4096).toString()), e.path);

  const out = runFormat(alpineSecdbFormat, entries);
  assert.equal(out.records.length, 11454);
  const rules = new Map<string, number>();
  for (const e of out.errors) rules.set(e.rule, (rules.get(e.rule) ?? 0) + 1);
  // all real errors are data typos ("0.8.21.r2", "1.11-20-r0", "4.10-1-r1", ...) and one empty list
  assert.deepEqual(Object.fromEntries(rules), { 'invalid-version': 24, 'empty-secfixes': 1 });

  const merged = mergeById(out.records);
  assert.equal(merged.size, 2474);
  assert.equal([...merged.values()].reduce((n, r) => n + r.affected!.length, 0), 11881);
  assert.equal([...merged.keys()].filter((id) => !id.startsWith('ALPINE-CVE-')).length, 30);

  // checked by hand against the YAML
  assert.deepEqual(eventsOf(merged.get('ALPINE-CVE-2019-1547')!).sort(), [
    ['Alpine:v3.10', 'openssl', [{ introduced: '0' }, { fixed: '1.1.1d-r0' }]],
    ['Alpine:v3.11', 'openssl', [{ introduced: '0' }, { fixed: '1.1.1d-r1' }]],
    ['Alpine:v3.7', 'openssl', [{ introduced: '0' }, { fixed: '1.0.2t-r0' }]],
    ['Alpine:v3.8', 'openssl', [{ introduced: '0' }, { fixed: '1.0.2t-r0' }]],
    ['Alpine:v3.9', 'openssl', [{ introduced: '0' }, { fixed: '1.1.1d-r0' }]],
  ]);
  const curl = merged.get('ALPINE-CVE-2019-5482')!;
  assert.deepEqual(eventsOf(curl).find((a) => a[0] === 'Alpine:v3.8'), ['Alpine:v3.8', 'curl', [{ introduced: '0' }, { fixed: '7.61.1-r3' }]]);
  assert.equal(curl.affected!.length, 5);
  const db = merged.get('ALPINE-CVE-2016-0682')!;
  assert.deepEqual(db.affected!.map((a) => [a.package!.ecosystem, a.package!.name, a.database_specific!.status, a.versions]),
    [['Alpine:v3.8', 'db', 'not-affected', []]]);
  const jdk = merged.get('ALPINE-CVE-2019-2426')!; // spelled "CVE_2019-2426" in the data
  assert.equal(jdk.affected!.length, 12);
  assert.deepEqual(merged.get('ALPINE-CVE-2016-10134')!.related, ['ZBX-11023']);
  assert.equal(merged.get('ALPINE-CVE-2016-10134')!.affected![0].package!.name, 'zabbix');
});
