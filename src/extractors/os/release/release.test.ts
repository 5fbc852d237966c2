import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectOs, osvEcosystem, OS_RELEASE_PATHS, parseKeyValues } from './index.ts';

const TESTDATA = new URL('./testdata/', import.meta.url).pathname;

/** readFile over a fixture directory, as ExtractContext.readFile behaves (null when absent). */
function reader(dir: string) {
  return async (p: string): Promise<Buffer | null> => {
    try {
      return await readFile(join(TESTDATA, dir, p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  };
}

describe('os/release detectOs (happy)', () => {
  const cases: [string, Record<string, string | undefined>][] = [
    ['debian-11', { id: 'debian', versionId: '11', codename: 'bullseye', ecosystem: 'Debian:11' }],
    ['debian-12', { id: 'debian', versionId: '12', codename: 'bookworm', ecosystem: 'Debian:12' }],
    ['debian-trixie', { id: 'debian', versionId: undefined, codename: 'trixie', ecosystem: undefined }],
    ['debian-version-only', { id: 'debian', versionId: '11', ecosystem: 'Debian:11' }],
    ['ubuntu-22.04', { id: 'ubuntu', versionId: '22.04', codename: 'jammy', ecosystem: 'Ubuntu:22.04:LTS' }],
    ['ubuntu-23.10-lsb', { id: 'ubuntu', versionId: '23.10', codename: 'mantic', ecosystem: 'Ubuntu:23.10' }],
    ['alpine-3.18', { id: 'alpine', versionId: '3.18.4', ecosystem: 'Alpine:v3.18' }],
    ['alpine-release-only', { id: 'alpine', versionId: '3.18.4', ecosystem: 'Alpine:v3.18' }],
    ['almalinux-9.2', { id: 'almalinux', versionId: '9.2', ecosystem: 'AlmaLinux:9' }],
    ['almalinux-release-only', { id: 'almalinux', versionId: '8.10', ecosystem: 'AlmaLinux:8' }],
    ['rocky-9.4', { id: 'rocky', versionId: '9.4', ecosystem: 'Rocky Linux:9' }],
    ['opensuse-leap-15.6', { id: 'opensuse-leap', versionId: '15.6', ecosystem: 'openSUSE:Leap 15.6' }],
    ['sles-15.5', { id: 'sles', versionId: '15.5', ecosystem: 'SUSE:Linux Enterprise Server 15 SP5' }],
    ['wolfi', { id: 'wolfi', versionId: '20230201', ecosystem: 'Wolfi' }],
  ];
  for (const [dir, want] of cases) {
    it(dir, async () => {
      const os = await detectOs(reader(`happy/${dir}`));
      assert.ok(os, 'an OS is detected');
      for (const [k, v] of Object.entries(want)) assert.equal((os as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  it('prefers etc/os-release over usr/lib/os-release and reads only listed paths', async () => {
    const asked: string[] = [];
    const os = await detectOs(async (p) => {
      asked.push(p);
      if (p === 'etc/os-release') return Buffer.from('ID=ubuntu\nVERSION_ID="20.04"\n');
      if (p === 'usr/lib/os-release') return Buffer.from('ID=debian\nVERSION_ID="12"\n');
      return null;
    });
    assert.equal(os?.ecosystem, 'Ubuntu:20.04:LTS');
    for (const p of asked) assert.ok(OS_RELEASE_PATHS.includes(p), `${p} is in OS_RELEASE_PATHS`);
  });

  it('treats a failing read as absent', async () => {
    const os = await detectOs(async (p) => {
      if (p === 'etc/os-release') throw new Error('file-too-large');
      if (p === 'usr/lib/os-release') return Buffer.from('ID=alpine\nVERSION_ID=3.19.1\n');
      return null;
    });
    assert.equal(os?.ecosystem, 'Alpine:v3.19');
  });
});

describe('os/release detectOs (sad)', () => {
  it('nothing to read → undefined', async () => {
    assert.equal(await detectOs(reader('sad/empty')), undefined);
  });
  it('os-release without ID → undefined', async () => {
    assert.equal(await detectOs(reader('sad/no-id')), undefined);
  });
  it('binary os-release → undefined', async () => {
    assert.equal(await detectOs(reader('sad/binary')), undefined);
  });
  it('unrecognised redhat-release → undefined', async () => {
    assert.equal(await detectOs(reader('sad/bad-redhat-release')), undefined);
  });
  it('Alpine edge: detected, no OSV ecosystem', async () => {
    const os = await detectOs(reader('sad/alpine-edge'));
    assert.equal(os?.id, 'alpine');
    assert.equal(os?.ecosystem, undefined);
  });
});

describe('os/release osvEcosystem and parsing', () => {
  it('spells OSV ecosystems', () => {
    assert.equal(osvEcosystem({ id: 'ubuntu', versionId: '24.04' }), 'Ubuntu:24.04:LTS');
    assert.equal(osvEcosystem({ id: 'ubuntu', versionId: '24.10' }), 'Ubuntu:24.10');
    assert.equal(osvEcosystem({ id: 'ubuntu', versionId: '18.04' }), 'Ubuntu:18.04:LTS');
    assert.equal(osvEcosystem({ id: 'rhel', versionId: '9.3' }), 'Red Hat:enterprise_linux:9');
    assert.equal(osvEcosystem({ id: 'sles', versionId: '15' }), 'SUSE:Linux Enterprise Server 15');
    assert.equal(osvEcosystem({ id: 'chainguard' }), 'Chainguard');
    assert.equal(osvEcosystem({ id: 'centos', versionId: '7' }), undefined);
    assert.equal(osvEcosystem({ id: 'debian' }), undefined);
  });
  it('handles quoting and escapes', () => {
    assert.deepEqual(parseKeyValues('A="x \\"y\\""\nB=\'z\'\n# C=1\nD=plain'), { A: 'x "y"', B: 'z', D: 'plain' });
  });
});
