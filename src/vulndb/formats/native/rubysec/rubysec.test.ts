import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFormat } from '../../testutil.ts';
import { affectedSet, parseConstraint, rubyAffected, rubyConstraint, rubyGemVersion, rubysecFormat } from './index.ts';
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

test('rubies/ruby versions: patchlevels as a 4th segment, previews as Gem pre-releases, distribution revisions refused', () => {
  for (const [v, want] of [['2.6.7', '2.6.7'], ['4.0', '4.0'], ['1.8.5-p2', '1.8.5.2'], ['1.8.5.p115', '1.8.5.115'], ['1.9.2.p330', '1.9.2.330'], ['1.8.5.114', '1.8.5.114'], ['2.0.0.0', '2.0.0.0'], ['1.9.2.preview.1', '1.9.2.preview.1'], ['2.6.0-preview1', '2.6.0.preview.1'], ['2.6.0-preview3', '2.6.0.preview.3']]) assert.equal(rubyGemVersion(v), want, v);
  assert.throws(() => rubyGemVersion('1.8.2-r2'), /"1\.8\.2-r2" is not a Ruby release/);
  // Gem's "~>": v.release < bump, so 2.7.0's previews are not within "~> 2.6.7"
  assert.equal(rubyConstraint('~> 2.6.7'), '>= 2.6.7, < 2.7.a');
  assert.equal(rubyConstraint('> 2.6.0-preview1'), '> 2.6.0.preview.1');
  assert.equal(formatSet(parseConstraint(rubyConstraint('~> 1.8.5-p2'))), '[1.8.5.2, 1.8.6.a)');
  // exact since 2.1 ("X.Y.0-0": from the first pre-release of X.Y.0); a patchlevel bound widens to its whole X.Y.Z, with a note
  assert.deepEqual(rubyAffected(['~> 3.0.4', '>= 3.1.2'], ['~> 2.6.0', '~> 2.7.0']).events, [
    { introduced: '0' }, { fixed: '2.6.0' },
    // 2.7.0's previews are neither within "~> 2.6.0" (Gem: release < 2.7) nor "~> 2.7.0" (>= 2.7.0): affected
    { introduced: '2.7.0-0' }, { fixed: '2.7.0' },
    { introduced: '2.8.0-0' }, { fixed: '3.0.4' }, { introduced: '3.1.0-0' }, { fixed: '3.1.2' },
  ]);
  // (Gem order has versions between 2.0.0.x and 2.1.0, such as 2.0.1: "~> 2.0.0.353" leaves them affected)
  const old = rubyAffected(['~> 1.9.3.484', '~> 2.0.0.353', '>= 2.1.0'], []);
  assert.deepEqual(old.events, [{ introduced: '0' }, { fixed: '2.1.0' }]);
  assert.deepEqual(old.inexact, [
    '< 1.9.3-p484 written as fixed 1.9.4: patchlevels of 1.9.3 are not told apart (over-reported)',
    '< 2.0.0-p353 written as fixed 2.0.1: patchlevels of 2.0.0 are not told apart (over-reported)',
  ]);
  // "<= 2.0.0" unaffected leaves 2.0.0-p1… affected: 2.0.0 as a whole; "<= 2.1.0" is exact (2.1.1-0 on)
  assert.deepEqual(rubyAffected([], ['<= 2.0.0']).events, [{ introduced: '2.0.0' }]);
  assert.deepEqual(rubyAffected([], ['<= 2.1.0']).events, [{ introduced: '2.1.1-0' }]);
});

test('happy: rubies/ruby (real rubysec files) → Bitnami "ruby", SEMVER, id RUBYSEC-ruby-<file>', () => {
  const out = runFormat(rubysecFormat, [
    { path: 'rubies/ruby/CVE-2022-28739.yml', data: fixture('happy/ruby-CVE-2022-28739.yml') },
    { path: 'rubies/ruby/CVE-2015-7551.yml', data: fixture('happy/ruby-CVE-2015-7551.yml') },
    { path: 'rubies/ruby/CVE-2017-17742.yml', data: fixture('happy/ruby-CVE-2017-17742.yml') },
  ]);
  assert.deepEqual(out.errors, []);
  const [modern, pl, preview] = out.records;
  assert.equal(modern.id, 'RUBYSEC-ruby-CVE-2022-28739');
  assert.deepEqual(modern.aliases, ['CVE-2022-28739', 'GHSA-mvgc-rxvg-hqc6']);
  assert.deepEqual(modern.affected![0].package, { ecosystem: 'Bitnami', name: 'ruby', purl: 'pkg:bitnami/ruby' });
  // patched ~> 2.6.10, ~> 2.7.6, ~> 3.0.4, >= 3.1.2 (Bitnami's own BIT-ruby-2022-28739 has the same fixed versions)
  // (introduced X.Y.0-0: X.Y.0's previews are not within the "~>" before them, so they are affected too)
  assert.deepEqual(modern.affected![0].ranges, [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.6.10' }, { introduced: '2.7.0-0' }, { fixed: '2.7.6' }, { introduced: '2.8.0-0' }, { fixed: '3.0.4' }, { introduced: '3.1.0-0' }, { fixed: '3.1.2' }] }]);
  assert.equal(modern.affected![0].database_specific!.engine, 'ruby');
  assert.equal(modern.affected![0].database_specific!.inexact, undefined);
  // unaffected ~> 1.9.1.129; patched ~> 2.0.0.648, ~> 2.1.8, ~> 2.2.4, >= 2.3.0: 1.9.1 and 2.0.0 as a whole
  assert.deepEqual(pl.affected![0].ranges![0].events, [{ introduced: '0' }, { fixed: '2.1.8' }, { introduced: '2.2.0-0' }, { fixed: '2.2.4' }, { introduced: '2.3.0-0' }, { fixed: '2.3.0' }]);
  assert.equal((pl.affected![0].database_specific!.inexact as string[]).length, 2);
  // patched "> 2.6.0-preview1": the preview itself is the last affected, in a range of its own (OSV: no fixed and last_affected in one range)
  assert.deepEqual(preview.affected![0].ranges!.map((r) => r.events.slice(-2)), [[{ introduced: '2.5.0-0' }, { fixed: '2.5.1' }], [{ introduced: '2.6.0-0' }, { last_affected: '2.6.0-preview1' }]]);
});

test('sad: a rubies/ruby constraint naming no Ruby release is recorded; other engines are skipped by name', () => {
  const mruby = 'engine: mruby\ncve: 2017-9527\ntitle: T\ndate: 2017-06-09\npatched_versions:\n  - ">= 1.3.0"\n';
  const out = runFormat(rubysecFormat, [
    { path: 'rubies/ruby/CVE-2005-1992.yml', data: fixture('sad/ruby-CVE-2005-1992.yml') },
    { path: 'rubies/mruby/CVE-2017-9527.yml', data: mruby },
  ]);
  assert.equal(out.records.length, 0);
  assert.deepEqual(out.errors.map((e) => e.rule), ['unparseable-constraint', 'unsupported-ecosystem']);
  assert.match(out.errors[0].message, /rubies\/ruby\/CVE-2005-1992\.yml: "1\.8\.2-r2" is not a Ruby release/);
  assert.match(out.errors[1].message, /engine "mruby"\): no detector reads it/);
});
