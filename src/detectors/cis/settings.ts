/**
 * Settings with their format's precedence (pure parsers under thin readers):
 * - sshd_config: the first value of a keyword wins; `Include` (globs, relative to /etc/ssh, files
 *   in name order) is read in place; a `Match` block's values do not set the global value (a Match
 *   begun in an included file ends with that file). See sshd_config(5).
 * - sysctl: /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d, /lib/sysctl.d
 *   — a file name in an earlier directory hides the same name in a later one; files in name order,
 *   then /etc/sysctl.conf; the last value wins (sysctl.d(5), procps `sysctl --system`).
 * - login.defs and key/value files: the last value wins.
 * - modprobe.d: the same directory precedence as sysctl.d (modprobe.d(5)).
 */
import { CheckError, abs, continuedLines, lines, type TargetReader } from './fsutil.ts';

export interface Found {
  value: string;
  path: string;
  line: number;
}

/** the comparison ops of the schema; numbers compare as numbers when both sides are numbers */
export type Op = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in' | 'not_in' | 'regex' | 'not_regex';

const num = (s: string | number): number | null => {
  if (typeof s === 'number') return s;
  const t = s.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : null;
};
const norm = (s: string | number): string => String(s).trim().replace(/\s+/g, ' ').toLowerCase();

export function compare(found: string, op: Op, value: string | number | (string | number)[]): boolean {
  const list = Array.isArray(value) ? value : [value];
  const eq = (v: string | number) => {
    const a = num(found);
    const b = num(v);
    return a !== null && b !== null ? a === b : norm(found) === norm(v);
  };
  switch (op) {
    case 'eq':
    case 'in':
      return list.some(eq);
    case 'ne':
    case 'not_in':
      return !list.some(eq);
    case 'regex':
      return list.some((v) => new RegExp(String(v), 'i').test(found));
    case 'not_regex':
      return !list.some((v) => new RegExp(String(v), 'i').test(found));
    default: {
      const a = num(found);
      const b = num(list[0]);
      if (a === null || b === null) return false;
      return op === 'lt' ? a < b : op === 'le' ? a <= b : op === 'gt' ? a > b : a >= b;
    }
  }
}

export function describeExpected(op: Op, value: string | number | (string | number)[]): string {
  const v = Array.isArray(value) ? value.join(', ') : String(value);
  const words: Record<Op, string> = { eq: '', ne: 'not ', lt: '< ', le: '<= ', gt: '> ', ge: '>= ', in: 'one of ', not_in: 'none of ', regex: 'matching ', not_regex: 'not matching ' };
  return `${words[op]}${v}`;
}

// ---------------------------------------------------------------- sshd_config

export interface SshdEntry extends Found {
  key: string;
  /** the Match line this value is under, if any */
  match?: string;
}

const MAX_INCLUDE_DEPTH = 16;

/** All keyword lines of an sshd configuration in the order sshd reads them (Includes expanded). */
export async function readSshd(r: TargetReader, path = '/etc/ssh/sshd_config'): Promise<SshdEntry[] | null> {
  const out: SshdEntry[] = [];
  const seen: string[] = [];
  const read = async (p: string, match: string | undefined, depth: number): Promise<boolean> => {
    if (depth > MAX_INCLUDE_DEPTH) throw new CheckError({ path: p, message: `${p}: Include nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)` });
    const text = await r.text(p);
    if (text === null) return false;
    seen.push(p);
    let m = match;
    for (const { n, line } of lines(text)) {
      const t = line.replace(/#.*$/, '').trim();
      if (!t) continue;
      const k = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(t);
      const key = (k ? k[1] : t).toLowerCase();
      const value = k ? k[2].trim().replace(/^"(.*)"$/, '$1') : '';
      if (key === 'match') {
        m = value.toLowerCase() === 'all' ? undefined : value;
        continue;
      }
      if (key === 'include') {
        for (const g of value.split(/\s+/).filter(Boolean)) {
          const pattern = g.startsWith('/') ? g : `/etc/ssh/${g}`;
          for (const f of await r.glob(pattern)) await read(f, m, depth + 1);
        }
        continue;
      }
      out.push({ key, value, path: p, line: n, ...(m !== undefined ? { match: m } : {}) });
    }
    return true;
  };
  return (await read(abs(path), undefined, 0)) ? out : null;
}

/** the value sshd uses for a keyword outside any Match block: the first one */
export function sshdValue(entries: SshdEntry[], key: string): SshdEntry | undefined {
  const k = key.toLowerCase();
  return entries.find((e) => e.key === k && e.match === undefined);
}

// ---------------------------------------------------------------- sysctl.d / modprobe.d

const CONF_DIRS = (kind: 'sysctl.d' | 'modprobe.d') => [`/etc/${kind}`, `/run/${kind}`, `/usr/local/lib/${kind}`, `/usr/lib/${kind}`, `/lib/${kind}`];

/** the configuration files of sysctl.d or modprobe.d in the order they are applied */
export async function confFiles(r: TargetReader, kind: 'sysctl.d' | 'modprobe.d'): Promise<string[]> {
  const byName = new Map<string, string>();
  for (const dir of CONF_DIRS(kind)) {
    const ext = '.conf';
    for (const f of await r.glob(`${dir}/*${ext}`)) {
      const name = f.slice(f.lastIndexOf('/') + 1);
      if (!byName.has(name)) byName.set(name, f);
    }
  }
  const out = [...byName.keys()].sort().map((n) => byName.get(n)!);
  if (kind === 'sysctl.d') {
    // Debian links /etc/sysctl.d/99-sysctl.conf to ../sysctl.conf; otherwise sysctl.conf comes last
    const st = await r.stat('/etc/sysctl.conf');
    if (st) {
      const via = await Promise.all(out.map(async (f) => (await r.stat(f))?.path === 'etc/sysctl.conf'));
      if (!via.some(Boolean)) out.push('/etc/sysctl.conf');
    }
  }
  return out;
}

export const sysctlKey = (k: string): string => k.trim().replace(/\//g, '.');

/** every assignment of the sysctl configuration, in the order applied (the last one of a key wins) */
export async function readSysctl(r: TargetReader): Promise<SshdEntry[]> {
  const out: SshdEntry[] = [];
  for (const f of await confFiles(r, 'sysctl.d')) {
    const text = await r.text(f);
    if (text === null) continue;
    for (const { n, line } of lines(text)) {
      const t = line.trim();
      if (!t || t.startsWith('#') || t.startsWith(';')) continue;
      const m = /^-?\s*([^=\s]+)\s*=\s*(.*)$/.exec(t);
      if (!m) continue;
      out.push({ key: sysctlKey(m[1]), value: m[2].trim(), path: f, line: n });
    }
  }
  return out;
}

export interface ModprobeLine extends Found {
  directive: string;
  module: string;
}

const modName = (m: string): string => m.replace(/-/g, '_');

/** install / blacklist / options / alias lines of modprobe.d, in the order read */
export async function readModprobe(r: TargetReader): Promise<ModprobeLine[]> {
  const out: ModprobeLine[] = [];
  for (const f of await confFiles(r, 'modprobe.d')) {
    const text = await r.text(f);
    if (text === null) continue;
    // a line ending in a backslash continues on the next one
    for (const { n, line: t } of continuedLines(text)) {
      const m = /^(\S+)\s+(\S+)\s*(.*)$/.exec(t);
      if (!m) continue;
      out.push({ directive: m[1].toLowerCase(), module: modName(m[2]), value: m[3].trim(), path: f, line: n });
    }
  }
  return out;
}

export interface KmodState {
  install?: ModprobeLine;
  blacklist?: ModprobeLine;
  /** `install` runs a command that does nothing (the module is never loaded) */
  installDisabled: boolean;
}

/** how modprobe.d treats a module: its first `install` command (modprobe uses the first) and a `blacklist` */
export function kmodState(ls: ModprobeLine[], module: string): KmodState {
  const m = modName(module);
  const install = ls.find((l) => l.directive === 'install' && l.module === m);
  const blacklist = ls.find((l) => l.directive === 'blacklist' && l.module === m);
  const installDisabled = !!install && /^(\/usr)?\/bin\/(false|true)(\s|$)/.test(install.value);
  return { install, blacklist, installDisabled };
}

// ---------------------------------------------------------------- login.defs, key = value

/** `KEY value` or `key = value` lines; the last value of a key wins (keys compared case-sensitively for login.defs) */
export function parseKeyValue(text: string, path: string, caseInsensitive: boolean): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const { n, line } of lines(text)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([^=\s]+)\s*(?:=\s*|\s+)(.*)$/.exec(t) ?? /^([^=\s]+)\s*$/.exec(t);
    if (!m) continue;
    const key = caseInsensitive ? m[1].toLowerCase() : m[1];
    out.set(key, { value: (m[2] ?? '').replace(/\s+#.*$/, '').trim().replace(/^"(.*)"$/, '$1'), path, line: n });
  }
  return out;
}
