/**
 * `vigil agent --server URL --token KEY`: reports this host's inventory (OS package databases,
 * os-release, listening sockets with their processes, the host firewall, the EC2 instance id) to a Vigil server whenever a package database changes (it watches
 * their directories) and at least once a day. Reads only the files the OS extractors need, the
 * files the language extractors want under the deep-inspection directories (issue 20: defaults plus
 * `--inspect-path`, `--no-deep-inspection` off), and walks only the `--secret-path` directories (issue 17: hardcoded secrets, scanned here, only the
 * findings sent). `--once` reports once and exits (cron, tests).
 */
import { execFile } from 'node:child_process';
import { constants, watch, type FSWatcher } from 'node:fs';
import { access, lstat, open, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { VigilError } from '../model/errors.ts';
import { readerChunks, type ScanFS, type FileInfo, type FileReader } from '../sources/types.ts';
import type { FirewallName, FirewallRun, HostFirewall, SocketOwner } from '../sources/ssh/hostnet.ts';
import type { ListeningSocket } from '../sources/ssh/proc-net.ts';
import type { SecretFinding } from '../model/code.ts';
import { DEFAULT_HOST_SECRET_PATHS } from '../sources/ssh/remote.ts';

interface AgentOpts { deepInspection?: boolean; inspectPath?: string[]; server: string; token?: string; root: string; interval: string; once?: boolean; hostname?: string; verbose?: boolean; quiet?: boolean; secretPath?: string[]; secrets?: boolean; tag?: string[]; cis?: boolean }

/**
 * `--tag key=value` options as tags, checked as the server checks them.
 * @throws VigilError VIGIL_CONFIG naming the option
 */
export async function parseTagOptions(values: readonly string[]): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new VigilError('VIGIL_CONFIG', `--tag ${JSON.stringify(v)}: must be key=value`, { input: v, rule: 'tag' });
    tags[v.slice(0, i)] = v.slice(i + 1);
  }
  // imported here: resource-tags brings zod (~750 KB), which no other command needs at start
  const { checkTags } = await import('../engine/resource-tags.ts');
  try {
    return checkTags(tags, '--tag');
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', (err as Error).message, { input: values.join(' '), rule: 'tag' });
  }
}

/** Directories whose changes mean "the installed packages changed". */
const WATCHED = ['var/lib/dpkg', 'lib/apk/db', 'var/lib/rpm', 'usr/lib/sysimage/rpm'];

/** A ScanFS over the root that lists only the host files the OS extractors read. */
async function hostFiles(root: string, name: string): Promise<ScanFS> {
  const [{ openDir }, { hostFilesToRead, HOST_DIRS }] = await Promise.all([import('../sources/dir/index.ts'), import('../sources/ssh/index.ts')]);
  const base = await openDir(root, { rootfs: true, kind: 'host', ref: name });
  const rpmLink = (await lstat(join(root, 'var/lib/rpm')).catch(() => null))?.isSymbolicLink() ?? false;
  const wanted = new Set<string>(hostFilesToRead(rpmLink));
  for (const d of HOST_DIRS) {
    for (const n of await readdir(join(root, d.dir)).catch(() => [] as string[])) if (d.match.test(n)) wanted.add(`${d.dir}/${n}`);
  }
  const paths = [...wanted].sort();
  return {
    target: base.target,
    get errors() { return base.errors; },
    stat: (p) => base.stat(p),
    readFile: (p) => base.readFile(p),
    close: () => base.close(),
    async *entries(): AsyncIterable<FileInfo> {
      for (const p of paths) {
        const info = await base.stat(p);
        if (info && info.kind === 'file') yield info;
      }
    },
  };
}

// ---- what network reachability needs: the firewall, sockets' processes, the instance id ----------

/** Seconds each firewall command may take. */
const FIREWALL_TIMEOUT_MS = 60_000;
const SBIN = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/bin'];

async function findBinary(name: string): Promise<string | undefined> {
  for (const d of [...(process.env.PATH ?? '').split(delimiter).filter((x) => x.startsWith('/')), ...SBIN]) {
    const p = join(d, name);
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

function runCapped(file: string, args: string[], maxBytes: number): Promise<{ stdout: string; exit: number | null; tooLarge?: boolean; timedOut?: boolean }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: FIREWALL_TIMEOUT_MS, maxBuffer: maxBytes, encoding: 'buffer', windowsHide: true }, (err, stdout) => {
      const out = Buffer.isBuffer(stdout) ? stdout.toString('utf8') : '';
      if (!err) return done({ stdout: out, exit: 0 });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
      if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return done({ stdout: '', exit: null, tooLarge: true });
      if (e.killed && e.signal) return done({ stdout: '', exit: null, timedOut: true });
      done({ stdout: out, exit: typeof e.code === 'number' ? e.code : null });
    });
  });
}

/**
 * The host firewall as `nft -j list ruleset`, `iptables-save`, `ip6tables-save` print it (each
 * when the command exists; as root, else through `sudo -n` when that needs no password), each
 * capped at 4 MiB; notes say what is missing and why. Only for the live system (`root` "/").
 */
export async function collectFirewall(root = '/'): Promise<HostFirewall> {
  const { FIREWALL_COMMANDS, FIREWALL_MAX_BYTES, FIREWALL_NAMES, firewallOf } = await import('../sources/ssh/hostnet.ts');
  if (resolve(root) !== '/') return { notes: [`not collected: --root ${root} is not the running system's root`] };
  const isRoot = process.getuid?.() === 0;
  let sudo: string | undefined;
  if (!isRoot) {
    const s = await findBinary('sudo');
    if (s && (await runCapped(s, ['-n', 'true'], 4096)).exit === 0) sudo = s;
  }
  const runs: FirewallRun[] = [];
  for (const name of FIREWALL_NAMES as readonly FirewallName[]) {
    const [cmd, ...args] = FIREWALL_COMMANDS[name];
    const bin = await findBinary(cmd);
    if (!bin) {
      runs.push({ name, missing: true });
      continue;
    }
    const r = sudo ? await runCapped(sudo, ['-n', bin, ...args], FIREWALL_MAX_BYTES) : await runCapped(bin, args, FIREWALL_MAX_BYTES);
    if (r.timedOut) runs.push({ name, note: `no answer within ${FIREWALL_TIMEOUT_MS / 1000} s; left out` });
    else runs.push({ name, stdout: r.stdout, exit: r.exit, ...(r.tooLarge ? { tooLarge: true } : {}) });
  }
  return firewallOf(runs, { root: isRoot, sudo: sudo !== undefined });
}

/**
 * Owners of the given socket inodes: /proc/<pid>/fd links `socket:[inode]` (the first
 * MAX_PIDS_SCANNED pids, numerically), name from /proc/<pid>/comm. Other users' fd directories
 * are readable only by root: without it those processes stay unknown.
 */
export async function socketOwners(root: string, inodes: Set<number>): Promise<{ owners: SocketOwner[]; pids: number }> {
  const { MAX_PIDS_SCANNED, cleanProcessName } = await import('../sources/ssh/hostnet.ts');
  const owners: SocketOwner[] = [];
  if (inodes.size === 0) return { owners, pids: 0 };
  const proc = join(root, 'proc');
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((n) => /^\d{1,8}$/.test(n)).map(Number).sort((a, b) => a - b);
  let links = 0;
  for (const pid of pids.slice(0, MAX_PIDS_SCANNED)) {
    const fds = await readdir(join(proc, String(pid), 'fd')).catch(() => null);
    if (!fds) continue;
    let found: number[] = [];
    for (const fd of fds) {
      // bounded: a process with a million descriptors does not stall the report
      if (++links > 1_000_000) break;
      const l = await readlink(join(proc, String(pid), 'fd', fd)).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(l);
      if (m && inodes.has(Number(m[1]))) found.push(Number(m[1]));
    }
    if (!found.length) continue;
    found = [...new Set(found)];
    const comm = await readFile(join(proc, String(pid), 'comm'), 'utf8').catch(() => '');
    const name = cleanProcessName(comm.slice(0, 256));
    for (const inode of found) owners.push({ pid, inode, ...(name ? { process: name } : {}) });
  }
  return { owners, pids: pids.length };
}

/** The EC2 instance id from DMI, else cloud-init's file; never a network call. */
export async function readInstanceId(root: string): Promise<string | undefined> {
  const { INSTANCE_ID_FILES, parseInstanceId } = await import('../sources/ssh/hostnet.ts');
  const [dmi, cloud] = await Promise.all(INSTANCE_ID_FILES.map((f) => readFile(join(root, f)).then((b) => b.subarray(0, 256).toString('utf8'), () => undefined)));
  return parseInstanceId(dmi, cloud);
}

/** Listening sockets (with their processes when readable), the firewall and the instance id of the host at `root`. */
export async function collectHostNetwork(root: string): Promise<{ listening: ListeningSocket[]; firewall: HostFirewall & { collectedAt: string }; instanceId?: string }> {
  const [{ parseProcNet, sortSockets }, { withOwners }] = await Promise.all([import('../sources/ssh/proc-net.ts'), import('../sources/ssh/hostnet.ts')]);
  let listening: ListeningSocket[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const text = await readFile(join(root, 'proc/net', proto), 'utf8').catch(() => null);
    if (text) listening.push(...parseProcNet(proto, text).sockets);
  }
  listening = sortSockets(listening);
  const inodes = new Set(listening.flatMap((s) => (s.inode ? [s.inode] : [])));
  const [{ owners }, firewall, instanceId] = await Promise.all([socketOwners(root, inodes), collectFirewall(root), readInstanceId(root)]);
  listening = withOwners(listening, owners);
  return { listening, firewall: { ...firewall, collectedAt: new Date().toISOString() }, ...(instanceId ? { instanceId } : {}) };
}

// ---- hosts' secrets (issue 17): the configured directories, scanned here -------------------------

export interface HostSecretLimits {
  /** files scanned at most */
  maxFiles: number;
  /** a larger file is not read (the secrets scanner's limit) */
  maxFileBytes: number;
  /** bytes read in all */
  maxTotalBytes: number;
  /** time for the walk and the scan */
  timeoutMs: number;
}

/** The SSH source's limits (src/sources/ssh DEFAULT_SSH_LIMITS maxSecret*), for the same directories read locally. */
export const DEFAULT_HOST_SECRET_LIMITS: HostSecretLimits = { maxFiles: 20_000, maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024, timeoutMs: 3 * 60 * 1000 };

/** Findings sent at most (the server's limit), and the longest snippet. */
const MAX_REPORTED_SECRETS = 10_000;
const MAX_SNIPPET = 1000;

/**
 * A ScanFS of the regular files under `dirs` (absolute, checked) of the filesystem at `root` that
 * the secrets scanner wants: breadth first, no symlink followed (a symlinked directory given is
 * followed, as the SSH walk does), no other filesystem entered, SECRET_PRUNED skipped, bounded in
 * count, size, total bytes and time (each a FileError). Files are opened with O_NOFOLLOW.
 */
export async function hostSecretFiles(root: string, dirs: readonly string[], limits: HostSecretLimits = DEFAULT_HOST_SECRET_LIMITS): Promise<{ fs: ScanFS; bytes: number }> {
  const { wantsContent } = await import('../detectors/secrets/fs.ts');
  return walkHostFiles(root, dirs, (info) => wantsContent({ path: info.path, kind: 'file', size: 0 }, Number.POSITIVE_INFINITY), limits, SECRET_WALK);
}

/** How a bounded walk names itself in its errors. */
interface WalkWords {
  /** path of the walk-wide errors */
  label: string;
  /** " for secrets" */
  what: string;
  rules: { files: string; bytes: string; time: string; entries: string };
}
const SECRET_WALK: WalkWords = { label: '(secrets)', what: ' for secrets', rules: { files: 'too-many-entries', bytes: 'total-too-large', time: 'timeout', entries: 'too-many-entries' } };

/**
 * The bounded local walk of the secrets and of deep inspection: the regular files under `dirs`
 * that `want` accepts (given their path, size and mode), breadth first, no symlink followed, no
 * other filesystem entered, SECRET_PRUNED skipped, bounded in count, size, total bytes and time
 * (each a FileError named by `words`). Files are opened with O_NOFOLLOW.
 */
async function walkHostFiles(root: string, dirs: readonly string[], want: (info: FileInfo) => boolean, limits: HostSecretLimits & { maxListed?: number }, words: WalkWords, runtime?: RuntimeWalk): Promise<{ fs: ScanFS; bytes: number; runtimeFiles: number; runtimeBytes: () => number }> {
  const { SECRET_PRUNED, secretPathFilter } = await import('../sources/ssh/remote.ts');
  // with runtimes: the walk covers their directories too; language files only under `dirs`
  const inDirs = secretPathFilter(dirs);
  const inRuntime = runtime ? secretPathFilter(runtime.dirs) : () => false;
  const walked = runtime ? runtime.dirs : dirs;
  const rtFiles: FileInfo[] = [];
  const isRuntime = (info: FileInfo) => runtime !== undefined && inRuntime(info.path) && runtime.want(info);
  const wanted = (info: FileInfo) => inDirs(info.path) && want(info);
  const maxListed = limits.maxListed ?? limits.maxFiles * 20;
  const errors: { path: string; rule: string; message: string }[] = [];
  const files: FileInfo[] = [];
  const pruned = new Set(SECRET_PRUNED);
  const deadline = Date.now() + limits.timeoutMs;
  let listed = 0;
  let bytes = 0;
  const abs = (p: string) => join(root, p);
  const realRoot = await realpath(root);
  outer: for (const dir of walked) {
    const top = await stat(abs(dir)).catch(() => null);
    if (!top?.isDirectory()) continue;
    // a directory given that is (or lies under) a symlink is followed only while it stays inside --root
    const real = await realpath(abs(dir)).catch(() => null);
    if (!real || (realRoot !== '/' && real !== realRoot && !real.startsWith(realRoot + '/'))) {
      errors.push({ path: dir.slice(1), rule: 'symlink-escape', message: `${dir} leads out of ${root} (to ${real}); not read` });
      continue;
    }
    const queue = [dir];
    while (queue.length) {
      const d = queue.shift()!;
      if (Date.now() > deadline) {
        errors.push({ path: words.label, rule: words.rules.time, message: `listing the files${words.what} took longer than ${limits.timeoutMs} ms; the rest not read` });
        break outer;
      }
      const entries = await readdir(abs(d), { withFileTypes: true }).catch(() => null);
      if (!entries) continue;
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (++listed > maxListed) {
          errors.push({ path: words.label, rule: words.rules.entries, message: `more than ${maxListed} directory entries under ${dirs.join(', ')}; the rest not read` });
          break outer;
        }
        const p = d === '/' ? `/${e.name}` : `${d}/${e.name}`;
        if (pruned.has(p) || /[\0\n]/.test(e.name)) continue;
        if (e.isDirectory()) {
          const st = await lstat(abs(p)).catch(() => null);
          // -xdev: another filesystem (a mount under the directory) is not entered
          if (st?.isDirectory() && st.dev === top.dev) queue.push(p);
        } else if (e.isFile()) {
          const rel = p.slice(1);
          // a name no size or mode could make wanted is passed over without a stat (most of a large tree)
          const guess = (size: number, mode: number) => ({ path: rel, kind: 'file', size, mode }) as FileInfo;
          if (![guess(64, 0o100755), guess(64, 0o100644)].some(wanted) && ![guess(64, 0o100755), guess(64, 0o100644), guess(2 ** 30, 0o100755), guess(2 ** 30, 0o100644)].some(isRuntime)) continue;
          const st = await lstat(abs(p)).catch(() => null);
          if (!st?.isFile()) continue;
          const info = { path: rel, kind: 'file', size: st.size, mode: st.mode } as FileInfo;
          // a runtime binary: listed, read later only as far as its extractors read (readChunks)
          if (isRuntime(info)) {
            if (rtFiles.length >= runtime!.maxFiles) {
              if (rtFiles.length === runtime!.maxFiles) errors.push({ path: words.label, rule: words.rules.files, message: `more than ${runtime!.maxFiles} runtime binaries under ${walked.join(', ')}; the rest not read` });
              continue;
            }
            rtFiles.push(info);
            continue;
          }
          if (!wanted(info)) continue;
          if (st.size > limits.maxFileBytes) {
            errors.push({ path: rel, rule: 'file-too-large', message: `${rel}: ${st.size} bytes, over the ${limits.maxFileBytes}-byte limit${words.what}; not read` });
            continue;
          }
          if (files.length >= limits.maxFiles) {
            errors.push({ path: words.label, rule: words.rules.files, message: `more than ${limits.maxFiles} files${words.what} under ${dirs.join(', ')}; the rest not read` });
            break outer;
          }
          if (bytes + st.size > limits.maxTotalBytes) {
            errors.push({ path: words.label === '(secrets)' ? rel : words.label, rule: words.rules.bytes, message: `more than ${limits.maxTotalBytes} bytes${words.what}; ${rel} and the rest not read` });
            break outer;
          }
          bytes += st.size;
          files.push({ path: rel, kind: 'file', size: st.size, mode: st.mode });
        }
        // symlinks, sockets, FIFOs, devices: never read
      }
    }
  }
  // the runtime binaries with the rest, in path order; over-limit runtime listings drop past maxFiles above
  files.push(...rtFiles.splice(0));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byPath = new Map(files.map((f) => [f.path, f]));
  const onDemand = new Set(runtime ? files.filter(isRuntime).map((f) => f.path) : []);
  const rt = { bytes: 0, deadline: Date.now() + (runtime?.timeoutMs ?? 0), stopped: false };
  /** the runtime reads' bounds: bytes read in all and time since the walk; the first hit recorded */
  const spend = (p: string, n: number) => {
    rt.bytes += n;
    const over = rt.bytes > runtime!.maxBytes ? words.rules.bytes : Date.now() > rt.deadline ? words.rules.time : undefined;
    if (!over) return;
    const message = over === words.rules.bytes ? `more than ${runtime!.maxBytes} bytes read of runtime binaries; ${p} and the rest not read` : `reading runtime binaries took longer than ${runtime!.timeoutMs} ms; ${p} and the rest not read`;
    if (!rt.stopped) errors.push({ path: words.label, rule: over, message });
    rt.stopped = true;
    throw new VigilError('VIGIL_LIMIT_EXCEEDED', message, { input: p, rule: over });
  };
  const openInfo = async (p: string) => {
    const info = byPath.get(p.replace(/^\/+/, ''));
    if (!info) throw new VigilError('VIGIL_NOT_FOUND', `${p}: not listed`, { input: p, rule: 'not-found' });
    // O_NOFOLLOW: a file swapped for a symlink since the listing is not followed
    return { info, h: await open(abs('/' + info.path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK) };
  };
  // positioned reads (an executable's headers and a window: go/binary, rust/auditable) of any listed
  // file; a runtime binary's bytes count with the runtime reads, any other file's against the file limit
  const openReader = async (p: string): Promise<FileReader> => {
    const { info, h } = await openInfo(p);
    const runtimeFile = onDemand.has(info.path);
    try {
      if (runtimeFile) spend(p, 0);
    } catch (e) {
      await h.close();
      throw e;
    }
    let closed = false;
    return {
      size: info.size,
      async read(buf, offset, length, position) {
        if (closed) throw new VigilError('VIGIL_INTERNAL', `${p}: read after close`, { input: p, rule: 'closed' });
        if (runtimeFile) spend(p, 0);
        const { bytesRead } = await h.read(buf, offset, length, position);
        if (runtimeFile) rt.bytes += bytesRead;
        else if (position + bytesRead > limits.maxFileBytes) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${p}: grew over the ${limits.maxFileBytes}-byte limit${words.what}`, { input: p, rule: 'file-too-large' });
        return bytesRead;
      },
      close() {
        if (!closed) void h.close().catch(() => undefined);
        closed = true;
      },
    };
  };
  const fs: ScanFS = {
    target: { kind: 'host', ref: root },
    errors,
    async *entries() {
      yield* files;
    },
    stat: async (p) => byPath.get(p.replace(/^\/+/, '')) ?? null,
    async readFile(p) {
      const { info, h } = await openInfo(p);
      try {
        const runtimeFile = onDemand.has(info.path);
        // a runtime binary read whole (another extractor's read()): the SSH source's file limit, counted with the runtime reads
        const max = runtimeFile ? RUNTIME_MAX_FILE_BYTES : limits.maxFileBytes;
        if (runtimeFile) spend(p, 0);
        const buf = Buffer.alloc(Math.min(max, runtimeFile ? info.size : max) + 1);
        let n = 0;
        for (;;) {
          const { bytesRead } = await h.read(buf, n, buf.length - n, n);
          if (bytesRead === 0) break;
          n += bytesRead;
          if (n > max) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${p}: grew over the ${max}-byte limit${words.what}`, { input: p, rule: 'file-too-large' });
          if (n === buf.length) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${p}: grew while read`, { input: p, rule: 'file-too-large' });
        }
        if (runtimeFile) spend(p, n);
        return buf.subarray(0, n);
      } finally {
        await h.close();
      }
    },
    openFile: openReader,
    ...(onDemand.size ? {
      async *readChunks(p: string, chunkBytes: number): AsyncIterable<Buffer> {
        yield* readerChunks(await openReader(p), chunkBytes);
      },
    } : {}),
    close: async () => undefined,
  };
  return { fs, bytes, runtimeFiles: onDemand.size, runtimeBytes: () => rt.bytes };
}

/** Runtime binaries in a bounded walk (issue 20): their directories and filter, and the bounds of reading them on demand. */
interface RuntimeWalk {
  dirs: readonly string[];
  want: (info: FileInfo) => boolean;
  maxFiles: number;
  maxBytes: number;
  timeoutMs: number;
}

/** A runtime binary read whole (by an extractor's read()): the SSH source's file limit (DEFAULT_SSH_LIMITS.maxFileBytes). */
const RUNTIME_MAX_FILE_BYTES = 256 * 1024 * 1024;

// ---- deep inspection (issue 20): language packages under default and given directories -----------

/** Deep inspection's limits for the local walk: the language files', and the runtime binaries' read on demand. */
export type HostDeepLimits = HostSecretLimits & { maxListed?: number; maxRuntimeFiles?: number; maxRuntimeBytes?: number; runtimeTimeoutMs?: number };

/** Deep inspection's limits for the local walk (the SSH source's DEFAULT_DEEP_LIMITS). */
export async function defaultDeepLimits(): Promise<Required<HostDeepLimits>> {
  const { DEFAULT_DEEP_LIMITS: d } = await import('../sources/ssh/deep.ts');
  return { maxFiles: d.maxFiles, maxFileBytes: d.maxFileBytes, maxTotalBytes: d.maxBytes, timeoutMs: d.timeoutMs, maxListed: d.maxListed, maxRuntimeFiles: d.maxRuntimeFiles, maxRuntimeBytes: d.maxRuntimeBytes, runtimeTimeoutMs: d.runtimeTimeoutMs };
}

/**
 * A ScanFS of the files the language extractors want under DEFAULT_DEEP_INSPECTION_PATHS plus
 * `extra` (absolute, checked) of the filesystem at `root`, and of the runtime binaries (and their
 * release/VERSION files) under those plus RUNTIME_INSPECTION_PATHS, which are read on demand
 * (`readChunks`, as far as their extractors read) within the runtime bounds: the same bounded walk
 * as the secrets' (no symlink followed, no other filesystem entered), its bounds errors with DEEP_RULES.
 * @throws VigilError VIGIL_CONFIG "inspection-paths" for a bad directory
 */
export async function hostDeepFiles(root: string, extra: readonly string[] = [], limits?: HostDeepLimits): Promise<{ fs: ScanFS; bytes: number; paths: string[]; runtimeFiles: number; runtimeBytes: () => number }> {
  const [{ inspectionPathsWith, runtimePathsWith, DEEP_LABEL, DEEP_RULES }, { contentFilterFor }, { extractorGroups }, { hostRuntimeFile }] = await Promise.all([
    import('../sources/ssh/deep.ts'), import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/runtime/index.ts'),
  ]);
  let paths: string[];
  let runtimePaths: string[];
  try {
    paths = inspectionPathsWith(extra);
    runtimePaths = runtimePathsWith(extra);
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', `--inspect-path: ${(err as Error).message}`, { rule: 'inspection-paths' });
  }
  const d = await defaultDeepLimits();
  const l = { ...d, ...limits };
  const words: WalkWords = { label: DEEP_LABEL, what: ' for deep inspection', rules: { files: DEEP_RULES.files, bytes: DEEP_RULES.bytes, time: DEEP_RULES.time, entries: DEEP_RULES.entries } };
  const runtime: RuntimeWalk = { dirs: runtimePaths, want: (info) => hostRuntimeFile(info.path, info), maxFiles: l.maxRuntimeFiles, maxBytes: l.maxRuntimeBytes, timeoutMs: l.runtimeTimeoutMs };
  const r = await walkHostFiles(root, paths, contentFilterFor(extractorGroups.language), l, words, runtime);
  return { ...r, paths };
}

/**
 * Two ScanFS as one (the OS files and the deep-inspection files; their listings do not overlap).
 * Reads go to the second when it lists the path: the first (a view of the whole root) stats and
 * reads any path, which would bypass the second's bounds (the runtime binaries' byte budget).
 */
function unionFS(a: ScanFS, b: ScanFS): ScanFS {
  const inB = async (p: string) => (await b.stat(p)) !== null;
  return {
    target: a.target,
    get errors() { return [...a.errors, ...b.errors]; },
    async *entries() {
      const seen = new Set<string>();
      for await (const e of a.entries()) {
        seen.add(e.path);
        yield e;
      }
      for await (const e of b.entries()) if (!seen.has(e.path)) yield e;
    },
    stat: async (p) => (await b.stat(p)) ?? a.stat(p),
    readFile: async (p) => ((await inB(p)) ? b.readFile(p) : a.readFile(p)),
    // runtime binaries (issue 20) are read in chunks, as far as their extractors read
    async *readChunks(p: string, n: number) {
      const from = (await inB(p)) ? b : a;
      if (from.readChunks) yield* from.readChunks(p, n);
      else yield await from.readFile(p);
    },
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

/**
 * The secrets under `dirs` of the host at `root` (scanSecrets; the secret itself never leaves the
 * finding: prefix, hash, masked snippet), with what could not be read as errors.
 */
export async function collectHostSecrets(root: string, dirs: readonly string[], limits: HostSecretLimits = DEFAULT_HOST_SECRET_LIMITS): Promise<{ secrets: SecretFinding[]; errors: { path: string; rule: string; message: string }[]; files: number; bytes: number }> {
  const [{ normalizeSecretPaths }, { scanSecrets }] = await Promise.all([import('../sources/ssh/remote.ts'), import('../detectors/secrets/fs.ts')]);
  let checked: string[];
  try {
    checked = normalizeSecretPaths(dirs);
  } catch (err) {
    throw new VigilError('VIGIL_CONFIG', `--secret-path: ${(err as Error).message}`, { rule: 'secret-paths' });
  }
  const { fs, bytes } = await hostSecretFiles(root, checked, limits);
  let files = 0;
  const r = await scanSecrets(fs, { maxFileBytes: limits.maxFileBytes, onProgress: (n) => (files = n) });
  const errors = [...fs.errors, ...r.errors];
  let secrets = r.findings.filter((f) => f.location.path.length <= 4096).map((f) => (f.snippet.length > MAX_SNIPPET ? { ...f, snippet: f.snippet.slice(0, MAX_SNIPPET - 1) + '…' } : f));
  if (secrets.length > MAX_REPORTED_SECRETS) {
    errors.push({ path: '(secrets)', rule: 'too-many-findings', message: `${secrets.length} secrets found; the first ${MAX_REPORTED_SECRETS} reported` });
    secrets = secrets.slice(0, MAX_REPORTED_SECRETS);
  }
  return { secrets, errors, files, bytes };
}

/** Collects the report the server's POST /v1/agent/report takes. */
export async function collectAgentReport(root: string, name?: string, opts: { secretPaths?: readonly string[]; secretLimits?: HostSecretLimits; cis?: boolean; tags?: Record<string, string>; deepInspection?: boolean; inspectPaths?: readonly string[]; deepLimits?: HostDeepLimits } = {}) {
  const [{ collectInventory }, { extractorGroups }, { detectOs }] = await Promise.all([
    import('../inventory/index.ts'), import('../extractors/index.ts'), import('../extractors/os/index.ts'),
  ]);
  const host = name ?? ((await readFile(join(root, 'etc/hostname'), 'utf8').catch(() => '')).trim() || osHostname());
  const osFiles = await hostFiles(root, host);
  // issue 20: language packages under the default and --inspect-path directories (unless --no-deep-inspection)
  const fs = opts.deepInspection === false ? osFiles : unionFS(osFiles, (await hostDeepFiles(root, opts.inspectPaths ?? [], opts.deepLimits)).fs);
  try {
    const inv = await collectInventory(fs, { extractors: opts.deepInspection === false ? extractorGroups.os : extractorGroups.all, detectOs });
    const machineId = (await readFile(join(root, 'etc/machine-id'), 'utf8').catch(() => '')).trim() || undefined;
    const { listening, firewall, instanceId } = await collectHostNetwork(root);
    // no secretPaths: the report says nothing about secrets (the server leaves the host's as they are)
    const sec = opts.secretPaths && opts.secretPaths.length ? await collectHostSecrets(root, opts.secretPaths, opts.secretLimits) : undefined;
    const errors = inv.errors.map((e) => ({ path: e.path, rule: e.rule, message: e.message }));
    if (sec) errors.push(...sec.errors.slice(0, Math.max(0, 10_000 - errors.length)));
    // issue 18: the CIS assessment, evaluated here (the files never leave the host, only the results)
    let cis: Record<string, unknown> | undefined;
    if (opts.cis !== false) {
      const { assessLocalHost } = await import('./cis.ts');
      const at = new Date();
      const a = await assessLocalHost(root, at).catch((err: Error) => ({ result: undefined, reason: `the CIS assessment failed: ${err.message}` }));
      if (a.result) cis = { ...a.result, collectedAt: at.toISOString() };
      else errors.push({ path: '(cis)', rule: 'cis-unsupported', message: a.reason ?? 'no CIS assessment' });
    }
    return {
      hostname: host,
      ...(machineId ? { machineId } : {}),
      agentVersion: '0.1.0',
      ...(inv.os ? { os: { id: inv.os.id, ...(inv.os.versionId ? { versionId: inv.os.versionId } : {}), ...(inv.os.prettyName ? { prettyName: inv.os.prettyName } : {}), ...(inv.os.ecosystem ? { ecosystem: inv.os.ecosystem } : {}) } } : {}),
      packages: inv.packages,
      listening,
      firewall,
      ...(instanceId ? { instanceId } : {}),
      ...(sec ? { secrets: sec.secrets } : {}),
      ...(cis ? { cis } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
      errors,
    };
  } finally {
    await fs.close();
  }
}

async function send(server: string, token: string, report: unknown): Promise<{ resourceId: string; packages: number; findings: number }> {
  const url = `${server.replace(/\/+$/, '')}/v1/agent/report`;
  let res: Response;
  try {
    // the operator's own request (to the server it named): through the one request path, nothing refused
    const { TargetPolicy } = await import('../policy/index.ts');
    res = await TargetPolicy.operator().fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(report), signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new VigilError('VIGIL_NETWORK', `cannot reach ${url}: ${(err as Error).message}`, { input: url, rule: 'unreachable' });
  }
  const body = await res.json().catch(() => ({})) as { error?: { code?: string; message?: string } } & Record<string, unknown>;
  if (!res.ok) throw new VigilError(res.status === 401 ? 'VIGIL_UNAUTHORIZED' : res.status === 403 ? 'VIGIL_FORBIDDEN' : 'VIGIL_NETWORK', `${url}: ${res.status} ${body.error?.message ?? ''}`.trim(), { input: url, rule: `http-${res.status}` });
  return body as unknown as { resourceId: string; packages: number; findings: number };
}

export function registerAgentCommand(program: Command): void {
  program.command('agent')
    .description('report this host\'s packages to a Vigil server when they change, and at least daily')
    .requiredOption('--server <url>', 'the Vigil server, e.g. https://vigil.example:8080')
    .option('--token <key>', 'an API key with the analyst or admin role (or VIGIL_AGENT_TOKEN)')
    .option('--root <dir>', 'the root filesystem to read', '/')
    .option('--interval <seconds>', 'report at least this often', '86400')
    .option('--hostname <name>', 'the name to report (default /etc/hostname)')
    .option('--once', 'report once and exit')
    .option('--secret-path <dir>', `a directory to scan for hardcoded secrets, repeatable (default ${DEFAULT_HOST_SECRET_PATHS.join(', ')}); no symlink followed, other filesystems not entered`, (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-secrets', 'do not scan for secrets (the report then says nothing about them)')
    .option('--tag <key=value>', 'a key/value tag of this host (CIS scan configurations target hosts by tag), repeatable; the report replaces the tags the agent set before (tags set through the API stay)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--inspect-path <dir>', 'deep inspection: a directory to inventory language packages in, beyond /usr/lib, /usr/lib64, /usr/local/lib, /usr/local/lib64, /opt, /srv, /var/www, /home, /root; repeatable', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-deep-inspection', 'report the OS package databases only (no language packages)')
    .option('--no-cis', 'do not make the CIS benchmark assessment (made here with each report: only the results are sent)')
    .action(async (o: AgentOpts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<AgentOpts>();
      const token = o.token ?? process.env.VIGIL_AGENT_TOKEN;
      if (!token) throw new VigilError('VIGIL_CONFIG', 'vigil agent needs --token or VIGIL_AGENT_TOKEN (an API key with the analyst or admin role)', { rule: 'agent-token' });
      const interval = Number(o.interval);
      if (!Number.isInteger(interval) || interval < 60) throw new VigilError('VIGIL_CONFIG', `invalid --interval ${JSON.stringify(o.interval)}: whole seconds, at least 60`, { input: o.interval, rule: 'seconds' });
      const { createLogger, levelFor } = await import('../log.ts');
      const log = createLogger(levelFor(opts, 'info'));
      const secretPaths = o.secrets === false ? [] : (o.secretPath ?? [...DEFAULT_HOST_SECRET_PATHS]);
      if (secretPaths.length) {
        const { normalizeSecretPaths } = await import('../sources/ssh/remote.ts');
        try {
          normalizeSecretPaths(secretPaths);
        } catch (err) {
          throw new VigilError('VIGIL_CONFIG', `--secret-path: ${(err as Error).message}`, { rule: 'secret-paths' });
        }
      }
      const tags = o.tag ? await parseTagOptions(o.tag) : undefined;
      const inspectPaths = o.inspectPath ?? [];
      if (inspectPaths.length) {
        const { normalizeInspectionPaths } = await import('../sources/ssh/deep.ts');
        try {
          normalizeInspectionPaths(inspectPaths);
        } catch (err) {
          throw new VigilError('VIGIL_CONFIG', `--inspect-path: ${(err as Error).message}`, { rule: 'inspection-paths' });
        }
      }
      const report = async () => {
        const r = await collectAgentReport(o.root, o.hostname, { secretPaths, cis: o.cis !== false, deepInspection: o.deepInspection !== false, inspectPaths, ...(tags ? { tags } : {}) });
        const out = await send(o.server, token, r);
        log.info({ resource: out.resourceId, packages: out.packages, findings: out.findings, ...('secrets' in r ? { secrets: r.secrets?.length } : {}) }, 'inventory reported');
        return out;
      };
      if (o.once) {
        const out = await report();
        process.stdout.write(`reported ${out.packages} packages (${out.findings} findings) as ${out.resourceId}\n`);
        return;
      }
      // report now, on every change of a package database (debounced), and at least every interval;
      // a failed report is retried with backoff up to the interval
      let timer: NodeJS.Timeout | undefined;
      let failures = 0;
      const schedule = (ms: number) => { clearTimeout(timer); timer = setTimeout(() => void tick(), ms); };
      const tick = async () => {
        try {
          await report();
          failures = 0;
          schedule(interval * 1000);
        } catch (err) {
          failures++;
          const wait = Math.min(interval * 1000, 5000 * 2 ** Math.min(failures, 10));
          log.warn({ err: (err as Error).message, retryInSeconds: Math.round(wait / 1000) }, 'report failed');
          schedule(wait);
        }
      };
      const watchers: FSWatcher[] = [];
      for (const d of WATCHED) {
        try {
          watchers.push(watch(join(o.root, d), { persistent: true }, () => schedule(5000)));
        } catch {
          // not this distribution's package manager
        }
      }
      log.info({ server: o.server, watching: watchers.length, intervalSeconds: interval }, 'agent started');
      await tick();
      await new Promise<void>((resolve) => {
        const stop = () => { clearTimeout(timer); for (const w of watchers) w.close(); resolve(); };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
