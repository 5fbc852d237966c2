/**
 * CIS assessments of SSH hosts (issue 18): `openSshCisHost` connects through the same `connect()`
 * as openSshHost (policy, host-key pinning, the same error rules), runs ONE fixed POSIX sh script
 * (a random nonce is the only thing put into it) and closes the connection before returning:
 *   - a tar WITHOUT -h, `--no-recursion`, of exactly the entries `find -xdev` lists under the
 *     configuration roots (CIS_CONTENT_ROOTS) and their parent directories: modes, owners, groups and
 *     symlink targets as on the host. Private keys (CIS_WITHHELD) and the binaries whose mode is
 *     checked (CIS_METADATA_ONLY) are never sent; their metadata comes from find's listing, as does
 *     that of files the login cannot read (the checks reading them are ERROR, never a failed run);
 *   - the running state: /proc/sys (`grep -r`), `systemctl list-units --all`, /proc/mounts,
 *     `auditctl -l` when root, and the whole-filesystem facts (`find / -xdev`, /proc /sys /dev
 *     pruned: world-writable files, world-writable directories without the sticky bit, -nouser,
 *     -nogroup; each list cut at MAX_FS_LISTED with its count).
 * Limits (files, bytes, time) become notes; what the host sends is hostile input (names through
 * vfs rules, only asked-for paths kept, symlinks resolved inside the snapshot only).
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import type { LiveFacts } from '../../detectors/cis/evaluate.ts';
import { VigilError } from '../../model/index.ts';
import { TargetPolicy } from '../../policy/index.ts';
import type { ScanFS } from '../types.ts';
import { ErrorLog, Tree, TreeFS, normalizeEntryName, type TreeNode } from '../vfs/index.ts';
import { DEFAULT_SSH_LIMITS, connect, put, refOf, runScript, validateTarget, type Collected, type SshLimits, type SshTarget, type TarWant } from './index.ts';
import { scriptSections } from './remote.ts';

export interface SshCisSnapshot {
  /** the files the CIS checks read, with mode/uid/gid/symlinks as on the host */
  fs: ScanFS;
  /** the host's running state: sysctl values, active units, /proc/mounts, auditctl -l, and the whole-filesystem facts */
  live: LiveFacts;
  hostname: string;
  machineId?: string;
  hostKeyFingerprint: string;
  hostKeyType: string;
  /** why a fact is missing (no root for shadow/auditctl, no systemctl, limits hit) */
  notes: string[];
  stats: { files: number; bytes: number; ms: number };
}

/**
 * Where the CIS checks read (relative to the root): configuration, package databases, vendor
 * sysctl/modprobe/systemd directories, root's shell files, grub, cron spools. A directory is sent
 * with everything under it on the same filesystem. `lib/…` and `usr/lib/…` are both named: the one
 * reached through a symlink (merged /usr) is skipped on the host, the symlink itself is sent.
 */
export const CIS_CONTENT_ROOTS: readonly string[] = [
  'etc',
  'var/lib/dpkg/status', 'var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite',
  'var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages', 'var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db',
  'usr/lib/os-release',
  'usr/lib/sysctl.d', 'lib/sysctl.d', 'usr/local/lib/sysctl.d', 'run/sysctl.d',
  'usr/lib/modprobe.d', 'lib/modprobe.d', 'usr/local/lib/modprobe.d', 'run/modprobe.d',
  'usr/lib/systemd/system', 'lib/systemd/system', 'usr/share/systemd', 'run/systemd/system',
  'root/.bashrc', 'root/.bash_profile', 'root/.profile',
  'boot/grub/grub.cfg',
  'var/spool/cron',
];

/** Files whose mode and owner are checked but whose bytes are not needed (binaries): listed, never sent. */
export const CIS_METADATA_ONLY: readonly string[] = [
  'usr/lib/systemd/systemd', 'lib/systemd/systemd',
  ...['auditctl', 'aureport', 'ausearch', 'autrace', 'auditd', 'augenrules'].flatMap((b) => [`sbin/${b}`, `usr/sbin/${b}`]),
];

/**
 * Private keys: their mode and owner ARE checked, their content must not leave the host. `glob` is
 * an sh `case` pattern (`*` crosses `/`), `re` the same set for what a host sends anyway.
 */
export const CIS_WITHHELD: readonly { glob: string; re: RegExp }[] = [
  { glob: 'etc/ssh/ssh_host_*_key', re: /^etc\/ssh\/ssh_host_.*_key$/ },
  { glob: 'etc/ssl/private/*', re: /^etc\/ssl\/private\/./ },
  { glob: 'etc/pki/tls/private/*', re: /^etc\/pki\/tls\/private\/./ },
  { glob: 'etc/letsencrypt/archive/*', re: /^etc\/letsencrypt\/archive\/./ },
  { glob: 'etc/letsencrypt/keys/*', re: /^etc\/letsencrypt\/keys\/./ },
];

/** Each whole-filesystem list (world-writable files, …) holds at most this many paths; the count is kept. */
export const MAX_FS_LISTED = 1000;

/** Every directory above a root ("var", "var/lib", …, "lib", "sbin"), parents first. */
export const CIS_ANCESTORS: readonly string[] = [...new Set([...CIS_CONTENT_ROOTS, ...CIS_METADATA_ONLY].flatMap((p) => {
  const parts = p.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}))].filter((a) => !CIS_CONTENT_ROOTS.includes(a)).sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));

const ANCESTOR_SET = new Set(CIS_ANCESTORS);
const META_SET = new Set(CIS_METADATA_ONLY);

/** Whether a path (relative, normalised) is one the CIS snapshot asks about (metadata or content). */
export function isCisPath(path: string): boolean {
  return ANCESTOR_SET.has(path) || META_SET.has(path) || CIS_CONTENT_ROOTS.some((r) => path === r || path.startsWith(`${r}/`));
}

/** Whether a path's content is withheld (a private key, or a binary only its metadata is read of). */
export function isCisWithheld(path: string): boolean {
  return META_SET.has(path) || CIS_WITHHELD.some((w) => w.re.test(path));
}

/** The script. Numbers only go in (checked); no target or user text. */
export function cisScript(nonce: string, o: { maxEntries: number; maxFileBytes: number; seconds: number; maxListed: number }): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  for (const [k, v] of Object.entries(o)) if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${k} must be a positive integer`);
  const withheld = [...CIS_WITHHELD.map((w) => w.glob), ...CIS_METADATA_ONLY].join('|');
  const fmt = `'%y %m %U %G %s %p\\n'`;
  return `N=${nonce}
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
set -f
cd / || exit 90
m begin
U=$(id -u 2>/dev/null)
m "who $U"
m uname
uname -n >&2
T=
if command -v timeout >/dev/null 2>&1; then T="timeout ${o.seconds}"; fi
NL='
'
phys() {
  case $1 in
    */*) d=\${1%/*}; [ "$(cd "/$d" 2>/dev/null && pwd -P)" = "/$d" ] ;;
    *) return 0 ;;
  esac
}
A=
for p in ${CIS_ANCESTORS.join(' ')}; do
  if { [ -e "$p" ] || [ -h "$p" ]; } && phys "$p"; then A="$A $p"; fi
done
R=
for p in ${[...CIS_CONTENT_ROOTS, ...CIS_METADATA_ONLY].join(' ')}; do
  if { [ -e "$p" ] || [ -h "$p" ]; } && phys "$p"; then R="$R $p"; fi
done
if command -v find >/dev/null 2>&1 && command -v tar >/dev/null 2>&1; then
  # GNU tar unquotes backslashes in -T names by default: names are taken as they are
  TO=
  if tar --version 2>/dev/null | grep -q GNU; then TO=--no-unquote; fi
  m meta
  printf '@@%s tar\\n' "$N"
  {
    if [ -n "$A" ]; then $T find $A -maxdepth 0 -printf ${fmt}; fi
    if [ -n "$R" ]; then $T find $R -xdev \\( -name "*$NL*" -printf 'B\\n' -prune \\) -o -printf ${fmt}; echo "E $?"; else echo "E 0"; fi
  } 2>/dev/null | {
    i=0
    while IFS= read -r l; do
      case $l in
        "E "*|B) printf '%s\\n' "$l" >&2; continue ;;
      esac
      i=$((i+1))
      if [ "$i" -gt ${o.maxEntries} ]; then printf 'T\\n' >&2; break; fi
      printf 'M %s\\n' "$l" >&2
      p=\${l#* * * * * }
      case $l in
        "f "*)
          set -- $l
          case $p in
            ${withheld}) ;;
            *) if [ "$5" -le ${o.maxFileBytes} ] && [ -r "$p" ]; then printf '%s\\n' "$p"; fi ;;
          esac ;;
        "d "*)
          if [ ! -r "$p" ] || [ ! -x "$p" ]; then printf 'X %s\\n' "$p" >&2; fi
          printf '%s\\n' "$p" ;;
        "l "*) printf '%s\\n' "$p" ;;
      esac
    done
  } | $T tar --no-recursion $TO -cf - -T - 2>/dev/null
  m "exit $?"
else
  m missing
fi
m fswalk
if command -v find >/dev/null 2>&1 && command -v awk >/dev/null 2>&1; then
  { $T find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o \\( -name "*$NL*" -printf 'B\\n' -prune \\) -o \\( \\( -type f -perm -0002 -printf 'W %p\\n' -o -true \\) \\( -type d -perm -0002 ! -perm -1000 -printf 'D %p\\n' -o -true \\) \\( -nouser -printf 'U %p\\n' -o -true \\) \\( -nogroup -printf 'G %p\\n' -o -true \\) \\) 2>/dev/null; echo "E $?"; } | awk -v K=${o.maxListed} '$1 == "E" { print; next } { n[$1]++; if (n[$1] <= K) print } END { for (k in n) print "N", k, n[k] }' >&2
else
  m noawk
fi
if [ -d /proc/sys/kernel ]; then
  m sysctl
  $T grep -rs '' /proc/sys >&2
fi
if [ -r /proc/mounts ]; then
  m mounts
  cat /proc/mounts >&2
fi
if [ -d /run/systemd/system ]; then m pid1; fi
if command -v systemctl >/dev/null 2>&1; then
  m units
  $T systemctl list-units --all --plain --no-legend --no-pager 2>/dev/null >&2
  m "unitsexit $?"
else
  m nosystemctl
fi
if [ "$U" = 0 ]; then
  a=
  for b in "$(command -v auditctl 2>/dev/null)" /usr/sbin/auditctl /sbin/auditctl; do
    case "$b" in /*) if [ -x "$b" ]; then a=$b; break; fi ;; esac
  done
  if [ -n "$a" ]; then
    m audit
    $T "$a" -l 2>/dev/null >&2
    m "auditexit $?"
  else
    m noauditctl
  fi
fi
m end
`;
}

export interface CisScriptOutput {
  ran: boolean;
  complete: boolean;
  uid?: number;
  unameN?: string;
  /** find and tar exist */
  tools: boolean;
  /** find's listing: type, mode, ids, size, path (as the host wrote it) */
  meta: { type: string; mode: number; uid: number; gid: number; size: number; path: string }[];
  /** find's exit, the listing was cut at maxEntries, names with a newline skipped, directories the login cannot list */
  metaExit?: number;
  tooMany: boolean;
  newlineNames: number;
  unlistable: string[];
  tarExit?: number;
  walk?: { lists: Record<'W' | 'D' | 'U' | 'G', string[]>; counts: Record<string, number>; exit?: number; newlineNames: number };
  noAwk: boolean;
  sysctl?: string;
  mounts?: string;
  pid1: boolean;
  units?: { text: string; exit?: number };
  noSystemctl: boolean;
  audit?: { text: string; exit?: number };
  noAuditctl: boolean;
}

const META_LINE = /^M ([fdlpscD]) ([0-7]{1,5}) (\d{1,10}) (\d{1,10}) (\d{1,20}) (.+)$/;

/** Splits the script's stderr into its sections (text before the first marker is rc-file noise). */
export function parseCisOutput(stderr: string, nonce: string): CisScriptOutput {
  const out: CisScriptOutput = { ran: false, complete: false, tools: true, meta: [], tooMany: false, newlineNames: 0, unlistable: [], noAwk: false, pid1: false, noSystemctl: false, noAuditctl: false };
  const code = (s: string | undefined) => (s !== undefined && /^\d{1,3}$/.test(s) ? Number(s) : undefined);
  for (const { name, body } of scriptSections(stderr, nonce)) {
    if (name === 'begin') out.ran = true;
    else if (name === 'end') out.complete = true;
    else if (name.startsWith('who ')) {
      if (/^\d{1,10}$/.test(name.slice(4))) out.uid = Number(name.slice(4));
    } else if (name === 'uname') out.unameN = body.split('\n')[0]?.trim() || undefined;
    else if (name === 'missing') out.tools = false;
    else if (name === 'meta') {
      for (const l of body.split('\n')) {
        const m = META_LINE.exec(l);
        if (m) out.meta.push({ type: m[1], mode: parseInt(m[2], 8), uid: Number(m[3]), gid: Number(m[4]), size: Number(m[5]), path: m[6] });
        else if (l === 'T') out.tooMany = true;
        else if (l === 'B') out.newlineNames++;
        else if (l.startsWith('E ')) out.metaExit = code(l.slice(2));
        else if (l.startsWith('X ') && out.unlistable.length < 100) out.unlistable.push(l.slice(2));
      }
    } else if (name.startsWith('exit ')) out.tarExit = code(name.slice(5));
    else if (name === 'fswalk') {
      const w: NonNullable<CisScriptOutput['walk']> = { lists: { W: [], D: [], U: [], G: [] }, counts: {}, newlineNames: 0 };
      for (const l of body.split('\n')) {
        const k = l.slice(0, 1);
        if ((k === 'W' || k === 'D' || k === 'U' || k === 'G') && l.startsWith(`${k} /`)) w.lists[k].push(l.slice(2));
        else if (l.startsWith('E ')) w.exit = code(l.slice(2));
        else if (l.startsWith('N ')) {
          const [, cat, n] = l.split(' ');
          if (/^\d{1,12}$/.test(n ?? '')) w.counts[cat] = Number(n);
        }
      }
      w.newlineNames = w.counts.B ?? 0;
      out.walk = w;
    } else if (name === 'noawk') out.noAwk = true;
    else if (name === 'sysctl') out.sysctl = body;
    else if (name === 'mounts') out.mounts = body;
    else if (name === 'pid1') out.pid1 = true;
    else if (name === 'units') out.units = { text: body };
    else if (name.startsWith('unitsexit ')) {
      if (out.units) out.units.exit = code(name.slice(10));
    } else if (name === 'nosystemctl') out.noSystemctl = true;
    else if (name === 'audit') out.audit = { text: body };
    else if (name.startsWith('auditexit ')) {
      if (out.audit) out.audit.exit = code(name.slice(10));
    } else if (name === 'noauditctl') out.noAuditctl = true;
  }
  return out;
}

/** `grep -r '' /proc/sys` lines → value by path under /proc/sys ("net/ipv4/ip_forward"); multi-line values joined by a space. */
export function parseProcSys(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.split('\n')) {
    if (!l.startsWith('/proc/sys/')) continue;
    const i = l.indexOf(':');
    if (i < 0) continue;
    const key = l.slice(10, i);
    const v = l.slice(i + 1);
    const prev = out.get(key);
    out.set(key, prev === undefined ? v : `${prev} ${v}`);
  }
  for (const [k, v] of out) out.set(k, v.trim().replace(/\s+/g, ' '));
  return out;
}

/** `systemctl list-units --all --plain --no-legend` → whether each unit is active. */
export function parseUnits(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const l of text.split('\n')) {
    // a failed unit may carry a bullet before its name
    const f = l.replace(/^[^\w@.:\\-]+/, '').trim().split(/\s+/);
    if (f.length < 4 || !/^[\w@.:\\-]+\.[a-z]+$/.test(f[0])) continue;
    out.set(f[0], ['active', 'activating', 'reloading', 'refreshing'].includes(f[2]));
  }
  return out;
}

/**
 * Connects, collects what the CIS checks read and the host's running state, disconnects.
 * @throws VigilError as openSshHost (ssh-target, host-key-fingerprint, private-key, unreachable,
 *   host-key-mismatch, handshake-failed, auth-failed, connection-lost, too-much-output), and
 *   VIGIL_NETWORK "no-shell" (an SFTP-only account: CIS over SSH needs a shell with find and tar),
 *   "remote-command" (no find/tar, or a find without -printf), "timeout" (nothing usable arrived in time)
 */
export async function openSshCisHost(target: SshTarget, opts: { policy?: TargetPolicy; limits?: Partial<SshLimits> } = {}): Promise<SshCisSnapshot> {
  const limits: SshLimits = { ...DEFAULT_SSH_LIMITS, ...opts.limits };
  validateTarget(target);
  const ref = refOf(target);
  const started = performance.now();
  const { conn, fingerprint, keyType } = await connect(target, ref, opts.policy ?? TargetPolicy.operator());
  try {
    const lost = new Promise<never>((_, reject) => {
      conn.on('error', (err: Error) => reject(new VigilError('VIGIL_NETWORK', `${ref}: connection lost: ${err.message}`, { input: ref, rule: 'connection-lost', cause: err })));
      conn.on('close', () => reject(new VigilError('VIGIL_NETWORK', `${ref}: the host closed the connection during the snapshot`, { input: ref, rule: 'connection-lost' })));
    });
    lost.catch(() => undefined);
    const remaining = Math.max(1, limits.timeoutMs - (performance.now() - started));
    const snap = await Promise.race([collect(ref, target, limits, remaining, (script, nonce, c, want, onChannel) => runScript(conn, ref, script, nonce, c, limits, want, onChannel)), lost]);
    return { ...snap, hostKeyFingerprint: fingerprint, hostKeyType: keyType, stats: { ...snap.stats, ms: Math.round(performance.now() - started) } };
  } finally {
    conn.removeAllListeners('close');
    conn.removeAllListeners('error');
    conn.on('error', () => undefined);
    conn.end();
  }
}

type Runner = (script: string, nonce: string, c: Collected, want: TarWant, onChannel: (ch: ClientChannel) => void) => Promise<{ stderr: string; code: number | null }>;

async function collect(ref: string, target: SshTarget, limits: SshLimits, budgetMs: number, run: Runner): Promise<Omit<SshCisSnapshot, 'hostKeyFingerprint' | 'hostKeyType'>> {
  const c: Collected = { tree: new Tree(), log: new ErrorLog(), files: 0, bytes: 0 };
  const nonce = randomBytes(12).toString('hex');
  // the host's own timeout(1) bounds each walk and the tar to 40% of the time left; the client stops at all of it
  const seconds = Math.max(1, Math.floor((budgetMs * 0.4) / 1000));
  const want: TarWant = {
    label: '(tar)',
    what: '',
    wanted: (p) => isCisPath(p) && !isCisWithheld(p),
    maxEntries: limits.maxEntries,
    maxFileBytes: limits.maxFileBytes,
    maxWireBytes: limits.maxTotalBytes,
    links: 'keep',
    skipPresent: false,
    held: { files: 0, bytes: 0 },
    keepMeta: true,
  };
  const script = cisScript(nonce, { maxEntries: limits.maxEntries, maxFileBytes: Math.min(limits.maxFileBytes, Number.MAX_SAFE_INTEGER), seconds, maxListed: MAX_FS_LISTED });
  const notes: string[] = [];
  let channel: ClientChannel | undefined;
  const errCopy: Buffer[] = [];
  let errBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const late = new Promise<{ stderr: string; code: null }>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      want.abandoned = true;
      channel?.close();
      resolve({ stderr: Buffer.concat(errCopy).toString('utf8'), code: null });
    }, budgetMs);
  });
  let r: { stderr: string; code: number | null };
  const running = run(script, nonce, c, want, (ch) => {
    channel = ch;
    ch.stderr.on('data', (d: Buffer) => {
      errBytes += d.length;
      if (errBytes <= limits.maxTextBytes) errCopy.push(d);
    });
  });
  // past the time limit nobody waits for it: a late failure must not be an unhandled rejection
  running.catch(() => undefined);
  try {
    r = await Promise.race([running, late]);
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw new VigilError('VIGIL_NETWORK', `${ref}: no shell on the host (${(err as Error).message}); a CIS assessment over SSH runs find and tar there, an SFTP-only account cannot be assessed`, { input: ref, rule: 'no-shell', cause: err });
  } finally {
    clearTimeout(timer);
  }
  const out = parseCisOutput(r.stderr, nonce);
  if (!out.ran) {
    if (timedOut) throw new VigilError('VIGIL_NETWORK', `${ref}: the host did not answer within ${Math.round(budgetMs)} ms`, { input: ref, rule: 'timeout' });
    throw new VigilError('VIGIL_NETWORK', `${ref}: no shell on the host (the assessment script did not run, exit ${r.code ?? 'none'}); a CIS assessment over SSH runs find and tar there, an SFTP-only account cannot be assessed`, { input: ref, rule: 'no-shell' });
  }
  if (!out.tools) throw new VigilError('VIGIL_NETWORK', `${ref}: the host has no find or no tar; a CIS assessment over SSH needs both`, { input: ref, rule: 'remote-command' });
  if (out.meta.length === 0 && out.metaExit !== undefined && out.metaExit !== 0 && out.metaExit !== 124) {
    throw new VigilError('VIGIL_NETWORK', `${ref}: the host's find listed nothing (exit ${out.metaExit}); a CIS assessment over SSH needs GNU find (-printf)`, { input: ref, rule: 'remote-command' });
  }
  if (timedOut) notes.push(`the host did not finish within ${Math.round(budgetMs)} ms (timeoutMs); what arrived is used, the rest is missing`);

  const root = out.uid === 0;
  if (out.uid !== undefined && !root) notes.push(`the login is not root (uid ${out.uid}): files it cannot read (such as /etc/shadow) are listed without content and the checks that read them are ERROR; directories it cannot enter are not listed; auditctl -l is not run`);
  if (out.tooMany) notes.push(`more than ${limits.maxEntries} entries under the configuration directories (maxEntries); the rest not read`);
  if (out.newlineNames) notes.push(`${out.newlineNames} name(s) with a newline under the configuration directories skipped`);
  if (out.metaExit === 124 || out.tarExit === 124) notes.push(`the host's ${out.metaExit === 124 ? 'find' : 'tar'} ran out of its ${seconds} s; files after the cut are missing`);
  else if (out.tarExit === undefined && !timedOut) notes.push('the tar stream did not finish; files after the cut are missing');
  else if (out.tarExit !== undefined && out.tarExit > 1) notes.push(`tar exited ${out.tarExit} on the host; some files may be missing`);
  if (out.unlistable.length) notes.push(`directories the login cannot list (their files are not judged): ${out.unlistable.slice(0, 10).map((p) => `/${p}`).join(', ')}${out.unlistable.length > 10 ? ', …' : ''}`);
  for (const e of c.log.list) if (e.path === '(tar)') notes.push(e.message);

  // what find listed and the tar did not bring: withheld content, binaries, unreadable or too large files
  let unreadable = 0;
  for (const m of out.meta) {
    const n = normalizeEntryName(m.path);
    if (!n.ok) {
      c.log.add(m.path, 'path-traversal', `${ref}: listed entry ${JSON.stringify(m.path)} refused (${n.reason})`);
      continue;
    }
    const p = n.path;
    if (p === '' || c.tree.lookup(p)) continue;
    if (!isCisPath(p)) {
      c.log.add(p, 'unexpected-entry', `${ref}: the host listed ${p}, which was not asked for; ignored`);
      continue;
    }
    const base = { mode: m.mode & 0o7777, uid: m.uid, gid: m.gid, layerIndex: 0 };
    if (m.type === 'd') {
      await put(c, p, { kind: 'dir', size: 0, ...base, mode: 0o40000 | base.mode, children: new Map() });
      continue;
    }
    if (m.type !== 'f') continue;
    const node: TreeNode = { kind: 'file', size: m.size, ...base, mode: 0o100000 | base.mode };
    if (isCisWithheld(p)) {
      node.refused = { code: 'VIGIL_FORBIDDEN', rule: 'not-transferred', message: CIS_WITHHELD.some((w) => w.re.test(p)) ? 'a private key: only its mode and owner are read, its content never leaves the host' : 'only its mode and owner are read' };
    } else if (m.size > limits.maxFileBytes) {
      node.refused = { code: 'VIGIL_LIMIT_EXCEEDED', rule: 'file-too-large', message: `${m.size} bytes is over the ${limits.maxFileBytes}-byte file limit; not sent` };
      c.log.add(p, 'file-too-large', `${p}: ${m.size} bytes, over the ${limits.maxFileBytes}-byte limit; listed, not read`);
    } else if (!root && out.uid !== undefined) {
      unreadable++;
      node.refused = { code: 'VIGIL_FORBIDDEN', rule: 'permission-denied', message: `not readable by the login (uid ${out.uid}); a root login reads it` };
      c.log.add(p, 'permission-denied', `${p}: not readable by the login (uid ${out.uid})`);
    } else {
      node.refused = { code: 'VIGIL_FORBIDDEN', rule: 'remote-read-error', message: 'listed by the host but not received (changed while read, or the transfer stopped)' };
      c.log.add(p, 'remote-read-error', `${p}: listed by the host but not received`);
    }
    await put(c, p, node);
  }
  if (unreadable) notes.push(`${unreadable} file(s) not readable by the login`);

  const filesystem = walkFacts(out, notes, root);
  const sysctl = out.sysctl !== undefined ? parseProcSys(out.sysctl) : undefined;
  if (!sysctl) notes.push('no /proc/sys on the host (a chroot or a container without /proc): running kernel parameters unknown');
  if (out.mounts === undefined) notes.push('/proc/mounts not readable on the host: mounts judged from /etc/fstab');
  let units: Map<string, boolean> | undefined;
  if (out.noSystemctl) notes.push('no systemctl on the host: running services unknown');
  else if (out.units && out.units.exit === 0) units = parseUnits(out.units.text);
  else if (out.units) notes.push(`systemctl list-units failed (exit ${out.units.exit ?? 'none'}${out.pid1 ? '' : '; systemd is not PID 1'}): running services unknown`);
  let auditRules: string | undefined;
  if (out.audit && out.audit.exit === 0) auditRules = out.audit.text.slice(0, 4 * 1024 * 1024);
  else if (out.audit) notes.push(`auditctl -l failed (exit ${out.audit.exit ?? 'none'}): audit rules judged from /etc/audit/rules.d`);
  else if (root && out.noAuditctl) notes.push('no auditctl on the host: audit rules judged from /etc/audit/rules.d');
  else if (!root) notes.push('auditctl -l needs root: audit rules judged from /etc/audit/rules.d');

  const live: LiveFacts = {
    async sysctl(key) {
      if (!sysctl || !/^[\w.-]+$/.test(key)) return null;
      return sysctl.get(key.replace(/\./g, '/')) ?? null;
    },
    async serviceActive(unit) {
      if (!units) return null;
      // a unit systemd does not list is not loaded, so not running
      return units.get(unit) ?? (out.pid1 ? false : null);
    },
    filesystem,
    ...(out.mounts !== undefined ? { mounts: out.mounts } : {}),
    ...(auditRules !== undefined ? { auditRules } : {}),
  };
  const fs = new TreeFS(c.tree, { kind: 'ssh', ref }, c.log, limits, async () => undefined);
  const mid = c.tree.lookup('etc/machine-id');
  const midText = mid?.kind === 'file' && mid.content?.where === 'memory' ? mid.content.data.toString('utf8').trim() : undefined;
  const snap: Omit<SshCisSnapshot, 'hostKeyFingerprint' | 'hostKeyType'> = { fs, live, hostname: out.unameN || target.host, notes, stats: { files: c.files, bytes: c.bytes, ms: 0 } };
  if (midText && /^[0-9a-f]{32}$/.test(midText)) snap.machineId = midText;
  return snap;
}

function walkFacts(out: CisScriptOutput, notes: string[], root: boolean): NonNullable<LiveFacts['filesystem']> {
  const empty = { worldWritable: [], worldWritableDirsNoSticky: [], unowned: [], ungrouped: [] };
  if (out.noAwk) {
    notes.push('no find or awk on the host: the whole-filesystem checks are not judged');
    return { ...empty, unknown: 'the host has no find or awk' };
  }
  const w = out.walk;
  if (!w || w.exit === undefined) {
    notes.push('the whole-filesystem walk did not finish: those checks are not judged');
    return { ...empty, unknown: 'the walk did not finish' };
  }
  const counts = { worldWritable: w.counts.W ?? 0, worldWritableDirsNoSticky: w.counts.D ?? 0, unowned: w.counts.U ?? 0, ungrouped: w.counts.G ?? 0 };
  const r: NonNullable<LiveFacts['filesystem']> = { worldWritable: w.lists.W, worldWritableDirsNoSticky: w.lists.D, unowned: w.lists.U, ungrouped: w.lists.G, counts };
  const cut = Object.entries(counts).filter(([k, n]) => n > r[k as keyof typeof counts].length);
  if (cut.length) r.truncated = true;
  if (cut.length) notes.push(`whole-filesystem lists cut at ${MAX_FS_LISTED} paths: ${cut.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (w.exit === 124) {
    r.truncated = true;
    notes.push('the whole-filesystem walk ran out of its time on the host; what it found so far is used');
  } else if (w.exit !== 0 && !root) notes.push('the whole-filesystem walk could not enter some directories (not root); files there are not judged');
  if (w.newlineNames) notes.push(`${w.newlineNames} name(s) with a newline not judged by the whole-filesystem walk`);
  return r;
}
