/**
 * CIS benchmarks as data (issue 18): one YAML file per benchmark (src/detectors/cis/benchmarks/),
 * each check a test built from the primitives below. This file is the format — the zod schema a
 * benchmark file is validated with, and the types the evaluator and the outputs share. The
 * evaluator (evaluate.ts) runs a benchmark over a ScanFS (a root filesystem, an image, a host's
 * collected files) and, on a live host, over its runtime facts.
 *
 * Section ids, levels and titles follow the CIS benchmark's numbering; titles, rationales and
 * remediations are written by us (the benchmark's own prose is not copied).
 */
import { z } from 'zod';

/** A check's outcome. MANUAL: the check needs a person (it is listed, never judged). */
export const CHECK_STATUSES = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** What a check found, for the reader: the file and line, the value found and the one expected. */
export interface Evidence {
  path?: string;
  line?: number;
  found?: string;
  expected?: string;
  message: string;
}

export interface CheckResult {
  id: string;
  title: string;
  level: 1 | 2;
  status: CheckStatus;
  evidence: Evidence[];
  /** live-only checks (sysctl values, running services): judged only on a live host */
  live?: boolean;
}

export interface BenchmarkResult {
  benchmark: { id: string; title: string; version: string };
  profile: { id: string; title: string; level: 1 | 2 };
  target: { kind: string; ref: string };
  checks: CheckResult[];
  counts: Record<CheckStatus, number>;
}

const Mode = z.string().regex(/^0?[0-7]{3,4}$/, 'an octal mode such as 0644');
const Path = z.string().min(1).max(512).regex(/^\//, 'an absolute path');
/** a path that may hold * and ? in its last components (e.g. /etc/sysctl.d/*.conf) */
const PathGlob = Path;

/** The comparison of a value found with the one expected (numbers compare as numbers). */
const Op = z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'not_in', 'regex', 'not_regex']);

/**
 * The test primitives. A test is one object with exactly one key (the primitive) or a combinator:
 * `all`, `any` (lists of tests), `not` (one test).
 */
export type Test =
  | { all: Test[] } | { any: Test[] } | { not: Test }
  /** file or directory: exists, its mode at most `mode_max` (no bits beyond it), owner, group (names or ids) */
  | { file: { path: PathGlobT; exists?: boolean; type?: 'file' | 'dir' | 'symlink'; mode_max?: string; owner?: string; group?: string } }
  /** lines of a file (or of each file matching a glob): a regex present / absent (`multiline`: over the whole text) */
  | { content: { path: PathGlobT; regex: string; expect: 'present' | 'absent'; multiline?: boolean; missing_file?: 'pass' | 'fail' | 'not_applicable' } }
  /**
   * a setting of a configuration with its format's precedence: sshd (first value wins, `Include`
   * followed, `Match` blocks excluded unless `match` is given), sysctl (sysctl.d order, last
   * wins), login_defs, keyvalue (`key = value` or `key value`, last wins), pam (see `pam`)
   */
  | { setting: { format: 'sshd' | 'sysctl' | 'login_defs' | 'keyvalue' | 'modprobe'; path?: PathGlobT; key: string; op: OpT; value: string | number | (string | number)[]; missing?: 'pass' | 'fail'; default?: string | number } }
  /** a PAM stack (/etc/pam.d/<service>, @include followed): a module line with its type, control and arguments */
  | { pam: { service: string; type: 'auth' | 'account' | 'password' | 'session'; module: string; control_regex?: string; args?: Record<string, { op: OpT; value: string | number }>; expect?: 'present' | 'absent' } }
  /** package installed / absent (dpkg or rpm database of the target) */
  | { package: { name: string; state: 'installed' | 'absent' } }
  /** a systemd unit's state from its symlinks: enabled, disabled (not enabled), masked (linked to /dev/null) */
  | { service: { unit: string; state: 'enabled' | 'disabled' | 'masked' | 'not_enabled' } }
  /** a mount point: a separate partition (fstab, or /proc/mounts on a live host), with options */
  | { mount: { path: string; separate?: boolean; options?: string[]; missing?: 'fail' | 'not_applicable' } }
  /** a kernel module cannot be loaded: `install <m> /bin/false|/bin/true` and `blacklist <m>` in modprobe.d */
  | { kmod: { module: string; disabled: true } }
  /** accounts and groups (passwd, shadow, group) */
  | { accounts: { check: AccountCheck } }
  /** audit rules (/etc/audit/rules.d/*.rules, or auditctl -l on a live host): a rule matching the regex */
  | { audit_rule: { regex: string } }
  /** the whole filesystem walked once: world-writable files, world-writable dirs without the sticky bit, files of no known user / group */
  | { filesystem: { check: FilesystemCheck } }
  /** live only: a kernel parameter's running value (/proc/sys) */
  | { sysctl_live: { key: string; op: OpT; value: string | number } }
  /** live only: a service running (systemctl is-active) */
  | { service_live: { unit: string; active: boolean } };

type PathGlobT = string;
type OpT = z.infer<typeof Op>;
export const ACCOUNT_CHECKS = [
  'uid0_only_root', 'no_empty_passwords', 'shadowed_passwords', 'unique_uids', 'unique_gids', 'unique_user_names', 'unique_group_names',
  'groups_in_passwd_exist', 'home_dirs_exist', 'home_dirs_owned', 'root_gid_0', 'system_accounts_no_shell', 'shadow_group_empty',
] as const;
type AccountCheck = (typeof ACCOUNT_CHECKS)[number];
export const FILESYSTEM_CHECKS = ['world_writable_files', 'world_writable_dirs_sticky', 'unowned_files', 'ungrouped_files'] as const;
type FilesystemCheck = (typeof FILESYSTEM_CHECKS)[number];

const one = <S extends z.ZodType>(key: string, s: S) => z.strictObject({ [key]: s } as Record<string, S>);
const TestSchema: z.ZodType<Test> = z.lazy(() => z.union([
  one('all', z.array(TestSchema).min(1)),
  one('any', z.array(TestSchema).min(1)),
  one('not', TestSchema),
  one('file', z.strictObject({ path: PathGlob, exists: z.boolean().optional(), type: z.enum(['file', 'dir', 'symlink']).optional(), mode_max: Mode.optional(), owner: z.string().optional(), group: z.string().optional() })),
  one('content', z.strictObject({ path: PathGlob, regex: z.string().min(1), expect: z.enum(['present', 'absent']), multiline: z.boolean().optional(), missing_file: z.enum(['pass', 'fail', 'not_applicable']).optional() })),
  one('setting', z.strictObject({
    format: z.enum(['sshd', 'sysctl', 'login_defs', 'keyvalue', 'modprobe']), path: PathGlob.optional(), key: z.string().min(1), op: Op,
    value: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]), missing: z.enum(['pass', 'fail']).optional(), default: z.union([z.string(), z.number()]).optional(),
  })),
  one('pam', z.strictObject({
    service: z.string().min(1), type: z.enum(['auth', 'account', 'password', 'session']), module: z.string().min(1), control_regex: z.string().optional(),
    args: z.record(z.string(), z.strictObject({ op: Op, value: z.union([z.string(), z.number()]) })).optional(), expect: z.enum(['present', 'absent']).optional(),
  })),
  one('package', z.strictObject({ name: z.string().min(1), state: z.enum(['installed', 'absent']) })),
  one('service', z.strictObject({ unit: z.string().min(1), state: z.enum(['enabled', 'disabled', 'masked', 'not_enabled']) })),
  one('mount', z.strictObject({ path: z.string().min(1), separate: z.boolean().optional(), options: z.array(z.string()).optional(), missing: z.enum(['fail', 'not_applicable']).optional() })),
  one('kmod', z.strictObject({ module: z.string().min(1), disabled: z.literal(true) })),
  one('accounts', z.strictObject({ check: z.enum(ACCOUNT_CHECKS) })),
  one('audit_rule', z.strictObject({ regex: z.string().min(1) })),
  one('filesystem', z.strictObject({ check: z.enum(FILESYSTEM_CHECKS) })),
  one('sysctl_live', z.strictObject({ key: z.string().min(1), op: Op, value: z.union([z.string(), z.number()]) })),
  one('service_live', z.strictObject({ unit: z.string().min(1), active: z.boolean() })),
]) as unknown as z.ZodType<Test>);

export const CheckSchema = z.strictObject({
  /** the benchmark's section id: "1.1.1.1", "5.2.4" */
  id: z.string().regex(/^\d+(\.\d+)*$/),
  title: z.string().min(1).max(300),
  rationale: z.string().min(1),
  remediation: z.string().optional(),
  /** 1: in both profiles; 2: Level 2 only */
  level: z.union([z.literal(1), z.literal(2)]),
  /** needs a person: listed as MANUAL, never judged */
  manual: z.boolean().optional(),
  /** judged only on a live host (sysctl values, running services); NOT_APPLICABLE elsewhere, saying why */
  live: z.boolean().optional(),
  /** when this test fails the check is NOT_APPLICABLE (e.g. the package it is about is absent) */
  applies_if: TestSchema.optional(),
  /** absent only with manual: true */
  test: TestSchema.optional(),
}).refine((c) => c.manual || c.test, { message: 'a check without manual: true needs a test' });
export type Check = z.infer<typeof CheckSchema>;

export const BenchmarkSchema = z.strictObject({
  /** "debian-12", "debian-11", "ubuntu-22.04" */
  id: z.string().regex(/^[a-z0-9.-]+$/),
  title: z.string().min(1),
  /** the CIS benchmark version whose numbering the ids follow */
  version: z.string().min(1),
  /** which systems it is for: os-release ID and VERSION_ID values */
  platform: z.strictObject({ id: z.array(z.string()).min(1), version_id: z.array(z.string()).min(1) }),
  profiles: z.array(z.strictObject({ id: z.string(), title: z.string(), level: z.union([z.literal(1), z.literal(2)]) })).min(1),
  checks: z.array(CheckSchema).min(1),
});
export type Benchmark = z.infer<typeof BenchmarkSchema>;
