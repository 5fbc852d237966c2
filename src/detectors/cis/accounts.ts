/**
 * Accounts and groups: /etc/passwd, /etc/shadow, /etc/group (passwd(5), shadow(5), group(5)).
 * Parsers are pure; checks return the offending lines as evidence.
 */
import type { Evidence } from './schema.ts';
import { CheckError, lines, type TargetReader } from './fsutil.ts';
import { parseKeyValue } from './settings.ts';

export interface PasswdEntry { name: string; password: string; uid: number; gid: number; home: string; shell: string; line: number }
export interface ShadowEntry { name: string; password: string; line: number }
export interface GroupEntry { name: string; password: string; gid: number; members: string[]; line: number }

function rows(text: string, path: string, min: number): { f: string[]; n: number }[] {
  const out: { f: string[]; n: number }[] = [];
  for (const { n, line } of lines(text)) {
    if (!line.trim() || line.startsWith('#')) continue;
    // NIS compat lines (+ / -) are not local accounts
    if (/^[+-]/.test(line)) continue;
    const f = line.split(':');
    if (f.length < min) throw new CheckError({ path, line: n, found: line.slice(0, 200), message: `${path}:${n}: ${f.length} fields, expected ${min}` });
    out.push({ f, n });
  }
  return out;
}

const int = (s: string, path: string, n: number, what: string): number => {
  if (!/^\d+$/.test(s)) throw new CheckError({ path, line: n, found: s.slice(0, 50), message: `${path}:${n}: ${what} ${JSON.stringify(s.slice(0, 50))} is not a number` });
  return Number(s);
};

export function parsePasswd(text: string, path = '/etc/passwd'): PasswdEntry[] {
  return rows(text, path, 7).map(({ f, n }) => ({ name: f[0], password: f[1], uid: int(f[2], path, n, 'uid'), gid: int(f[3], path, n, 'gid'), home: f[5], shell: f[6], line: n }));
}
export function parseShadow(text: string, path = '/etc/shadow'): ShadowEntry[] {
  return rows(text, path, 2).map(({ f, n }) => ({ name: f[0], password: f[1], line: n }));
}
export function parseGroup(text: string, path = '/etc/group'): GroupEntry[] {
  return rows(text, path, 4).map(({ f, n }) => ({ name: f[0], password: f[1], gid: int(f[2], path, n, 'gid'), members: f[3].split(',').filter(Boolean), line: n }));
}

export interface Accounts { passwd: PasswdEntry[]; shadow: ShadowEntry[] | null; group: GroupEntry[]; uidMin: number }

export async function readAccounts(r: TargetReader): Promise<Accounts> {
  return r.once('accounts', async () => {
    const p = await r.text('/etc/passwd');
    if (p === null) throw new CheckError({ path: '/etc/passwd', message: '/etc/passwd: absent' });
    const s = await r.text('/etc/shadow');
    const g = await r.text('/etc/group');
    const defs = await r.text('/etc/login.defs');
    const uidMin = Number(defs ? parseKeyValue(defs, '/etc/login.defs', false).get('UID_MIN')?.value : NaN);
    return { passwd: parsePasswd(p), shadow: s === null ? null : parseShadow(s), group: g === null ? [] : parseGroup(g), uidMin: Number.isInteger(uidMin) ? uidMin : 1000 };
  });
}

const NO_LOGIN = /(^|\/)(nologin|false)$/;

function dups<T>(list: T[], key: (t: T) => string | number, path: string, line: (t: T) => number, what: string): Evidence[] {
  const seen = new Map<string | number, T>();
  const out: Evidence[] = [];
  for (const t of list) {
    const k = key(t);
    const first = seen.get(k);
    if (first) out.push({ path, line: line(t), found: String(k), message: `${what} ${k} also on line ${line(first)}` });
    else seen.set(k, t);
  }
  return out;
}

/**
 * One account check: the evidence of every violation (empty = PASS).
 * @throws CheckError when what it needs is missing or malformed
 */
export async function accountCheck(r: TargetReader, check: string): Promise<{ violations: Evidence[]; ok: string }> {
  const a = await readAccounts(r);
  const P = '/etc/passwd';
  switch (check) {
    case 'uid0_only_root':
      return { ok: 'only root has UID 0', violations: a.passwd.filter((u) => u.uid === 0 && u.name !== 'root').map((u) => ({ path: P, line: u.line, found: u.name, expected: 'root only', message: `${u.name} has UID 0` })) };
    case 'no_empty_passwords': {
      if (!a.shadow) throw new CheckError({ path: '/etc/shadow', message: '/etc/shadow: absent' });
      const v: Evidence[] = a.shadow.filter((s) => s.password === '').map((s) => ({ path: '/etc/shadow', line: s.line, found: s.name, expected: 'a password hash or a lock (!, *)', message: `${s.name} has an empty password field` }));
      v.push(...a.passwd.filter((u) => u.password === '').map((u) => ({ path: P, line: u.line, found: u.name, message: `${u.name} has an empty password field in /etc/passwd` })));
      return { ok: 'no account has an empty password field', violations: v };
    }
    case 'shadowed_passwords':
      return { ok: 'every account uses shadowed passwords', violations: a.passwd.filter((u) => u.password !== 'x').map((u) => ({ path: P, line: u.line, found: u.name, expected: 'x', message: `${u.name} does not use /etc/shadow for its password` })) };
    case 'unique_uids':
      return { ok: 'UIDs are unique', violations: dups(a.passwd, (u) => u.uid, P, (u) => u.line, 'UID') };
    case 'unique_user_names':
      return { ok: 'user names are unique', violations: dups(a.passwd, (u) => u.name, P, (u) => u.line, 'user name') };
    case 'unique_gids':
      return { ok: 'GIDs are unique', violations: dups(a.group, (g) => g.gid, '/etc/group', (g) => g.line, 'GID') };
    case 'unique_group_names':
      return { ok: 'group names are unique', violations: dups(a.group, (g) => g.name, '/etc/group', (g) => g.line, 'group name') };
    case 'groups_in_passwd_exist': {
      const gids = new Set(a.group.map((g) => g.gid));
      return { ok: "every account's group exists in /etc/group", violations: a.passwd.filter((u) => !gids.has(u.gid)).map((u) => ({ path: P, line: u.line, found: String(u.gid), message: `${u.name}'s group ${u.gid} is not in /etc/group` })) };
    }
    case 'root_gid_0': {
      const root = a.passwd.find((u) => u.name === 'root');
      if (!root) return { ok: '', violations: [{ path: P, message: 'no root account' }] };
      return { ok: "root's primary group is GID 0", violations: root.gid === 0 ? [] : [{ path: P, line: root.line, found: String(root.gid), expected: '0', message: "root's primary group is not GID 0" }] };
    }
    case 'system_accounts_no_shell': {
      const exempt = new Set(['root', 'sync', 'shutdown', 'halt']);
      return {
        ok: `accounts below UID ${a.uidMin} have no login shell`,
        violations: a.passwd.filter((u) => u.uid < a.uidMin && !exempt.has(u.name) && !NO_LOGIN.test(u.shell)).map((u) => ({ path: P, line: u.line, found: `${u.name}: ${u.shell}`, expected: 'nologin or false', message: `system account ${u.name} has the login shell ${u.shell}` })),
      };
    }
    case 'shadow_group_empty': {
      const g = a.group.find((x) => x.name === 'shadow');
      if (!g) return { ok: 'there is no shadow group', violations: [] };
      const v: Evidence[] = g.members.length ? [{ path: '/etc/group', line: g.line, found: g.members.join(','), expected: 'no members', message: 'the shadow group has members' }] : [];
      v.push(...a.passwd.filter((u) => u.gid === g.gid).map((u) => ({ path: P, line: u.line, found: u.name, message: `${u.name}'s primary group is shadow` })));
      return { ok: 'the shadow group has no members', violations: v };
    }
    case 'home_dirs_exist':
    case 'home_dirs_owned': {
      const users = a.passwd.filter((u) => (u.uid >= a.uidMin || u.name === 'root') && u.name !== 'nobody' && !NO_LOGIN.test(u.shell));
      const v: Evidence[] = [];
      for (const u of users) {
        const st = u.home ? await r.stat(u.home) : null;
        if (check === 'home_dirs_exist') {
          if (!st || st.kind !== 'dir') v.push({ path: u.home || P, found: u.name, message: `${u.name}'s home ${u.home || '(none)'} does not exist` });
        } else if (st && st.kind === 'dir') {
          if (st.uid !== undefined && st.uid !== u.uid) v.push({ path: u.home, found: `uid ${st.uid}`, expected: `uid ${u.uid}`, message: `${u.home} is not owned by ${u.name}` });
          if (st.mode !== undefined && st.mode & 0o027) v.push({ path: u.home, found: ((st.mode ?? 0) & 0o7777).toString(8).padStart(4, '0'), expected: '0750 or less', message: `${u.home} is writable by its group or readable by others` });
        }
      }
      return { ok: check === 'home_dirs_exist' ? 'interactive users have home directories' : 'home directories are owned by their users and not open to others', violations: v };
    }
    default:
      throw new CheckError({ message: `unknown account check ${check}` });
  }
}
