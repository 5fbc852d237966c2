/**
 * Agentless host scanning end to end: a real sshd, the SSH source, and the inventory core with the
 * OS extractors. Host one is this machine (Debian 12); host two is an sshd whose sessions run in
 * a read-only bind mount of a debootstrap bullseye root (.cache/targets/rootfs-bullseye).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { detectOs, osExtractors } from '../src/extractors/os/index.ts';
import { collectInventory } from '../src/inventory/index.ts';
import type { Package } from '../src/model/index.ts';
import { openTarget } from '../src/sources/index.ts';
import { openSshHost } from '../src/sources/ssh/index.ts';
import { readOnlyBind, readOnlyOverlay, sshdUnavailable, startSshd, type TestSshd } from '../src/sources/ssh/testutil.ts';
import { HOW, needs, TARGETS } from './helpers/prereq.ts';

const run = promisify(execFile);
const unavailable = sshdUnavailable();
const BULLSEYE = join(TARGETS, 'rootfs-bullseye');
const RPM_TESTDATA = new URL('../src/extractors/os/rpm/testdata/happy/', import.meta.url).pathname;

/**
 * An sshd chrooted into the root `mountRoot` mounts (in `before`), stopped and unmounted (then
 * `cleanup`) in `after`. Mounting needs CAP_SYS_ADMIN (root outside a restricted container):
 * without it `skip` says why (`needs`: in CI its absence fails the suite).
 */
function chrootedSshd(what: string, mountRoot: () => Promise<{ path: string; unmount(): Promise<void> }>, cleanup?: () => Promise<void>) {
  const host: { d?: TestSshd; mount?: { path: string; unmount(): Promise<void> }; skip: string | false } = { skip: false };
  before(async () => {
    try {
      host.mount = await mountRoot();
    } catch (err) {
      host.skip = needs(what, false, `mount failed: ${(err as Error).message}`);
      return;
    }
    host.d = await startSshd({ chroot: host.mount.path });
  });
  after(async () => {
    try {
      await host.d?.stop();
    } finally {
      await host.mount?.unmount();
      await cleanup?.();
    }
  });
  return host;
}

async function dpkgCount(): Promise<number> {
  const { stdout } = await run('dpkg-query', ['-W'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l !== '').length;
}

describe('ssh host: this machine', { skip: unavailable }, () => {
  let d: TestSshd;
  before(async () => {
    d = await startSshd();
  });
  after(async () => {
    await d?.stop();
  });

  for (const method of ['auto', 'sftp'] as const) {
    it(`gives the Debian 12 inventory dpkg-query lists (${method})`, async () => {
      // packages may be installed by others while this runs: take the count on both sides of the snapshot
      const before = await dpkgCount();
      const s = await openSshHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey, hostKeyFingerprint: d.hostKeyFingerprint }, { method });
      const afterCount = await dpkgCount();
      const inv = await collectInventory(s.fs, { extractors: osExtractors, detectOs });
      assert.equal(inv.os?.ecosystem, 'Debian:12');
      assert.equal(inv.os?.codename, 'bookworm');
      const debs = inv.packages.filter((p) => p.ecosystem === 'Debian:12');
      assert.equal(debs.length, inv.packages.length);
      assert.ok(debs.length === before || debs.length === afterCount, `${debs.length} packages; dpkg-query -W lists ${before} (then ${afterCount})`);
      assert.deepEqual(inv.errors, []);
      assert.ok(s.listening.some((l) => l.port === d.port));
      await s.fs.close();
    });
  }
});

describe('ssh host: a bullseye root behind ChrootDirectory', { skip: unavailable || needs('targets: rootfs-bullseye', existsSync(`${BULLSEYE}/var/lib/dpkg/status`), HOW.targets) }, () => {
  const host = chrootedSshd('a read-only bind mount (mount --bind, CAP_SYS_ADMIN)', () => readOnlyBind(BULLSEYE));

  for (const method of ['auto', 'sftp'] as const) {
    it(`gives Debian 11 with its 96 packages and no sockets (${method})`, async (t) => {
      if (host.skip) return t.skip(host.skip);
      const d = host.d!;
      const s = await openSshHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey }, { method });
      assert.equal(s.method, method === 'auto' ? 'tar' : 'sftp');
      const inv = await collectInventory(s.fs, { extractors: osExtractors, detectOs });
      assert.equal(inv.os?.ecosystem, 'Debian:11');
      assert.equal(inv.os?.codename, 'bullseye');
      assert.equal(inv.packages.filter((p) => p.ecosystem === 'Debian:11').length, 96);
      assert.equal(inv.packages.length, 96);
      assert.deepEqual(inv.errors, []);
      // no /proc in the chroot: nothing listed, and the reason says so
      assert.deepEqual(s.listening, []);
      assert.match(s.listeningNote ?? '', /no readable \/proc\/net/);
      const pkg = inv.packages.find((p) => p.name === 'base-files');
      assert.match(pkg?.version ?? '', /^11\./);
    });
  }
});

/**
 * rpm hosts in their older forms: the bullseye root (its shell and tar) with an overlay that hides
 * dpkg and adds an os-release and an rpm database — BerkeleyDB `var/lib/rpm/Packages` (CentOS 7)
 * or NDB `usr/lib/sysimage/rpm/Packages.db` with `var/lib/rpm` a symlink to it (SUSE 15). Over SSH
 * (one tar stream, and SFTP) they give what `scan rootfs` of the same tree gives.
 */
describe('ssh host: rpm BerkeleyDB and NDB databases behind ChrootDirectory', { skip: unavailable || needs('targets: rootfs-bullseye', existsSync(`${BULLSEYE}/var/lib/dpkg/status`), HOW.targets) }, () => {
  const HOSTS = [
    {
      name: 'CentOS 7, BerkeleyDB Packages',
      osRelease: 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
      files: { 'var/lib/rpm/Packages': 'Packages' },
      link: undefined,
      // OSV has no CentOS data: the OS has no ecosystem and the packages carry the vendor's name
      osEcosystem: undefined,
      ecosystem: 'CentOS',
      count: 4,
      location: 'var/lib/rpm/Packages',
    },
    {
      name: 'SLES 15 SP3, NDB Packages.db',
      osRelease: 'NAME="SLES"\nVERSION="15-SP3"\nVERSION_ID="15.3"\nID="sles"\nID_LIKE="suse"\n',
      files: { 'usr/lib/sysimage/rpm/Packages.db': 'sle15-bci/Packages.db' },
      link: { 'var/lib/rpm': '../../usr/lib/sysimage/rpm' },
      osEcosystem: 'SUSE:Linux Enterprise Server 15 SP3',
      ecosystem: 'SUSE:Linux Enterprise Server 15 SP3',
      count: 35,
      location: 'usr/lib/sysimage/rpm/Packages.db',
    },
  ];
  for (const h of HOSTS) {
    describe(h.name, () => {
      let top: string | undefined;
      const host = chrootedSshd('an overlay mount (mknod, mount -t overlay, CAP_SYS_ADMIN)', async () => {
        top = await mkdtemp(join(tmpdir(), 'vigil-rpmhost-'));
        for (const f of ['etc/os-release', 'usr/lib/os-release']) {
          await mkdir(dirname(join(top, f)), { recursive: true });
          await writeFile(join(top, f), h.osRelease);
        }
        for (const [to, from] of Object.entries(h.files)) {
          await mkdir(dirname(join(top, to)), { recursive: true });
          await copyFile(join(RPM_TESTDATA, from), join(top, to));
        }
        for (const [at, to] of Object.entries(h.link ?? {})) {
          await mkdir(dirname(join(top, at)), { recursive: true });
          await symlink(to, join(top, at));
        }
        // overlayfs's whiteout (a 0/0 character device) hides the root's dpkg database
        await run('mknod', [join(top, 'var/lib/dpkg'), 'c', '0', '0']);
        return readOnlyOverlay(top, BULLSEYE);
      }, async () => {
        if (top) await rm(top, { recursive: true, force: true });
      });

      for (const method of ['auto', 'sftp'] as const) {
        it(`gives the packages \`scan rootfs\` gives (${method})`, async (t) => {
          if (host.skip) return t.skip(host.skip);
          const d = host.d!;
          const s = await openSshHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey }, { method });
          const overSsh = await collectInventory(s.fs, { extractors: osExtractors, detectOs });
          await s.fs.close();
          const fs = await openTarget(host.mount!.path, 'rootfs');
          const rootfs = await collectInventory(fs, { extractors: osExtractors, detectOs });
          await fs.close();
          assert.deepEqual(overSsh.errors, []);
          assert.deepEqual(rootfs.errors, []);
          assert.equal(overSsh.os?.ecosystem, h.osEcosystem);
          assert.equal(rootfs.os?.ecosystem, h.osEcosystem);
          const key = (p: Package) => `${p.ecosystem} ${p.name} ${p.version} ${p.purl} ${p.sourceName} ${p.locations?.join(',')}`;
          assert.equal(overSsh.packages.length, h.count);
          assert.ok(overSsh.packages.every((p) => p.foundBy === 'os/rpm' && p.ecosystem === h.ecosystem && p.locations?.join() === h.location), JSON.stringify(overSsh.packages[0]));
          assert.deepEqual(overSsh.packages.map(key).sort(), rootfs.packages.map(key).sort());
        });
      }
    });
  }
});
