import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { targetOf } from '../../../matching/targets.ts';
import { mixLockExtractor, parseTerm } from './index.ts';

const td = testdata(import.meta.url);

test('mix.lock written by Mix: hex packages and a git dependency', async () => {
  const c = extractCtx();
  const pkgs = await mixLockExtractor.extract(scanFile('app/mix.lock', td('happy/mix.lock')), c);
  assert.deepEqual(c.fileErrors, []);
  assert.deepEqual(pkgs.filter((p) => !p.purl!.includes('?')).map((p) => `${p.name}@${p.version}`), ['cowboy@2.7.0', 'mime@1.3.1', 'phoenix@1.4.11', 'plug@1.8.3', 'plug_crypto@1.0.0', 'ssl_verify_fun@1.1.5']);
  const plug = pkgs.find((p) => p.name === 'plug')!;
  assert.equal(plug.ecosystem, 'Hex');
  assert.equal(plug.purl, 'pkg:hex/plug@1.8.3');
  assert.equal(plug.foundBy, 'elixir/mix-lock');
  const git = pkgs.find((p) => p.name === 'local_helper')!;
  assert.match(git.version, /^[0-9a-f]{40}$/);
  assert.match(git.purl!, /^pkg:hex\/local_helper@[0-9a-f]{40}\?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fexample%2Flocal_helper.git%40[0-9a-f]{40}$/);
  assert.ok('skip' in targetOf(git));
  assert.ok('key' in targetOf(plug));
});

test('older lock shapes (no repo, version-only tuple); a private organisation is not the public package', async () => {
  const c = extractCtx();
  const pkgs = await mixLockExtractor.extract(scanFile('mix.lock', td('happy/old-format.mix.lock')), c);
  assert.deepEqual(c.fileErrors, []);
  assert.deepEqual(pkgs.map((p) => `${p.name}@${p.version}`), ['cowboy@1.0.4', 'poison@2.2.0', 'private_lib@0.3.1']);
  assert.match(pkgs[2].purl!, /download_url=hex%3Ahexpm%3Aacme$/);
  assert.ok('skip' in targetOf(pkgs[2]));
});

test('sad: bad entries are per-entry errors; code, truncation and a non-map are parse errors, nothing evaluated', async () => {
  const c = extractCtx();
  assert.deepEqual((await mixLockExtractor.extract(scanFile('mix.lock', td('sad/bad-entries.mix.lock')), c)).map((p) => p.name), ['ok_pkg']);
  assert.deepEqual(c.fileErrors.map((e) => e.rule), Array(4).fill('mix-lock-entry'));
  assert.match(c.fileErrors.map((e) => e.message).join('\n'), /"svn": unknown SCM :svn/);
  for (const [f, why] of [['code', /unexpected "S" \(only literals are read; nothing is evaluated\) at line 1/], ['truncated', /"," or "}" expected|unexpected end/], ['list', /a list, not a map/]] as const) {
    const c2 = extractCtx();
    assert.deepEqual(await mixLockExtractor.extract(scanFile('p/mix.lock', td(`sad/${f}.mix.lock`)), c2), []);
    assert.equal(c2.fileErrors.length, 1, f);
    assert.equal(c2.fileErrors[0].rule, 'parse-error');
    assert.match(c2.fileErrors[0].message, /^p\/mix.lock: not a mix.lock: /);
    assert.match(c2.fileErrors[0].message, why);
  }
});

test('term reader: escapes, keyword lists, => maps, bounded nesting and no interpolation', () => {
  assert.deepEqual(parseTerm('%{"a" => [b: "x\\"y", c: :"d e"], :f => nil}'), { t: 'map', v: [
    [{ t: 'str', v: 'a' }, { t: 'list', v: [{ t: 'tuple', v: [{ t: 'atom', v: 'b' }, { t: 'str', v: 'x"y' }] }, { t: 'tuple', v: [{ t: 'atom', v: 'c' }, { t: 'atom', v: 'd e' }] }] }],
    [{ t: 'atom', v: 'f' }, { t: 'atom', v: 'nil' }],
  ] });
  assert.throws(() => parseTerm('"#{File.rm!("x")}"'), /interpolation/);
  assert.throws(() => parseTerm('['.repeat(100_000)), /nested deeper than 64/);
  assert.throws(() => parseTerm('~s(x)'), /nothing is evaluated/);
});
