import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectOs } from '../release/index.ts';
import { dirReader, runExtractor } from '../testutil.ts';
import { dpkgExtractor, dpkgOwnedFiles, isDpkgDatabase, parseParagraphs } from './index.ts';
import { HOW, needsAll, onPath, TARGETS } from '../../../../test/helpers/prereq.ts';

const TESTDATA = new URL('./testdata/', import.meta.url).pathname;
const BOOKWORM = { id: 'debian', versionId: '12', codename: 'bookworm', ecosystem: 'Debian:12' };
const fixture = (p: string) => readFile(join(TESTDATA, p));

describe('os/dpkg fileRequired', () => {
  it('takes the status file and status.d entries only', () => {
    const info = { path: '', kind: 'file' as const, size: 1 };
    assert.equal(dpkgExtractor.fileRequired('var/lib/dpkg/status', info), true);
    assert.equal(dpkgExtractor.fileRequired('var/lib/dpkg/status.d/libc6', info), true);
    assert.equal(dpkgExtractor.fileRequired('var/lib/dpkg/status.d/base-files.md5sums', info), false);
    assert.equal(dpkgExtractor.fileRequired('var/lib/dpkg/status-old', info), false);
    assert.equal(dpkgExtractor.fileRequired('var/lib/dpkg/status.d/sub/x', info), false);
    assert.equal(dpkgExtractor.fileRequired('usr/var/lib/dpkg/status', info), false);
    assert.equal(isDpkgDatabase('var/lib/dpkg/status.d/libc6.dpkg-new'), false);
  });
});

describe('os/dpkg (happy)', () => {
  it('reads the status file: versions, sources, binNMUs, epochs, purls', async () => {
    const { packages, errors } = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status', await fixture('happy/status'), BOOKWORM);
    assert.deepEqual(errors, []);
    assert.deepEqual(packages.map((p) => p.name), ['base-files', 'bash', 'libc6', 'bsdutils', 'tzdata', 'zlib1g', 'libgcc-s1', 'perl-base']);
    const by = new Map(packages.map((p) => [p.name, p]));
    assert.deepEqual(by.get('bash'), {
      ecosystem: 'Debian:12', name: 'bash', version: '5.2.15-2+b8',
      purl: 'pkg:deb/debian/bash@5.2.15-2+b8?arch=amd64&distro=debian-12',
      sourceName: 'bash', sourceVersion: '5.2.15-2',
      locations: ['var/lib/dpkg/status'], foundBy: 'os/dpkg',
    });
    assert.equal(by.get('libc6')?.sourceName, 'glibc');
    assert.equal(by.get('libc6')?.sourceVersion, undefined);
    assert.equal(by.get('base-files')?.sourceName, 'base-files');
    const bsd = by.get('bsdutils');
    assert.equal(bsd?.version, '1:2.38.1-5+deb12u3');
    assert.equal(bsd?.sourceName, 'util-linux');
    assert.equal(bsd?.sourceVersion, '2.38.1-5+deb12u3', 'the Source version has no epoch, the binary has');
    assert.equal(bsd?.purl, 'pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&distro=debian-12');
    assert.equal(by.get('tzdata')?.purl, 'pkg:deb/debian/tzdata@2025b-0+deb12u2?arch=all&distro=debian-12');
  });

  it('keeps installed states only', async () => {
    const { packages, errors } = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status', await fixture('happy/status-states'), BOOKWORM);
    assert.deepEqual(errors, []);
    // hold ok installed, deinstall ok installed: on disk; config-files, half-installed: not
    assert.deepEqual(packages.map((p) => p.name), ['base-files', 'bsdutils']);
  });

  it('reads distroless status.d entries (no Status field) and skips md5sums', async () => {
    const dir = join(TESTDATA, 'happy/status.d');
    const names = (await readdir(dir)).sort();
    const got: string[] = [];
    for (const n of names) {
      const path = `var/lib/dpkg/status.d/${n}`;
      if (!dpkgExtractor.fileRequired(path, { path, kind: 'file', size: 1 })) continue;
      const { packages, errors } = await runExtractor(dpkgExtractor, path, await readFile(join(dir, n)), { id: 'debian', versionId: '12', prettyName: 'Distroless', ecosystem: 'Debian:12' });
      assert.deepEqual(errors, []);
      for (const p of packages) {
        assert.deepEqual(p.locations, [path]);
        got.push(`${p.name}=${p.version}`);
      }
    }
    assert.deepEqual(got, ['base-files=12.4+deb12u11', 'libc6=2.36-9+deb12u14', 'tzdata=2025b-0+deb12u2']);
  });

  it('falls back to the bare "Debian" ecosystem without an OS, and uses ubuntu for Ubuntu', async () => {
    const bytes = await fixture('happy/status.d/libc6');
    const none = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status.d/libc6', bytes);
    assert.equal(none.packages[0].ecosystem, 'Debian');
    assert.equal(none.packages[0].purl, 'pkg:deb/debian/libc6@2.36-9+deb12u14?arch=amd64');
    const ub = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status.d/libc6', bytes, { id: 'ubuntu', versionId: '22.04', ecosystem: 'Ubuntu:22.04:LTS' });
    assert.equal(ub.packages[0].ecosystem, 'Ubuntu:22.04:LTS');
    assert.equal(ub.packages[0].purl, 'pkg:deb/ubuntu/libc6@2.36-9+deb12u14?arch=amd64&distro=ubuntu-22.04');
  });

  it('parses continuation lines into the field', () => {
    const [p] = parseParagraphs('Package: a\nDescription: short\n long line\n .\n more\nVersion: 1\n');
    assert.equal(p.Description, 'short\nlong line\n.\nmore');
    assert.equal(p.Version, '1');
  });

  it('dpkgOwnedFiles reads info/<pkg>.list', async () => {
    const files = await dpkgOwnedFiles(async (p) => (p === 'var/lib/dpkg/info/libc6:amd64.list' ? Buffer.from('/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n') : null), 'libc6', 'amd64');
    assert.deepEqual(files, ['lib', 'lib/x86_64-linux-gnu/libc.so.6']);
    assert.deepEqual(await dpkgOwnedFiles(async () => null, 'nothing'), []);
  });
});

describe('os/dpkg (sad)', () => {
  it('reports bad paragraphs and lines, keeps the good ones', async () => {
    const { packages, errors } = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status', await fixture('sad/status'), BOOKWORM);
    assert.deepEqual(packages.map((p) => p.name), ['zlib1g', 'perl-base']);
    const msgs = errors.map((e) => e.message).join('\n');
    assert.match(msgs, /"base-files" has no Version/);
    assert.match(msgs, /"bash": Source "bash \(5\.2\.15-2" is not/);
    assert.match(msgs, /continuation line outside a field/);
    assert.match(msgs, /"libgcc-s1": Status "installed" is not "want flag state"/);
    assert.match(msgs, /neither "Field: value"/);
    assert.equal(errors.length, 5);
    for (const e of errors) assert.equal(e.rule, 'parse-error');
  });
  it('refuses a binary file', async () => {
    const { packages, errors } = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status', await fixture('sad/status-binary'));
    assert.deepEqual(packages, []);
    assert.equal(errors.length, 1);
  });
});

describe('os/dpkg on real root filesystems', () => {
  for (const suite of ['bullseye', 'bookworm']) {
    const root = join(TARGETS, `rootfs-${suite}`);
    const status = join(root, 'var/lib/dpkg/status');
    const skip = needsAll([
      [`targets: rootfs-${suite}`, existsSync(status), HOW.targets],
      ['dpkg-query', onPath('dpkg-query'), HOW.apt('dpkg')],
    ]);
    it(`${suite}: same packages as dpkg-query`, { skip }, async () => {
      const os = await detectOs(dirReader(root));
      assert.equal(os?.ecosystem, suite === 'bullseye' ? 'Debian:11' : 'Debian:12');
      const { packages, errors } = await runExtractor(dpkgExtractor, 'var/lib/dpkg/status', await readFile(status), os);
      assert.deepEqual(errors, []);
      const admindir = join(root, 'var/lib/dpkg');
      const all = execFileSync('dpkg-query', [`--admindir=${admindir}`, '-W'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      const installed = execFileSync('dpkg-query', [`--admindir=${admindir}`, '-W', '-f', '${Package}\\t${Version}\\t${db:Status-Status}\\n'], { encoding: 'utf8' })
        .split('\n').filter((l) => l.endsWith('\tinstalled')).map((l) => l.split('\t').slice(0, 2).join('=')).sort();
      assert.equal(packages.length, installed.length);
      assert.deepEqual(packages.map((p) => `${p.name}=${p.version}`).sort(), installed);
      // a debootstrap root has nothing half-removed, so this is also `dpkg-query -W | wc -l`
      assert.equal(packages.length, all.length);
      assert.ok(packages.length > 50);
    });
  }
});
