/**
 * What is read from a host and the POSIX sh script that reads it. The script is fixed text (plus
 * a random nonce): nothing from the target or the user is ever put into it, so there is no remote
 * quoting to get wrong. It runs as `sh -s` with the script on stdin, which works whatever the
 * login shell is (bash, dash, busybox ash, zsh, even csh), and:
 *   - on stderr, sections framed by `\n@@<nonce> <name>\n` lines: uname -n / -m, the four
 *     /proc/net tables, the rpm databases that are only listed, then tar's own messages and exit code;
 *   - on stdout, `@@<nonce> tar\n` followed by ONE tar stream (`tar -chf - -T -`, names on stdin)
 *     of the wanted files that exist. Bytes before the marker (a chatty shell rc file) are skipped.
 * `-h` archives what a symlink points to, as the host itself resolves it; `-T -` keeps the command
 * line short with thousands of dpkg lists and is understood by GNU tar, busybox tar and bsdtar.
 */

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
}

/** Splits the script's stderr into its sections. Text before the first marker (rc-file noise) is ignored. */
export function parseScriptOutput(stderr: string, nonce: string): ScriptOutput {
  const out: ScriptOutput = { ran: false, complete: false, net: new Map(), listed: [] };
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
    } else if (name === 'tar') out.tar = { messages: body.trim() };
    else if (name.startsWith('exit ')) {
      if (out.tar) out.tar.exit = Number(name.slice(5));
    } else if (name === 'files') out.files = body.split('\n').filter((l) => l !== '');
  }
  return out;
}
