import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFormat } from '../../testutil.ts';
import { affectedSet, parseConstraint, rubysecFormat } from './index.ts';
import { formatSet, toEvents } from '../intervals.ts';
import { compareGem } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url));

test('detect: rubysec paths with gem:/engine:, never OSV or FriendsOfPHP files', () => {
  const head = fixture('happy/RedCloth-CVE-2012-6684.yml').toString('utf8');
  assert.ok(rubysecFormat.detect('gems/RedCloth/CVE-2012-6684.yml', head));
  assert.ok(rubysecFormat.detect('ruby-advisory-db/gems/RedCloth/CVE-2012-6684.yml', head));
  assert.ok(rubysecFormat.detect('rubies/jruby/CVE-2010-1330.yml', fixture('happy/jruby-engine.yml').toString('utf8')));
  assert.ok(!rubysecFormat.detect('gems/RedCloth/CVE-2012-6684.json', '{"id": "GHSA-x", "affected": []}'));
  assert.ok(!rubysecFormat.detect('gems/x/y.yml', 'id: PYSEC-1\nmodified: 2020-01-01\n'));
  assert.ok(!rubysecFormat.detect('symfony/symfony/CVE-2019-10909.yaml', 'title: x\nreference: composer://symfony/symfony\n'));
  assert.ok(!rubysecFormat.detect('RedCloth/CVE-2012-6684.yml', head), 'needs gems/ or rubies/');
});

test('~> expands to >= v, < v.bump; complement gives the affected gaps', () => {
  assert.equal(formatSet(parseConstraint('~> 4.2.5, >= 4.2.5.1')), '[4.2.5.1, 4.3)');
  assert.equal(formatSet(parseConstraint('~> 3.1.0.rc6')), '[3.1.0.rc6, 3.2)');
  assert.equal(formatSet(parseConstraint('~> 2')), '[2, 3)');
  assert.equal(formatSet(affectedSet(['~> 3.0.10', '~> 3.1.0.rc6', '>= 3.1.0'], ['< 3.0.0'])), '[3.0.0, 3.0.10)');
  assert.equal(formatSet(affectedSet([], [])), '(−∞, +∞)');
  assert.equal(formatSet(affectedSet(['!= 1.0'], [])), '[1.0, 1.0]');
  // "< v" and "> v" unaffected: only v, written with last_affected
  assert.deepEqual(toEvents(affectedSet(['>= 4.2.4'], ['< 4.2.3', '> 4.2.3']), { isMinimum: (v) => compareGem(v, '0') === 0 }).events, [
    { introduced: '4.2.3' },
    { last_affected: '4.2.3' },
  ]);
  assert.throws(() => parseConstraint('^1.0'), /unparseable requirement/);
});

test('happy: activemodel (synthetic id, GHSA and CVE aliases, ~>, inexact <= unaffected bound)', () => {
  const out = runFormat(rubysecFormat, [{ path: 'gems/activemodel/CVE-2016-0753.yml', data: fixture('happy/activemodel-CVE-2016-0753.yml') }]);
  assert.deepEqual(out.errors, []);
  const [r] = out.records;
  assert.equal(r.id, 'RUBYSEC-activemodel-CVE-2016-0753');
  assert.deepEqual(r.aliases, ['CVE-2016-0753', 'GHSA-543v-gj2c-r3ch']);
  assert.equal(r.modified, '2016-01-25T00:00:00Z');
  assert.equal(r.published, '2016-01-25T00:00:00Z');
  assert.equal(r.summary, 'Possible Input Validation Circumvention in Active Model');
  assert.deepEqual(r.affected![0].package, { ecosystem: 'RubyGems', name: 'activemodel', purl: 'pkg:gem/activemodel' });
  assert.deepEqual(r.affected![0].ranges, [{
    type: 'ECOSYSTEM',
    events: [
      { introduced: '4.0.13' }, { fixed: '4.1.14.1' },
      { introduced: '4.2' }, { fixed: '4.2.5.1' },
      { introduced: '4.3' }, { fixed: '5.0.0.beta1.1' },
    ],
  }]);
  assert.equal((r.affected![0].database_specific!.inexact as string[]).length, 1);
  assert.deepEqual(r.database_specific, { source: 'rubysec', source_path: 'gems/activemodel/CVE-2016-0753.yml', cvss_v2_score: 5, cvss_v3_score: 5.3 });
  assert.equal(r.severity, undefined, 'a bare CVSS score is not an OSV severity');
});

test('happy: RedCloth (ids, references), airbrake (point range), jruby (skipped)', () => {
  const out = runFormat(rubysecFormat, [
    { path: 'gems/RedCloth/CVE-2012-6684.yml', data: fixture('happy/RedCloth-CVE-2012-6684.yml') },
    { path: 'gems/airbrake-ruby/CVE-2019-16060.yml', data: fixture('happy/airbrake-ruby-CVE-2019-16060.yml') },
    { path: 'rubies/jruby/CVE-2010-1330.yml', data: fixture('happy/jruby-engine.yml') },
  ]);
  const [red, air] = out.records;
  assert.equal(red.id, 'RUBYSEC-RedCloth-CVE-2012-6684');
  assert.deepEqual(red.aliases, ['CVE-2012-6684', 'GHSA-r23g-3qw4-gfh2', 'OSVDB-115941']);
  assert.equal(red.references![0].type, 'ADVISORY');
  assert.equal(red.references![0].url, 'https://co3k.org/blog/redcloth-unfixed-xss-en');
  assert.equal(red.references!.length, 11);
  assert.deepEqual(red.affected![0].ranges![0].events, [{ introduced: '0' }, { fixed: '4.3.0' }]);
  assert.deepEqual(air.affected![0].ranges![0].events, [{ introduced: '4.2.3' }, { last_affected: '4.2.3' }]);
  assert.equal(out.records.length, 2);
  assert.deepEqual(out.errors.map((e) => e.rule), ['unsupported-ecosystem']);
  assert.match(out.errors[0].message, /jruby/);
});

test('synthetic id when the file has no GHSA, CVE or OSVDB', () => {
  const yml = 'gem: foo\nurl: https://example.com/a\ntitle: T\ndate: 2021-02-03\npatched_versions:\n  - ">= 1.0"\n';
  const out = runFormat(rubysecFormat, [{ path: 'gems/foo/2021-02-03.yml', data: yml }]);
  assert.equal(out.records[0].id, 'RUBYSEC-foo-2021-02-03');
  assert.equal(out.records[0].aliases, undefined);
});

test('one record per file: one GHSA over two gems gives two ids sharing the alias; no mergeById', () => {
  const yml = (gem: string) => `gem: ${gem}\nghsa: 333g-rpr4-7hxq\ncve: 2019-15224\ntitle: T\ndate: 2019-08-19\nlast_update: 2019-08-20\npatched_versions:\n  - ">= 1.0"\n`;
  const out = runFormat(rubysecFormat, [
    { path: 'gems/doge-coin/CVE-2019-15224.yml', data: yml('doge-coin') },
    { path: 'gems/lita_coin/CVE-2019-15224.yml', data: yml('lita_coin') },
  ]);
  assert.deepEqual(out.records.map((r) => r.id), ['RUBYSEC-doge-coin-CVE-2019-15224', 'RUBYSEC-lita_coin-CVE-2019-15224']);
  for (const r of out.records) {
    assert.deepEqual(r.aliases, ['CVE-2019-15224', 'GHSA-333g-rpr4-7hxq']);
    assert.equal(r.modified, '2019-08-20T00:00:00Z');
    assert.equal(r.published, '2019-08-19T00:00:00Z');
  }
  assert.equal(rubysecFormat.mergeById, undefined);
});

test('sad: each bad file is reported by rule, the others still convert', () => {
  const out = runFormat(rubysecFormat, [
    { path: 'gems/broken/x.yml', data: fixture('sad/not-yaml.yml') },
    { path: 'gems/somegem/CVE-2020-0001.yml', data: fixture('sad/bad-constraint.yml') },
    { path: 'gems/somegem/no-title.yml', data: fixture('sad/no-title.yml') },
    { path: 'gems/somegem/covered.yml', data: fixture('sad/everything-covered.yml') },
    { path: 'gems/RedCloth/CVE-2012-6684.yml', data: fixture('happy/RedCloth-CVE-2012-6684.yml') },
  ]);
  assert.deepEqual(out.errors.map((e) => e.rule), ['not-yaml', 'unparseable-constraint', 'rubysec-schema', 'no-affected-versions']);
  assert.match(out.errors[1].message, /"\^1\.0\.0"/);
  assert.equal(out.records.length, 1);
});
