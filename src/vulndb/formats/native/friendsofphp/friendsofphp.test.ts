import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFormat } from '../../testutil.ts';
import { branchEvents, friendsOfPhpFormat, UNKNOWN_TIME } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));

test('detect: <vendor>/<pkg>/<file>.yaml with a composer:// reference; not rubysec, not OSV', () => {
  const head = fixture('happy/adodb-2018-03-06.yaml').toString('utf8');
  assert.ok(friendsOfPhpFormat.detect('adodb/adodb-php/2018-03-06.yaml', head));
  assert.ok(friendsOfPhpFormat.detect('security-advisories/adodb/adodb-php/2018-03-06.yaml', head));
  assert.ok(!friendsOfPhpFormat.detect('gems/rails/CVE-2019-5418.yml', 'gem: rails\ncve: 2019-5418\n'));
  assert.ok(!friendsOfPhpFormat.detect('vulns/foo/PYSEC-2020-1.yaml', 'id: PYSEC-2020-1\nmodified: x\naffected: []\n'));
  assert.ok(!friendsOfPhpFormat.detect('adodb/adodb-php/2018-03-06.json', head));
  assert.ok(!friendsOfPhpFormat.detect('2018-03-06.yaml', head), 'needs vendor/package folders');
});

test('branchEvents: operators map one to one; no lower bound is introduced "0"', () => {
  assert.deepEqual(branchEvents(['>=2.0.0', '<2.4.2']).events, [{ introduced: '2.0.0' }, { fixed: '2.4.2' }]);
  assert.deepEqual(branchEvents(['<=1.7.2']).events, [{ introduced: '0' }, { last_affected: '1.7.2' }]);
  assert.deepEqual(branchEvents(['>=4.0.0-rc10,<=4.0.0']).events, [{ introduced: '4.0.0-rc10' }, { last_affected: '4.0.0' }]);
  const gt = branchEvents(['>8.7.3', '<8.7.5']);
  assert.deepEqual(gt.events, [{ introduced: '8.7.3' }, { fixed: '8.7.5' }]);
  assert.equal(gt.inexact.length, 1);
  assert.deepEqual(branchEvents(['=1.2.3']).versions, ['1.2.3']);
  assert.throws(() => branchEvents(['>=1', '>=2']), /two lower bounds/);
  assert.throws(() => branchEvents(['~1.0']), /unparseable constraint/);
});

test('happy: synthetic id with the CVE as alias, one affected entry per branch, times from branches', () => {
  const out = runFormat(friendsOfPhpFormat, [{ path: 'drupal/core/CVE-2019-6342.yaml', data: fixture('happy/drupal-core-CVE-2019-6342.yaml') }]);
  assert.deepEqual(out.errors, []);
  const [r] = out.records;
  assert.equal(r.id, 'FOP-drupal-core-CVE-2019-6342');
  assert.deepEqual(r.aliases, ['CVE-2019-6342']);
  assert.equal(r.published, '2019-07-16T16:24:00Z');
  assert.equal(r.modified, '2019-07-16T16:24:00Z');
  assert.deepEqual(r.affected![0].package, { ecosystem: 'Packagist', name: 'drupal/core', purl: 'pkg:composer/drupal/core' });
  assert.equal(r.affected![0].database_specific!.branch, '8.7.x');
  assert.deepEqual(r.references, [{ type: 'ADVISORY', url: 'https://www.drupal.org/sa-core-2019-008' }]);
  assert.equal(friendsOfPhpFormat.mergeById, undefined, 'one record per file: never merged by id');
});

test('happy: no CVE → same synthetic id; GHSA from the link; no times → date in the file name', () => {
  const out = runFormat(friendsOfPhpFormat, [
    { path: 'adodb/adodb-php/2018-03-06.yaml', data: fixture('happy/adodb-2018-03-06.yaml') },
    { path: 'vendor/pkg/2021-05-25-1.yaml', data: fixture('happy/no-time-dated-name.yaml') },
    { path: 'vendor/pkg/some-name.yaml', data: fixture('happy/no-time-dated-name.yaml') },
  ]);
  assert.deepEqual(out.errors, []);
  const [adodb, dated, undated] = out.records;
  assert.equal(adodb.id, 'FOP-adodb-adodb-php-2018-03-06');
  assert.equal(adodb.modified, '2018-03-06T15:40:00Z');
  assert.equal(dated.id, 'FOP-vendor-pkg-2021-05-25-1');
  assert.deepEqual(dated.aliases, ['GHSA-9wx4-h78v-vm56']);
  assert.equal(dated.modified, '2021-05-25T00:00:00Z');
  assert.equal(dated.database_specific!.dates_from, 'file name');
  assert.deepEqual(dated.affected!.map((a) => a.ranges![0].events), [
    [{ introduced: '2.0.0' }, { last_affected: '2.3.1' }],
    [{ introduced: '0' }, { fixed: '1.9.9' }],
  ]);
  assert.equal(undated.id, 'FOP-vendor-pkg-some-name');
  assert.equal(undated.modified, UNKNOWN_TIME);
  assert.equal(undated.published, undefined);
});

test('one record per file: one CVE over two packages gives two ids sharing the alias; offsets become Z', () => {
  const drupal = fixture('happy/drupal-core-CVE-2019-6342.yaml').toString('utf8').replace('2019-07-16 16:24:00', '2019-07-16 18:24:00 +0200');
  const out = runFormat(friendsOfPhpFormat, [
    { path: 'drupal/core/CVE-2019-6342.yaml', data: drupal },
    { path: 'drupal/drupal/CVE-2019-6342.yaml', data: drupal.replace('composer://drupal/core', 'composer://drupal/drupal') },
  ]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.records.map((r) => r.id), ['FOP-drupal-core-CVE-2019-6342', 'FOP-drupal-drupal-CVE-2019-6342']);
  assert.deepEqual(out.records.map((r) => r.aliases), [['CVE-2019-6342'], ['CVE-2019-6342']]);
  assert.deepEqual(out.records.map((r) => r.modified), ['2019-07-16T16:24:00Z', '2019-07-16T16:24:00Z']);
});

test('sad: each bad file is reported by rule, the others still convert', () => {
  const out = runFormat(friendsOfPhpFormat, [
    { path: 'vendor/pkg/two.yaml', data: fixture('sad/two-lower-bounds.yaml') },
    { path: 'vendor/pkg/npm.yaml', data: fixture('sad/not-composer.yaml') },
    { path: 'vendor/pkg/broken.yaml', data: fixture('sad/not-yaml.yaml') },
    { path: 'adodb/adodb-php/2018-03-06.yaml', data: fixture('happy/adodb-2018-03-06.yaml') },
  ]);
  assert.deepEqual(out.errors.map((e) => e.rule), ['unparseable-constraint', 'unsupported-reference', 'not-yaml']);
  assert.equal(out.errors[0].input, 'vendor/pkg/two.yaml:1.x');
  assert.equal(out.records.length, 1);
});
