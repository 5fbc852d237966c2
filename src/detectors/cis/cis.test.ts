/**
 * The CIS evaluator's precedence rules and primitives on small in-memory root filesystems, the
 * loader's errors, and hostile input (a check is ERROR with evidence, never a crash).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ACCOUNT_CHECKS, evaluateBenchmark, benchmarkFor, loadBenchmarks, parseBenchmark, type Benchmark, type Check, type CheckResult, type LiveFacts, type Test } from './index.ts';
import { TargetReader } from './fsutil.ts';
import { confFiles, kmodState, readModprobe, readSshd, sshdValue } from './settings.ts';
import { parseDpkgStatus, unitState } from './system.ts';
import { readPamStack } from './pam.ts';
import { memRoot, type MemEntry } from './testutil.ts';

const bench = (checks: Omit<Check, 'rationale' | 'level'>[]): Benchmark => ({
  id: 'test', title: 'test', version: '0', platform: { id: ['debian'], version_id: ['12'] },
  profiles: [{ id: 'l1', title: 'L1', level: 1 }, { id: 'l2', title: 'L2', level: 2 }],
  checks: checks.map((c) => ({ rationale: 'r', level: 1, ...c }) as Check),
});
async function run(files: Record<string, MemEntry>, test: Test, extra: Partial<Check> = {}, live?: LiveFacts): Promise<CheckResult> {
  const r = await evaluateBenchmark(memRoot(files), bench([{ id: '1', title: 't', test, ...extra }]), { level: 2, ...(live ? { live } : {}) });
  return r.checks[0];
}
const status = async (files: Record<string, MemEntry>, test: Test, extra: Partial<Check> = {}, live?: LiveFacts) => (await run(files, test, extra, live)).status;

describe('sshd_config precedence', () => {
  const rootLogin: Test = { setting: { format: 'sshd', key: 'PermitRootLogin', op: 'eq', value: 'no', default: 'prohibit-password' } };

  test('the first value wins; keywords are case-insensitive; "key=value" is accepted', async () => {
    const r = new TargetReader(memRoot({ '/etc/ssh/sshd_config': 'permitrootlogin no\nPermitRootLogin yes\nMaxAuthTries=3\n' }));
    const e = (await readSshd(r))!;
    assert.deepEqual(sshdValue(e, 'PermitRootLogin'), { key: 'permitrootlogin', value: 'no', path: '/etc/ssh/sshd_config', line: 1 });
    assert.equal(sshdValue(e, 'maxauthtries')!.value, '3');
  });

  test('Include: globs relative to /etc/ssh, files in name order, read in place (an earlier Include beats a later line)', async () => {
    const files = {
      '/etc/ssh/sshd_config': 'Include sshd_config.d/*.conf\nPermitRootLogin no\n',
      '/etc/ssh/sshd_config.d/20-b.conf': 'PermitRootLogin prohibit-password\n',
      '/etc/ssh/sshd_config.d/10-a.conf': '# first by name\nPermitRootLogin yes\n',
      '/etc/ssh/sshd_config.d/30-c.txt': 'PermitRootLogin without-password\n',
    };
    const res = await run(files, rootLogin);
    assert.equal(res.status, 'FAIL');
    assert.deepEqual(res.evidence[0], { path: '/etc/ssh/sshd_config.d/10-a.conf', line: 2, found: 'yes', expected: 'no', message: 'PermitRootLogin is yes' });
    // the Include after the global value does not override it
    assert.equal(await status({ ...files, '/etc/ssh/sshd_config': 'PermitRootLogin no\nInclude /etc/ssh/sshd_config.d/*.conf\n' }, rootLogin), 'PASS');
  });

  test('Match blocks do not set the global value; a Match in an included file ends with that file; Match all ends a block', async () => {
    assert.equal(await status({ '/etc/ssh/sshd_config': 'Match User admin\n  PermitRootLogin no\n' }, rootLogin), 'FAIL', 'only in a Match: the default applies');
    assert.equal(await status({ '/etc/ssh/sshd_config': 'Match User admin\n  PermitRootLogin yes\nMatch all\nPermitRootLogin no\n' }, rootLogin), 'PASS');
    assert.equal(await status({
      '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n',
      '/etc/ssh/sshd_config.d/a.conf': 'Match Group x\nPermitRootLogin yes\n',
    }, rootLogin), 'PASS');
    // an Include inside a Match block belongs to the block
    assert.equal(await status({
      '/etc/ssh/sshd_config': 'Match User x\nInclude /etc/ssh/extra.conf\n',
      '/etc/ssh/extra.conf': 'PermitRootLogin no\n',
    }, rootLogin), 'FAIL');
  });

  test('not set: the default decides; an Include loop is an ERROR, not a hang', async () => {
    assert.equal(await status({ '/etc/ssh/sshd_config': '# nothing\n' }, rootLogin), 'FAIL');
    const ign: Test = { setting: { format: 'sshd', key: 'IgnoreRhosts', op: 'eq', value: 'yes', default: 'yes' } };
    assert.equal(await status({ '/etc/ssh/sshd_config': '' }, ign), 'PASS');
    const loop = await run({ '/etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config\n' }, rootLogin);
    assert.equal(loop.status, 'ERROR');
    assert.match(loop.evidence[0].message, /nested more than 16 deep/);
  });
});

describe('sysctl precedence', () => {
  const fwd: Test = { setting: { format: 'sysctl', key: 'net.ipv4.ip_forward', op: 'eq', value: 0, default: 0 } };

  test('files of all directories in name order, the last value wins', async () => {
    const r = await run({
      '/usr/lib/sysctl.d/10-a.conf': 'net.ipv4.ip_forward = 0\n',
      '/etc/sysctl.d/20-b.conf': 'net.ipv4.ip_forward=1\n',
      '/run/sysctl.d/30-c.conf': '; comment\nnet/ipv4/ip_forward = 0\n',
    }, fwd);
    assert.equal(r.status, 'PASS');
    assert.deepEqual(r.evidence[0], { path: '/run/sysctl.d/30-c.conf', line: 2, found: '0', expected: '0', message: 'net.ipv4.ip_forward is 0' });
    assert.equal(await status({ '/usr/lib/sysctl.d/90-z.conf': 'net.ipv4.ip_forward = 1\n', '/etc/sysctl.d/10-a.conf': 'net.ipv4.ip_forward = 0\n' }, fwd), 'FAIL');
  });

  test('a file in /etc hides the same name in /run and /usr/lib; /etc/sysctl.conf comes last unless 99-sysctl.conf links to it', async () => {
    assert.equal(await status({ '/usr/lib/sysctl.d/50-x.conf': 'net.ipv4.ip_forward = 1\n', '/etc/sysctl.d/50-x.conf': '# emptied\n' }, fwd), 'PASS');
    assert.equal(await status({ '/etc/sysctl.conf': 'net.ipv4.ip_forward = 1\n', '/etc/sysctl.d/99-z.conf': 'net.ipv4.ip_forward = 0\n' }, fwd), 'FAIL');
    const r = new TargetReader(memRoot({ '/etc/sysctl.conf': 'x=1\n', '/etc/sysctl.d/99-sysctl.conf': { symlink: '../sysctl.conf' }, '/etc/sysctl.d/50-a.conf': '' }));
    assert.deepEqual(await confFiles(r, 'sysctl.d'), ['/etc/sysctl.d/50-a.conf', '/etc/sysctl.d/99-sysctl.conf']);
  });

  test('live values are judged only with live facts', async () => {
    const t: Test = { all: [fwd, { sysctl_live: { key: 'net.ipv4.ip_forward', op: 'eq', value: 0 } }] };
    assert.equal(await status({}, t), 'PASS');
    const live = (v: string): LiveFacts => ({ sysctl: async () => v, serviceActive: async () => null });
    const r = await run({}, t, {}, live('1'));
    assert.equal(r.status, 'FAIL');
    assert.equal(r.evidence.at(-1)!.path, '/proc/sys/net/ipv4/ip_forward');
    assert.equal(await status({}, t, {}, live('0')), 'PASS');
    assert.equal(await status({}, { sysctl_live: { key: 'kernel.x', op: 'eq', value: 1 } }, { live: true }), 'NOT_APPLICABLE');
  });
});

describe('login.defs, key/value files, modprobe.d', () => {
  test('login.defs: the last value wins, keys are case-sensitive', async () => {
    const t: Test = { setting: { format: 'login_defs', key: 'PASS_MAX_DAYS', op: 'le', value: 365 } };
    assert.equal(await status({ '/etc/login.defs': 'PASS_MAX_DAYS 99999\nPASS_MAX_DAYS\t90\n' }, t), 'PASS');
    assert.equal(await status({ '/etc/login.defs': 'PASS_MAX_DAYS 90\npass_max_days 99999\nPASS_MAX_DAYS 400\n' }, t), 'FAIL');
    assert.equal(await status({ '/etc/login.defs': '# PASS_MAX_DAYS 90\n' }, t), 'FAIL');
  });

  test('key/value files: the main file, then its drop-ins (<file>.d/*.conf) in name order; the last value wins', async () => {
    const t: Test = { setting: { format: 'keyvalue', path: '/etc/security/pwquality.conf', key: 'minlen', op: 'ge', value: 14, default: 8 } };
    assert.equal(await status({ '/etc/security/pwquality.conf': 'minlen = 14\n' }, t), 'PASS');
    const r = await run({ '/etc/security/pwquality.conf': 'minlen = 14\n', '/etc/security/pwquality.conf.d/50-a.conf': 'minlen=8\n' }, t);
    assert.equal(r.status, 'FAIL');
    assert.deepEqual({ path: r.evidence[0].path, line: r.evidence[0].line, found: r.evidence[0].found }, { path: '/etc/security/pwquality.conf.d/50-a.conf', line: 1, found: '8' });
    assert.equal(await status({ '/etc/security/pwquality.conf.d/10-a.conf': 'minlen=8\n', '/etc/security/pwquality.conf.d/20-b.conf': 'MINLEN 16\n' }, t), 'PASS', 'keys case-insensitive; name order');
    assert.equal(await status({}, t), 'FAIL', 'the default 8');
  });

  test('modprobe.d: the first install line of a module wins, - and _ are one, /etc hides /usr/lib', async () => {
    const r = new TargetReader(memRoot({
      '/etc/modprobe.d/a.conf': 'install usb_storage /bin/true\n',
      '/etc/modprobe.d/b.conf': 'install usb-storage /sbin/modprobe --ignore-install usb-storage\nblacklist usb-storage\n',
      '/usr/lib/modprobe.d/a.conf': 'install cramfs /sbin/modprobe cramfs\n',
    }));
    const ls = await readModprobe(r);
    const st = kmodState(ls, 'usb-storage');
    assert.equal(st.installDisabled, true);
    assert.equal(st.install!.path, '/etc/modprobe.d/a.conf');
    assert.ok(st.blacklist);
    assert.equal(kmodState(ls, 'cramfs').install, undefined, '/usr/lib/modprobe.d/a.conf is hidden by /etc/modprobe.d/a.conf');
    const k: Test = { kmod: { module: 'cramfs', disabled: true } };
    assert.equal(await status({ '/etc/modprobe.d/c.conf': 'install cramfs /bin/false\n' }, k), 'FAIL', 'not blacklisted');
    assert.equal(await status({ '/etc/modprobe.d/c.conf': 'install cramfs /bin/false\nblacklist cramfs\n' }, k), 'PASS');
    assert.equal(await status({ '/etc/modprobe.d/c.conf': 'install cramfs /bin/false # off\nblacklist cramfs\n' }, k), 'PASS');
  });
});

describe('PAM stacks', () => {
  const files = {
    '/etc/pam.d/login': 'auth optional pam_faildelay.so delay=3000000\n@include common-auth\naccount include common-account\n',
    '/etc/pam.d/common-auth': 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth requisite pam_deny.so\n-auth optional pam_x.so\n',
    '/etc/pam.d/common-account': 'account [success=1 new_authtok_reqd=done default=ignore] /lib/x86_64-linux-gnu/security/pam_unix.so\n',
    '/etc/pam.d/common-password': 'password requisite pam_pwquality.so retry=3 minlen=14\npassword [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt \\\n  remember=5\n',
  };

  test('@include and include are read in place; bracketed controls, full module paths and continued lines', async () => {
    const s = (await readPamStack(new TargetReader(memRoot(files)), 'login'))!;
    assert.deepEqual(s.map((l) => `${l.type} ${l.control} ${l.module}`), [
      'auth optional pam_faildelay.so', 'auth [success=1 default=ignore] pam_unix.so', 'auth requisite pam_deny.so', 'auth optional pam_x.so',
      'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so',
    ]);
    assert.equal(s[1].path, '/etc/pam.d/common-auth');
    const pw = (await readPamStack(new TargetReader(memRoot(files)), 'common-password'))!;
    assert.deepEqual(pw[1].args, ['obscure', 'use_authtok', 'yescrypt', 'remember=5']);
  });

  test('module lines with arguments, present and absent', async () => {
    assert.equal(await status(files, { pam: { service: 'login', type: 'auth', module: 'pam_unix.so' } }), 'PASS');
    assert.equal(await status(files, { pam: { service: 'common-password', type: 'password', module: 'pam_pwquality.so', args: { minlen: { op: 'ge', value: 14 } } } }), 'PASS');
    const r = await run(files, { pam: { service: 'common-password', type: 'password', module: 'pam_pwquality.so', args: { minlen: { op: 'ge', value: 15 } } } });
    assert.equal(r.status, 'FAIL');
    assert.deepEqual({ path: r.evidence[0].path, line: r.evidence[0].line, message: r.evidence[0].message }, { path: '/etc/pam.d/common-password', line: 1, message: 'minlen=14, expected >= 15' });
    assert.equal(await status(files, { pam: { service: 'login', type: 'auth', module: 'pam_faillock.so', expect: 'absent' } }), 'PASS');
    assert.equal(await status(files, { pam: { service: 'login', type: 'auth', module: 'pam_unix.so', control_regex: '^required$' } }), 'FAIL');
    assert.equal(await status(files, { pam: { service: 'nope', type: 'auth', module: 'pam_unix.so' } }), 'ERROR');
    const loop = await run({ '/etc/pam.d/a': '@include b\n', '/etc/pam.d/b': '@include a\n' }, { pam: { service: 'a', type: 'auth', module: 'pam_unix.so' } });
    assert.equal(loop.status, 'ERROR');
  });
});

describe('packages, services, mounts', () => {
  test('dpkg status: installed, half-done states count, config-files and not-installed do not', () => {
    const m = parseDpkgStatus('Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: deinstall ok config-files\n\nPackage: c\nStatus: install ok half-configured\n\nPackage: d\nStatus: purge ok not-installed\n', '/var/lib/dpkg/status');
    assert.deepEqual([...m.keys()], ['a', 'c']);
    assert.deepEqual(m.get('a'), { path: '/var/lib/dpkg/status', line: 1, version: '1' });
  });

  test('rpm: the SQLite database read through the rpm extractor; a corrupt one is an ERROR', async () => {
    const TD = new URL('../../extractors/os/rpm/testdata/', import.meta.url).pathname;
    const db = readFileSync(join(TD, 'happy', 'rpmdb.sqlite'));
    const first = readFileSync(join(TD, 'happy', 'rpmdb.expected.tsv'), 'utf8').split('\n')[0].split('\t')[0];
    const r = await run({ '/var/lib/rpm/rpmdb.sqlite': { content: db } }, { package: { name: first, state: 'installed' } });
    assert.equal(r.status, 'PASS', JSON.stringify(r.evidence));
    assert.equal(r.evidence[0].path, '/var/lib/rpm/rpmdb.sqlite');
    assert.equal(await status({ '/usr/lib/sysimage/rpm/rpmdb.sqlite': { content: db } }, { package: { name: 'telnet', state: 'absent' } }), 'PASS');
    const bad = await run({ '/var/lib/rpm/rpmdb.sqlite': { content: readFileSync(join(TD, 'sad', 'garbage.sqlite')) } }, { package: { name: 'telnet', state: 'absent' } });
    assert.equal(bad.status, 'ERROR');
    assert.match(bad.evidence[0].message, /rpmdb\.sqlite: not an SQLite database/);
  });

  test('rpm: BerkeleyDB Packages (EL 7) and NDB Packages.db (SUSE) are read too', async () => {
    const TD = new URL('../../extractors/os/rpm/testdata/happy/', import.meta.url).pathname;
    const bdb = await run({ '/var/lib/rpm/Packages': { content: readFileSync(join(TD, 'Packages')) } }, { package: { name: 'vigil-tilde', state: 'installed' } });
    assert.equal(bdb.status, 'PASS', JSON.stringify(bdb.evidence));
    assert.equal(bdb.evidence[0].path, '/var/lib/rpm/Packages');
    const ndb = { '/usr/lib/sysimage/rpm/Packages.db': { content: readFileSync(join(TD, 'sle15-bci/Packages.db')) } };
    assert.equal(await status(ndb, { package: { name: 'bash', state: 'installed' } }), 'PASS');
    assert.equal(await status(ndb, { package: { name: 'telnet', state: 'absent' } }), 'PASS');
  });

  test('no package database is an ERROR', async () => {
    const r = await run({ '/etc/hostname': 'x' }, { package: { name: 'telnet', state: 'absent' } });
    assert.equal(r.status, 'ERROR');
    assert.match(r.evidence[0].message, /no package database/);
  });

  test('systemd: enabled by a link in a .wants/.requires directory (templates by their instances), masked by a link to /dev/null', async () => {
    const fs = memRoot({
      '/etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/lib/systemd/system/ssh.service' },
      '/etc/systemd/system/getty.target.wants/getty@tty1.service': { symlink: '/lib/systemd/system/getty@.service' },
      '/etc/systemd/system/rpcbind.socket': { symlink: '/dev/null' },
      '/etc/systemd/system/sockets.target.requires/cups.socket': { symlink: '../cups.socket' },
      '/lib/systemd/system/ssh.service': '[Unit]\n',
    });
    const r = new TargetReader(fs);
    assert.deepEqual(await unitState(r, 'ssh'), { enabledBy: ['/etc/systemd/system/multi-user.target.wants/ssh.service'] });
    assert.equal((await unitState(r, 'getty@.service')).enabledBy.length, 1);
    assert.equal((await unitState(r, 'rpcbind.socket')).masked, '/etc/systemd/system/rpcbind.socket');
    assert.equal((await unitState(r, 'cups.socket')).enabledBy.length, 1);
    assert.equal(await status({ '/etc/systemd/system/rpcbind.socket': { symlink: '/dev/null' } }, { service: { unit: 'rpcbind.socket', state: 'masked' } }), 'PASS');
    assert.equal(await status({ '/etc/systemd/system/rpcbind.socket': { symlink: '/dev/null' } }, { service: { unit: 'rpcbind.socket', state: 'not_enabled' } }), 'PASS');
    assert.equal(await status({ '/etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/x' } }, { service: { unit: 'ssh', state: 'not_enabled' } }), 'FAIL');
  });

  test('mounts: fstab (the last entry of a path), options, a tmp.mount unit, /proc/mounts on a live host', async () => {
    const t: Test = { mount: { path: '/tmp', options: ['nodev', 'noexec'] } };
    assert.equal(await status({ '/etc/fstab': 'tmpfs /tmp tmpfs nodev 0 0\ntmpfs /tmp/ tmpfs rw,nodev,noexec 0 0\n' }, t), 'PASS');
    const r = await run({ '/etc/fstab': 'tmpfs /tmp tmpfs rw,nodev 0 0\n' }, t);
    assert.equal(r.status, 'FAIL');
    assert.deepEqual(r.evidence[0], { path: '/etc/fstab', line: 1, found: 'rw,nodev', expected: 'nodev,noexec', message: '/tmp is mounted without noexec' });
    assert.equal(await status({
      '/etc/fstab': '# empty\n',
      '/etc/systemd/system/local-fs.target.wants/tmp.mount': { symlink: '/usr/share/systemd/tmp.mount' },
      '/usr/share/systemd/tmp.mount': '[Mount]\nWhat=tmpfs\nWhere=/tmp\nType=tmpfs\nOptions=mode=1777,strictatime,nosuid,nodev,noexec\n',
    }, t), 'PASS');
    assert.equal(await status({ '/etc/fstab': '' }, { mount: { path: '/tmp', options: ['nodev'], missing: 'not_applicable' } }), 'NOT_APPLICABLE');
    // /dev/shm: systemd mounts it (nosuid,nodev, not noexec) when fstab does not; without systemd it is not a mount of the system's own
    const shm = (o: string): Test => ({ mount: { path: '/dev/shm', options: [o] } });
    assert.equal(await status({ '/etc/fstab': '', '/usr/lib/systemd/systemd': 'ELF' }, shm('nodev')), 'PASS');
    assert.equal(await status({ '/etc/fstab': '', '/usr/lib/systemd/systemd': 'ELF' }, shm('noexec')), 'FAIL');
    assert.equal(await status({ '/etc/fstab': '' }, shm('nodev')), 'FAIL');
    assert.equal(await status({ '/etc/fstab': 'tmpfs /dev/shm tmpfs nodev,nosuid,noexec 0 0\n', '/usr/lib/systemd/systemd': 'ELF' }, shm('noexec')), 'PASS');
    const live: LiveFacts = { sysctl: async () => null, serviceActive: async () => null, mounts: 'tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n' };
    assert.equal(await status({ '/etc/fstab': 'tmpfs /tmp tmpfs nodev,noexec 0 0\n' }, t, {}, live), 'FAIL', 'the running mount decides on a live host');
  });
});

describe('files, accounts, audit rules, filesystem walk', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n';
  const group = 'root:x:0:\ndaemon:x:1:\nshadow:x:42:\nalice:x:1000:\n';
  const base = { '/etc/passwd': passwd, '/etc/group': group, '/etc/shadow': { content: 'root:*:1::::::\nalice:$y$j9T$abc:1::::::\n', mode: 0o640, gid: 42 }, '/home/alice': { dir: true as const, mode: 0o750 }, '/root': { dir: true as const, mode: 0o700 } };

  test('file mode, owner and group (names through the target\'s passwd and group)', async () => {
    const t: Test = { file: { path: '/etc/shadow', mode_max: '0640', owner: 'root', group: 'root|shadow' } };
    assert.equal(await status(base, t), 'PASS');
    const r = await run({ ...base, '/etc/shadow': { content: '', mode: 0o644, uid: 1000, gid: 42 } }, t);
    assert.equal(r.status, 'FAIL');
    assert.equal(r.evidence[0].message, '/etc/shadow mode 0644 allows more than 0640; owner is 1000, not root');
    assert.equal(await status(base, { file: { path: '/etc/gshadow[-]', mode_max: '0640' } }), 'NOT_APPLICABLE', 'an optional file (a glob) absent');
    assert.equal(await status(base, { file: { path: '/etc/gshadow', mode_max: '0640' } }), 'FAIL', 'a required file absent');
    assert.equal(await status(base, { file: { path: '/etc/at.allow', exists: false } }), 'PASS');
  });

  test('account checks', async () => {
    const ok = async (check: string, files: Record<string, MemEntry>) => status(files, { accounts: { check } } as Test);
    for (const c of ACCOUNT_CHECKS) {
      assert.equal(await ok(c, { ...base, '/home/alice': { dir: true, mode: 0o750 } }), c.startsWith('home_dirs_owned') ? 'FAIL' : 'PASS', c);
    }
    // alice's home is owned by root in memRoot (uid 0): home_dirs_owned FAIL above says so
    const r = await run(base, { accounts: { check: 'home_dirs_owned' } });
    assert.equal(r.evidence[0].message, '/home/alice is not owned by alice');
    assert.equal(await ok('uid0_only_root', { ...base, '/etc/passwd': passwd + 'toor:x:0:0::/root:/bin/sh\n' }), 'FAIL');
    assert.equal(await ok('no_empty_passwords', { ...base, '/etc/shadow': 'root::1::::::\n' }), 'FAIL');
    assert.equal(await ok('unique_gids', { ...base, '/etc/group': group + 'dup:x:42:\n' }), 'FAIL');
    assert.equal(await ok('shadow_group_empty', { ...base, '/etc/group': 'shadow:x:42:alice\n' }), 'FAIL');
    assert.equal(await ok('system_accounts_no_shell', { ...base, '/etc/passwd': passwd.replace('/usr/sbin/nologin', '/bin/sh') }), 'FAIL');
    assert.equal(await ok('groups_in_passwd_exist', { ...base, '/etc/group': 'root:x:0:\n' }), 'FAIL');
    assert.equal(await ok('nologin_accounts_locked', { ...base, '/etc/shadow': 'root:*:1::::::\ndaemon:$y$j9T$x:1::::::\n' }), 'FAIL');
    assert.equal(await ok('nologin_accounts_locked', { ...base, '/etc/shadow': 'root:$y$a:1::::::\ndaemon:!$y$j9T$x:1::::::\n' }), 'PASS');
    // the clock is injected: day 20000 is 2024-10-04
    const clock = async (now: string) => (await evaluateBenchmark(memRoot({ ...base, '/etc/shadow': 'root:*:20000::::::\n' }), bench([{ id: '1', title: 't', test: { accounts: { check: 'password_changes_in_past' } } }]), { level: 1, now: new Date(now) })).checks[0];
    assert.equal((await clock('2024-10-04T12:00:00Z')).status, 'PASS');
    const future = await clock('2024-10-03T12:00:00Z');
    assert.equal(future.status, 'FAIL');
    assert.deepEqual({ found: future.evidence[0].found, expected: future.evidence[0].expected }, { found: 'root: 2024-10-04', expected: 'on or before 2024-10-03' });
    const bad = await run({ ...base, '/etc/passwd': 'root:x:zero:0:root:/root:/bin/bash\n' }, { accounts: { check: 'uid0_only_root' } });
    assert.equal(bad.status, 'ERROR');
    assert.deepEqual({ path: bad.evidence[0].path, line: bad.evidence[0].line }, { path: '/etc/passwd', line: 1 });
  });

  test('audit rules from /etc/audit/rules.d (or auditctl -l on a live host)', async () => {
    const t: Test = { audit_rule: { regex: '^-w\\s+/etc/sudoers\\s+-p\\s+wa' } };
    assert.equal(await status({ '/etc/audit/rules.d/50-scope.rules': '# -w /etc/sudoers -p wa\n-w /etc/sudoers -p wa -k scope\n' }, t), 'PASS');
    assert.equal(await status({ '/etc/audit/rules.d/50-scope.rules': '# -w /etc/sudoers -p wa\n' }, t), 'FAIL');
    assert.equal(await status({ '/etc/audit/audit.rules': '-w /etc/sudoers -p wa\n' }, t), 'FAIL', 'only rules.d is the configuration');
  });

  test('the filesystem walk: world-writable files, directories without the sticky bit, unowned files', async () => {
    const fs = { ...base, '/tmp': { dir: true as const, mode: 0o1777 }, '/srv/x': { content: 'x', mode: 0o666 }, '/srv/d': { dir: true as const, mode: 0o777 }, '/opt/y': { content: '', uid: 4242, gid: 0 } };
    const ww = await run(fs, { filesystem: { check: 'world_writable_files' } });
    assert.deepEqual(ww.evidence.map((e) => e.path), ['/srv/x']);
    assert.deepEqual((await run(fs, { filesystem: { check: 'world_writable_dirs_sticky' } })).evidence.map((e) => e.path), ['/srv/d']);
    assert.deepEqual((await run(fs, { filesystem: { check: 'unowned_files' } })).evidence.map((e) => e.path), ['/opt/y']);
    assert.equal(await status(fs, { filesystem: { check: 'ungrouped_files' } }), 'PASS');
  });
});

describe('combinators, applies_if, manual, hostile input', () => {
  test('all / any / not; applies_if; manual; level filtering', async () => {
    const yes: Test = { content: { path: '/a', regex: 'x', expect: 'present' } };
    const no: Test = { content: { path: '/a', regex: 'y', expect: 'present' } };
    const f = { '/a': 'x\n' };
    assert.equal(await status(f, { all: [yes, no] }), 'FAIL');
    assert.equal(await status(f, { any: [no, yes] }), 'PASS');
    assert.equal(await status(f, { not: no }), 'PASS');
    assert.equal(await status(f, yes, { applies_if: no }), 'NOT_APPLICABLE');
    assert.equal(await status(f, yes, { manual: true }), 'MANUAL');
    const r = await evaluateBenchmark(memRoot(f), bench([{ id: '1', title: 'a', test: yes }, { id: '2', title: 'b', test: no, level: 2 } as never]), { level: 1 });
    assert.deepEqual(r.checks.map((c) => c.id), ['1']);
    assert.deepEqual(r.counts, { PASS: 1, FAIL: 0, NOT_APPLICABLE: 0, ERROR: 0, MANUAL: 0 });
  });

  test('an oversized file or a symlink out of the root is ERROR or absent, never a crash or a read outside', async () => {
    const big = await run({ '/etc/login.defs': { content: Buffer.alloc(9 * 1024 * 1024, 'a') } }, { setting: { format: 'login_defs', key: 'UMASK', op: 'eq', value: '027' } });
    assert.equal(big.status, 'ERROR');
    assert.match(big.evidence[0].message, /over the 8388608-byte limit/);
    // a hostile long line against a backtracking-prone audit regex: cut, answered at once
    const t0 = Date.now();
    const longLine = `-a always,exit -F arch=b64 -S ${'a'.repeat(2_000_000)}\n`;
    assert.equal(await status({ '/etc/audit/rules.d/x.rules': longLine }, { audit_rule: { regex: '^-a\\s+(always,exit|exit,always)(?=.*-F\\s+arch=b64)(?=.*-S\\s+([\\w,]+,)?execve\\b)' } }), 'FAIL');
    assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
    assert.equal(await status({ '/etc/ssh/sshd_config': { symlink: '../../../../../../etc/hostname' } }, { setting: { format: 'sshd', key: 'X', op: 'eq', value: 'y' } }), 'ERROR');
  });
});

describe('the loader', () => {
  test('the shipped benchmarks load; debian-12 is chosen by os-release (12 and 12.x), nothing for 11 or Ubuntu', async () => {
    const all = await loadBenchmarks();
    assert.ok(all.some((b) => b.id === 'debian-12'));
    assert.equal((await benchmarkFor({ id: 'debian', versionId: '12' }))?.id, 'debian-12');
    assert.equal((await benchmarkFor({ id: 'debian', versionId: '12.4' }))?.id, 'debian-12');
    assert.equal(await benchmarkFor({ id: 'debian', versionId: '120' }, all.filter((b) => b.id === 'debian-12')), undefined);
    assert.equal(await benchmarkFor({ id: 'ubuntu', versionId: '12' }, all.filter((b) => b.id === 'debian-12')), undefined);
    const d12 = all.find((b) => b.id === 'debian-12')!;
    assert.ok(d12.checks.length >= 250, `${d12.checks.length} checks`);
    const sections = new Set(d12.checks.map((c) => c.id.split('.')[0]));
    assert.deepEqual([...sections].sort(), ['1', '2', '3', '4', '5', '6', '7']);
  });

  test('a bad file is a clear error naming the file and the check', () => {
    assert.throws(() => parseBenchmark('id: x\n  bad: [', 'broken.yaml'), /broken\.yaml: not valid YAML/);
    const doc = `id: t\ntitle: t\nversion: '1'\nplatform: {id: [debian], version_id: ['12']}\nprofiles: [{id: l1, title: L1, level: 1}]\nchecks:\n  - {id: '1.1', title: a, rationale: r, level: 1, test: {package: {name: x, state: present}}}\n`;
    assert.throws(() => parseBenchmark(doc, 'b.yaml'), (e: Error) => /^b\.yaml: not a valid benchmark: checks\.0 \(1\.1\)\.test/.test(e.message));
    const badRe = doc.replace('{package: {name: x, state: present}}', "{content: {path: /a, regex: '(', expect: present}}");
    assert.throws(() => parseBenchmark(badRe, 'c.yaml'), /c\.yaml: check 1\.1: bad regex/);
    const dup = doc.replace('state: present', 'state: installed') + "  - {id: '1.1', title: b, rationale: r, level: 1, manual: true}\n";
    assert.throws(() => parseBenchmark(dup, 'd.yaml'), /d\.yaml: check 1\.1 appears twice/);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cis-loader-'));
    try {
      writeFileSync(join(dir, 'x.yaml'), 'checks: 1\n');
      return loadBenchmarks(dir).then(() => assert.fail('loaded'), (e: Error) => assert.match(e.message, /^x\.yaml: not a valid benchmark/));
    } finally {
      setTimeout(() => rmSync(dir, { recursive: true, force: true }), 100);
    }
  });
});
