/**
 * Runtime binaries on hosts (issue 20): a real sshd chrooted into a copy of the bookworm root
 * filesystem (under /run: sshd refuses chroots under /tmp) with this machine's real runtimes planted
 * where images and tarballs put them — Node.js in /usr/local/bin and /usr/bin (no dpkg list names
 * it there), Debian's python3.11 under /srv, a Temurin launcher and its `release` under /opt, the Go
 * toolchain in /usr/local/go, libssl/libcrypto beside an app in /opt — and one /usr/bin/python3.11
 * a dpkg list owns. The runtime packages the SSH snapshot (binaries read on demand over the connection)
 * and the agent's report give are exactly those `scan rootfs` finds in the same directories; bounds
 * become deep-inspection-* errors counted as partial. And this machine itself over a plain sshd:
 * its runtimes in a few directories, as `scan rootfs /` finds them there.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectAgentReport } from '../../cli/agent.ts';
import { extractorGroups } from '../../extractors/index.ts';
import { detectOs } from '../../extractors/os/index.ts';
import { collectInventory, contentFilterFor } from '../../inventory/index.ts';
import type { Package } from '../../model/index.ts';
import { summarizeSkipped } from '../../model/scan.ts';
import type { FileInfo } from '../types.ts';
import { hostRuntimeFile } from '../../extractors/runtime/index.ts';
import { RUNTIME_INSPECTION_PATHS, deepCatScript, openSshHost, runtimePathsWith, secretPathFilter, type SshTarget } from './index.ts';
import { HOW, needs, onPath } from '../../../test/helpers/prereq.ts';
import { chrootedCopy, plantRuntimes as plant, rootfsPackages, sshdUnavailable, startSshd, type ChrootedHost } from './testutil.ts';

const BOOKWORM = join(import.meta.dirname, '../../../.cache/targets/rootfs-bookworm');
const unavailable = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc/os-release')) && 'no .cache/targets/rootfs-bookworm (bash ../shared/tools/build-targets.sh .cache/targets bookworm)');

const isRuntime = (p: Package) => p.foundBy?.startsWith('runtime/') ?? false;
/** ecosystem/name@version and every location, one line per runtime package, sorted */
const keyed = (pkgs: Package[]) => pkgs.filter(isRuntime).map((p) => `${p.ecosystem}/${p.name}@${p.version} ${[...(p.locations ?? [])].sort().join(',')}`).sort();

/** What `vigil scan rootfs` finds (every extractor), restricted to packages located under `dirs`, and to the files `only` accepts when given. */

const languageFilter = contentFilterFor(extractorGroups.language);
const runtimeFilter = contentFilterFor(extractorGroups.runtime);
/** what the engine and the agent read on demand (the named runtime files) */
const hostRuntimes = (i: FileInfo) => hostRuntimeFile(i.path, i);

describe('runtime binaries: the script that streams one file', () => {
  it('takes a plain relative name as one sh word; refuses others', () => {
    const s = deepCatScript('0123456789abcdef', "opt/it's $(id)/node", 5);
    assert.ok(s.includes(`set -- 'opt/it'\\''s $(id)/node'`));
    for (const bad of ['/etc/passwd', '-n', 'a/../b', 'a\nb', 'a\\b']) assert.throws(() => deepCatScript('0123456789abcdef', bad, 5), /plain relative/);
    assert.deepEqual(runtimePathsWith([]).filter((p) => RUNTIME_INSPECTION_PATHS.includes(p)), [...RUNTIME_INSPECTION_PATHS].sort());
  });
});

describe('runtime binaries over SSH and by the agent, against scan rootfs', { skip: unavailable }, () => {
  let copy: string;
  let host: ChrootedHost | undefined;
  let target: SshTarget;
  let expected: string[];
  before(async () => {
    host = await chrootedCopy(BOOKWORM, 'vigil-runtimes-', plant);
    ({ copy, target } = host);
    expected = keyed(await rootfsPackages(copy, runtimePathsWith([])));
  });
  after(async () => {
    await host?.stop();
  });

  it('scan rootfs finds the planted runtimes (the OS-owned copy dropped)', () => {
    const want = [
      ['/usr/bin/node', 'Bitnami/node@', 'usr/local/bin/node'], ['/usr/bin/node', 'Bitnami/node@', ' usr/bin/node'], ['/usr/bin/node', 'OpenSSL/openssl@', 'usr/local/bin/node'],
      ['/usr/bin/python3.11', 'Bitnami/python@3.11.', 'srv/py/bin/python3.11'], ['/usr/lib/jvm/temurin-25-jdk-amd64/bin/java', 'Bitnami/java@25', 'opt/java/openjdk/bin/java'],
      ['/usr/lib/go-1.19/bin/go', 'Go/toolchain@1.19', 'usr/local/go/bin/go'], ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 'OpenSSL/openssl@3', 'opt/app/lib/libssl.so.3'],
    ];
    for (const [from, pkg, at] of want) if (existsSync(from)) assert.ok(expected.some((k) => k.startsWith(pkg) && k.includes(at)), `${pkg} at ${at}:\n${expected.join('\n')}`);
    assert.ok(!expected.some((k) => k.includes('usr/bin/python3.11')), 'the dpkg-owned python3.11 is the OS package');
  });

  it('SSH: the runtime packages of scan rootfs in the same directories, read on demand; nothing partial', async () => {
    const snap = await openSshHost(target, { deepInspection: { filter: languageFilter, runtimes: hostRuntimes } });
    try {
      assert.ok(snap.deepInspection!.runtimeFiles! >= 5, JSON.stringify(snap.deepInspection));
      const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
      assert.deepEqual(keyed(inv.packages), expected);
      assert.equal(summarizeSkipped(inv.errors), null, JSON.stringify(inv.errors.slice(0, 5)));
      // each binary read at most once (node: whole by go/binary, its node and openssl probes from those bytes), except
      // libcrypto, which openssl reads again beside libssl; the dpkg-owned python3.11 only by go/binary, as scan rootfs does
      let sizes = 0;
      for await (const e of snap.fs.entries()) if (hostRuntimes(e) && secretPathFilter(runtimePathsWith([]))(e.path)) sizes += e.size * (e.path.endsWith('/libcrypto.so.3') ? 2 : 1);
      const read = snap.deepInspection!.runtimeBytes!;
      assert.ok(read > 0 && read <= sizes, `${read} bytes read of ${sizes}`);
    } finally {
      await snap.fs.close();
    }
  });

  it('SSH without an SFTP subsystem: the runtime files are read over exec channels, the same packages', async () => {
    const plain = await startSshd({ chroot: copy, noSftp: true });
    try {
      const snap = await openSshHost({ ...target, port: plain.port, hostKeyFingerprint: plain.hostKeyFingerprint, privateKey: plain.clientKey, username: plain.username }, { deepInspection: { filter: languageFilter, runtimes: hostRuntimes } });
      try {
        const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
        assert.deepEqual(keyed(inv.packages), expected);
        assert.equal(summarizeSkipped(inv.errors), null, JSON.stringify(inv.errors.slice(0, 5)));
      } finally {
        await snap.fs.close();
      }
    } finally {
      await plain.stop();
    }
  });

  it('SSH: the runtime bounds are deep-inspection-* errors, counted as partial; the OS packages stay', async () => {
    const few = await openSshHost(target, { deepInspection: { filter: languageFilter, runtimes: hostRuntimes }, limits: { deep: { maxRuntimeFiles: 2 } as never } });
    try {
      const inv = await collectInventory(few.fs, { extractors: extractorGroups.all, detectOs });
      assert.equal(few.deepInspection!.runtimeFiles, 2);
      assert.equal(summarizeSkipped(inv.errors)!.rules['deep-inspection-files'], 1, JSON.stringify(inv.errors.slice(0, 5)));
      assert.ok(inv.packages.filter((p) => p.ecosystem.startsWith('Debian')).length > 50);
    } finally {
      await few.fs.close();
    }
    const small = await openSshHost(target, { deepInspection: { filter: languageFilter, runtimes: hostRuntimes }, limits: { deep: { maxRuntimeBytes: 4 * 1024 * 1024 } as never } });
    try {
      const inv = await collectInventory(small.fs, { extractors: extractorGroups.all, detectOs });
      assert.equal(summarizeSkipped(inv.errors)!.rules['deep-inspection-bytes'], 1, JSON.stringify(inv.errors.slice(0, 5)));
      // what was read is right (a runtime found at fewer of its locations merges differently)
      assert.ok(keyed(inv.packages).every((k) => expected.some((e) => e.split(' ')[0] === k.split(' ')[0])), keyed(inv.packages).join('\n'));
      assert.ok(small.deepInspection!.runtimeBytes! <= 4 * 1024 * 1024 + 1024 * 1024);
    } finally {
      await small.fs.close();
    }
  });

  it('agent: the same runtime packages as scan rootfs over the same tree; bounds as partial', async () => {
    const r = await collectAgentReport(copy, 'runtimes-agent', { cis: false });
    assert.deepEqual(keyed(r.packages as Package[]), expected);
    assert.equal(summarizeSkipped(r.errors), null, JSON.stringify(r.errors.slice(0, 5)));
    const small = await collectAgentReport(copy, 'runtimes-agent', { cis: false, deepLimits: { maxFiles: 30_000, maxFileBytes: 64 << 20, maxTotalBytes: 256 << 20, timeoutMs: 60_000, maxRuntimeBytes: 4 << 20 } });
    assert.equal(summarizeSkipped(small.errors)!.rules['deep-inspection-bytes'], 1);
    assert.ok(keyed(small.packages as Package[]).every((k) => expected.some((e) => e.split(' ')[0] === k.split(' ')[0])));
  });
});

/**
 * busybox's applets the deep-inspection scripts run (the listing, the per-file reads), as on Alpine; not
 * tar: Debian's busybox is built without `tar -T` (Alpine's has it), which every tar transfer uses.
 */
const BUSYBOX_APPLETS = ['sh', 'find', 'xargs', 'stat', 'ls', 'head', 'tail', 'timeout', 'cat'];
const GOFMT = '/usr/lib/go-1.19/bin/gofmt';

describe('runtime binaries on a busybox host (find without -printf), as on the GNU host', { skip: unavailable || needs('busybox', onPath('busybox'), HOW.apt('busybox')) }, () => {
  let copy: string;
  let host: ChrootedHost | undefined;
  let target: SshTarget;
  /** every package but the OS's (runtimes, and the language packages of the transfer: a Go program under /opt) */
  const notOs = (pkgs: Package[]) => pkgs.filter((p) => !/^(Debian|Ubuntu|Alpine)/.test(p.ecosystem)).map((p) => `${p.ecosystem}/${p.name}@${p.version} ${[...(p.locations ?? [])].sort().join(',')}`).sort();
  const snapshot = async (t: SshTarget = target) => {
    const snap = await openSshHost(t, { deepInspection: { filter: languageFilter, runtimes: hostRuntimes } });
    try {
      const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
      assert.equal(summarizeSkipped(inv.errors), null, JSON.stringify(inv.errors.slice(0, 5)));
      return notOs(inv.packages);
    } finally {
      await snap.fs.close();
    }
  };
  before(async () => {
    host = await chrootedCopy(BOOKWORM, 'vigil-busybox-', async (root) => {
      await plant(root);
      if (existsSync(GOFMT)) {
        await mkdir(join(root, 'opt/tools'), { recursive: true });
        await copyFile(GOFMT, join(root, 'opt/tools/gofmt'));
      }
    });
    ({ copy, target } = host);
  });
  after(async () => {
    await host?.stop();
  });

  it('busybox find with stat -c, then with ls -ldn (no stat): the packages of the GNU host; without xargs, names only: no runtime picked by its size', async () => {
    const gnu = await snapshot();
    const runtimes = keyed(await rootfsPackages(copy, runtimePathsWith([])));
    assert.deepEqual(gnu.filter((k) => runtimes.includes(k)), runtimes, 'the GNU host gives the runtimes of scan rootfs');
    if (existsSync(GOFMT)) assert.ok(gnu.some((k) => k.startsWith('Go/stdlib@') && k.includes('opt/tools/gofmt')), gnu.join('\n'));
    // the host's tools become busybox's (usr/bin/sh was dash, find/stat/ls GNU's)
    await copyFile(onPath('busybox')!, join(copy, 'usr/bin/busybox'));
    for (const a of BUSYBOX_APPLETS) {
      await rm(join(copy, 'usr/bin', a), { force: true });
      await symlink('busybox', join(copy, 'usr/bin', a));
    }
    assert.deepEqual(await snapshot(), gnu, 'busybox find and stat');
    // a busybox built without stat: ls -ldn
    await rm(join(copy, 'usr/bin/stat'));
    assert.deepEqual(await snapshot(), gnu, 'busybox find and ls');
    // and over exec channels (no SFTP): busybox's cat, tail and head read the runtime binaries
    const plain = await startSshd({ chroot: copy, noSftp: true });
    try {
      assert.deepEqual(await snapshot({ ...target, port: plain.port, hostKeyFingerprint: plain.hostKeyFingerprint, privateKey: plain.clientKey, username: plain.username }), gnu, 'busybox, no SFTP');
    } finally {
      await plain.stop();
    }
    // what the names alone give (no xargs: the listing cannot size a file): the runtimes picked by their size
    // (node, python, the OpenSSL libraries) are missed; java and go are picked by name (streamed whatever the listed size)
    await rename(join(copy, 'usr/bin/xargs'), join(copy, 'usr/bin/xargs.off'));
    const names = await snapshot();
    const bySize = runtimes.filter((k) => /^(?:Bitnami\/node|Bitnami\/python|OpenSSL\/openssl)@/.test(k));
    assert.ok(bySize.length > 0 && !names.some((k) => bySize.includes(k)), names.join('\n'));
  });
});

describe('this machine over SSH: its runtimes as scan rootfs / finds them', { skip: sshdUnavailable() }, () => {
  // a few directories of this machine (all of them would be ~1 GB of binaries): the caller's runtime filter narrows them
  const places = /^(?:usr\/bin\/(?:node|python3\.\d+|java|go)$|usr\/lib\/jvm\/|usr\/lib\/go-1\.\d+\/|usr\/lib\/x86_64-linux-gnu\/lib(?:ssl|crypto)\.so|root\/\.pyenv\/versions\/3\.11\.7\/(?:bin|lib)\/[^/]+$)/;
  it('the same runtime packages in those files; the dpkg-owned /usr/bin/node, OpenJDK and Go not reported', { timeout: 10 * 60_000 }, async () => {
    const expectedHere = keyed(await rootfsPackages('/', runtimePathsWith([]), (p) => places.test(p)));
    assert.ok(expectedHere.length >= 1, 'some runtime here');
    if (existsSync('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java')) assert.ok(expectedHere.some((k) => k.startsWith('Bitnami/java@25') && k.includes('usr/lib/jvm/temurin-25-jdk-amd64/bin/java')), expectedHere.join('\n'));
    if (existsSync('/root/.pyenv/versions/3.11.7/bin/python3.11')) assert.ok(expectedHere.includes('Bitnami/python@3.11.7 root/.pyenv/versions/3.11.7/bin/python3.11'), expectedHere.join('\n'));
    const d = await startSshd();
    try {
      const snap = await openSshHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey }, {
        deepInspection: { filter: () => false, runtimes: (i) => places.test(i.path) && hostRuntimes(i) },
        limits: { deep: { maxListed: 5_000_000 } as never },
      });
      try {
        const inv = await collectInventory(snap.fs, { extractors: [...extractorGroups.os, ...extractorGroups.runtime], detectOs });
        assert.deepEqual(keyed(inv.packages), expectedHere);
        assert.ok(!expectedHere.some((k) => / usr\/bin\/node$/.test(k)) || !existsSync('/var/lib/dpkg/info/nodejs.list'));
      } finally {
        await snap.fs.close();
      }
    } finally {
      await d.stop();
    }
  });
});
