/**
 * CIS over SSH (issue 18): openSshCisHost against a real sshd serving the real bookworm root
 * filesystem (ChrootDirectory on a read-only bind mount, and on a copy with deviations). The same
 * benchmark evaluated over the snapshot and over openDir(root) of the same tree must agree on every
 * file-based check; deviations made in the copy turn exactly their checks to FAIL; a symlink to
 * /root/secret is not followed; limits become notes; a non-root login (setpriv inside the chroot)
 * makes the shadow checks ERROR; a wrong host key is refused as openSshHost refuses it.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as tar from 'tar-stream';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { benchmarkById, evaluateBenchmark } from '../../detectors/cis/index.ts';
import type { BenchmarkResult } from '../../detectors/cis/schema.ts';
import { VigilError } from '../../model/index.ts';
import { openDir } from '../index.ts';
import { cisScript, isCisPath, isCisWithheld, openSshCisHost, parseCisOutput, parseProcSys, parseUnits, type SshCisSnapshot, type SshTarget } from './index.ts';
import { readOnlyBind, sshdUnavailable, startSshd, type TestSshd } from './testutil.ts';

const run = promisify(execFile);
const BOOKWORM = join(import.meta.dirname, '../../../.cache/targets/rootfs-bookworm');
const unavailable = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc/os-release')) && 'no .cache/targets/rootfs-bookworm (bash ../shared/tools/build-targets.sh .cache/targets bookworm)');

async function rejectsWith(p: Promise<unknown>, code: string, rule: string): Promise<VigilError> {
  const err = await p.then(() => assert.fail(`expected ${code}/${rule}`), (e: unknown) => e);
  assert.ok(err instanceof VigilError, String(err));
  assert.equal(err.code, code, err.message);
  assert.equal(err.rule, rule, err.message);
  return err;
}

const statuses = (r: BenchmarkResult) => new Map(r.checks.map((c) => [c.id, c.status]));

async function assess(snap: SshCisSnapshot, level: 1 | 2 = 2): Promise<BenchmarkResult> {
  const b = (await benchmarkById('debian-12'))!;
  return evaluateBenchmark(snap.fs, b, { level, live: snap.live });
}

async function assessDir(root: string): Promise<BenchmarkResult> {
  const fs = await openDir(root, { rootfs: true });
  try {
    return await evaluateBenchmark(fs, (await benchmarkById('debian-12'))!, { level: 2 });
  } finally {
    await fs.close();
  }
}

/** checks whose status differs between two results: id → [a, b] */
function differences(a: BenchmarkResult, b: BenchmarkResult): Record<string, [string, string]> {
  const sb = statuses(b);
  const out: Record<string, [string, string]> = {};
  for (const c of a.checks) if (sb.get(c.id) !== c.status) out[c.id] = [c.status, sb.get(c.id) ?? 'missing'];
  return out;
}

describe('CIS script and parsers', () => {
  it('what is sent and what is withheld', () => {
    assert.ok(isCisPath('etc/ssh/sshd_config') && isCisPath('var/lib/dpkg/status') && isCisPath('lib') && isCisPath('usr/lib/systemd/system/ssh.service'));
    assert.ok(!isCisPath('home/u/.ssh/id_rsa') && !isCisPath('var/lib/dpkg/info/x.list') && !isCisPath('root/secret') && !isCisPath('etcx'));
    assert.ok(isCisWithheld('etc/ssh/ssh_host_ed25519_key') && !isCisWithheld('etc/ssh/ssh_host_ed25519_key.pub') && isCisWithheld('etc/ssl/private/a/b.pem') && isCisWithheld('usr/sbin/auditctl'));
    assert.throws(() => cisScript('not hex', { maxEntries: 1, maxFileBytes: 1, seconds: 1, maxListed: 1 }));
    assert.throws(() => cisScript('ab'.repeat(12), { maxEntries: 1.5, maxFileBytes: 1, seconds: 1, maxListed: 1 }));
  });

  it('parses /proc/sys, units, sections', () => {
    const sys = parseProcSys('/proc/sys/net/ipv4/ip_forward:0\n/proc/sys/net/ipv4/ip_local_port_range:32768\t60999\n/proc/sys/dev/x:a\n/proc/sys/dev/x:b\nnoise\n');
    assert.equal(sys.get('net/ipv4/ip_forward'), '0');
    assert.equal(sys.get('net/ipv4/ip_local_port_range'), '32768 60999');
    assert.equal(sys.get('dev/x'), 'a b');
    const u = parseUnits('ssh.service loaded active running OpenBSD Secure Shell server\n● rsync.service loaded failed failed fast remote file copy\ngetty@tty1.service loaded inactive dead Getty\n');
    assert.deepEqual([...u], [['ssh.service', true], ['rsync.service', false], ['getty@tty1.service', false]]);
    const n = 'cd'.repeat(12);
    const o = parseCisOutput(`noise\n@@${n} begin\n\n@@${n} who 0\n\n@@${n} meta\nM f 640 0 42 12 etc/shadow\nM f 644 0 0 1 etc/with space\nM q 1 1 1 1 bad\nT\nB\nX etc/ssl/private\nE 0\n\n@@${n} exit 0\n\n@@${n} fswalk\nW /tmp/x\nE 0\nN W 3\n\n@@${n} end\n`, n);
    assert.equal(o.uid, 0);
    assert.deepEqual(o.meta.map((m) => [m.type, m.mode, m.gid, m.path]), [['f', 0o640, 42, 'etc/shadow'], ['f', 0o644, 0, 'etc/with space']]);
    assert.ok(o.tooMany && o.newlineNames === 1 && o.metaExit === 0 && o.tarExit === 0 && o.complete);
    assert.deepEqual(o.unlistable, ['etc/ssl/private']);
    assert.deepEqual(o.walk?.lists.W, ['/tmp/x']);
    assert.equal(o.walk?.counts.W, 3);
  });
});

describe('openSshCisHost: the bookworm root behind a real sshd', { skip: unavailable }, () => {
  let mount: { path: string; unmount(): Promise<void> } | undefined;
  let skip: string | false = false;
  let d: TestSshd | undefined;
  let target: SshTarget;
  let snap: SshCisSnapshot;
  before(async () => {
    try {
      mount = await readOnlyBind(BOOKWORM);
    } catch (err) {
      skip = `a read-only bind mount is not permitted here: ${(err as Error).message}`;
      return;
    }
    d = await startSshd({ chroot: mount.path });
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey, hostKeyFingerprint: d.hostKeyFingerprint };
    snap = await openSshCisHost(target);
  });
  after(async () => {
    await d?.stop();
    await mount?.unmount();
  });

  it('holds the configuration with modes, owners and symlinks as on the host, private keys never', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(snap.hostKeyFingerprint, d!.hostKeyFingerprint);
    assert.equal(snap.hostKeyType, 'ssh-ed25519');
    assert.equal(snap.fs.target.kind, 'ssh');
    const shadow = await snap.fs.stat('etc/shadow');
    assert.ok(shadow && shadow.uid === 0 && (shadow.mode! & 0o7777) === 0o640, JSON.stringify(shadow));
    assert.equal(shadow.gid, Number((await run('stat', ['-c', '%g', join(BOOKWORM, 'etc/shadow')])).stdout.trim()));
    assert.deepEqual(await snap.fs.readFile('etc/passwd'), await (await import('node:fs/promises')).readFile(join(BOOKWORM, 'etc/passwd')));
    const lib = (await (async () => { for await (const e of snap.fs.entries()) if (e.path === 'lib') return e; })())!;
    assert.deepEqual([lib.kind, lib.linkTarget], ['symlink', 'usr/lib']);
    // every file of /etc on disk is in the snapshot (the chroot's root is the bookworm tree)
    const { stdout } = await run('find', ['etc', '-type', 'f'], { cwd: BOOKWORM, maxBuffer: 64 << 20 });
    for (const p of stdout.split('\n').filter(Boolean)) assert.ok(await snap.fs.stat(p), p);
    assert.ok(snap.stats.files > 100 && snap.stats.bytes > 100_000, JSON.stringify(snap.stats));
    // a chroot: no /proc, no systemd as PID 1; said so
    assert.ok(snap.notes.some((n) => /no \/proc\/sys/.test(n)), snap.notes.join('\n'));
    assert.equal(await snap.live.sysctl('net.ipv4.ip_forward'), null);
    assert.equal(snap.live.mounts, undefined);
    assert.deepEqual(snap.fs.errors, []);
  });

  it('debian-12 level 2 agrees with the same tree read locally on every file-based check', async (t) => {
    if (skip) return t.skip(skip);
    const ssh = await assess(snap);
    const local = await assessDir(BOOKWORM);
    assert.equal(ssh.checks.length, local.checks.length);
    const diff = differences(local, ssh);
    // the only differences: checks about running values (sysctl_live, service_live; NOT_APPLICABLE or
    // judged by the files alone on a root filesystem). Over SSH the live facts are there, but this
    // chroot has no /proc/sys and no systemd as PID 1, so the running values are unknown: ERROR.
    const bench = (await benchmarkById('debian-12'))!;
    const live = new Set(bench.checks.filter((c) => c.level <= 2 && (c.live || /"(sysctl_live|service_live)"/.test(JSON.stringify([c.test, c.applies_if])))).map((c) => c.id));
    for (const [id, [a, b]] of Object.entries(diff)) {
      assert.ok(live.has(id), `${id}: ${a} locally, ${b} over SSH: ${JSON.stringify(ssh.checks.find((c) => c.id === id)?.evidence)}`);
      assert.equal(b, 'ERROR', id);
      assert.ok(ssh.checks.find((c) => c.id === id)!.evidence.some((e) => /running value unknown|whether it runs is unknown/.test(e.message)), id);
    }
    assert.ok(live.size > 0 && Object.keys(diff).length > 0, `${Object.keys(diff).length} of ${live.size} live checks differ`);
    t.diagnostic(`${ssh.checks.length} checks; ${Object.keys(diff).length} differ, all about running values: ${Object.keys(diff).join(' ')}`);
    // the filesystem checks came from the host's own find, and agree
    for (const id of ssh.checks.filter((c) => c.evidence.some((e) => /find \/ -xdev/.test(e.message))).map((c) => c.id)) assert.equal(statuses(local).get(id), statuses(ssh).get(id), id);
    assert.ok(ssh.checks.some((c) => c.evidence.some((e) => /find \/ -xdev/.test(e.message))), 'the host\'s walk was used');
  });

  it('refuses a host key other than the pinned one, as openSshHost does', async (t) => {
    if (skip) return t.skip(skip);
    const other = 'SHA256:' + Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '');
    const err = await rejectsWith(openSshCisHost({ ...target, hostKeyFingerprint: other }), 'VIGIL_NETWORK', 'host-key-mismatch');
    assert.ok(err.message.includes(d!.hostKeyFingerprint));
    await rejectsWith(openSshCisHost({ ...target, privateKey: d!.otherKey }), 'VIGIL_UNAUTHORIZED', 'auth-failed');
    await rejectsWith(openSshCisHost({ ...target, hostKeyFingerprint: 'MD5:aa' }), 'VIGIL_INVALID_INPUT', 'host-key-fingerprint');
  });

  it('limits become notes, never a failed assessment', async (t) => {
    if (skip) return t.skip(skip);
    const few = await openSshCisHost(target, { limits: { maxEntries: 50 } });
    assert.ok(few.notes.some((n) => /more than 50 entries/.test(n)), few.notes.join('\n'));
    assert.ok(few.stats.files <= 50);
    const small = await openSshCisHost(target, { limits: { maxFileBytes: 1000 } });
    assert.ok(small.fs.errors.some((e) => e.rule === 'file-too-large' && e.path === 'var/lib/dpkg/status'), JSON.stringify(small.fs.errors.slice(0, 5)));
    const r = await assess(small);
    const pkg = r.checks.find((c) => c.evidence.some((e) => /dpkg\/status/.test(e.path ?? '') || /dpkg\/status/.test(e.message)) && c.status === 'ERROR');
    assert.ok(pkg, 'a package check is ERROR when the status file was too large to send');
    const bytes = await openSshCisHost(target, { limits: { maxTotalBytes: 200_000 } });
    assert.ok(bytes.notes.some((n) => /more than 200000 bytes/.test(n)), bytes.notes.join('\n'));
  });
});

describe('openSshCisHost: a copy of the bookworm root with deviations', { skip: unavailable }, () => {
  let copy: string;
  let d: TestSshd | undefined;
  let nobody: TestSshd | undefined;
  let target: SshTarget;
  before(async () => {
    // sshd wants a root-owned chroot with no group/other-writable component: under /run
    copy = await mkdtemp('/run/vigil-cis-copy-');
    await chmod(copy, 0o755);
    await run('cp', ['-a', `${BOOKWORM}/.`, copy]);
    d = await startSshd({ chroot: copy });
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
  });
  after(async () => {
    await d?.stop();
    await nobody?.stop();
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  it('a world-writable file, a changed sshd_config and a too-open /etc/issue: exactly their checks FAIL, as locally', async () => {
    // the copy gets an OpenSSH server (its package record and a compliant configuration) first
    const { readFile, mkdir, appendFile } = await import('node:fs/promises');
    await appendFile(join(copy, 'var/lib/dpkg/status'), '\nPackage: openssh-server\nStatus: install ok installed\nPriority: optional\nVersion: 1:9.2p1-2+deb12u3\nDescription: secure shell (SSH) server\n');
    await mkdir(join(copy, 'etc/ssh/sshd_config.d'), { recursive: true });
    await writeFile(join(copy, 'etc/ssh/sshd_config'), 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n');
    await chmod(join(copy, 'etc/ssh/sshd_config'), 0o600);
    const before = await assess(await openSshCisHost(target));
    const localBefore = await assessDir(copy);
    const bench = (await benchmarkById('debian-12'))!;
    const live = new Set(bench.checks.filter((c) => c.live || /"(sysctl_live|service_live)"/.test(JSON.stringify([c.test, c.applies_if]))).map((c) => c.id));
    assert.deepEqual(Object.keys(differences(localBefore, before)).filter((id) => !live.has(id)), [], 'with an sshd configured, SSH and local still agree');
    assert.equal(before.checks.find((c) => c.evidence.some((e) => e.path === '/etc/ssh/sshd_config' && e.found === 'no'))?.status, 'PASS');
    await writeFile(join(copy, 'etc/ssh/sshd_config.d/10-x.conf'), 'PermitRootLogin yes\n');
    await writeFile(join(copy, 'opt/shared.txt'), 'x');
    await chmod(join(copy, 'opt/shared.txt'), 0o666);
    await chmod(join(copy, 'etc/issue'), 0o666);
    const after = await assess(await openSshCisHost(target));
    const diff = differences(before, after);
    const local = await assessDir(copy);
    // locally the same checks moved (the running-value ones aside)
    const localDiff = Object.keys(differences(localBefore, local)).filter((id) => !live.has(id));
    assert.deepEqual(Object.keys(diff).sort(), localDiff.sort());
    for (const [id, [, b]] of Object.entries(diff)) assert.equal(b, 'FAIL', `${id} became ${b}`);
    // the checks naming what was changed, that passed before: PermitRootLogin (from the drop-in, which Include puts first), the
    // sshd configuration files' modes (the drop-in is 0644), world-writable files, /etc/issue's mode
    const named = after.checks.filter((c) => c.status === 'FAIL' && statuses(before).get(c.id) !== 'FAIL' && c.evidence.some((e) => ['/etc/ssh/sshd_config.d/10-x.conf', '/opt/shared.txt', '/etc/issue'].includes(e.path ?? ''))).map((c) => c.id);
    assert.deepEqual(Object.keys(diff).sort(), named.sort());
    assert.equal(named.length, 4, named.join(' '));
  });

  it('does not follow a symlink out of what was asked for (/etc/x → /root/secret)', async () => {
    await writeFile(join(copy, 'root/secret'), 'TOPSECRET');
    await symlink('/root/secret', join(copy, 'etc/x'));
    await symlink('../root/secret', join(copy, 'etc/y'));
    // odd but legal names arrive under their own names
    await writeFile(join(copy, 'etc/we ird\\na\'me $(x)'), 'odd');
    const s = await openSshCisHost(target);
    assert.equal((await s.fs.readFile('etc/we ird\\na\'me $(x)')).toString(), 'odd');
    assert.equal(await s.fs.stat('etc/x'), null);
    assert.equal(await s.fs.stat('etc/y'), null);
    await assert.rejects(s.fs.readFile('etc/x'));
    for await (const e of s.fs.entries()) {
      assert.notEqual(e.path, 'root/secret');
      if (e.kind === 'file' && e.size < 1 << 20) {
        const b = await s.fs.readFile(e.path).catch(() => Buffer.alloc(0));
        assert.ok(!b.includes('TOPSECRET'), e.path);
      }
    }
  });

  it('a private key: mode and owner checked, content never sent', async () => {
    await writeFile(join(copy, 'etc/ssh/ssh_host_ed25519_key'), 'PRIVATE KEY BYTES');
    await chmod(join(copy, 'etc/ssh/ssh_host_ed25519_key'), 0o644);
    const s = await openSshCisHost(target);
    const st = await s.fs.stat('etc/ssh/ssh_host_ed25519_key');
    assert.ok(st && (st.mode! & 0o777) === 0o644 && st.uid === 0 && st.size === 17, JSON.stringify(st));
    await assert.rejects(s.fs.readFile('etc/ssh/ssh_host_ed25519_key'), (e: VigilError) => e.rule === 'not-transferred');
    const r = await assess(s);
    const key = r.checks.find((c) => c.evidence.some((e) => e.path === '/etc/ssh/ssh_host_ed25519_key'));
    assert.ok(key, 'a check looks at the host key');
    assert.equal(key.status, 'FAIL', JSON.stringify(key));
  });

  it('a non-root login: shadow checks are ERROR with a clear reason, the rest is judged', async () => {
    nobody = await startSshd({ chroot: copy, forceCommand: '/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups sh -s' });
    const s = await openSshCisHost({ host: nobody.host, port: nobody.port, username: nobody.username, privateKey: nobody.clientKey });
    assert.ok(s.notes.some((n) => /not root \(uid 65534\)/.test(n)), s.notes.join('\n'));
    assert.ok(s.fs.errors.some((e) => e.rule === 'permission-denied' && e.path === 'etc/shadow'), JSON.stringify(s.fs.errors));
    const st = await s.fs.stat('etc/shadow');
    assert.ok(st && (st.mode! & 0o777) === 0o640);
    const r = await assess(s);
    const shadowChecks = r.checks.filter((c) => c.evidence.some((e) => e.path === '/etc/shadow' && /not readable by the login/.test(e.message)));
    assert.ok(shadowChecks.length > 0, 'checks reading /etc/shadow say why');
    for (const c of shadowChecks) assert.equal(c.status, 'ERROR', c.id);
    assert.ok(r.counts.PASS > 50, JSON.stringify(r.counts));
  });
});

describe('openSshCisHost: this machine (no chroot): its running state', { skip: sshdUnavailable() }, () => {
  let d: TestSshd;
  before(async () => {
    d = await startSshd();
  });
  after(async () => {
    await d?.stop();
  });

  it('sysctl values, mounts and services equal what this machine says locally', async () => {
    const { readFile } = await import('node:fs/promises');
    const s = await openSshCisHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey });
    const bench = (await benchmarkById('debian-12'))!;
    const keys = [...new Set([...JSON.stringify(bench.checks.map((c) => c.test)).matchAll(/"sysctl_live":\{"key":"([^"]+)"/g)].map((m) => m[1].replace(/\//g, '.')))];
    assert.ok(keys.length > 10, keys.join(' '));
    let known = 0;
    for (const k of keys) {
      const local = await readFile(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').then((x) => x.trim().replace(/\s+/g, ' '), () => null);
      assert.equal(await s.live.sysctl(k), local, k);
      if (local !== null) known++;
    }
    assert.ok(known > 5, `${known} running values known`);
    assert.equal(s.live.mounts, await readFile('/proc/mounts', 'utf8'));
    // services: systemctl's own answer where systemd runs; unknown (null) and a note where it does not
    const hasSystemd = existsSync('/run/systemd/system');
    if (hasSystemd) {
      for (const u of ['ssh.service', 'cron.service', 'no-such-unit.service']) {
        const { stdout } = await run('systemctl', ['is-active', u]).catch((e: { stdout: string }) => e);
        assert.equal(await s.live.serviceActive(u), ['active', 'activating', 'reloading'].includes(stdout.trim()), u);
      }
    } else {
      assert.equal(await s.live.serviceActive('ssh.service'), null);
      assert.ok(s.notes.some((n) => /systemctl|running services unknown/.test(n)), s.notes.join('\n'));
    }
    const fsf = s.live.filesystem!;
    assert.equal(fsf.unknown, undefined, s.notes.join('\n'));
    // every path the host named is what it says it is
    const { lstat } = await import('node:fs/promises');
    for (const p of fsf.worldWritable.slice(0, 50)) assert.ok(((await lstat(p)).mode & 0o002) !== 0, p);
    for (const p of fsf.worldWritableDirsNoSticky.slice(0, 50)) {
      const m = (await lstat(p)).mode;
      assert.ok((m & 0o002) !== 0 && (m & 0o1000) === 0, p);
    }
    // and the assessment runs over it with the live facts (no check is NOT_APPLICABLE for being live-only)
    const r = await evaluateBenchmark(s.fs, bench, { level: 2, live: s.live });
    assert.ok(!r.checks.some((c) => c.evidence.some((e) => /judged only on a live host/.test(e.message))));
  });
});

/** A tar as a hostile host might send it in answer to the CIS script. */
async function hostileCisTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (h: Partial<tar.Header> & { name: string }, body?: string) =>
    new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (body === undefined) pack.entry(h as tar.Header, cb);
      else pack.entry(h as tar.Header, body, cb);
    });
  await add({ name: 'etc', type: 'directory', mode: 0o755, uid: 0, gid: 0 });
  await add({ name: 'etc/passwd', mode: 0o644, uid: 0, gid: 0 }, 'root:x:0:0:root:/root:/bin/bash\n');
  await add({ name: 'etc/ssh/ssh_host_rsa_key', mode: 0o600 }, 'PRIVATE');
  await add({ name: 'root/.ssh/authorized_keys' }, 'ssh-ed25519 AAAA');
  await add({ name: '../../etc/shadow' }, 'x');
  await add({ name: 'etc/os-release', type: 'symlink', linkname: '/root/secret' });
  await add({ name: 'etc/group', type: 'link', linkname: 'etc/ssh/ssh_host_rsa_key' });
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('openSshCisHost: a hostile host, an SFTP-only account', { skip: sshdUnavailable() }, () => {
  let dir: string;
  let d: TestSshd | undefined;
  let sftp: TestSshd | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-cis-hostile-'));
    await writeFile(join(dir, 'hostile.tar'), await hostileCisTar());
    // answers the script's first line (the nonce) with its own sections and tar
    await writeFile(join(dir, 'answer.sh'), `#!/bin/sh
IFS= read -r line
N=\${line#N=}
cat >/dev/null
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
m begin; m "who 0"; m meta
printf 'M f 600 0 0 7 etc/ssh/ssh_host_rsa_key\\nM f 644 0 0 5 home/u/.netrc\\nM f 644 0 0 5 ../../x\\nM d 777 0 0 0 etc/cron.d\\nE 0\\n' >&2
printf '@@%s tar\\n' "$N"; cat "${dir}/hostile.tar"; m "exit 0"
m fswalk; printf 'W /tmp/a\\nW relative\\nE 0\\nN W 5000\\n' >&2
m end
`);
    await chmod(join(dir, 'answer.sh'), 0o755);
    d = await startSshd({ forceCommand: join(dir, 'answer.sh') });
    sftp = await startSshd({ forceCommand: 'internal-sftp' });
  });
  after(async () => {
    await d?.stop();
    await sftp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps only asked-for entries, never a withheld key\'s content, and records the rest', async () => {
    const s = await openSshCisHost({ host: d!.host, port: d!.port, username: d!.username, privateKey: d!.clientKey });
    const rules = Object.fromEntries(s.fs.errors.map((e) => [e.path, e.rule]));
    assert.equal(rules['etc/ssh/ssh_host_rsa_key'], 'unexpected-entry', JSON.stringify(s.fs.errors));
    assert.equal(rules['root/.ssh/authorized_keys'], 'unexpected-entry');
    assert.equal(rules['../../etc/shadow'], 'path-traversal');
    assert.equal(rules['home/u/.netrc'], 'unexpected-entry');
    assert.equal(rules['../../x'], 'path-traversal');
    assert.equal(rules['etc/group'], 'bad-hardlink');
    // the key is known by its listing only
    await assert.rejects(s.fs.readFile('etc/ssh/ssh_host_rsa_key'), (e: VigilError) => e.rule === 'not-transferred');
    assert.equal((await s.fs.stat('etc/ssh/ssh_host_rsa_key'))?.mode! & 0o777, 0o600);
    assert.equal(await s.fs.stat('etc/os-release'), null, 'an absolute symlink resolves inside the snapshot');
    assert.equal((await s.fs.stat('etc/cron.d'))?.mode! & 0o777, 0o777, 'a listed directory keeps its mode');
    assert.deepEqual(s.live.filesystem?.worldWritable, ['/tmp/a']);
    assert.equal(s.live.filesystem?.counts?.worldWritable, 5000);
    assert.equal(s.live.filesystem?.truncated, true);
    assert.ok(s.notes.some((n) => /cut at 1000 paths: worldWritable 5000/.test(n)), s.notes.join('\n'));
    // the evaluator names the count
    const r = await evaluateBenchmark(s.fs, (await benchmarkById('debian-12'))!, { level: 1, live: s.live });
    const ww = r.checks.find((c) => c.evidence.some((e) => e.path === '/tmp/a'))!;
    assert.equal(ww.status, 'FAIL');
    assert.ok(ww.evidence.some((e) => /5000 in all; the host listed the first 1/.test(e.message)), JSON.stringify(ww.evidence));
  });

  it('an SFTP-only account is refused with rule no-shell', async () => {
    const err = await rejectsWith(openSshCisHost({ host: sftp!.host, port: sftp!.port, username: sftp!.username, privateKey: sftp!.clientKey, hostKeyFingerprint: sftp!.hostKeyFingerprint }, { limits: { timeoutMs: 30_000 } }), 'VIGIL_NETWORK', 'no-shell');
    assert.match(err.message, /SFTP-only/);
  });
});
