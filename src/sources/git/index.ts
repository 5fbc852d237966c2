/**
 * A git repository (a local path or a clone URL) at a ref: cloned bare into the scan's scratch
 * dir, the ref checked out into a separate work tree there, and served through dir/. close()
 * removes it all. No hooks run, and only file paths, https:// and ssh:// (including scp-like
 * "git@host:path") transports are accepted: `ext::` and friends run commands.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { VigilError } from '../../model/index.ts';
import { gitAccess, TargetPolicy, tenantGitEnv, type GitAccess, type GitRemote } from '../../policy/index.ts';
import { DEFAULT_SOURCE_LIMITS, type ContentFilter, type FileError, type ScanFS, type SourceLimits } from '../types.ts';
import { openDir } from '../dir/index.ts';
import { Budget, ErrorLog, Scratch, shortName, type Verdict } from '../vfs/index.ts';
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

/**
 * Applies the limits to the commit's tree before anything is written (`git ls-tree -r -l`,
 * streamed): entries, name bytes and total bytes stop the checkout there, files over maxFileBytes
 * are left out; what is left out is written NUL-separated to `skipFile`. Ratio has no meaning here
 * (git stores deltas), and submodules are not fetched.
 */
async function planCheckout(bare: string, commit: string, skipFile: string, limits: SourceLimits, filter: ContentFilter | undefined, run: Omit<RunOptions, 'onStdout'>): Promise<{ skipped: number; errors: FileError[] }> {
  const log = new ErrorLog(commit);
  const budget = new Budget(limits);
  const out = createWriteStream(skipFile, { mode: 0o600 });
  let skipped = 0;
  let stop: Verdict | null = null;
  const skip = (path: string): void => {
    skipped++;
    out.write(`${path}\0`);
  };
  let rest = Buffer.alloc(0);
  const onStdout = (chunk: Buffer): void => {
    let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    for (let z = buf.indexOf(0); z >= 0; z = buf.indexOf(0)) {
      const rec = buf.toString('utf8', 0, z);
      buf = buf.subarray(z + 1);
      // "<mode> <type> <object> <size>\t<path>"
      const tab = rec.indexOf('\t');
      const [mode, type, , size] = rec.slice(0, tab).split(/ +/);
      const path = rec.slice(tab + 1);
      if (type !== 'blob') continue; // submodules (commit) are not fetched
      if (stop) {
        skip(path);
        continue;
      }
      const bytes = Number(size);
      const v = budget.entry(path);
      const t = v.ok ? budget.bytes(bytes) : v;
      if (!t.ok) {
        if (t.stop) {
          stop = t;
          log.add(commit, t.rule, `${commit}: ${t.message}; the rest of the tree is not checked out`);
        } else log.add(shortName(path), t.rule, `${shortName(path)}: ${t.message}`);
        skip(path);
        continue;
      }
      if (mode !== '120000' && bytes > limits.maxFileBytes) {
        if (!filter || filter({ path, kind: 'file', size: bytes })) log.add(path, 'file-too-large', `${path}: ${bytes} bytes, over the ${limits.maxFileBytes}-byte limit; not checked out`);
        skip(path);
      }
    }
    rest = Buffer.from(buf);
  };
  try {
    await git(['--git-dir', bare, 'ls-tree', '-r', '-z', '-l', '--full-tree', commit], { ...run, onStdout });
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return { skipped, errors: log.list };
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

function git(args: string[], opts: RunOptions): Promise<RunResult> {
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
  return new Promise((resolvePromise, reject) => {
    // the only git process Vigil starts; opts.access carries the policy's pins (src/policy/git.ts)
    const child = spawn('git', [...config, ...(opts.access?.config ?? []), ...args], { cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
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

/**
 * git ignores config keys it does not know, so a git older than 2.37 would silently drop the
 * `http.curloptResolve` pin and resolve tenants' hosts itself: refuse rather than run unpinned.
 * @throws VigilError VIGIL_CONFIG
 */
async function needsCurloptResolve(): Promise<void> {
  gitVersion ??= git(['version'], { allowFile: false }).then((r) => (/(\d+)\.(\d+)/.exec(r.stdout) ?? []).slice(1).map(Number), () => []);
  const [major = 0, minor = 0] = await gitVersion;
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
 * Clones `ref` at `opts.rev` into a scratch dir and opens the checkout.
 * @throws VigilError VIGIL_INVALID_INPUT (refused transport, clone or checkout failed, unknown rev)
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
    const tree = join(base, 'tree');
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
    await mkdir(tree);
    const plan = await planCheckout(bare, commit, join(base, 'skip'), { ...DEFAULT_SOURCE_LIMITS, ...opts.limits }, opts.filter, { allowFile, access: local });
    if (plan.skipped === 0) {
      await git(['--git-dir', bare, '--work-tree', tree, 'checkout', '--quiet', '--force', commit, '--', '.'], { allowFile, access: local });
    } else {
      // the commit's tree into a private index, minus what the limits skip, then written out:
      // skipped blobs never reach the disk
      const env = { GIT_INDEX_FILE: join(base, 'index') };
      await git(['--git-dir', bare, 'read-tree', commit], { allowFile, access: local, env });
      await git(['--git-dir', bare, '--work-tree', tree, 'update-index', '--force-remove', '-z', '--stdin'], { allowFile, access: local, env, input: join(base, 'skip') });
      await git(['--git-dir', bare, '--work-tree', tree, 'checkout-index', '--all', '--force'], { allowFile, access: local, env });
    }
    const fs = await openDir(tree, {
      kind: 'git',
      ref: opts.rev ? `${ref}@${opts.rev}` : ref,
      digest: commit,
      limits: opts.limits,
      onClose: () => scratch.dispose(),
    });
    fs.errors.push(...plan.errors);
    return Object.assign(fs, { gitDir: bare });
  } catch (e) {
    await scratch.dispose();
    throw e;
  }
}
