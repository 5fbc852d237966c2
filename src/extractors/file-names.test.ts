import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { TARGETS } from '../../test/helpers/prereq.ts';
import type { FileInfo } from '../sources/types.ts';
import { extensionIn, extensions, FileIndex, named } from './file-names.ts';
import { extractorGroups } from './index.ts';
import type { Extractor } from './types.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Up to `max` root-relative paths of regular files under `dir`, with their real size and mode. */
function filesUnder(dir: string, max: number): FileInfo[] {
  const out: FileInfo[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= max) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const s = lstatSync(p);
        out.push({ path: relative(dir, p), kind: 'file', size: s.size, mode: s.mode });
      }
    }
  };
  walk(dir);
  return out;
}

/** Names every extractor's predicate turns on, in the forms they take (case, versions, directories). */
const TRICKY = [
  'var/lib/dpkg/status', 'var/lib/dpkg/status.d/libc6', 'var/lib/dpkg/status.d/libc6.md5sums', 'var/lib/dpkg/status-old', 'lib/apk/db/installed',
  'var/lib/rpm/rpmdb.sqlite', 'var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages.db', 'app/package-lock.json', 'app/node_modules/x/package-lock.json',
  'npm-shrinkwrap.json', 'yarn.lock', 'a/node_modules/b/yarn.lock', 'pnpm-lock.yaml', 'app/node_modules/@s/p/package.json', 'app/node_modules/p/package.json',
  'package.json', 'usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA', 'x.egg-info/PKG-INFO', 'EGG-INFO/PKG-INFO', 'site/x-1.0-py3.egg-info', 'site/x.EGG-INFO',
  'requirements.txt', 'requirements/dev.txt', 'dev-REQUIREMENTS.TXT', 'lib/site-packages/requirements.txt', 'Pipfile.lock', 'poetry.lock', 'uv.lock', 'pdm.lock',
  'go.mod', 'cmd/go.mod', 'Cargo.lock', 'Gemfile.lock', 'gems.locked', 'specifications/rake-13.0.gemspec', 'gems/specifications/default/json-2.6.gemspec', 'x.gemspec',
  'composer.lock', 'vendor/composer/installed.json', 'installed.json', 'pom.xml', 'gradle.lockfile', 'buildscript-gradle.lockfile', 'gradle/dependency-locks/compile.lockfile',
  'x.lockfile', 'lib/a.jar', 'lib/B.JAR', 'x.war', 'x.Aar', 'app.deps.json', 'packages.lock.json', 'packages.x.lock.json', 'packages.config', 'Packages.Config',
  'src/App.csproj', 'src/App.FSPROJ', 'x.vbproj', 'Directory.Packages.props', 'Directory.Build.props', 'directory.packages.props', 'pubspec.lock', 'mix.lock',
  'Package.resolved', 'Podfile.lock', 'conan.lock', 'usr/local/bin/node', 'opt/node/bin/nodejs', 'node.exe', 'usr/bin/python3.11', 'usr/lib/libpython3.11.so.1.0',
  'python311.dll', 'python3.11d', 'usr/bin/ruby', 'usr/lib/libruby.so.3.1', 'libruby-3.1.so', 'x64-ucrt-ruby310.dll', 'msvcrt-ruby270.dll', 'usr/local/go/bin/go',
  'usr/local/go/VERSION', 'go/bin/go.exe', 'jdk/bin/java', 'jdk/release', 'jdk/bin/java.exe', 'usr/lib/x86_64-linux-gnu/libssl.so.3', 'libcrypto-3-x64.dll',
  'libcrypto.1.1.dylib', 'opt/app/bin/server', 'opt/app/lib/libfoo.so', 'usr/bin/ls', 'opt/tool.exe', 'README.md', 'x.txt', 'noext', '.hidden', 'a.b/c',
];

function tricky(): FileInfo[] {
  const out: FileInfo[] = [];
  for (const path of TRICKY) {
    for (const size of [100, 5_000, 40_000, 400_000]) for (const mode of [0o100644, 0o100755, undefined]) out.push({ path, kind: 'file', size, ...(mode === undefined ? {} : { mode }) });
  }
  out.push({ path: 'var/lib/dpkg/status.d', kind: 'dir', size: 0, mode: 0o40755 });
  return out;
}

function corpus(): FileInfo[] {
  const files = [...tricky(), ...filesUnder(join(ROOT, 'src'), 20_000), ...filesUnder(join(ROOT, 'node_modules'), 60_000)];
  const rootfs = join(TARGETS, 'rootfs-bullseye');
  if (existsSync(rootfs)) files.push(...filesUnder(rootfs, 60_000));
  return files;
}

describe('extractors/file-names', () => {
  it('named(): true only for the declared names, and then as the test says', () => {
    const f = named({ names: ['a.lock'], extensions: ['json'], prefixes: ['lib'], dirs: ['etc/x.d'] }, (_p, info) => info.size < 10);
    const info = (size: number): FileInfo => ({ path: '', kind: 'file', size });
    assert.equal(f('a.lock', info(1)), true);
    assert.equal(f('d/a.lock', info(1)), true);
    assert.equal(f('d/a.lock', info(20)), false);
    assert.equal(f('d/A.lock', info(1)), false);
    assert.equal(f('d/x.JSON', info(1)), true);
    assert.equal(f('d/libz.so', info(1)), true);
    assert.equal(f('etc/x.d/anything', info(1)), true);
    assert.equal(f('etc/x.d/sub/anything', info(1)), false);
    assert.equal(f('d/b.lock', info(1)), false);
    assert.deepEqual(f.fileNames?.names, ['a.lock']);
    assert.throws(() => named({ extensions: ['.json'] }), /lowercase, without the dot/);
    assert.throws(() => named({ extensions: ['JSON'] }), /lowercase, without the dot/);
    assert.throws(() => named({ dirs: ['etc/x.d/'] }), /trailing/);
  });

  it('extensionIn tells what a case-insensitive regular expression of the extensions tells', () => {
    const re = /\.(sh|py|html?|ya?ml|o|a)$/i;
    const set = extensions('sh py htm html yml yaml o a');
    const names = ['a.sh', 'A.SH', '.sh', 'x.tar.gz', 'x.html', 'x.HTM', 'x.yml', 'x.YAML', 'libc.so.6', 'x.o', 'x.a', 'x.', '.', 'noext', 'x.sh.bak', 'sh', 'x.shx', 'x.ash'];
    for (const n of [...names, ...TRICKY.map((p) => p.slice(p.lastIndexOf('/') + 1))]) assert.equal(extensionIn(n, set), re.test(n), n);
    assert.equal(extensionIn('x.sh', extensions('')), false);
  });

  it('FileIndex answers exactly as asking every extractor, in the list order, over real trees and tricky names', () => {
    const all = extractorGroups.all;
    const index = new FileIndex(all);
    const files = corpus();
    assert.ok(files.length > 10_000, `corpus of ${files.length} files`);
    let wanted = 0;
    for (const info of files) {
      const expect = all.filter((e) => e.fileRequired(info.path, info)).map((e) => e.name);
      const got = index.wantedBy(info.path, info).map((e) => e.name);
      assert.deepEqual(got, expect, info.path);
      assert.equal(index.wants(info.path, info), expect.length > 0, info.path);
      if (expect.length) wanted++;
    }
    assert.ok(wanted > 100, `${wanted} wanted files in the corpus`);
  });

  it('most extractors declare their names; a predicate shared by several is asked once', () => {
    const undeclared = extractorGroups.all.filter((e) => !(e.fileRequired as { fileNames?: unknown }).fileNames).map((e) => e.name);
    assert.deepEqual(undeclared.sort(), ['go/binary', 'runtime/openssl', 'rust/auditable']);
    let calls = 0;
    const shared = (path: string) => (calls++, path.endsWith('.bin'));
    const a: Extractor = { name: 'x/a', version: 1, fileRequired: shared, extract: async () => [] };
    const b: Extractor = { name: 'x/b', version: 1, fileRequired: shared, extract: async () => [] };
    const c: Extractor = { name: 'x/c', version: 1, fileRequired: named({ names: ['c.lock'] }), extract: async () => [] };
    const index = new FileIndex([a, c, b]);
    assert.deepEqual(index.wantedBy('d/x.bin', { path: 'd/x.bin', kind: 'file', size: 1 }).map((e) => e.name), ['x/a', 'x/b']);
    assert.equal(calls, 1);
    assert.deepEqual(index.wantedBy('d/c.lock', { path: 'd/c.lock', kind: 'file', size: 1 }).map((e) => e.name), ['x/c']);
  });

  it("a predicate's exception is each of its extractors' error, when asked to report it", () => {
    const boom = () => {
      throw new Error('boom');
    };
    const a: Extractor = { name: 'x/a', version: 1, fileRequired: boom, extract: async () => [] };
    const b: Extractor = { name: 'x/b', version: 1, fileRequired: named({ names: ['b'] }), extract: async () => [] };
    const index = new FileIndex([a, b]);
    const seen: string[] = [];
    assert.deepEqual(index.wantedBy('b', { path: 'b', kind: 'file', size: 1 }, (e, err, path) => seen.push(`${e.name} ${path} ${(err as Error).message}`)).map((e) => e.name), ['x/b']);
    assert.deepEqual(seen, ['x/a b boom']);
    assert.throws(() => index.wantedBy('b', { path: 'b', kind: 'file', size: 1 }), /boom/);
  });
});
