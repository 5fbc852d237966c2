/**
 * Agreement with OpenSCAP (issue 18): our CIS Debian 11 benchmark (src/detectors/cis/benchmarks/
 * debian-11.yaml) and the SCAP Security Guide's Debian 11 content (Debian packages openscap-scanner
 * and ssg-debian, ssg-debian11-ds.xml) run over the same root filesystems — a copy of the real
 * debootstrap bullseye root, and a copy with deliberate deviations — and every SSG rule that tests
 * the same thing as one of our checks (src/detectors/cis/testdata/oscap-debian11.yaml) must come
 * out the same, or the difference is listed with its reason in
 * src/detectors/cis/testdata/oscap-differences.txt (UPDATE_GOLDEN=1 regenerates the keys and keeps
 * the reasons; a new difference gets TODO and fails until explained).
 *
 * oscap runs every rule of the data stream (a tailoring file selecting all rules and groups: the
 * shipped profiles hold 24 to 50 of its 355 rules), offline against the copy (OSCAP_PROBE_ROOT).
 * APT_CONFIG points at an empty configuration: oscap's dpkginfo probe reads the scanning host's
 * /etc/apt/apt.conf.d, and a Docker-style `Dir::Cache::pkgcache ""` there makes it fail
 * ("dpkginfo_init has failed"), every package then reading as not installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import YAML from 'yaml';
import { BenchmarkSchema, evaluateBenchmark, type Benchmark, type CheckStatus } from '../src/detectors/cis/index.ts';
import { openDir } from '../src/sources/dir/index.ts';
import { HOW, needsAll, onPath, ROOT, SSG_DEBIAN11_DS, TARGETS } from './helpers/prereq.ts';

const run = promisify(execFile);
const CIS = join(ROOT, 'src', 'detectors', 'cis');
const TESTDATA = join(CIS, 'testdata');
const BULLSEYE = join(TARGETS, 'rootfs-bullseye');
const RULE = 'xccdf_org.ssgproject.content_rule_';

const skip = needsAll([
  ['oscap', onPath('oscap'), HOW.apt('openscap-scanner')],
  ['ssg-debian11-ds.xml', existsSync(SSG_DEBIAN11_DS), HOW.apt('ssg-debian')],
  ['targets: rootfs-bullseye', existsSync(join(BULLSEYE, 'var', 'lib', 'dpkg', 'status')), HOW.targets],
  ['root', process.getuid?.() === 0, 'run the tests as root (the copies of the root filesystem keep their owners)'],
]);

/** SSG rule (no prefix) → our check id; `part`: the rule tests one part of the check */
interface Mapping { ssg: string; cis: string; part?: boolean }

type OscapResult = 'pass' | 'fail' | 'notapplicable' | 'notchecked' | 'notselected' | 'error' | 'unknown' | 'informational' | 'fixed';
const JUDGED: Record<string, CheckStatus> = { pass: 'PASS', fail: 'FAIL', notapplicable: 'NOT_APPLICABLE' };

/** a tailoring file with a profile that selects every rule and group of the data stream */
function tailoringAll(ds: string): string {
  const ids = (kind: string) => [...new Set([...ds.matchAll(new RegExp(`<xccdf-1\\.2:${kind}\\b[^>]*\\bid="(xccdf_org\\.ssgproject\\.content_${kind.toLowerCase()}_[^"]+)"`, 'g'))].map((m) => m[1]))];
  const groups = ids('Group');
  const rules = ids('Rule');
  assert.ok(rules.length > 300, `the data stream's rules (${rules.length})`);
  const sel = [...groups, ...rules].map((id) => `  <xccdf-1.2:select idref="${id}" selected="true"/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<xccdf-1.2:Tailoring xmlns:xccdf-1.2="http://checklists.nist.gov/xccdf/1.2" id="xccdf_vigil_tailoring_all">
 <xccdf-1.2:version time="2026-01-01T00:00:00">1</xccdf-1.2:version>
 <xccdf-1.2:Profile id="xccdf_vigil_profile_all" extends="xccdf_org.ssgproject.content_profile_standard">
  <xccdf-1.2:title>every rule</xccdf-1.2:title>
${sel}
 </xccdf-1.2:Profile>
</xccdf-1.2:Tailoring>
`;
}

/** rule id (no prefix) → result, from an XCCDF results file */
function parseOscapResults(xml: string): Map<string, OscapResult> {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, isArray: (name) => name === 'rule-result' || name === 'TestResult' }).parse(xml);
  const tr = doc?.Benchmark?.TestResult?.[0] ?? doc?.TestResult?.[0];
  assert.ok(tr, 'a TestResult in the oscap results');
  const out = new Map<string, OscapResult>();
  for (const rr of tr['rule-result'] as { '@idref': string; result: OscapResult }[]) out.set(rr['@idref'].replace(RULE, ''), rr.result);
  return out;
}

async function oscap(rootfs: string, work: string, tailoring: string, aptConf: string): Promise<Map<string, OscapResult>> {
  const results = join(work, `${rootfs.split('/').pop()}-results.xml`);
  // exit 2: some rule failed; anything else is a failure of the run
  await run('oscap', ['xccdf', 'eval', '--tailoring-file', tailoring, '--profile', 'xccdf_vigil_profile_all', '--results', results, SSG_DEBIAN11_DS], {
    env: { ...process.env, OSCAP_PROBE_ROOT: rootfs, APT_CONFIG: aptConf }, maxBuffer: 64 << 20,
  }).catch((e: { code?: number }) => { if (e.code !== 2) throw e; });
  return parseOscapResults(await readFile(results, 'utf8'));
}

async function ours(rootfs: string, benchmark: Benchmark): Promise<Map<string, CheckStatus>> {
  const fs = await openDir(rootfs);
  try {
    const r = await evaluateBenchmark(fs, benchmark, { level: 2, target: { kind: 'rootfs', ref: rootfs } });
    return new Map(r.checks.map((c) => [c.id, c.status]));
  } finally {
    await fs.close?.();
  }
}

/** dpkg status stanzas: packages the deviated copy claims installed (their files are what the checks read) */
const FAKE_PACKAGES = [
  ['openssh-server', 'net', '1:8.4p1-5+deb11u1', 'openssh'],
  ['cron', 'admin', '3.0pl1-137', 'cron'],
  ['sudo', 'admin', '1.9.5p2-3+deb11u1', 'sudo'],
  ['auditd', 'admin', '1:3.0-2', 'audit'],
  ['audispd-plugins', 'admin', '1:3.0-2', 'audit'],
].map(([name, section, version, source]) => `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: ${section}\nInstalled-Size: 1000\nMaintainer: Debian <debian@example.invalid>\nArchitecture: amd64\nSource: ${source}\nVersion: ${version}\nDescription: ${name} (test fixture)\n`).join('\n') + '\n';

/**
 * The deliberate deviations, each a common hardening slip (and a few compliant settings, so that
 * both sides also have to see a PASS come about).
 */
const DEVIATIONS: { what: string; apply(root: string): Promise<void> }[] = [
  {
    what: 'openssh-server with a Debian sshd_config plus PermitRootLogin yes (X11Forwarding yes is Debian\'s own), a private host key mode 0644',
    async apply(r) {
      await mkdir(join(r, 'etc/ssh/sshd_config.d'), { recursive: true });
      await writeFile(join(r, 'etc/ssh/sshd_config'), 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nChallengeResponseAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n', { mode: 0o644 });
      await writeFile(join(r, 'etc/ssh/ssh_host_ed25519_key'), 'placeholder, not a key\n');
      await chmod(join(r, 'etc/ssh/ssh_host_ed25519_key'), 0o644);
      await writeFile(join(r, 'etc/ssh/ssh_host_ed25519_key.pub'), 'ssh-ed25519 placeholder root@test\n', { mode: 0o644 });
    },
  },
  { what: '/etc/shadow mode 0644', apply: (r) => chmod(join(r, 'etc/shadow'), 0o644) },
  { what: '/etc/passwd- (the backup) mode 0666', apply: (r) => chmod(join(r, 'etc/passwd-'), 0o666) },
  {
    what: 'a second UID 0 account (toor)',
    async apply(r) {
      await appendFile(join(r, 'etc/passwd'), 'toor:x:0:0:second root:/root:/bin/bash\n');
      await appendFile(join(r, 'etc/shadow'), 'toor:!:19000:0:99999:7:::\n');
    },
  },
  {
    what: 'an account with an empty password field (guest), who may sudo without a password',
    async apply(r) {
      await appendFile(join(r, 'etc/passwd'), 'guest:x:1001:1001:guest:/home/guest:/bin/bash\n');
      await appendFile(join(r, 'etc/shadow'), 'guest::19000:0:99999:7:::\n');
      await appendFile(join(r, 'etc/group'), 'guest:x:1001:\n');
      await mkdir(join(r, 'home/guest'), { mode: 0o750 });
      await chown(join(r, 'home/guest'), 1001, 1001);
      await writeFile(join(r, 'etc/sudoers'), 'Defaults\tenv_reset\nDefaults\tuse_pty\nroot\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n', { mode: 0o440 });
      await mkdir(join(r, 'etc/sudoers.d'), { recursive: true });
      await writeFile(join(r, 'etc/sudoers.d/guest'), 'guest ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
    },
  },
  {
    what: 'sysctl.d: IP forwarding on (and ASLR, suid_dumpable, protected_hardlinks set as CIS wants)',
    async apply(r) {
      await mkdir(join(r, 'etc/sysctl.d'), { recursive: true });
      await writeFile(join(r, 'etc/sysctl.d/60-hardening.conf'), 'kernel.randomize_va_space = 2\nfs.suid_dumpable = 0\nnet.ipv4.ip_forward = 1\nfs.protected_hardlinks = 1\n');
    },
  },
  {
    what: 'modprobe.d: cramfs and rds disabled, tipc only blacklisted (its install line removed), dccp only given an install line',
    async apply(r) {
      await mkdir(join(r, 'etc/modprobe.d'), { recursive: true });
      await writeFile(join(r, 'etc/modprobe.d/cis.conf'), 'install cramfs /bin/false\nblacklist cramfs\ninstall rds /bin/true\nblacklist rds\nblacklist tipc\ninstall dccp /bin/false\n');
    },
  },
  {
    what: 'cron installed and enabled, /etc/crontab mode 0644, /etc/cron.d mode 0777',
    async apply(r) {
      await writeFile(join(r, 'etc/crontab'), 'SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n', { mode: 0o644 });
      await chmod(join(r, 'etc/cron.d'), 0o777);
      await mkdir(join(r, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
      await mkdir(join(r, 'lib/systemd/system'), { recursive: true });
      await writeFile(join(r, 'lib/systemd/system/cron.service'), '[Unit]\nDescription=cron\n[Service]\nExecStart=/usr/sbin/cron -f\n[Install]\nWantedBy=multi-user.target\n');
      await symlink('/lib/systemd/system/cron.service', join(r, 'etc/systemd/system/multi-user.target.wants/cron.service'));
    },
  },
  {
    what: 'auditd installed and enabled with Debian\'s auditd.conf (logs rotated away, SYSLOG and SUSPEND when space runs out) and a partial rule set: time and identity changes, -e 2; nothing on the network, MAC, permissions, logins or modules',
    async apply(r) {
      await mkdir(join(r, 'etc/audit/rules.d'), { recursive: true });
      await writeFile(join(r, 'etc/audit/auditd.conf'), 'log_file = /var/log/audit/audit.log\nlog_format = ENRICHED\nmax_log_file = 8\nnum_logs = 5\nmax_log_file_action = ROTATE\nspace_left = 75\nspace_left_action = SYSLOG\naction_mail_acct = root\nadmin_space_left = 50\nadmin_space_left_action = SUSPEND\ndisk_full_action = SUSPEND\ndisk_error_action = SUSPEND\n', { mode: 0o640 });
      await writeFile(join(r, 'etc/audit/rules.d/50-cis.rules'), [
        '-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change',
        '-a always,exit -F arch=b32 -S adjtimex,settimeofday,stime -k time-change',
        '-a always,exit -F arch=b64 -S clock_settime -k time-change',
        '-a always,exit -F arch=b32 -S clock_settime -k time-change',
        '-w /etc/localtime -p wa -k time-change',
        ...['group', 'passwd', 'gshadow', 'shadow', 'security/opasswd'].map((f) => `-w /etc/${f} -p wa -k identity`),
        '-e 2',
      ].join('\n') + '\n', { mode: 0o640 });
      await mkdir(join(r, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
      await mkdir(join(r, 'lib/systemd/system'), { recursive: true });
      await writeFile(join(r, 'lib/systemd/system/auditd.service'), '[Unit]\nDescription=auditd\n[Service]\nExecStart=/sbin/auditd\nExecStartPost=-/sbin/augenrules --load\n[Install]\nWantedBy=multi-user.target\n');
      await symlink('/lib/systemd/system/auditd.service', join(r, 'etc/systemd/system/multi-user.target.wants/auditd.service'));
    },
  },
  {
    what: 'login.defs: PASS_MAX_DAYS 60 and PASS_MIN_DAYS 7 (compliant)',
    async apply(r) {
      const p = join(r, 'etc/login.defs');
      await writeFile(p, (await readFile(p, 'utf8')).replace(/^PASS_MAX_DAYS.*$/m, 'PASS_MAX_DAYS\t60').replace(/^PASS_MIN_DAYS.*$/m, 'PASS_MIN_DAYS\t7'));
    },
  },
];

async function deviate(root: string): Promise<void> {
  await appendFile(join(root, 'var/lib/dpkg/status'), FAKE_PACKAGES);
  for (const d of DEVIATIONS) await d.apply(root);
}

/** a difference line's key: scenario, SSG rule, our check, oscap's result, ours */
const diffKey = (scenario: string, m: Mapping, o: string, v: string) => `${scenario} ${m.ssg} ${m.cis} ${o} ${v}`;

describe('CIS Debian 11: agreement with OpenSCAP (ssg-debian11-ds.xml)', { skip }, () => {
  let work = '';
  const results: Record<string, { oscap: Map<string, OscapResult>; ours: Map<string, CheckStatus> }> = {};
  const mappings = (YAML.parse(readFileSync(join(TESTDATA, 'oscap-debian11.yaml'), 'utf8')) as { mappings: Mapping[] }).mappings;
  const benchmark = BenchmarkSchema.parse(YAML.parse(readFileSync(join(CIS, 'benchmarks', 'debian-11.yaml'), 'utf8')));

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-cis-oscap-'));
    const tailoring = join(work, 'tailoring.xml');
    await writeFile(tailoring, tailoringAll(await readFile(SSG_DEBIAN11_DS, 'utf8')));
    // an APT configuration that ignores the scanning host's apt.conf.d (see the header)
    await mkdir(join(work, 'apt.conf.d'));
    const aptConf = join(work, 'apt.conf');
    await writeFile(aptConf, `Dir::Etc::parts "${join(work, 'apt.conf.d')}";\nDir::Etc::main "/dev/null";\n`);
    for (const scenario of ['pristine', 'deviated']) {
      const root = join(work, scenario);
      // the shared root filesystem is read-only to the tests: a copy, keeping modes and owners
      await run('cp', ['-a', BULLSEYE, root]);
      if (scenario === 'deviated') await deviate(root);
      const [o, v] = await Promise.all([oscap(root, work, tailoring, aptConf), ours(root, benchmark)]);
      results[scenario] = { oscap: o, ours: v };
    }
  });
  after(async () => { if (work) await rm(work, { recursive: true, force: true }); });

  test('the mapping names real SSG rules and real checks', () => {
    const o = results.pristine.oscap;
    for (const m of mappings) {
      assert.ok(o.has(m.ssg), `${m.ssg}: not a rule of ssg-debian11-ds.xml`);
      assert.ok(benchmark.checks.some((c) => c.id === m.cis), `${m.cis}: not a check of debian-11.yaml`);
    }
  });

  test('every mapped rule both evaluate agrees, or the difference is explained', () => {
    const diffs: string[] = [];
    const tally = { pairs: 0, agree: 0, disagree: 0, oscapNotJudged: 0, oursManual: 0 };
    const notJudged: string[] = [];
    for (const scenario of ['pristine', 'deviated']) {
      const { oscap: o, ours: v } = results[scenario];
      for (const m of mappings) {
        const or = o.get(m.ssg) ?? 'missing';
        const vr = v.get(m.cis) ?? 'missing';
        if (!(or in JUDGED)) { tally.oscapNotJudged++; notJudged.push(`${scenario} ${m.ssg}=${or}`); continue; }
        if (vr === 'MANUAL') { tally.oursManual++; continue; }
        tally.pairs++;
        if (JUDGED[or] === vr) { tally.agree++; continue; }
        tally.disagree++;
        diffs.push(diffKey(scenario, m, or, vr));
      }
    }
    diffs.sort();

    const file = join(TESTDATA, 'oscap-differences.txt');
    const text = readFileSync(file, 'utf8');
    const header = text.split('\n').filter((l) => l.startsWith('#'));
    const codes = new Map(header.map((l) => /^#\s+([a-z0-9-]+):\s+(.+)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
    const LINE = /^(\S+ \S+ \S+ \S+ \S+)\s+(\S+)$/;
    let explained = text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => LINE.exec(l.trim())).filter((m): m is RegExpExecArray => !!m);
    if (process.env.UPDATE_GOLDEN === '1') {
      const reasons = new Map(explained.map((m) => [m[1], m[2]]));
      writeFileSync(file, [...header, ...diffs.map((d) => `${d}  ${reasons.get(d) ?? 'TODO'}`)].join('\n') + '\n');
      explained = diffs.map((d) => LINE.exec(`${d}  ${reasons.get(d) ?? 'TODO'}`)!);
    }
    const byCode = new Map<string, number>();
    for (const m of explained) {
      const [, ssg, cis] = m[1].split(' ');
      if (m[2] === 'part-of-check') assert.ok(mappings.some((x) => x.ssg === ssg && x.cis === cis && x.part), `${m[1]}: part-of-check on a pair not marked part: true`);
      assert.ok(codes.has(m[2]), `${m[1]}: reason "${m[2]}" is not one of the codes explained at the top of oscap-differences.txt`);
      byCode.set(m[2], (byCode.get(m[2]) ?? 0) + 1);
    }
    const unexplained = diffs.filter((d) => !explained.some((m) => m[1] === d));
    const stale = explained.map((m) => m[1]).filter((k) => !diffs.includes(k));

    console.log(`oscap ${mappings.length} mapped rule pairs × 2 root filesystems: ${tally.pairs} judged by both — ${tally.agree} agree, ${tally.disagree} disagree (${tally.disagree - unexplained.length} explained, ${unexplained.length} not); ${tally.oscapNotJudged} not judged by oscap (${[...new Set(notJudged.map((n) => n.split('=')[1]))].join(', ')}), ${tally.oursManual} manual on our side`);
    for (const [code, n] of [...byCode].sort()) console.log(`  ${String(n).padStart(3)} ${code}: ${codes.get(code)}`);
    assert.deepEqual(unexplained, [], 'differences not listed in oscap-differences.txt (UPDATE_GOLDEN=1 adds them with reason TODO)');
    assert.deepEqual(stale, [], 'oscap-differences.txt lists differences that no longer occur');
  });

  test('each deviation is seen by both: the pairs about it change from the pristine copy', () => {
    // [SSG rule, our check, expected outcome on the deviated copy for both]
    const seen: [string, string, CheckStatus][] = [
      ['sshd_disable_root_login', '5.2.7', 'FAIL'],
      ['sshd_disable_x11_forwarding', '5.2.12', 'FAIL'],
      ['file_permissions_sshd_private_key', '5.2.2', 'FAIL'],
      ['file_permissions_etc_shadow', '6.1.5', 'FAIL'],
      ['file_permissions_backup_etc_passwd', '6.1.2', 'FAIL'],
      ['accounts_no_uid_except_zero', '6.2.10', 'FAIL'],
      ['no_empty_passwords_etc_shadow', '6.2.2', 'FAIL'],
      ['sudo_remove_nopasswd', '5.3.4', 'FAIL'],
      ['sudo_add_use_pty', '5.3.2', 'PASS'],
      ['sysctl_kernel_randomize_va_space', '1.5.1', 'PASS'],
      ['kernel_module_rds_disabled', '3.4.3', 'PASS'],
      ['package_cron_installed', '5.1.1', 'PASS'],
      ['accounts_maximum_age_login_defs', '5.5.1.2', 'PASS'],
      ['package_audit_installed', '4.1.1.1', 'PASS'],
      ['audit_rules_usergroup_modification', '4.1.3.8', 'PASS'],
      ['audit_rules_immutable', '4.1.3.20', 'PASS'],
      ['audit_rules_networkconfig_modification', '4.1.3.5', 'FAIL'],
      ['auditd_data_retention_space_left_action', '4.1.2.3', 'FAIL'],
      ['accounts_minimum_age_login_defs', '5.5.1.1', 'PASS'],
    ];
    for (const [rule, check, want] of seen) {
      const before = { o: results.pristine.oscap.get(rule), v: results.pristine.ours.get(check) };
      const afterDev = { o: results.deviated.oscap.get(rule), v: results.deviated.ours.get(check) };
      assert.equal(afterDev.o && JUDGED[afterDev.o], want, `oscap ${rule} on the deviated copy`);
      assert.equal(afterDev.v, want, `our ${check} on the deviated copy`);
      assert.notEqual(before.o && JUDGED[before.o], want, `oscap ${rule} on the pristine copy`);
      assert.notEqual(before.v, want, `our ${check} on the pristine copy`);
    }
  });
});
