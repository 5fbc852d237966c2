/**
 * Issue 20, runtimes as packages: `vigil scan rootfs` over a root filesystem holding the machine's
 * real Node.js binary in /usr/local/bin (as the official node images put it), a Temurin JDK in
 * /opt/java/openjdk (eclipse-temurin images), pyenv's source-built libpython in /usr/local/lib
 * (python images), an old Node.js release (a synthetic file with v16.13.0's release strings) in
 * /opt, and a node in /usr/bin that dpkg's file list says the `nodejs` package installed. Reports
 * each runtime at the version its bytes give, OpenSSL bundled in node, nothing for the dpkg-owned
 * copy, and the Node.js core advisories (nodejs/security-wg vuln/core, imported as Bitnami/node)
 * that hit the old release. Needs ../shared/vulndata; the real binaries are used where installed.
 *
 * Ruby: the machine's MRI (Debian's ruby3.1 launcher and its libruby, copied to /usr/local as an
 * official ruby image lays them out) and an old static 2.0.0-p648 (synthetic, runtime/ruby's testdata)
 * scanned against rubysec's rubies/ruby advisories; the expected CVEs are computed by the machine's
 * Ruby itself (Gem::Requirement over the YAML files), not by Vigil.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rubyRelease } from '../src/extractors/runtime/package.ts';
import { readZip } from '../src/vulndb/containers.ts';
import { HOW, needs, needsAll, onPath, ROOT, VULNDATA } from './helpers/prereq.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');
const NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p)) ?? process.execPath;
const TEMURIN = '/usr/lib/jvm/temurin-25-jdk-amd64';
const LIBPYTHON = '/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0';
/** v16.13.0's release strings padded to binary size (src/extractors/runtime/node/testdata) */
const OLD_NODE = () => Buffer.concat([readFileSync(join(ROOT, 'src/extractors/runtime/node/testdata/happy/v16.13.0.bin')), Buffer.alloc(64 * 1024)]);

type Out = { packages: { ecosystem: string; name: string; version: string; purl?: string; foundBy?: string; locations?: string[] }[]; findings: { vulnerability: string; packageIndex: number }[] };

describe('vigil scan rootfs: language runtimes as packages', { skip: needs('../shared/vulndata', existsSync(VULNDATA), HOW.vulndata) }, () => {
  let dir = '';
  let root = '';
  const vigil = (args: string[]) => spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' }, maxBuffer: 64 << 20 });
  const put = (path: string, data: Buffer | string, mode = 0o755) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data, { mode });
  };
  const copy = (from: string, path: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    copyFileSync(from, join(root, path));
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-runtimes-'));
    root = join(dir, 'root');
    put('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', 0o644);
    copy(NODE, 'usr/local/bin/node');
    put('opt/node-v16.13.0-linux-x64/bin/node', OLD_NODE());
    // a node that dpkg installed: its package is the finding's subject, not the binary
    put('usr/bin/node', OLD_NODE());
    put('var/lib/dpkg/info/nodejs.list', '/.\n/usr\n/usr/bin\n/usr/bin/node\n', 0o644);
    if (existsSync(TEMURIN)) {
      copy(join(TEMURIN, 'bin/java'), 'opt/java/openjdk/bin/java');
      copy(join(TEMURIN, 'release'), 'opt/java/openjdk/release');
    }
    if (existsSync(LIBPYTHON)) copy(LIBPYTHON, 'usr/local/lib/libpython3.11.so.1.0');
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'native', 'nodejs-security-wg')]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each runtime at the version its bytes give; the dpkg-owned copy is not listed; old Node.js gets core advisories', () => {
    const r = vigil(['scan', 'rootfs', root, '--offline', '-f', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Out;
    const runtimes = j.packages.filter((p) => p.foundBy?.startsWith('runtime/')).map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.locations!.join(',')}`).sort();
    const nodeVersion = execFileSync(NODE, ['-p', 'process.version'], { encoding: 'utf8' }).trim().slice(1);
    const openssl = execFileSync(NODE, ['-p', 'process.versions.openssl'], { encoding: 'utf8' }).trim().replace(/\+.*$/, '');
    const want = [
      `Bitnami/node@${nodeVersion} usr/local/bin/node`,
      'Bitnami/node@16.13.0 opt/node-v16.13.0-linux-x64/bin/node',
      `OpenSSL/openssl@${openssl} usr/local/bin/node`,
    ];
    if (existsSync(TEMURIN)) want.push(`Bitnami/java@${/JAVA_RUNTIME_VERSION="([^"]+)"/.exec(readFileSync(join(TEMURIN, 'release'), 'utf8'))![1]} opt/java/openjdk/bin/java`);
    if (existsSync(LIBPYTHON)) want.push('Bitnami/python@3.11.7 usr/local/lib/libpython3.11.so.1.0');
    assert.deepEqual(runtimes, want.sort());
    const node = j.packages.find((p) => p.name === 'node' && p.version === '16.13.0')!;
    assert.equal(node.purl, 'pkg:generic/node@16.13.0');

    const hits = (version: string) => j.findings.filter((f) => j.packages[f.packageIndex].name === 'node' && j.packages[f.packageIndex].version === version).map((f) => f.vulnerability);
    const old = hits('16.13.0');
    // findings name the CVE an NSWG-CORE record aliases: CVE-2022-32212 (DNS rebinding, patched in 16.16.0),
    // CVE-2023-30581 (policy bypass via __proto__, patched in 16.20.1), CVE-2022-0778 (OpenSSL infinite loop, 16.14.2)
    for (const id of ['CVE-2022-32212', 'CVE-2023-30581', 'CVE-2022-0778']) assert.ok(old.includes(id), `${id} in ${old.join(' ')}`);
    assert.equal(old.length, 26, old.join(' '));
    // the OpenSSL inside node is listed, not matched: OSV has no OpenSSL ecosystem with version ranges
    assert.ok(!j.findings.some((f) => j.packages[f.packageIndex].name === 'openssl'));
  });
});

/** The machine's Ruby: its interpreter and the libruby it has loaded (none for a static build). */
function machineRuby(): { ruby: string; libruby?: string } | undefined {
  if (!onPath('ruby')) return undefined;
  const [ruby, libruby] = execFileSync('ruby', ['-e', 'print RbConfig.ruby, "\\n", File.readlines("/proc/self/maps").map { |l| l.split[5] }.compact.find { |p| p.include?("libruby") }'], { encoding: 'utf8' }).split('\n');
  return { ruby, ...(libruby ? { libruby } : {}) };
}

describe('vigil scan rootfs: the Ruby interpreter against rubysec\'s rubies/ruby', { skip: needsAll([['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata], ['ruby', onPath('ruby'), HOW.apt('ruby')]]) }, () => {
  let dir = '';
  let root = '';
  let yml = '';
  let mri: { ruby: string; libruby?: string };
  const vigil = (args: string[]) => spawnSync(process.execPath, [BIN, '--home', join(dir, 'home'), ...args], { encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '' }, maxBuffer: 64 << 20 });
  const put = (path: string, data: Buffer | string, mode = 0o755) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data, { mode });
  };
  /** CVEs (file names) of the rubies/ruby advisories whose constraints leave `gemVersion` affected, per the machine's RubyGems */
  const gemSays = (gemVersion: string) =>
    execFileSync('ruby', ['-ryaml', '-rdate', '-e', 'v = Gem::Version.new(ARGV.shift); ARGV.each { |f| y = YAML.safe_load(File.read(f), permitted_classes: [Date]); c = (y["patched_versions"] || []) + (y["unaffected_versions"] || []); puts File.basename(f, ".yml") unless c.any? { |r| Gem::Requirement.new(*r.split(",")).satisfied_by?(v) } }', gemVersion, ...readdirSync(yml).map((f) => join(yml, f))], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ruby-'));
    root = join(dir, 'root');
    yml = join(dir, 'rubies-ruby');
    mkdirSync(yml);
    for await (const e of readZip(join(VULNDATA, 'native', 'rubysec', 'all.zip'), (p) => { throw new Error(p.message); })) {
      if (/^rubies\/ruby\/[^/]+\.yml$/.test(e.path)) writeFileSync(join(yml, e.path.slice('rubies/ruby/'.length)), e.data);
    }
    mri = machineRuby()!;
    put('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', 0o644);
    // as an official ruby image lays out a shared build: bin/ruby linking lib/libruby.so.X.Y.Z
    put('usr/local/bin/ruby', readFileSync(mri.ruby));
    if (mri.libruby) put(`usr/local/lib/${basename(mri.libruby)}`, readFileSync(mri.libruby));
    // the same library where dpkg put it, listed by its package: the OS package's, not listed twice
    if (mri.libruby) {
      put(mri.libruby.slice(1), readFileSync(mri.libruby));
      put('var/lib/dpkg/info/libruby.list', `/.\n/usr\n${mri.libruby}\n`, 0o644);
    }
    // an old static build (ruby-build's default) in /opt
    put('opt/ruby-2.0.0-p648/bin/ruby', Buffer.concat([readFileSync(join(ROOT, 'src/extractors/runtime/ruby/testdata/happy/static-2.0.0p648.bin')), Buffer.alloc(64 * 1024)]));
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'native', 'rubysec')]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the machine\'s Ruby gets exactly the rubies/ruby advisories RubyGems says; 2.0.0-p648 those and the ones fixed within 2.0.0', () => {
    const r = vigil(['scan', 'rootfs', root, '--offline', '-f', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Out;
    const [version, patchlevel] = execFileSync(mri.ruby, ['-e', 'print RUBY_VERSION, " ", RUBY_PATCHLEVEL'], { encoding: 'utf8' }).split(' ');
    const current = rubyRelease(version, patchlevel);
    const where = mri.libruby ? `usr/local/lib/${basename(mri.libruby)}` : 'usr/local/bin/ruby';
    const runtimes = j.packages.filter((p) => p.foundBy === 'runtime/ruby').map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.purl} ${p.locations!.join(',')}`).sort();
    assert.deepEqual(runtimes, [`Bitnami/ruby@${current} pkg:generic/ruby@${current} ${where}`, 'Bitnami/ruby@2.0.0+p648 pkg:generic/ruby@2.0.0+p648 opt/ruby-2.0.0-p648/bin/ruby'].sort());

    const hits = (v: string) => [...new Set(j.findings.filter((f) => j.packages[f.packageIndex].name === 'ruby' && j.packages[f.packageIndex].version === v).map((f) => f.vulnerability))].sort();
    // rubysec names each file by its CVE; findings name the CVE a RUBYSEC-ruby-… record aliases
    assert.deepEqual(hits(current), gemSays(version), `ruby ${version}`);
    // patchlevels of 2.0.0 are not told apart (SemVer: 2.0.0+p648 = 2.0.0): the advisories fixed in a
    // 2.0.0 patchlevel are reported too, and only those (their constraints name "2.0.0.<N>")
    const old = hits('2.0.0+p648');
    const exact = gemSays('2.0.0.648');
    const extra = old.filter((c) => !exact.includes(c));
    assert.deepEqual(old.filter((c) => exact.includes(c)), exact, 'every advisory RubyGems says is reported');
    const withinTwoZero = readdirSync(yml).filter((f) => /"[~<>= ]*2\.0\.0\.[1-9]\d*"/.test(readFileSync(join(yml, f), 'utf8'))).map((f) => f.replace(/\.yml$/, ''));
    assert.deepEqual(extra.filter((c) => !withinTwoZero.includes(c)), [], `over-reported beyond the 2.0.0 patchlevel fixes: ${extra.join(' ')}`);
    console.log(`ruby ${version}: ${hits(current).length} advisories (RubyGems: ${gemSays(version).length}); 2.0.0-p648: ${old.length} (RubyGems: ${exact.length}, ${extra.length} fixed within 2.0.0 over-reported)`);
  });
});
