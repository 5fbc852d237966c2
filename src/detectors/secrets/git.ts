/**
 * scanGitHistory: the added lines of every commit reachable from any ref, read from one streaming
 * `git log -p` (no whole-history buffer): each hunk's added lines are one contiguous block of the
 * new file, scanned with scanText at the hunk's line numbers. A secret is reported once per (rule,
 * secret, path), at the oldest commit that added it; renames (-M) add no lines, so a renamed file's
 * secret stays at its first path. Merge commits are diffed against their first parent, so a
 * conflict resolution that adds a secret is seen. `inHead` is whether HEAD still holds the secret
 * at that path or at a path it was renamed to or from.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { SecretFinding } from '../../model/code.ts';
import { sha256Hex } from './checksum.ts';
import { decodeText, wantsContent, type SecretScanError } from './fs.ts';
import { IGNORE_FILE_NAMES, parseIgnoreFile, type IgnoreSet } from './ignore.ts';
import { scanText } from './scan.ts';

const execFileP = promisify(execFile);
/** git's environment here: no system or global config, no prompts, no lazy fetches of a partial clone */
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_NO_LAZY_FETCH: '1' };

export interface GitHistoryOptions {
  /** bytes of `git log -p` output read at most (default 2 GiB); past it the scan stops and says so */
  maxDiffBytes?: number;
  /** a longer diff line is cut to this many bytes (default 1 MiB) */
  maxLineBytes?: number;
  /** added lines of one hunk scanned together at most (default 20,000; a longer hunk is scanned in pieces) */
  maxHunkLines?: number;
  /** the git binary (default "git" on PATH) */
  git?: string;
  onProgress?: (commits: number) => void;
}

const COMMIT_MARK = '\x01vigil-commit\x00';

interface Hunk {
  path: string;
  startLine: number;
  lines: string[];
  /** characters held */
  bytes: number;
}

/** a hunk's added text is scanned in pieces of at most this many characters (memory stays bounded) */
const MAX_HUNK_CHARS = 8 * 1024 * 1024;

/**
 * Every secret added in the history of the repository at `repoDir` (a work tree or a bare repo).
 * @returns findings with `location.commit` set, and errors (git failing, the byte bound reached as
 *   rule "history-truncated")
 */
export async function scanGitHistory(repoDir: string, opts: GitHistoryOptions = {}): Promise<{ findings: SecretFinding[]; errors: SecretScanError[] }> {
  const git = opts.git ?? 'git';
  const maxDiffBytes = opts.maxDiffBytes ?? 2 * 1024 ** 3;
  const maxLineBytes = opts.maxLineBytes ?? 1024 * 1024;
  const maxHunkLines = opts.maxHunkLines ?? 20_000;
  const errors: SecretScanError[] = [];
  // a local repository only: no transport at all (a partial clone's lazy fetch included), no hooks or
  // fsmonitor, no system or global configuration (external diff and textconv drivers are refused by
  // the log's own flags as well)
  const base = ['-C', repoDir, '-c', 'protocol.allow=never', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.quotePath=false', '-c', 'diff.renameLimit=10000'];

  let hasHead = true;
  try {
    await execFileP(git, [...base, 'rev-parse', '--verify', '-q', 'HEAD^{commit}'], { env: GIT_ENV });
  } catch {
    hasHead = false;
  }
  const ignore = hasHead ? await headIgnoreFiles(git, base) : [];

  /** (rule, hash, path) → finding at the oldest commit seen so far (log order is newest first) */
  const byKey = new Map<string, SecretFinding>();
  /** rename edges, both ways, for inHead */
  const renames = new Map<string, Set<string>>();
  const addRename = (a: string, b: string) => {
    for (const [x, y] of [[a, b], [b, a]]) {
      let s = renames.get(x);
      if (!s) renames.set(x, (s = new Set()));
      s.add(y);
    }
  };

  let commit: { id: string; author: string; date: string } | undefined;
  let commits = 0;
  let path: string | null = null;
  let oldPath: string | null = null;
  let hunk: Hunk | undefined;
  let skipFile = false;

  const flush = () => {
    if (!hunk || !commit || !hunk.lines.length) {
      hunk = undefined;
      return;
    }
    const h = hunk;
    hunk = undefined;
    for (const f of scanText(h.path, h.lines.join('\n'), { lineOffset: h.startLine - 1, ignore })) {
      f.location.commit = { ...commit, inHead: false };
      const key = `${f.rule}\0${f.secret.hash}\0${f.location.path}`;
      byKey.set(key, f); // later in the log = older commit: it replaces
    }
  };

  const onLine = (line: string) => {
    if (line.startsWith(COMMIT_MARK)) {
      flush();
      const [id, author, date] = line.slice(COMMIT_MARK.length).split('\0');
      commit = { id, author, date };
      commits++;
      if (commits % 100 === 0) opts.onProgress?.(commits);
      path = oldPath = null;
      return;
    }
    if (line.startsWith('diff --git ')) {
      flush();
      path = oldPath = null;
      skipFile = false;
      return;
    }
    if (line.startsWith('@@ ')) {
      flush();
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (m && path && !skipFile) hunk = { path, startLine: Number(m[1]), lines: [], bytes: 0 };
      return;
    }
    if (hunk) {
      if (line.startsWith('+')) {
        hunk.lines.push(line.slice(1));
        hunk.bytes += line.length;
        if (hunk.lines.length >= maxHunkLines || hunk.bytes >= MAX_HUNK_CHARS) {
          const next = hunk.startLine + hunk.lines.length;
          const p = hunk.path;
          flush();
          hunk = { path: p, startLine: next, lines: [], bytes: 0 };
        }
      }
      return; // "-" lines and "\ No newline at end of file"
    }
    if (line.startsWith('rename from ')) oldPath = line.slice(12);
    else if (line.startsWith('rename to ')) {
      if (oldPath) addRename(oldPath, line.slice(10));
    } else if (line.startsWith('+++ ')) {
      const p = unquote(line.slice(4));
      path = p === '/dev/null' ? null : p.replace(/^b\//, '');
      if (path && !wantsContent({ path, kind: 'file', size: 0 })) skipFile = true;
    } else if (line.startsWith('Binary files ')) skipFile = true;
  };

  const args = [...base, 'log', '--all', '-p', '--no-color', '--unified=0', '--no-ext-diff', '--no-textconv', '-M', '--diff-merges=first-parent', `--format=${COMMIT_MARK.replace('\x01', '%x01').replace('\x00', '%x00')}%H%x00%an <%ae>%x00%aI`];
  const truncated = await streamLines(git, args, maxDiffBytes, maxLineBytes, onLine).catch((err: Error) => {
    errors.push({ path: repoDir, rule: 'git-error', message: err.message });
    return false;
  });
  flush();
  if (truncated) errors.push({ path: repoDir, rule: 'history-truncated', message: `git log output over ${maxDiffBytes} bytes: history read up to commit ${commit?.id ?? '?'} (${commits} commits), older commits not scanned` });
  opts.onProgress?.(commits);

  const findings = [...byKey.values()];
  if (hasHead) await markInHead(git, base, findings, renames, ignore, errors);
  findings.sort((a, b) => a.location.path.localeCompare(b.location.path) || a.location.line - b.location.line || a.rule.localeCompare(b.rule) || (a.location.commit!.date < b.location.commit!.date ? -1 : 1));
  return { findings, errors };
}

/** git's C-style quoted path ("b/na\303\257ve") to the path */
function unquote(p: string): string {
  if (!p.startsWith('"')) return p;
  const bytes: number[] = [];
  const s = p.slice(1, -1);
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      bytes.push(...Buffer.from(s[i], 'utf8'));
      continue;
    }
    const n = s[++i];
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Run git and feed stdout line by line (lines longer than maxLineBytes are cut). Resolves true when
 * maxBytes was reached (git is then stopped), false at the end of the output.
 * @throws Error when git cannot start or exits non-zero (with its stderr)
 */
function streamLines(git: string, args: string[], maxBytes: number, maxLineBytes: number, onLine: (line: string) => void): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(git, args, { stdio: ['ignore', 'pipe', 'pipe'], env: GIT_ENV });
    let bytes = 0;
    let cut = false;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let stderr = '';
    const emit = (b: Buffer) => onLine(b.toString('utf8'));
    child.stdout.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (bytes + chunk.length > maxBytes) {
        chunk = chunk.subarray(0, maxBytes - bytes);
        cut = true;
      }
      bytes += chunk.length;
      let from = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
        const part = chunk.subarray(from, nl);
        if (pendingLen + part.length <= maxLineBytes) pending.push(part);
        else if (pendingLen < maxLineBytes) pending.push(part.subarray(0, maxLineBytes - pendingLen));
        emit(pending.length === 1 ? pending[0] : Buffer.concat(pending));
        pending = [];
        pendingLen = 0;
        from = nl + 1;
      }
      const rest = chunk.subarray(from);
      if (rest.length && pendingLen < maxLineBytes) {
        const keep = rest.subarray(0, maxLineBytes - pendingLen);
        pending.push(Buffer.from(keep));
        pendingLen += keep.length;
      }
      if (cut) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4000) stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (pendingLen) emit(Buffer.concat(pending));
      if (cut) return resolve(true);
      if (code !== 0) return reject(new Error(`git log exited ${code}: ${stderr.trim().slice(0, 500)}`));
      resolve(false);
    });
  });
}

async function readHead(git: string, base: string[], path: string): Promise<Buffer | null> {
  try {
    const { stdout } = await execFileP(git, [...base, 'cat-file', 'blob', `HEAD:${path}`], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, env: GIT_ENV });
    return stdout as Buffer;
  } catch {
    return null;
  }
}

async function headIgnoreFiles(git: string, base: string[]): Promise<IgnoreSet[]> {
  const out: IgnoreSet[] = [];
  for (const name of IGNORE_FILE_NAMES) {
    const b = await readHead(git, base, name);
    if (b) out.push(parseIgnoreFile(name, b.toString('utf8')));
  }
  return out;
}

/** For each finding: does HEAD hold the same secret (by hash) at its path or a renamed path? */
async function markInHead(git: string, base: string[], findings: SecretFinding[], renames: Map<string, Set<string>>, ignore: IgnoreSet[], errors: SecretScanError[]): Promise<void> {
  const related = (p: string): string[] => {
    const seen = new Set([p]);
    const queue = [p];
    while (queue.length) for (const n of renames.get(queue.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
    return [...seen];
  };
  const hashesAt = new Map<string, Set<string>>();
  const hashes = async (p: string): Promise<Set<string>> => {
    let s = hashesAt.get(p);
    if (s) return s;
    s = new Set();
    hashesAt.set(p, s);
    const b = await readHead(git, base, p);
    const text = b ? decodeText(b) : null;
    if (text !== null) {
      try {
        for (const f of scanText(p, text, { ignore })) s.add(f.secret.hash);
      } catch (err) {
        errors.push({ path: p, rule: 'scan-error', message: (err as Error).message });
      }
    }
    return s;
  };
  for (const f of findings) {
    let inHead = false;
    for (const p of related(f.location.path)) if ((await hashes(p)).has(f.secret.hash)) inHead = true;
    f.location.commit!.inHead = inHead;
  }
}

/** sha256 of a secret, as SecretFinding.secret.hash: for ignore-file fingerprints and tests */
export const secretHash = sha256Hex;
