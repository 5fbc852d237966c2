/**
 * What is read from a host and the POSIX sh script that reads it. The script is fixed text (plus
 * a random nonce): nothing from the target or the user is ever put into it, so there is no remote
 * quoting to get wrong. It runs as `sh -s` with the script on stdin, which works whatever the
 * login shell is (bash, dash, busybox ash, zsh, even csh), and:
 *   - on stderr, sections framed by `\n@@<nonce> <name>\n` lines: uname -n / -m, the four
 *     /proc/net tables, the uid, the firewall (`nft -j list ruleset`, `iptables-save`,
 *     `ip6tables-save`, each cut at 4 MiB + 1 byte by `head -c`, with its exit status), the owners
 *     of listening sockets (root only: `ls -l /proc/<pid>/fd` of the first 4096 pids, filtered by
 *     awk to listening inodes, with /proc/<pid>/comm), the instance-id files, the rpm databases that
 *     are only listed, then tar's own messages and exit code;
 *   - on stdout, `@@<nonce> tar\n` followed by ONE tar stream (`tar -chf - -T -`, names on stdin)
 *     of the wanted files that exist. Bytes before the marker (a chatty shell rc file) are skipped.
 * `-h` archives what a symlink points to, as the host itself resolves it; `-T -` keeps the command
 * line short with thousands of dpkg lists and is understood by GNU tar, busybox tar and bsdtar.
 */
import { FIREWALL_MAX_BYTES, INSTANCE_ID_FILES, MAX_PIDS_SCANNED, type FirewallName, type FirewallRun } from './hostnet.ts';

/** Single files, relative to the root. Release files: src/extractors/os/release OS_RELEASE_PATHS. */
export const HOST_FILES: readonly string[] = [
  'etc/os-release',
  'usr/lib/os-release',
  'etc/lsb-release',
  'etc/alpine-release',
  'etc/debian_version',
  'etc/almalinux-release',
  'etc/rocky-release',
  'etc/centos-release',
  'etc/redhat-release',
  'etc/system-release',
  'etc/hostname',
  'etc/machine-id',
  // dpkg (src/extractors/os/dpkg), apk (os/apk), rpm in SQLite form (os/rpm)
  'var/lib/dpkg/status',
  'lib/apk/db/installed',
  'var/lib/rpm/rpmdb.sqlite',
  'usr/lib/sysimage/rpm/rpmdb.sqlite',
];

/** Directories whose matching files are read: distroless dpkg status.d, dpkg's per-package file lists (ownership, src/inventory). */
export const HOST_DIRS: readonly { dir: string; glob: string; match: RegExp }[] = [
  { dir: 'var/lib/dpkg/status.d', glob: '*', match: /^[^/.][^/]*$/ },
  { dir: 'var/lib/dpkg/info', glob: '*.list', match: /^[^/.][^/]*\.list$/ },
];

/**
 * rpm databases the rpm extractor recognises but cannot read (BerkeleyDB, NDB): they are listed
 * with their size and never transferred (they run to hundreds of MB); the extractor reports them.
 */
export const LISTED_ONLY: readonly string[] = ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages', 'var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db'];

const FILE_SET = new Set(HOST_FILES);

/**
 * awk over `ls -l /proc/<pid>/fd …` output: the listening inodes come from the socket tables
 * (TCP state 0A, UDP state 07), and each `socket:[inode]` link of one of them prints
 * `<pid> <inode> <comm>`. No single quotes in here (it sits inside '…' in the script).
 */
const OWNERS_AWK = String.raw`BEGIN {
  split("tcp tcp6 udp udp6", T, " ")
  for (i = 1; i <= 4; i++) {
    f = "/proc/net/" T[i]
    while ((getline line < f) > 0) {
      n = split(line, a, " ")
      if (n >= 10 && ((i <= 2 && a[4] == "0A") || (i > 2 && a[4] == "07"))) L[a[10]] = 1
    }
    close(f)
  }
}
/^\/proc\/[0-9]+\/fd:$/ { p = $0; sub(/^\/proc\//, "", p); sub(/\/fd:$/, "", p); next }
p != "" && $NF ~ /^socket:\[[0-9]+\]$/ {
  s = $NF; gsub(/[^0-9]/, "", s)
  if (!(s in L)) next
  if (!(p in C)) { c = ""; f = "/proc/" p "/comm"; getline c < f; close(f); C[p] = c }
  print p, s, C[p]
  if (++k >= 65536) exit
}`;
const SKIP_IN_STATUS_D = /\.(md5sums|dpkg-[a-z]+)$|~$/;

/** Whether a path (relative, normalised) is one this source asked for; anything else a host sends is refused. */
export function isWantedPath(path: string): boolean {
  if (FILE_SET.has(path)) return true;
  for (const { dir, match } of HOST_DIRS) {
    if (path.startsWith(dir + '/') && match.test(path.slice(dir.length + 1))) {
      return !(dir === 'var/lib/dpkg/status.d' && SKIP_IN_STATUS_D.test(path));
    }
  }
  return false;
}

/** The snapshot script. `mode` "tar" streams the files; "list" only names them (for the SFTP path). */
export function snapshotScript(nonce: string, mode: 'tar' | 'list'): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  const globs = HOST_DIRS.map((d) => `${d.dir}/${d.glob}`).join(' ');
  return `N=${nonce}
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
cd / || exit 90
m begin
m uname
uname -n >&2
uname -m >&2
for f in tcp tcp6 udp udp6; do
  if [ -r "/proc/net/$f" ]; then m "net $f"; cat "/proc/net/$f" >&2; fi
done
U=$(id -u 2>/dev/null)
SUDO=
if [ "$U" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then SUDO="sudo -n"; fi
T=
if command -v timeout >/dev/null 2>&1; then T="timeout 60"; fi
m "who $U $SUDO"
fwbin() {
  for b in "$(command -v "$1" 2>/dev/null)" "/usr/sbin/$1" "/sbin/$1" "/usr/local/sbin/$1" "/usr/bin/$1" "/bin/$1"; do
    case "$b" in /*) if [ -f "$b" ] && [ -x "$b" ]; then printf '%s' "$b"; return 0; fi ;; esac
  done
  return 1
}
fw() {
  name=$1; shift
  b=$(fwbin "$1") || { m "fwmissing $name"; return; }
  shift
  if ! command -v head >/dev/null 2>&1; then m "fwnohead $name"; return; fi
  m "fw $name"
  rc=$( { { $T $SUDO "$b" "$@" 2>/dev/null </dev/null; echo "$?" >&3; } | head -c ${FIREWALL_MAX_BYTES + 1} >&2; } 3>&1 )
  m "fwexit $name $rc"
}
fw nft nft -j list ruleset
fw iptables iptables-save
fw ip6tables ip6tables-save
if [ "$U" = 0 ] && command -v awk >/dev/null 2>&1 && command -v xargs >/dev/null 2>&1 && command -v head >/dev/null 2>&1; then
  set -- /proc/[0-9]*
  m "procs $#"
  printf '%s/fd\\n' "$@" | head -n ${MAX_PIDS_SCANNED} | LC_ALL=C xargs ls -l /dev/null 2>/dev/null | awk '${OWNERS_AWK}' >&2
  set --
fi
if [ -r ${INSTANCE_ID_FILES[0]} ]; then m dmi; head -c 256 ${INSTANCE_ID_FILES[0]} >&2; fi
if [ -r ${INSTANCE_ID_FILES[1]} ]; then m cloudid; head -c 256 ${INSTANCE_ID_FILES[1]} >&2; fi
m listed
for p in ${LISTED_ONLY.join(' ')}; do
  if [ -f "$p" ]; then ls -lLdn "$p" >&2; fi
done
files() {
  for p in ${HOST_FILES.join(' ')} ${globs}; do
    case "$p" in var/lib/dpkg/status.d/*.md5sums|*~|*.dpkg-*) continue ;; esac
    if [ -f "$p" ] && [ -r "$p" ]; then printf '%s\\n' "$p"; fi
  done
}
if [ ${mode === 'tar' ? 'tar' : 'list'} = tar ] && command -v tar >/dev/null 2>&1; then
  m tar
  printf '@@%s tar\\n' "$N"
  files | tar -chf - -T -
  m "exit $?"
else
  m files
  files >&2
fi
m end
`;
}

export interface ScriptOutput {
  /** whether the script ran at all (its first marker was seen) */
  ran: boolean;
  /** whether it got to the end */
  complete: boolean;
  unameN?: string;
  unameM?: string;
  /** /proc/net tables that were readable, by name ("tcp", "tcp6", ...) */
  net: Map<string, string>;
  /** listed-only files with their sizes */
  listed: { path: string; size: number }[];
  /** tar mode: whether tar was run, its messages and exit code */
  tar?: { messages: string; exit?: number };
  /** list mode (or no tar on the host): the files that exist */
  files?: string[];
  /** `id -u` and whether passwordless sudo was used */
  who?: { uid?: number; sudo: boolean };
  /** the firewall commands as they went */
  firewall: FirewallRun[];
  /** root only: how many /proc/<pid> there were, and the `pid inode comm` lines of listening sockets */
  procs?: { pids: number; lines: string };
  /** raw content of the instance id files (at most 256 bytes each) */
  dmiAssetTag?: string;
  cloudInstanceId?: string;
}

/** Splits the script's stderr into its sections. Text before the first marker (rc-file noise) is ignored. */
export function parseScriptOutput(stderr: string, nonce: string): ScriptOutput {
  const out: ScriptOutput = { ran: false, complete: false, net: new Map(), listed: [], firewall: [] };
  const fwRun = (n: string): FirewallRun | undefined => {
    if (n !== 'nft' && n !== 'iptables' && n !== 'ip6tables') return undefined;
    let r = out.firewall.find((x) => x.name === n);
    if (!r) out.firewall.push((r = { name: n as FirewallName }));
    return r;
  };
  const marker = `\n@@${nonce} `;
  const parts = ('\n' + stderr).split(marker);
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    const name = nl < 0 ? part : part.slice(0, nl);
    const body = nl < 0 ? '' : part.slice(nl + 1);
    if (name === 'begin') out.ran = true;
    else if (name === 'end') out.complete = true;
    else if (name === 'uname') {
      const [n, m] = body.split('\n');
      if (n) out.unameN = n.trim();
      if (m) out.unameM = m.trim();
    } else if (name.startsWith('net ')) out.net.set(name.slice(4), body);
    else if (name === 'listed') {
      for (const line of body.split('\n')) {
        // ls -lLdn: mode links uid gid size date… name — the name is one of ours, at the end
        const f = line.trim().split(/\s+/);
        const path = f[f.length - 1];
        if (f.length >= 6 && LISTED_ONLY.includes(path)) out.listed.push({ path, size: /^\d+$/.test(f[4]) ? Number(f[4]) : 0 });
      }
    } else if (name.startsWith('who ')) {
      const [uid, sudo] = name.slice(4).split(' ');
      out.who = { sudo: sudo === 'sudo' };
      if (/^\d{1,10}$/.test(uid)) out.who.uid = Number(uid);
    } else if (name.startsWith('fwmissing ')) {
      const r = fwRun(name.slice(10));
      if (r) r.missing = true;
    } else if (name.startsWith('fwnohead ')) {
      const r = fwRun(name.slice(9));
      if (r) r.note = 'no head(1) on the host to cap the output; not run';
    } else if (name.startsWith('fw ')) {
      const r = fwRun(name.slice(3));
      if (r) r.stdout = body;
    } else if (name.startsWith('fwexit ')) {
      const [n, rc] = name.slice(7).split(' ');
      const r = fwRun(n);
      if (r) r.exit = /^\d{1,3}$/.test(rc ?? '') ? Number(rc) : null;
    } else if (name.startsWith('procs ')) {
      const n = name.slice(6);
      out.procs = { pids: /^\d{1,9}$/.test(n) ? Number(n) : 0, lines: body };
    } else if (name === 'dmi') out.dmiAssetTag = body;
    else if (name === 'cloudid') out.cloudInstanceId = body;
    else if (name === 'tar') out.tar = { messages: body.trim() };
    else if (name.startsWith('exit ')) {
      if (out.tar) out.tar.exit = Number(name.slice(5));
    } else if (name === 'files') out.files = body.split('\n').filter((l) => l !== '');
  }
  return out;
}
