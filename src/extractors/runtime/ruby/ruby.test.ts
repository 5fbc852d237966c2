import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { rubyRelease, rubyVersionOfText, runtimeOfPurl } from '../package.ts';
import { realFile } from '../testutil.ts';
import { isRubyFileName, rubyExtractor } from './index.ts';

const td = testdata(import.meta.url);
const f = (size: number) => ({ path: '', kind: 'file' as const, size });
const versionOf = async (path: string, file: string) => (await rubyExtractor.extract(scanFile(path, td(file)), extractCtx()))[0]?.version;

test('fileRequired: interpreters and libruby by name, not shims, archives or other engines', () => {
  for (const yes of ['ruby', 'ruby3.1', 'ruby.exe', 'libruby.so.3.2.2', 'libruby.so.3.2', 'libruby-3.1.so.3.1.2', 'libruby1.9.1.so.1.9.1', 'libruby.3.2.dylib', 'x64-ucrt-ruby320.dll', 'x64-msvcrt-ruby270.dll']) assert.ok(isRubyFileName(yes), yes);
  for (const no of ['libruby-static.a', 'jruby', 'truffleruby', 'mruby', 'ruby.rb', 'rubygems', 'ruby-build', 'irb', 'libruby.so.3.2.2.debug']) assert.ok(!isRubyFileName(no), no);
  assert.ok(rubyExtractor.fileRequired('usr/local/lib/libruby.so.3.2.2', f(4 << 20)));
  assert.ok(!rubyExtractor.fileRequired('root/.rbenv/shims/ruby', f(412)), 'an rbenv shim is a script');
});

test('rubyRelease: X.Y.Z since 2.1; the patchlevel as build metadata before; pre-releases', () => {
  assert.equal(rubyRelease('3.1.2', '20'), '3.1.2');
  assert.equal(rubyRelease('2.1.10', '492'), '2.1.10');
  assert.equal(rubyRelease('2.0.0', '648'), '2.0.0+p648');
  assert.equal(rubyRelease('1.9.3', '551'), '1.9.3+p551');
  assert.equal(rubyRelease('3.3.0', undefined, 'rc1'), '3.3.0-rc1');
  assert.equal(rubyVersionOfText('3.1.2p20'), '3.1.2');
  assert.equal(rubyVersionOfText('2.0.0-p648'), '2.0.0+p648');
  assert.equal(rubyVersionOfText('3.4.0preview1'), '3.4.0-preview1');
  assert.equal(rubyVersionOfText('9.4.5.0'), undefined);
});

test('purls: Syft\'s pkg:generic/ruby (with its "p20") and Bitnami\'s map back to Bitnami/ruby at the release', () => {
  assert.deepEqual(runtimeOfPurl('generic', undefined, 'ruby', '3.1.2p20'), { ecosystem: 'Bitnami', name: 'ruby', version: '3.1.2' });
  assert.deepEqual(runtimeOfPurl('generic', undefined, 'ruby', '2.7.7p221'), { ecosystem: 'Bitnami', name: 'ruby', version: '2.7.7' });
  assert.deepEqual(runtimeOfPurl('bitnami', undefined, 'ruby', '3.2.4'), { ecosystem: 'Bitnami', name: 'ruby', version: '3.2.4' });
  assert.deepEqual(runtimeOfPurl('generic', undefined, 'node', '20.11.1'), { ecosystem: 'Bitnami', name: 'node', version: '20.11.1' });
});

test('happy: RUBY_DESCRIPTION of a static build, 1.8.7\'s form, a +YJIT library, a preview, a dev snapshot, a build without revision', async () => {
  const [p] = await rubyExtractor.extract(scanFile('root/.rbenv/versions/2.0.0-p648/bin/ruby', td('happy/static-2.0.0p648.bin')), extractCtx());
  assert.deepEqual(p, { ecosystem: 'Bitnami', name: 'ruby', version: '2.0.0+p648', purl: 'pkg:generic/ruby@2.0.0+p648', locations: ['root/.rbenv/versions/2.0.0-p648/bin/ruby'], foundBy: 'runtime/ruby' });
  assert.equal(await versionOf('opt/ruby/bin/ruby', 'happy/static-1.8.7.bin'), '1.8.7+p374');
  assert.equal(await versionOf('usr/local/lib/libruby.so.3.3.6', 'happy/libruby-3.3.6.bin'), '3.3.6');
  assert.equal(await versionOf('usr/local/bin/ruby', 'happy/preview-3.4.0.bin'), '3.4.0-preview1');
  assert.equal(await versionOf('usr/local/bin/ruby', 'happy/dev-3.4.0.bin'), '3.4.0-dev');
  assert.equal(await versionOf('usr/local/bin/ruby', 'happy/no-revision-3.2.2.bin'), '3.2.2');
});

test('sad: TruffleRuby, JRuby and mruby descriptions, usage text and a bare version are not MRI', async () => {
  for (const file of ['sad/truffleruby.bin', 'sad/jruby.bin', 'sad/mruby.bin', 'sad/usage.bin']) assert.equal(await versionOf('opt/x/bin/ruby', file), undefined, file);
});

/** The machine's Ruby (`apt-get install ruby`: Debian's ruby3.1) and the libruby it has loaded, by its own account. */
const MRI = (() => {
  try {
    const [ruby, libruby] = execFileSync('ruby', ['-e', 'print RbConfig.ruby, "\\n", File.readlines("/proc/self/maps").map { |l| l.split[5] }.compact.find { |p| p.include?("libruby") }'], { encoding: 'utf8' }).split('\n');
    return { ruby, libruby: libruby || undefined };
  } catch {
    return undefined;
  }
})();
test('real: the machine\'s Ruby (Debian: ruby3.1 launching libruby-3.1.so.3.1.2)', { skip: !MRI && 'no ruby on PATH (apt-get install ruby)' }, async () => {
  // what the interpreter says of itself, in the package's form
  const [version, patchlevel] = execFileSync(MRI!.ruby, ['-e', 'print RUBY_VERSION, " ", RUBY_PATCHLEVEL'], { encoding: 'utf8' }).split(' ');
  const [p] = await rubyExtractor.extract(realFile(MRI!.libruby ?? MRI!.ruby, 'usr/local/lib/libruby.so'), extractCtx());
  assert.equal(p.version, rubyRelease(version, patchlevel));
  assert.equal(p.purl, `pkg:generic/ruby@${p.version}`);
  // a shared build's launcher has no description of its own: nothing (its library is the package)
  if (MRI!.libruby) assert.deepEqual(await rubyExtractor.extract(realFile(MRI!.ruby, 'usr/local/bin/ruby'), extractCtx()), []);
});
