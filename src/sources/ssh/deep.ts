/**
 * Host deep inspection (issue 20): the language packages of a host, from the files the language
 * extractors want under default and configured directories. Shared by the SSH source (two fixed
 * scripts: a bounded `find -xdev` listing, then one `tar` of the wanted files) and the agent (a
 * bounded local walk). Which files are wanted is the caller's filter (contentFilterFor of the
 * language extractors): sources never parse.
 */
import { MAX_SECRET_PATH_CHARS, SECRET_PRUNED, checkSecretPath, normalizeDirs, scriptSections, shQuote, walkScriptHead } from './remote.ts';

/** Where language packages are looked for on every host (Inspector's deep inspection defaults, plus home directories). */
export const DEFAULT_DEEP_INSPECTION_PATHS: readonly string[] = ['/usr/lib', '/usr/lib64', '/usr/local/lib', '/usr/local/lib64', '/opt', '/srv', '/var/www', '/home', '/root'];

/**
 * Where runtime binaries are looked for beyond the language directories (issue 20): what official
 * images and tarballs use (`/usr/local/bin/node`, `/usr/local/bin/python3.12`, `/usr/local/go`) and
 * `/usr/bin` (a binary copied there that no OS package lists). Only the files the runtime
 * extractors want are taken from these; OS-owned ones are never read (src/inventory).
 */
export const RUNTIME_INSPECTION_PATHS: readonly string[] = ['/usr/bin', '/usr/local/bin', '/usr/local/go'];

/** Most custom directories per organization, per account, or per agent (--inspect-path). */
export const MAX_INSPECTION_PATHS = 16;
export { MAX_SECRET_PATH_CHARS as MAX_INSPECTION_PATH_CHARS };

/** Rules of the deep-inspection bounds: each one an error of the snapshot and a `partial` rule of the resource's coverage. */
export const DEEP_RULES = {
  /** more wanted files than maxFiles */
  files: 'deep-inspection-files',
  /** the wanted files would exceed maxBytes */
  bytes: 'deep-inspection-bytes',
  /** the walk or the transfer ran out of time */
  time: 'deep-inspection-time',
  /** more directory entries listed than maxListed */
  entries: 'deep-inspection-entries',
  /** the host could not be inspected (no shell with find and tar) */
  unavailable: 'deep-inspection-unavailable',
} as const;

/** The path of the errors that concern the whole deep inspection. */
export const DEEP_LABEL = '(deep-inspection)';

export interface DeepLimits {
  /** files listed under the directories at most (the walk stops past it) */
  maxListed: number;
  /** wanted files read at most */
  maxFiles: number;
  /** a larger wanted file is not read (file-too-large) */
  maxFileBytes: number;
  /** bytes of wanted files read in all */
  maxBytes: number;
  /** time for the listing and the transfer (or the local walk) */
  timeoutMs: number;
  /** runtime binaries (read in chunks, only as far as their extractors read): files at most */
  maxRuntimeFiles: number;
  /** runtime binaries: bytes read in all (chunks and whole reads) */
  maxRuntimeBytes: number;
  /** runtime binaries: time for reading them, from the end of the snapshot (SSH) or the walk (agent) */
  runtimeTimeoutMs: number;
}

export const DEFAULT_DEEP_LIMITS: DeepLimits = {
  maxListed: 300_000,
  maxFiles: 30_000,
  maxFileBytes: 64 * 1024 * 1024,
  maxBytes: 256 * 1024 * 1024,
  timeoutMs: 4 * 60 * 1000,
  maxRuntimeFiles: 2_000,
  maxRuntimeBytes: 512 * 1024 * 1024,
  runtimeTimeoutMs: 5 * 60 * 1000,
};

/** Never walked: pseudo filesystems and the package databases (read for the OS inventory). */
export const DEEP_PRUNED: readonly string[] = SECRET_PRUNED;

/**
 * Checks the directories (the rules of secret paths: absolute, normalised, no control characters,
 * not /proc, /sys, /dev; at most MAX_INSPECTION_PATHS) and drops duplicates and directories under
 * another one; sorted.
 * @throws Error naming the first bad one
 */
export function normalizeInspectionPaths(paths: readonly string[], max = MAX_INSPECTION_PATHS): string[] {
  return normalizeDirs(paths, 'inspection path', max, checkInspectionPath);
}

/** Why one directory is not acceptable, or null. */
export function checkInspectionPath(p: unknown): string | null {
  return checkSecretPath(p);
}

/** The defaults plus the custom directories, normalised (a custom one under a default is dropped). */
export function inspectionPathsWith(custom: readonly string[] = []): string[] {
  return normalizeInspectionPaths([...DEFAULT_DEEP_INSPECTION_PATHS, ...custom], DEFAULT_DEEP_INSPECTION_PATHS.length + 3 * MAX_INSPECTION_PATHS);
}

/** The runtime directories: the language ones (defaults plus custom) and RUNTIME_INSPECTION_PATHS, normalised. */
export function runtimePathsWith(custom: readonly string[] = []): string[] {
  return normalizeInspectionPaths([...DEFAULT_DEEP_INSPECTION_PATHS, ...RUNTIME_INSPECTION_PATHS, ...custom], DEFAULT_DEEP_INSPECTION_PATHS.length + RUNTIME_INSPECTION_PATHS.length + 3 * MAX_INSPECTION_PATHS);
}

/**
 * How the listing printed each file: `size mode /path` (GNU find's `-printf`, or `stat -c '%s %a %n'`
 * where find has no -printf, as on busybox), an `ls -ldn` line (neither), or the name alone (none).
 */
export type DeepListFormat = 'printf' | 'stat' | 'ls' | 'names';

/**
 * The listing script: fixed text plus the nonce, integers and the directories (each one
 * shQuote'd word of a path normalizeInspectionPaths accepted, set as positional parameters). On
 * stdout one line per regular file, in the first format the host's tools can give (DeepListFormat):
 * `size mode /path` with GNU find's -printf; else (busybox) `find -print0 | xargs -0 stat -c '%s %a
 * %n'`, the same line; else `xargs -0 ls -ldn`; else `/path`. xargs rather than `find -exec … {} +`
 * because find stops on the closed pipe once head has its lines, where -exec's find walks on to its
 * timeout. `find -xdev`, no symlinked directory descended into, DEEP_PRUNED pruned, at most
 * maxListed + 1 lines (head). On stderr: `@@<nonce> begin`, the format (`printf`, `stat`, `ls`) when
 * not names, `walktimeout` when timeout(1) stopped a find (GNU's status 124; busybox's timeout execs
 * the command, which dies of its SIGTERM: 143), `end`.
 */
export function deepListScript(nonce: string, dirs: readonly string[], limits: { maxListed: number; seconds: number }): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  const checked = normalizeInspectionPaths(dirs, Number.MAX_SAFE_INTEGER);
  if (checked.length === 0) throw new Error('no inspection paths');
  for (const n of [limits.maxListed, limits.seconds]) if (!Number.isSafeInteger(n) || n < 1) throw new Error('limits must be positive integers');
  const prune = DEEP_PRUNED.map((p) => `-path ${shQuote(p)}`).join(' -o ');
  return `${walkScriptHead(nonce, checked, limits.seconds)}
F=
if find / -maxdepth 0 -printf '' >/dev/null 2>&1; then F=printf
else
  # for ls: sizes in bytes, the C locale's date (no "/"), names in the host's own character set
  unset TIME_STYLE BLOCK_SIZE LS_BLOCK_SIZE
  if [ -n "\${LC_ALL-}" ]; then LC_CTYPE=$LC_ALL; export LC_CTYPE; unset LC_ALL; fi
  LC_TIME=C; export LC_TIME
  case $(find / -maxdepth 0 -print0 2>/dev/null | xargs -0 stat -c '%s %a %n' 2>/dev/null) in
    [0-9]*' '[0-7]*' /') F=stat ;;
    *) case $(find / -maxdepth 0 -print0 2>/dev/null | xargs -0 ls -ldn 2>/dev/null) in d[r-]*' /') F=ls ;; esac ;;
  esac
fi
[ -z "$F" ] || m $F
# list DIR ACTION...: the regular files under DIR
list() {
  at=$1
  shift
  $T find "$at" -xdev \\( ${prune} \\) -prune -o -type f "$@" 2>/dev/null
  case $? in 124|143) m walktimeout ;; esac
}
walk() {
  for d in "$@"; do
    case $d in /) s=/ ;; *) s="$d/" ;; esac
    [ -d "$s" ] || continue
    case $F in
      printf) list "$s" -printf '%s %m %p\\n' ;;
      stat) list "$s" -print0 | xargs -0 stat -c '%s %a %n' 2>/dev/null ;;
      ls) list "$s" -print0 | xargs -0 ls -ldn 2>/dev/null ;;
      *) list "$s" -print ;;
    esac
  done
}
if command -v head >/dev/null 2>&1; then
  walk "$@" | head -n ${limits.maxListed + 1}
else
  walk "$@"
fi
m end
`;
}

export interface DeepListing {
  ran: boolean;
  complete: boolean;
  /** how the files were printed (sizes and modes unless `names`) */
  format: DeepListFormat;
  walkTimeout: boolean;
}

/** The listing script's stderr markers. */
export function parseDeepListMarkers(stderr: string, nonce: string): DeepListing {
  const out: DeepListing = { ran: false, complete: false, format: 'names', walkTimeout: false };
  for (const { name } of scriptSections(stderr, nonce)) {
    if (name === 'begin') out.ran = true;
    else if (name === 'end') out.complete = true;
    else if (name === 'printf' || name === 'stat' || name === 'ls') out.format = name;
    else if (name === 'walktimeout') out.walkTimeout = true;
  }
  return out;
}

/** One listed file: absolute path, size and permission bits when the listing printed them. */
export interface ListedFile {
  path: string;
  size?: number;
  mode?: number;
}

/**
 * `ls -ldn` of a regular file (POSIX: mode string, an optional ACL/security mark, links, uid, gid,
 * size in bytes, the date, which holds no "/", then the name, absolute as find printed it).
 */
const LS_LINE = /^-([r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-])\S? +\d+ +\d+ +\d+ +(\d{1,15}) [^/]* (\/.*)$/;

/** The permission bits of an `ls` mode string ("rwsr-xr-x" → 0o4755). */
function lsMode(s: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) if (!'-ST'.includes(s[i])) mode |= 1 << (8 - i);
  if ('sS'.includes(s[2])) mode |= 0o4000;
  if ('sS'.includes(s[5])) mode |= 0o2000;
  if ('tT'.includes(s[8])) mode |= 0o1000;
  return mode;
}

/**
 * The listing's stdout lines in `format`: lines that are not one of ours (pieces of a name with a
 * newline) are dropped.
 */
export function parseDeepListing(text: string, format: DeepListFormat): ListedFile[] {
  const out: ListedFile[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (format === 'printf' || format === 'stat') {
      const m = /^(\d{1,15}) ([0-7]{1,4}) (\/.*)$/.exec(line);
      if (m) out.push({ path: m[3], size: Number(m[1]), mode: parseInt(m[2], 8) });
    } else if (format === 'ls') {
      const m = LS_LINE.exec(line);
      if (m) out.push({ path: m[3], size: Number(m[2]), mode: lsMode(m[1]) });
    } else if (line.startsWith('/')) out.push({ path: line });
  }
  return out;
}

/**
 * The transfer script: the wanted files (relative names, each one shQuote'd word set as a
 * positional parameter) that are still regular files and not symlinks, in ONE `tar -cf - -T -`
 * (no -h) after `@@<nonce> tar` on stdout; on stderr begin, tar, `exit <status>`, end.
 */
export function deepTarScript(nonce: string, files: readonly string[], seconds: number): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new Error('seconds must be a positive integer');
  for (const f of files) checkPlainRelative(f);
  return `N=${nonce}
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
cd / || exit 90
m begin
set -- ${files.map(shQuote).join(' ')}
T=
if command -v timeout >/dev/null 2>&1; then T="timeout ${seconds}"; fi
if command -v tar >/dev/null 2>&1; then
  m tar
  printf '@@%s tar\\n' "$N"
  for p in "$@"; do
    if [ -f "$p" ] && [ ! -h "$p" ]; then printf '%s\\n' "$p"; fi
  done | $T tar -cf - -T -
  m "exit $?"
fi
m end
`;
}

/**
 * The script that streams ONE file (a runtime binary, read only as far as its extractors read:
 * the reader closes the channel when they stop): the relative name as the positional parameter,
 * re-checked a readable regular file and not a symlink, then `@@<nonce> cat` and the bytes on stdout
 * (`cat`, under timeout(1) when present); on stderr begin, cat, `exit <status>`, end. With `range`,
 * the bytes from `offset` (`tail -c +N`, POSIX; GNU tail seeks there), only `length` of them when
 * given (`| head -c L`).
 */
export function deepCatScript(nonce: string, file: string, seconds: number, range?: { offset: number; length?: number }): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('nonce must be hex');
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new Error('seconds must be a positive integer');
  if (range && !(Number.isSafeInteger(range.offset) && range.offset >= 0 && (range.length === undefined || (Number.isSafeInteger(range.length) && range.length > 0)))) throw new Error('range must be a non-negative offset and a positive length');
  checkPlainRelative(file);
  const read = !range ? '$T cat -- "$1"' : `$T tail -c +${range.offset + 1} -- "$1"${range.length === undefined ? '' : ` | head -c ${range.length}`}`;
  return `N=${nonce}
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
cd / || exit 90
m begin
set -- ${shQuote(file)}
T=
if command -v timeout >/dev/null 2>&1; then T="timeout ${seconds}"; fi
if [ -f "$1" ] && [ ! -h "$1" ] && [ -r "$1" ]; then
  m cat
  printf '@@%s cat\\n' "$N"
  ${read}
  m "exit $?"
fi
m end
`;
}

/** @throws Error unless `f` is a plain relative path (no control characters, backslash, leading "-" or "/", "." or ".." parts) */
export function checkPlainRelative(f: string): void {
  if (f.startsWith('/') || f.startsWith('-') || /[\0-\x1f\x7f\\]/.test(f) || f.split('/').some((x) => x === '' || x === '.' || x === '..')) throw new Error(`not a plain relative path: ${JSON.stringify(f)}`);
}
