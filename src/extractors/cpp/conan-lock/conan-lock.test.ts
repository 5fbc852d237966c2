import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { targetOf } from '../../../matching/targets.ts';
import { conanLockExtractor, parseConanRef } from './index.ts';

const td = testdata(import.meta.url);
const run = async (f: string) => {
  const c = extractCtx();
  return { pkgs: await conanLockExtractor.extract(scanFile('build/conan.lock', td(f)), c), errors: c.fileErrors };
};
const show = (p: { name: string; version: string; dev?: boolean }) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`;

test('Conan 2 lock (0.5, real): requires, build requires as dev, a package in both is production', async () => {
  const { pkgs, errors } = await run('happy/plotjuggler.conan.lock');
  assert.deepEqual(errors, []);
  assert.deepEqual(pkgs.map(show), ['zstd@1.5.5', 'zlib@1.3.2', 'vaapi@system', 'rapidjson@cci.20230929', 'openssl@3.6.4', 'libpng@1.6.58', 'libiconv@1.17', 'expat@2.8.3', 'pkgconf@2.5.1 dev', 'pkgconf@2.1.0 dev', 'cmake@4.4.2 dev']);
  assert.equal(pkgs[4].ecosystem, 'ConanCenter');
  assert.equal(pkgs[4].purl, 'pkg:conan/openssl@3.6.4');
  assert.equal(pkgs[4].foundBy, 'cpp/conan-lock');
  assert.ok('key' in targetOf(pkgs[4]));
  const os = await run('happy/openstudio.conan.lock');
  assert.deepEqual(os.errors, []);
  assert.deepEqual(os.pkgs.map(show), ['zlib@1.3.1', 'sqlite3@3.38.5', 'openssl@3.1.0', 'libxml2@2.11.6', 'boost@1.79.0', 'cmake@3.28.1 dev']);
});

test('Conan 1 graph locks (0.4 ref, 0.2 pref): the consumer node skipped; user/channel recipes not matched', async () => {
  const v4 = await run('happy/conan1-v0.4.conan.lock');
  assert.deepEqual(v4.errors, []);
  assert.deepEqual(v4.pkgs.map(show), ['pkga@0.1', 'openssl@1.1.1k', 'cmake@3.20.2 dev', 'zlib@1.2.11']);
  assert.match(v4.pkgs[0].purl!, /^pkg:conan\/pkga@0.1\?download_url=conan%3Apkga%2F0.1%40user%2Ftesting$/);
  assert.ok('skip' in targetOf(v4.pkgs[0]));
  assert.equal(v4.pkgs[1].purl, 'pkg:conan/openssl@1.1.1k');
  const v2 = await run('happy/conan1-v0.2.conan.lock');
  assert.deepEqual(v2.errors, []);
  assert.deepEqual(v2.pkgs.map(show), ['zlib@1.2.11']);
});

test('sad: bad references are per-entry errors; truncated JSON and no lists are parse errors', async () => {
  const { pkgs, errors } = await run('sad/bad-refs.conan.lock');
  assert.deepEqual(pkgs.map(show), ['ok@1.0']);
  assert.deepEqual(errors.map((e) => e.rule), Array(5).fill('conan-ref'));
  assert.match(errors.map((e) => e.message).join('\n'), /requires\[1\]: "no-version" is not name\/version/);
  for (const [f, why] of [['truncated', /not JSON/], ['empty-object', /neither "graph_lock"/]] as const) {
    const r = await run(`sad/${f}.conan.lock`);
    assert.deepEqual(r.pkgs, []);
    assert.equal(r.errors[0].rule, 'parse-error');
    assert.match(r.errors[0].message, why);
  }
});

test('parseConanRef: references with user/channel, revisions, package ids; long hostile input', () => {
  assert.deepEqual(parseConanRef('zlib/1.2.11@_/_#abc%1.5'), { name: 'zlib', version: '1.2.11' });
  assert.deepEqual(parseConanRef('poco/1.9.4@pocoproject/stable'), { name: 'poco', version: '1.9.4', source: { kind: 'url', where: 'conan:poco/1.9.4@pocoproject/stable' } });
  assert.equal(parseConanRef(`${'a'.repeat(50_000)}/1.0`), undefined);
  assert.equal(parseConanRef(`a/${'1.'.repeat(50_000)}!`), undefined);
});
