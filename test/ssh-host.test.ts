/**
 * Agentless host scanning end to end: a real sshd, the SSH source, and the inventory core with the
 * OS extractors. Host one is this machine (Debian 12); host two is an sshd whose sessions run in
 * a read-only bind mount of a debootstrap bullseye root (.cache/targets/rootfs-bullseye).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { detectOs, osExtractors } from '../src/extractors/os/index.ts';
import { collectInventory } from '../src/inventory/index.ts';
import { openSshHost } from '../src/sources/ssh/index.ts';
import { readOnlyBind, sshdUnavailable, startSshd, type TestSshd } from '../src/sources/ssh/testutil.ts';
import { HOW, needs, TARGETS } from './helpers/prereq.ts';

const run = promisify(execFile);
const unavailable = sshdUnavailable();
const BULLSEYE = join(TARGETS, 'rootfs-bullseye');

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
  let d: TestSshd | undefined;
  let mount: { path: string; unmount(): Promise<void> } | undefined;
  let skip: string | false = false;
  before(async () => {
    try {
      mount = await readOnlyBind(BULLSEYE);
    } catch (err) {
      // needs CAP_SYS_ADMIN (root outside a restricted container); in CI its absence fails the suite
      skip = needs('a read-only bind mount (mount --bind, CAP_SYS_ADMIN)', false, `mount failed: ${(err as Error).message}`);
      return;
    }
    d = await startSshd({ chroot: mount.path });
  });
  after(async () => {
    try {
      await d?.stop();
    } finally {
      await mount?.unmount();
    }
  });

  for (const method of ['auto', 'sftp'] as const) {
    it(`gives Debian 11 with its 96 packages and no sockets (${method})`, async (t) => {
      if (skip) return t.skip(skip);
      const s = await openSshHost({ host: d!.host, port: d!.port, username: d!.username, privateKey: d!.clientKey }, { method });
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
