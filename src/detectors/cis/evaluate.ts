/**
 * The CIS evaluator: runs a benchmark's checks over a ScanFS (and, on a live host, its runtime
 * facts). Each primitive returns PASS / FAIL / NOT_APPLICABLE with evidence; a problem reading or
 * parsing what a check needs makes that check ERROR (with the evidence of the problem), never the
 * whole evaluation. Everything read is hostile input: reads are bounded (fsutil.ts), symlinks are
 * resolved inside the root by the ScanFS, regexes come from the benchmark, not from the target.
 */
import type { ScanFS } from '../../sources/types.ts';
import { accountCheck } from './accounts.ts';
import { CheckError, TargetReader, abs, lines } from './fsutil.ts';
import { pamArg, readPamStack } from './pam.ts';
import { CHECK_STATUSES, type Benchmark, type BenchmarkResult, type Check, type CheckResult, type CheckStatus, type Evidence, type Test } from './schema.ts';
import { compare, describeExpected, kmodState, parseKeyValue, readModprobe, readSshd, readSysctl, sshdValue, sysctlKey, type Op } from './settings.ts';
import { findMount, readPackages, unitName, unitState } from './system.ts';

/** What a live host tells beyond its files (read locally by `vigil cis host`, or collected by an agent). */
export interface LiveFacts {
  /** a kernel parameter's running value (/proc/sys), null when unknown */
  sysctl(key: string): Promise<string | null>;
  /** whether a unit is active (systemctl is-active), null when unknown */
  serviceActive(unit: string): Promise<boolean | null>;
  /** the text of /proc/mounts */
  mounts?: string;
  /** the loaded audit rules (auditctl -l), when known */
  auditRules?: string;
  /**
   * The whole-filesystem facts as the host found them (`find / -xdev`, pseudo filesystems pruned),
   * absolute paths; when given, the filesystem checks use these instead of walking the ScanFS (which
   * then holds only the files the checks read). Lists may be cut (`truncated`); `counts` then says
   * how many there were. `unknown` says why the facts could not be collected (the checks are ERROR).
   */
  filesystem?: {
    worldWritable: string[];
    worldWritableDirsNoSticky: string[];
    unowned: string[];
    ungrouped: string[];
    truncated?: boolean;
    counts?: { worldWritable: number; worldWritableDirsNoSticky: number; unowned: number; ungrouped: number };
    unknown?: string;
  };
}

export interface EvaluateOptions {
  level: 1 | 2;
  live?: LiveFacts;
  target?: { kind: string; ref: string };
  /** the clock, for checks about dates (default: now) */
  now?: Date;
}

type Outcome = { status: 'PASS' | 'FAIL' | 'NOT_APPLICABLE' | 'ERROR'; evidence: Evidence[] };
const pass = (...evidence: Evidence[]): Outcome => ({ status: 'PASS', evidence });
const fail = (...evidence: Evidence[]): Outcome => ({ status: 'FAIL', evidence });
const na = (...evidence: Evidence[]): Outcome => ({ status: 'NOT_APPLICABLE', evidence });

const MAX_EVIDENCE = 20;

/** Evaluates a benchmark: the checks of the profile `level` (Level 2 includes Level 1), in file order. */
export async function evaluateBenchmark(fs: ScanFS, benchmark: Benchmark, opts: EvaluateOptions): Promise<BenchmarkResult> {
  const r = new TargetReader(fs);
  const profile = benchmark.profiles.find((p) => p.level === opts.level) ?? { id: `level${opts.level}`, title: `Level ${opts.level}`, level: opts.level };
  const checks: CheckResult[] = [];
  for (const c of benchmark.checks) {
    if (c.level > opts.level) continue;
    checks.push(await evaluateCheck(r, c, opts.live, opts.now));
  }
  const counts = Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  for (const c of checks) counts[c.status]++;
  return {
    benchmark: { id: benchmark.id, title: benchmark.title, version: benchmark.version },
    profile: { id: profile.id, title: profile.title, level: profile.level },
    target: opts.target ?? { kind: fs.target.kind, ref: fs.target.ref },
    checks,
    counts,
  };
}

export async function evaluateCheck(r: TargetReader, c: Check, live: LiveFacts | undefined, now?: Date): Promise<CheckResult> {
  if (now) r.now = now;
  const out = (status: CheckStatus, evidence: Evidence[]): CheckResult => ({ id: c.id, title: c.title, level: c.level, status, evidence: cap(evidence), ...(c.live ? { live: true } : {}) });
  if (c.manual || !c.test) return out('MANUAL', [{ message: c.remediation ? `to be judged by a person: ${c.remediation}` : 'to be judged by a person' }]);
  if (c.live && !live) return out('NOT_APPLICABLE', [{ message: 'judged only on a live host (a running value); this target is files only' }]);
  try {
    if (c.applies_if) {
      const a = await run(r, c.applies_if, live);
      if (a.status === 'ERROR') return out('ERROR', a.evidence);
      if (a.status !== 'PASS') return out('NOT_APPLICABLE', [{ message: 'does not apply to this system' }, ...a.evidence]);
    }
    const o = await run(r, c.test, live);
    return out(o.status, o.evidence);
  } catch (e) {
    return out('ERROR', [e instanceof CheckError ? e.evidence : { message: `evaluation failed: ${(e as Error).message}` }]);
  }
}

function cap(ev: Evidence[]): Evidence[] {
  if (ev.length <= MAX_EVIDENCE) return ev;
  return [...ev.slice(0, MAX_EVIDENCE), { message: `… and ${ev.length - MAX_EVIDENCE} more` }];
}

/** runs one test; a CheckError inside becomes ERROR with its evidence (siblings in all/any still run) */
async function run(r: TargetReader, t: Test, live: LiveFacts | undefined): Promise<Outcome> {
  try {
    return await runUnsafe(r, t, live);
  } catch (e) {
    if (e instanceof CheckError) return { status: 'ERROR', evidence: [e.evidence] };
    if (e instanceof SyntaxError) return { status: 'ERROR', evidence: [{ message: `bad regex in the benchmark: ${e.message}` }] };
    throw e;
  }
}

async function runUnsafe(r: TargetReader, t: Test, live: LiveFacts | undefined): Promise<Outcome> {
  if ('all' in t) {
    const os = [];
    for (const x of t.all) os.push(await run(r, x, live));
    const ev = os.flatMap((o) => o.evidence);
    if (os.some((o) => o.status === 'FAIL')) return fail(...os.filter((o) => o.status === 'FAIL' || o.status === 'ERROR').flatMap((o) => o.evidence));
    if (os.some((o) => o.status === 'ERROR')) return { status: 'ERROR', evidence: os.filter((o) => o.status === 'ERROR').flatMap((o) => o.evidence) };
    if (os.every((o) => o.status === 'NOT_APPLICABLE')) return na(...ev);
    return pass(...ev);
  }
  if ('any' in t) {
    const os = [];
    for (const x of t.any) {
      const o = await run(r, x, live);
      if (o.status === 'PASS') return o;
      os.push(o);
    }
    const ev = os.flatMap((o) => o.evidence);
    if (os.some((o) => o.status === 'ERROR')) return { status: 'ERROR', evidence: ev };
    if (os.every((o) => o.status === 'NOT_APPLICABLE')) return na(...ev);
    return fail(...ev);
  }
  if ('not' in t) {
    const o = await run(r, t.not, live);
    // the evidence states facts, true either way; what was expected is the opposite
    const ev = o.evidence.map((e) => (e.expected !== undefined ? { ...e, expected: `not ${e.expected}` } : e));
    return o.status === 'PASS' ? fail(...ev) : o.status === 'FAIL' ? pass(...ev) : { status: o.status, evidence: ev };
  }
  if ('file' in t) return fileTest(r, t.file);
  if ('content' in t) return contentTest(r, t.content);
  if ('setting' in t) return settingTest(r, t.setting);
  if ('pam' in t) return pamTest(r, t.pam);
  if ('package' in t) {
    const db = await readPackages(r);
    const hit = db.installed.get(t.package.name);
    const found = hit ? `installed${hit.version ? ` (${hit.version})` : ''}` : 'not installed';
    const e: Evidence = { path: db.source, ...(hit?.line ? { line: hit.line } : {}), found, expected: t.package.state === 'installed' ? 'installed' : 'not installed', message: `package ${t.package.name} is ${found}` };
    return (!!hit === (t.package.state === 'installed')) ? pass(e) : fail(e);
  }
  if ('service' in t) {
    const u = unitName(t.service.unit);
    const st = await unitState(r, u);
    const state = st.masked ? 'masked' : st.enabledBy.length ? 'enabled' : 'not enabled';
    const path = st.masked ?? st.enabledBy[0];
    const e: Evidence = { ...(path ? { path } : {}), found: state, expected: t.service.state === 'not_enabled' ? 'not enabled' : t.service.state, message: `${u} is ${state}${st.enabledBy.length > 1 ? ` (${st.enabledBy.length} links)` : ''}` };
    const want = t.service.state;
    const ok = want === 'enabled' ? state === 'enabled' : want === 'masked' ? state === 'masked' : state !== 'enabled';
    return ok ? pass(e) : fail(e);
  }
  if ('mount' in t) {
    const m = await findMount(r, t.mount.path, live?.mounts);
    const src = live?.mounts !== undefined ? '/proc/mounts' : '/etc/fstab';
    if (!m) {
      const e: Evidence = { path: src, found: 'no mount', expected: `${t.mount.path} mounted separately`, message: `${t.mount.path} is not a separate mount in ${src}` };
      return t.mount.missing === 'not_applicable' ? na(e) : fail(e);
    }
    const missing = (t.mount.options ?? []).filter((o) => !m.options.includes(o));
    const e: Evidence = { path: m.source, ...(m.line ? { line: m.line } : {}), found: m.options.join(','), expected: (t.mount.options ?? []).join(',') || 'a separate mount', message: missing.length ? `${t.mount.path} is mounted without ${missing.join(', ')}` : `${t.mount.path} is a separate ${m.type} mount${t.mount.options?.length ? ` with ${t.mount.options.join(', ')}` : ''}` };
    return missing.length ? fail(e) : pass(e);
  }
  if ('kmod' in t) {
    const st = kmodState(await readModprobe(r), t.kmod.module);
    const ev: Evidence[] = [];
    if (st.installDisabled) ev.push({ path: st.install!.path, line: st.install!.line, found: `install ${t.kmod.module} ${st.install!.value}`, message: `loading ${t.kmod.module} runs ${st.install!.value}` });
    else ev.push({ ...(st.install ? { path: st.install.path, line: st.install.line, found: `install ${t.kmod.module} ${st.install.value}` } : { path: '/etc/modprobe.d' }), expected: `install ${t.kmod.module} /bin/false`, message: `${t.kmod.module} can be loaded: no install line that prevents it` });
    if (st.blacklist) ev.push({ path: st.blacklist.path, line: st.blacklist.line, found: `blacklist ${t.kmod.module}`, message: `${t.kmod.module} is blacklisted` });
    else ev.push({ path: '/etc/modprobe.d', expected: `blacklist ${t.kmod.module}`, message: `${t.kmod.module} is not blacklisted` });
    return st.installDisabled && st.blacklist ? pass(...ev) : fail(...ev);
  }
  if ('accounts' in t) {
    const { violations, ok } = await accountCheck(r, t.accounts.check, r.now);
    return violations.length ? fail(...violations) : pass({ path: '/etc/passwd', message: ok });
  }
  if ('filesystem' in t) {
    const c = t.filesystem.check;
    const key = ({ world_writable_files: 'worldWritable', world_writable_dirs_sticky: 'worldWritableDirsNoSticky', unowned_files: 'unowned', ungrouped_files: 'ungrouped' } as const)[c];
    const what = { world_writable_files: 'world-writable file', world_writable_dirs_sticky: 'world-writable directory without the sticky bit', unowned_files: 'file owned by no known user', ungrouped_files: 'file of no known group' }[c];
    const hf = live?.filesystem;
    if (hf) {
      // the host's own walk (find / -xdev): the ScanFS holds only the files the checks read
      if (hf.unknown !== undefined) throw new CheckError({ message: `the host's filesystem walk: ${hf.unknown}` });
      const list = hf[key];
      const total = Math.max(hf.counts?.[key] ?? list.length, list.length);
      if (!total && hf.truncated) throw new CheckError({ message: `the host's filesystem walk was cut short before it found any ${what}; not judged` });
      if (!total) return pass({ message: `no ${what} on the host's filesystem (find / -xdev)` });
      const ev: Evidence[] = list.map((p) => ({ path: p, message: `a ${what}` }));
      if (total > list.length) ev.push({ message: `${total} in all; the host listed the first ${list.length}` });
      return fail(...ev);
    }
    const f = await r.facts();
    if ((c === 'unowned_files' || c === 'ungrouped_files') && !f.hasIds) throw new CheckError({ message: 'this source records no file owners' });
    const list = f[key];
    if (!list.length) return pass({ message: `no ${what} among ${f.entries} entries` });
    return fail(...list.map((p) => ({ path: p, message: `a ${what}` })));
  }
  if ('audit_rule' in t) return auditTest(r, t.audit_rule.regex, live);
  if ('sysctl_live' in t) {
    if (!live) return na({ message: 'a running value: judged only on a live host' });
    const k = sysctlKey(t.sysctl_live.key);
    const v = await live.sysctl(k);
    const path = `/proc/sys/${k.replace(/\./g, '/')}`;
    if (v === null) return { status: 'ERROR', evidence: [{ path, message: `${k}: running value unknown` }] };
    const e: Evidence = { path, found: v, expected: describeExpected(t.sysctl_live.op, t.sysctl_live.value), message: `${k} is ${v} (running)` };
    return compare(v, t.sysctl_live.op, t.sysctl_live.value) ? pass(e) : fail(e);
  }
  if ('service_live' in t) {
    if (!live) return na({ message: 'a running service: judged only on a live host' });
    const u = unitName(t.service_live.unit);
    const a = await live.serviceActive(u);
    if (a === null) return { status: 'ERROR', evidence: [{ message: `${u}: whether it runs is unknown` }] };
    const e: Evidence = { found: a ? 'active' : 'inactive', expected: t.service_live.active ? 'active' : 'inactive', message: `${u} is ${a ? 'active' : 'not active'}` };
    return a === t.service_live.active ? pass(e) : fail(e);
  }
  throw new CheckError({ message: `unknown test ${Object.keys(t).join(',')}` });
}

// ---------------------------------------------------------------- file, content

async function resolveNames(r: TargetReader, path: '/etc/passwd' | '/etc/group'): Promise<Map<string, number>> {
  return r.once(`names:${path}`, async () => {
    const t = (await r.text(path)) ?? '';
    const m = new Map<string, number>();
    for (const l of t.split('\n')) {
      const f = l.split(':');
      if (f.length >= 3 && /^\d+$/.test(f[2]) && !m.has(f[0])) m.set(f[0], Number(f[2]));
    }
    return m;
  });
}

async function idOf(r: TargetReader, spec: string, path: '/etc/passwd' | '/etc/group'): Promise<number[]> {
  // "root" or "0" or "root|shadow"
  const names = await resolveNames(r, path);
  return spec.split('|').map((s) => (/^\d+$/.test(s) ? Number(s) : names.get(s) ?? -1));
}

const octal = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');

async function fileTest(r: TargetReader, f: Extract<Test, { file: unknown }>['file']): Promise<Outcome> {
  const paths = /[*?[]/.test(f.path) ? await r.glob(f.path) : [f.path];
  const want = f.exists ?? true;
  const out: Evidence[] = [];
  let bad = false;
  let seen = 0;
  for (const p of paths) {
    const st = await r.stat(p);
    if (!st) {
      if (want && !/[*?[]/.test(f.path)) {
        bad = true;
        out.push({ path: p, found: 'absent', expected: 'present', message: `${p} does not exist` });
      }
      continue;
    }
    seen++;
    if (!want) {
      bad = true;
      out.push({ path: p, found: 'present', expected: 'absent', message: `${p} exists` });
      continue;
    }
    const probs: string[] = [];
    const found: string[] = [];
    const expected: string[] = [];
    if (f.type) {
      // stat resolves symlinks; a symlink is asked of the listing
      const kind = f.type === 'symlink' ? ((await r.list(p.slice(0, p.lastIndexOf('/')) || '/').catch(() => [])).find((e) => `/${e.path}` === p)?.kind ?? st.kind) : st.kind;
      found.push(kind);
      expected.push(f.type);
      if (kind !== f.type) probs.push(`is a ${kind}, not a ${f.type}`);
    }
    if (f.mode_max) {
      const max = parseInt(f.mode_max, 8);
      if (st.mode === undefined) throw new CheckError({ path: p, message: `${p}: this source records no file modes` });
      found.push(octal(st.mode));
      expected.push(`${octal(max)} or stricter`);
      if (st.mode & 0o7777 & ~max) probs.push(`mode ${octal(st.mode)} allows more than ${octal(max)}`);
    }
    for (const [k, spec, db] of [['owner', f.owner, '/etc/passwd'], ['group', f.group, '/etc/group']] as const) {
      if (!spec) continue;
      const id = k === 'owner' ? st.uid : st.gid;
      if (id === undefined) throw new CheckError({ path: p, message: `${p}: this source records no file ${k}s` });
      const ok = await idOf(r, spec, db);
      found.push(`${k} ${id}`);
      expected.push(`${k} ${spec}`);
      if (!ok.includes(id)) probs.push(`${k} is ${id}, not ${spec}`);
    }
    if (probs.length) bad = true;
    out.push({ path: p, found: found.join(', ') || 'present', ...(expected.length ? { expected: expected.join(', ') } : {}), message: probs.length ? `${p} ${probs.join('; ')}` : `${p} is as expected` });
  }
  if (!seen && !bad) {
    if (want && /[*?[]/.test(f.path)) return na({ path: f.path, message: `no file matches ${f.path}` });
    if (!want) return pass({ path: f.path, found: 'absent', expected: 'absent', message: `${f.path} does not exist` });
  }
  return bad ? fail(...out.filter((e) => !/is as expected$/.test(e.message))) : pass(...out);
}

async function contentTest(r: TargetReader, c: Extract<Test, { content: unknown }>['content']): Promise<Outcome> {
  const re = new RegExp(c.regex, c.multiline ? 'm' : '');
  const paths = await r.glob(c.path);
  const texts: { p: string; t: string }[] = [];
  for (const p of paths) {
    const t = await r.text(p);
    if (t !== null) texts.push({ p, t });
  }
  if (!texts.length) {
    const e: Evidence = { path: c.path, found: 'absent', message: `${c.path}: no such file` };
    const m = c.missing_file ?? (c.expect === 'absent' ? 'pass' : 'fail');
    return m === 'pass' ? pass(e) : m === 'fail' ? fail(e) : na(e);
  }
  const hits: Evidence[] = [];
  for (const { p, t } of texts) {
    if (c.multiline) {
      // the whole text, its lines cut as everywhere else
      const m = re.exec(lines(t).map((l) => l.line).join('\n'));
      if (m) hits.push({ path: p, line: t.slice(0, m.index).split('\n').length, found: m[0].slice(0, 200), message: `${p} matches /${c.regex}/` });
      continue;
    }
    for (const { n, line } of lines(t)) if (re.test(line)) hits.push({ path: p, line: n, found: line.slice(0, 200), message: `${p}:${n} matches /${c.regex}/` });
  }
  if (c.expect === 'present') return hits.length ? pass(...hits) : fail({ path: texts.map((x) => x.p).join(', '), expected: `a line matching /${c.regex}/`, message: `no line matches /${c.regex}/` });
  return hits.length ? fail(...hits.map((h) => ({ ...h, expected: `no line matching /${c.regex}/` }))) : pass({ path: texts.map((x) => x.p).join(', '), message: `no line matches /${c.regex}/` });
}

// ---------------------------------------------------------------- settings

async function settingTest(r: TargetReader, s: Extract<Test, { setting: unknown }>['setting']): Promise<Outcome> {
  let hit: { value: string; path: string; line: number } | undefined;
  let where: string;
  switch (s.format) {
    case 'sshd': {
      where = s.path ?? '/etc/ssh/sshd_config';
      const entries = await r.once(`sshd:${where}`, () => readSshd(r, where));
      if (entries === null) throw new CheckError({ path: where, message: `${where}: absent` });
      hit = sshdValue(entries, s.key);
      break;
    }
    case 'sysctl': {
      where = 'sysctl.d';
      const all = await r.once('sysctl', () => readSysctl(r));
      const k = sysctlKey(s.key);
      hit = all.filter((e) => e.key === k).at(-1);
      break;
    }
    case 'login_defs':
    case 'keyvalue': {
      where = s.path ?? '/etc/login.defs';
      const ci = s.format === 'keyvalue';
      const key = ci ? s.key.toLowerCase() : s.key;
      // a main file is followed by its drop-ins, <file>.d/*.conf in name order (pwquality.conf.d,
      // journald.conf.d, timesyncd.conf.d): the last value wins
      const main = await r.glob(where);
      const dropins = /[*?[]/.test(where) ? [] : await r.glob(`${where}.d/*.conf`).catch(() => []);
      for (const p of [...main, ...dropins]) {
        const t = await r.text(p);
        if (t === null) continue;
        const v = parseKeyValue(t, p, ci).get(key);
        if (v) hit = v;
      }
      break;
    }
    case 'modprobe': {
      where = 'modprobe.d';
      // key: "<directive> <module>" (e.g. "options ipv6"); the value is the rest of the line
      const [directive, module] = s.key.split(/\s+/);
      hit = (await r.once('modprobe', () => readModprobe(r))).find((l) => l.directive === directive && l.module === (module ?? '').replace(/-/g, '_'));
      break;
    }
  }
  const expected = describeExpected(s.op as Op, s.value);
  if (!hit) {
    if (s.default !== undefined) {
      const e: Evidence = { path: where, found: `${s.default} (default, not set)`, expected, message: `${s.key} is not set; its default is ${s.default}` };
      return compare(String(s.default), s.op as Op, s.value) ? pass(e) : fail(e);
    }
    const e: Evidence = { path: where, found: 'not set', expected, message: `${s.key} is not set in ${where}` };
    return s.missing === 'pass' ? pass(e) : fail(e);
  }
  const e: Evidence = { path: hit.path, line: hit.line, found: hit.value, expected, message: `${s.key} is ${hit.value}` };
  return compare(hit.value, s.op as Op, s.value) ? pass(e) : fail(e);
}

async function pamTest(r: TargetReader, p: Extract<Test, { pam: unknown }>['pam']): Promise<Outcome> {
  const stack = await readPamStack(r, p.service);
  const path = `/etc/pam.d/${p.service}`;
  if (stack === null) throw new CheckError({ path, message: `${path}: absent` });
  const mod = p.module.replace(/\.so$/, '');
  const lines = stack.filter((l) => l.type === p.type && l.module.replace(/\.so$/, '') === mod && (!p.control_regex || new RegExp(p.control_regex).test(l.control)));
  const expectPresent = (p.expect ?? 'present') === 'present';
  const argsOk = (args: string[]): string[] => {
    const probs: string[] = [];
    for (const [k, want] of Object.entries(p.args ?? {})) {
      const v = pamArg(args, k);
      if (v === undefined) probs.push(`${k} not given`);
      else if (!compare(v, want.op as Op, want.value)) probs.push(`${k}=${v}, expected ${describeExpected(want.op as Op, want.value)}`);
    }
    return probs;
  };
  const desc = `${p.type} ${p.control_regex ? `/${p.control_regex}/ ` : ''}${p.module}${p.args ? ` ${Object.keys(p.args).join(' ')}` : ''}`;
  if (!lines.length) {
    const e: Evidence = { path, found: 'no such line', expected: expectPresent ? desc : `no ${desc}`, message: `the ${p.service} stack has no ${p.type} line for ${p.module}` };
    return expectPresent ? fail(e) : pass(e);
  }
  const good = lines.find((l) => argsOk(l.args).length === 0);
  const ev = (l: typeof lines[number], probs: string[]): Evidence => ({ path: l.path, line: l.line, found: `${l.type} ${l.control} ${l.module} ${l.args.join(' ')}`.trim(), expected: expectPresent ? desc : `no ${desc}`, message: probs.length ? probs.join('; ') : `the ${p.service} stack has ${l.module}${p.args ? ` with ${Object.keys(p.args).join(', ')}` : ''}` });
  if (expectPresent) return good ? pass(ev(good, [])) : fail(...lines.map((l) => ev(l, argsOk(l.args))));
  return good ? fail(ev(good, [])) : pass({ path, message: `no ${desc} in the ${p.service} stack` });
}

async function auditTest(r: TargetReader, regex: string, live: LiveFacts | undefined): Promise<Outcome> {
  const re = new RegExp(regex);
  const sources: { p: string; t: string }[] = [];
  if (live?.auditRules !== undefined) sources.push({ p: 'auditctl -l', t: live.auditRules });
  else for (const p of await r.glob('/etc/audit/rules.d/*.rules')) {
    const t = await r.text(p);
    if (t !== null) sources.push({ p, t });
  }
  for (const { p, t } of sources) {
    for (const { n, line } of lines(t)) {
      const l = line.trim();
      if (!l || l.startsWith('#')) continue;
      if (re.test(l)) return pass({ path: p, line: n, found: l.slice(0, 200), message: `audit rule present` });
    }
  }
  return fail({ path: sources.length ? sources.map((s) => s.p).join(', ') : abs('etc/audit/rules.d'), expected: `a rule matching /${regex}/`, message: sources.length ? 'no audit rule matches' : 'no audit rules (/etc/audit/rules.d/*.rules)' });
}
