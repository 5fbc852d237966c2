/**
 * The CIS Ubuntu 22.04 benchmark file (benchmarks/ubuntu-22.04.yaml): it loads and validates, it
 * is chosen for Ubuntu 22.04 systems only, and a hand-built Ubuntu-like root filesystem passes a
 * set of representative checks, each deviation turning exactly its own check to FAIL. (No Ubuntu
 * root filesystem can be built here — only Debian's mirror is reachable — so the root is in
 * memory: testutil.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { benchmarkFor, evaluateBenchmark, loadBenchmarks, parseBenchmark, type Benchmark } from './index.ts';
import { memRoot, type MemEntry } from './testutil.ts';

const FILE = fileURLToPath(new URL('./benchmarks/ubuntu-22.04.yaml', import.meta.url));
const ubuntu = async (): Promise<Benchmark> => (await loadBenchmarks()).find((b) => b.id === 'ubuntu-22.04')!;

describe('ubuntu-22.04.yaml', () => {
  test('loads and validates: unique section ids, both server profiles, our platform', async () => {
    const b = parseBenchmark(readFileSync(FILE, 'utf8'), 'ubuntu-22.04.yaml');
    assert.equal(b.id, 'ubuntu-22.04');
    assert.deepEqual(b.platform, { id: ['ubuntu'], version_id: ['22.04'] });
    assert.deepEqual(b.profiles.map((p) => p.level), [1, 2]);
    assert.ok(b.checks.length > 250, `${b.checks.length} checks`);
    assert.equal(new Set(b.checks.map((c) => c.id)).size, b.checks.length);
    // every check that is not manual has a test
    for (const c of b.checks) assert.ok(c.manual || c.test, c.id);
    // the Ubuntu-specific parts are there
    const ids = new Set(b.checks.map((c) => c.id));
    for (const id of ['1.3.1.1', '1.3.1.2', '1.5.5', '4.2.3', '4.2.7', '5.3.2.2', '6.1.1', '6.2.1.2.1', '6.2.1.2.4', '6.3.1.1', '6.3.4.1', '7.2.9']) assert.ok(ids.has(id), id);
    // never the Debian banner words
    assert.doesNotMatch(readFileSync(FILE, 'utf8'), /\|Debian\|/);
    assert.equal((await ubuntu()).checks.length, b.checks.length, 'loadBenchmarks ships it');
  });

  test('benchmarkFor picks it for Ubuntu 22.04 (point releases too), not for Debian or other Ubuntu releases', async () => {
    assert.equal((await benchmarkFor({ id: 'ubuntu', versionId: '22.04' }))?.id, 'ubuntu-22.04');
    assert.equal((await benchmarkFor({ id: 'ubuntu', versionId: '22.04.4' }))?.id, 'ubuntu-22.04');
    assert.equal((await benchmarkFor({ id: 'debian', versionId: '12' }))?.id, 'debian-12');
    assert.equal((await benchmarkFor({ id: 'debian', versionId: '22.04' }))?.id, undefined);
    assert.equal((await benchmarkFor({ id: 'ubuntu', versionId: '22.10' }))?.id, undefined);
    assert.equal((await benchmarkFor({ id: 'ubuntu', versionId: '20.04' }))?.id, undefined);
  });
});

const dpkg = (names: string[]) => names.map((n) => `Package: ${n}\nStatus: install ok installed\nVersion: 1\n`).join('\n');
const wants = (unit: string) => ({ [`/etc/systemd/system/multi-user.target.wants/${unit}`]: { symlink: `/lib/systemd/system/${unit}` } });

const PACKAGES = ['apparmor', 'apparmor-utils', 'apport', 'ufw', 'openssh-server', 'libpam-modules', 'libpam-runtime', 'systemd-timesyncd', 'gdm3'];

/** a small Ubuntu 22.04 server configured as the benchmark asks, for the checks in CASES */
function compliantRoot(): Record<string, MemEntry> {
  return {
    '/etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
    '/var/lib/dpkg/status': dpkg(PACKAGES),
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nsyslog:x:104:110::/home/syslog:/usr/sbin/nologin\n',
    '/etc/group': 'root:x:0:\nshadow:x:42:\nadm:x:4:syslog\n',
    '/etc/shadow': { content: 'root:*:19500:0:99999:7:::\n', mode: 0o640, gid: 42 },
    '/etc/modprobe.d/cramfs.conf': 'install cramfs /bin/false\nblacklist cramfs\n',
    '/etc/fstab': 'UUID=0a1b / ext4 defaults 0 1\ntmpfs /tmp tmpfs rw,nodev,nosuid,noexec 0 0\n',
    '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_CMDLINE_LINUX="apparmor=1 security=apparmor"\n',
    '/etc/default/apport': '# set this to 0 to disable apport\nenabled=0\n',
    '/etc/sysctl.d/60-cis.conf': 'net.ipv4.ip_forward = 0\nnet.ipv6.conf.all.forwarding = 0\nnet.ipv4.conf.all.log_martians = 1\nnet.ipv4.conf.default.log_martians = 1\n',
    '/etc/ufw/ufw.conf': 'ENABLED=yes\nLOGLEVEL=low\n',
    '/etc/default/ufw': 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="REJECT"\nDEFAULT_FORWARD_POLICY="DROP"\n',
    '/etc/ufw/before.rules': '*filter\n:ufw-before-input - [0:0]\n:ufw-before-output - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\nCOMMIT\n',
    '/etc/ufw/user.rules': '*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\n### tuple ### deny any any 0.0.0.0/0 any 127.0.0.0/8 in\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\n\n### END RULES ###\nCOMMIT\n',
    '/etc/ufw/user6.rules': '*filter\n:ufw6-user-input - [0:0]\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n',
    ...wants('ufw.service'),
    '/etc/dconf/db/local.d/00-screensaver': '[org/gnome/desktop/session]\nidle-delay=uint32 900\n\n[org/gnome/desktop/screensaver]\nlock-delay=uint32 5\n',
    '/etc/dconf/db/local.d/locks/00-screensaver': '/org/gnome/desktop/session/idle-delay\n/org/gnome/desktop/screensaver/lock-delay\n',
    ...wants('systemd-timesyncd.service'),
    '/etc/ssh/sshd_config': { content: 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n', mode: 0o600 },
    '/etc/ssh/sshd_config.d/50-cis.conf': { content: 'PermitRootLogin no\nMaxAuthTries 4\n', mode: 0o600 },
    '/etc/pam.d/common-auth': [
      'auth\trequisite\tpam_faillock.so preauth',
      'auth\t[success=1 default=ignore]\tpam_unix.so nullok',
      'auth\t[default=die]\tpam_faillock.so authfail',
      'auth\trequisite\tpam_deny.so',
      'auth\trequired\tpam_permit.so',
      '',
    ].join('\n'),
    '/etc/pam.d/common-account': 'account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\naccount\trequisite\tpam_deny.so\naccount\trequired\tpam_permit.so\naccount\trequired\tpam_faillock.so\n',
    '/etc/security/faillock.conf': 'deny = 5\nunlock_time = 900\n',
    '/etc/login.defs': 'PASS_MAX_DAYS\t365\nPASS_MIN_DAYS\t1\nENCRYPT_METHOD YESCRYPT\n',
  };
}

/** each check, and a deviation that should turn it (and only it) to FAIL */
const CASES: [id: string, what: string, deviate: (f: Record<string, MemEntry>) => void][] = [
  ['1.1.1.1', 'cramfs only blacklisted', (f) => { f['/etc/modprobe.d/cramfs.conf'] = 'blacklist cramfs\n'; }],
  ['1.1.2.1.2', '/tmp without nodev', (f) => { f['/etc/fstab'] = 'UUID=0a1b / ext4 defaults 0 1\ntmpfs /tmp tmpfs rw,nosuid,noexec 0 0\n'; }],
  ['1.1.2.1.4', '/tmp without noexec', (f) => { f['/etc/fstab'] = 'UUID=0a1b / ext4 defaults 0 1\ntmpfs /tmp tmpfs rw,nodev,nosuid 0 0\n'; }],
  ['1.3.1.1', 'apparmor-utils missing', (f) => { f['/var/lib/dpkg/status'] = dpkg(PACKAGES.filter((p) => p !== 'apparmor-utils')); }],
  ['1.3.1.2', 'AppArmor not on the kernel command line', (f) => { f['/etc/default/grub'] = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="security=apparmor"\n# GRUB_CMDLINE_LINUX="apparmor=1 security=apparmor"\n'; }],
  ['1.5.5', 'apport switched back on', (f) => { f['/etc/default/apport'] = 'enabled=1\n'; }],
  ['3.3.1', 'IP forwarding on in a later file', (f) => { f['/etc/sysctl.d/99-router.conf'] = 'net.ipv4.ip_forward=1\n'; }],
  ['3.3.9', 'martians not logged by default', (f) => { f['/etc/sysctl.d/60-cis.conf'] = 'net.ipv4.ip_forward = 0\nnet.ipv6.conf.all.forwarding = 0\nnet.ipv4.conf.all.log_martians = 1\n'; }],
  ['4.2.3', 'ufw disabled in ufw.conf', (f) => { f['/etc/ufw/ufw.conf'] = 'ENABLED=no\nLOGLEVEL=low\n'; }],
  ['4.2.4', 'forged loopback sources not dropped', (f) => { f['/etc/ufw/user.rules'] = '*filter\n:ufw-user-input - [0:0]\nCOMMIT\n'; }],
  ['4.2.7', 'ufw accepts incoming by default', (f) => { f['/etc/default/ufw'] = 'DEFAULT_INPUT_POLICY="ACCEPT"\nDEFAULT_OUTPUT_POLICY="REJECT"\nDEFAULT_FORWARD_POLICY="DROP"\n'; }],
  ['5.1.16', 'MaxAuthTries 6 in a drop-in', (f) => { f['/etc/ssh/sshd_config.d/50-cis.conf'] = { content: 'PermitRootLogin no\nMaxAuthTries 6\n', mode: 0o600 }; }],
  ['5.1.20', 'root login by key allowed (an earlier drop-in wins)', (f) => { f['/etc/ssh/sshd_config.d/10-cloud.conf'] = { content: 'PermitRootLogin prohibit-password\n', mode: 0o600 }; }],
  ['5.3.2.2', 'pam_faillock preauth line removed', (f) => { f['/etc/pam.d/common-auth'] = 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\t[default=die]\tpam_faillock.so authfail\nauth\trequisite\tpam_deny.so\nauth\trequired\tpam_permit.so\n'; }],
  ['5.3.3.1.1', 'faillock deny = 10', (f) => { f['/etc/security/faillock.conf'] = 'deny = 10\nunlock_time = 900\n'; }],
  ['5.4.1.1', 'passwords never expire', (f) => { f['/etc/login.defs'] = 'PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t1\nENCRYPT_METHOD YESCRYPT\n'; }],
  ['7.1.1', '/etc/passwd group-writable', (f) => { f['/etc/passwd'] = { content: f['/etc/passwd'] as string, mode: 0o664 }; }],
  ['7.1.5', '/etc/shadow world-readable', (f) => { f['/etc/shadow'] = { content: 'root:*:19500:0:99999:7:::\n', mode: 0o644, gid: 42 }; }],
  ['1.7.4', 'the screen never locks (idle-delay 0)', (f) => { f['/etc/dconf/db/local.d/00-screensaver'] = '[org/gnome/desktop/session]\nidle-delay=uint32 0\n\n[org/gnome/desktop/screensaver]\nlock-delay=uint32 5\n'; }],
  ['1.7.5', 'the lock-delay lock removed', (f) => { f['/etc/dconf/db/local.d/locks/00-screensaver'] = '/org/gnome/desktop/session/idle-delay\n'; }],
  ['2.3.1.1', 'no time synchronization enabled', (f) => { delete f['/etc/systemd/system/multi-user.target.wants/systemd-timesyncd.service']; }],
];

describe('ubuntu-22.04 on a hand-built Ubuntu 22.04 root', () => {
  const subset = async (): Promise<Benchmark> => {
    const b = await ubuntu();
    const ids = new Set(CASES.map(([id]) => id));
    const checks = b.checks.filter((c) => ids.has(c.id));
    assert.equal(checks.length, ids.size, 'every case names a check of the benchmark');
    return { ...b, checks };
  };
  const statuses = async (files: Record<string, MemEntry>) => {
    const r = await evaluateBenchmark(memRoot(files), await subset(), { level: 2 });
    return Object.fromEntries(r.checks.map((c) => [c.id, c])) as Record<string, (typeof r.checks)[number]>;
  };

  test('the compliant root passes every representative check', async () => {
    const got = await statuses(compliantRoot());
    for (const [id] of CASES) assert.equal(got[id].status, 'PASS', `${id}: ${JSON.stringify(got[id].evidence)}`);
  });

  for (const [id, what, deviate] of CASES) {
    test(`${id} FAILs, alone, when ${what}`, async () => {
      const files = compliantRoot();
      deviate(files);
      const got = await statuses(files);
      const failed = Object.values(got).filter((c) => c.status !== 'PASS').map((c) => `${c.id} ${c.status}`);
      assert.deepEqual(failed, [`${id} FAIL`], JSON.stringify(got[id].evidence));
      assert.ok(got[id].evidence.length > 0, 'the failure carries evidence');
    });
  }

  test('1.3.1.2 judges the generated grub.cfg when there is one: every linux line, the recovery entry too', async () => {
    const b = { ...(await ubuntu()) };
    b.checks = b.checks.filter((c) => c.id === '1.3.1.2');
    const st = async (files: Record<string, MemEntry>) => (await evaluateBenchmark(memRoot(files), b, { level: 1 })).checks[0];
    const cfg = (recovery: string) => [
      "menuentry 'Ubuntu' {",
      '\tlinux\t/boot/vmlinuz-5.15.0-91-generic root=UUID=0a1b ro apparmor=1 security=apparmor quiet splash',
      '}',
      "menuentry 'Ubuntu (recovery mode)' {",
      `\tlinux\t/boot/vmlinuz-5.15.0-91-generic root=UUID=0a1b ro ${recovery}`,
      '\tinitrd\t/boot/initrd.img-5.15.0-91-generic',
      '}',
      '',
    ].join('\n');
    assert.equal((await st({ ...compliantRoot(), '/boot/grub/grub.cfg': cfg('recovery nomodeset apparmor=1 security=apparmor') })).status, 'PASS');
    const r = await st({ ...compliantRoot(), '/boot/grub/grub.cfg': cfg('recovery nomodeset') });
    assert.equal(r.status, 'FAIL', 'in /etc/default/grub but not in what is booted');
    assert.ok(r.evidence.some((e) => e.path === '/boot/grub/grub.cfg' && e.line === 5), JSON.stringify(r.evidence));
    // a cloud image: the command line in a grub.d drop-in, no grub.cfg generated yet
    const cloud = compliantRoot();
    cloud['/etc/default/grub'] = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=""\n';
    cloud['/etc/default/grub.d/50-cloudimg-settings.cfg'] = 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX console=tty1 console=ttyS0 apparmor=1 security=apparmor"\n';
    assert.equal((await st(cloud)).status, 'PASS');
  });

  test('apport absent passes 1.5.5 without its configuration; apport enabled in a service link fails it', async () => {
    const b = { ...(await ubuntu()) };
    b.checks = b.checks.filter((c) => c.id === '1.5.5');
    const absent = compliantRoot();
    absent['/var/lib/dpkg/status'] = dpkg(['apparmor']);
    delete absent['/etc/default/apport'];
    assert.equal((await evaluateBenchmark(memRoot(absent), b, { level: 1 })).checks[0].status, 'PASS');
    const linked = { ...compliantRoot(), ...wants('apport.service') };
    assert.equal((await evaluateBenchmark(memRoot(linked), b, { level: 1 })).checks[0].status, 'FAIL');
  });
});
