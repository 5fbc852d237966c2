/**
 * CIS differential tests (issue 18) on a copy of the real debootstrap bookworm root filesystem:
 * the pristine copy is evaluated (Level 2, every check) and its counts printed; a hardened baseline
 * (an sshd_config, a modprobe.d file, an fstab /tmp entry — what a deviation needs to deviate from)
 * changes only the checks about those files; then each deviation, applied to the baseline and
 * reverted after, turns exactly the checks about it to FAIL and leaves every other result as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateBenchmark, loadBenchmarks, type Benchmark, type BenchmarkResult, type CheckStatus } from '../src/detectors/cis/index.ts';
import { openTarget } from '../src/sources/index.ts';

const PRISTINE = resolve(import.meta.dirname, '..', '.cache', 'targets', 'rootfs-bookworm');
const have = existsSync(join(PRISTINE, 'etc', 'os-release'));

type Statuses = Map<string, CheckStatus>;

const SSHD_HARDENED = [
  'Include /etc/ssh/sshd_config.d/*.conf',
  'LogLevel VERBOSE',
  'PermitRootLogin no',
  'MaxAuthTries 4',
  'MaxSessions 10',
  'MaxStartups 10:30:60',
  'LoginGraceTime 60',
  'ClientAliveInterval 15',
  'ClientAliveCountMax 3',
  'HostbasedAuthentication no',
  'IgnoreRhosts yes',
  'PermitEmptyPasswords no',
  'PermitUserEnvironment no',
  'UsePAM yes',
  'DisableForwarding yes',
  'GSSAPIAuthentication no',
  'Banner /etc/issue.net',
  'AllowGroups sshusers',
  'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
  'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256',
  'KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512',
  '',
].join('\n');

const DPKG_STANZA = (name: string) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: net\nArchitecture: amd64\nVersion: 1.0-1\nDescription: test stanza\n\n`;

describe('CIS Debian 12: differential tests on the bookworm root filesystem', { skip: !have && 'no .cache/targets/rootfs-bookworm (see docs/REAL-TARGETS.md)' }, () => {
  let tmp: string;
  let root: string;
  let bench: Benchmark;
  let pristine: BenchmarkResult;
  let baseline: Statuses;

  const evaluate = async (): Promise<BenchmarkResult> => {
    const fs = await openTarget(root, 'rootfs');
    try {
      return await evaluateBenchmark(fs, bench, { level: 2 });
    } finally {
      await fs.close();
    }
  };
  const statuses = (r: BenchmarkResult): Statuses => new Map(r.checks.map((c) => [c.id, c.status]));
  const diff = (a: Statuses, b: Statuses) => [...a].filter(([id, s]) => b.get(id) !== s).map(([id, s]) => `${id}: ${s} → ${b.get(id)}`).sort();
  const p = (rel: string) => join(root, rel);

  /** saves the given paths (content, mode, or absence), runs the change, evaluates, restores */
  async function deviate(paths: string[], change: () => void): Promise<{ result: BenchmarkResult; changed: string[] }> {
    const saved = paths.map((rel) => {
      const full = p(rel);
      const st = existsSync(full) ? lstatSync(full) : null;
      return { full, st, data: st?.isFile() ? readFileSync(full) : null };
    });
    try {
      change();
      const result = await evaluate();
      return { result, changed: diff(baseline, statuses(result)) };
    } finally {
      for (const s of saved) {
        if (!s.st) rmSync(s.full, { force: true, recursive: true });
        else if (s.data) {
          writeFileSync(s.full, s.data);
          chmodSync(s.full, s.st.mode & 0o7777);
        }
      }
    }
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vigil-cis-'));
    root = join(tmp, 'rootfs');
    execFileSync('cp', ['-a', PRISTINE, root]);
    [bench] = (await loadBenchmarks()).filter((b) => b.id === 'debian-12');
    pristine = await evaluate();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the pristine root filesystem: every check evaluated, none in ERROR; the counts per status', () => {
    const levels = { 1: 0, 2: 0 };
    for (const c of pristine.checks) levels[c.level]++;
    const line = Object.entries(pristine.counts).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`CIS debian-12 on the pristine bookworm rootfs (Level 2, ${pristine.checks.length} checks: ${levels[1]} Level 1, ${levels[2]} Level 2): ${line}`);
    assert.equal(pristine.checks.length, bench.checks.length);
    assert.equal(pristine.counts.ERROR, 0, pristine.checks.filter((c) => c.status === 'ERROR').map((c) => `${c.id}: ${c.evidence[0]?.message}`).join('\n'));
    for (const c of pristine.checks) assert.ok(c.evidence.length > 0, `${c.id} has evidence`);
    // what a minimal debootstrap system is known to be
    const st = statuses(pristine);
    for (const [id, s] of Object.entries({
      '1.1.1.1': 'FAIL', '1.1.2.1.1': 'FAIL', '3.3.1': 'PASS', '5.1.20': 'NOT_APPLICABLE', '5.4.1.1': 'FAIL', '5.4.2.1': 'PASS', '7.1.5': 'PASS',
      '7.2.2': 'PASS', '2.2.4': 'PASS', '2.1.2': 'PASS', '7.1.11': 'PASS', '7.1.12': 'PASS', '5.3.3.4.1': 'FAIL', '5.3.2.1': 'PASS',
    })) assert.equal(st.get(id), s, id);
    // evidence names file and line where there is one
    const pam = pristine.checks.find((c) => c.id === '5.3.3.4.1')!;
    assert.equal(pam.evidence[0].path, '/etc/pam.d/common-auth');
    assert.ok(pam.evidence[0].line! > 0 && /nullok/.test(pam.evidence[0].found!));
    const defs = pristine.checks.find((c) => c.id === '5.4.1.1')!;
    assert.deepEqual({ path: defs.evidence[0].path, found: defs.evidence[0].found }, { path: '/etc/login.defs', found: '99999' });
  });

  test('the hardened baseline changes only the checks about sshd, cramfs and /tmp', async () => {
    mkdirSync(p('etc/ssh/sshd_config.d'), { recursive: true });
    writeFileSync(p('etc/ssh/sshd_config'), SSHD_HARDENED, { mode: 0o600 });
    chmodSync(p('etc/ssh/sshd_config'), 0o600);
    mkdirSync(p('etc/modprobe.d'), { recursive: true });
    writeFileSync(p('etc/modprobe.d/cis.conf'), 'install cramfs /bin/false\nblacklist cramfs\n');
    writeFileSync(p('etc/fstab'), '# a hardened fstab\ntmpfs /tmp tmpfs defaults,rw,nosuid,nodev,noexec,relatime 0 0\n');
    const r = await evaluate();
    baseline = statuses(r);
    const changed = diff(statuses(pristine), baseline);
    for (const c of changed) assert.match(c, /^(5\.1\.\d+|1\.1\.1\.1|1\.1\.2\.1\.\d): /, c);
    const b = Object.fromEntries([...baseline].filter(([id]) => /^5\.1\./.test(id) || id === '1.1.1.1' || id.startsWith('1.1.2.1.')));
    for (const [id, s] of Object.entries(b)) assert.equal(s, /^5\.1\.[23]$/.test(id) ? 'NOT_APPLICABLE' : 'PASS', `${id} on the baseline`);
    assert.equal(r.counts.ERROR, 0);
  });

  const cases: { name: string; paths: string[]; change: () => void; expect: string[] }[] = [
    {
      name: 'PermitRootLogin yes in sshd_config', paths: ['etc/ssh/sshd_config'], expect: ['5.1.20'],
      change: () => writeFileSync(p('etc/ssh/sshd_config'), `PermitRootLogin yes\n${SSHD_HARDENED}`),
    },
    {
      name: 'an sshd_config.d file (Included first) sets PermitRootLogin yes', paths: ['etc/ssh/sshd_config.d/50-cloud.conf'], expect: ['5.1.20'],
      change: () => writeFileSync(p('etc/ssh/sshd_config.d/50-cloud.conf'), 'PermitRootLogin yes\n', { mode: 0o600 }),
    },
    {
      name: 'PermitRootLogin yes only inside a Match block (the global value stays no)', paths: ['etc/ssh/sshd_config'], expect: [],
      change: () => appendFileSync(p('etc/ssh/sshd_config'), 'Match Address 10.0.0.0/8\n    PermitRootLogin yes\n'),
    },
    {
      name: 'a world-readable /etc/shadow', paths: ['etc/shadow'], expect: ['7.1.5'],
      change: () => chmodSync(p('etc/shadow'), 0o644),
    },
    {
      name: 'a second UID 0 account (toor, group 0, a shell)', paths: ['etc/passwd', 'etc/shadow'], expect: ['5.4.2.1', '5.4.2.2', '5.4.2.7', '7.2.5'],
      change: () => {
        appendFileSync(p('etc/passwd'), 'toor:x:0:0:root:/root:/bin/bash\n');
        appendFileSync(p('etc/shadow'), 'toor:*:20000:0:99999:7:::\n');
      },
    },
    {
      name: 'an empty password field in /etc/shadow', paths: ['etc/shadow'], expect: ['7.2.2'],
      change: () => writeFileSync(p('etc/shadow'), readFileSync(p('etc/shadow'), 'utf8').replace(/^nobody:[^:]*:/m, 'nobody::')),
    },
    {
      name: 'net.ipv4.ip_forward = 1 in /etc/sysctl.d', paths: ['etc/sysctl.d'], expect: ['3.3.1'],
      change: () => {
        mkdirSync(p('etc/sysctl.d'));
        writeFileSync(p('etc/sysctl.d/99-forward.conf'), '# a router\nnet.ipv4.ip_forward = 1\n');
      },
    },
    {
      name: 'ip_forward = 1 in /usr/lib/sysctl.d hidden by the same file name in /etc/sysctl.d', paths: ['etc/sysctl.d', 'usr/lib/sysctl.d'], expect: [],
      change: () => {
        mkdirSync(p('etc/sysctl.d'));
        mkdirSync(p('usr/lib/sysctl.d'));
        writeFileSync(p('usr/lib/sysctl.d/50-forward.conf'), 'net.ipv4.ip_forward = 1\n');
        writeFileSync(p('etc/sysctl.d/50-forward.conf'), 'net.ipv4.ip_forward = 0\n');
      },
    },
    {
      name: 'the cramfs module no longer disabled (its lines commented out)', paths: ['etc/modprobe.d/cis.conf'], expect: ['1.1.1.1'],
      change: () => writeFileSync(p('etc/modprobe.d/cis.conf'), '# install cramfs /bin/false\n# blacklist cramfs\n'),
    },
    {
      name: 'cramfs re-enabled by an earlier install line that loads it', paths: ['etc/modprobe.d/00-cramfs.conf'], expect: ['1.1.1.1'],
      change: () => writeFileSync(p('etc/modprobe.d/00-cramfs.conf'), 'install cramfs /sbin/modprobe --ignore-install cramfs\n'),
    },
    {
      name: 'nodev removed from /tmp in fstab', paths: ['etc/fstab'], expect: ['1.1.2.1.2'],
      change: () => writeFileSync(p('etc/fstab'), readFileSync(p('etc/fstab'), 'utf8').replace('nodev,', '')),
    },
    {
      name: 'the telnet client installed (a dpkg status stanza)', paths: ['var/lib/dpkg/status'], expect: ['2.2.4'],
      change: () => appendFileSync(p('var/lib/dpkg/status'), `\n${DPKG_STANZA('telnet')}`),
    },
    {
      name: 'avahi-daemon installed but not enabled', paths: ['var/lib/dpkg/status'], expect: [],
      change: () => appendFileSync(p('var/lib/dpkg/status'), `\n${DPKG_STANZA('avahi-daemon')}`),
    },
    {
      name: 'avahi-daemon installed and its service linked into multi-user.target.wants', paths: ['var/lib/dpkg/status', 'etc/systemd/system/multi-user.target.wants/avahi-daemon.service'], expect: ['2.1.2'],
      change: () => {
        appendFileSync(p('var/lib/dpkg/status'), `\n${DPKG_STANZA('avahi-daemon')}`);
        symlinkSync('/lib/systemd/system/avahi-daemon.service', p('etc/systemd/system/multi-user.target.wants/avahi-daemon.service'));
      },
    },
  ];

  for (const c of cases) {
    test(`${c.name}: ${c.expect.length ? `exactly ${c.expect.join(', ')} turn to FAIL` : 'nothing changes'}`, async () => {
      assert.ok(baseline, 'the baseline ran');
      const { result, changed } = await deviate(c.paths, c.change);
      assert.deepEqual(changed, c.expect.map((id) => `${id}: ${baseline.get(id)} → FAIL`).sort());
      for (const id of c.expect) {
        const r = result.checks.find((x) => x.id === id)!;
        assert.ok(r.evidence.some((e) => e.path), `${id} says where: ${JSON.stringify(r.evidence)}`);
      }
      // restored: the baseline again
      assert.deepEqual(diff(baseline, statuses(await evaluate())), []);
    });
  }

  test('evidence of a deviation names the file, the line and the values', async () => {
    const { result } = await deviate(['etc/ssh/sshd_config.d/50-cloud.conf'], () => writeFileSync(p('etc/ssh/sshd_config.d/50-cloud.conf'), '# cloud-init\nPermitRootLogin yes\n', { mode: 0o600 }));
    const e = result.checks.find((c) => c.id === '5.1.20')!.evidence[0];
    assert.deepEqual(e, { path: '/etc/ssh/sshd_config.d/50-cloud.conf', line: 2, found: 'yes', expected: 'no', message: 'PermitRootLogin is yes' });
    const { result: r2 } = await deviate(['etc/shadow'], () => chmodSync(p('etc/shadow'), 0o644));
    const e2 = r2.checks.find((c) => c.id === '7.1.5')!.evidence[0];
    assert.equal(e2.path, '/etc/shadow');
    assert.match(e2.found!, /^0644, owner 0, group \d+$/);
    assert.match(e2.message, /mode 0644 allows more than 0640/);
    assert.equal(statSync(p('etc/shadow')).mode & 0o777, 0o640, 'restored');
  });
});
