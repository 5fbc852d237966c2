/**
 * A git repository (a local path or a clone URL) at a ref: cloned bare into the scan's scratch
 * dir, the commit's tree listed into memory (vfs/tree.ts) and each file read from the clone when
 * asked for (`git cat-file --batch`): nothing is checked out. close() removes it all. No hooks
 * run, and only file paths, https:// and ssh:// (including scp-like "git@host:path") transports
 * are accepted: `ext::` and friends run commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Socket } from 'node:net';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { VigilError } from '../../model/index.ts';
import { gitAccess, TargetPolicy, tenantGitEnv, type GitAccess, type GitRemote } from '../../policy/index.ts';
import { DEFAULT_SOURCE_LIMITS, type ContentFilter, type FileInfo, type ScanFS, type SourceLimits } from '../types.ts';
import { Budget, dirNode, ErrorLog, infoOf, normalizeEntryName, Scratch, shortName, Tree, TreeFS, type TreeNode, type Verdict } from '../vfs/index.ts';
import { gitCredentialArgs, type GitCredentials } from './credentials.ts';

export type { GitCredentials } from './credentials.ts';

export interface GitOptions {
  /** branch, tag or commit; default the remote HEAD */
  rev?: string;
  limits?: Partial<SourceLimits>;
  /** parent of the scratch dir (default the OS temp dir) */
  scratchParent?: string;
  /** clone only the last commit of the ref (not possible for a commit id); default false */
  shallow?: boolean;
  /**
   * The target policy (default: the operator's). For tenants: local paths only under an allowed
   * directory, the remote's host resolved once, checked, and git pinned to that address (see
   * src/policy/git.ts), no user or system git config, and one "unreachable" for every failure to
   * reach a remote.
   */
  policy?: TargetPolicy;
  /** which files the scan reads: a file over maxFileBytes counts as skipped only when wanted */
  filter?: ContentFilter;
  /** https user name and password or token, given to git by a credential helper (credentials.ts) */
  credentials?: GitCredentials;
}

/** Longest symlink target kept (PATH_MAX): a longer "link" blob is not a path a checkout could write. */
const MAX_LINK_TARGET = 4096;

/**
 * The commit's tree as an in-memory Tree (`git ls-tree -r -z -l --full-tree`, streamed), with the
 * limits applied before anything is read: entries, name bytes and total bytes stop the listing
 * there, files over maxFileBytes are left out. Ratio has no meaning here (git stores deltas), and
 * submodules are not fetched (an empty directory stands for each, as a checkout leaves it). Names
 * that a checkout would refuse (a ".." or ".git" component, an absolute name) are left out and
 * recorded. Symlink targets are read from their blobs; file contents are read when asked for.
 */
async function listTree(bare: string, commit: string, limits: SourceLimits, filter: ContentFilter | undefined, blobs: BlobReader, run: Omit<RunOptions, 'onStdout'>): Promise<{ tree: Tree; errors: ErrorLog }> {
  const log = new ErrorLog(commit);
  const budget = new Budget(limits);
  const tree = new Tree();
  const puts: Promise<unknown>[] = [];
  const links: { path: string; oid: string; size: number }[] = [];
  let stop: Verdict | null = null;
  let rest = Buffer.alloc(0);
  const put = (path: string, node: TreeNode): void => {
    puts.push(tree.put(path, node).then((r) => {
      if (!r.ok) log.add(shortName(path), r.rule, `${shortName(path)}: ${r.message}`);
    }));
  };
  const onStdout = (chunk: Buffer): void => {
    let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    for (let z = buf.indexOf(0); z >= 0; z = buf.indexOf(0)) {
      const rec = buf.toString('utf8', 0, z);
      buf = buf.subarray(z + 1);
      if (stop) continue;
      // "<mode> <type> <object> <size>\t<path>"
      const tab = rec.indexOf('\t');
      const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/);
      const raw = rec.slice(tab + 1);
      if (type !== 'blob' && type !== 'commit') continue;
      const name = normalizeEntryName(raw);
      if (!name.ok || name.path === '' || name.path.split('/').some((c) => c.toLowerCase() === '.git')) {
        log.add(shortName(raw), 'path-traversal', `${shortName(raw)}: ${name.ok ? 'a ".git" component' : name.reason}; not read`);
        continue;
      }
      const path = name.path;
      if (type === 'commit') {
        // a submodule: not fetched, an empty directory as a checkout leaves it
        put(path, dirNode(0, undefined, 0o40755));
        continue;
      }
      const bytes = Number(size);
      const v = budget.entry(path);
      const t = v.ok ? budget.bytes(bytes) : v;
      if (!t.ok) {
        if (t.stop) {
          stop = t;
          log.add(commit, t.rule, `${commit}: ${t.message}; the rest of the tree is not read`);
        } else log.add(shortName(path), t.rule, `${shortName(path)}: ${t.message}`);
        continue;
      }
      if (mode === '120000') {
        if (bytes > MAX_LINK_TARGET) log.add(path, 'name-too-long', `${path}: a symlink target of ${bytes} bytes; not read`);
        else links.push({ path, oid, size: bytes });
        continue;
      }
      if (bytes > limits.maxFileBytes) {
        if (!filter || filter({ path, kind: 'file', size: bytes })) log.add(path, 'file-too-large', `${path}: ${bytes} bytes, over the ${limits.maxFileBytes}-byte limit; not read`);
        continue;
      }
      put(path, { kind: 'file', size: bytes, mode: mode === '100755' ? 0o100755 : 0o100644, layerIndex: 0, content: { where: 'lazy', load: () => blobs.read(oid, bytes), refs: 1 } });
    }
    rest = Buffer.from(buf);
  };
  await git(['--git-dir', bare, 'ls-tree', '-r', '-z', '-l', '--full-tree', commit], { ...run, onStdout });
  await Promise.all(puts);
  // symlinks last, so that a link never stands where a later entry needs a directory
  const targets = await Promise.all(links.map((l) => blobs.read(l.oid, l.size)));
  for (const [i, l] of links.entries()) {
    const target = targets[i].toString('utf8');
    if (target.includes('\0')) {
      log.add(l.path, 'path-traversal', `${l.path}: a symlink target with a NUL byte; not read`);
      continue;
    }
    put(l.path, { kind: 'symlink', size: l.size, mode: 0o120777, linkTarget: target, layerIndex: 0 });
  }
  await Promise.all(puts);
  return { tree, errors: log };
}

/**
 * Blobs of the bare clone by object id, through one `git cat-file --batch` (started on the first
 * read, ended by close()). Requests are pipelined: answers come back in the order asked.
 */
class BlobReader {
  private child: ChildProcess | null = null;
  private readonly pending: { oid: string; size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  /** the answer being read: its body, and how much of it has arrived */
  private body: Buffer | null = null;
  private current: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private got = 0;
  private head = Buffer.alloc(0);
  /** bytes of an answer nobody waits for, still to come */
  private skip = 0;
  private failed: Error | null = null;
  private closed = false;

  /**
   * `buffered`: git 2.36 or newer, whose `cat-file --batch-command --buffer` answers a whole
   * batch of requests in one go (a "flush" after each batch) rather than one write per blob.
   */
  constructor(private readonly bare: string, private readonly run: Omit<RunOptions, 'onStdout'>, private readonly buffered: boolean) {}

  read(oid: string, expected: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new VigilError('VIGIL_NOT_FOUND', `${oid}: the repository is closed`, { input: oid, rule: 'not-found' }));
    if (this.failed) return Promise.reject(this.failed);
    if (!/^[0-9a-f]{40,64}$/.test(oid)) return Promise.reject(new VigilError('VIGIL_NOT_FOUND', `${oid}: not an object id`, { input: oid, rule: 'not-found' }));
    this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ oid, size: expected, resolve, reject });
      this.busy(true);
      // the requests of one turn of the event loop go to git in one write
      const first = this.asked === '';
      this.asked += this.buffered ? `contents ${oid}\n` : `${oid}\n`;
      if (first) setImmediate(() => this.flush());
    });
  }

  private busy(on: boolean): void {
    const out = this.child?.stdout as Socket | null | undefined;
    if (on) out?.ref();
    else out?.unref();
  }

  private asked = '';
  private flush(): void {
    if (this.asked && this.child && !this.failed) this.child.stdin!.write(this.buffered ? `${this.asked}flush\n` : this.asked);
    this.asked = '';
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const child = spawnGit(['--git-dir', this.bare, 'cat-file', ...(this.buffered ? ['--batch-command', '--buffer'] : ['--batch'])], { ...this.run, input: undefined }, 'pipe');
    this.child = child;
    // git keeps the process alive only while an answer is awaited (a ScanFS left open must not hang the exit)
    child.unref();
    for (const s of [child.stdin, child.stderr] as (Socket | null)[]) s?.unref();
    child.stdin!.on('error', () => undefined);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.stdout!.on('data', (d: Buffer) => this.onData(d));
    const fail = (why: string): void => {
      this.failed = new VigilError('VIGIL_INVALID_INPUT', `git cat-file ${why}${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' ')}` : ''}`, { input: this.bare, rule: 'git' });
      for (const p of [...(this.current ? [this.current] : []), ...this.pending.splice(0)]) p.reject(this.failed);
      this.current = null;
    };
    child.on('error', (e) => fail(`could not be run (${e.message})`));
    child.on('close', (code, signal) => {
      if (!this.closed || this.pending.length) fail(`ended (${signal ?? code})`);
    });
    return child;
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    while (buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length);
        this.skip -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (this.body) {
        const n = Math.min(this.body.length - this.got, buf.length);
        buf.copy(this.body, this.got, 0, n);
        this.got += n;
        buf = buf.subarray(n);
        if (this.got === this.body.length) {
          const body = this.body.subarray(0, this.body.length - 1); // the LF after the contents
          const p = this.current;
          this.body = null;
          this.current = null;
          p?.resolve(body);
          if (!this.pending.length) this.busy(false);
        }
        continue;
      }
      const nl = buf.indexOf(10);
      if (nl === -1) {
        this.head = Buffer.concat([this.head, buf]);
        if (this.head.length > 1024) this.child?.kill('SIGKILL');
        return;
      }
      const line = Buffer.concat([this.head, buf.subarray(0, nl)]).toString('latin1');
      this.head = Buffer.alloc(0);
      buf = buf.subarray(nl + 1);
      // "<oid> blob <size>" or "<oid> missing"
      const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(line);
      const p = this.pending.shift();
      if (m && m[2] === 'blob' && Number(m[3]) === p?.size) {
        // the contents and their LF
        this.current = p;
        this.body = Buffer.allocUnsafe(p.size + 1);
        this.got = 0;
        continue;
      }
      p?.reject(new VigilError('VIGIL_NOT_FOUND', `object ${p?.oid ?? '?'}: ${m ? `a ${m[2]} of ${m[3]} bytes, not the listed blob` : line.slice(0, 200)}`, { input: p?.oid ?? '', rule: 'not-found' }));
      // contents that were not asked for are skipped
      if (m) this.skip = Number(m[3]) + 1;
      if (!this.pending.length) this.busy(false);
    }
  }

  close(): void {
    this.closed = true;
    if (!this.child) return;
    this.child.stdin!.end();
    if (this.pending.length) this.child.kill('SIGKILL');
  }
}

/** The commit's tree, read from the bare clone: the walk applies dir/'s limits as well. */
class GitFS extends TreeFS {
  constructor(
    private readonly gitTree: Tree,
    target: ScanFS['target'],
    private readonly walkLog: ErrorLog,
    private readonly gitLimits: SourceLimits,
    readonly gitDir: string,
    onClose: () => Promise<void>,
  ) {
    super(gitTree, target, walkLog, gitLimits, onClose);
  }

  override async *entries(): AsyncIterable<FileInfo> {
    const budget = new Budget(this.gitLimits);
    for (const [p, n] of this.gitTree.walk()) {
      const v = budget.entry(p);
      if (!v.ok) {
        if (v.stop) {
          this.walkLog.add(this.target.ref, v.rule, `${this.target.ref}: ${v.message}; walk stopped`);
          return;
        }
        this.walkLog.add(shortName(p), v.rule, `${shortName(p)}: ${v.message}`);
        continue;
      }
      yield infoOf(p, n);
    }
  }
}

export type GitLocation = { kind: 'local'; path: string } | { kind: 'remote'; url: string };

/**
 * Classifies a repository reference, refusing what could run commands or read odd places.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "git-transport")
 */
export function classifyGitRef(ref: string): GitLocation {
  const bad = (why: string): never => {
    throw new VigilError('VIGIL_INVALID_INPUT', `${JSON.stringify(ref)}: ${why}`, { input: ref, rule: 'git-transport' });
  };
  if (ref === '' || ref.startsWith('-')) bad('not a repository reference');
  if (/[\0\n\r]/.test(ref)) bad('control characters');
  // "<transport>::<address>" runs a remote helper (ext:: runs any command, fd:: uses descriptors)
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(ref)) bad('remote-helper transports ("x::…") are refused');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(ref);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'https' || s === 'ssh') {
      let u: URL;
      try {
        u = new URL(ref);
      } catch {
        return bad('malformed URL');
      }
      if (u.hostname === '' || u.hostname.startsWith('-')) bad('bad host');
      return { kind: 'remote', url: ref };
    }
    if (s === 'file') return { kind: 'local', path: decodeURIComponent(new URL(ref).pathname) };
    return bad(`transport ${s}:// is not allowed (use https:// or ssh://)`);
  }
  // scp-like syntax: [user@]host:path (no slash before the colon)
  const scp = /^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(ref);
  if (scp && !isAbsolute(ref) && !ref.startsWith('.')) {
    if (scp[1].startsWith('-') || scp[2].startsWith('-')) bad('bad host or path');
    return { kind: 'remote', url: ref };
  }
  return { kind: 'local', path: resolve(ref) };
}

/**
 * The host git connects to for a remote reference (https://, ssh://, scp-like user@host:path).
 * @throws VigilError VIGIL_INVALID_INPUT (rule "git-transport") for anything else
 */
export function gitRemoteOf(url: string): GitRemote {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (m) {
    const u = new URL(url);
    const transport = m[1].toLowerCase();
    if (transport !== 'https' && transport !== 'ssh') throw new VigilError('VIGIL_INVALID_INPUT', `${JSON.stringify(url)}: transport ${transport}:// is not allowed`, { input: url, rule: 'git-transport' });
    return { transport, host: u.hostname.replace(/^\[|\]$/g, ''), ...(u.port ? { port: Number(u.port) } : {}) };
  }
  const scp = /^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)/.exec(url);
  if (!scp) throw new VigilError('VIGIL_INVALID_INPUT', `${JSON.stringify(url)}: not a remote repository`, { input: url, rule: 'git-transport' });
  return { transport: 'ssh', host: scp[1] };
}

interface RunResult {
  stdout: string;
}

interface RunOptions {
  cwd?: string;
  allowFile: boolean;
  /** pins and environment from the policy (tenants) */
  access?: GitAccess;
  /** kill git after this long */
  timeoutMs?: number;
  /** more environment (GIT_INDEX_FILE) */
  env?: Record<string, string>;
  /** a file fed to git's stdin */
  input?: string;
  /** stdout, chunk by chunk, instead of collected (a listing can be large) */
  onStdout?: (chunk: Buffer) => void;
  /** https credentials, answered by a credential helper from the environment (credentials.ts) */
  credentials?: GitCredentials;
}

/** git with the hardening every call gets (no hooks, transports limited, no system config, no LFS, no prompts). */
function spawnGit(args: string[], opts: RunOptions, stdin: 'ignore' | 'pipe'): ChildProcess {
  const creds = gitCredentialArgs(opts.credentials);
  const config = [
    ...creds.config,
    '-c', 'core.hooksPath=/dev/null',
    '-c', 'protocol.allow=never',
    '-c', 'protocol.https.allow=always',
    '-c', 'protocol.ssh.allow=always',
    '-c', `protocol.file.allow=${opts.allowFile ? 'always' : 'never'}`,
    '-c', 'core.fsmonitor=false',
    '-c', 'core.symlinks=true',
    '-c', 'submodule.recurse=false',
    '-c', 'filter.lfs.smudge=', '-c', 'filter.lfs.process=', '-c', 'filter.lfs.required=false',
  ];
  const env = { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', GIT_CONFIG_NOSYSTEM: '1', GIT_PROTOCOL_FROM_USER: '0', GIT_LFS_SKIP_SMUDGE: '1', ...opts.access?.env, ...creds.env };
  // the only git process Vigil starts; opts.access carries the policy's pins (src/policy/git.ts)
  return spawn('git', [...config, ...(opts.access?.config ?? []), ...args], { cwd: opts.cwd, stdio: [stdin, 'pipe', 'pipe'], env });
}

function git(args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnGit(args, opts, opts.input === undefined ? 'ignore' : 'pipe');
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      createReadStream(opts.input).pipe(child.stdin!);
    }
    let out = '';
    let err = '';
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout!.on('data', (d: Buffer) => (opts.onStdout ? opts.onStdout(d) : (out += d.toString())));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new VigilError('VIGIL_CONFIG', `git could not be run: ${e.message}`, { rule: 'git', cause: e })));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise({ stdout: out });
      else reject(new VigilError('VIGIL_INVALID_INPUT', `git ${args[0]} failed (${signal ?? code}): ${err.trim().split('\n').slice(-3).join(' ')}`, { input: args.join(' '), rule: 'git' }));
    });
  });
}

/** How git may reach a reference under a policy: the local path to use, or the remote's pins. */
async function accessFor(policy: TargetPolicy, ref: string, loc: GitLocation): Promise<{ src: string; access?: GitAccess }> {
  if (loc.kind === 'local') {
    const path = await policy.checkPath(loc.path, ref);
    return { src: path, access: policy.unrestricted ? undefined : { config: [], env: tenantGitEnv(['file']) } };
  }
  const remote = gitRemoteOf(loc.url);
  if (!policy.unrestricted && remote.transport === 'https') await needsCurloptResolve();
  return { src: loc.url, access: await gitAccess(policy, remote, ref) };
}

let gitVersion: Promise<number[]> | undefined;
/** [major, minor] of the git on PATH (asked once per process); [] when it cannot be told */
function versionOfGit(): Promise<number[]> {
  gitVersion ??= git(['version'], { allowFile: false }).then((r) => (/(\d+)\.(\d+)/.exec(r.stdout) ?? []).slice(1).map(Number), () => []);
  return gitVersion;
}

/**
 * git ignores config keys it does not know, so a git older than 2.37 would silently drop the
 * `http.curloptResolve` pin and resolve tenants' hosts itself: refuse rather than run unpinned.
 * @throws VigilError VIGIL_CONFIG
 */
async function needsCurloptResolve(): Promise<void> {
  const [major = 0, minor = 0] = await versionOfGit();
  if (major < 2 || (major === 2 && minor < 37)) {
    throw new VigilError('VIGIL_CONFIG', `git ${major}.${minor} cannot pin a remote's address (http.curloptResolve needs git 2.37 or newer); tenants' https repositories are refused`, { rule: 'git-version' });
  }
}

/** A failed clone or ls-remote: tenants get one "unreachable" for a remote (git's words go to the cause, for the log). */
function remoteFailure(policy: TargetPolicy, ref: string, loc: GitLocation, e: unknown): unknown {
  if (loc.kind === 'remote' && !policy.unrestricted && e instanceof VigilError && e.rule === 'git') return policy.unreachable(ref, e);
  return e;
}

/**
 * The commit a branch of a repository points at (`git ls-remote`), through the policy.
 * @throws VigilError VIGIL_NETWORK rule "unreachable"; VIGIL_NOT_FOUND rule "branch-not-found";
 *   VIGIL_FORBIDDEN rule "not-allowed"; VIGIL_INVALID_INPUT rule "git-transport"
 */
export async function gitRemoteHead(ref: string, branch: string, opts: { policy?: TargetPolicy; timeoutMs?: number; credentials?: GitCredentials } = {}): Promise<string> {
  const policy = opts.policy ?? TargetPolicy.operator();
  const loc = classifyGitRef(ref);
  const { src, access } = await accessFor(policy, ref, loc);
  let out: string;
  try {
    ({ stdout: out } = await git(['ls-remote', '--', src, `refs/heads/${branch}`], { allowFile: loc.kind === 'local', access, timeoutMs: opts.timeoutMs ?? 60_000, credentials: opts.credentials }));
  } catch (e) {
    const mapped = remoteFailure(policy, ref, loc, e);
    if (mapped !== e) throw mapped;
    throw new VigilError('VIGIL_NETWORK', `git ls-remote ${ref}: ${(e as Error).message}`, { input: ref, rule: 'unreachable', cause: e });
  }
  const m = /^([0-9a-f]{40,64})\s/m.exec(out);
  if (!m) throw new VigilError('VIGIL_NOT_FOUND', `${ref}: no branch ${branch}`, { input: `${ref}#${branch}`, rule: 'branch-not-found' });
  return m[1];
}

/**
 * Clones `ref` into a scratch dir and opens the tree of `opts.rev` (read from the clone, nothing checked out).
 * @throws VigilError VIGIL_INVALID_INPUT (refused transport, clone or listing failed, unknown rev)
 */
export async function openGit(ref: string, opts: GitOptions = {}): Promise<ScanFS> {
  const loc = classifyGitRef(ref);
  if (opts.rev !== undefined && (opts.rev === '' || opts.rev.startsWith('-') || /[\0\s]/.test(opts.rev))) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${JSON.stringify(opts.rev)}: not a git revision`, { input: opts.rev, rule: 'git-rev' });
  }
  const policy = opts.policy ?? TargetPolicy.operator();
  const { src, access } = await accessFor(policy, ref, loc);
  if (loc.kind === 'local') {
    const s = await stat(src).catch(() => null);
    if (!s?.isDirectory()) throw new VigilError('VIGIL_NOT_FOUND', `${loc.path}: no such repository`, { input: ref, rule: 'not-found' });
  }
  const allowFile = loc.kind === 'local';
  // the steps after the clone touch only the scratch dir; tenants still get no user config there
  const local: GitAccess | undefined = access ? { config: [], env: tenantGitEnv([]) } : undefined;
  const scratch = new Scratch(opts.scratchParent);
  try {
    const base = await scratch.path();
    const bare = join(base, 'repo.git');
    const limits = { ...DEFAULT_SOURCE_LIMITS, ...opts.limits };
    const cloneArgs = ['clone', '--bare', '--quiet'];
    // --no-local: copy objects through the pack protocol rather than hardlinking a local repo's files
    if (loc.kind === 'local') cloneArgs.push('--no-local');
    if (opts.shallow && opts.rev && !/^[0-9a-f]{7,64}$/.test(opts.rev)) cloneArgs.push('--depth', '1', '--branch', opts.rev);
    await git([...cloneArgs, '--', src, bare], { allowFile, access, credentials: opts.credentials }).catch((e: unknown) => {
      throw remoteFailure(policy, ref, loc, e);
    });
    const rev = opts.rev ?? 'HEAD';
    const commit = (await git(['--git-dir', bare, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { allowFile, access: local }).catch(() => {
      throw new VigilError('VIGIL_NOT_FOUND', `${ref}: no revision ${JSON.stringify(rev)}`, { input: rev, rule: 'git-rev' });
    })).stdout.trim();
    const [major = 0, minor = 0] = await versionOfGit();
    const blobs = new BlobReader(bare, { allowFile, access: local }, major > 2 || (major === 2 && minor >= 36));
    try {
      const { tree, errors } = await listTree(bare, commit, limits, opts.filter, blobs, { allowFile, access: local });
      const target = { kind: 'git', ref: opts.rev ? `${ref}@${opts.rev}` : ref, digest: commit };
      return new GitFS(tree, target, errors, limits, bare, async () => {
        blobs.close();
        await scratch.dispose();
      });
    } catch (e) {
      blobs.close();
      throw e;
    }
  } catch (e) {
    await scratch.dispose();
    throw e;
  }
}
