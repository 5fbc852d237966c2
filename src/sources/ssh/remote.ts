/**
 * What is read from a host and the POSIX sh script that reads it. The script is fixed text (plus
 * a random nonce): nothing from the target or the user is ever put into it, so there is no remote
 * quoting to get wrong. It runs as `sh -s` with the script on stdin, which works whatever the
 * login shell is (bash, dash, busybox ash, zsh, even csh), and:
 *   - on stderr, sections framed by `\n@@<nonce> <name>\n` lines: uname -n / -m, the four
 *     /proc/net tables, the uid, the firewall (`nft -j list ruleset`, `iptables-save`,
 *     `ip6tables-save`, each cut at 4 MiB + 1 byte by `head -c`, with its exit status), the owners
 *     of listening sockets (root only: `ls -l /proc/<pid>/fd` of the first 4096 pids, filtered by
 *     awk to listening inodes, with /proc/<pid>/comm), the instance-id files, then tar's own
 *     messages and exit code;
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
  // dpkg (src/extractors/os/dpkg), apk (os/apk), rpm in its three forms (os/rpm RPMDB_PATHS):
  // SQLite, BerkeleyDB (EL 7–8, Amazon Linux 2) and NDB (SUSE). Their bytes are read by the same
  // parsers as `scan rootfs`, bounded by maxFileBytes/maxTotalBytes like every file (see README.md:
  // why the files and not `rpm -qa`)
  'var/lib/dpkg/status',
  'lib/apk/db/installed',
  'var/lib/rpm/rpmdb.sqlite',
  'usr/lib/sysimage/rpm/rpmdb.sqlite',
  'var/lib/rpm/Packages',
  'usr/lib/sysimage/rpm/Packages',
  'var/lib/rpm/Packages.db',
  'usr/lib/sysimage/rpm/Packages.db',
];

/**
 * On Fedora, EL 9 and openSUSE `var/lib/rpm` is a symlink to `usr/lib/sysimage/rpm`: one database,
 * read once under its real path, as a walk of the root filesystem sees it. The HOST_FILES to read
 * given whether `var/lib/rpm` is a symlink (the snapshot script makes the same test on the host).
 */
export function hostFilesToRead(varLibRpmIsLink: boolean): readonly string[] {
  return varLibRpmIsLink ? HOST_FILES.filter((p) => !p.startsWith('var/lib/rpm/')) : HOST_FILES;
}

/** Directories whose matching files are read: distroless dpkg status.d, dpkg's per-package file lists (ownership, src/inventory). */
export const HOST_DIRS: readonly { dir: string; glob: string; match: RegExp }[] = [
  { dir: 'var/lib/dpkg/status.d', glob: '*', match: /^[^/.][^/]*$/ },
  { dir: 'var/lib/dpkg/info', glob: '*.list', match: /^[^/.][^/]*\.list$/ },
];

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
files() {
  for p in ${HOST_FILES.join(' ')} ${globs}; do
    case "$p" in var/lib/dpkg/status.d/*.md5sums|*~|*.dpkg-*) continue ;; esac
    # var/lib/rpm a symlink to usr/lib/sysimage/rpm (Fedora, EL 9, openSUSE): one database, read once (hostFilesToRead)
    case "$p" in var/lib/rpm/*) if [ -L var/lib/rpm ]; then continue; fi ;; esac
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

/**
 * A fixed script's stderr split at its markers (`@@<nonce> <name>` lines): each section's name and
 * the text after it. Text before the first marker (a login shell's rc-file noise) is dropped.
 */
export function scriptSections(stderr: string, nonce: string): { name: string; body: string }[] {
  return ('\n' + stderr).split(`\n@@${nonce} `).slice(1).map((part) => {
    const nl = part.indexOf('\n');
    return { name: nl < 0 ? part : part.slice(0, nl), body: nl < 0 ? '' : part.slice(nl + 1) };
  });
}

/**
 * Directories given for a walk (secrets, deep inspection): each checked by `check`, at most `max`;
 * duplicates and directories under another one given dropped; sorted.
 * @throws Error naming the first bad one (`what`: "secret path", "inspection path")
 */
export function normalizeDirs(paths: readonly string[], what: string, max: number, check: (p: string) => string | null): string[] {
  if (!Array.isArray(paths)) throw new Error(`${what}s must be a list`);
  if (paths.length > max) throw new Error(`at most ${max} ${what}s, got ${paths.length}`);
  for (const p of paths) {
    const why = check(p);
    if (why) throw new Error(`${what} ${JSON.stringify(String(p).slice(0, 300))}: ${why}`);
  }
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && (q === '/' || p.startsWith(q + '/'))));
}

/** Splits the script's stderr into its sections. Text before the first marker (rc-file noise) is ignored. */
export function parseScriptOutput(stderr: string, nonce: string): ScriptOutput {
  const out: ScriptOutput = { ran: false, complete: false, net: new Map(), firewall: [] };
  const fwRun = (n: string): FirewallRun | undefined => {
    if (n !== 'nft' && n !== 'iptables' && n !== 'ip6tables') return undefined;
    let r = out.firewall.find((x) => x.name === n);
    if (!r) out.firewall.push((r = { name: n as FirewallName }));
    return r;
  };
  for (const { name, body } of scriptSections(stderr, nonce)) {
    if (name === 'begin') out.ran = true;
    else if (name === 'end') out.complete = true;
    else if (name === 'uname') {
      const [n, m] = body.split('\n');
      if (n) out.unameN = n.trim();
      if (m) out.unameM = m.trim();
    } else if (name.startsWith('net ')) out.net.set(name.slice(4), body);
    else if (name.startsWith('who ')) {
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

// ---- hosts' secrets (issue 17): regular files under configured directories ----------------------

/** Where a host's secrets are looked for when its config names no directories (HostConfig.secretPaths). */
export const DEFAULT_HOST_SECRET_PATHS: readonly string[] = ['/etc', '/root', '/home', '/opt', '/srv', '/var/www', '/usr/local/etc'];

/** Most directories a host config or an agent may name, and the longest one. */
export const MAX_SECRET_PATHS = 32;
export const MAX_SECRET_PATH_CHARS = 256;

/**
 * Never walked for secrets: pseudo filesystems, and the package databases (read for the inventory,
 * not secret sources; thousands of dpkg file lists). Absolute, as a configured directory is.
 */
export const SECRET_PRUNED: readonly string[] = ['/proc', '/sys', '/dev', '/run', '/var/lib/dpkg', '/var/lib/rpm', '/usr/lib/sysimage/rpm', '/lib/apk/db'];

/**
 * Extensions of files never sent for secrets (binary or compressed formats; the list of
 * src/detectors/secrets/fs.ts, whose wantsContent the client applies again on arrival).
 */
export const SECRET_BINARY_EXT: readonly string[] = (
  'png jpg jpeg gif bmp ico icns webp tif tiff psd svgz pdf zip gz tgz bz2 xz zst lz4 7z rar jar war ear aar apk ipa class dex so dll dylib exe o a lib obj bin dat db sqlite sqlite3 woff woff2 ttf otf eot mp3 mp4 m4a mov avi mkv wav ogg flac webm pyc pyo whl egg deb rpm iso img dmg wasm node pack idx rlib mo cab msi'
).split(' ');

/** Why a directory is not acceptable, or null: absolute, normalised (no "//", ".", "..", trailing "/"), no control characters, not a pseudo filesystem. */
export function checkSecretPath(p: unknown): string | null {
  if (typeof p !== 'string') return 'must be a string';
  if (p.length === 0 || p.length > MAX_SECRET_PATH_CHARS) return `must be 1 to ${MAX_SECRET_PATH_CHARS} characters`;
  if (!p.startsWith('/')) return 'must be an absolute path';
  // control characters (newline above all: names travel one a line) and lone surrogates
  if (/[\0-\x1f\x7f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(p)) return 'must not contain control characters';
  if (p === '/') return null;
  if (p.endsWith('/')) return 'must not end with "/"';
  for (const part of p.split('/').slice(1)) {
    if (part === '') return 'must not contain "//"';
    if (part === '.' || part === '..') return 'must not contain "." or ".." components';
  }
  for (const pseudo of ['/proc', '/sys', '/dev']) {
    if (p === pseudo || p.startsWith(pseudo + '/')) return `${pseudo} is a pseudo filesystem, not scanned`;
  }
  return null;
}

/**
 * Checks the directories and drops duplicates and directories under another one given; sorted.
 * @throws Error naming the first bad one
 */
export function normalizeSecretPaths(paths: readonly string[]): string[] {
  return normalizeDirs(paths, 'secret path', MAX_SECRET_PATHS, checkSecretPath);
}

/** POSIX sh single quoting: it's → 'it'\''s'. Any string without NUL (which sh cannot hold) comes out as one word, nothing expanded. */
export function shQuote(s: string): string {
  if (s.includes('\0')) throw new Error('NUL cannot be quoted');
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Whether a path of the snapshot ("etc/app/key.pem" or "/etc/app/key.pem") is under one of the
 * directories and not under SECRET_PRUNED (package databases, pseudo filesystems): the scope of
 * the snapshot's `secretsFs`, so the package databases are not scanned as secret sources.
 */
export function secretPathFilter(secretPaths: readonly string[]): (path: string) => boolean {
  const rel = (p: string) => p.replace(/^\/+/, '');
  const within = secretPaths.map(rel);
  const pruned = SECRET_PRUNED.map(rel);
  const under = (path: string, dir: string) => dir === '' || path === dir || path.startsWith(dir + '/');
  return (path: string) => {
    const p = rel(path);
    return within.some((d) => under(p, d)) && !pruned.some((d) => under(p, d));
  };
}

/** Files over the size limit are named (each a "file-too-large" error) up to this many. */
export const MAX_BIG_NAMED = 1000;

export interface SecretWalkLimits {
  /** files sent at most (the host stops after this many and says so) */
  maxFiles: number;
  /** a larger file is not sent (find -size on the host; checked again on arrival) */
  maxFileBytes: number;
  /** seconds the host's find and tar may each run (timeout(1), when the host has it) */
  seconds: number;
}

/**
 * The opening of a fixed walk script (secrets, deep inspection): the nonce, the marker function,
 * `cd /`, the begin marker, the checked directories as sh-quoted positional words, and `T` set to
 * `timeout <seconds>` where the host has timeout(1).
 */
export function walkScriptHead(nonce: string, dirs: readonly string[], seconds: number): string {
  return `N=${nonce}
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
cd / || exit 90
m begin
set -- ${dirs.map(shQuote).join(' ')}
T=
if command -v timeout >/dev/null 2>&1; then T="timeout ${seconds}"; fi`;
}

/**
 * The secrets script: fixed text plus the nonce, the limits (integers) and the directories, each
 * one single-quoted sh word (shQuote) of a path normalizeSecretPaths accepted, set as the
 * positional parameters. On stdout, after `@@<nonce> tar\n`, ONE tar stream (`tar -cf - -T -`,
 * no -h: a symlink is never followed) of the regular files `find -xdev` lists under the
 * directories: no symlinked directory descended into (a directory given that is a symlink is
 * followed, as "dir/"), other filesystems not entered, pseudo filesystems and package databases
 * pruned, binary extensions and files over the size limit left out, at most maxFiles; each name
 * checked again to be a regular file, not a symlink, under one of the directories (a name with a
 * newline cannot smuggle in another path). Files over the size limit are named on stderr
 * (`@@<nonce> big` then the name; find -exec printf, the first MAX_BIG_NAMED). On stderr: begin, tar, `exit <tar's status>`,
 * `toomany` when the count was reached, end. Without tar only begin and end (the caller walks
 * over SFTP).
 */
export function secretsScript(nonce: string, dirs: readonly string[], limits: SecretWalkLimits): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  const checked = normalizeSecretPaths(dirs);
  if (checked.length === 0) throw new Error('no secret paths');
  for (const n of [limits.maxFiles, limits.maxFileBytes, limits.seconds]) if (!Number.isSafeInteger(n) || n < 1) throw new Error('limits must be positive integers');
  const prune = SECRET_PRUNED.map((p) => `-path ${shQuote(p)}`).join(' -o ');
  const binary = SECRET_BINARY_EXT.flatMap((e) => [`*.${e}`, `*.${e.toUpperCase()}`]).join('|');
  return `${walkScriptHead(nonce, checked, limits.seconds)}
walk() {
  for d in "$@"; do
    case $d in /) s=/ ;; *) s="$d/" ;; esac
    [ -d "$s" ] || continue
    $T find "$s" -xdev \\( ${prune} \\) -prune -o -type f \\( -size -${limits.maxFileBytes + 1}c -print -o -exec printf '+%s\\n' {} \\; \\) 2>/dev/null
    if [ $? = 124 ]; then m walktimeout; fi
  done
}
pick() {
  n=0
  b=0
  while IFS= read -r p; do
    case $p in ${binary}) continue ;; esac
    case $p in
      /*) ;;
      +/*) b=$((b + 1)); if [ $b -le ${MAX_BIG_NAMED} ]; then m big; printf '%s\\n' "\${p#+/}" >&2; fi; continue ;;
      *) continue ;;
    esac
    [ -f "$p" ] && [ ! -h "$p" ] || continue
    ok=
    for d in "$@"; do
      case $d in /) ok=1 ;; esac
      case $p in "$d"/*) ok=1 ;; esac
      [ -n "$ok" ] && break
    done
    [ -n "$ok" ] || continue
    n=$((n + 1))
    if [ $n -gt ${limits.maxFiles} ]; then m toomany; break; fi
    printf '%s\\n' "\${p#/}"
  done
}
if command -v tar >/dev/null 2>&1; then
  m tar
  printf '@@%s tar\\n' "$N"
  walk "$@" | pick "$@" | $T tar -cf - -T -
  m "exit $?"
fi
m end
`;
}

export interface SecretsOutput {
  ran: boolean;
  /** files over the size limit the host named (at most MAX_BIG_NAMED), relative */
  big: string[];
  complete: boolean;
  tar?: { messages: string; exit?: number };
  /** the host reached maxFiles */
  tooMany: boolean;
  /** a find ran out of its time (timeout(1) exit 124) */
  walkTimeout: boolean;
}

/** The secrets script's stderr, split at its markers. */
export function parseSecretsOutput(stderr: string, nonce: string): SecretsOutput {
  const out: SecretsOutput = { ran: false, complete: false, big: [], tooMany: false, walkTimeout: false };
  for (const { name, body } of scriptSections(stderr, nonce)) {
    if (name === 'begin') out.ran = true;
    else if (name === 'end') out.complete = true;
    else if (name === 'toomany') out.tooMany = true;
    else if (name === 'walktimeout') out.walkTimeout = true;
    else if (name === 'big') {
      const first = body.split('\n')[0];
      if (first && out.big.length < MAX_BIG_NAMED) out.big.push(first);
    }
    else if (name === 'tar') out.tar = { messages: body.trim() };
    else if (name.startsWith('exit ')) {
      if (out.tar) out.tar.exit = Number(name.slice(5));
    }
  }
  return out;
}
